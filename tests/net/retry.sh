#!/bin/sh
# SPDX-License-Identifier: MIT
# Retries, backoff, Retry-After and timeouts of mailoauth-net against the
# mock identity platform (doc/protocol.md, error replies).  The stored
# tokens must survive every failure untouched.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"

e2e_setup --no-dovecot
e2e_account work
e2e_import work > /dev/null
f=$(store_of work)

# Back to a clean mock (no faults left over), signed in again.
fresh_mock() {
	mock_ctl POST /mock/reset '{}' > /dev/null
	e2e_import work > /dev/null
}

# --- 503 once, then success ------------------------------------------------
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 503}' > /dev/null
mo refresh work
rc=$?
n=$(attempts)
[ $rc -eq 0 ] && [ "$n" -eq 2 ]
tap_ok $? "503 then success: retried once and succeeded (rc=$rc, $n requests)"
grep -q "HTTP 503: retrying in" "$ERR"
tap_ok $? "-v shows the retry decision"

# --- network error (connection dropped) then success ----------------------
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 200, "body": "empty"}' > /dev/null
mo refresh work
rc=$?
[ $rc -eq 65 ]
tap_ok $? "an empty 200 reply is malformed, not retried (rc=$rc)"

# --- 429 with Retry-After: the wait is honoured -----------------------------
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 429, "retry_after": 2}' > /dev/null
t0=$(ms)
mo refresh work
rc=$?
t1=$(ms)
waited=$((t1 - t0))
[ $rc -eq 0 ] && [ $waited -ge 2000 ] && [ $waited -lt 6000 ]
tap_ok $? "429 + Retry-After: 2 waited ${waited} ms, then succeeded (rc=$rc)"
grep -q "as Retry-After asks" "$ERR"
tap_ok $? "-v says it follows Retry-After"

# Retry-After as an HTTP-date
when=$(python3 -c 'import time,email.utils; print(email.utils.formatdate(time.time()+3, usegmt=True))')
mock_ctl POST /mock/fault "{\"endpoint\": \"token\", \"status\": 503, \"retry_after\": \"$when\"}" > /dev/null
t0=$(ms)
mo refresh work
rc=$?
waited=$(($(ms) - t0))
[ $rc -eq 0 ] && [ $waited -ge 1000 ] && [ $waited -lt 7000 ]
tap_ok $? "Retry-After as an HTTP-date is honoured (${waited} ms, rc=$rc)"

# A Retry-After beyond the budget: give up at once, exit 75, store intact.
cp "$f" "$STAND_DIR/before.json"
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 429, "retry_after": 3600}' > /dev/null
t0=$(ms)
MAILOAUTH_RETRY_BUDGET=5 mo refresh work
rc=$?
waited=$(($(ms) - t0))
[ $rc -eq 75 ] && [ $waited -lt 3000 ] && cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "Retry-After past the budget: exit 75 at once (${waited} ms), store intact (rc=$rc)"
grep -q "throttl\|busy" "$ERR"
tap_ok $? "the message says the identity provider throttles"

# --- persistent 5xx: bounded attempts, exit 75, RT kept ----------------------
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 500, "count": 4}' > /dev/null
t0=$(ms)
mo refresh work
rc=$?
waited=$(($(ms) - t0))
n=$(attempts)
[ $rc -eq 75 ] && [ "$n" -eq 4 ] && cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "persistent 500: $n attempts in ${waited} ms, exit 75, store intact (rc=$rc)"
grep -q "unavailable\|busy" "$ERR"
tap_ok $? "the message says the identity provider is unavailable"
mo refresh work
tap_ok $? "the stored refresh token still works afterwards"

# --- an outage while the stored token is still good (within refresh_margin) --
# `token` serves it, with a warning; too close to its expiry, or a revoked
# grant, and it does not.
outage() {	# outage SECONDS-LEFT: token work during a 503 outage; $out, $rc
	fresh_mock
	store_edit "$f" expire "$1"
	mock_ctl POST /mock/fault '{"endpoint": "token", "status": 503, "retry_after": 0, "count": 4}' > /dev/null
	out=$(mo token work)
	rc=$?
}
outage 200
[ $rc -eq 0 ] && [ "$out" = "$(store_get "$f" access_token)" ] &&
	grep -q 'serving the stored access token, valid for 1[0-9][0-9] s more' "$ERR"
