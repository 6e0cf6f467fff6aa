#!/bin/sh
# SPDX-License-Identifier: MIT
# mutt 2.2 set up as doc/clients.md says, run in a terminal (a tmux pane of
# our own) as a user would: the guide's ~/.muttrc opens the IMAP INBOX with
# XOAUTH2 from `imap_oauth_refresh_command = "mailoauth token work"` (after
# a refresh: the stored token is stale) and the index shows the seeded
# messages; in batch mode the same muttrc sends through Dovecot's submission
# with smtp_oauth_refresh_command.  POP3: the guide's pop_authenticators
# muttrc reads the mailbox, and against a server that behaves like Office
# 365 it uses the two-step AUTH XOAUTH2 form; the guide's tunnelled POP3
# muttrc reads it through `mailoauth connect` and sends with msmtp.  A
# revoked sign-in makes mutt fail with mailoauth's message.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require mutt tmux
clients_setup
N=5
stand_seed_mail "$STAND_USER" $N 1500
# mutt's default $folder; without it mutt asks whether to create it.
mkdir -p "$H/Mail"

# adapt — a muttrc block of the guide on stdin, pointed at the stand; the
# stand's CA added.
adapt() {
	sed -e "s|\"imaps://outlook\\.office365\\.com/\"|\"imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/\"|" \
		-e "s|@smtp\\.office365\\.com:587/\"|@127.0.0.1:$DOVECOT_SUBMISSION_PORT/\"|" \
		-e "s|\"pops://alice@contoso\\.com@outlook\\.office365\\.com/\"|\"pops://alice@contoso.com@127.0.0.1:${POP_PORT:-$DOVECOT_POP3S_PORT}/\"|" \
		-e "s|\"mailoauth connect outlook\\.office365\\.com 995\"|\"mailoauth connect --protocol pop3 127.0.0.1 $DOVECOT_POP3S_PORT\"|" \
		-e "s|\"pop://alice@contoso\\.com@outlook\\.office365\\.com/\"|\"pop://alice@contoso.com@127.0.0.1/\"|" \
		-e "s/alice@contoso\\.com/$STAND_USER/g"
	echo "set ssl_ca_certificates_file = \"$STAND_CA\""
}

# --- IMAP and SMTP: the guide's ~/.muttrc -----------------------------------
doc_block mutt muttrc 1 | adapt > "$H/.muttrc"
doc_adapted "muttrc (IMAP, SMTP)" "$H/.muttrc"
grep -q '^set imap_authenticators = "xoauth2"$' "$H/.muttrc" &&
	grep -q '^set imap_oauth_refresh_command = "mailoauth token work"$' "$H/.muttrc" &&
	grep -q '^set smtp_oauth_refresh_command = "mailoauth token work"$' "$H/.muttrc"
tap_ok $? "muttrc: xoauth2 with imap_ and smtp_oauth_refresh_command \"mailoauth token work\""

