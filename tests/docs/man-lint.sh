#!/bin/sh
# SPDX-License-Identifier: MIT
# The manual pages are clean: mandoc -Tlint at level warning (Debian's
# mandoc), and groff, which renders them for man(1) on Debian and which
# lintian runs, has nothing to say either.
. "$top_srcdir/tests/lib/tap.sh"

tap_require mandoc

pages=$(ls "$top_srcdir"/doc/*.[1-8])
[ -n "$pages" ]
tap_ok $? "there are manual pages in doc/"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for page in $pages; do
	name=$(basename "$page")
	mandoc -Tlint -W warning "$page" >"$tmp/lint" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$tmp/lint" ]
	tap_ok $? "mandoc -Tlint -W warning $name"
	[ -s "$tmp/lint" ] && tap_diag "$(cat "$tmp/lint")"

	# The header names the page as its file name does.
	title=$(sed -n 's/^\.Dt  *\([^ ]*\)  *\([1-9]\).*/\1.\2/p' "$page" | tr 'A-Z' 'a-z')
	[ "$title" = "$name" ]
	tap_ok $? "$name: .Dt matches the file name ($title)"

	if command -v groff >/dev/null 2>&1; then
		LC_ALL=C.UTF-8 groff -mandoc -Tutf8 -ww -z "$page" >"$tmp/groff" 2>&1
		[ ! -s "$tmp/groff" ]
		tap_ok $? "groff -ww has no warnings for $name"
		[ -s "$tmp/groff" ] && tap_diag "$(cat "$tmp/groff")"
	fi

	# Every page it refers to exists (ours) or is a well-known page.
	for xr in $(sed -n 's/^\.Xr  *\([^ ]*\)  *\([1-9]\).*/\1.\2/p' "$page" | sort -u); do
		case $xr in
		mailoauth*)
			[ -f "$top_srcdir/doc/$xr" ]
			tap_ok $? "$name: .Xr $xr names a page of ours that exists"
			;;
		esac
	done
done

tap_done
