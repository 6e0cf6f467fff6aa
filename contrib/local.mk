# SPDX-License-Identifier: MIT
#
# contrib/: bash completion, the systemd user units that keep tokens fresh
# (mailoauth-refresh.service + .timer) and their system counterparts for
# service users such as postfix (mailoauth-refresh@.service + .timer, the
# instance being the user), each service with its OnFailure= notification
# (mailoauth-notify.service, mailoauth-notify@.service).

dist_bashcompletion_DATA = contrib/bash-completion/mailoauth

# Debian and Fedora both look for user units in /usr/lib/systemd/user
# (override on the make command line if yours differs).
systemduserunitdir = $(prefix)/lib/systemd/user
dist_systemduserunit_DATA = contrib/systemd/mailoauth-refresh.timer
nodist_systemduserunit_DATA = contrib/systemd/mailoauth-refresh.service \
	contrib/systemd/mailoauth-notify.service

# The service names the installed helper by its absolute path.
contrib/systemd/mailoauth-refresh.service: $(srcdir)/contrib/systemd/mailoauth-refresh.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && \
	$(SED) -e 's|@bindir[@]|$(bindir)|g' \
		$(srcdir)/contrib/systemd/mailoauth-refresh.service.in >$@.tmp && \
	mv -f $@.tmp $@

CLEANFILES += contrib/systemd/mailoauth-refresh.service
EXTRA_DIST += contrib/systemd/mailoauth-refresh.service.in

# System units, in the directory Debian and Fedora both use for packaged
# units (/usr/lib/systemd/system).
systemdsystemunitdir = $(prefix)/lib/systemd/system
dist_systemdsystemunit_DATA = contrib/systemd/mailoauth-refresh@.timer
nodist_systemdsystemunit_DATA = contrib/systemd/mailoauth-refresh@.service \
	contrib/systemd/mailoauth-notify@.service

contrib/systemd/mailoauth-refresh@.service: $(srcdir)/contrib/systemd/mailoauth-refresh@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && \
	$(SED) -e 's|@bindir[@]|$(bindir)|g' \
		$(srcdir)/contrib/systemd/mailoauth-refresh@.service.in >$@.tmp && \
	mv -f $@.tmp $@

CLEANFILES += contrib/systemd/mailoauth-refresh@.service
EXTRA_DIST += contrib/systemd/mailoauth-refresh@.service.in

# Their OnFailure= handlers: `mailoauth notify-failure UNIT`.
contrib/systemd/mailoauth-notify.service: $(srcdir)/contrib/systemd/mailoauth-notify.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && \
	$(SED) -e 's|@bindir[@]|$(bindir)|g' \
		$(srcdir)/contrib/systemd/mailoauth-notify.service.in >$@.tmp && \
	mv -f $@.tmp $@

contrib/systemd/mailoauth-notify@.service: $(srcdir)/contrib/systemd/mailoauth-notify@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && \
	$(SED) -e 's|@bindir[@]|$(bindir)|g' \
		$(srcdir)/contrib/systemd/mailoauth-notify@.service.in >$@.tmp && \
	mv -f $@.tmp $@

CLEANFILES += contrib/systemd/mailoauth-notify.service contrib/systemd/mailoauth-notify@.service
EXTRA_DIST += contrib/systemd/mailoauth-notify.service.in \
	contrib/systemd/mailoauth-notify@.service.in


# Distribution packaging that travels with the release tarball
# (rpmbuild -ta mailoauth-VERSION.tar.xz).  debian/ stays in git only.
EXTRA_DIST += packaging/rpm/mailoauth.spec