store_edit "$STORE" stale
r0=$(mock_refreshes)
l0=$(login_count imap)
tui_index mutt imap
[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "imap: the stale token was refreshed once by imap_oauth_refresh_command"
[ "$(login_count imap)" -gt "$l0" ] &&
	grep "imap-login: Info: Login: user=<$STAND_USER>, method=XOAUTH2" "$DOVECOT_LOG" | tail -n 1 | grep -q ', TLS,'
tap_ok $? "imap: Dovecot logged XOAUTH2 logins over TLS"

l0=$(login_count submission)
echo "Sent by mutt." | as_user timeout 30 mutt -s "mutt smtp" -- bob@example.org > "$OUT/smtp.out" 2>&1
st=$?
tap_ok $st "smtp: mutt (batch mode) sends through smtp_url (status $st)"
[ $st -eq 0 ] || tap_diag "$(cat "$OUT/smtp.out")"
f=$(sink_find "mutt smtp")
[ -n "$f" ] && grep -q '^RCPT TO:<bob@example.org>' "${f%.eml}.env" &&
	[ "$(login_count submission)" -eq $((l0 + 1)) ]
tap_ok $? "smtp: the message arrived behind Dovecot's submission after one XOAUTH2 login"
[ -n "$f" ] && grep -q "^MAIL FROM:<$STAND_USER>" "${f%.eml}.env"
tap_ok $? "smtp: sent from the mailbox the guide sets in from (not root@host)"

# --- POP3 with pop_authenticators ---------------------------------------------
doc_block mutt muttrc 2 | adapt > "$H/.muttrc-pop"
doc_adapted "muttrc (POP3, XOAUTH2)" "$H/.muttrc-pop"
grep -q '^set pop_authenticators = "xoauth2"$' "$H/.muttrc-pop" &&
	grep -q '^set pop_oauth_refresh_command = "mailoauth token work"$' "$H/.muttrc-pop"
tap_ok $? "muttrc (POP3): pop_authenticators xoauth2, pop_oauth_refresh_command \"mailoauth token work\""
l0=$(login_count pop3)
tui_index mutt pop-xoauth2 -F "$H/.muttrc-pop"
[ "$(login_count pop3)" -gt "$l0" ]
tap_ok $? "pop-xoauth2: Dovecot logged XOAUTH2 POP3 logins"

# Office 365 drops a POP3 client that puts the response on the AUTH line;
# the fake server does the same and logs the form it got.  (It serves no
# mailbox mutt can open: only the login is looked at.)
fake_start pop3 o365 tls || tap_diag "fake server did not start"
POP_PORT=$FAKE_PORT
doc_block mutt muttrc 2 | adapt > "$H/.muttrc-o365"
POP_PORT=''
tui_start o365 "env -u MAILOAUTH_CONFIG HOME=$H PATH=$H/bin:/usr/bin:/bin mutt -F $H/.muttrc-o365 2> $OUT/o365.err"
# The fake server serves one session and ends it when mutt says QUIT.
n=200
while ! grep -q '^QUIT$' "$FAKE_LOG" && [ $n -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
tui_wait o365 "---Mutt:"
tui_keys o365 q
st=$(tui_exit o365)
grep -q '^AUTH XOAUTH2$' "$FAKE_LOG" && grep -q '^<xoauth2 user=.* bearer=yes' "$FAKE_LOG" &&
	grep -q '^STAT$' "$FAKE_LOG" && [ "$st" = 0 ]
ok=$?
tap_ok $ok "pop, Office 365 behaviour: mutt sends AUTH XOAUTH2, then the response, and is logged in (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$FAKE_LOG")"
fake_stop

# --- POP3 through the tunnel, sending with msmtp ------------------------------
doc_block mutt muttrc 3 | adapt > "$H/.muttrc-tunnel"
doc_adapted "muttrc (POP3, tunnel)" "$H/.muttrc-tunnel"
grep -q "^set tunnel = \"mailoauth connect --protocol pop3 127.0.0.1 $DOVECOT_POP3S_PORT\"\$" "$H/.muttrc-tunnel" &&
	grep -q '^set sendmail = "msmtp -a work"$' "$H/.muttrc-tunnel"
tap_ok $? "muttrc (tunnel): tunnel runs mailoauth connect, sendmail is msmtp -a work"
l0=$(login_count pop3)
tui_index mutt pop-tunnel -F "$H/.muttrc-tunnel"
[ "$(login_count pop3)" -gt "$l0" ]
tap_ok $? "pop-tunnel: mailoauth connect logged in with XOAUTH2"
sends_with_msmtp mutt "$H/.muttrc-tunnel"

# --- a revoked sign-in --------------------------------------------------------
store_edit "$STORE" stale
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
l0=$(login_count submission)
echo "Never sent." | as_user timeout 30 mutt -s "mutt revoked" -- bob@example.org > "$OUT/revoked.out" 2>&1
st=$?
[ $st -ne 0 ] && [ -z "$(sink_find "mutt revoked")" ] && [ "$(login_count submission)" -eq "$l0" ]
tap_ok $? "revoked sign-in: mutt cannot send (status $st), nothing sent"
grep -q 'sign in again: mailoauth authorize work' "$OUT/revoked.out"
ok=$?
tap_ok $ok "revoked sign-in: mutt shows mailoauth's message (sign in again: mailoauth authorize work)"
[ $ok -eq 0 ] || tap_diag "$(cat "$OUT/revoked.out")"

clients_cleanup
no_secrets mutt "$H"
tap_done
