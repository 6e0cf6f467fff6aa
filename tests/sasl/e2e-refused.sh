#!/bin/sh
# SPDX-License-Identifier: MIT
# libmailoauth.so and a token Dovecot refuses although it has not expired
# (revoked early at the identity platform; the grant stays good): on the
# server's error challenge the plugin marks the stored token refused, the
# failing login says so, and the next login refreshes it -- once.  Real
# cyrus imtest / pop3test and mbsync, real Dovecot, the mock identity
# platform.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/sasl/e2e-lib.sh"

tap_require "$IMTEST" "$POP3TEST" mbsync

sasl_setup
sasl_account work
e2e_import work "$STAND_USER" "$E2E_MAIL_SCOPES"
tap_ok $? "a grant is imported for account work"
F=$STATE/work.json
OUT=$W/out
stand_seed_mail "$STAND_USER" 2

run() {
	client "$@" < /dev/null > "$OUT" 2>&1
	_rc=$?
	sed -i 's/\r$//' "$OUT"
	return $_rc
}
refreshes() { mock_ctl GET /mock/stats | stand_json token.refresh_token; }
revoke_early() {
	mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"refresh\": false}" > /dev/null
}
imtest() {
	run "$IMTEST" -m XOAUTH2 -a "$STAND_USER" -w work -p "$DOVECOT_IMAP_PORT" 127.0.0.1
}

imtest
grep -q '^Authenticated\.' "$OUT"
tap_ok $? "imtest logs in with the stored token"
r0=$(refreshes)
old=$(store_get "$F" access_token)

# The token is revoked early: Dovecot refuses it with an error challenge.
revoke_early
imtest
grep -q '^S: + eyJ' "$OUT" && grep -q '^S: A01 NO' "$OUT" && ! grep -q '^Authenticated\.' "$OUT"
tap_ok $? "revoked but unexpired token: the login fails (error challenge, NO)"
[ -n "$(store_get "$F" refused_at)" ] && [ "$(store_get "$F" access_token)" = "$old" ]
tap_ok $? "the plugin marked the stored token refused (refused_at), nothing else changed"
[ "$(refreshes)" -eq "$r0" ]
tap_ok $? "the failing login itself does not refresh"
"$MAILOAUTH_HELPER" --config "$CFG" status work > "$W/status.out" 2>&1
grep -q 'refused by the mail server' "$W/status.out"
tap_ok $? "status says the token was refused by the mail server"

# The next login refreshes, once, and works.
imtest
grep -q '^Authenticated\.' "$OUT"
tap_ok $? "the next login works"
new=$(store_get "$F" access_token)
[ "$(refreshes)" -eq $((r0 + 1)) ] && [ "$new" != "$old" ] && [ -z "$(store_get "$F" refused_at)" ]
tap_ok $? "... after exactly one refresh; the new token is not marked"
imtest
grep -q '^Authenticated\.' "$OUT" && [ "$(refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "the login after that uses the new token without a refresh"

# mbsync: the run that meets the refusal fails (mbsync shows the server's
# NO, not sasl_errdetail(); tests/sasl/test-sasl-plugin checks the
# plugin's message), the next run works.
cat > "$W/mbsyncrc" <<EOF2
IMAPAccount work
Host 127.0.0.1
Port $DOVECOT_IMAP_PORT
User $STAND_USER
Pass work
AuthMechs XOAUTH2
SSLType None

IMAPStore work-remote
Account work

MaildirStore work-local
Path $W/mail/
Inbox $W/mail/INBOX

Channel work
Far :work-remote:
Near :work-local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
EOF2
mkdir -p "$W/mail"
revoke_early
run mbsync -c "$W/mbsyncrc" work
rc=$?
[ $rc -ne 0 ] && [ -n "$(store_get "$F" refused_at)" ]
tap_ok $? "mbsync: the run with the revoked token fails and the token is marked (rc=$rc)"
run mbsync -c "$W/mbsyncrc" work
rc=$?
n=$(find "$W/mail/INBOX/new" "$W/mail/INBOX/cur" -type f 2>/dev/null | wc -l)
[ $rc -eq 0 ] && [ "$n" -eq 2 ] && [ "$(refreshes)" -eq $((r0 + 2)) ]
tap_ok $? "mbsync: the next run refreshes once and pulls 2 messages (rc=$rc, got $n)"

# Never a loop: a server that refuses every token costs one refresh per
# refusal, not more.
r1=$(refreshes)
mock_ctl POST /mock/fault '{"endpoint": "introspect", "count": 3, "status": 200, "body": "{\"active\": false}"}' > /dev/null
i=0
while [ $i -lt 3 ]; do
	run "$POP3TEST" -m XOAUTH2 -a "$STAND_USER" -w work -p "$DOVECOT_POP3_PORT" 127.0.0.1
	i=$((i + 1))
done
r2=$(refreshes)
[ "$r2" -le $((r1 + 3)) ] && [ "$r2" -ge $((r1 + 2)) ]
tap_ok $? "three refused logins: at most one refresh each ($r1 -> $r2)"
imtest
grep -q '^Authenticated\.' "$OUT"
tap_ok $? "once the server accepts tokens again, the login works"
tap_done
