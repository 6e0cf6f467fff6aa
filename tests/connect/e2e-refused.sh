#!/bin/sh
# SPDX-License-Identifier: MIT
# A token the mail server refuses although it has not expired (revoked
# early at the identity platform, or a copied token store): `mailoauth
# connect` marks it, refreshes once and logs in again on the same
# connection before the client hears anything; `mailoauth check` says what
# happened.  Never a loop: when the new token is refused too, one refresh
# is all there was.  Real Dovecot, the mock identity platform revoking the
# access tokens only (the grant stays good).
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
connect_setup
stand_seed_mail "$STAND_USER" 2 1000
STORE=$STATE/work.json
POP='USER user@contoso.example\r\nPASS x\r\nSTAT\r\nQUIT\r\n'
IMAP='a LOGIN user@contoso.example x\r\nb EXAMINE INBOX\r\nc LOGOUT\r\n'
pop() { printf "$POP" | session "$W/s.out" "$DOVECOT_POP3S_PORT" --protocol pop3 "$@"; }
imap() { printf "$IMAP" | session "$W/s.out" "$DOVECOT_IMAPS_PORT" --protocol imap "$@"; }
refreshes() { mock_ctl GET /mock/stats | stand_json token.refresh_token; }
member() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$STORE" "$1"; }
revoke_early() {
	mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"refresh\": false}" |
		stand_json revoked_access_tokens
}

# A working login first (the token in the store is fresh).
pop
grep -q '^+OK 2 ' "$W/s.out"
tap_ok $? "POP3 through connect works with the stored token"
r0=$(refreshes)

# POP3: the stored access token is revoked early; the store still calls it
# valid for an hour.
n=$(revoke_early)
old=$(member access_token)
pop
st=$?
grep -q '^+OK 2 ' "$W/s.out" && [ $st -eq 0 ]
tap_ok $? "POP3: revoked ($n token) but unexpired token: the client gets its mailbox (status $st)"
! grep -q '^-ERR' "$W/s.out"
tap_ok $? "POP3: the client never sees the refusal"
r1=$(refreshes)
[ "$r1" -eq $((r0 + 1)) ]
tap_ok $? "POP3: exactly one refresh ($r0 -> $r1)"
new=$(member access_token)
[ -n "$new" ] && [ "$new" != "$old" ] && [ -z "$(member refused_at)" ]
tap_ok $? "POP3: the store holds the new token, not marked refused"
grep -q 'the server refused a token that had not expired' "$W/s.out.err"
[ $? -ne 0 ]
tap_ok $? "POP3: without -v nothing is said on stderr"
pop
grep -q '^+OK 2 ' "$W/s.out" && [ "$(refreshes)" -eq "$r1" ]
tap_ok $? "POP3: the next session uses the new token without a refresh"

# IMAP, with -v: the plugin says what it does.
revoke_early > /dev/null
imap -v
st=$?
grep -q '^a OK' "$W/s.out" && grep -q '^\* 2 EXISTS' "$W/s.out" && [ $st -eq 0 ]
tap_ok $? "IMAP: the refused token is replaced on the same connection (status $st)"
grep -q 'account work: the server refused a token that had not expired; refreshing it once' "$W/s.out.err"
tap_ok $? "IMAP -v: stderr says the token was refused and refreshed once"
r2=$(refreshes)
[ "$r2" -eq $((r1 + 1)) ]
tap_ok $? "IMAP: exactly one refresh ($r1 -> $r2)"

# No loop: the server refuses every token (Dovecot's introspection says
# inactive for the next requests).
revoke_early > /dev/null
mock_ctl POST /mock/fault '{"endpoint": "introspect", "count": 2, "status": 200, "body": "{\"active\": false}"}' > /dev/null
pop
grep -q '^-ERR \[AUTH\] mailoauth: 127.0.0.1 refused the OAuth2 token of account work' "$W/s.out"
tap_ok $? "no loop: the new token refused too, the client gets -ERR [AUTH]"
r3=$(refreshes)
[ "$r3" -eq $((r2 + 1)) ]
tap_ok $? "no loop: one refresh for the one refusal ($r2 -> $r3)"
mock_ctl GET /mock/fault | grep -q introspect
[ $? -ne 0 ]
tap_ok $? "no loop: two logins were tried (both introspections used), not more"
pop
grep -q '^+OK 2 ' "$W/s.out"
tap_ok $? "after the refusals end, the next session works"

# check: names what happened, refreshes once, proves the mailbox.
revoke_early > /dev/null
r4=$(refreshes)
"$MAILOAUTH_HELPER" --config "$CFG" check work --protocol imap > "$W/check.out" 2>&1
st=$?
grep -q 'the server refused a token the identity platform still considers valid' "$W/check.out"
tap_ok $? "check: 'the server refused a token the identity platform still considers valid'"
[ $st -eq 0 ] && grep -q 'Result: the IMAP mailbox of user@contoso.example works' "$W/check.out"
tap_ok $? "check: after one refresh the mailbox works (status $st)"
[ "$(refreshes)" -eq $((r4 + 1)) ]
tap_ok $? "check: exactly one refresh"
revoke_early > /dev/null
mock_ctl POST /mock/fault '{"endpoint": "introspect", "count": 2, "status": 200, "body": "{\"active\": false}"}' > /dev/null
"$MAILOAUTH_HELPER" --config "$CFG" check work --protocol pop3 > "$W/check.out" 2>&1
st=$?
[ $st -eq 69 ] && grep -q 'The new token was refused too' "$W/check.out"
tap_ok $? "check: a server that refuses the new token too: exit 69, said so (status $st)"
[ "$(refreshes)" -eq $((r4 + 2)) ]
tap_ok $? "check: still one refresh for that refusal"

# An expired-looking token is not "believed valid": a stale token is
# refreshed before the login, never marked.
store_edit "$STORE" stale
pop
grep -q '^+OK 2 ' "$W/s.out" && [ -z "$(member refused_at)" ]
tap_ok $? "a stale token is refreshed before login, never marked refused"
sanitizer_clean
tap_done
