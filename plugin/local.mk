# SPDX-License-Identifier: MIT
#
# plugin/: the connection plugin (mailoauth connect) and mailoauth check.
#
# Two convenience libraries, so that the unit tests in tests/connect/ and
# the fuzzers in tests/fuzz/ link exactly what the program runs:
#   libmoproto.la     the protocol parsers and other pure helpers (no I/O,
#                     no OpenSSL);
#   libmoupstream.la  the client side toward the mail server: connections,
#                     TLS, the POP3/IMAP/SMTP operations tables (upstream.h)
#                     and what a login needs (login.h).

noinst_LTLIBRARIES += plugin/libmoproto.la plugin/libmoupstream.la
plugin_libmoproto_la_SOURCES = \
	plugin/pop3parse.c plugin/pop3parse.h \
	plugin/imapparse.c plugin/imapparse.h \
	plugin/saslplain.c plugin/saslplain.h \
	plugin/target.c plugin/target.h \
	plugin/smtpadvice.c plugin/smtpadvice.h \
	plugin/report.c plugin/report.h
plugin_libmoproto_la_CFLAGS = $(AM_CFLAGS)

plugin_libmoupstream_la_SOURCES = \
	plugin/conn.c plugin/conn.h \
	plugin/tls.c plugin/tls.h \
	plugin/login.c plugin/login.h \
	plugin/upstream.c plugin/upstream.h \
	plugin/pop3up.c plugin/imapup.c plugin/smtpup.c
plugin_libmoupstream_la_CFLAGS = $(AM_CFLAGS) $(SSL_CFLAGS)
# What a program linking libmoupstream.la needs after it.
MOUPSTREAM_LIBS = plugin/libmoproto.la lib/libmocrypto.la lib/libmocore.la \
	$(SSL_LIBS) $(CRYPTO_LIBS)

pkglibexec_PROGRAMS += plugin/mailoauth-connect
plugin_mailoauth_connect_SOURCES = \
	plugin/main.c \
	plugin/relay.c plugin/relay.h \
	plugin/front.h plugin/pop3front.c plugin/imapfront.c \
	plugin/check.c plugin/check.h plugin/monitor.c
plugin_mailoauth_connect_CFLAGS = $(EXE_CFLAGS) $(SSL_CFLAGS)
plugin_mailoauth_connect_LDFLAGS = $(EXE_LDFLAGS)
plugin_mailoauth_connect_LDADD = plugin/libmoupstream.la $(MOUPSTREAM_LIBS)
