#!/bin/sh
# SPDX-License-Identifier: MIT
# The distribution packaging agrees with the build: the RPM spec and
# debian/changelog carry the version configure has, and the spec's %files
# name every manual page doc/local.mk installs.  (debian/ is not part of a
# release tarball; its checks are skipped there.)
. "$top_srcdir/tests/lib/tap.sh"

spec=$top_srcdir/packaging/rpm/mailoauth.spec
version=$("$MAILOAUTH_HELPER" --version | sed -n 's/^mailoauth //p')
[ -n "$version" ]
tap_ok $? "mailoauth --version gives the version ($version)"

specver=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")
[ "$specver" = "$version" ]
tap_ok $? "packaging/rpm/mailoauth.spec has Version $version (has $specver)"

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}
if [ -f "$top_srcdir/debian/changelog" ]; then
	debver=$(sed -n '1s/^mailoauth (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
	upstream=${debver%-*}
	[ "${upstream#*:}" = "$version" ]
	tap_ok $? "debian/changelog has upstream version $version (has $debver)"
else
	skip "debian/changelog has upstream version $version" "no debian/ in a release tarball"
fi

for page in $(sed -n 's/^[[:space:]]*doc\/\(mailoauth[^ ]*\.[1-8]\).*/\1/p' "$top_srcdir/doc/local.mk"); do
	name=${page%.*} sect=${page##*.}
	grep -q "^%{_mandir}/man$sect/$name\\.$sect\\*$" "$spec"
	tap_ok $? "the spec's %files lists $page"
done

tap_done
