#!/bin/sh
# SPDX-License-Identifier: MIT
# `mailoauth authorize` for flow = client_credentials against the mock
# identity platform: the app's credentials proven and the first app-only
# token stored (no refresh token), the Exchange steps explained, a wrong
# secret named AADSTS7000215 with its cure, and the configuration mistakes
# refused.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

unset DISPLAY WAYLAND_DISPLAY
e2e_setup --no-dovecot
si_write_secret "$STAND_DIR/app.secret" "$STAND_CONFIDENTIAL_SECRET"
si_write_secret "$STAND_DIR/wrong.secret" "a1b2c3d4-0000-4000-8000-secret-id-oops"
e2e_account app flow=client_credentials client_id="$STAND_CONFIDENTIAL_CLIENT_ID" \
	client_secret_file="$STAND_DIR/app.secret" user=helpdesk@contoso.example
e2e_account wrong flow=client_credentials client_id="$STAND_CONFIDENTIAL_CLIENT_ID" \
	client_secret_file="$STAND_DIR/wrong.secret" user=helpdesk@contoso.example
f=$(store_of app)

# --- success ------------------------------------------------------------------
si_start app
si_wait
tap_ok $SI_RC "client credentials: authorize exits 0 (rc=$SI_RC)"
[ ! -s "$SI_OUT" ]
tap_ok $? "nothing on stdout"
mock_ctl GET /mock/stats > "$STAND_DIR/stats.json"
python3 - "$STAND_DIR/stats.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["last_token_request"]
sys.exit(0 if t["grant_type"] == "client_credentials" and t["had_client_secret"]
         and t["scope"] == "https://outlook.office365.com/.default" else 1)
PY
tap_ok $? "client_credentials grant with the secret and the .default app scope"
[ -n "$(store_get "$f" access_token)" ] && [ -z "$(store_get "$f" refresh_token)" ]
tap_ok $? "an access token is stored, and no refresh token"
tok=$("$MAILOAUTH_HELPER" token app)
[ "$tok" = "$(store_get "$f" access_token)" ]
tap_ok $? "mailoauth token serves it"
grep -q "New-ServicePrincipal -AppId $STAND_CONFIDENTIAL_CLIENT_ID -ObjectId" "$SI_ERR" &&
	grep -q 'Enterprise applications' "$SI_ERR"
tap_ok $? "explains New-ServicePrincipal with the Enterprise Application's object id"
grep -q 'Add-MailboxPermission -Identity helpdesk@contoso.example -User .* -AccessRights FullAccess' "$SI_ERR" &&
	grep -q 'Add-RecipientPermission -Identity helpdesk@contoso.example -Trustee .* -AccessRights SendAs' "$SI_ERR"
tap_ok $? "explains the mailbox permission (POP/IMAP) and Send As (SMTP)"
grep -q 'POP.AccessAsApp' "$SI_ERR" && grep -q 'SMTP.SendAsApp' "$SI_ERR" &&
	grep -q 'mailoauth check app' "$SI_ERR"
tap_ok $? "names the application permissions and how to prove it works"
cp "$f" "$STAND_DIR/app.before"

# --- a wrong secret -------------------------------------------------------------
si_start wrong
si_wait
[ "$SI_RC" -eq 78 ] && grep -q 'AADSTS7000215' "$SI_ERR" &&
	grep -q "Value (not its Secret ID)" "$SI_ERR" && grep -q 'client_secret_file' "$SI_ERR"
tap_ok $? "wrong secret: exit 78, AADSTS7000215 and what to do (rc=$SI_RC)"
[ ! -e "$(store_of wrong)" ]
tap_ok $? "nothing stored for it"
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 400, "error": "invalid_client", "aadsts": 7000222}' > /dev/null
si_start app
si_wait
[ "$SI_RC" -eq 78 ] && grep -q 'expired' "$SI_ERR" && cmp -s "$f" "$STAND_DIR/app.before"
tap_ok $? "expired secret: exit 78, the stored token is untouched (rc=$SI_RC)"

# --- configuration mistakes -------------------------------------------------------
"$MAILOAUTH_HELPER" authorize app --device 2> "$ERR"
[ $? -eq 64 ] && grep -q 'client_credentials' "$ERR"
tap_ok $? "--device on a client-credentials account: exit 64"
cp "$CFG" "$STAND_DIR/config.good"
e2e_account nosecret flow=client_credentials client_id="$STAND_CONFIDENTIAL_CLIENT_ID"
"$MAILOAUTH_HELPER" authorize nosecret 2> "$ERR"
[ $? -eq 78 ] && grep -q 'client_secret_file' "$ERR"
tap_ok $? "no client secret configured: exit 78 naming client_secret_file"
cp "$STAND_DIR/config.good" "$CFG"
e2e_account common flow=client_credentials tenant=common \
	client_id="$STAND_CONFIDENTIAL_CLIENT_ID" client_secret_file="$STAND_DIR/app.secret"
"$MAILOAUTH_HELPER" authorize common 2> "$ERR"
[ $? -eq 78 ] && grep -q 'tenant' "$ERR"
tap_ok $? "tenant = common: exit 78 asking for the tenant's ID or domain"
cp "$STAND_DIR/config.good" "$CFG"

e2e_no_secrets "$VLOG"
tap_ok $? "no client secret or token in any -v output"

tap_done
