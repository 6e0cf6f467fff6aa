#!/bin/sh
# SPDX-License-Identifier: MIT
# TLS toward the server: STARTTLS/STLS upgrades on the plain ports, a server
# without STARTTLS refused, a certificate for the wrong host refused, an
# untrusted CA refused; no way to turn TLS off.  No token ever reaches a
# server that was refused.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
connect_setup
stand_seed_mail "$STAND_USER" 2 1500
POP_SCRIPT='USER user@contoso.example\r\nPASS x\r\nSTAT\r\nQUIT\r\n'
IMAP_SCRIPT='a LOGIN user@contoso.example x\r\nb EXAMINE INBOX\r\nc LOGOUT\r\n'

# STLS / STARTTLS on Dovecot's plain ports, explicit and guessed.
for how in "--tls starttls" ""; do
	label=${how:-guessed}
	# shellcheck disable=SC2086
	printf "$POP_SCRIPT" | session "$W/s.out" "$DOVECOT_POP3_PORT" --protocol pop3 $how
	grep -q '^+OK 2 ' "$W/s.out"
	tap_ok $? "POP3 STLS upstream ($label): logged in, STAT works"
	# shellcheck disable=SC2086
	printf "$IMAP_SCRIPT" | session "$W/s.out" "$DOVECOT_IMAP_PORT" --protocol imap $how
	grep -q '^b OK' "$W/s.out" && grep -q '^\* 2 EXISTS' "$W/s.out"
	tap_ok $? "IMAP STARTTLS upstream ($label): logged in, EXAMINE works"
	grep -q 'STARTTLS' "$W/s.out"
	tap_ok $((! $?)) "IMAP ($label): STARTTLS is not offered to the client"
done
[ "$(grep -c 'Login: .*method=XOAUTH2.*TLS' "$DOVECOT_LOG")" -ge 4 ]
tap_ok $? "Dovecot logged the XOAUTH2 logins as TLS"

# Implicit TLS forced on a plain port: refused, no fallback.
printf "$POP_SCRIPT" | session "$W/s.out" "$DOVECOT_POP3_PORT" --protocol pop3 --tls implicit
st=$?
grep -q '^-ERR \[SYS/PERM\] mailoauth: the TLS handshake' "$W/s.out"
tap_ok $? "--tls implicit on a plain port: -ERR about the handshake (status $st)"

# A POP3 server without STLS, and an IMAP server without STARTTLS.
fake_start pop3 nostls plain 3
printf "$POP_SCRIPT" | session "$W/s.out" "$FAKE_PORT" --protocol pop3 --tls starttls
st=$?
grep -q '^-ERR .*does not offer STLS.*never sends a token without TLS' "$W/s.out" &&
	grep -q 'does not offer STLS' "$W/s.out.err"
tap_ok $? "POP3 server without STLS refused, client and stderr told (status $st)"
printf "$POP_SCRIPT" | session "$W/s.out" "$FAKE_PORT" --protocol pop3
grep -q '^-ERR .*STLS' "$W/s.out"
tap_ok $? "POP3 server without STLS refused with the guessed mode too"
fake_stop
! grep -qi 'AUTH\|xoauth2\|PASS' "$FAKE_LOG"
tap_ok $? "the POP3 server without STLS never saw AUTH or a token"

fake_start imap nostarttls plain 1
printf "$IMAP_SCRIPT" | session "$W/s.out" "$FAKE_PORT" --protocol imap --tls starttls
st=$?
grep -q '^\* BYE .*does not offer STARTTLS' "$W/s.out"
tap_ok $? "IMAP server without STARTTLS refused with * BYE (status $st)"
fake_stop
! grep -qi 'AUTHENTICATE\|xoauth2\|LOGIN' "$FAKE_LOG"
tap_ok $? "the IMAP server without STARTTLS never saw a login or a token"

# A certificate for another host (DNS:wrong.example), signed by the trusted CA.
fake_start pop3 o365 wronghost 1
printf "$POP_SCRIPT" | session "$W/s.out" "$FAKE_PORT" --protocol pop3
st=$?
grep -q '^-ERR .*not valid for that name (it names DNS:wrong.example)' "$W/s.out" &&
	grep -q 'wrong.example' "$W/s.out.err"
tap_ok $? "a certificate for the wrong host is refused and named (status $st)"
[ $st -ne 0 ]
tap_ok $? "... and the plugin exits non-zero"
fake_stop
! grep -q 'xoauth2' "$FAKE_LOG"
tap_ok $? "the wrong-host server never saw a token"

# Tokens go only to the account's servers, and the account's ca_file is
# trusted only for them: localhost is not its pop3 host (127.0.0.1 is), so
# the stand's CA does not vouch for it and no token is built for it.
logins=$(grep -c 'Login: .*method=XOAUTH2' "$DOVECOT_LOG")
printf "$POP_SCRIPT" | timeout 30 "$MAILOAUTH_HELPER" --config "$CFG" connect --protocol pop3 \
	localhost "$DOVECOT_POP3S_PORT" > "$W/s.out" 2> "$W/s.err"
grep -q "^-ERR .*certificate of localhost was refused" "$W/s.out" &&
	grep -q "name localhost in its pop3, imap or smtp key" "$W/s.err" &&
	[ "$(grep -c 'Login: .*method=XOAUTH2' "$DOVECOT_LOG")" = "$logins" ]
tap_ok $? "a host that is not the account's: its ca_file does not vouch for it, no login; the message names the key to add"

# The right certificate by name: localhost is in the SAN.
sed "s/^pop3 = 127.0.0.1:/pop3 = localhost:/" "$CFG" > "$W/config-localhost"
printf "$POP_SCRIPT" | timeout 30 "$MAILOAUTH_HELPER" --config "$W/config-localhost" connect \
	--protocol pop3 localhost "$DOVECOT_POP3S_PORT" > "$W/s.out" 2>&1
grep -q '^+OK 2 ' "$W/s.out"
tap_ok $? "the host name localhost (SNI + name check) works once it is the account's pop3"

# An account without ca_file: the stand's CA is not trusted.
sed 's/^ca_file = .*$//' "$CFG" > "$W/config-noca"
printf "$POP_SCRIPT" | timeout 30 "$MAILOAUTH_HELPER" --config "$W/config-noca" connect \
	--protocol pop3 127.0.0.1 "$DOVECOT_POP3S_PORT" > "$W/s.out" 2> "$W/s.err"
grep -q '^-ERR .*certificate of 127.0.0.1 was refused.*ca_file' "$W/s.out"
tap_ok $? "a certificate from an untrusted CA is refused, ca_file suggested"

# No switch turns TLS off.
"$MAILOAUTH_HELPER" --config "$CFG" connect --tls none --protocol pop3 127.0.0.1 110 \
	< /dev/null > "$W/s.out" 2> "$W/s.err"
st=$?
[ $st -eq 64 ] && grep -q 'cannot be turned off' "$W/s.err"
tap_ok $? "--tls none is a usage error (status $st)"

sanitizer_clean
tap_done
