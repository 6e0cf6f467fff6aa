#!/bin/sh
# SPDX-License-Identifier: MIT
# aerc (0.14 in Debian 12) set up as doc/clients.md says, run in a terminal
# (a tmux pane of our own): the guide's accounts.conf (imaps+xoauth2, the
# token from `mailoauth token work`) opens the INBOX over IMAP after a
# refresh of the stale stored token, its message list shows the seeded
# messages, and a message composed in aerc is sent through msmtp (the
# guide's ~/.msmtprc) to Dovecot's submission.  No token in aerc's files.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require aerc tmux
clients_setup
N=3
stand_seed_mail "$STAND_USER" $N 1000
U=$(printf %s "$STAND_USER" | sed 's/@/%40/')

# The guide's accounts.conf, pointed at the stand (its certificate names
# localhost; aerc, a Go program, trusts $SSL_CERT_FILE).
mkdir -p "$H/.config/aerc"
doc_block aerc aerc | sed \
	-e "s|alice%40contoso\\.com@outlook\\.office365\\.com\$|$U@localhost:$DOVECOT_IMAPS_PORT|" \
	-e "s/alice@contoso\\.com/$STAND_USER/g" > "$H/.config/aerc/accounts.conf"
chmod 600 "$H/.config/aerc/accounts.conf"
doc_adapted accounts.conf "$H/.config/aerc/accounts.conf"
grep -q '^source-cred-cmd = mailoauth token work$' "$H/.config/aerc/accounts.conf" &&
	grep -q "^source          = imaps+xoauth2://" "$H/.config/aerc/accounts.conf" &&
	grep -q "^outgoing        = /usr/bin/msmtp\$" "$H/.config/aerc/accounts.conf"
tap_ok $? "accounts.conf: imaps+xoauth2, the token from \"mailoauth token work\", msmtp to send"
sed -i "s|^outgoing        = /usr/bin/msmtp\$|outgoing        = $(command -v msmtp)|" \
	"$H/.config/aerc/accounts.conf"
msmtp_rc

store_edit "$STORE" stale
r0=$(mock_refreshes)
l0=$(login_count imap)
# EDITOR=true: the composer's editor returns at once, with the body given.
tui_start aerc "env -u MAILOAUTH_CONFIG HOME=$H PATH=$H/bin:/usr/bin:/bin SSL_CERT_FILE=$STAND_CA EDITOR=true TERM=xterm-256color aerc 2> $OUT/aerc.err"
tui_wait aerc "stand message $N of $N" 30
ok=$?
k=1
while [ $ok -eq 0 ] && [ $k -le $N ]; do
	grep -q "stand message $k of $N" "$OUT/aerc.screen" || ok=1
	k=$((k + 1))
done
tap_ok $ok "aerc's message list shows the $N messages of the INBOX"
[ $ok -eq 0 ] || tap_diag "$(grep -v '^$' "$OUT/aerc.screen")" "$(cat "$OUT/aerc.err")"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ] && [ "$(login_count imap)" -gt "$l0" ]
tap_ok $? "the stale token was refreshed once by source-cred-cmd, and Dovecot logged an XOAUTH2 IMAP login"

# Compose and send: :compose with the headers, the editor (returns at
# once), then y(es) on the review screen.
l0=$(login_count submission)
tui_keys aerc ':compose -H "To: bob@example.org" -H "Subject: aerc sends"' Enter
tui_wait aerc "Send this email" 10
ok=$?
tui_keys aerc y
i=0
while [ -z "$(sink_find "aerc sends")" ] && [ $i -lt 100 ]; do
	sleep 0.2
	i=$((i + 1))
done
[ $ok -eq 0 ] && [ -n "$(sink_find "aerc sends")" ] && [ "$(login_count submission)" -eq $((l0 + 1)) ]
ok=$?
tap_ok $ok "a message composed in aerc reaches the sink through msmtp, an XOAUTH2 login at the submission server"
[ $ok -eq 0 ] || { tui__tmux capture-pane -p -t aerc > "$OUT/aerc.screen"
	tap_diag "$(grep -v '^$' "$OUT/aerc.screen")" "$(cat "$OUT/aerc.err")"; }
tui_keys aerc Escape
tui_keys aerc ":quit" Enter
st=$(tui_exit aerc)
[ "$st" = 0 ]
tap_ok $? "aerc quits (status $st)"

clients_cleanup
no_secrets aerc "$H"
tap_done
