#!/bin/sh
# SPDX-License-Identifier: MIT
# Office 365's POP3 quirk, with a fake server that behaves like it: an
# initial response on the AUTH line gets "-ERR Protocol error. Connection is
# closed. 10" and a dropped connection, so the plugin must use the two-line
# AUTH XOAUTH2.  Dovecot accepts both forms, so only a server like this one
# catches the mistake.  Also: the error challenge, "authenticated but not
# connected" on IMAP, and servers that misbehave (huge or binary greetings,
# dropped connections, silence) end cleanly with an error, never a hang.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
connect_setup
POP_SCRIPT='USER user@contoso.example\r\nPASS dummy\r\nSTAT\r\nQUIT\r\n'

fake_start pop3 o365 tls 1
printf "$POP_SCRIPT" | session "$W/s.out" "$FAKE_PORT" --protocol pop3
st=$?
fake_stop
tap_ok $st "O365-like POP3: the session ends normally (status $st)"
grep -q '^+OK User successfully authenticated.' "$W/s.out" && grep -q '^+OK 2 300' "$W/s.out"
tap_ok $? "O365-like POP3: logged in, STAT relayed"
grep -qx 'AUTH XOAUTH2' "$FAKE_LOG"
tap_ok $? "the AUTH line carries no initial response"
grep -qx '<xoauth2 user=user@contoso.example bearer=yes terminated=yes>' "$FAKE_LOG"
tap_ok $? "the XOAUTH2 response came on its own line, well formed, for the right user"
! grep -q 'initial response on the AUTH line\|Protocol error' "$FAKE_LOG" "$W/s.out"
tap_ok $? "no protocol error"
! grep -q 'dummy' "$FAKE_LOG"
tap_ok $? "the client's password never reached the server"
[ "$(grep -c . "$FAKE_LOG")" -le 6 ] && grep -qx 'CAPA' "$FAKE_LOG"
tap_ok $? "the server saw CAPA, AUTH, the response, STAT, QUIT and nothing else"

# An error challenge: answered with an empty line, the refusal reported.
fake_start pop3 challenge tls 1
printf "$POP_SCRIPT" | session "$W/s.out" "$FAKE_PORT" --protocol pop3
st=$?
fake_stop
grep -qx "<challenge answer: ''>" "$FAKE_LOG"
tap_ok $? "error challenge: answered with an empty line"
grep -q '^-ERR \[AUTH\] mailoauth: 127.0.0.1 refused the OAuth2 token of account work' "$W/s.out" &&
	grep -q 'unknown user name or bad password' "$W/s.out" &&
	grep -q 'challenge: status 401' "$W/s.out.err"
tap_ok $? "error challenge: the client gets -ERR [AUTH] with the server's words and the challenge"
[ "$(grep -c '^-ERR' "$W/s.out")" -ge 1 ] && ! grep -q '^+OK 2' "$W/s.out"
tap_ok $? "error challenge: STAT was not answered as if logged in"

# IMAP: AUTHENTICATE OK, then "BAD User is authenticated but not connected."
fake_start imap o365 tls 1
printf 'a LOGIN user@contoso.example dummy\r\nb SELECT INBOX\r\n' |
	session "$W/s.out" "$FAKE_PORT" --protocol imap
fake_stop
grep -q '^a OK AUTHENTICATE completed' "$W/s.out" &&
	grep -q '^b BAD User is authenticated but not connected' "$W/s.out"
tap_ok $? "IMAP: the client gets its own tags and the server's words"
grep -q '^mo[0-9]* AUTHENTICATE XOAUTH2 <xoauth2 user=user@contoso.example' "$FAKE_LOG"
tap_ok $? "IMAP: SASL-IR used since the server offers it"
fake_start imap noir tls 1
printf 'a LOGIN user@contoso.example dummy\r\nb LOGOUT\r\n' |
	session "$W/s.out" "$FAKE_PORT" --protocol imap
fake_stop
grep -q '^mo[0-9]* AUTHENTICATE XOAUTH2$' "$FAKE_LOG" &&
	grep -qx '<xoauth2 user=user@contoso.example bearer=yes terminated=yes>' "$FAKE_LOG" &&
	grep -q '^a OK AUTHENTICATE completed' "$W/s.out"
tap_ok $? "IMAP without SASL-IR: the response follows the server's continuation"

# Misbehaving servers: an error for the client, never a hang or a crash.
for mode in longline garbage dropauth; do
	fake_start pop3 "$mode" tls 1
	start=$(date +%s)
	printf "$POP_SCRIPT" | session "$W/s.out" "$FAKE_PORT" --protocol pop3
	st=$?
	took=$(( $(date +%s) - start ))
	fake_stop
	[ $st -lt 128 ] && [ $took -lt 20 ] && grep -q '^-ERR \[SYS/TEMP\] mailoauth: ' "$W/s.out"
	tap_ok $? "server mode $mode: well-formed -ERR [SYS/TEMP], status $st, ${took}s"
	[ $st -lt 128 ] || tap_diag "$(cat "$W/s.out.err")"
done

sanitizer_clean
tap_done
