#!/bin/sh
# SPDX-License-Identifier: MIT
# `mailoauth check ACCOUNT`: every step printed, exit 0 only when the mailbox
# really works; a token without the POP scope is named; a revoked grant says
# to sign in again; "authenticated but not connected" is not success.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
connect_setup
stand_seed_mail "$STAND_USER" 3 1000
STORE=$STATE/work.json
POP_SCOPE=https://outlook.office.com/POP.AccessAsUser.All
check() {
	"$MAILOAUTH_HELPER" --config "$CFG" check "$@" > "$W/c.out" 2> "$W/c.err"
	_st=$?
	cat "$W/c.err" >> "$W/stderr.all"
	return $_st
}

check work
st=$?
tap_ok $st "check work: all three protocols work (status $st)"
[ $st -eq 0 ] || tap_diag "$(cat "$W/c.out" "$W/c.err")"
for p in POP3 IMAP SMTP; do
	grep -q "^Result: the $p mailbox of $STAND_USER works." "$W/c.out"
	tap_ok $? "check work: $p works"
done
grep -q '^  ok     mailbox  STAT: 3 messages' "$W/c.out" &&
	grep -q '^  ok     mailbox  EXAMINE INBOX (read-only SELECT): 3 messages' "$W/c.out" &&
	grep -q '^  ok     mailbox  MAIL FROM:<user@contoso.example> accepted, then RSET' "$W/c.out"
tap_ok $? "check work: the mailbox step of each protocol is shown"
for s in token scope connect login mailbox; do
	[ "$(grep -c "^  ok     $s " "$W/c.out")" -eq 3 ]
	tap_ok $? "check work: step '$s' printed for each protocol"
done
[ "$(find "$STAND_SINK_DIR" -name 'msg-*' | wc -l)" -eq 0 ]
tap_ok $? "check work: SMTP sent nothing"

check work --protocol imap
tap_ok $? "check work --protocol imap"
[ "$(grep -c '^Result:' "$W/c.out")" -eq 1 ]
tap_ok $? "... checks IMAP only"
check work --server "127.0.0.1:$DOVECOT_POP3_PORT" --protocol pop3 --tls starttls
st=$?
[ $st -eq 0 ] && grep -q 'STARTTLS, TLSv1' "$W/c.out"
tap_ok $? "check --server HOST:PORT --tls starttls (status $st)"
# Tokens go only to the account's servers: localhost is not one of them.
check work --server "localhost:$DOVECOT_POP3_PORT" --protocol pop3 --tls starttls
st=$?
[ $st -eq 78 ] && grep -q "localhost is not one of the account's servers" "$W/c.out" &&
	grep -q '`pop3 = localhost` to \[account work\]' "$W/c.out" &&
	! grep -q '^  ok     token' "$W/c.out"
tap_ok $? "check --server with a host that is not the account's: no token, exit 78, the key named (status $st)"
[ $st -eq 78 ] || tap_diag "$(cat "$W/c.out" "$W/c.err")"
check work --server "127.0.0.1:$DOVECOT_POP3_PORT"
st=$?
[ $st -eq 64 ] && grep -q -- '--protocol' "$W/c.err"
tap_ok $? "check --server on a non-standard port without --protocol: usage (status $st)"
check nosuch
st=$?
[ $st -eq 78 ] && grep -q "no account 'nosuch'" "$W/c.err"
tap_ok $? "check of an unknown account: configuration error (status $st)"

# "User is authenticated but not connected": the stand's broken mailbox.
connect_account broken "$STAND_BROKEN_USER"
connect_import broken "$STAND_BROKEN_USER"
check broken --protocol pop3
st=$?
[ $st -eq 69 ] && grep -q '^  ok     login ' "$W/c.out" && grep -q '^  FAIL   mailbox ' "$W/c.out"
tap_ok $? "authenticated but not connected (POP3): login ok, mailbox FAIL, exit 69 (status $st)"
[ $st -eq 69 ] || tap_diag "$(cat "$W/c.out" "$W/c.err")"
grep -q 'Likely causes' "$W/c.out" && grep -q 'FullAccess' "$W/c.out" && grep -q 'PopEnabled' "$W/c.out"
tap_ok $? "... and the likely causes are listed"
check broken --protocol imap
st=$?
[ $st -eq 69 ] && grep -q '^  FAIL   mailbox ' "$W/c.out" && grep -q 'ImapEnabled' "$W/c.out"
tap_ok $? "authenticated but not connected (IMAP): exit 69 (status $st)"

# A token without the POP scope: the sign-in asked for POP, IMAP and SMTP,
# the identity platform granted IMAP and SMTP only (an app registration
# without POP.AccessAsUser.All).
mock_ctl POST /mock/config '{"grant_scopes": "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"}' > /dev/null
connect_signin_device work
tap_ok $? "device sign-in with a reduced grant"
mock_ctl POST /mock/config '{"grant_scopes": null}' > /dev/null
check work --protocol pop3
st=$?
[ $st -ne 0 ] && grep -q "^  FAIL   scope    the token lacks $POP_SCOPE" "$W/c.out"
tap_ok $? "token without the POP scope: check fails (status $st) and names $POP_SCOPE"
grep -q "mailoauth authorize work" "$W/c.out"
tap_ok $? "... and says how to get it"
check work --protocol imap
tap_ok $? "the same token still works for IMAP"

# Revoked grant.
store_edit "$STORE" stale
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
check work --protocol pop3
st=$?
[ $st -eq 77 ] && grep -q '^  FAIL   token ' "$W/c.out" && grep -q 'mailoauth authorize work' "$W/c.out"
tap_ok $? "revoked grant: token step fails, exit 77, says mailoauth authorize (status $st)"
r0=$(mock_refreshes)
check work
st=$?
[ $st -eq 77 ] && [ "$(grep -c '^  FAIL   token ' "$W/c.out")" -eq 1 ] &&
	[ "$(grep -c '^Checking account work' "$W/c.out")" -eq 1 ] &&
	grep -q '^Not checked (the same sign-in is needed first): IMAP, SMTP; run `mailoauth authorize work`.$' "$W/c.out" &&
	[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "revoked grant, every protocol: one token failure, IMAP and SMTP not tried, one refresh at the IdP (status $st)"
[ $st -eq 77 ] || tap_diag "$(cat "$W/c.out")"

sanitizer_clean
tap_done
