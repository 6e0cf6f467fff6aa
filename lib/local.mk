# SPDX-License-Identifier: MIT
#
# lib/: the network-free core shared by the helper, the SASL plugin and the
# connection plugin.  libmocore links jansson and inih only: it is what the
# fast path (`mailoauth token` with a fresh token) loads.  libmocrypto adds
# the pieces that need OpenSSL.

noinst_LTLIBRARIES += lib/libmocore.la lib/libmocrypto.la

lib_libmocore_la_SOURCES = \
	lib/errors.c lib/errors.h \
	lib/clock.c lib/clock.h \
	lib/secret.c lib/secret.h \
	lib/buf.c lib/buf.h \
	lib/validate.c lib/validate.h \
	lib/grantcheck.c lib/grantcheck.h \
	lib/text.c lib/text.h \
	lib/saslmsg.c lib/saslmsg.h \
	lib/challenge.c lib/challenge.h \
	lib/jsonload.c lib/jsonload.h \
	lib/jsonalloc.c lib/jsonalloc.h \
	lib/config.h \
	lib/confload.c lib/config.c lib/confparse.c lib/confbuild.c lib/confprov.c \
	lib/hosts.c lib/hosts.h \
	lib/ports.c lib/ports.h \
	lib/confval.c lib/confval.h lib/confint.h \
	lib/errmsg.c lib/errmsg.h \
	lib/paths.c lib/paths.h \
	lib/atomicfile.c lib/atomicfile.h \
	lib/store.c lib/storefmt.c lib/storefmt.h lib/lock.c \
	lib/store.h \
	lib/subproc.c lib/subproc.h \
	lib/tokenget.c lib/tokenget.h \
	lib/tokenreject.c lib/tokenreject.h \
	lib/grant.c lib/grant.h \
	lib/tokenout.c lib/tokenout.h
lib_libmocore_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(INIH_CFLAGS)
lib_libmocore_la_LIBADD = $(JANSSON_LIBS) $(INIH_LIBS)

lib_libmocrypto_la_SOURCES = \
	lib/b64.c lib/b64.h \
	lib/storecrypt.c lib/storecrypt.h
lib_libmocrypto_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS)
lib_libmocrypto_la_LIBADD = $(CRYPTO_LIBS) $(JANSSON_LIBS)
