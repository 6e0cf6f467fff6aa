#!/bin/sh
# SPDX-License-Identifier: MIT
# s-nail set up as doc/clients.md says (~/.mailrc: v15-compat, `oauthbearer`,
# the token in `password` from `mailoauth token work`, trimmed) lists the
# INBOX over IMAP from Dovecot after a refresh when the stored token is
# stale, and sends through Dovecot's submission with msmtp as its mta.
# Against servers that behave like Office 365 its IMAP login (AUTHENTICATE
# XOAUTH2) goes through, while its POP3 login puts the response on the AUTH
# line and is refused, as the guide says; POP3 through the guide's
# `mailoauth connect` on a local port works.  -vv shows the token (the
# guide's warning), -v does not.  No token in s-nail's files.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require s-nail systemd-socket-activate
clients_setup
N=3
stand_seed_mail "$STAND_USER" $N 1000
U=$(printf %s "$STAND_USER" | sed 's/@/%40/')

# adapt IMAPPORT SMTPPORT — the guide's ~/.mailrc on stdin, pointed at the
# stand (its certificate names localhost), the stand's CA added.
adapt() {
	sed -e "s|alice%40contoso\\.com@outlook\\.office365\\.com|$U@localhost:$1|" \
		-e "s|alice%40contoso\\.com@smtp\\.office365\\.com:587|$U@localhost:$2|" \
		-e "s/alice@contoso\\.com/$STAND_USER/g" \
		-e "1a set tls-ca-file=$STAND_CA"
}
doc_block s-nail mailrc 1 | adapt "$DOVECOT_IMAPS_PORT" "$DOVECOT_SUBMISSION_PORT" > "$H/.mailrc"
doc_adapted mailrc "$H/.mailrc"
grep -q '^set v15-compat$' "$H/.mailrc" && grep -q '^  vput ! password mailoauth token work$' "$H/.mailrc" &&
	grep -q '^  vput csop password trim "\$password"$' "$H/.mailrc" &&
	grep -q '^set imap-auth=oauthbearer$' "$H/.mailrc"
tap_ok $? "mailrc: v15-compat, oauthbearer, the password from \"mailoauth token work\", trimmed, as in the guide"

# s-nail gives the commands it runs the HOME of the passwd entry, root's
# here, not the test user's: MAILRC and MAILOAUTH_CONFIG say where they are.
snail() {
	_n=$1
	shift
	as_user env MAILRC="${SNAIL_RC:-$H/.mailrc}" MAILOAUTH_CONFIG="$H/.config/mailoauth/config" \
		timeout 60 s-nail "$@" > "$OUT/$_n.out" 2>&1
}

# IMAP, a stale token: the macro's `mailoauth token work` refreshes it once.
store_edit "$STORE" stale
r0=$(mock_refreshes)
l0=$(login_count imap)
printf 'headers\nexit\n' | snail imap -N
st=$?
[ $st -eq 0 ] && [ "$(grep -c "stand message [0-9]* of $N" "$OUT/imap.out")" -eq $N ] &&
	[ "$(login_count imap)" -eq $((l0 + 1)) ]
ok=$?
tap_ok $ok "IMAP, stale token: s-nail opens the guide's inbox, lists $N messages, one XOAUTH2 login (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$OUT/imap.out")"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "mailoauth refreshed the stale token once (mock: $r0 -> $(mock_refreshes))"

# Sending: through msmtp (its section's ~/.msmtprc) as s-nail's mta.
doc_block msmtp msmtprc | sed -e 's/^host smtp\.office365\.com$/host 127.0.0.1/' \
	-e "s/^port 587\$/port $DOVECOT_SUBMISSION_PORT/" -e "s/alice@contoso\\.com/$STAND_USER/g" \
	-e "/^account work\$/a tls_trust_file $STAND_CA" > "$H/.msmtprc"
chmod 600 "$H/.msmtprc"
grep -q '^set mta=/usr/bin/msmtp$' "$H/.mailrc"
tap_ok $? "mailrc: mta is msmtp, as in the guide"
# (msmtp too gets root's HOME from s-nail: -C says where its file is.)
sed -i "s|^set mta=/usr/bin/msmtp\$|set mta=$(command -v msmtp) mta-arguments=\"-C $H/.msmtprc\"|" "$H/.mailrc"
l0=$(login_count submission)
echo "Sent by s-nail." | snail send -s "s-nail sends" bob@example.org
st=$?
f=$(sink_find "s-nail sends")
[ $st -eq 0 ] && [ -n "$f" ] && [ "$(login_count submission)" -eq $((l0 + 1)) ]
ok=$?
tap_ok $ok "sending: the message reaches the sink through msmtp, XOAUTH2 at the submission server (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$OUT/send.out")"
# Office 365's IMAP: AUTHENTICATE XOAUTH2 with a well-formed response.
fake_start imap o365 tls || tap_diag "fake server did not start"
sed "s|^set inbox=.*|set inbox=imaps://$U@localhost:$FAKE_PORT|" "$H/.mailrc" > "$H/.mailrc-o365"
printf 'headers\nexit\n' | SNAIL_RC=$H/.mailrc-o365 snail o365-imap -N
grep -q "^T[0-9]* AUTHENTICATE XOAUTH2 <xoauth2 user=$STAND_USER bearer=yes terminated=yes>\$" "$FAKE_LOG" &&
	grep -q '^T[0-9]* SELECT "INBOX"$' "$FAKE_LOG"
