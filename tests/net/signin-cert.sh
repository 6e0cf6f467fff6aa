#!/bin/sh
# SPDX-License-Identifier: MIT
# Certificate credentials (RFC 7523 private_key_jwt) against the mock
# identity platform, which checks each assertion against the certificate
# uploaded to the app registration: app-only tokens and refreshes signed
# with an encrypted key, the assertion's header and claims, a fresh jti per
# request, status showing thumbprint and expiry; a certificate that is not
# uploaded, a key that does not fit, a missing or wrong passphrase, an
# expired certificate; and the mock refusing an expired, replayed,
# wrongly signed or wrongly addressed assertion with Microsoft's errors; and
# the browser sign-in (authorization code, loopback redirect) of a
# confidential app whose code redemption the mock verifies by the assertion.
# Keys and certificates are made here, never committed.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

python3 -c 'import cryptography' 2> /dev/null ||
	tap_skip_all "python3-cryptography is not installed (tools/install-deps)"
e2e_setup --no-dovecot
D=$STAND_DIR/certs
CERT_APP=00000000-0000-0000-0000-0000000ce001
cert_app "$D" "$CERT_APP"
(
	umask 077
	openssl req -x509 -newkey rsa:2048 -sha256 -days 30 -subj "/CN=not uploaded" -nodes \
		-keyout "$D/other.key" -out "$D/other.crt" 2> /dev/null
)
tap_ok $? "made a second certificate, not uploaded, with a plain key"

cc() {	# cc NAME KEY=VALUE...: an app-only account of the certificate app
	_n=$1
	shift
	e2e_account "$_n" flow=client_credentials "client_id=$CERT_APP" \
		user=helpdesk@contoso.example "$@"
}
cc app "client_certificate_file=$D/app.crt" "client_key_file=$D/app.key" \
	"client_key_passphrase_file=$D/pass"
last() {
	mock_ctl GET /mock/stats | stand_json "last_token_request.$1"
}
total() {
	mock_ctl GET /mock/stats | stand_json token.total
}

# --- app-only with the certificate --------------------------------------------
tok=$(mo token app)
rc=$?
[ $rc -eq 0 ] && [ -n "$tok" ]
tap_ok $? "flow = client_credentials with a certificate: token (rc=$rc)"
[ "$(last had_client_secret)" = false ] &&
	[ "$(last client_assertion_type)" = urn:ietf:params:oauth:client-assertion-type:jwt-bearer ]
tap_ok $? "the request carries a client assertion and no secret"
mock_ctl GET /mock/stats | stand_json last_token_request.assertion > "$STAND_DIR/a1.json"
x5t=$(openssl x509 -in "$D/app.crt" -outform DER | openssl dgst -sha256 -binary |
	openssl base64 -A | tr '+/' '-_' | tr -d '=')
python3 - "$STAND_DIR/a1.json" "$x5t" "$CERT_APP" "$MOCK_URL/$STAND_TENANT/oauth2/v2.0/token" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
h, c = a["header"], a["claims"]
ok = (h.get("alg") in ("PS256", "RS256") and h.get("typ") == "JWT"
      and h.get("x5t#S256") == sys.argv[2]
      and c.get("aud") == sys.argv[4] and c.get("iss") == sys.argv[3]
      and c.get("sub") == sys.argv[3] and isinstance(c.get("jti"), str)
      and c["iat"] <= c["nbf"] + 1 and 0 < c["exp"] - c["iat"] <= 600)
