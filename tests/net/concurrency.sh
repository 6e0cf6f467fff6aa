#!/bin/sh
# SPDX-License-Identifier: MIT
# Single-flight refresh and crash safety (doc/internals.md, the token store):
#  - 64 parallel `mailoauth token` on an expired token -> exactly one refresh
#    at the identity provider and 64 identical valid tokens;
#  - a refresh killed with SIGKILL at random moments, many rounds, never
#    leaves a store that fails to load or has lost the refresh token.
# KILL_ROUNDS (default 60) sets the number of rounds.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"

e2e_setup --no-dovecot
e2e_account work
f=$(store_of work)

# --- 64 parallel token calls on an expired token ----------------------------
# Import while the mock hands out 10-second tokens: stale at once (margin 300).
mock_ctl POST /mock/config '{"expires_in": 10}' > /dev/null
e2e_import work > /dev/null
mock_ctl POST /mock/config '{"expires_in": 3599}' > /dev/null
stale=$(store_get "$f" access_token)
n0=$(mock_refreshes)
out=$STAND_DIR/par
mkdir -p "$out"
# Wait for our own children only (`wait` alone would wait for the mock).
pids=''
i=0
while [ $i -lt 64 ]; do
	"$MAILOAUTH_HELPER" -v token work > "$out/$i.out" 2> "$out/$i.err" &
	pids="$pids $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086
wait $pids
n1=$(mock_refreshes)
cat "$out"/*.err >> "$VLOG"
[ $((n1 - n0)) -eq 1 ]
tap_ok $? "64 parallel token calls caused exactly one refresh ($((n1 - n0)))"
bad=0
first=$(cat "$out/0.out")
for o in "$out"/*.out; do
	[ "$(cat "$o")" = "$first" ] || bad=$((bad + 1))
done
[ $bad -eq 0 ] && [ -n "$first" ] && [ "$first" != "$stale" ]
tap_ok $? "all 64 printed the same new token ($bad differ)"
[ "$first" = "$(store_get "$f" access_token)" ]
tap_ok $? "it is the stored token"
ls "$out"/*.out | wc -l | grep -q 64
tap_ok $? "64 outputs"
# Prove the token is valid at the mock: introspect it as Dovecot would.
python3 - "$STAND_CA" "$MOCK_URL" "$first" <<'EOF'
import json, ssl, sys, urllib.parse, urllib.request
ca, url, tok = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=ca)
req = urllib.request.Request(url + "/introspect",
    data=urllib.parse.urlencode({"token": tok}).encode(),
    headers={"X-Dovecot-Auth-Service": "imap"})
r = json.load(urllib.request.urlopen(req, context=ctx))
sys.exit(0 if r.get("active") else 1)
EOF
tap_ok $? "the token is valid at the identity provider"

# Fresh token: no refresh, no wait.
n0=$(mock_refreshes)
pids=''
i=0
while [ $i -lt 16 ]; do
	"$MAILOAUTH_HELPER" token work > /dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086
wait $pids
[ "$(mock_refreshes)" -eq "$n0" ]
tap_ok $? "16 parallel calls with a fresh token: no refresh"

# --- refresh_margin longer than the token lifetime --------------------------
# Every token is "stale" at once; callers that waited for the lock still use
# the token another caller just got instead of refreshing again.
e2e_account big refresh_margin=4000
e2e_import big > /dev/null
n0=$(mock_refreshes)
pids=''
i=0
while [ $i -lt 16 ]; do
	"$MAILOAUTH_HELPER" token big > "$out/big$i.out" 2> /dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086
wait $pids
n=$(( $(mock_refreshes) - n0 ))
[ "$n" -ge 1 ] && [ "$n" -le 8 ]
tap_ok $? "16 parallel calls, margin > lifetime: $n refreshes, not 16"
mo refresh big && mo refresh big
n1=$(mock_refreshes)
mo refresh big
[ $(( $(mock_refreshes) - n1 )) -eq 1 ]
tap_ok $? "yet refresh run again by hand does refresh again"

# --- SIGKILL at random moments ------------------------------------------
rounds=${KILL_ROUNDS:-60}
broken=0
lost=0
killed=0
r=0
while [ $r -lt $rounds ]; do
	# Sleep 0-80 ms (random), then kill the refresh wherever it is.
	d=$(python3 -c "import random; print('%.3f' % random.uniform(0, 0.08))")
	"$MAILOAUTH_HELPER" refresh work 2> /dev/null &
	pid=$!
	sleep "$d"
	kill -KILL "$pid" 2> /dev/null && killed=$((killed + 1))
	wait "$pid" 2> /dev/null
	python3 - "$f" <<'EOF' || broken=$((broken + 1))
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d.get("refresh_token") and d.get("access_token") else 2)
EOF
	"$MAILOAUTH_HELPER" status work > /dev/null 2>&1 || lost=$((lost + 1))
	r=$((r + 1))
done
[ $broken -eq 0 ]
tap_ok $? "$rounds rounds, $killed killed mid-way: the store always parses and has both tokens"
[ $lost -eq 0 ]
tap_ok $? "mailoauth status loads it every time ($lost failures)"
leftovers=$(find "$STATE" -name '*.tmp*' -o -name '.*' -type f | grep -v '/\.$' | wc -l)
tap_diag "temporary files left by killed writers: $leftovers"
# A refresh killed after the identity provider answered but before the save
# loses that reply: the stored (previous) refresh token must still be the
# one to use.  Microsoft does not revoke a refresh token when it rotates it
# (doc/protocol.md, refresh tokens), which is the mock's default (old_rt_valid).
mo refresh work
rc=$?
tap_ok $rc "after the killing the stored refresh token works"
[ $rc -eq 0 ] || tap_diag "$(cat "$ERR")"
mo token work > /dev/null
tap_ok $? "and token works"

e2e_no_secrets "$VLOG"
tap_ok $? "-v output holds none of the mock's secrets"

tap_done