ok=$?
tap_ok $ok "Office 365 behaviour, IMAP: AUTHENTICATE XOAUTH2 accepted, then SELECT"
[ $ok -eq 0 ] || tap_diag "$(cat "$FAKE_LOG" "$OUT/o365-imap.out")"
fake_stop
# ... POP3: the response on the AUTH line, which Office 365 refuses.
fake_start pop3 o365 tls || tap_diag "fake server did not start"
{
	sed '/^set inbox=/d' "$H/.mailrc"
	echo "set pop3-auth=oauthbearer inbox=pop3s://$U@localhost:$FAKE_PORT"
} > "$H/.mailrc-o365pop"
printf 'headers\nexit\n' | SNAIL_RC=$H/.mailrc-o365pop snail o365-pop -N
grep -q '^AUTH XOAUTH2 <initial response on the AUTH line>$' "$FAKE_LOG" &&
	grep -q 'Protocol error. Connection is closed. 10' "$OUT/o365-pop.out" &&
	! grep -q '^STAT' "$FAKE_LOG"
ok=$?
tap_ok $ok "Office 365 behaviour, POP3: s-nail puts the response on the AUTH line and is refused, as the guide says"
[ $ok -eq 0 ] || tap_diag "$(cat "$FAKE_LOG" "$OUT/o365-pop.out")"
fake_stop

# POP3 through `mailoauth connect` on a local port (the getmail6 units:
# what systemd does for Accept=yes), with the guide's second ~/.mailrc.
port=$(stand__py free-ports 1)
as_user_bg pop3-socket env MAILOAUTH_LIBEXECDIR="$MAILOAUTH_LIBEXECDIR" \
	MAILOAUTH_CONFIG="$H/.config/mailoauth/config" \
	systemd-socket-activate -E HOME -E PATH -E MAILOAUTH_LIBEXECDIR -E MAILOAUTH_CONFIG \
	--accept --inetd -l "127.0.0.1:$port" \
	"$H/bin/mailoauth" connect --protocol pop3 127.0.0.1 "$DOVECOT_POP3S_PORT" \
	< /dev/null > "$OUT/pop3-socket.out" 2> "$OUT/pop3-service.err" &&
	stand__py wait-ports 10 "$port"
tap_ok $? "mailoauth connect listens on 127.0.0.1:$port"
doc_block s-nail mailrc 2 | sed -e "s/alice%40contoso\\.com/$U/" -e "s/:1995\$/:$port/" \
	> "$H/.mailrc-pop3"
grep -q "^set inbox=pop3://$U@127.0.0.1:$port\$" "$H/.mailrc-pop3" &&
	grep -q '^set pop3-auth=plain password=unused$' "$H/.mailrc-pop3"
tap_ok $? "mailrc (POP3): the guide's inbox on the local port, a plain login"
l0=$(login_count pop3)
printf 'headers\nexit\n' | SNAIL_RC=$H/.mailrc-pop3 snail pop3 -N
st=$?
[ $st -eq 0 ] && [ "$(grep -c "stand message [0-9]* of $N" "$OUT/pop3.out")" -eq $N ] &&
	[ "$(login_count pop3)" -eq $((l0 + 1)) ]
ok=$?
tap_ok $ok "POP3 through mailoauth connect: $N messages listed, one XOAUTH2 login at the server (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$OUT/pop3.out" "$OUT/pop3-service.err")"
clients_cleanup

# What the guide warns about: -vv prints the XOAUTH2 response, token and
# all; -v does not.
tok=$(as_user env MAILOAUTH_CONFIG="$H/.config/mailoauth/config" mailoauth token work)
b64=$(printf 'user=%s\001auth=Bearer %s\001\001' "$STAND_USER" "$tok" | base64 -w0)
printf 'headers\nexit\n' | snail verbose1 -N -v
st=$?
[ $st -eq 0 ] && ! grep -q -F -e "$b64" -e "$tok" "$OUT/verbose1.out"
tap_ok $? "s-nail -v: neither the token nor the XOAUTH2 response in its output (status $st)"
printf 'headers\nexit\n' | snail verbose2 -N -vv
grep -q -F -e "$b64" "$OUT/verbose2.out"
tap_ok $? "s-nail -vv: the XOAUTH2 response with the token is in its output, as the guide warns"
rm -f "$OUT/verbose2.out"

no_secrets s-nail "$H"
tap_done
