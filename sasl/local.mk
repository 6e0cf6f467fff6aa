# SPDX-License-Identifier: MIT
#
# sasl/: the Cyrus SASL client plugin libmailoauth.so (XOAUTH2, OAUTHBEARER).
# A module for dlopen(): no version suffix, only sasl_client_plug_init
# exported, no -fPIE (AM_CFLAGS, not EXE_CFLAGS).  It links the network-free
# core only: no libcurl, no OpenSSL (the SASL application does base64).

saslplugin_LTLIBRARIES = sasl/libmailoauth.la
sasl_libmailoauth_la_SOURCES = \
	sasl/plugin.c sasl/plugin.h \
	sasl/mech.c \
	sasl/creds.c \
	sasl/token.c
sasl_libmailoauth_la_CFLAGS = $(AM_CFLAGS) $(SASL_CFLAGS)
sasl_libmailoauth_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^sasl_client_plug_init$$'
sasl_libmailoauth_la_LIBADD = lib/libmocore.la

# libsasl2 loads the .so; the libtool archive has no use in a plugin
# directory (Debian and Fedora strip it too).
install-exec-hook: install-exec-hook-sasl
install-exec-hook-sasl:
	rm -f $(DESTDIR)$(saslplugindir)/libmailoauth.la
uninstall-hook: uninstall-hook-sasl
uninstall-hook-sasl:
	rm -f $(DESTDIR)$(saslplugindir)/libmailoauth.so
.PHONY: install-exec-hook-sasl uninstall-hook-sasl
