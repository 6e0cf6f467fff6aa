#!/bin/sh
# SPDX-License-Identifier: MIT
# The other commands of mailoauth-net against the mock identity platform:
# status, logout, sasl, consent-url, import (formats, stdin, never argv),
# refresh --all / --if-expiring-within, confidential apps (client secret
# file and command), client credentials, and Microsoft's error advice.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"

e2e_setup --no-dovecot
e2e_account work
f=$(store_of work)

# --- import: formats and sources -----------------------------------------
stand_seed user@contoso.example > "$STAND_DIR/seed.json"
rt=$(stand_json refresh_token < "$STAND_DIR/seed.json")
mo import work "$rt" < /dev/null
rc=$?
[ $rc -eq 64 ] && [ ! -f "$f" ]
tap_ok $? "import refuses a token on the command line (rc=$rc)"
printf '%s\n' "$rt" | mo import work
tap_ok $? "import reads a plain one-line token from stdin"
# From a terminal: a prompt, echo off before the token is typed, and the
# terminal as it was after; Ctrl-C at the prompt must not leave it silent.
tty_import() {	# tty_import type|interrupt: prints what the terminal showed
	python3 "$top_srcdir/tests/net/tty-import.py" "$MAILOAUTH_HELPER" work "$1" \
		> "$STAND_DIR/tty.out"
	cat "$STAND_DIR/tty.out" >> "$VLOG"
}
cp "$f" "$STAND_DIR/before.json" 2> /dev/null || : > "$STAND_DIR/before.json"
tty_import interrupt
grep -q '^echo off while reading: True' "$STAND_DIR/tty.out" &&
	grep -q '^rc=1' "$STAND_DIR/tty.out" && grep -q 'import cancelled; nothing was stored' "$STAND_DIR/tty.out" &&
	grep -qE '(^| )echo( |;|$)' "$STAND_DIR/tty.out" && ! grep -qE '(^| )-echo( |;|$)' "$STAND_DIR/tty.out" &&
	{ [ ! -f "$f" ] || cmp -s "$f" "$STAND_DIR/before.json"; }
tap_ok $? "import from a terminal, Ctrl-C at the prompt: exit 1, cancelled, echo back on, nothing stored"
stand_seed user@contoso.example > "$STAND_DIR/seed.json"
rt=$(stand_json refresh_token < "$STAND_DIR/seed.json")
RT=$rt tty_import type
grep -q 'Paste the refresh token' "$STAND_DIR/tty.out" &&
	grep -q '^echo off while reading: True' "$STAND_DIR/tty.out" &&
	grep -q '^rc=0' "$STAND_DIR/tty.out" && ! grep -qF "$rt" "$STAND_DIR/tty.out" &&
	grep -qE '(^| )echo( |;|$)' "$STAND_DIR/tty.out" && ! grep -qE '(^| )-echo( |;|$)' "$STAND_DIR/tty.out"
tap_ok $? "import from a terminal: prompts, does not echo the token, leaves echo on"
stand_seed user@contoso.example > "$STAND_DIR/seed.json"
python3 - "$STAND_DIR/seed.json" "$STAND_DIR/sx.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
json.dump({"access_token": "old", "refresh_token": s["refresh_token"],
           "expiry": "0", "client_id": "00000000-0000-0000-0000-00000000a001"},
          open(sys.argv[2], "w"))
EOF
mo import work --file "$STAND_DIR/sx.json"
tap_ok $? "import reads a sasl-xoauth2 JSON token file"
printf 'abc\ndef\n' | mo import work
rc=$?
[ $rc -eq 65 ] && grep -q "more than one line" "$ERR"
tap_ok $? "import refuses two lines (rc=$rc)"
printf '{"access_token": "x"}' | mo import work
rc=$?
[ $rc -eq 65 ] && grep -q "refresh_token" "$ERR"
tap_ok $? "import refuses JSON without refresh_token (rc=$rc)"
cp "$f" "$STAND_DIR/before.json"
printf 'NotAValidRefreshToken\n' | mo import work
rc=$?
[ $rc -eq 77 ] && cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "import of a token the IdP rejects: exit 77, store untouched (rc=$rc)"

