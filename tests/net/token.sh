#!/bin/sh
# SPDX-License-Identifier: MIT
# mailoauth token / refresh / import against the mock identity platform:
# import then token, rotation persisted, revoked grant, malformed and huge
# replies, expires_in as a string, unsafe store permissions, and no secret
# in any -v output.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"

e2e_setup --no-dovecot
e2e_account work

# --- import, then token -------------------------------------------------
e2e_import work
tap_ok $? "import of a seeded refresh token succeeds"
grep -q "imported, signed in as user@contoso.example" "$ERR"
tap_ok $? "import names the signed-in identity"
f=$(store_of work)
mode=$(stat -c %a "$f")
[ "$mode" = 600 ] && [ "$(stat -c %a "$STATE")" = 700 ]
tap_ok $? "store file 0600 in a 0700 directory ($mode)"
rt0=$E2E_RT
[ "$(store_get "$f" refresh_token)" != "$rt0" ] && [ -n "$(store_get "$f" refresh_token)" ]
tap_ok $? "import stored the rotated refresh token, not the imported one"

tok=$(mo token work)
rc=$?
[ $rc -eq 0 ] && [ "$tok" = "$(store_get "$f" access_token)" ]
tap_ok $? "token prints the stored access token (rc=$rc)"
[ "$(mo token work | wc -l)" -eq 1 ]
tap_ok $? "token prints exactly one line"

# --- rotation persisted ---------------------------------------------------
mock_ctl POST /mock/config '{"old_rt_valid": false}' > /dev/null
rt1=$(store_get "$f" refresh_token)
mo refresh work
rc=$?
rt2=$(store_get "$f" refresh_token)
[ $rc -eq 0 ] && [ "$rt1" != "$rt2" ]
tap_ok $? "refresh rotates the stored refresh token (rc=$rc)"
mo refresh work
tap_ok $? "the rotated refresh token is the live one (old ones now invalid)"
mock_ctl POST /mock/config '{"old_rt_valid": true}' > /dev/null

# --- a reply without refresh_token keeps the old one; expires_in string --
before_rt=$(store_get "$f" refresh_token)
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 200, "body": "{\"token_type\":\"Bearer\",\"expires_in\":\"1234\",\"access_token\":\"StringExpiryToken.abc\"}"}' > /dev/null
now=$(date +%s)
mo refresh work
rc=$?
exp=$(store_get "$f" expires_at)
[ $rc -eq 0 ] && [ "$(store_get "$f" access_token)" = StringExpiryToken.abc ] &&
	[ $((exp - now)) -ge 1230 ] && [ $((exp - now)) -le 1240 ]
tap_ok $? "expires_in as a string is accepted (rc=$rc, expires in $((exp - now)) s)"
[ "$(store_get "$f" refresh_token)" = "$before_rt" ]
tap_ok $? "a reply without refresh_token keeps the stored one"

# --- revoked grant: exit 77, names authorize, store byte-identical --------
mo refresh work > /dev/null
cp "$f" "$STAND_DIR/before.json"
mock_ctl POST /mock/revoke '{"user": "user@contoso.example", "code": 70008}' > /dev/null
mo refresh work
rc=$?
[ $rc -eq 77 ]
tap_ok $? "revoked grant: refresh exits 77 (rc=$rc)"
grep -q "mailoauth authorize work" "$ERR"
tap_ok $? "revoked grant: the message names mailoauth authorize"
grep -q "AADSTS70008" "$ERR" && grep -q "trace_id" "$ERR" && grep -q "correlation_id" "$ERR"
tap_ok $? "revoked grant: AADSTS code, trace_id and correlation_id shown"
cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "revoked grant: the store is byte-identical"
# token with a stale access token goes to the IdP and fails the same way
mock_ctl POST /mock/config '{"expires_in": 10}' > /dev/null
e2e_import work
mo token work > "$STAND_DIR/out"
rc=$?
[ $rc -eq 0 ] && [ -s "$STAND_DIR/out" ]
tap_ok $? "after a new import the account works again"
mock_ctl POST /mock/revoke '{"user": "user@contoso.example", "code": 50173}' > /dev/null
cp "$f" "$STAND_DIR/before.json"
mo token work > "$STAND_DIR/out"
rc=$?
[ $rc -eq 77 ] && [ ! -s "$STAND_DIR/out" ] && cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "stale token + revoked grant: token exits 77, prints nothing, store intact (rc=$rc)"
mock_ctl POST /mock/config '{"expires_in": 3599}' > /dev/null
e2e_import work > /dev/null

# --- malformed and oversized replies -------------------------------------
cp "$f" "$STAND_DIR/before.json"
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 200, "body": "garbage"}' > /dev/null
mo refresh work
rc=$?
[ $rc -eq 65 ] && grep -q "malformed" "$ERR" && cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "malformed JSON: exit 65, says malformed, store intact (rc=$rc)"
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 200, "body": "{\"access_token\": 42}"}' > /dev/null
mo refresh work
rc=$?
[ $rc -eq 65 ] && cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "JSON without a string access_token refused (rc=$rc)"
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 200, "body": "huge"}' > /dev/null
mo refresh work
rc=$?
[ $rc -eq 65 ] && grep -q "larger than" "$ERR" && cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "a 5 MiB reply is refused (rc=$rc)"
mock_ctl POST /mock/fault '{"endpoint": "token", "status": 400, "body": "huge"}' > /dev/null
mo refresh work
rc=$?
[ $rc -eq 65 ] && cmp -s "$f" "$STAND_DIR/before.json"
tap_ok $? "a 5 MiB error reply is refused too (rc=$rc)"
mo refresh work
tap_ok $? "the account still refreshes afterwards"

# --- unsafe store permissions ---------------------------------------------
chmod 0644 "$f"
mo token work > "$STAND_DIR/out"
rc=$?
[ $rc -eq 78 ] && grep -q "chmod" "$ERR" && [ ! -s "$STAND_DIR/out" ]
tap_ok $? "a 0644 store is refused with the chmod that fixes it (rc=$rc)"
mo refresh work
rc=$?
[ $rc -eq 78 ] && grep -q "chmod" "$ERR"
tap_ok $? "refresh refuses it too (rc=$rc)"
chmod 0600 "$f"
chmod 0755 "$STATE"
mo refresh work
rc=$?
[ $rc -eq 78 ] && grep -q "chmod" "$ERR"
tap_ok $? "a 0755 state directory is refused with the fix (rc=$rc)"
chmod 0700 "$STATE"

# --- nothing stored ------------------------------------------------------
e2e_account fresh
mo token fresh > /dev/null
rc=$?
[ $rc -eq 77 ] && grep -q "mailoauth authorize fresh" "$ERR"
tap_ok $? "an account never signed in: exit 77, names authorize (rc=$rc)"
mo token nosuch > /dev/null
rc=$?
[ $rc -eq 78 ]
tap_ok $? "an unknown account: exit 78 (rc=$rc)"

e2e_no_secrets "$VLOG"
tap_ok $? "-v output of every case holds none of the mock's secrets"

tap_done
