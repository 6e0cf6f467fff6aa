#!/bin/sh
# SPDX-License-Identifier: MIT
# `mailoauth authorize --browser` against the mock identity platform, with a
# script playing the browser: the printed URL, PKCE checked by the mock, the
# loopback redirect (favicon noise, wrong or missing state, garbage), public
# and confidential apps, error redirects, consent, timeout, identity
# warnings, and the rule that a failed sign-in leaves the stored tokens
# alone.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

unset DISPLAY WAYLAND_DISPLAY
e2e_setup --no-dovecot
e2e_account work
TOKEN_URL=$MOCK_URL/$STAND_TENANT/oauth2/v2.0/token

# --- a full sign-in, with noise on the listener -----------------------------
si_start work --browser --no-open
url=$(si_url)
tap_ok $? "the sign-in URL is printed on stdout at once"
case $url in
"$MOCK_URL/$STAND_TENANT/oauth2/v2.0/authorize?"*) r=0 ;;
*) r=1 ;;
esac
tap_ok $r "it is the account's authorize endpoint"
echo "$url" | grep -q 'code_challenge_method=S256' &&
	echo "$url" | grep -q 'code_challenge=[A-Za-z0-9_-]\{43\}&' &&
	echo "$url" | grep -q 'state=[A-Za-z0-9_-]\{43\}&' &&
	echo "$url" | grep -q 'redirect_uri=http%3A%2F%2Flocalhost%3A[0-9]*%2F&' &&
	echo "$url" | grep -q 'scope=[^&]*offline_access%20openid%20profile%20email' &&
	echo "$url" | grep -q 'login_hint=user%40contoso.example'
tap_ok $? "URL: S256 challenge, state, localhost redirect, OIDC + offline_access scopes, login_hint"
si_browser "$url" --favicon --wrong-state --no-state --garbage \
	--wrong-verifier "$TOKEN_URL" "$STAND_PUBLIC_CLIENT_ID" > "$STAND_DIR/browser.out"
rb=$?
si_wait
tap_ok $rb "the browser's requests got the right answers"
tap_diag "$(cat "$STAND_DIR/browser.out")"
grep -qx 'favicon 404' "$STAND_DIR/browser.out"
tap_ok $? "favicon: 404, the flow goes on"
grep -qx 'wrong-state 400' "$STAND_DIR/browser.out" &&
	grep -qx 'no-state 400' "$STAND_DIR/browser.out"
tap_ok $? "wrong and missing state: 400, the flow goes on"
grep -qx 'garbage 400' "$STAND_DIR/browser.out"
tap_ok $? "a malformed request: 400, the flow goes on"
grep -qx 'wrong-verifier invalid_grant AADSTS501481' "$STAND_DIR/browser.out"
tap_ok $? "the mock checks PKCE: the code with a wrong verifier is refused"
grep -q '^redirect 200 Signed in' "$STAND_DIR/browser.out"
tap_ok $? "the browser is told it signed in and may close the tab"
tap_ok $SI_RC "authorize exits 0 (rc=$SI_RC)"
[ "$(wc -l < "$SI_OUT")" -eq 1 ]
tap_ok $? "stdout holds the URL line only"
grep -q 'ignored a sign-in redirect for another attempt' "$SI_ERR"
tap_ok $? "the wrong state is reported on stderr"
mock_ctl GET /mock/stats > "$STAND_DIR/stats.json"
python3 - "$STAND_DIR/stats.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["last_token_request"]
ok = (t["grant_type"] == "authorization_code" and not t["had_client_secret"]
      and t["code_verifier_present"]
      and t["redirect_uri"].startswith("http://localhost:")
      and "offline_access" in t["scope"])
sys.exit(0 if ok else 1)
PY
tap_ok $? "code redeemed with verifier, same redirect_uri, scope, and no secret (public app)"
f=$(store_of work)
tok=$("$MAILOAUTH_HELPER" token work)
[ -n "$tok" ] && [ "$tok" = "$(store_get "$f" access_token)" ] &&
	[ -n "$(store_get "$f" refresh_token)" ]
tap_ok $? "tokens stored: mailoauth token prints the new access token"
[ "$(store_get "$f" identity)" = user@contoso.example ] &&
	[ "$(store_get "$f" tenant_id)" = "$STAND_TENANT" ] &&
	[ -n "$(store_get "$f" object_id)" ]
tap_ok $? "identity, tenant and object id recorded from the id_token"
"$MAILOAUTH_HELPER" status work 2>&1 | grep -q 'as user@contoso.example'
tap_ok $? "mailoauth status shows who signed in"
grep -q 'mailoauth check work' "$SI_ERR"
tap_ok $? "points at mailoauth check to prove the mailbox works"

# --- a confidential app sends its secret; DISPLAY picks the browser flow ----
si_write_secret "$STAND_DIR/conf.secret" "$STAND_CONFIDENTIAL_SECRET"
e2e_account conf client_id="$STAND_CONFIDENTIAL_CLIENT_ID" \
	client_secret_file="$STAND_DIR/conf.secret"
