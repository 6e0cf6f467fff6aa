#!/bin/sh
# SPDX-License-Identifier: MIT
# One app token for many mailboxes: accounts with flow = client_credentials
# and the same app credentials share one access token (helper/net/apptoken.h,
# doc/internals.md "Lock order").  Against the mock identity platform,
# counting its client_credentials grants:
#  - APP_N accounts (default 200), one `mailoauth token` each: one request,
#    every account the same token, then the fast path with no request;
#  - after the tokens expire, all again: again exactly one request;
#  - an account of the same app with another credential gets its own;
#  - 20 parallel `mailoauth token` on expired tokens: one request, one
#    token, no deadlock, also with `mailoauth refresh --all` running beside
#    them; a forced `refresh --all` makes one request for all accounts;
#  - `mailoauth authorize` of one account shares its token: the others'
#    next `token` asks for nothing;
#  - the shared file is 0600 and holds no client secret, its name neither.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

N=${APP_N:-200}
e2e_setup --no-dovecot
si_write_secret "$STAND_DIR/app.secret" "$STAND_CONFIDENTIAL_SECRET"
si_write_secret "$STAND_DIR/other.secret" "$STAND_CONFIDENTIAL_SECRET"
i=0
while [ $i -lt "$N" ]; do
	e2e_account "box$i" flow=client_credentials client_id="$STAND_CONFIDENTIAL_CLIENT_ID" \
		client_secret_file="$STAND_DIR/app.secret" user="box$i@contoso.example"
	i=$((i + 1))
done
e2e_account other flow=client_credentials client_id="$STAND_CONFIDENTIAL_CLIENT_ID" \
	client_secret_file="$STAND_DIR/other.secret" user=other@contoso.example

grants() {
	mock_ctl GET /mock/stats | stand_json token.client_credentials
}

# Every account's token, one after the other; prints the distinct tokens.
all_tokens() {
	_i=0
	: > "$STAND_DIR/tokens"
	while [ $_i -lt "$N" ]; do
		"$MAILOAUTH_HELPER" token "box$_i" >> "$STAND_DIR/tokens" 2>> "$VLOG" ||
			echo "FAILED box$_i" >> "$STAND_DIR/tokens"
		_i=$((_i + 1))
	done
	sort -u "$STAND_DIR/tokens"
}

# The tokens run out: every store and the shared file expired a minute ago.
expire_all() {
	python3 - "$STATE" <<'PY'
import glob, json, os, sys, time
for p in glob.glob(sys.argv[1] + "/*.json") + glob.glob(sys.argv[1] + "/app-tokens/*.json"):
    d = json.load(open(p))
    d["expires_at"] = int(time.time()) - 60
    tmp = p + ".edit"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, json.dumps(d).encode())
    os.close(fd)
    os.rename(tmp, p)
PY
}

# --- N accounts, one request ------------------------------------------------
g0=$(grants)
t0=$(ms)
all_tokens > "$STAND_DIR/distinct"
t1=$(ms)
g1=$(grants)
echo "# $N accounts, first token each: $((t1 - t0)) ms" | tee -a "$VLOG"
[ $((g1 - g0)) -eq 1 ]
tap_ok $? "$N accounts of one app: one token request ($((g1 - g0)))"
[ "$(wc -l < "$STAND_DIR/distinct")" -eq 1 ] && ! grep -q FAILED "$STAND_DIR/distinct"
tap_ok $? "all $N print the same token"
tok=$(cat "$STAND_DIR/distinct")
[ "$(store_get "$(store_of box0)" access_token)" = "$tok" ] &&
	[ "$(store_get "$(store_of "box$((N - 1))")" access_token)" = "$tok" ]
