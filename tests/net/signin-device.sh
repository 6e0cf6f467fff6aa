#!/bin/sh
# SPDX-License-Identifier: MIT
# `mailoauth authorize --device` (RFC 8628) against the mock identity
# platform polling every second: pending -> slow_down -> success, expired,
# declined, a device code the server does not know, Ctrl-C, the default
# flow without a display, the QR code on a terminal, and the identity and
# missing-scope warnings.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

unset DISPLAY WAYLAND_DISPLAY
e2e_setup --no-dovecot
e2e_account work
mock_ctl POST /mock/config '{"device_interval": 1}' > /dev/null
f=$(store_of work)

# Waits (up to 30 s) until the mock has answered N device-code polls.
wait_polls() {
	_i=0
	while [ $_i -lt 1500 ]; do
		_n=$(mock_ctl GET /mock/stats | python3 -c \
			'import json, sys; print(json.load(sys.stdin)["token"].get("device_code", 0))')
		[ "$_n" -ge "$1" ] && return 0
		sleep 0.02
		_i=$((_i + 1))
	done
	return 1
}

# --- pending, then slow_down (+5 s), then success --------------------------
# Driven by what the mock has seen, not by the clock (the machine may be
# loaded): poll 1 is answered "pending", poll 2 "slow_down", poll 3 succeeds.
mock_ctl POST /mock/config '{"slow_down_from": 2, "slow_down_polls": 2}' > /dev/null
t0=$(ms)
si_start work --device
code=$(mock_device_code "$SI_PID")
tap_ok $? "a device code is pending at the mock"
wait_polls 2
mock_ctl POST /mock/device "{\"user_code\": \"$code\", \"action\": \"approve\"}" > /dev/null
si_wait
t1=$(ms)
mock_ctl POST /mock/config '{"slow_down_from": 1, "slow_down_polls": 0}' > /dev/null
tap_ok $SI_RC "approved on the verification page: authorize exits 0 (rc=$SI_RC)"
grep -q "Enter code: $code" "$SI_ERR" && grep -q 'Open: *https://127.0.0.1:[0-9]*/devicelogin' "$SI_ERR" &&
	grep -q "and enter the code $code to authenticate" "$SI_ERR"
tap_ok $? "verification_uri, user_code and the server's message are shown"
[ ! -s "$SI_OUT" ]
tap_ok $? "nothing on stdout when it is not a terminal (no QR code)"
grep -q 'slow down; polling every 6 s' "$SI_ERR"
tap_ok $? "slow_down adds 5 s to the interval"
[ $((t1 - t0)) -ge 7000 ]
tap_ok $? "... and the next poll waited for it ($((t1 - t0)) ms in all)"
mock_ctl GET /mock/stats | grep -q '"device_code": 3'
tap_ok $? "three polls: pending, slow_down, success"
[ -n "$(store_get "$f" refresh_token)" ] && [ "$(store_get "$f" identity)" = user@contoso.example ]
tap_ok $? "tokens and identity stored"
tok=$("$MAILOAUTH_HELPER" token work)
[ "$tok" = "$(store_get "$f" access_token)" ]
tap_ok $? "mailoauth token serves the new access token"
cp "$f" "$STAND_DIR/work.before"

# --- the code expires, is declined, or is unknown ---------------------------
si_start work --device
code=$(mock_device_code "$SI_PID") &&
	mock_ctl POST /mock/device "{\"user_code\": \"$code\", \"action\": \"expire\"}" > /dev/null
si_wait
[ "$SI_RC" -eq 77 ] && grep -q "the code $code expired" "$SI_ERR"
tap_ok $? "expired code: exit 77, says so (rc=$SI_RC)"

si_start work --device
code=$(mock_device_code "$SI_PID") &&
	mock_ctl POST /mock/device "{\"user_code\": \"$code\", \"action\": \"deny\"}" > /dev/null
si_wait
[ "$SI_RC" -eq 77 ] && grep -q 'the sign-in was declined' "$SI_ERR"
tap_ok $? "declined: exit 77, says so (rc=$SI_RC)"

mock_ctl POST /mock/fault '{"endpoint": "token", "error": "bad_verification_code", "aadsts": 70000}' > /dev/null
si_start work --device
si_wait
[ "$SI_RC" -eq 75 ] && grep -q 'bad_verification_code' "$SI_ERR"
tap_ok $? "bad_verification_code ends the flow (rc=$SI_RC)"

# --- Ctrl-C; no display means the device flow --------------------------------
si_start work
mock_device_code "$SI_PID" > /dev/null
kill -INT "$SI_PID"
si_wait
[ "$SI_RC" -eq 1 ] && grep -q 'sign-in cancelled' "$SI_ERR" &&
	grep -q 'nothing was stored' "$SI_ERR"
tap_ok $? "no display: device flow by default; Ctrl-C cancels cleanly, exit 1 (rc=$SI_RC)"
cmp -s "$f" "$STAND_DIR/work.before" && [ "$("$MAILOAUTH_HELPER" token work)" = "$tok" ]
tap_ok $? "after expired, declined, failed and cancelled sign-ins the stored tokens are untouched"

# --- an outage while polling: the code is still good, polling goes on ------
# Each poll's 4 attempts (no waiting: Retry-After 0) meet the outage for
# the first two polls, as a 503 temporarily_unavailable of Microsoft and as
# a 503 without a body; the third poll finds the approved sign-in.
si_start work --device --force
code=$(mock_device_code "$SI_PID")
mock_ctl POST /mock/fault '[{"endpoint": "token", "count": 4, "status": 503, "retry_after": 0},
	{"endpoint": "token", "count": 4, "status": 503, "body": "empty", "retry_after": 0}]' > /dev/null
