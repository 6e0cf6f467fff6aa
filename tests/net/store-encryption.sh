#!/bin/sh
# SPDX-License-Identifier: MIT
# The encrypted token store: with store_key_file or store_key_command the
# refresh token is only ever written sealed (AES-256-GCM, bound to the
# account), the cached access token stays readable by the front end, a
# plain store is sealed at its next save, and a wrong, missing or unsafe key
# or a file moved between accounts is a clear error that changes nothing.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"

e2e_setup --no-dovecot
KEY=$STAND_DIR/store.key
openssl rand -base64 32 > "$KEY"
chmod 600 "$KEY"

stale() {
	python3 "$top_srcdir/tests/lib/store-edit.py" "$(store_of "$1")" stale
}
refreshes() {
	mock_ctl GET /mock/stats | stand_json token.refresh_token
}
# Prints the refresh tokens of the mock found in any file under $STATE.
rts_on_disk() {
	mock_ctl GET /mock/refresh_tokens > "$STAND_DIR/rts.json" || return 2
	python3 - "$STAND_DIR/rts.json" "$STATE" <<'PY'
import json, os, sys
rts = json.load(open(sys.argv[1]))
found = n = 0
for d, _, files in os.walk(sys.argv[2]):
    for name in files:
        n += 1
        data = open(os.path.join(d, name), "rb").read()
        for rt in rts:
            if rt.encode() in data:
                found += 1
                print("# %s holds refresh token %s..." % (name, rt[:8]))
print("# %d refresh tokens searched for in %d files" % (len(rts), n))
sys.exit(1 if found or not rts else 0)
PY
}
sum() {
	cksum < "$(store_of "$1")"
}

# --- sealed from the first save -------------------------------------------
e2e_account enc "store_key_file=$KEY"
e2e_import enc
tap_ok $? "import into an account with a store key succeeds"
( umask 077 && printf '%s\n' "$E2E_RT" > "$STAND_DIR/seed.rt" )
f=$(store_of enc)
[ "$(store_get "$f" version)" = 2 ] && [ -n "$(store_get "$f" sealed)" ] &&
	[ -z "$(store_get "$f" refresh_token)" ]
tap_ok $? "the store file is version 2 with \"sealed\" and no \"refresh_token\""
out=$(rts_on_disk)
tap_ok $? "no refresh token of the mock in any file under the state directory"
tap_diag "$out"
tok=$("$MAILOAUTH_HELPER" token enc)
[ -n "$tok" ] && [ "$tok" = "$(store_get "$f" access_token)" ]
tap_ok $? "the cached access token is served from the sealed store"
mo status enc > "$STAND_DIR/status.out"
rc=$?
[ $rc -eq 0 ] && grep -q "encrypted: *yes" "$STAND_DIR/status.out"
tap_ok $? "status says the account is encrypted (rc=$rc)"
"$MAILOAUTH_HELPER" status enc --json | grep -q '"encrypted": true'
tap_ok $? "status --json has \"encrypted\": true"

# --- it still refreshes after expiry ----------------------------------------
n0=$(refreshes)
stale enc
tok2=$(mo token enc)
rc=$?
[ $rc -eq 0 ] && [ -n "$tok2" ] && [ "$tok2" != "$tok" ] && [ "$(refreshes)" -eq $((n0 + 1)) ]
tap_ok $? "an expired access token is refreshed with the sealed refresh token (rc=$rc)"
mo refresh enc && mo refresh enc
tap_ok $? "two more refreshes (rotations) work"
[ -z "$(store_get "$f" refresh_token)" ] && rts_on_disk > /dev/null
tap_ok $? "after the rotations still no refresh token in any file"
s1=$(store_get "$f" sealed)
mo refresh enc
[ "$(store_get "$f" sealed)" != "$s1" ]
tap_ok $? "every write seals anew (fresh nonce)"

# --- a file moved to another account is refused ------------------------------
e2e_account other "store_key_file=$KEY"
e2e_import other > /dev/null
cp "$(store_of other)" "$STAND_DIR/other.json"
cp "$f" "$STAND_DIR/enc.json"
cp "$STAND_DIR/other.json" "$f"
chmod 600 "$f"
stale enc
before=$(sum enc)
mo refresh enc
rc=$?
[ $rc -eq 65 ] && grep -q "does not belong to this account" "$ERR" && [ "$(sum enc)" = "$before" ]
tap_ok $? "another account's file is refused: exit 65, nothing changed (rc=$rc)"
tap_diag "$(head -n 2 "$ERR")"
"$MAILOAUTH_HELPER" status enc > /dev/null 2>&1
rc=$?
[ $rc -eq 65 ]
tap_ok $? "status reports it too (rc=$rc)"
cp "$STAND_DIR/enc.json" "$f"
mo refresh enc
tap_ok $? "the account's own file, put back, refreshes"