tap_ok $? "outage, stored token good for 200 s more: served with a warning, exit 0 (rc=$rc)"
n=$(attempts)
[ "$n" -eq 4 ]
tap_ok $? "... after the refresh was tried ($n attempts)"
outage 30
[ $rc -eq 75 ] && [ -z "$out" ]
tap_ok $? "outage, stored token good for 30 s only: exit 75, nothing served (rc=$rc)"
fresh_mock
store_edit "$f" expire 200
mock_ctl POST /mock/revoke '{"user": "user@contoso.example", "code": 70008}' > /dev/null
out=$(mo token work)
rc=$?
[ $rc -eq 77 ] && [ -z "$out" ]
tap_ok $? "a revoked grant is no outage: exit 77, nothing served (rc=$rc)"
fresh_mock

# --- the retry budget bounds the total time --------------------------------
cp "$f" "$STAND_DIR/before.json"
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 503, "count": 10}' > /dev/null
t0=$(ms)
MAILOAUTH_RETRY_BUDGET=1.5 mo refresh work
rc=$?
waited=$(($(ms) - t0))
[ $rc -eq 75 ] && [ $waited -lt 2500 ] && cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "a 1.5 s retry budget ends the retries after ${waited} ms (rc=$rc)"
fresh_mock

# --- slow identity provider: timeout ------------------------------------
cp "$f" "$STAND_DIR/before.json"
mock_ctl POST /mock/fault '{"endpoint": "token", "delay": 4, "count": 3}' > /dev/null
t0=$(ms)
MAILOAUTH_HTTP_TIMEOUT=1 MAILOAUTH_RETRY_BUDGET=2 mo refresh work
rc=$?
waited=$(($(ms) - t0))
[ $rc -eq 75 ] && [ $waited -lt 4000 ] && grep -q "did not answer in time" "$ERR" &&
	cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "slow IdP: timeout error after ${waited} ms, exit 75, store intact (rc=$rc)"
sleep 4	# let the mock's delayed handlers finish
fresh_mock

# --- connection refused: network error, retried, exit 75 ---------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
e2e_account dead "authority=https://127.0.0.1:$port"
cp "$f" "$STATE/dead.json"
chmod 600 "$STATE/dead.json"
python3 - "$STATE/dead.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); d["expires_at"] = 1; d["account"] = "dead"
json.dump(d, open(sys.argv[1], "w"))
EOF
cp "$STATE/dead.json" "$STAND_DIR/dead.before"
MAILOAUTH_RETRY_BUDGET=3 mo token dead > /dev/null
rc=$?
[ $rc -eq 75 ] && grep -q "cannot reach" "$ERR" && cmp -s "$STATE/dead.json" "$STAND_DIR/dead.before"
tap_ok $? "connection refused: exit 75, store intact (rc=$rc)"
[ "$(grep -c "retrying in" "$ERR")" -ge 1 ]
tap_ok $? "connection refused is retried"

# --- TLS: the mock's CA is needed, and ca_file adds to the system store ----
e2e_account noca "ca_file=/dev/null"
cp "$f" "$STATE/noca.json"
python3 - "$STATE/noca.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); d["expires_at"] = 1; d["account"] = "noca"
json.dump(d, open(sys.argv[1], "w"))
EOF
chmod 600 "$STATE/noca.json"
mo token noca > /dev/null
rc=$?
[ $rc -eq 78 ] && grep -q "certificate" "$ERR"
tap_ok $? "an untrusted server certificate: exit 78, names ca_file (rc=$rc)"

e2e_no_secrets "$VLOG"
tap_ok $? "-v output of every case holds none of the mock's secrets"

tap_done
