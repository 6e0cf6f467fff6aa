#!/bin/sh
# SPDX-License-Identifier: MIT
# Every login form a client may use with `mailoauth connect`, against the
# real Dovecot: POP3 USER/PASS, APOP, AUTH PLAIN with and without initial
# response; IMAP LOGIN with atoms, quoted strings, synchronising and
# non-synchronising literals, AUTHENTICATE PLAIN with and without SASL-IR.
# Also what the client is shown before login (greeting, CAPA, CAPABILITY),
# commands pipelined behind the login, and the client's own tags.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
connect_setup
stand_seed_mail "$STAND_USER" 2 1200
P=$DOVECOT_POP3S_PORT
I=$DOVECOT_IMAPS_PORT
# base64 of "\0user@contoso.example\0whatever" and of an authzid form
PLAIN=$(printf '\000user@contoso.example\000whatever' | base64 -w0)
PLAIN_AZ=$(printf 'user@contoso.example\000someone\000x' | base64 -w0)

# pop|imap SCRIPT — one session; $W/f.out is what the client got, CRs removed
pop() {
	printf "$1" > "$W/in"
	session "$W/f.raw" $P --protocol pop3 < "$W/in"
	tr -d '\r' < "$W/f.raw" > "$W/f.out"
}
imap() {
	printf "$1" > "$W/in"
	session "$W/f.raw" $I --protocol imap < "$W/in"
	tr -d '\r' < "$W/f.raw" > "$W/f.out"
}

pop 'CAPA\r\nQUIT\r\n'
grep -q '^+OK Dovecot' "$W/f.out"
tap_ok $? "POP3: the server's greeting is passed through"
grep -qx 'USER' "$W/f.out" && grep -qx 'SASL PLAIN' "$W/f.out" && ! grep -q 'STLS\|XOAUTH2' "$W/f.out"
tap_ok $? "POP3 CAPA: USER and SASL PLAIN offered; no STLS, no XOAUTH2"
grep -qx 'UIDL' "$W/f.out" && grep -qx 'TOP' "$W/f.out"
tap_ok $? "POP3 CAPA: the server's other capabilities kept"

pop 'USER user@contoso.example\r\nPASS anything at all\r\nSTAT\r\nQUIT\r\n'
grep -q '^+OK 2 ' "$W/f.out"
tap_ok $? "POP3 USER/PASS (password with spaces ignored): logged in"
pop "AUTH PLAIN $PLAIN\\r\\nSTAT\\r\\nQUIT\\r\\n"
grep -q '^+OK 2 ' "$W/f.out"
tap_ok $? "POP3 AUTH PLAIN with initial response"
pop "AUTH PLAIN\\r\\n$PLAIN\\r\\nSTAT\\r\\nQUIT\\r\\n"
grep -q '^+ $' "$W/f.out" && grep -q '^+OK 2 ' "$W/f.out"
tap_ok $? "POP3 AUTH PLAIN with a continuation"
pop "AUTH PLAIN $PLAIN_AZ\\r\\nSTAT\\r\\nQUIT\\r\\n"
grep -q '^+OK 2 ' "$W/f.out"
tap_ok $? "POP3 AUTH PLAIN with an authorization identity logs in as that mailbox"
pop 'APOP user@contoso.example c4c9334bac560ecc979e58001b3e22fb\r\nSTAT\r\nQUIT\r\n'
grep -q '^+OK 2 ' "$W/f.out"
tap_ok $? "POP3 APOP (digest ignored)"
pop 'USER work\r\nPASS x\r\nSTAT\r\nQUIT\r\n'
grep -q '^+OK 2 ' "$W/f.out"
tap_ok $? "POP3: the account's name works as the login name"
pop 'USER USER@CONTOSO.EXAMPLE\r\nPASS x\r\nSTAT\r\nQUIT\r\n'
grep -q '^+OK 2 ' "$W/f.out"
tap_ok $? "POP3: the login name is matched without regard to case"
pop 'AUTH\r\nAUTH CRAM-MD5\r\nSTLS\r\nQUIT\r\n'
grep -q '^PLAIN$' "$W/f.out" && grep -q '^-ERR \[AUTH\] unsupported mechanism' "$W/f.out" &&
	grep -q "^-ERR \[SYS/PERM\] mailoauth: STLS is not available .*sslproto ''" "$W/f.out"
tap_ok $? "POP3: AUTH lists PLAIN, other mechanisms and STLS are refused with reasons"