# A state_dir the tokens could not go to: found before the token is used.
# (The account is there for this check only: refresh --all comes later.)
cp "$CFG" "$STAND_DIR/cfg.before"
: > "$STAND_DIR/not-a-dir"
e2e_account nodir state_dir="$STAND_DIR/not-a-dir/state"
n0=$(mock_refreshes)
stand_seed user@contoso.example > "$STAND_DIR/seed.json"
stand_json refresh_token < "$STAND_DIR/seed.json" | mo import nodir
rc=$?
[ $rc -eq 74 ] && grep -q 'its tokens cannot be stored: .*not-a-dir' "$ERR" &&
	grep -q 'mailoauth import nodir' "$ERR" && [ "$(mock_refreshes)" -eq "$n0" ]
tap_ok $? "import into a state_dir that cannot be created: exit 74, the token not used (rc=$rc)"
cp "$STAND_DIR/cfg.before" "$CFG"

# --- status ---------------------------------------------------------------
mo status work > "$STAND_DIR/status"
rc=$?
[ $rc -eq 0 ] && grep -q "signed in: *yes as user@contoso.example" "$STAND_DIR/status" &&
	grep -q "access token: *valid for" "$STAND_DIR/status" &&
	grep -q "refresh token: *obtained" "$STAND_DIR/status"
tap_ok $? "status shows identity, expiry and refresh-token age (rc=$rc)"
mo status --json > "$STAND_DIR/status.json"
python3 - "$STAND_DIR/status.json" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
w = [x for x in a if x["account"] == "work"][0]
assert w["signed_in"] is True and w["identity"] == "user@contoso.example"
assert w["missing_scopes"] == [] and w["access_token_fresh"] is True
EOF
tap_ok $? "status --json"
# A grant without POP and SMTP: loud warnings.
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 200, "body": "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"ScopeTest.token\",\"scope\":\"https://outlook.office.com/IMAP.AccessAsUser.All offline_access\"}"}' > /dev/null
mo refresh work
mo status work > "$STAND_DIR/status"
grep -q "WARNING: *pop3 is configured but its scope" "$STAND_DIR/status" &&
	grep -q "WARNING: *smtp is configured" "$STAND_DIR/status" &&
	! grep -q "imap is configured" "$STAND_DIR/status"
tap_ok $? "status warns about each configured protocol whose scope is missing"
mo status work --json | grep -q '"pop3"'
tap_ok $? "status --json lists the missing scopes"
mo refresh work
e2e_account never
mo status never > "$STAND_DIR/status"
rc=$?
[ $rc -eq 77 ] && grep -q "mailoauth authorize never" "$STAND_DIR/status"
tap_ok $? "status of an account never signed in: exit 77, says authorize (rc=$rc)"

# --- sasl -----------------------------------------------------------------
tok=$(mo token work)
mo sasl work > "$STAND_DIR/sasl"
python3 - "$STAND_DIR/sasl" "$tok" <<'EOF'
import base64, sys
raw = base64.b64decode(open(sys.argv[1]).read().strip())
exp = b"user=user@contoso.example\x01auth=Bearer " + sys.argv[2].encode() + b"\x01\x01"
sys.exit(0 if raw == exp else 1)
EOF
tap_ok $? "sasl prints the base64 XOAUTH2 initial response"
mo sasl work --mechanism oauthbearer --host imap.example --port 993 > "$STAND_DIR/sasl"
python3 - "$STAND_DIR/sasl" "$tok" <<'EOF'
import base64, sys
raw = base64.b64decode(open(sys.argv[1]).read().strip())
exp = (b"n,a=user@contoso.example,\x01host=imap.example\x01port=993\x01auth=Bearer "
       + sys.argv[2].encode() + b"\x01\x01")
sys.exit(0 if raw == exp else 1)
EOF
tap_ok $? "sasl --mechanism oauthbearer --host --port"
mo sasl work --mechanism plain > /dev/null
tap_ok $(($? == 64 ? 0 : 1)) "sasl refuses an unknown mechanism"

