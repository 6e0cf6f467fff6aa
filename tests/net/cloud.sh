#!/bin/sh
# SPDX-License-Identifier: MIT
# cloud = global | usgov | usgov-dod | china: the admin-consent URL goes to
# the cloud's authority and names the cloud's mail resource, client
# credentials consent to the cloud's .default, and a device-code sign-in
# (authority pointed at the mock) asks for the cloud's scopes and stores
# them; authority still overrides the preset.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

unset DISPLAY WAYLAND_DISPLAY
e2e_setup --no-dovecot
mock_ctl POST /mock/config '{"device_interval": 1}' > /dev/null

enc() {
	python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$1"
}

# --- consent-url: authority and resource of each cloud -----------------------
for c in "global https://login.microsoftonline.com outlook.office.com" \
	"usgov https://login.microsoftonline.us outlook.office365.us" \
	"usgov-dod https://login.microsoftonline.us outlook-dod.office365.us" \
	"china https://login.partner.microsoftonline.cn partner.outlook.cn"; do
	# shellcheck disable=SC2086
	set -- $c
	e2e_account "c-$1" "cloud=$1" "authority="
	url=$(mo consent-url "c-$1")
	want="$2/$STAND_TENANT/v2.0/adminconsent?client_id=$STAND_PUBLIC_CLIENT_ID&scope="
	want="$want$(enc "https://$3/POP.AccessAsUser.All https://$3/IMAP.AccessAsUser.All https://$3/SMTP.Send")"
	[ "$url" = "$want&redirect_uri=http%3A%2F%2Flocalhost" ]
	tap_ok $? "cloud = $1: consent-url on $2 for https://$3 ($url)"
done

e2e_account app-usgov "cloud=usgov" "authority=" "flow=client_credentials" \
	"client_secret_command=echo x"
url=$(mo consent-url app-usgov)
case $url in
"https://login.microsoftonline.us/$STAND_TENANT/v2.0/adminconsent?"*"scope=$(enc https://outlook.office365.us/.default)&"*) ok=0 ;;
*) ok=1 ;;
esac
tap_ok $ok "cloud = usgov, client credentials: consent to https://outlook.office365.us/.default"

e2e_account bad-cloud "cloud=usgov-high"
mo consent-url c-usgov > /dev/null
rc=$?
[ $rc -eq 78 ] && grep -q 'cloud = "usgov-high" is not one of global, usgov' "$ERR"
tap_ok $? "an unknown cloud is a configuration error naming the clouds (rc=$rc)"
: > "$CFG"

# --- authorize: the cloud's scopes, the account's authority -------------------
e2e_account gov "cloud=usgov" "scopes="
f=$(store_of gov)
si_start gov --device
code=$(mock_device_code "$SI_PID")
tap_ok $? "cloud = usgov with authority = the mock: the device code is asked of the mock"
scope=$(mock_ctl GET /mock/device | python3 -c '
import json, sys
print(json.load(sys.stdin)[-1]["scope"])')
for p in POP.AccessAsUser.All IMAP.AccessAsUser.All SMTP.Send; do
	case " $scope " in
	*" https://outlook.office365.us/$p "*) ok=0 ;;
	*) ok=1 ;;
	esac
	tap_ok $ok "the device code is for https://outlook.office365.us/$p"
done
case $scope in
*outlook.office.com*) ok=1 ;;
*) ok=0 ;;
esac
tap_ok $ok "and for no scope of the global cloud ($scope)"
mock_ctl POST /mock/device "{\"user_code\": \"$code\", \"action\": \"approve\"}" > /dev/null
si_wait
tap_ok $SI_RC "approved: authorize exits 0 (rc=$SI_RC)"
case $(store_get "$f" scope) in
*https://outlook.office365.us/IMAP.AccessAsUser.All*) ok=0 ;;
*) ok=1 ;;
esac
tap_ok $ok "the stored grant holds the cloud's scopes"
mo status gov > "$STAND_DIR/status"
rc=$?
[ $rc -eq 0 ] && ! grep -qi "missing" "$STAND_DIR/status"
tap_ok $? "status: signed in, no scope missing (rc=$rc)"

e2e_no_secrets "$VLOG"
tap_ok $? "-v output holds none of the mock's secrets"

tap_done
