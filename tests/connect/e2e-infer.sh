#!/bin/sh
# SPDX-License-Identifier: MIT
# `mailoauth connect HOST PORT` on ports that do not tell the protocol
# (the stand's Dovecot listens on high ports, as an ssh-forwarded port or
# stunnel would): the protocol comes from the account's pop3/imap key that
# names HOST:PORT, else from the server's greeting (+OK: POP3, * OK: IMAP),
# over implicit TLS or, on a plain port, STARTTLS; --protocol overrides; a
# greeting that is neither, and an SMTP port, get a clear message.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
connect_setup
N=3
stand_seed_mail "$STAND_USER" $N 1000

pop_script() {
	printf 'USER %s\r\nPASS x\r\nSTAT\r\nQUIT\r\n' "$STAND_USER"
}
imap_script() {
	printf 'a1 LOGIN %s x\r\na2 SELECT INBOX\r\na3 LOGOUT\r\n' "$STAND_USER"
}

# --- the account's keys name host and port -----------------------------------
# connect_account wrote pop3 = 127.0.0.1:POP3S, imap = 127.0.0.1:IMAPS.
pop_script | session "$W/k1.out" "$DOVECOT_POP3S_PORT" -v
st=$?
[ $st -eq 0 ] && grep -q "^+OK $N " "$W/k1.out"
tap_ok $? "no --protocol, the account's pop3 key names 127.0.0.1:$DOVECOT_POP3S_PORT: POP3 (status $st)"
grep -q "connecting to 127.0.0.1:$DOVECOT_POP3S_PORT (pop3, " "$W/k1.out.err"
tap_ok $? "... decided before connecting, from the key"
imap_script | session "$W/k2.out" "$DOVECOT_IMAPS_PORT"
st=$?
[ $st -eq 0 ] && grep -q "^\* $N EXISTS" "$W/k2.out" && grep -q '^a2 OK' "$W/k2.out"
tap_ok $? "no --protocol, the account's imap key: IMAP, the INBOX opens (status $st)"

# --- no key names them: the greeting tells ----------------------------------
sed -e 's/^pop3 = .*$/pop3 = pop.example.org/' -e 's/^imap = .*$/imap = imap.example.org/' \
	"$CFG" > "$W/config-nokeys"
CFG0=$CFG
CFG=$W/config-nokeys
pop_script | session "$W/g1.out" "$DOVECOT_POP3S_PORT" -v
st=$?
[ $st -eq 0 ] && grep -q "^+OK $N " "$W/g1.out"
tap_ok $? "implicit TLS port, no key: the +OK greeting makes it POP3 (status $st)"
grep -q "greets as a POP3 server" "$W/g1.out.err"
tap_ok $? "... and -v says so"
imap_script | session "$W/g2.out" "$DOVECOT_IMAPS_PORT" -v
st=$?
[ $st -eq 0 ] && grep -q "^\* $N EXISTS" "$W/g2.out" && grep -q "greets as an IMAP server" "$W/g2.out.err"
tap_ok $? "implicit TLS port, no key: the * OK greeting makes it IMAP (status $st)"
pop_script | session "$W/g3.out" "$DOVECOT_POP3_PORT" -v
st=$?
[ $st -eq 0 ] && grep -q "^+OK $N " "$W/g3.out" && grep -q "trying STARTTLS" "$W/g3.out.err"
ok=$?
tap_ok $ok "plain POP3 port: no TLS handshake, +OK greeting, STLS before the login (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$W/g3.out" "$W/g3.out.err")"
l=$(grep -c "imap-login: Info: Login: user=<$STAND_USER>, method=XOAUTH2, .*, TLS" "$DOVECOT_LOG")
imap_script | session "$W/g4.out" "$DOVECOT_IMAP_PORT"
st=$?
[ $st -eq 0 ] && grep -q '^a2 OK' "$W/g4.out" &&
	[ "$(grep -c "imap-login: Info: Login: user=<$STAND_USER>, method=XOAUTH2, .*, TLS" "$DOVECOT_LOG")" -gt "$l" ]
tap_ok $? "plain IMAP port: * OK greeting, STARTTLS, the XOAUTH2 login over TLS (status $st)"

# --- --protocol overrides ---------------------------------------------------
imap_script | session "$W/o1.out" "$DOVECOT_POP3S_PORT" --protocol imap
st=$?
[ $st -ne 0 ] && ! grep -q '^a2 OK' "$W/o1.out"
tap_ok $? "--protocol imap on the POP3 port is taken at its word: no IMAP session (status $st)"
CFG=$CFG0
imap_script | session "$W/o2.out" "$DOVECOT_POP3S_PORT" --protocol imap
st=$?
[ $st -ne 0 ] && ! grep -q '^a2 OK' "$W/o2.out"
tap_ok $? "... also where the account's pop3 key names that port (status $st)"
CFG=$W/config-nokeys

# --- neither greeting; SMTP ---------------------------------------------------
fake_start pop3 garbage tls || tap_diag "fake server did not start"
pop_script | session "$W/n1.out" "$FAKE_PORT"
st=$?
[ $st -ne 0 ]
ok=$?
grep -q "the greeting of 127.0.0.1:$FAKE_PORT is neither POP3's (+OK) nor IMAP's (\\* OK); say --protocol pop3 or --protocol imap" "$W/n1.out.err"
tap_ok $? "a greeting that is neither: the message says to give --protocol (status $st)"
[ ! -s "$W/n1.out" ]
tap_ok $? "... and the client is sent nothing in a protocol it may not speak"
tap_ok $ok "... with a failure exit status (status $st)"
fake_stop
pop_script | session "$W/n2.out" "$DOVECOT_SUBMISSION_PORT"
st=$?
pop_script | session "$W/n3.out" 587
st3=$?
[ $st3 -eq 64 ] && grep -q "587 is an SMTP port; say --protocol pop3 or --protocol imap" "$W/n3.out.err"
tap_ok $? "port 587 without --protocol: usage error naming the SMTP port (status $st3)"
[ $st -ne 0 ]
tap_ok $? "the submission port (greeting 220) is no POP3 or IMAP session (status $st)"

sanitizer_clean
tap_done