print("# header %s, claims %s" % (sorted(h), sorted(c)))
sys.exit(0 if ok else 1)
PY
tap_ok $? "header alg PS256 and x5t#S256 of the certificate; aud the token endpoint, iss = sub = client_id, exp within 10 minutes"
j1=$(stand_json claims.jti < "$STAND_DIR/a1.json")
mo refresh app > /dev/null
j2=$(mock_ctl GET /mock/stats | stand_json last_token_request.assertion.claims.jti 2> /dev/null)
[ $? -eq 0 ] && [ -n "$j2" ] && [ "$j2" != "$j1" ]
tap_ok $? "a second request signs a new assertion (jti $j1 then $j2)"
"$MAILOAUTH_HELPER" status app > "$STAND_DIR/status.out" 2>&1
sha1=$(openssl x509 -in "$D/app.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
grep -q "certificate: *$sha1" "$STAND_DIR/status.out" && grep -q "expires" "$STAND_DIR/status.out"
tap_ok $? "status shows the certificate's thumbprint ($sha1) and expiry"
tap_diag "$(grep certificate "$STAND_DIR/status.out")"

mo authorize app
rc=$?
[ $rc -eq 0 ] && [ "$(last grant_type)" = client_credentials ] &&
	[ "$(last client_assertion_type)" = urn:ietf:params:oauth:client-assertion-type:jwt-bearer ] &&
	grep -q 'New-ServicePrincipal' "$ERR"
tap_ok $? "authorize of the certificate app proves the credentials and explains the Exchange steps (rc=$rc)"

# --- a user's refresh token of a confidential app, with the certificate ----------
e2e_account user "client_id=$CERT_APP" "client_certificate_file=$D/app.crt" \
	"client_key_file=$D/app.key" "client_key_passphrase_command=cat '$D/pass'"
e2e_import user user@contoso.example "" "$CERT_APP"
rc=$?
[ $rc -eq 0 ] && [ "$(last grant_type)" = refresh_token ] && [ "$(last had_client_secret)" = false ] &&
	[ "$(last client_assertion_type)" = urn:ietf:params:oauth:client-assertion-type:jwt-bearer ]
tap_ok $? "a confidential app's refresh grant authenticates with the assertion (passphrase from a command; rc=$rc)"

# --- the browser sign-in of a confidential app, with the certificate --------------
# The code is redeemed with a client assertion (RFC 7523 section 2.2), which
# the mock checks against the uploaded certificate before it looks at the
# code.
unset DISPLAY WAYLAND_DISPLAY
e2e_account web "client_id=$CERT_APP" "client_certificate_file=$D/app.crt" \
	"client_key_file=$D/app.key" "client_key_passphrase_file=$D/pass"
n0=$(total)
si_start web --browser --no-open
url=$(si_url) && si_browser "$url" > "$STAND_DIR/browser.out"
rb=$?
si_wait
[ $rb -eq 0 ] && [ "$SI_RC" -eq 0 ] && grep -q '^redirect 200 Signed in' "$STAND_DIR/browser.out"
tap_ok $? "browser sign-in of the certificate app: authorize exits 0 (rc=$SI_RC, browser $rb)"
[ "$(last grant_type)" = authorization_code ] && [ "$(last had_client_secret)" = false ] &&
	[ "$(last client_assertion_type)" = urn:ietf:params:oauth:client-assertion-type:jwt-bearer ] &&
	[ "$(last code_verifier_present)" = true ] && [ "$(total)" -eq $((n0 + 1)) ]
tap_ok $? "the code was redeemed once, with PKCE and a client assertion, no secret"
mock_ctl GET /mock/stats | stand_json last_token_request.assertion > "$STAND_DIR/a-web.json"
python3 - "$STAND_DIR/a-web.json" "$x5t" "$CERT_APP" "$MOCK_URL/$STAND_TENANT/oauth2/v2.0/token" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
h, c = a["header"], a["claims"]
sys.exit(0 if h.get("x5t#S256") == sys.argv[2] and c.get("aud") == sys.argv[4]
         and c.get("iss") == sys.argv[3] == c.get("sub") else 1)
PY
tap_ok $? "its assertion names the certificate (x5t#S256) and the token endpoint (aud)"
[ -n "$(store_get "$(store_of web)" refresh_token)" ] && [ -n "$(store_get "$(store_of web)" access_token)" ]
tap_ok $? "the refresh and access tokens are stored"
mo refresh web > /dev/null
rc=$?
[ $rc -eq 0 ] && [ "$(last grant_type)" = refresh_token ] && [ "$(last had_client_secret)" = false ]
tap_ok $? "and refresh with the certificate (rc=$rc)"
# A certificate the app registration does not have: the browser part works,
# the redemption is refused (AADSTS700027) and nothing is stored.
e2e_account webother "client_id=$CERT_APP" "client_certificate_file=$D/other.crt" \
	"client_key_file=$D/other.key"
si_start webother --browser --no-open
url=$(si_url) && si_browser "$url" > "$STAND_DIR/browser.out"
si_wait
[ "$SI_RC" -eq 78 ] && grep -q 'AADSTS700027' "$SI_ERR" &&
	grep -q 'upload .*other.crt' "$SI_ERR" && [ ! -e "$(store_of webother)" ] &&
	[ "$(last grant_type)" = authorization_code ]
tap_ok $? "a certificate not uploaded: the mock refuses the code redemption, AADSTS700027 with the fix, exit 78, nothing stored (rc=$SI_RC)"

# --- what goes wrong locally -------------------------------------------------------
cc other "client_certificate_file=$D/other.crt" "client_key_file=$D/other.key"
cc mismatch "client_certificate_file=$D/app.crt" "client_key_file=$D/other.key"
cc nopass "client_certificate_file=$D/app.crt" "client_key_file=$D/app.key"
printf 'wrong\n' > "$D/wrong.pass"
chmod 600 "$D/wrong.pass"
cc wrongpass "client_certificate_file=$D/app.crt" "client_key_file=$D/app.key" \
	"client_key_passphrase_file=$D/wrong.pass"
n0=$(total)
mo token mismatch > /dev/null
rc=$?
[ $rc -eq 78 ] && grep -q "not the private key of the certificate" "$ERR"
tap_ok $? "a key that does not belong to the certificate: exit 78, said so (rc=$rc)"
mo token nopass > /dev/null
rc=$?
[ $rc -eq 78 ] && grep -q "client_key_passphrase_file or client_key_passphrase_command" "$ERR"
tap_ok $? "an encrypted key without a passphrase: exit 78, names the keys (rc=$rc)"
mo token wrongpass > /dev/null
rc=$?
[ $rc -eq 78 ] && grep -q "wrong passphrase" "$ERR"
tap_ok $? "a wrong passphrase: exit 78 (rc=$rc)"
chmod 644 "$D/other.key"
mo token other > /dev/null
rc=$?
[ $rc -eq 78 ] && grep -q chmod "$ERR"
tap_ok $? "a private key that others may read is refused with the chmod that fixes it (rc=$rc)"
chmod 600 "$D/other.key"
[ "$(total)" = "$n0" ]
tap_ok $? "none of these sent a request"

# --- what the identity platform refuses --------------------------------------------
mo token other > /dev/null
rc=$?
[ $rc -eq 78 ] && grep -q AADSTS700027 "$ERR" && grep -q "Certificates & secrets" "$ERR" &&
	grep -q "$(openssl x509 -in "$D/other.crt" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')" "$ERR"
tap_ok $? "a certificate not uploaded: AADSTS700027 with its cure and the thumbprint to upload (rc=$rc)"
tap_diag "$(head -n 3 "$ERR")"

# An expired certificate: refused before anything is sent.
python3 - "$D" <<'PY'
import datetime, os, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
d = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=10))
        .not_valid_after(now - datetime.timedelta(days=1))
        .sign(key, hashes.SHA256()))