imap 'a CAPABILITY\r\nb LOGOUT\r\n'
grep -q '^\* OK \[CAPABILITY .*AUTH=PLAIN\] Dovecot' "$W/f.out"
tap_ok $? "IMAP greeting: the server's, with our capability list"
grep '^\* CAPABILITY' "$W/f.out" | grep -q 'IMAP4rev1.* AUTH=PLAIN$' &&
	! grep -q 'STARTTLS\|LOGINDISABLED\|AUTH=XOAUTH2\|AUTH=OAUTHBEARER' "$W/f.out"
tap_ok $? "IMAP CAPABILITY: AUTH=PLAIN only; no STARTTLS, LOGINDISABLED or other AUTH="
grep -q '^a OK CAPABILITY' "$W/f.out" && grep -q '^b OK LOGOUT' "$W/f.out"
tap_ok $? "IMAP: tagged replies carry the client's tags"

imap 'A1 LOGIN user@contoso.example pw\r\nA2 EXAMINE INBOX\r\nA3 LOGOUT\r\n'
grep -q '^A1 OK' "$W/f.out" && grep -q '^\* 2 EXISTS' "$W/f.out" && grep -q '^A3 OK' "$W/f.out"
tap_ok $? "IMAP LOGIN with atoms, commands pipelined behind it"
grep '^A1 OK' "$W/f.out" | grep -q 'STARTTLS\|AUTH='
tap_ok $((! $?)) "IMAP: the capability code after login lists no STARTTLS or AUTH="
imap 'x LOGIN "user@contoso.example" "p w \\"q\\" \\\\"\r\ny EXAMINE INBOX\r\nz LOGOUT\r\n'
grep -q '^x OK' "$W/f.out" && grep -q '^y OK' "$W/f.out"
tap_ok $? "IMAP LOGIN with quoted strings and escapes"
imap 'x LOGIN {20}\r\nuser@contoso.example {3}\r\npwd\r\ny EXAMINE INBOX\r\nz LOGOUT\r\n'
[ "$(grep -c '^+ ' "$W/f.out")" -eq 2 ] && grep -q '^x OK' "$W/f.out" && grep -q '^y OK' "$W/f.out"
tap_ok $? "IMAP LOGIN with synchronising literals (two continuations)"
imap 'x LOGIN {20+}\r\nuser@contoso.example {3+}\r\npwd\r\ny EXAMINE INBOX\r\nz LOGOUT\r\n'
[ "$(grep -c '^+ ' "$W/f.out")" -eq 0 ] && grep -q '^x OK' "$W/f.out" && grep -q '^y OK' "$W/f.out"
tap_ok $? "IMAP LOGIN with non-synchronising literals (no continuation)"
imap "x AUTHENTICATE PLAIN $PLAIN\\r\\ny EXAMINE INBOX\\r\\nz LOGOUT\\r\\n"
grep -q '^x OK' "$W/f.out" && grep -q '^y OK' "$W/f.out"
tap_ok $? "IMAP AUTHENTICATE PLAIN with SASL-IR"
imap "x AUTHENTICATE PLAIN\\r\\n$PLAIN\\r\\ny EXAMINE INBOX\\r\\nz LOGOUT\\r\\n"
grep -q '^+ $' "$W/f.out" && grep -q '^x OK' "$W/f.out" && grep -q '^y OK' "$W/f.out"
tap_ok $? "IMAP AUTHENTICATE PLAIN with a continuation"
imap 'x AUTHENTICATE PLAIN\r\n*\r\ny AUTHENTICATE XOAUTH2\r\nz STARTTLS\r\nw ID ("name" "test")\r\nv NOOP\r\nu SELECT INBOX\r\nt LOGOUT\r\n'
grep -q '^x BAD AUTHENTICATE cancelled' "$W/f.out" && grep -q '^y NO \[CANNOT\]' "$W/f.out" &&
	grep -q "^z BAD mailoauth: STARTTLS is not available.*sslproto ''" "$W/f.out" &&
	grep -q '^\* ID NIL' "$W/f.out" && grep -q '^w OK' "$W/f.out" && grep -q '^v OK' "$W/f.out" &&
	grep -q '^u BAD log in first' "$W/f.out" && grep -q '^t OK LOGOUT' "$W/f.out"
tap_ok $? "IMAP before login: cancel, other mechanisms, STARTTLS, ID, NOOP, SELECT answered"

[ "$(grep -c 'Login: .*method=XOAUTH2' "$DOVECOT_LOG")" -eq 13 ]
tap_ok $? "every login reached Dovecot as XOAUTH2 ($(grep -c "Login: .*method=XOAUTH2" "$DOVECOT_LOG"))"
! grep -q 'method=PLAIN' "$DOVECOT_LOG"
tap_ok $? "no PLAIN login ever reached Dovecot"

sanitizer_clean
tap_done
