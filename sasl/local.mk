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
# directory (Debian and Fedora strip it too).  saslplugindir has no "exec"
# in its name, so automake installs the plugin in install-data: the removal
# must hang off install-data-hook, which runs after it.  (As an exec hook it
# raced the install under make -j and could run first.)
install-data-hook: install-data-hook-sasl
install-data-hook-sasl:
	rm -f $(DESTDIR)$(saslplugindir)/libmailoauth.la
uninstall-hook: uninstall-hook-sasl
uninstall-hook-sasl:
	rm -f $(DESTDIR)$(saslplugindir)/libmailoauth.so
.PHONY: install-data-hook-sasl uninstall-hook-sasl

# make distcheck runs this against its scratch install: the plugin is there
# and loadable as a module, its libtool archive is not.
installcheck-local: installcheck-sasl
installcheck-sasl:
	@d='$(DESTDIR)$(saslplugindir)'; \
	test -f "$$d/libmailoauth.so" || \
		{ echo "installcheck: $$d/libmailoauth.so is missing" >&2; exit 1; }; \
	test ! -e "$$d/libmailoauth.la" || \
		{ echo "installcheck: $$d/libmailoauth.la was installed" >&2; exit 1; }; \
	echo "installcheck: $$d holds libmailoauth.so and no .la"
.PHONY: installcheck-sasl
