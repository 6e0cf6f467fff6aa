#!/bin/sh
# SPDX-License-Identifier: MIT
# What the identity platform sends reaches the terminal as text, with -v
# too: an error reply whose fields carry terminal escapes, a bell, a
# backspace and carriage returns, an identity and a device-flow link with
# the 8-bit CSI (U+009B, which terminals obey like ESC [) show none of
# them: mailoauth-net turns every control character but the line break
# and the tab into '?'.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

e2e_setup --no-dovecot
e2e_account work
e2e_import work > /dev/null
f=$(store_of work)
cp "$f" "$STAND_DIR/work.before"

# Lines with a byte a terminal obeys, other than LF and TAB: C0, DEL, and
# C1 controls in UTF-8 (0xC2 0x80-0x9F).
controls() {
	LC_ALL=C grep -c "$(printf '[\001-\010\013-\037\177]\\|\302[\200-\237]')" "$1"
}

# JSON text as a JSON string (for a literal fault body).
jstr() {
	python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"
}

# --- an error reply full of escapes, with -v -v ------------------------------
evil='{"error": "invalid_grant\u001b[2J\u001b]0;owned\u0007", "error_description": "AADSTS70008: expired\u001b[31m\rmailoauth: all is fine\b\b\u007f\r\nTrace ID: 1\r\n", "error_codes": [70008], "suberror": "x\u009b8m"}'
mock_ctl POST /mock/fault "{\"endpoint\": \"token\", \"status\": 400, \"body\": $(jstr "$evil")}" > /dev/null
"$MAILOAUTH_HELPER" -v -v refresh work 2> "$STAND_DIR/err1"
rc=$?
cat "$STAND_DIR/err1" >> "$VLOG"
[ $rc -eq 77 ] && grep -q 'identity provider error: invalid_grant' "$STAND_DIR/err1"
tap_ok $? "the error reply is shown with -v -v, exit 77 (rc=$rc)"
n=$(controls "$STAND_DIR/err1")
[ "$n" -eq 0 ]
tap_ok $? "no control character but LF in the -v -v output ($n lines had some)"
cmp -s "$f" "$STAND_DIR/work.before"
tap_ok $? "the stored grant is untouched"

# --- a device-flow reply whose link and message carry the 8-bit CSI ---------
dev='{"device_code": "DC-1", "user_code": "ABCD\u009b2J", "verification_uri": "https://127.0.0.1/devicelogin\u009b2J\u009b?1049h", "expires_in": 3, "interval": 1, "message": "Go\u001b[5m\u009b0m"}'
mock_ctl POST /mock/fault "{\"endpoint\": \"devicecode\", \"status\": 200, \"body\": $(jstr "$dev")}" > /dev/null
"$MAILOAUTH_HELPER" -v authorize work --device --timeout 3 2> "$STAND_DIR/err2" > /dev/null
rc=$?
cat "$STAND_DIR/err2" >> "$VLOG"
grep -q 'Open: *https://127.0.0.1/devicelogin??2J???1049h' "$STAND_DIR/err2"
tap_ok $? "the device link is shown, its C1 CSI as '??'"
n=$(controls "$STAND_DIR/err2")
[ "$n" -eq 0 ]
tap_ok $? "no control character in the device sign-in's output ($n lines had some; rc=$rc)"

# --- who signed in, as the id_token says, with the 8-bit CSI ----------------
mock_ctl POST /mock/config "{\"signin_user\": \"eve\\u009b2J\\u009b3J@contoso.example\"}" > /dev/null
e2e_account other user=other@contoso.example
si_start other --device
code=$(mock_device_code "$SI_PID") &&
	mock_ctl POST /mock/device "{\"user_code\": \"$code\", \"action\": \"approve\"}" > /dev/null
si_wait
grep -q 'signed in as eve??2J??3J@contoso.example' "$SI_ERR"
tap_ok $? "the identity is shown, its C1 controls as '??' (rc=$SI_RC)"
n=$(controls "$SI_ERR")
[ "$n" -eq 0 ]
tap_ok $? "no control character in the sign-in's output ($n lines had some)"
mock_ctl POST /mock/config '{"signin_user": null}' > /dev/null

e2e_no_secrets "$VLOG"
tap_ok $? "no secret in any -v output"

tap_done
