#!/bin/sh
# SPDX-License-Identifier: MIT
# offlineimap3 set up as doc/clients.md says (~/.offlineimap.py's
# mailoauth_token() for oauth2_access_token_eval, auth_mechanisms = XOAUTH2,
# TLS with a CA file, INBOX only, read-only) syncs the INBOX from Dovecot
# into a Maildir with one XOAUTH2 login, after one refresh of a stale
# token, and finds nothing new the second time; a revoked sign-in makes it
# fail before logging in, with mailoauth's message.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require offlineimap
clients_setup
N=4
stand_seed_mail "$STAND_USER" $N 1800

doc_block offlineimap3 python > "$H/.offlineimap.py"
# localhost: offlineimap's imaplib2 matches the certificate against DNS
# names only, and the stand's certificate names localhost and 127.0.0.1.
doc_block offlineimap3 offlineimaprc | sed \
	-e "s/^remotehost = outlook\\.office365\\.com\$/remotehost = localhost/" \
	-e "s/^remoteport = 993\$/remoteport = $DOVECOT_IMAPS_PORT/" \
	-e "s|^sslcacertfile = .*|sslcacertfile = $STAND_CA|" \
	-e "s/alice@contoso\\.com/$STAND_USER/g" > "$H/.offlineimaprc"
doc_adapted offlineimaprc "$H/.offlineimaprc"
grep -q '^oauth2_access_token_eval = mailoauth_token("work")$' "$H/.offlineimaprc" &&
	grep -q '^auth_mechanisms = XOAUTH2$' "$H/.offlineimaprc" &&
	grep -q '"mailoauth", "token", account' "$H/.offlineimap.py"
tap_ok $? "offlineimaprc: the token from mailoauth token work, XOAUTH2, as in the guide"

sync() {
	as_user timeout 120 offlineimap -o -u basic > "$OUT/$1.out" 2>&1
}

store_edit "$STORE" stale
r0=$(mock_refreshes)
l0=$(login_count imap)
sync first
st=$?
tap_ok $st "stale token: offlineimap syncs (status $st)"
[ $st -eq 0 ] || tap_diag "$(tail -n 20 "$OUT/first.out")"
[ "$(maildir_count "$H/Mail/offlineimap/INBOX")" -eq $N ]
tap_ok $? "the $N messages of the INBOX are in the guide's Maildir ($(maildir_count "$H/Mail/offlineimap/INBOX"))"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "mailoauth refreshed the stale token once (mock: $r0 -> $(mock_refreshes))"
[ "$(login_count imap)" -eq $((l0 + 1)) ]
tap_ok $? "Dovecot logged one XOAUTH2 IMAP login"

sync second
st=$?
[ $st -eq 0 ] && [ "$(maildir_count "$H/Mail/offlineimap/INBOX")" -eq $N ]
tap_ok $? "second run: nothing new, nothing lost (status $st)"

# The sign-in revoked (stale token, refresh refused).
store_edit "$STORE" stale
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
stand_seed_mail "$STAND_USER" 1 1000
l0=$(login_count imap)
sync revoked
st=$?
[ $st -ne 0 ]
tap_ok $? "revoked sign-in: offlineimap fails (status $st)"
grep -q '^What to do: sign in again: mailoauth authorize work$' "$OUT/revoked.out"
tap_ok $? "revoked sign-in: mailoauth's message says to sign in again"
[ $st -ne 0 ] || tap_diag "$(tail -n 20 "$OUT/revoked.out")"
[ "$(login_count imap)" -eq "$l0" ] && [ "$(maildir_count "$H/Mail/offlineimap/INBOX")" -eq $N ]
tap_ok $? "revoked sign-in: no login at the server, nothing fetched"

no_secrets offlineimap "$H"
tap_done
