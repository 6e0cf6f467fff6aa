#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A test that cannot run here is reported as SKIP by automake's TAP driver,
# not as an ERROR: the stand's self-test and an end-to-end test (through
# tests/lib/e2e.sh) run by build-aux/tap-driver.sh with a PATH that has
# every command of ours except dovecot.  With CI=true the same missing
# prerequisite fails instead (tests/lib/tap.sh's rule).
. "${top_srcdir:-.}/tests/lib/tap.sh"
: "${top_srcdir:=.}"

D=$(mktemp -d "${TMPDIR:-/tmp}/mailoauth-skip.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT
SH=$(command -v sh)

# $D/bin: every command on PATH, dovecot left out.
mkdir "$D/bin"
IFS=:
for dir in $PATH; do
	for f in "$dir"/*; do
		name=${f##*/}
		[ "$name" != dovecot ] && [ -f "$f" ] && [ -x "$f" ] &&
			[ ! -e "$D/bin/$name" ] && ln -s "$f" "$D/bin/$name"
	done
done
unset IFS
PATH=$D/bin command -v dovecot > /dev/null
tap_ok $((! $?)) "the PATH without dovecot has none"
PATH=$D/bin command -v python3 > /dev/null && PATH=$D/bin command -v openssl > /dev/null
tap_ok $? "... but python3 and openssl"

# drive NAME SCRIPT [ENV...] — SCRIPT through the TAP driver, as make check
# runs it, with the PATH above; its .trs in $D/NAME.trs.
drive() {
	_name=$1 _script=$2
	shift 2
	env -u CI PATH="$D/bin" "$@" "$SH" "$top_srcdir/build-aux/tap-driver.sh" \
		--test-name "$_name" --log-file "$D/$_name.log" \
		--trs-file "$D/$_name.trs" --color-tests no \
		-- "$SH" "$top_srcdir/$_script" > "$D/$_name.out" 2>&1
}

# result NAME — the driver's global result of NAME (PASS, SKIP, ERROR ...)
result() {
	sed -n 's/^:global-test-result: //p' "$D/$1.trs"
}

for s in tests/stand/selftest.sh tests/connect/e2e-tls.sh; do
	n=$(basename "$s" .sh)
	drive "$n" "$s"
	r=$(result "$n")
	[ "$r" = SKIP ] && ! grep -q ERROR "$D/$n.trs" &&
		grep -q '^SKIP: .* dovecot' "$D/$n.out"
	tap_ok $? "$s without dovecot: the driver reports SKIP, naming dovecot ($r)"
	[ "$r" = SKIP ] || tap_diag "$(cat "$D/$n.out" "$D/$n.trs")"

	drive "$n-ci" "$s" CI=true
	r=$(result "$n-ci")
	[ "$r" = FAIL ] || [ "$r" = ERROR ]
	tap_ok $? "$s without dovecot, CI=true: the driver reports a failure ($r)"
	[ "$r" = FAIL ] || [ "$r" = ERROR ] || tap_diag "$(cat "$D/$n-ci.out" "$D/$n-ci.trs")"
done

tap_done