mock_ctl POST /mock/device "{\"user_code\": \"$code\", \"action\": \"approve\"}" > /dev/null
si_wait
[ "$SI_RC" -eq 0 ] && [ "$(grep -c 'still trying' "$SI_ERR")" -eq 1 ]
tap_ok $? "an outage of the token endpoint while polling: one warning, polling goes on, signed in (rc=$SI_RC)"
grep -q 'next poll in 2 s' "$SI_ERR" && grep -q 'next poll in 4 s' "$SI_ERR"
tap_ok $? "... each poll the outage meets doubles the wait (1 s interval: 2 s, then 4 s)"

# --- warnings: somebody else signed in, and not every scope was granted -----
# (--force: a grant is stored, and eve is neither user nor login_hint.)
mock_ctl POST /mock/config '{"grant_scopes": "https://outlook.office.com/IMAP.AccessAsUser.All"}' > /dev/null
si_start work --device --force
code=$(mock_device_code "$SI_PID") &&
	mock_ctl POST /mock/device "{\"user_code\": \"$code\", \"user\": \"eve@contoso.example\"}" > /dev/null
si_wait
mock_ctl POST /mock/config '{"grant_scopes": null}' > /dev/null
tap_ok $SI_RC "a partial grant still signs in (rc=$SI_RC)"
grep -q 'warning: signed in as eve@contoso.example, but account work is for the mailbox user@contoso.example' "$SI_ERR" &&
	grep -q 'login_hint = eve@contoso.example' "$SI_ERR"
tap_ok $? "identity mismatch warned, with the shared-mailbox configuration"
grep -q 'did not grant https://outlook.office.com/POP.AccessAsUser.All, which POP3 needs' "$SI_ERR" &&
	grep -q 'did not grant https://outlook.office.com/SMTP.Send, which SMTP needs' "$SI_ERR" &&
	! grep -q 'did not grant https://outlook.office.com/IMAP' "$SI_ERR"
tap_ok $? "missing POP and SMTP scopes warned, IMAP not"
grep -q 'consent-url work' "$SI_ERR"
tap_ok $? "the scope warning says how to get consent"

# --- the QR code, when stdout is a terminal ----------------------------------
if command -v script > /dev/null 2>&1 &&
	grep -q 'HAVE_QRENCODE 1' "${top_builddir:-.}/autoconfig.h" 2>/dev/null; then
	SI_N=$((SI_N + 1))
	SI_OUT=$STAND_DIR/si-$SI_N.out
	SI_ERR=$STAND_DIR/si-$SI_N.err
	script -qec "\"$MAILOAUTH_HELPER\" -v authorize work --device 2> \"$SI_ERR\"" /dev/null \
		> "$SI_OUT" < /dev/null &
	SI_PID=$!
	code=$(mock_device_code "$SI_PID") &&
		mock_ctl POST /mock/device "{\"user_code\": \"$code\"}" > /dev/null
	si_wait
	[ "$SI_RC" -eq 0 ] && grep -q "$(printf '\342\226\210')" "$SI_OUT"
	tap_ok $? "a terminal on stdout gets a QR code of the verification URI (rc=$SI_RC)"
else
	echo "ok $((TAP_N + 1)) # SKIP script(1) or libqrencode missing"
	TAP_N=$((TAP_N + 1))
fi

# --- a state directory the tokens could not go to: refused before the flow --
devicecodes() {
	mock_ctl GET /mock/stats | python3 -c 'import json, sys; print(json.load(sys.stdin)["devicecode"])'
}
# si_wait, but a flow still running after 20 s is ended (SIGTERM: exit 1).
si_wait_20() {
	_i=0
	while kill -0 "$SI_PID" 2> /dev/null && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill "$SI_PID" 2> /dev/null
	si_wait
}
n0=$(devicecodes)
: > "$STAND_DIR/not-a-dir"
e2e_account nodir state_dir="$STAND_DIR/not-a-dir/state"
si_start nodir --device
si_wait_20
[ "$SI_RC" -eq 74 ] && grep -q "its tokens cannot be stored: .*not-a-dir" "$SI_ERR" &&
	grep -q 'nothing was asked yet' "$SI_ERR" && [ "$(devicecodes)" -eq "$n0" ]
tap_ok $? "state_dir that cannot be created: exit 74 before a device code is asked for (rc=$SI_RC)"
mkdir -p "$STAND_DIR/open-state"
chmod 755 "$STAND_DIR/open-state"
e2e_account opendir state_dir="$STAND_DIR/open-state"
si_start opendir --device
si_wait_20
[ "$SI_RC" -eq 78 ] && grep -q "chmod 700 $STAND_DIR/open-state" "$SI_ERR" &&
	[ "$(devicecodes)" -eq "$n0" ] && [ -z "$(ls -A "$STAND_DIR/open-state")" ]
tap_ok $? "state_dir others can read: exit 78 naming the chmod, nothing asked or written (rc=$SI_RC)"
mkdir -p "$STAND_DIR/new-parent"
e2e_account newdir state_dir="$STAND_DIR/new-parent/a/b"
si_start newdir --device
code=$(mock_device_code "$SI_PID") &&
	mock_ctl POST /mock/device "{\"user_code\": \"$code\"}" > /dev/null
si_wait
[ "$SI_RC" -eq 0 ] && [ -f "$STAND_DIR/new-parent/a/b/newdir.json" ] &&
	[ "$(stat -c %a "$STAND_DIR/new-parent/a/b")" = 700 ]
tap_ok $? "a missing state_dir is created (mode 700) and the sign-in goes on (rc=$SI_RC)"

cat "$STAND_DIR"/si-*.out >> "$VLOG"
e2e_no_secrets "$VLOG"
tap_ok $? "no device code, token or secret in any -v output"

tap_done
