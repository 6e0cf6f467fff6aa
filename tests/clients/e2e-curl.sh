#!/bin/sh
# SPDX-License-Identifier: MIT
# curl with the token from `mailoauth token`, as doc/clients.md's script
# does it (the token handed over on curl's standard input): the first
# message over POP3 (pop3s), the INBOX's message numbers over IMAP (imaps),
# and a message sent over SMTP with STARTTLS, all against Dovecot, after
# one refresh of a stale token (curl takes OAUTHBEARER there, which Dovecot
# offers too).  Against servers that offer XOAUTH2 only, as Office 365
# does, the same script logs in with XOAUTH2, on POP3 in the two-line form.
# A revoked sign-in stops the script before curl runs, with mailoauth's
# message and its exit status 77.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require curl
curl --version | grep -q '^Protocols:.* imaps .*pop3s .*smtp' ||
	tap_skip_all "this curl has no IMAP, POP3 or SMTP"
clients_setup
N=3
stand_seed_mail "$STAND_USER" $N 1500

# The guide's script, pointed at the stand and given the stand's CA.
doc_block curl sh | sed \
	-e "s|pop3s://outlook\\.office365\\.com/|pop3s://127.0.0.1:$DOVECOT_POP3S_PORT/|" \
	-e "s|imaps://outlook\\.office365\\.com/|imaps://127.0.0.1:$DOVECOT_IMAPS_PORT/|" \
	-e "s|smtp://smtp\\.office365\\.com:587|smtp://127.0.0.1:$DOVECOT_SUBMISSION_PORT|" \
	-e "s|curl -sS -K -|curl -sS --cacert $STAND_CA -K -|" \
	-e "s/alice@contoso\\.com/$STAND_USER/g" > "$H/bin/mail-curl"
chmod 755 "$H/bin/mail-curl"
doc_adapted mail-curl "$H/bin/mail-curl"
# shellcheck disable=SC2016
grep -q '^tok=$(mailoauth token work)' "$H/bin/mail-curl" &&
	grep -q "printf 'oauth2-bearer = \"%s\"\\\\n' \"\$tok\" |" "$H/bin/mail-curl" &&
	grep -q -- 'curl -sS --cacert .* -K - --user' "$H/bin/mail-curl"
tap_ok $? "the guide's script: the token from mailoauth token work, on curl's stdin (-K -)"

# logins PROTO — successful logins (any mechanism) Dovecot logged for PROTO
logins() {
	grep -c "$1-login: Info: Login: user=<$STAND_USER>" "$DOVECOT_LOG"
}

run() {
	(cd "$OUT" && as_user timeout 60 sh "$H/bin/mail-curl") > "$OUT/$1.out" 2> "$OUT/$1.err"
}

store_edit "$STORE" stale
r0=$(mock_refreshes)
p0=$(logins pop3) i0=$(logins imap) s0=$(logins submission)
run fresh
st=$?
tap_ok $st "stale token: the script runs through (status $st)"
[ $st -eq 0 ] || tap_diag "$(cat "$OUT/fresh.err")"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "mailoauth refreshed the stale token once (mock: $r0 -> $(mock_refreshes))"
grep -q '^Subject: ' "$OUT/first.eml" && grep -q '^Message-ID: ' "$OUT/first.eml"
tap_ok $? "pop3s: curl retrieved the first message"
[ "$(grep -c '^\* SEARCH 1 2 3' "$OUT/fresh.out")" -eq 1 ]
ok=$?
tap_ok $ok "imaps: curl listed the INBOX's $N messages"
[ $ok -eq 0 ] || tap_diag "$(cat "$OUT/fresh.out")"
subj=$(sed -n 's/^Subject: //p' "$OUT/first.eml" | head -n 1 | tr -d '\r')
[ -n "$(sink_find "$subj")" ]
tap_ok $? "smtp: the message reached the sink behind Dovecot's submission"
[ "$(logins pop3)" -eq $((p0 + 1)) ] && [ "$(logins imap)" -eq $((i0 + 1)) ] &&
	[ "$(logins submission)" -eq $((s0 + 1)) ]
ok=$?
tap_ok $ok "one login each for POP3, IMAP and SMTP"
[ $ok -eq 0 ] || tap_diag "$(grep "Login: " "$DOVECOT_LOG" | tail -n 4)"
[ "$(grep "Login: user=<$STAND_USER>" "$DOVECOT_LOG" | tail -n 3 | grep -c 'method=OAUTHBEARER, .*, TLS')" -eq 3 ]
tap_ok $? "... with the token (OAUTHBEARER, which Dovecot offers beside XOAUTH2), over TLS"

# Servers that offer XOAUTH2 only, like Office 365: the fake servers log the
# form of the exchange (POP3 drops a response on the AUTH line, as Office
# 365 does).  They serve no mailbox the script could read: only the logins
# are looked at.
fake_start pop3 o365 tls || tap_diag "fake POP3 server did not start"
sed "s|pop3s://127\.0\.0\.1:$DOVECOT_POP3S_PORT/|pop3s://127.0.0.1:$FAKE_PORT/|" \
	"$H/bin/mail-curl" > "$H/bin/mail-curl-o365"
(cd "$OUT" && as_user timeout 60 sh "$H/bin/mail-curl-o365") > "$OUT/o365.out" 2>&1
grep -q '^AUTH XOAUTH2$' "$FAKE_LOG" && grep -q "^<xoauth2 user=$STAND_USER bearer=yes" "$FAKE_LOG" &&
	! grep -q '^AUTH XOAUTH2 .' "$FAKE_LOG"
ok=$?
tap_ok $ok "POP3, Office 365 behaviour: curl sends AUTH XOAUTH2, then the response after '+'"
[ $ok -eq 0 ] || tap_diag "$(cat "$FAKE_LOG")"
fake_stop
fake_start imap o365 tls || tap_diag "fake IMAP server did not start"
sed "s|imaps://127\.0\.0\.1:$DOVECOT_IMAPS_PORT/|imaps://127.0.0.1:$FAKE_PORT/|" \
	"$H/bin/mail-curl" > "$H/bin/mail-curl-o365"
(cd "$OUT" && as_user timeout 60 sh "$H/bin/mail-curl-o365") > "$OUT/o365.out" 2>&1
grep -q "AUTHENTICATE XOAUTH2 <xoauth2 user=$STAND_USER bearer=yes" "$FAKE_LOG"
ok=$?
tap_ok $ok "IMAP, Office 365 behaviour: curl authenticates with XOAUTH2 (SASL-IR)"
[ $ok -eq 0 ] || tap_diag "$(cat "$FAKE_LOG")"
fake_stop

# The sign-in revoked: the script stops at mailoauth token, curl never runs.
store_edit "$STORE" stale
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
p0=$(logins pop3)
rm -f "$OUT/first.eml"
run revoked
st=$?
[ $st -eq 77 ]
tap_ok $? "revoked sign-in: the script exits with mailoauth token's 77 (status $st)"
grep -q '^What to do: sign in again: mailoauth authorize work$' "$OUT/revoked.err"
tap_ok $? "revoked sign-in: mailoauth's message says to sign in again"
[ "$(logins pop3)" -eq "$p0" ] && [ ! -e "$OUT/first.eml" ]
tap_ok $? "revoked sign-in: curl did not run (no login, nothing fetched)"

no_secrets curl "$H"
tap_done
