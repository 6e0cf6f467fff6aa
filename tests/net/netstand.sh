# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# What the mailoauth-net tests add to tests/lib/e2e.sh (the stand, accounts,
# import, mo, the secret scan: see there): short retry budgets, so that a
# test of a failing identity platform takes seconds, not minutes.  Source
# after tests/lib/tap.sh; then e2e_setup --no-dovecot.

# shellcheck source=tests/lib/e2e.sh disable=SC1091
. "${top_srcdir:-.}/tests/lib/e2e.sh"

# Fast tests: short HTTP timeouts and retry budgets unless a test says else.
MAILOAUTH_RETRY_BUDGET=${MAILOAUTH_RETRY_BUDGET:-20}
export MAILOAUTH_RETRY_BUDGET

# Token requests the last command made (it ran with -v, its stderr in $ERR).
attempts() {
	grep -c "oauth2/v2.0/token .*(attempt" "$ERR"
}

# cert_app DIR CLIENT_ID — a test certificate with a passphrase-encrypted
# key (DIR/app.crt, DIR/app.key, the passphrase in DIR/pass: made here,
# never committed) and a confidential app registration of the mock with it
# uploaded.  Two checks.
cert_app() {
	mkdir -p "$1"
	(
		umask 077
		printf 'correct horse battery staple\n' > "$1/pass"
		openssl req -x509 -newkey rsa:2048 -sha256 -days 30 \
			-subj "/CN=mailoauth test app" -keyout "$1/app.key" -out "$1/app.crt" \
			-passout "file:$1/pass" 2> /dev/null
	)
	tap_ok $? "made a certificate with an encrypted key"
	python3 - "$1/app.crt" "$2" > "$1/app.json" <<'PY'
import json, sys
print(json.dumps({"client_id": sys.argv[2], "name": "mailoauth certificate app",
                  "public": False, "allow_public_client_flows": False,
                  "certificates": [open(sys.argv[1]).read()]}))
PY
	mock_ctl POST /mock/apps "$(cat "$1/app.json")" > /dev/null
	tap_ok $? "uploaded the certificate to a confidential app registration of the mock"
}