# --- consent-url -----------------------------------------------------------
url=$(mo consent-url work)
case $url in
"$MOCK_URL/$STAND_TENANT/v2.0/adminconsent?client_id=$STAND_PUBLIC_CLIENT_ID&scope=https%3A%2F%2Foutlook.office.com%2FPOP.AccessAsUser.All%20"*"&redirect_uri=http%3A%2F%2Flocalhost") ok=0 ;;
*) ok=1 ;;
esac
tap_ok $ok "consent-url prints the admin-consent URL"
code=$(python3 -c 'import ssl,sys,urllib.request as u
ctx = ssl.create_default_context(cafile=sys.argv[2])
class N(u.HTTPRedirectHandler):
    def redirect_request(self, *a): return None
o = u.build_opener(u.HTTPSHandler(context=ctx), N)
try: print(o.open(sys.argv[1]).status)
except u.HTTPError as e: print(e.code)' "$url" "$STAND_CA")
[ "$code" = 302 ] || [ "$code" = 200 ]
tap_ok $? "the mock accepts the consent URL (HTTP $code)"

# --- refresh --all / --if-expiring-within ------------------------------------
for n in a1 a2 a3; do
	e2e_account "$n"
	e2e_import "$n" > /dev/null
done
rm -f "$STATE/never.json"
at=$(store_get "$f" access_token)
mo refresh --all --if-expiring-within 60
rc=$?
# "never" is not signed in: the run fails for it only.
[ $rc -eq 77 ] && [ "$(store_get "$f" access_token)" = "$at" ] &&
	grep -q "4 refreshed\|0 refreshed, 4 still fresh" "$ERR"
tap_ok $? "refresh --all --if-expiring-within 60 leaves fresh tokens alone (rc=$rc)"
mo refresh work a1 a2 a3
rc=$?
[ $rc -eq 0 ] && [ "$(store_get "$f" access_token)" != "$at" ] && grep -q "4 refreshed" "$ERR"
tap_ok $? "refresh ACCOUNT... refreshes each (rc=$rc)"
mo refresh work --all > /dev/null
tap_ok $(($? == 64 ? 0 : 1)) "refresh refuses accounts together with --all"

# --- logout -----------------------------------------------------------------
mo logout a3
rc=$?
[ $rc -eq 0 ] && [ ! -e "$(store_of a3)" ]
tap_ok $? "logout removes the stored tokens (rc=$rc)"
mo token a3 > /dev/null
tap_ok $(($? == 77 ? 0 : 1)) "after logout token says sign in (77)"

# --- confidential app: client secret file and command ---------------------------
printf '%s\n' "$STAND_CONFIDENTIAL_SECRET" > "$STAND_DIR/secret"
chmod 0644 "$STAND_DIR/secret"
e2e_account conf "client_id=$STAND_CONFIDENTIAL_CLIENT_ID" "client_secret_file=$STAND_DIR/secret"
e2e_import conf "" "" "$STAND_CONFIDENTIAL_CLIENT_ID"
rc=$?
[ $rc -eq 78 ] && grep -q "chmod 600" "$ERR"
tap_ok $? "a group/other-readable client_secret_file is refused with the chmod fix (rc=$rc)"
chmod 0600 "$STAND_DIR/secret"
e2e_import conf "" "" "$STAND_CONFIDENTIAL_CLIENT_ID"
tap_ok $? "a confidential app refreshes with client_secret_file"
[ "$(mock_ctl GET /mock/stats | stand_json last_token_request.had_client_secret)" = True ] ||
[ "$(mock_ctl GET /mock/stats | stand_json last_token_request.had_client_secret)" = true ]
tap_ok $? "the secret was sent"
e2e_account conf2 "client_id=$STAND_CONFIDENTIAL_CLIENT_ID" "client_secret_command=cat $STAND_DIR/secret"
e2e_import conf2 "" "" "$STAND_CONFIDENTIAL_CLIENT_ID"
tap_ok $? "client_secret_command works"
e2e_account conf3 "client_id=$STAND_CONFIDENTIAL_CLIENT_ID" "client_secret_command=exit 3"
e2e_import conf3 "" "" "$STAND_CONFIDENTIAL_CLIENT_ID"
rc=$?
[ $rc -eq 78 ] && grep -q "client_secret_command exited with status 3" "$ERR"
tap_ok $? "a failing client_secret_command: exit 78 (rc=$rc)"

# wrong secret -> 7000215
printf 'wrong-secret-value\n' > "$STAND_DIR/badsecret"
chmod 600 "$STAND_DIR/badsecret"
e2e_account conf4 "client_id=$STAND_CONFIDENTIAL_CLIENT_ID" "client_secret_file=$STAND_DIR/badsecret"
e2e_import conf4 "" "" "$STAND_CONFIDENTIAL_CLIENT_ID"
rc=$?
[ $rc -eq 78 ] && grep -q "AADSTS7000215" "$ERR" && grep -q "not its Secret ID" "$ERR"
tap_ok $? "a wrong client secret: AADSTS7000215, says use the Value (rc=$rc)"
# confidential app without a secret -> 7000218
e2e_account conf5 "client_id=$STAND_CONFIDENTIAL_CLIENT_ID"
e2e_import conf5 "" "" "$STAND_CONFIDENTIAL_CLIENT_ID"
rc=$?
[ $rc -eq 78 ] && grep -q "Allow public client flows" "$ERR"
tap_ok $? "a confidential app without a secret: names Allow public client flows (rc=$rc)"
# public app with a secret -> 700025
e2e_account pub "client_secret_file=$STAND_DIR/secret"
e2e_import pub
rc=$?
[ $rc -eq 78 ] && grep -q "AADSTS700025" "$ERR" && grep -q "client_secret_file" "$ERR"
tap_ok $? "a public app sent a secret: AADSTS700025, names client_secret_file (rc=$rc)"

# --- client credentials -----------------------------------------------------
e2e_account app "client_id=$STAND_CONFIDENTIAL_CLIENT_ID" "client_secret_file=$STAND_DIR/secret" \
	"flow=client_credentials"
t1=$(mo token app)
rc=$?
[ $rc -eq 0 ] && [ -n "$t1" ] && [ "$(store_get "$(store_of app)" access_token)" = "$t1" ]
tap_ok $? "client credentials: token requests and stores an app-only token (rc=$rc)"
[ "$(mock_ctl GET /mock/stats | stand_json token.client_credentials)" -ge 1 ]
tap_ok $? "the mock saw a client_credentials grant"
[ "$(mo token app)" = "$t1" ]
tap_ok $? "the app-only token is reused while fresh"

# --- Microsoft errors: advice per AADSTS code ---------------------------------
advice() {
	# advice CODE EXPECTED-EXIT PATTERN NAME
	mock_ctl POST /mock/fault "{\"endpoint\": \"token\", \"aadsts\": $1}" > /dev/null
	mo refresh work
	_rc=$?
	[ $_rc -eq "$2" ] && grep -q "$3" "$ERR" && grep -q "trace_id" "$ERR"
	tap_ok $? "AADSTS$1: $4 (rc=$_rc)"
}
advice 700082 77 "mailoauth authorize work" "inactivity -> authorize"
advice 50076 77 "multi-factor" "MFA -> authorize"
advice 50079 77 "register" "MFA registration -> authorize"
advice 65001 77 "mailoauth consent-url work" "consent -> consent-url"
advice 90094 77 "consent-url" "admin consent -> consent-url"
advice 7000218 78 "Allow public client flows" "confidential/public mismatch"
advice 7000222 78 "expired" "client secret expired"
advice 50194 78 "single-tenant" "tenant vs audience"
advice 9002332 78 "work or school" "consumers vs org-only app"
advice 700016 78 "client_id" "app not found in tenant"
advice 90002 78 "tenant" "tenant not found"
advice 53003 69 "Conditional Access" "conditional access"

e2e_no_secrets "$VLOG"
tap_ok $? "-v output of every case holds none of the mock's secrets"

tap_done