DISPLAY=:0 si_start conf --no-open
url=$(si_url) && si_browser "$url" > /dev/null
si_wait
tap_ok $SI_RC "DISPLAY set: browser flow without a flag; confidential app signs in"
mock_ctl GET /mock/stats | grep -q '"had_client_secret": true'
tap_ok $? "the confidential app sent its client secret"

# --- failures leave the stored tokens alone ---------------------------------
cp "$f" "$STAND_DIR/work.before"
mock_ctl POST /mock/fault '{"endpoint": "authorize", "error": "access_denied", "aadsts": 65004}' > /dev/null
si_start work --browser --no-open
url=$(si_url) && si_browser "$url" > "$STAND_DIR/browser.out"
si_wait
[ "$SI_RC" -eq 77 ] && grep -q 'cancelled or refused in the browser (access_denied' "$SI_ERR"
tap_ok $? "error=access_denied ends the flow with a clear message, exit 77 (rc=$SI_RC)"
grep -q '^redirect 200 Sign-in failed' "$STAND_DIR/browser.out"
tap_ok $? "the browser is told the sign-in failed"
cmp -s "$f" "$STAND_DIR/work.before" && [ "$("$MAILOAUTH_HELPER" token work)" = "$tok" ]
tap_ok $? "after a failed sign-in the stored tokens are unchanged and still served"

mock_ctl POST /mock/fault '{"endpoint": "authorize", "error": "consent_required", "aadsts": 65001}' > /dev/null
si_start work --browser --no-open
url=$(si_url) && si_browser "$url" > /dev/null
si_wait
[ "$SI_RC" -eq 77 ] && grep -q 'mailoauth consent-url work' "$SI_ERR"
tap_ok $? "consent_required (AADSTS65001) points at mailoauth consent-url (rc=$SI_RC)"
mock_ctl POST /mock/fault '{"endpoint": "authorize", "error": "access_denied", "aadsts": 90094}' > /dev/null
si_start work --browser --no-open
url=$(si_url) && si_browser "$url" > /dev/null
si_wait
[ "$SI_RC" -eq 77 ] && grep -q 'mailoauth consent-url work' "$SI_ERR"
tap_ok $? "admin consent required (AADSTS90094) points at mailoauth consent-url"

# Consent that only covers IMAP: redeeming the code for POP+IMAP+SMTP fails.
mock_ctl POST /mock/config '{"grant_scopes": "https://outlook.office.com/IMAP.AccessAsUser.All"}' > /dev/null
si_start work --browser --no-open
url=$(si_url) && si_browser "$url" > "$STAND_DIR/browser.out"
si_wait
[ "$SI_RC" -eq 77 ] && grep -q 'consent-url work' "$SI_ERR" &&
	grep -q '^redirect 200 Sign-in failed' "$STAND_DIR/browser.out"
tap_ok $? "consent missing at the token endpoint: exit 77, consent-url, browser told"
mock_ctl POST /mock/config '{"grant_scopes": null}' > /dev/null

si_start work --browser --no-open --timeout 1
si_url > /dev/null
si_wait
[ "$SI_RC" -eq 75 ] && grep -q 'no sign-in redirect arrived within 1 seconds' "$SI_ERR"
tap_ok $? "nobody comes back: timeout, exit 75 (rc=$SI_RC)"
si_start work --browser --no-open
si_url > /dev/null
kill -INT "$SI_PID"
si_wait
[ "$SI_RC" -eq 1 ] && grep -q 'sign-in cancelled' "$SI_ERR"
tap_ok $? "Ctrl-C while waiting for the browser: cancelled, exit 1 (rc=$SI_RC)"
cmp -s "$f" "$STAND_DIR/work.before"
tap_ok $? "after all those failures the store file is byte for byte the same"

# --- who signed in ----------------------------------------------------------
mock_ctl POST /mock/config '{"signin_user": "eve@contoso.example"}' > /dev/null
cp "$f" "$STAND_DIR/work.before"
si_start work --browser --no-open
url=$(si_url) && si_browser "$url" > "$STAND_DIR/browser.out"
si_wait
[ "$SI_RC" -eq 65 ] &&
	grep -q 'warning: signed in as eve@contoso.example, but account work is for the mailbox user@contoso.example' "$SI_ERR" &&
	grep -q 'login_hint = eve@contoso.example' "$SI_ERR"
tap_ok $? "identity differs from user: warning says how to configure a shared mailbox, exit 65 (rc=$SI_RC)"
grep -q 'the grant stored before is kept and nothing was replaced' "$SI_ERR" &&
	grep -q 'authorize work --force' "$SI_ERR" &&
	grep -q '^redirect 200 Sign-in failed' "$STAND_DIR/browser.out"
tap_ok $? "it says the stored grant is kept and names --force; the browser is told"
cmp -s "$f" "$STAND_DIR/work.before" && [ "$("$MAILOAUTH_HELPER" token work)" = "$tok" ] &&
	[ "$(store_get "$f" identity)" = user@contoso.example ]