# --- a wrong key: clear error, nothing destroyed ------------------------------
cp "$KEY" "$STAND_DIR/good.key"
openssl rand -base64 32 > "$KEY"
stale enc
before=$(sum enc)
mo token enc > "$STAND_DIR/out"
rc=$?
[ $rc -eq 78 ] && [ ! -s "$STAND_DIR/out" ] && grep -q "another store key" "$ERR" &&
	[ "$(sum enc)" = "$before" ]
tap_ok $? "a wrong key: exit 78, nothing printed, the file unchanged (rc=$rc)"
tap_diag "$(head -n 2 "$ERR")"
"$MAILOAUTH_HELPER" status enc > "$STAND_DIR/status.out" 2>&1
rc=$?
[ $rc -eq 78 ] && grep -q "does NOT open it" "$STAND_DIR/status.out"
tap_ok $? "status says the configured key does not open the store (rc=$rc)"
cp "$STAND_DIR/good.key" "$KEY"
mo token enc > /dev/null
tap_ok $? "the right key back: the same store refreshes"

# --- the key file must be private -----------------------------------------------
chmod 644 "$KEY"
stale enc
before=$(sum enc)
mo refresh enc
rc=$?
[ $rc -eq 78 ] && grep -q "chmod" "$ERR" && [ "$(sum enc)" = "$before" ]
tap_ok $? "a key file readable by others is refused with the chmod that fixes it (rc=$rc)"
chmod 600 "$KEY"

# --- too short a key --------------------------------------------------------------
printf 'short\n' > "$STAND_DIR/short.key"
chmod 600 "$STAND_DIR/short.key"
e2e_account shortkey "store_key_file=$STAND_DIR/short.key"
mo import shortkey --file "$STAND_DIR/seed.rt"
rc=$?
[ $rc -eq 78 ] && grep -q "openssl rand" "$ERR" && [ ! -e "$(store_of shortkey)" ]
tap_ok $? "a key shorter than 32 bytes is refused and nothing is stored (rc=$rc)"

# --- the key removed from the configuration ------------------------------------
sed "s|^store_key_file = $KEY\$||" "$CFG" > "$STAND_DIR/nokey.config"
stale enc
before=$(sum enc)
"$MAILOAUTH_HELPER" --config "$STAND_DIR/nokey.config" token enc > /dev/null 2> "$ERR"
rc=$?
[ $rc -eq 78 ] && grep -q "encrypted but no store_key_file" "$ERR" && [ "$(sum enc)" = "$before" ]
tap_ok $? "a sealed store without a configured key: exit 78, nothing changed (rc=$rc)"

# --- a plain store is encrypted at its next save ---------------------------------
e2e_account plain
e2e_import plain > /dev/null
p=$(store_of plain)
[ -n "$(store_get "$p" refresh_token)" ]
tap_ok $? "without a key the refresh token is stored plain"
sed "/^\[account plain\]/a store_key_file = $KEY" "$CFG" > "$STAND_DIR/c" && cat "$STAND_DIR/c" > "$CFG"
"$MAILOAUTH_HELPER" status plain > "$STAND_DIR/status.out"
grep -q "encrypted: *no (a store key is set: encrypted at the next save" "$STAND_DIR/status.out"
tap_ok $? "status: not encrypted yet, at the next save"
mo refresh plain
rc=$?
[ $rc -eq 0 ] && [ "$(store_get "$p" version)" = 2 ] && [ -z "$(store_get "$p" refresh_token)" ]
tap_ok $? "the next refresh writes it sealed (rc=$rc)"

# --- store_key_command, run by /bin/sh -c --------------------------------------
e2e_account cmd "store_key_command=cat '$KEY'"
e2e_import cmd > /dev/null
rc=$?
[ $rc -eq 0 ] && [ -n "$(store_get "$(store_of cmd)" sealed)" ]
tap_ok $? "store_key_command: the store is sealed with the key it prints (rc=$rc)"
stale cmd
mo token cmd > /dev/null
tap_ok $? "store_key_command: the sealed store refreshes"
e2e_account shcmd "store_key_command=cat '$KEY' && true"
e2e_import shcmd > /dev/null
rc=$?
[ $rc -eq 0 ] && [ -n "$(store_get "$(store_of shcmd)" sealed)" ]
tap_ok $? "store_key_command is run by a shell: \"&&\" works as in a shell (rc=$rc)"
e2e_account badcmd "store_key_command=cat '$KEY' && exit 5"
mo import badcmd --file "$STAND_DIR/seed.rt"
rc=$?
[ $rc -eq 78 ] && grep -q "store_key_command exited with status 5" "$ERR" &&
	[ ! -e "$(store_of badcmd)" ]
tap_ok $? "a store_key_command that fails: exit 78, nothing stored (rc=$rc)"

out=$(rts_on_disk)
tap_ok $? "at the end: no refresh token in any file under the state directory of sealed accounts"
tap_diag "$out"
e2e_no_secrets "$VLOG" > /dev/null
tap_ok $? "no secret of the mock in the verbose output"
tap_done
