#!/bin/sh
# SPDX-License-Identifier: MIT
# Load: LOAD_SESSIONS (default 200) concurrent `mailoauth connect`
# sessions against the real Dovecot of the test stand, half POP3
# (USER/PASS/STAT/QUIT), half IMAP (LOGIN/SELECT INBOX/LOGOUT), each a
# scripted client on the plugin's stdin/stdout, all started at once while
# the account's stored access token has just gone stale.  Every session
# must complete with the mailbox's real contents, and the identity
# provider must see exactly one refresh (the store's single-flight lock).
# A second wave with the token fresh must cause no refresh at all.
# Budget: a wave in under 60 s on two cores (LOAD_BUDGET_MS; three times
# that in a sanitizer build, where each session is several times slower).
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
tap_require timeout
connect_setup
N=${LOAD_SESSIONS:-200}
BUDGET=${LOAD_BUDGET_MS:-60000}
if nm -D "$top_builddir/plugin/mailoauth-connect" 2> /dev/null | grep -q __asan_init; then
	BUDGET=$((BUDGET * 3))
fi
MSGS=3
stand_seed_mail "$STAND_USER" $MSGS 1500
STORE=$STATE/work.json
L=$W/load
mkdir -p "$L"
printf 'USER %s\r\nPASS dummy\r\nSTAT\r\nQUIT\r\n' "$STAND_USER" > "$L/pop.in"
printf 'a LOGIN %s dummy\r\nb SELECT INBOX\r\nc LOGOUT\r\n' "$STAND_USER" > "$L/imap.in"

# wave NAME: N sessions at once; prints the wall time in ms.  Each session
# leaves $L/NAME.I.out (what the client got) and .err.
wave() {
	_pids=''
	_i=1
	_t0=$(ms)
	while [ $_i -le "$N" ]; do
		if [ $((_i % 2)) -eq 1 ]; then
			timeout 55 "$MAILOAUTH_HELPER" --config "$CFG" connect --protocol pop3 \
				127.0.0.1 "$DOVECOT_POP3S_PORT" < "$L/pop.in" \
				> "$L/$1.$_i.out" 2> "$L/$1.$_i.err" &
		else
			timeout 55 "$MAILOAUTH_HELPER" --config "$CFG" connect --protocol imap \
				127.0.0.1 "$DOVECOT_IMAPS_PORT" < "$L/imap.in" \
				> "$L/$1.$_i.out" 2> "$L/$1.$_i.err" &
		fi
		_pids="$_pids $!"
		_i=$((_i + 1))
	done
	_failed=0
	for _p in $_pids; do
		wait "$_p" || _failed=$((_failed + 1))
	done
	echo "$(($(ms) - _t0)) $_failed"
}

# complete NAME: how many sessions of the wave got the whole conversation.
complete() {
	_ok=0
	_i=1
	while [ $_i -le "$N" ]; do
		_f=$L/$1.$_i.out
		if [ $((_i % 2)) -eq 1 ]; then
			tr -d '\r' < "$_f" | grep -q "^+OK $MSGS " &&
				[ "$(tr -d '\r' < "$_f" | grep -c '^+OK')" -eq 5 ] && _ok=$((_ok + 1))
		else
			tr -d '\r' < "$_f" | grep -q "^\* $MSGS EXISTS" &&
				tr -d '\r' < "$_f" | grep -q '^b OK' &&
				tr -d '\r' < "$_f" | grep -q '^c OK' && _ok=$((_ok + 1))
		fi
		_i=$((_i + 1))
	done
	echo $_ok
}

# --- the token goes stale under N sessions ------------------------------------
store_edit "$STORE" stale
old=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$STORE")
n0=$(mock_refreshes)
set -- $(wave stale)
ms=$1 failed=$2
n1=$(mock_refreshes)
ok=$(complete stale)
[ "$failed" -eq 0 ]
tap_ok $? "$N concurrent sessions on a stale token ($((N / 2)) POP3, $((N - N / 2)) IMAP): all exit 0 ($failed failed, $ms ms)"
[ "$ok" -eq "$N" ]
tap_ok $? "all $N saw their whole conversation: STAT / SELECT with the $MSGS messages, QUIT / LOGOUT ($ok did)"
[ $((n1 - n0)) -eq 1 ]
tap_ok $? "exactly one refresh at the identity provider ($((n1 - n0)))"
new=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$STORE")
[ -n "$new" ] && [ "$new" != "$old" ]
tap_ok $? "the store holds the new access token"
[ "$ms" -lt "$BUDGET" ]
tap_ok $? "within the budget ($ms ms, budget $BUDGET ms)"
if [ "$ok" -ne "$N" ] || [ "$failed" -ne 0 ]; then
	for f in "$L"/stale.*.err; do
		[ -s "$f" ] && tap_diag "${f##*/}: $(head -n 3 "$f")"
	done | head -n 20
fi

# --- the same with the token fresh: no refresh ----------------------------------
n0=$(mock_refreshes)
set -- $(wave fresh)
ms=$1 failed=$2
ok=$(complete fresh)
[ "$failed" -eq 0 ] && [ "$ok" -eq "$N" ] && [ "$(mock_refreshes)" -eq "$n0" ]
tap_ok $? "$N concurrent sessions on a fresh token: all complete ($ok), no refresh, $ms ms"
cat "$L"/*.err > "$W/stderr.all" 2> /dev/null
sanitizer_clean
tap_done
