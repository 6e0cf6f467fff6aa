#!/bin/sh
# SPDX-License-Identifier: MIT
# An access token that expires during a long IMAP session through
# `mailoauth connect`: Office 365 then says "* BYE Session invalidated -
# AccessTokenExpired" and closes (doc/protocol.md).  A fake server that does
# so after N commands or N seconds, and refuses the expired token from then
# on, like Office 365.  The client (Python's imaplib, through the plugin as
# its IMAP4_stream command) gets the BYE; connect says on stderr that the
# token expired and that the next session uses a fresh one, and exits 75;
# the next session logs in at the first try with a refreshed token.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
connect_setup

# client NAME NOOPS — Python's imaplib through the plugin: LOGIN, SELECT
# INBOX, then NOOPS NOOPs unless the server ends the session first, then
# LOGOUT.  Prints what the client saw; the plugin's stderr in $W/NAME.err,
# its exit status on the line "connect-status N".
client() {
	timeout 60 python3 - "$(connect_cmd --protocol imap | sed "s/%h %p/127.0.0.1 $FAKE_PORT/")" "$2" \
		> "$W/$1.out" 2> "$W/$1.err" <<'EOF'
import imaplib, sys
m = imaplib.IMAP4_stream(sys.argv[1])
try:
    typ, _ = m.login("user@contoso.example", "dummy")
    print("login", typ)
    typ, data = m.select("INBOX")
    print("select", typ, data[0].decode())
    for i in range(int(sys.argv[2])):
        typ, _ = m.noop()
        print("noop", typ)
    m.logout()
    print("logout")
except imaplib.IMAP4.abort as e:
    print("abort:", e)
try:
    m.shutdown()
except OSError:
    pass
print("connect-status", m.process.wait())
EOF
	cat "$W/$1.err" >> "$W/stderr.all"
}

r0=$(mock_refreshes)
fake_start imap expire tls 2 --expire-after 3
client first 5
grep -q '^login OK' "$W/first.out" && grep -q '^select OK 2' "$W/first.out" &&
	[ "$(grep -c '^noop OK' "$W/first.out")" -eq 1 ]
tap_ok $? "session 1: logged in, INBOX selected, a NOOP answered"
grep -q '^abort: .*Session invalidated - AccessTokenExpired' "$W/first.out"
tap_ok $? "session 1: the client got the server's BYE Session invalidated - AccessTokenExpired"
grep -q "^mailoauth: 127.0.0.1 ended the session: the access token of account work expired during it" "$W/first.err" &&
	grep -q 'the next session logs in with a fresh token' "$W/first.err"
tap_ok $? "session 1: connect's stderr says the token expired and the next session uses a fresh one"
grep -qx 'connect-status 75' "$W/first.out"
tap_ok $? "session 1: connect exits 75 (temporary failure) [$(grep connect-status "$W/first.out")]"

client second 0
fake_stop
grep -q '^login OK' "$W/second.out" && grep -q '^select OK 2' "$W/second.out" &&
	grep -q '^logout' "$W/second.out" && grep -qx 'connect-status 0' "$W/second.out"
tap_ok $? "session 2: works and ends normally"
grep -qx '<login 2 token 2>' "$FAKE_LOG" && ! grep -q 'refused an expired token' "$FAKE_LOG"
tap_ok $? "session 2: a new token at the first AUTHENTICATE (the expired one never sent again)"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "one refresh at the identity platform for the two sessions"
! grep -q 'AccessTokenExpired\|ended the session' "$W/second.err"
tap_ok $? "session 2: nothing said about an expired token"

# After some seconds, while the client is idle: the same for a scripted
# client, whose output is exactly what the server sent.
fake_start imap expire tls 1 --expire-secs 1
(printf 'a LOGIN user@contoso.example dummy\r\nb SELECT INBOX\r\n'; sleep 4) |
	session "$W/s.out" "$FAKE_PORT" --protocol imap
st=$?
fake_stop
tap_ok $([ $st -eq 75 ]; echo $?) "idle session: connect exits 75 (status $st)"
[ "$(tail -n 1 "$W/s.out")" = "$(printf '* BYE Session invalidated - AccessTokenExpired\r')" ] &&
	grep -q '^b OK \[READ-WRITE\] SELECT completed' "$W/s.out"
tap_ok $? "idle session: the BYE is the last line the client gets"
grep -q 'expired during it' "$W/s.out.err"
tap_ok $? "idle session: stderr explains"

# A BYE that ends a session for another reason is passed on, nothing more.
fake_start imap o365 tls 1
printf 'a LOGIN user@contoso.example dummy\r\nb SELECT INBOX\r\n' |
	session "$W/s.out" "$FAKE_PORT" --protocol imap
st=$?
fake_stop
! grep -q 'expired' "$W/s.out.err" && [ $st -ne 75 ]
tap_ok $? "another BYE: no talk of an expired token (status $st)"

t "no secret in the plugin's output" e2e_no_secrets "$W/stderr.all" "$W/first.out" "$W/second.out"
sanitizer_clean
tap_done
