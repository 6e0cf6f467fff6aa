#!/bin/sh
# SPDX-License-Identifier: MIT
# What the client (and stderr, which fetchmail shows) is told when the login
# cannot happen: revoked grant, identity platform outage, a token the server
# rejects, an unreachable server, an unknown user, a broken configuration.
# Each is a well-formed -ERR / NO / * BYE that says what to do.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
tap_require fetchmail
connect_setup
stand_seed_mail "$STAND_USER" 1 1000
STORE=$STATE/work.json
POP='USER user@contoso.example\r\nPASS x\r\nSTAT\r\nQUIT\r\n'
IMAP='a LOGIN user@contoso.example x\r\nb LOGOUT\r\n'
pop() { printf "$POP" | session "$W/s.out" "$DOVECOT_POP3S_PORT" --protocol pop3 "$@"; }
imap() { printf "$IMAP" | session "$W/s.out" "$DOVECOT_IMAPS_PORT" --protocol imap "$@"; }

# A token the server rejects (fresh in the store, unknown to the IdP), and
# so is the one refresh that follows (tests/connect/e2e-refused.sh has the
# refresh that works): Dovecot's introspection says inactive twice.
refuse_twice() {
	mock_ctl POST /mock/fault '{"endpoint": "introspect", "count": 2, "status": 200, "body": "{\"active\": false}"}' > /dev/null
}
store_edit "$STORE" token "bogus.$(date +%s).token"
refuse_twice
pop
grep -q '^-ERR \[AUTH\] mailoauth: 127.0.0.1 refused the OAuth2 token of account work for user@contoso.example (server said: -ERR \[AUTH\] Authentication failed.)' "$W/s.out"
tap_ok $? "rejected token, POP3: -ERR [AUTH] with the server's words"
grep -q 'POP.AccessAsUser.All' "$W/s.out" && grep -q 'mailoauth check work' "$W/s.out"
tap_ok $? "rejected token, POP3: names the scope to check and the check command"
[ "$(grep -c '' "$W/s.out.err")" -ge 1 ] && grep -q 'refused the OAuth2 token' "$W/s.out.err"
tap_ok $? "rejected token: stderr says the same"
[ "$(awk '/^-ERR/ { if (length($0) > 510) n++ } END { print n + 0 }' "$W/s.out")" -eq 0 ]
tap_ok $? "rejected token: the -ERR line fits POP3's 512 octets"
refuse_twice
imap
grep -q '^a NO \[AUTHENTICATIONFAILED\] mailoauth: 127.0.0.1 refused the OAuth2 token' "$W/s.out"
tap_ok $? "rejected token, IMAP: a NO [AUTHENTICATIONFAILED] with the client's tag"
grep -q 'challenge: status 401' "$W/s.out"
tap_ok $? "rejected token, IMAP: the server's error challenge is reported"

# Revoked grant: the stored token is stale and the refresh is refused.
store_edit "$STORE" stale
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
pop
grep -q '^-ERR \[AUTH\] mailoauth: the sign-in of account work is no longer valid' "$W/s.out" &&
	grep -q 'mailoauth authorize work' "$W/s.out"
tap_ok $? "revoked grant, POP3: -ERR [AUTH] ... run mailoauth authorize work"
imap
grep -q '^a NO \[AUTHENTICATIONFAILED\] mailoauth: the sign-in of account work is no longer valid' "$W/s.out"
tap_ok $? "revoked grant, IMAP: a NO [AUTHENTICATIONFAILED] ... sign in again"
d=$W/fm-revoked
connect_fetchmailrc "$d" pop3 "$DOVECOT_POP3S_PORT" "$STAND_USER"
connect_fetchmail "$d"
st=$?
[ $st -ne 0 ] && grep -q 'mailoauth authorize work' "$d/out"
tap_ok $? "revoked grant, fetchmail: fails (status $st) and shows what to do"

# Identity platform outage: a new grant, a stale token, the token endpoint
# answering 503.
connect_import work "$STAND_USER" || tap_diag "re-import failed"
store_edit "$STORE" stale
mock_ctl POST /mock/fault '{"endpoint": "token", "count": 20, "status": 503}' > /dev/null
pop
grep -q '^-ERR \[SYS/TEMP\] mailoauth: cannot get an access token for account work right now' "$W/s.out" &&
	grep -q 'try again later' "$W/s.out"
tap_ok $? "IdP outage, POP3: -ERR [SYS/TEMP] ... try again later"
imap
grep -q '^a NO \[UNAVAILABLE\] mailoauth: cannot get an access token' "$W/s.out"
tap_ok $? "IdP outage, IMAP: a NO [UNAVAILABLE]"
# Use up what is left of the outage (the helper retries a few times).
n=0
while [ $n -lt 30 ] && mock_ctl GET /mock/fault | grep -q '"token"'; do
	mock_ctl POST "/$STAND_TENANT/oauth2/v2.0/token" '{}' > /dev/null 2>&1
	n=$((n + 1))
done
pop
grep -q '^+OK 1 ' "$W/s.out"
tap_ok $? "after the outage the same store works again"

# An unreachable server.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf "$POP" | session "$W/s.out" "$port" --protocol pop3
st=$?
grep -q '^-ERR \[SYS/TEMP\] mailoauth: cannot connect to 127.0.0.1:'"$port"': Connection refused' "$W/s.out" &&
	[ $st -eq 75 ]
tap_ok $? "unreachable server, POP3: -ERR [SYS/TEMP] greeting, exit 75 (status $st)"
printf "$IMAP" | session "$W/s.out" "$port" --protocol imap
grep -q '^\* BYE \[UNAVAILABLE\] mailoauth: cannot connect' "$W/s.out"
tap_ok $? "unreachable server, IMAP: * BYE [UNAVAILABLE]"

# A user no account is for; --account for someone else.
printf 'USER nobody@contoso.example\r\nPASS x\r\nQUIT\r\n' |
	session "$W/s.out" "$DOVECOT_POP3S_PORT" --protocol pop3
grep -q '^-ERR \[AUTH\] mailoauth: no account in .* has user = nobody@contoso.example' "$W/s.out" &&
	grep -q '^+OK mailoauth connect signing off' "$W/s.out"
tap_ok $? "unknown user: -ERR [AUTH] naming the user, the session goes on to QUIT"
connect_account other "$STAND_OTHER_USER"
printf "$POP" | session "$W/s.out" "$DOVECOT_POP3S_PORT" --protocol pop3 --account other
grep -q "^-ERR \[AUTH\] mailoauth: the client logs in as 'user@contoso.example', but --account other is for $STAND_OTHER_USER" "$W/s.out"
tap_ok $? "--account for another user: refused, with the name to use"
printf "$POP" | session "$W/s.out" "$DOVECOT_POP3S_PORT" --protocol pop3 --account nosuch
grep -q "^-ERR \[SYS/PERM\] mailoauth: no account 'nosuch'" "$W/s.out"
tap_ok $? "--account that does not exist: -ERR [SYS/PERM] as the greeting"

# A broken configuration file.
printf '[account x\nbad\n' > "$W/broken.conf"
printf "$POP" | timeout 30 "$MAILOAUTH_HELPER" --config "$W/broken.conf" connect --protocol pop3 \
	127.0.0.1 "$DOVECOT_POP3S_PORT" > "$W/s.out" 2> "$W/s.err"
st=$?
grep -q '^-ERR \[SYS/PERM\] mailoauth: .*broken.conf' "$W/s.out" && [ $st -eq 78 ]
tap_ok $? "broken configuration: -ERR [SYS/PERM] naming the file, exit 78 (status $st)"

sanitizer_clean
tap_done
