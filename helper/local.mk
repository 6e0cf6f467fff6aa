# SPDX-License-Identifier: MIT
#
# helper/: the `mailoauth` front end (core only: jansson + inih) and, in
# helper/net/, the mailoauth-net back end (libcurl + OpenSSL), installed in
# pkglibexecdir.

bin_PROGRAMS += helper/mailoauth
helper_mailoauth_SOURCES = \
	helper/main.c helper/frontend.h \
	helper/fastpath.c
helper_mailoauth_CFLAGS = $(EXE_CFLAGS)
helper_mailoauth_LDFLAGS = $(EXE_LDFLAGS)
helper_mailoauth_LDADD = lib/libmocore.la

# Everything mailoauth-net does, as a convenience library: the program, the
# unit tests and the fuzzers link the same objects.
noinst_LTLIBRARIES += helper/net/libmonet.la
helper_net_libmonet_la_SOURCES = \
	helper/net/cmd.h helper/net/account.c \
	helper/net/log.c helper/net/log.h \
	helper/net/http.c helper/net/http.h \
	helper/net/trust.c helper/net/trust.h \
	helper/net/retry.c helper/net/retry.h \
	helper/net/oauth.c helper/net/oauth.h \
	helper/net/clientsecret.c helper/net/command.c helper/net/command.h \
	helper/net/assertion.c helper/net/assertion.h \
	helper/net/idperrors.c helper/net/idperrors.h \
	helper/net/refresh.c helper/net/refresh.h \
	helper/net/apptoken.c helper/net/apptoken.h \
	helper/net/storekey.c helper/net/storekey.h \
	helper/net/cmd-token.c \
	helper/net/cmd-refresh.c \
	helper/net/cmd-status.c \
	helper/net/cmd-logout.c \
	helper/net/cmd-import.c \
	helper/net/cmd-consent.c \
	helper/net/cmd-reject.c \
	helper/net/cmd-notify.c \
	helper/net/notify.c helper/net/notify.h \
	helper/net/monitor.c \
	helper/net/signin.h helper/net/signin-main.c \
	helper/net/signin-browser.c helper/net/signin-device.c \
	helper/net/deviceauth.c helper/net/deviceauth.h \
	helper/net/signin-cc.c helper/net/signin-open.c helper/net/signin-qr.c \
	helper/net/signin-pkce.c helper/net/signin-pkce.h \
	helper/net/signin-callback.c helper/net/signin-callback.h \
	helper/net/signin-loopback.c helper/net/signin-loopback.h \
	helper/net/signin-check.c helper/net/signin-check.h
helper_net_libmonet_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS) $(QRENCODE_CFLAGS)
# What a program linking libmonet.la needs after it.
MONET_LIBS = lib/libmocrypto.la lib/libmocore.la $(CURL_LIBS) $(JANSSON_LIBS) \
	$(CRYPTO_LIBS) $(QRENCODE_LIBS)

pkglibexec_PROGRAMS += helper/mailoauth-net
helper_mailoauth_net_SOURCES = helper/net/main.c
helper_mailoauth_net_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/helper/net
helper_mailoauth_net_CFLAGS = $(EXE_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
helper_mailoauth_net_LDFLAGS = $(EXE_LDFLAGS)
helper_mailoauth_net_LDADD = helper/net/libmonet.la $(MONET_LIBS)
