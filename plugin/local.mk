# SPDX-License-Identifier: MIT
#
# plugin/: the connection plugin (mailoauth connect) and mailoauth check.
#
# The protocol parsers and other pure helpers (no I/O, no OpenSSL) are a
# convenience library, so that the unit tests in tests/connect/ link exactly
# what the program runs.

noinst_LTLIBRARIES += plugin/libmoproto.la
plugin_libmoproto_la_SOURCES = \
	plugin/pop3parse.c plugin/pop3parse.h \
	plugin/imapparse.c plugin/imapparse.h \
	plugin/saslplain.c plugin/saslplain.h \
	plugin/target.c plugin/target.h \
	plugin/report.c plugin/report.h
plugin_libmoproto_la_CFLAGS = $(AM_CFLAGS)

pkglibexec_PROGRAMS += plugin/mailoauth-connect
plugin_mailoauth_connect_SOURCES = \
	plugin/main.c \
	plugin/conn.c plugin/conn.h \
	plugin/tls.c plugin/tls.h \
	plugin/relay.c plugin/relay.h \
	plugin/login.c plugin/login.h \
	plugin/upstream.c plugin/upstream.h \
	plugin/pop3up.c plugin/imapup.c plugin/smtpup.c \
	plugin/front.h plugin/pop3front.c plugin/imapfront.c \
	plugin/check.c plugin/check.h
plugin_mailoauth_connect_CFLAGS = $(EXE_CFLAGS) $(SSL_CFLAGS)
plugin_mailoauth_connect_LDFLAGS = $(EXE_LDFLAGS)
plugin_mailoauth_connect_LDADD = plugin/libmoproto.la \
	lib/libmocrypto.la lib/libmocore.la $(SSL_LIBS) $(CRYPTO_LIBS)
