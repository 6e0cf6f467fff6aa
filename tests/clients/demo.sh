#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The end-to-end demo (README's first command runs it through tools/demo;
# `make check` runs it too, so the README stays true):
#
#   1. start the stand-in for Office 365: a mock Microsoft identity platform
#      (HTTPS, test CA) and a real Dovecot on loopback whose oauth2 passdb
#      checks every token with the mock;
#   2. sign a demo account in with the device-code flow, the way an admin on
#      a headless server would (the mock's "verification page" is approved
#      by this script);
#   3. put a few messages into the demo mailbox;
#   4. run stock fetchmail with `plugin "mailoauth connect %h %p"`: POP3 over
#      TLS, XOAUTH2 upstream, the messages land in a local mbox;
#   5. show `mailoauth status` and `mailoauth check`;
#   6. stop everything it started.
#
# Output is TAP; the narration is on lines starting with "#".
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/connect/connect-lib.sh"
tap_require fetchmail

say() { printf '#\n# ==> %s\n' "$*"; }
show() { sed 's/^/#     /' "$@"; }

say "Starting the stand-in: mock identity platform + Dovecot on 127.0.0.1"
e2e_setup --connect
tap_ok 0 "stand running: identity platform at $MOCK_URL, Dovecot POP3S on port $DOVECOT_POP3S_PORT"
cat > "$CFG" <<CFG
# What an administrator writes into ~/.config/mailoauth/config, except that
# authority and ca_file point at the local stand-in instead of
# login.microsoftonline.com, and the POP3 server is the local Dovecot.
[account demo]
provider = microsoft
tenant = $STAND_TENANT
client_id = $STAND_PUBLIC_CLIENT_ID
user = $STAND_USER
scopes = pop imap
flow = device
authority = $MOCK_URL
ca_file = $STAND_CA
state_dir = $STATE
pop3 = 127.0.0.1:$DOVECOT_POP3S_PORT
imap = 127.0.0.1:$DOVECOT_IMAPS_PORT
CFG
show "$CFG"
M="$MAILOAUTH_HELPER --config $CFG"

say "Signing in (device code): mailoauth authorize demo"
mock_ctl POST /mock/config '{"device_interval": 1}' > /dev/null
$M authorize demo > "$W/authorize.out" 2> "$W/authorize.err" &
auth_pid=$!
code=$(mock_device_code $auth_pid)
# The user opens the verification page on a phone and enters the code.
mock_ctl POST /mock/device "{\"user_code\": \"$code\", \"action\": \"approve\"}" > /dev/null
wait $auth_pid
rc=$?
show "$W/authorize.err"
tap_ok $rc "mailoauth authorize demo (device code $code approved): exit $rc"

say "Putting 5 messages into $STAND_USER's mailbox"
stand_seed_mail "$STAND_USER" 5 4096
tap_ok $? "5 messages delivered to the Dovecot mailbox"

say "Stock fetchmail, with mailoauth as its connection plugin"
connect_fetchmailrc "$W/fetchmail" pop3 "$DOVECOT_POP3S_PORT" "$STAND_USER" keep
# The demo account, not the test account connect-lib configures.
sed -i "s|connect --protocol pop3|connect --account demo --protocol pop3|" "$W/fetchmail/.fetchmailrc"
show "$W/fetchmail/.fetchmailrc"
connect_fetchmail "$W/fetchmail" -v
rc=$?
grep -v -i 'running as root' "$W/fetchmail/out" | show
got=$(connect_count "$W/fetchmail/mbox")
[ "$rc" -eq 0 ] && [ "$got" -eq 5 ]
tap_ok $? "fetchmail downloaded $got of 5 messages into $W/fetchmail/mbox (exit $rc)"
secrets=$(mock_ctl GET /mock/secrets)
leaked=0
for s in $(printf '%s' "$secrets" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)))'); do
	grep -qF -- "$s" "$W/fetchmail/out" "$W/authorize.err" && leaked=1
done
tap_ok $leaked "no token appears in fetchmail's verbose log or the sign-in output"

say "mailoauth status demo"
$M status demo > "$W/status" 2>&1
rc=$?
show "$W/status"
tap_ok $rc "mailoauth status demo: exit $rc"

say "mailoauth check demo --protocol pop3 (logs in and opens the mailbox)"
$M check demo --protocol pop3 > "$W/check" 2>&1
rc=$?
show "$W/check"
tap_ok $rc "mailoauth check demo: the mailbox really works (exit $rc)"

say "Stopping the stand-in"
tap_done