tap_ok $? "the working grant of user@contoso.example is untouched and still served"
si_start work --browser --no-open --force
url=$(si_url) && si_browser "$url" > /dev/null
si_wait
[ "$SI_RC" -eq 0 ] && grep -q 'warning: signed in as eve@contoso.example' "$SI_ERR" &&
	[ "$(store_get "$f" identity)" = eve@contoso.example ]
tap_ok $? "with --force the other identity's grant replaces it, still with the warning (rc=$SI_RC)"
e2e_account fresh user=fresh@contoso.example
si_start fresh --browser --no-open
url=$(si_url) && si_browser "$url" > /dev/null
si_wait
[ "$SI_RC" -eq 0 ] && grep -q 'warning: signed in as eve@contoso.example' "$SI_ERR" &&
	[ "$(store_get "$(store_of fresh)" identity)" = eve@contoso.example ]
tap_ok $? "nothing stored before: the grant is stored, with the warning (rc=$SI_RC)"
mock_ctl POST /mock/config '{"signin_user": null}' > /dev/null
e2e_account shared user=shared@contoso.example login_hint=boss@contoso.example
si_start shared --browser --no-open
url=$(si_url)
echo "$url" | grep -q 'login_hint=boss%40contoso.example'
tap_ok $? "login_hint is who signs in"
si_browser "$url" > /dev/null
si_wait
[ "$SI_RC" -eq 0 ] && ! grep -q 'warning' "$SI_ERR" &&
	grep -q 'signed in as boss@contoso.example for the mailbox shared@contoso.example' "$SI_ERR"
tap_ok $? "a delegate named by login_hint: no warning"

# --- the listener's port ----------------------------------------------------
port=$(stand__py free-ports 1)
e2e_account fixed redirect_port="$port"
si_start fixed --browser --no-open
url=$(si_url)
echo "$url" | grep -q "redirect_uri=http%3A%2F%2Flocalhost%3A$port%2F"
tap_ok $? "redirect_port is used"
si_browser "$url" > /dev/null
si_wait
tap_ok $SI_RC "sign-in on a fixed port"
e2e_account busy redirect_port="$MOCK_PORT"
si_start busy --browser --no-open
si_wait
[ "$SI_RC" -eq 74 ] && grep -q "cannot listen on 127.0.0.1:$MOCK_PORT" "$SI_ERR" &&
	grep -q 'redirect_port' "$SI_ERR"
tap_ok $? "a taken redirect_port: exit 74 naming the setting (rc=$SI_RC)"

# --- usage ------------------------------------------------------------------
"$MAILOAUTH_HELPER" authorize work --browser --device 2> /dev/null
[ $? -eq 64 ]
tap_ok $? "--browser with --device: exit 64"
"$MAILOAUTH_HELPER" authorize nosuch --browser 2> /dev/null
[ $? -eq 78 ]
tap_ok $? "unknown account: exit 78"
_bad=0
for _t in 0 86401 10s -5 ''; do
	"$MAILOAUTH_HELPER" authorize work --timeout "$_t" 2> "$STAND_DIR/usage.err"
	[ $? -eq 64 ] && grep -q 'seconds (1-86400)' "$STAND_DIR/usage.err" || _bad=1
done
"$MAILOAUTH_HELPER" authorize work --timeout 2> /dev/null
[ $? -eq 64 ] || _bad=1
[ $_bad -eq 0 ]
tap_ok $? "--timeout out of 1-86400, not a number or missing: exit 64"
"$MAILOAUTH_HELPER" authorize work other 2> "$STAND_DIR/usage.err"
[ $? -eq 64 ] && grep -q "unexpected argument 'other'" "$STAND_DIR/usage.err"
tap_ok $? "a second account name: exit 64 naming it"
"$MAILOAUTH_HELPER" authorize --no-open 2> "$STAND_DIR/usage.err"
[ $? -eq 64 ] && grep -q '^usage: mailoauth authorize ACCOUNT' "$STAND_DIR/usage.err"
tap_ok $? "no account: exit 64 with the usage"
"$MAILOAUTH_HELPER" authorize --help > "$STAND_DIR/help.out" 2> "$STAND_DIR/usage.err"
[ $? -eq 0 ] && [ ! -s "$STAND_DIR/usage.err" ] && grep -q -- '--timeout SECONDS' "$STAND_DIR/help.out"
tap_ok $? "--help: exit 0 with the options on stdout"
_default=$(sed -n 's/.*--timeout SECONDS .*(default \([0-9]*\)).*/\1/p' "$STAND_DIR/help.out")
[ -n "$_default" ] && grep -q "waiting up to $_default s for the browser" "$STAND_DIR/si-1.err"
tap_ok $? "the default --timeout that --help states is the one the flow uses ($_default s)"

# --- secrets ----------------------------------------------------------------
cat "$STAND_DIR"/si-*.out >> "$VLOG"
e2e_no_secrets "$VLOG"
tap_ok $? "no code, verifier, token or secret in any -v output"

tap_done
