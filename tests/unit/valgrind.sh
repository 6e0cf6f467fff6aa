#!/bin/sh
# SPDX-License-Identifier: MIT
# Valgrind memcheck over every C test program: the unit tests
# (tests/unit/test-*), the connection plugin's (tests/connect/test-*), the
# SASL plugin's through real libsasl and the out-of-memory test
# (tests/sasl/test-*), and the fuzz corpora (tests/fuzz/regress-*).
# One TAP line per program: ok when the program passes under
#     valgrind --error-exitcode=99 --leak-check=full
#              --errors-for-leak-kinds=definite
# and valgrind reported nothing (no invalid access, no use of undefined
# values, no definite leak) in it or in any process it forked.
#
# In make check (about 20 s here); `make check-valgrind` runs it alone.
# Standalone: top_builddir=BUILD top_srcdir=SRC sh tests/unit/valgrind.sh [PROG...]
# A build with --enable-sanitizers is skipped: ASan checks memory there, and
# valgrind cannot run ASan programs.
. "${top_srcdir:-.}/tests/lib/tap.sh"

: "${top_builddir:=.}"
tap_require valgrind

progs=$*
if [ -z "$progs" ]; then
	for p in "$top_builddir"/tests/unit/test-* "$top_builddir"/tests/connect/test-* \
		"$top_builddir"/tests/sasl/test-* "$top_builddir"/tests/fuzz/regress-*; do
		case ${p##*/} in *.*) continue ;; esac	# .c .o .log .trs
		# test-jsonload makes jansson itself read and write past its
		# buffers (in child processes): what it shows, not a fault here.
		[ "${p##*/}" = test-jsonload ] && continue
		[ -f "$p" ] && [ -x "$p" ] && progs="$progs $p"
	done
fi
if [ -z "$progs" ]; then
	echo "1..1"
	echo "not ok 1 - no test programs under $top_builddir/tests: build them first (make check)"
	exit 1
fi
for p in $progs; do
	if nm -D "$p" 2>/dev/null | grep -q '__asan_init'; then
		echo "1..0 # SKIP $p is built with AddressSanitizer, which checks memory itself"
		exit 0
	fi
done

logs=$(mktemp -d "${TMPDIR:-/tmp}/mo-valgrind.XXXXXX") || exit 1
trap 'rm -rf "$logs"' EXIT
t0=$(date +%s)
for p in $progs; do
	name=${p##*/}
	start=$(date +%s)
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--num-callers=30 --log-file="$logs/$name.%p.vg" \
		"$p" > "$logs/$name.out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	reports=$(cat "$logs/$name".*.vg 2>/dev/null)
	failed=$(grep -c '^not ok' "$logs/$name.out")
	[ $rc -eq 0 ] && [ -z "$reports" ]
	tap_ok $? "$name under valgrind: exit $rc, $(grep -c '^ok' "$logs/$name.out") checks passed, $failed failed, ${secs} s"
	if [ $rc -ne 0 ] || [ -n "$reports" ]; then
		tap_diag "$(grep '^not ok' "$logs/$name.out" | head -n 10)"
		tap_diag "$(cat "$logs/$name".*.vg 2>/dev/null | head -n 80)"
	fi
done
tap_diag "$(echo $progs | wc -w) programs in $(($(date +%s) - t0)) s"
tap_done
