#!/bin/sh
# SPDX-License-Identifier: MIT
# Python's imaplib, poplib and smtplib as doc/clients.md's example uses
# them (XOAUTH2 from `mailoauth token work`, certificates verified): the
# script opens the INBOX over IMAP, reads the POP3 maildrop with the
# two-line AUTH XOAUTH2 and sends a message over SMTP with STARTTLS, against
# Dovecot, after one refresh of a stale token.  Against a POP3 server that
# behaves like Office 365 the two lines are what it gets.  A token the
# server refuses fails the login (the error challenge answered); a revoked
# sign-in stops the script before any login, with mailoauth's message.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
clients_setup
N=3
stand_seed_mail "$STAND_USER" $N 1500

# adapt POP3PORT — the guide's script on stdin, pointed at the stand.
adapt() {
	sed -e "s|\"outlook\\.office365\\.com\", 993|\"127.0.0.1\", $DOVECOT_IMAPS_PORT|" \
		-e "s|\"outlook\\.office365\\.com\", 995|\"127.0.0.1\", $1|" \
		-e "s|\"smtp\\.office365\\.com\", 587|\"127.0.0.1\", $DOVECOT_SUBMISSION_PORT|" \
		-e "s/alice@contoso\\.com/$STAND_USER/g"
}
doc_block "Python's imaplib, poplib and smtplib" python | adapt "$DOVECOT_POP3S_PORT" > "$H/mail.py"
doc_adapted mail.py "$H/mail.py"
grep -q '"mailoauth", "token", "work"' "$H/mail.py" && grep -q 'ssl_context=TLS' "$H/mail.py" &&
	grep -q 'context=TLS' "$H/mail.py" && grep -q 'initial_response_ok=False' "$H/mail.py"
tap_ok $? "the guide's script: mailoauth token work, verified TLS, SMTP AUTH in two steps"

# The stand's CA is trusted the way a system CA would be (the script's
# create_default_context() loads it).
py() {
	as_user env SSL_CERT_FILE="$STAND_CA" timeout 60 python3 "$@"
}

store_edit "$STORE" stale
r0=$(mock_refreshes)
i0=$(login_count imap) p0=$(login_count pop3) s0=$(login_count submission)
py "$H/mail.py" > "$OUT/py.out" 2> "$OUT/py.err"
st=$?
tap_ok $st "stale token: the script runs through (status $st)"
[ $st -eq 0 ] || tap_diag "$(cat "$OUT/py.err")"
grep -q "^('OK', \[b'1 2 3'\])\$" "$OUT/py.out"
tap_ok $? "imaplib: the INBOX holds the $N messages"
grep -q "^($N, [0-9]*)\$" "$OUT/py.out"
tap_ok $? "poplib: STAT counts the $N messages"
f=$(sink_find hello)
[ -n "$f" ] && grep -q "^MAIL FROM:<$STAND_USER>" "${f%.eml}.env"
tap_ok $? "smtplib: the message reached the sink behind Dovecot's submission"
[ "$(login_count imap)" -eq $((i0 + 1)) ] && [ "$(login_count pop3)" -eq $((p0 + 1)) ] &&
	[ "$(login_count submission)" -eq $((s0 + 1)) ]
tap_ok $? "one XOAUTH2 login each for IMAP, POP3 and SMTP"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "mailoauth refreshed the stale token once (mock: $r0 -> $(mock_refreshes))"

# POP3 the way Office 365 wants it: the fake server drops a client that
# puts the response on the AUTH line.  Only the POP3 part of the script.
fake_start pop3 o365 tls || tap_diag "fake server did not start"
doc_block "Python's imaplib, poplib and smtplib" python | adapt "$FAKE_PORT" |
	sed -e '/^imap = /,/^imap.logout()/d' -e '/^smtp = /,/^smtp.quit()/d' > "$H/pop-o365.py"
py "$H/pop-o365.py" > "$OUT/o365.out" 2>&1
st=$?
grep -q '^AUTH XOAUTH2$' "$FAKE_LOG" && grep -q "^<xoauth2 user=$STAND_USER bearer=yes" "$FAKE_LOG" &&
	! grep -q '^AUTH XOAUTH2 .' "$FAKE_LOG" && grep -q '^STAT$' "$FAKE_LOG" && [ $st -eq 0 ]
ok=$?
tap_ok $ok "poplib, Office 365 behaviour: AUTH XOAUTH2, then the response, then STAT (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$FAKE_LOG" "$OUT/o365.out")"
fake_stop

# A token the server refuses (still fresh in the store): Dovecot's error
# challenge is answered empty and the login fails, as the guide says.
store_edit "$STORE" token "not-a-token-the-server-knows"
py "$H/mail.py" > "$OUT/bad.out" 2> "$OUT/bad.err"
st=$?
[ $st -ne 0 ] && grep -q 'imaplib.IMAP4.error: .*AUTHENTICATIONFAILED' "$OUT/bad.err"
tap_ok $? "refused token: imaplib raises IMAP4.error (AUTHENTICATIONFAILED; status $st)"

# The sign-in revoked: the script stops at mailoauth token, before any
# login, and mailoauth's message is on its standard error.
store_edit "$STORE" stale
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
i0=$(login_count imap)
py "$H/mail.py" > "$OUT/revoked.out" 2> "$OUT/revoked.err"
st=$?
[ $st -ne 0 ] && grep -q "CalledProcessError: Command '\['mailoauth', 'token', 'work'\]' returned non-zero exit status 77" "$OUT/revoked.err"
tap_ok $? "revoked sign-in: CalledProcessError, mailoauth token exited 77 (status $st)"
grep -q '^What to do: sign in again: mailoauth authorize work$' "$OUT/revoked.err"
tap_ok $? "revoked sign-in: mailoauth's message says to sign in again"
[ "$(login_count imap)" -eq "$i0" ]
tap_ok $? "revoked sign-in: no login at the server"

no_secrets python "$H"
tap_done
