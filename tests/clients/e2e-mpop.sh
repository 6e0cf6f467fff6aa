#!/bin/sh
# SPDX-License-Identifier: MIT
# mpop set up as doc/clients.md says (~/.mpoprc: `auth xoauth2`,
# `passwordeval "mailoauth token work"`, implicit TLS on 995) fetches the
# mailbox from Dovecot's POP3 into the guide's Maildir: all messages, then
# none new (keep on), after a refresh when the stored token is stale.
# Against a server that behaves like Office 365 it sends the two-line
# AUTH XOAUTH2.  A revoked sign-in makes mpop fail, fetching nothing, with
# mailoauth's message.  No token in mpop's files.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require mpop
clients_setup
N=4
stand_seed_mail "$STAND_USER" $N 2000

# adapt PORT — the guide's ~/.mpoprc on stdin, pointed at 127.0.0.1:PORT,
# the stand's CA added.
adapt() {
	sed -e 's/^host outlook\.office365\.com$/host 127.0.0.1/' \
		-e "s/^port 995\$/port $1/" \
		-e "s/alice@contoso\\.com/$STAND_USER/g" \
		-e "/^account work\$/a tls_trust_file $STAND_CA"
}
doc_block mpop mpoprc | adapt "$DOVECOT_POP3S_PORT" > "$H/.mpoprc"
chmod 600 "$H/.mpoprc"
doc_adapted mpoprc "$H/.mpoprc"
grep -q '^passwordeval "mailoauth token work"$' "$H/.mpoprc" &&
	grep -q '^auth xoauth2$' "$H/.mpoprc" && grep -q '^tls on$' "$H/.mpoprc" &&
	grep -q '^delivery maildir ~/Mail/work$' "$H/.mpoprc"
tap_ok $? "mpoprc: auth xoauth2, passwordeval \"mailoauth token work\", TLS, a Maildir, as in the guide"
# The guide's mkdir line.
mkdir -p "$H/Mail/work/cur" "$H/Mail/work/new" "$H/Mail/work/tmp"

fetch() {
	as_user timeout 60 mpop > "$OUT/mpop.out" 2>&1
}

# A stale token: passwordeval's `mailoauth token work` refreshes it once.
store_edit "$STORE" stale
r0=$(mock_refreshes)
l0=$(login_count pop3)
fetch
st=$?
tap_ok $st "stale token: mpop fetches (status $st)"
[ $st -eq 0 ] || tap_diag "$(cat "$OUT/mpop.out")"
[ "$(maildir_count "$H/Mail/work")" -eq $N ]
tap_ok $? "all $N messages are in the guide's Maildir ($(maildir_count "$H/Mail/work"))"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "mailoauth refreshed the stale token once (mock: $r0 -> $(mock_refreshes))"
[ "$(login_count pop3)" -eq $((l0 + 1)) ] &&
	tail -n 5 "$DOVECOT_LOG" | grep -q "pop3-login: Info: Login: user=<$STAND_USER>, method=XOAUTH2, .*, TLS"
tap_ok $? "Dovecot logged one XOAUTH2 POP3 login over TLS"

fetch
st=$?
[ $st -eq 0 ] && [ "$(maildir_count "$H/Mail/work")" -eq $N ]
tap_ok $? "second run: nothing new, the messages stay on the server (keep on; status $st)"

# Office 365 drops a client that puts the response on the AUTH line; the
# fake server does the same and logs the form it got.
fake_start pop3 o365 tls || tap_diag "fake server did not start"
doc_block mpop mpoprc | adapt "$FAKE_PORT" > "$H/.mpoprc-o365"
sed -i "s|^delivery maildir .*|delivery maildir $H/Mail/o365|" "$H/.mpoprc-o365"
chmod 600 "$H/.mpoprc-o365"
mkdir -p "$H/Mail/o365/cur" "$H/Mail/o365/new" "$H/Mail/o365/tmp"
as_user timeout 60 mpop -C "$H/.mpoprc-o365" > "$OUT/o365.out" 2>&1
st=$?
grep -q '^AUTH XOAUTH2$' "$FAKE_LOG" && grep -q "^<xoauth2 user=$STAND_USER bearer=yes" "$FAKE_LOG" &&
	! grep -q '^AUTH XOAUTH2 .' "$FAKE_LOG" && grep -q '^STAT$' "$FAKE_LOG"
ok=$?
tap_ok $ok "Office 365 behaviour: mpop sends AUTH XOAUTH2, then the response after '+', and goes on (STAT; status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$FAKE_LOG" "$OUT/o365.out")"
fake_stop

# The sign-in revoked (stale token, refresh refused): mpop stops before
# logging in and shows mailoauth's reason and what to do.
store_edit "$STORE" stale
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
stand_seed_mail "$STAND_USER" 1 1000
l0=$(login_count pop3)
fetch
st=$?
[ $st -ne 0 ]
tap_ok $? "revoked sign-in: mpop fails (status $st)"
grep -q '^What to do: sign in again: mailoauth authorize work$' "$OUT/mpop.out" &&
	grep -q "mpop: cannot read output of 'mailoauth token work'" "$OUT/mpop.out"
tap_ok $? "revoked sign-in: mpop shows mailoauth's message (sign in again: mailoauth authorize work), as the guide says"
[ $st -ne 0 ] || tap_diag "$(cat "$OUT/mpop.out")"
[ "$(login_count pop3)" -eq "$l0" ] && [ "$(maildir_count "$H/Mail/work")" -eq $N ]
tap_ok $? "revoked sign-in: no login at the server, nothing fetched"

no_secrets mpop "$H"
tap_done