fd = os.open(os.path.join(d, "expired.key"), os.O_WRONLY | os.O_CREAT, 0o600)
os.write(fd, key.private_bytes(serialization.Encoding.PEM,
                               serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption()))
os.close(fd)
open(os.path.join(d, "expired.crt"), "wb").write(cert.public_bytes(serialization.Encoding.PEM))
PY
cc expired "client_certificate_file=$D/expired.crt" "client_key_file=$D/expired.key"
n0=$(total)
mo token expired > /dev/null
rc=$?
[ $rc -eq 78 ] && grep -q "expired" "$ERR" && [ "$(total)" = "$n0" ]
tap_ok $? "an expired certificate: exit 78 before any request (rc=$rc)"

# The mock's checks, with assertions made by hand.
python3 - "$D" "$CERT_APP" "$MOCK_URL/$STAND_TENANT/oauth2/v2.0/token" \
	"/$STAND_TENANT/oauth2/v2.0/token" <<'PY'
import base64, hashlib, json, os, sys, time, uuid
sys.path.insert(0, os.environ["STAND_SRC"])
import standlib as S
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
d, client, aud, path = sys.argv[1:5]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
cert = x509.load_pem_x509_certificate(open(os.path.join(d, "app.crt"), "rb").read())
x5t = b64(hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest())
def key(name, pw=None):
    return serialization.load_pem_private_key(open(os.path.join(d, name), "rb").read(), pw)
good = key("app.key", open(os.path.join(d, "pass"), "rb").read().strip())
other = key("other.key")
def jwt(k, **over):
    now = int(time.time())
    c = {"aud": aud, "iss": client, "sub": client, "jti": str(uuid.uuid4()),
         "nbf": now, "iat": now, "exp": now + 300}
    c.update(over)
    h = {"alg": "PS256", "typ": "JWT", "x5t#S256": x5t}
    si = b64(json.dumps(h).encode()) + "." + b64(json.dumps(c).encode())
    sig = k.sign(si.encode(), padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                 hashes.SHA256())
    return si + "." + b64(sig)
def post(a):
    st, _, obj = S.post_form(path, {"grant_type": "client_credentials", "client_id": client,
        "scope": "https://outlook.office365.com/.default",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": a})
    return st, (obj.get("error_codes") or [None])[0]
res = []
a = jwt(good)
res.append(("a good assertion", post(a), (200, None)))
res.append(("the same assertion again (replayed jti)", post(a), (401, 7000274)))
now = int(time.time())
res.append(("an expired assertion", post(jwt(good, exp=now - 600, nbf=now - 900, iat=now - 900)),
            (401, 700024)))
res.append(("signed with another key", post(jwt(other)), (401, 700027)))
res.append(("for another audience", post(jwt(good, aud="https://login.example/token")), (401, 700023)))
res.append(("for another client", post(jwt(good, iss="someone", sub="someone")), (401, 700021)))
bad = 0
for what, got, want in res:
    ok = got == want
    bad += not ok
    print("# %s: the mock, %s: HTTP %s AADSTS%s" % ("ok" if ok else "FAILED", what, got[0], got[1]))
sys.exit(1 if bad else 0)
PY
tap_ok $? "the mock accepts a good assertion once and refuses a replayed (7000274), expired (700024), wrongly signed (700027), wrongly addressed (700023) or foreign (700021) one"
e2e_no_secrets "$VLOG" > /dev/null
tap_ok $? "no secret of the mock in the verbose output"
grep -q "correct horse" "$VLOG"
[ $? -ne 0 ]
tap_ok $? "the key's passphrase is not in the verbose output"
tap_done
