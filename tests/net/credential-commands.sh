#!/bin/sh
# SPDX-License-Identifier: MIT
# The credential commands follow one rule (mailoauth.conf(5), CREDENTIAL
# COMMANDS): client_secret_command, client_key_passphrase_command and
# store_key_command are each run by /bin/sh -c (a pipeline works), and each
# failure is exit 78 naming the key with the first line of the command's
# standard error, nothing stored and nothing asked of the identity
# platform.  Keys and certificates are made here, never committed.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

python3 -c 'import cryptography' 2> /dev/null ||
	tap_skip_all "python3-cryptography is not installed (tools/install-deps)"
e2e_setup --no-dovecot
D=$STAND_DIR/creds
CERT_APP=00000000-0000-0000-0000-0000000ce002
cert_app "$D" "$CERT_APP"
(
	umask 077
	printf '%s\n' "$STAND_CONFIDENTIAL_SECRET" > "$D/app.secret"
	openssl rand -base64 32 > "$D/store.key"
)

total() {
	mock_ctl GET /mock/stats | stand_json token.total
}
secret_acct() {	# NAME COMMAND
	e2e_account "$1" flow=client_credentials "client_id=$STAND_CONFIDENTIAL_CLIENT_ID" \
		user=helpdesk@contoso.example "client_secret_command=$2"
}
cert_acct() {	# NAME COMMAND
	e2e_account "$1" flow=client_credentials "client_id=$CERT_APP" \
		user=helpdesk@contoso.example "client_certificate_file=$D/app.crt" \
		"client_key_file=$D/app.key" "client_key_passphrase_command=$2"
}
FAIL='echo "the vault is locked" >&2; exit 3'

# --- a pipeline, through the shell, for each of the three --------------------
secret_acct sp "cat '$D/app.secret' | head -n 1"
tok=$("$MAILOAUTH_HELPER" token sp 2> "$ERR")
rc=$?
cat "$ERR" >> "$VLOG"
[ $rc -eq 0 ] && [ -n "$tok" ]
tap_ok $? "client_secret_command: a pipeline gives the secret (rc=$rc)"
cert_acct cp "cat '$D/pass' | tr -d '\\r'"
tok=$("$MAILOAUTH_HELPER" token cp 2> "$ERR")
rc=$?
cat "$ERR" >> "$VLOG"
[ $rc -eq 0 ] && [ -n "$tok" ]
tap_ok $? "client_key_passphrase_command: a pipeline gives the passphrase (rc=$rc)"
e2e_account kp "store_key_command=cat '$D/store.key' | cat"
e2e_import kp > /dev/null
rc=$?
[ $rc -eq 0 ] && [ -n "$(store_get "$(store_of kp)" sealed)" ] &&
	[ -z "$(store_get "$(store_of kp)" refresh_token)" ]
tap_ok $? "store_key_command: a pipeline gives the key, the store is sealed (rc=$rc)"

# --- the same failure, the same answer ---------------------------------------------
n0=$(total)
secret_acct sf "$FAIL"
mo token sf > /dev/null
rc=$?
[ $rc -eq 78 ] &&
	grep -q 'client_secret_command exited with status 3: the vault is locked' "$ERR"
tap_ok $? "client_secret_command failing: exit 78, the key, its status and stderr (rc=$rc)"
cert_acct cf "$FAIL"
mo token cf > /dev/null
rc=$?
[ $rc -eq 78 ] &&
	grep -q 'client_key_passphrase_command exited with status 3: the vault is locked' "$ERR"
tap_ok $? "client_key_passphrase_command failing: the same (rc=$rc)"
e2e_account kf "store_key_command=$FAIL"
e2e_import kf > /dev/null
rc=$?
[ $rc -eq 78 ] &&
	grep -q 'store_key_command exited with status 3: the vault is locked' "$ERR" &&
	[ ! -e "$(store_of kf)" ]
tap_ok $? "store_key_command failing: the same, and nothing stored (rc=$rc)"
# The import asks for its refresh token before mailoauth sees it: only the
# two app-only failures must have cost no request.
[ "$(total)" -le $((n0 + 1)) ]
tap_ok $? "a failing credential command asks nothing of the identity platform"
secret_acct sn "/nonexistent/vault-helper"
mo token sn > /dev/null
rc=$?
[ $rc -eq 78 ] && grep -q 'client_secret_command exited with status 127' "$ERR"
tap_ok $? "a missing program: exit 78, the shell's status 127 (rc=$rc)"

e2e_no_secrets "$VLOG" > /dev/null
tap_ok $? "no secret in the verbose output"
tap_done
