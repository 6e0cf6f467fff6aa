# SPDX-License-Identifier: MIT
#
# helper/: the `mailoauth` front end (core only: jansson + inih) and the
# mailoauth-net back end (libcurl + OpenSSL), installed in pkglibexecdir.

bin_PROGRAMS += helper/mailoauth
helper_mailoauth_SOURCES = \
	helper/main.c helper/frontend.h \
	helper/fastpath.c
helper_mailoauth_CFLAGS = $(EXE_CFLAGS)
helper_mailoauth_LDFLAGS = $(EXE_LDFLAGS)
helper_mailoauth_LDADD = lib/libmocore.la

# mailoauth-net: everything that talks to the identity provider (issue 3).
pkglibexec_PROGRAMS += helper/mailoauth-net
helper_mailoauth_net_SOURCES = \
	helper/net-main.c helper/net-cmd.h \
	helper/net-log.c helper/net-log.h \
	helper/net-http.c helper/net-http.h \
	helper/net-trust.c helper/net-trust.h \
	helper/net-retry.c helper/net-retry.h \
	helper/net-oauth.c helper/net-oauth.h \
	helper/net-secret.c \
	helper/net-errors.c helper/net-errors.h \
	helper/net-refresh.c helper/net-refresh.h \
	helper/net-token.c \
	helper/net-refreshcmd.c \
	helper/net-status.c \
	helper/net-import.c \
	helper/net-consent.c \
	$(signin_sources)
helper_mailoauth_net_CFLAGS = $(EXE_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS) $(QRENCODE_CFLAGS)
helper_mailoauth_net_LDFLAGS = $(EXE_LDFLAGS)
helper_mailoauth_net_LDADD = lib/libmocrypto.la lib/libmocore.la $(CURL_LIBS) $(JANSSON_LIBS) \
	$(CRYPTO_LIBS) $(QRENCODE_LIBS)

# `mailoauth authorize`: the sign-in flows (issue 4).
signin_sources = \
	helper/signin.h helper/signin-main.c \
	helper/signin-browser.c helper/signin-device.c helper/signin-cc.c \
	helper/signin-open.c helper/signin-qr.c \
	helper/signin-pkce.c helper/signin-pkce.h \
	helper/signin-callback.c helper/signin-callback.h \
	helper/signin-loopback.c helper/signin-loopback.h \
	helper/signin-check.c helper/signin-check.h