tap_ok $? "each account's store has it (for the fast path and the SASL plugin)"
set -- "$STATE"/app-tokens/*.json
[ $# -eq 1 ] && [ -f "$1" ] && [ "$(stat -c %a "$1")" = 600 ] &&
	[ "$(store_get "$1" access_token)" = "$tok" ] &&
	basename "$1" .json | grep -Eqx '[0-9a-f]{64}'
tap_ok $? "one shared file, mode 0600, named by a SHA-256"
shared=$1
! grep -rqF "$STAND_CONFIDENTIAL_SECRET" "$STATE" &&
	! ls -R "$STATE" | grep -qF "$STAND_CONFIDENTIAL_SECRET"
tap_ok $? "the client secret is in no file and no file name of the state directory"

# Fresh tokens: the fast path, no request.
t0=$(ms)
all_tokens > "$STAND_DIR/distinct2"
t1=$(ms)
echo "# $N accounts, cached token each: $((t1 - t0)) ms" | tee -a "$VLOG"
[ "$(grants)" -eq "$g1" ] && cmp -s "$STAND_DIR/distinct" "$STAND_DIR/distinct2"
tap_ok $? "with the token fresh: the same token, no request"

# --- another credential of the same app: its own token ------------------------
"$MAILOAUTH_HELPER" token other > "$STAND_DIR/other.tok" 2>> "$VLOG"
[ $? -eq 0 ] && [ "$(grants)" -eq $((g1 + 1)) ] &&
	[ "$(cat "$STAND_DIR/other.tok")" != "$tok" ] &&
	[ "$(ls "$STATE"/app-tokens/*.json | wc -l)" -eq 2 ]
tap_ok $? "another client_secret_file: a token (and shared file) of its own"
# Store times are whole seconds: a token of this very second that another
# process obtained is not one a forced refresh may take as its own.
g=$(grants)
"$MAILOAUTH_HELPER" refresh other 2>> "$VLOG" && "$MAILOAUTH_HELPER" refresh other 2>> "$VLOG"
[ $? -eq 0 ] && [ "$(grants)" -eq $((g + 2)) ]
tap_ok $? "a forced refresh right after another asks again ($(($(grants) - g)) of 2)"

# --- after expiry: all again, one request -------------------------------------
expire_all
g1=$(grants)
all_tokens > "$STAND_DIR/distinct"
g2=$(grants)
[ $((g2 - g1)) -eq 1 ] && [ "$(wc -l < "$STAND_DIR/distinct")" -eq 1 ] &&
	[ "$(cat "$STAND_DIR/distinct")" != "$tok" ] && ! grep -q FAILED "$STAND_DIR/distinct"
tap_ok $? "after expiry: one request, and all $N get the new token ($((g2 - g1)))"

# --- a token a mail server refused is not handed out again --------------------
tok=$(cat "$STAND_DIR/distinct")
"$MAILOAUTH_HELPER" reject box1 "$(store_get "$(store_of box1)" expires_at)" 2>> "$VLOG"
new=$("$MAILOAUTH_HELPER" token box1 2>> "$VLOG")
[ -n "$new" ] && [ "$new" != "$tok" ] && [ "$(grants)" -eq $((g2 + 1)) ] &&
	[ "$(store_get "$shared" access_token)" = "$new" ]
tap_ok $? "a refused token: a new request, shared from then on"
[ "$("$MAILOAUTH_HELPER" token box2 2>> "$VLOG")" = "$tok" ]
tap_ok $? "an account whose token was not refused keeps using its own"

# --- concurrency ----------------------------------------------------------------
# 20 parallel token calls for 20 accounts, all expired.
par() {
	_out=$STAND_DIR/par
	rm -rf "$_out"
	mkdir -p "$_out"
	pids=''
	_i=0
	while [ $_i -lt 20 ]; do
		timeout 100 "$MAILOAUTH_HELPER" -v token "box$_i" > "$_out/$_i.out" \
			2> "$_out/$_i.err" &
		pids="$pids $!"
		_i=$((_i + 1))
	done
}
par_check() {
	# shellcheck disable=SC2086
	wait $pids
	cat "$STAND_DIR"/par/*.err >> "$VLOG"
	[ "$(cat "$STAND_DIR"/par/*.out | sort -u | wc -l)" -eq 1 ] &&
		[ "$(cat "$STAND_DIR"/par/*.out | wc -l)" -eq 20 ]
}
expire_all
g0=$(grants)
par
par_check
ok=$?
[ $ok -eq 0 ] && [ $(($(grants) - g0)) -eq 1 ]
tap_ok $? "20 parallel token calls for 20 accounts: one request, one token ($(($(grants) - g0)))"

expire_all
g0=$(grants)
par
timeout 100 "$MAILOAUTH_HELPER" -v refresh --all --if-expiring-within 60 \
	2>> "$VLOG" &
rpid=$!
par_check
ok=$?
wait $rpid
rc=$?
[ $ok -eq 0 ] && [ $rc -eq 0 ] && [ $(($(grants) - g0)) -le 2 ] &&
	[ "$(store_get "$(store_of "box$((N - 1))")" access_token)" = "$(store_get "$shared" access_token)" ]
tap_ok $? "the same beside refresh --all: no deadlock, all accounts served (rc=$rc, $(($(grants) - g0)) requests)"
# One request for the app, one for `other` (expired too).
[ $(($(grants) - g0)) -eq 2 ]
tap_ok $? "one request for the app's $N accounts, one for the other credential"

g0=$(grants)
timeout 100 "$MAILOAUTH_HELPER" -v refresh --all 2>> "$VLOG"
rc=$?
[ $rc -eq 0 ] && [ $(($(grants) - g0)) -eq 2 ] &&
	[ "$(store_get "$(store_of box7)" access_token)" = "$(store_get "$shared" access_token)" ] &&
	[ "$(store_get "$(store_of "box$((N - 1))")" access_token)" = "$(store_get "$shared" access_token)" ]
tap_ok $? "a forced refresh --all: one new token for the app, one for the other (rc=$rc, $(($(grants) - g0)))"

# --- authorize shares the token it gets -------------------------------------
expire_all
g0=$(grants)
"$MAILOAUTH_HELPER" -v authorize box3 > /dev/null 2>> "$VLOG"
rc=$?
[ $rc -eq 0 ] && [ $(($(grants) - g0)) -eq 1 ]
tap_ok $? "authorize box3 with every token expired: one request (rc=$rc, $(($(grants) - g0)))"
[ "$(store_get "$shared" access_token)" = "$(store_get "$(store_of box3)" access_token)" ]
tap_ok $? "the shared file holds the token authorize got"
t5=$("$MAILOAUTH_HELPER" token box5 2>> "$VLOG")
[ $(($(grants) - g0)) -eq 1 ] && [ "$t5" = "$(store_get "$(store_of box3)" access_token)" ]
tap_ok $? "the next token of another account of the app asks for nothing and is that token ($(($(grants) - g0)))"

tap_done
