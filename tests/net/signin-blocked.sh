#!/bin/sh
# SPDX-License-Identifier: MIT
# The sign-in errors people hit most, each with its cause and its fix in the
# message (and in doc/troubleshooting.md): a device code flow blocked by a
# Conditional Access policy (AADSTS53003 while polling), a sign-in frequency
# policy ending the grant (AADSTS70043), an expired MFA (AADSTS50078) and
# MFA required (AADSTS50076) at refresh time.  The mock identity platform
# answers with Microsoft's error JSON.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

unset DISPLAY WAYLAND_DISPLAY
e2e_setup --no-dovecot
e2e_account work
mock_ctl POST /mock/config '{"device_interval": 1}' > /dev/null

# --- device code flow blocked by Conditional Access ---------------------------
mock_ctl POST /mock/fault '{"endpoint": "token", "error": "interaction_required", "aadsts": 53003, "suberror": "message_only"}' > /dev/null
si_start work --device
si_wait
[ "$SI_RC" -eq 69 ] && grep -q 'blocked by a Conditional Access' "$SI_ERR"
tap_ok $? "device code blocked by Conditional Access: exit 69, says so (rc=$SI_RC)"
grep -q 'mailoauth authorize work --browser' "$SI_ERR" && grep -q 'AADSTS53003' "$SI_ERR"
tap_ok $? "... names the way out (a browser sign-in) and the AADSTS code"

# --- at refresh time ---------------------------------------------------------
e2e_import work
tap_ok $? "signed in (imported)"
f=$(store_of work)
case_of() {
	# case_of CODE ERROR SUBERROR PATTERN NAME
	python3 -c '
import json, os, sys
p = sys.argv[1]; d = json.load(open(p)); d["expires_at"] = 1
json.dump(d, open(p + ".t", "w")); os.chmod(p + ".t", 0o600); os.rename(p + ".t", p)' "$f"
	cp "$f" "$STAND_DIR/keep.json"
	_j="{\"endpoint\": \"token\", \"error\": \"$2\", \"aadsts\": $1"
	[ -n "$3" ] && _j="$_j, \"suberror\": \"$3\""
	mock_ctl POST /mock/fault "$_j}" > /dev/null
	mo token work > /dev/null
	_rc=$?
	[ $_rc -eq 77 ] && grep -q "$4" "$ERR" && grep -q 'mailoauth authorize work' "$ERR"
	tap_ok $? "AADSTS$1: $5, exit 77, says to sign in again (rc=$_rc)"
	cmp -s "$f" "$STAND_DIR/keep.json"
	tap_ok $? "AADSTS$1: the stored tokens are untouched"
}
case_of 70043 invalid_grant "" "sign-in frequency policy" "sign-in frequency"
grep -q 'exclude this app or mailbox from the sign-in frequency policy' "$ERR"
tap_ok $? "AADSTS70043: says how to stop it recurring"
case_of 50078 invalid_grant "" "multi-factor authentication that account work signed in with has expired" "expired MFA"
case_of 50076 invalid_grant basic_action "needs multi-factor authentication (AADSTS50076)" "MFA required"
mo token work > /dev/null
tap_ok $? "the grant itself still works afterwards"

e2e_no_secrets "$ERR"
tap_ok $? "no secret in the messages"
tap_done
