#!/bin/sh
# SPDX-License-Identifier: MIT
# Numbers from the identity platform are range-checked before any
# arithmetic (doc/internals.md, "Numbers from outside"): a Retry-After too
# large to count is a wait longer than any retry budget (no retry, exit 75,
# no overflow into "retry at once"); a malformed one is ignored; a date in
# the past means now; an expires_in out of range is a malformed reply
# (exit 65) that leaves the store alone.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"

e2e_setup --no-dovecot
e2e_account work
e2e_import work > /dev/null
f=$(store_of work)

# refresh work against one 503 with Retry-After $1; $rc, $n, $waited.
one_503() {
	cp "$f" "$STAND_DIR/before.json"
	mock_ctl POST /mock/fault "{\"endpoint\": \"token\", \"status\": 503, \"retry_after\": \"$1\"}" > /dev/null
	t0=$(ms)
	mo refresh work
	rc=$?
	waited=$(($(ms) - t0))
	n=$(attempts)
}

for v in 9223372036854775807 99999999999999999999 18446744073709551616000 \
	"Fri, 31 Dec 9999 23:59:59 GMT"; do
	one_503 "$v"
	[ $rc -eq 75 ] && [ "$n" -eq 1 ] && [ $waited -lt 5000 ] &&
		grep -q 'not retrying: Retry-After 86400.0 s would exceed the retry budget' "$ERR" &&
		cmp -s "$f" "$STAND_DIR/before.json"
	tap_ok $? "Retry-After: $v is a day, past the budget: 1 attempt, exit 75 in ${waited} ms, store intact (rc=$rc, $n)"
	mock_ctl POST /mock/reset '{}' > /dev/null
	e2e_import work > /dev/null
done

for v in -5 +5 1.5 0x10 soon; do
	one_503 "$v"
	[ $rc -eq 0 ] && [ "$n" -eq 2 ] && [ $waited -lt 10000 ] && ! grep -q 'as Retry-After asks' "$ERR"
	tap_ok $? "Retry-After: $v is ignored: backoff, then success (rc=$rc, $n attempts, ${waited} ms)"
done

one_503 "Wed, 21 Oct 2015 07:28:00 GMT"
[ $rc -eq 0 ] && [ "$n" -eq 2 ] && grep -q 'retrying in 0.0 s' "$ERR"
tap_ok $? "Retry-After: a date in the past: retried at once (rc=$rc, $n)"

# expires_in out of range or of the wrong kind: a malformed reply.
for v in 1e300 -5 '"99999999999999999999"' 999999999999 '"-1"' '[]'; do
	cp "$f" "$STAND_DIR/before.json"
	body="{\"token_type\": \"Bearer\", \"access_token\": \"AT-x\", \"refresh_token\": \"RT-x\", \"expires_in\": $v}"
	mock_ctl POST /mock/fault "{\"endpoint\": \"token\", \"status\": 200, \"body\": $(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$body")}" > /dev/null
	mo refresh work
	rc=$?
	[ $rc -eq 65 ] && cmp -s "$f" "$STAND_DIR/before.json"
	tap_ok $? "expires_in $v: malformed reply, exit 65, store intact (rc=$rc)"
done

e2e_no_secrets "$VLOG"
tap_ok $? "no secret in any -v output"

tap_done
