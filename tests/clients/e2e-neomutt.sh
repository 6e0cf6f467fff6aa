#!/bin/sh
# SPDX-License-Identifier: MIT
# neomutt (20220429 in Debian 12) set up as doc/clients.md says, run in a
# terminal (a tmux pane of our own): the guide's ~/.neomuttrc opens the
# IMAP INBOX with XOAUTH2 from `imap_oauth_refresh_command = "mailoauth
# token work"` (after a refresh: the stored token is stale) and the index
# lists the seeded messages; with `oauthbearer` instead, which the guide
# warns against, neomutt does not log in; POP3 through the guide's `tunnel`
# (a muttrc of its own, as for mutt) lists them too and sends with msmtp.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require neomutt tmux
clients_setup
N=4
stand_seed_mail "$STAND_USER" $N 1500
mkdir -p "$H/Mail"

# adapt — a muttrc block of the guide on stdin, pointed at the stand; the
# stand's CA added (Debian's /etc/neomuttrc sets the system bundle).
adapt() {
	sed -e "s|\"imaps://outlook\\.office365\\.com/\"|\"imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/\"|" \
		-e "s|\"mailoauth connect outlook\\.office365\\.com 995\"|\"mailoauth connect --protocol pop3 127.0.0.1 $DOVECOT_POP3S_PORT\"|" \
		-e "s|\"pop://alice@contoso\\.com@outlook\\.office365\\.com/\"|\"pop://alice@contoso.com@127.0.0.1/\"|" \
		-e "s/alice@contoso\\.com/$STAND_USER/g"
	echo "set ssl_ca_certificates_file = \"$STAND_CA\""
}

# --- IMAP: the guide's ~/.neomuttrc -------------------------------------------
doc_block neomutt muttrc 1 | adapt > "$H/.neomuttrc"
doc_adapted neomuttrc "$H/.neomuttrc"
grep -q '^set imap_authenticators = "xoauth2"$' "$H/.neomuttrc" &&
	grep -q '^set imap_oauth_refresh_command = "mailoauth token work"$' "$H/.neomuttrc"
tap_ok $? "neomuttrc: imap_authenticators xoauth2, imap_oauth_refresh_command \"mailoauth token work\""

store_edit "$STORE" stale
r0=$(mock_refreshes)
l0=$(login_count imap)
tui_index neomutt imap
[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "imap: the stale token was refreshed once by imap_oauth_refresh_command"
[ "$(login_count imap)" -gt "$l0" ] &&
	grep "imap-login: Info: Login: user=<$STAND_USER>, method=XOAUTH2" "$DOVECOT_LOG" | tail -n 1 | grep -q ', TLS,'
tap_ok $? "imap: Dovecot logged XOAUTH2 logins over TLS"

# What the guide warns against: oauthbearer (neomutt refuses a token of
# Office 365's size for it; the mock's are 1500 characters).
sed 's/^set imap_authenticators = "xoauth2"$/set imap_authenticators = "oauthbearer"/' \
	"$H/.neomuttrc" > "$H/.neomuttrc-oauthbearer"
l0=$(grep -c 'imap-login: Info: Login: ' "$DOVECOT_LOG")
tui_start oauthbearer "env -u MAILOAUTH_CONFIG HOME=$H PATH=$H/bin:/usr/bin:/bin neomutt -F $H/.neomuttrc-oauthbearer 2> $OUT/oauthbearer.err"
tui_wait oauthbearer "(no mailbox)"
# M: <show-log-messages>, what neomutt said while opening the mailbox.
tui_keys oauthbearer M
tui_wait oauthbearer "OAUTH token is too big" 5
ok=$?
tui_keys oauthbearer q
tui_keys oauthbearer q
st=$(tui_exit oauthbearer)
[ $ok -eq 0 ] && [ "$(grep -c 'imap-login: Info: Login: ' "$DOVECOT_LOG")" -eq "$l0" ]
ok=$?
tap_ok $ok "oauthbearer, as the guide warns: \"OAUTH token is too big\", no login (status $st)"
[ $ok -eq 0 ] || tap_diag "$(grep -v '^$' "$OUT/oauthbearer.screen")"

# --- POP3 through the tunnel, sending with msmtp ------------------------------
# The guide: `set tunnel = "mailoauth connect outlook.office365.com 995"` in
# a muttrc of its own, as for mutt (whose tunnelled POP3 block this is).
# shellcheck disable=SC2016
tunnel=$(sed -n '/^## neomutt$/,/^## /p' "$CLIENTS_DOC" | tr '\n' ' ' |
	grep -o '`set tunnel = "[^"]*"`' | tr -d '`')
doc_block mutt muttrc 3 | adapt > "$H/.neomuttrc-pop"
[ -n "$tunnel" ] && doc_block mutt muttrc 3 | grep -q -x -F "$tunnel" &&
	grep -q -x -F 'set sendmail = "msmtp -a work"' "$H/.neomuttrc-pop" &&
	sed -n '/^## neomutt$/,/^## /p' "$CLIENTS_DOC" | tr '\n' ' ' | grep -q -F 'set sendmail = "msmtp -a work"'
tap_ok $? "neomutt's POP3 setup is mutt's tunnelled muttrc: $tunnel, sendmail msmtp -a work"
doc_adapted "muttrc (POP3, tunnel)" "$H/.neomuttrc-pop"
l0=$(login_count pop3)
tui_index neomutt pop-tunnel -F "$H/.neomuttrc-pop"
[ "$(login_count pop3)" -gt "$l0" ]
tap_ok $? "pop-tunnel: mailoauth connect logged in with XOAUTH2"
sends_with_msmtp neomutt "$H/.neomuttrc-pop"

clients_cleanup
no_secrets neomutt "$H"
tap_done
