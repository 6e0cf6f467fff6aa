#!/bin/sh
# SPDX-License-Identifier: MIT
#
# selftest.sh — proves the test stand works (TAP output).
#
# Starts the stand (mock identity platform + private Dovecot + SMTP sink),
# checks the mock's OAuth behaviour over HTTPS with the test CA, then real
# logins against Dovecot with Python's poplib/imaplib/smtplib, then stops
# everything and checks that no process it started is left.
#
# Exit 0: all passed (or skipped: "1..0 # SKIP" when a prerequisite is
# missing and CI is not set); 1: something failed (with CI=true a missing
# prerequisite is a failure).  tests/stand/skip.sh checks the skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
STAND_SRC=$here
# shellcheck source=tests/stand/stand.sh disable=SC1091
. "$STAND_SRC/stand.sh"
# shellcheck source=tests/lib/tap.sh disable=SC1091
. "$here/../lib/tap.sh"

PLAN=32

missing=''
for c in python3 openssl dovecot; do
	command -v "$c" > /dev/null 2>&1 || missing="$missing $c"
done
[ -z "$missing" ] || tap_skip_all "missing:$missing"

echo "1..$PLAN"
n=0
failed=0

# check DESC CMD... — run CMD in this shell (stand_start must not run in a
# subshell), print a TAP line, show its output on failure.
check() {
	_desc=$1
	shift
	n=$((n + 1))
	if "$@" > "$out" 2>&1; then
		echo "ok $n - $_desc"
	else
		echo "not ok $n - $_desc"
		sed 's/^/#   /' "$out"
		failed=$((failed + 1))
	fi
}

# py — run the Python snippet on stdin with standlib imported (as S).
py() {
	PYTHONPATH=$STAND_SRC PYTHONDONTWRITEBYTECODE=1 python3 -c '
import sys
import standlib as S
from standlib import *
exec(compile(sys.stdin.read(), "check", "exec"))
' "$@"
}

out=$(mktemp "${TMPDIR:-/tmp}/stand-selftest.XXXXXX")
stand_cleanup_on_exit
# shellcheck disable=SC2154
trap 'stand__rc=$?; stand_stop; rm -f "$out"; exit $stand__rc' EXIT
start=$(date +%s)
check "stand_start brings up the mock and Dovecot" stand_start
if [ "$failed" -ne 0 ]; then
	echo "Bail out! the stand did not start"
	exit 1
fi

# -- mock identity platform ------------------------------------------------

check "OIDC discovery lists the endpoints" py <<'EOF'
st, h, o = get("/%s/v2.0/.well-known/openid-configuration" % TENANT)
assert st == 200, st
import json
o = json.loads(o)
assert o["token_endpoint"].endswith("/%s/oauth2/v2.0/token" % TENANT), o
assert o["device_authorization_endpoint"].endswith("/devicecode"), o
assert o["issuer"] == "https://login.microsoftonline.com/%s/v2.0" % TENANT
EOF

check "refresh rotates: new RT each time, old RT still valid" py <<'EOF'
rt0 = seed(USER)["refresh_token"]
st, h, a = refresh(rt0)
assert st == 200, a
st, h, b = refresh(a["refresh_token"])
assert st == 200, b
assert len({rt0, a["refresh_token"], b["refresh_token"]}) == 3
assert a["token_type"] == "Bearer" and isinstance(a["expires_in"], int)
assert isinstance(a["ext_expires_in"], int)
assert "offline_access" in a["scope"].split(), a["scope"]
assert h["cache-control"] == "no-store, no-cache" and h["pragma"] == "no-cache"
assert h["content-type"] == "application/json; charset=utf-8"
st, h, c = refresh(rt0)
assert st == 200, c
EOF

check "old_rt_valid=false: a rotated-away RT fails with 70008" py <<'EOF'
ctl("POST", "/mock/config", {"old_rt_valid": False})
try:
    rt0 = seed(USER)["refresh_token"]
    st, h, a = refresh(rt0)
    assert st == 200, a
    st, h, b = refresh(rt0)
    check_ms_error(st, h, b, "invalid_grant", 70008)
    st, h, c = refresh(a["refresh_token"])
    assert st == 200, c
finally:
    ctl("POST", "/mock/config", {"old_rt_valid": True})
EOF

check "error replies carry every Microsoft field (700025, 401)" py <<'EOF'
rt = seed(USER)["refresh_token"]
st, h, o = refresh(rt, secret="not-allowed")
check_ms_error(st, h, o, "invalid_client", 700025, 401)
st, h, o = token({"grant_type": "refresh_token", "refresh_token": rt})
check_ms_error(st, h, o, "invalid_request", 900144)
st, h, o = token({"client_id": "00000000-0000-0000-0000-0000000bad00",
                  "grant_type": "refresh_token", "refresh_token": rt})
check_ms_error(st, h, o, "unauthorized_client", 700016)
EOF

check "revoke: invalid_grant 70008 / 50173, access tokens inactive" py <<'EOF'
g = seed(OTHER_USER)
ctl("POST", "/mock/revoke", {"user": OTHER_USER, "code": 70008})
st, h, o = refresh(g["refresh_token"])
check_ms_error(st, h, o, "invalid_grant", 70008)
g2 = seed(OTHER_USER)
st, r = ctl("POST", "/mock/revoke", {"refresh_token": g2["refresh_token"],
                                      "code": 50173, "access": True})
assert r["revoked_access_tokens"] == 1, r
st, h, o = refresh(g2["refresh_token"])
check_ms_error(st, h, o, "invalid_grant", 50173)
st, h, o = post_form("/introspect", {"token": g2["access_token"]})
assert st == 200 and o == {"active": False}, o
EOF

check "fault: 503 with Retry-After, then success" py <<'EOF'
rt = seed(USER)["refresh_token"]
ctl("POST", "/mock/fault", {"endpoint": "token", "count": 1, "status": 503,
                            "retry_after": 2})
st, h, o = refresh(rt)
assert st == 503 and h.get("retry-after") == "2", (st, h)
assert o["error"] == "temporarily_unavailable", o
st, h, o = refresh(rt)
assert st == 200, o
ctl("POST", "/mock/fault", [{"endpoint": "token", "body": "garbage"},
                            {"endpoint": "token", "error": "invalid_grant",
                             "aadsts": 50076, "suberror": "basic_action"}])
st, h, raw = request("POST", "/common/oauth2/v2.0/token", "x=y",
                     {"Content-Type": "application/x-www-form-urlencoded"})
assert st == 200 and h["content-type"].startswith("application/json")
try:
    json.loads(raw)
    raise AssertionError("garbage body parsed as JSON")
except ValueError:
    pass
st, h, o = refresh(rt)
check_ms_error(st, h, o, "invalid_grant", 50076)
assert o["suberror"] == "basic_action", o
EOF

check "device flow: pending, approve, tokens; redeemed code refused" py <<'EOF'
st, h, d = post_form("/organizations/oauth2/v2.0/devicecode",
                     {"client_id": PUBLIC_CLIENT_ID,
                      "scope": SCOPE_POP + " offline_access"})
assert st == 200, d
assert set(d) == {"device_code", "user_code", "verification_uri",
                  "expires_in", "interval", "message"}, d
assert d["expires_in"] == 900 and d["interval"] == 5, d
assert d["user_code"] in d["message"] and len(d["user_code"]) == 9, d
poll = {"client_id": PUBLIC_CLIENT_ID, "device_code": d["device_code"],
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
st, h, o = token(poll, "organizations")
check_ms_error(st, h, o, "authorization_pending", 70016)
st, pend = ctl("GET", "/mock/device")
assert d["user_code"] in [p["user_code"] for p in pend], pend
st, r = ctl("POST", "/mock/device", {"user_code": d["user_code"],
                                      "action": "approve"})
assert st == 200, r
st, h, o = token(poll, "organizations")
assert st == 200 and o["refresh_token"] and o["access_token"], o
assert o["scope"] == SCOPE_POP + " offline_access", o
st, h, o = token(poll, "organizations")
assert st == 400 and o["error"] == "invalid_grant", o
st, h, o = token({"client_id": PUBLIC_CLIENT_ID, "device_code": "nope",
                  "grant_type": poll["grant_type"]}, "organizations")
check_ms_error(st, h, o, "bad_verification_code", 70000)
EOF

check "device flow: slow_down, decline, expiry, public flows off" py <<'EOF'
ctl("POST", "/mock/config", {"slow_down_polls": 1, "device_interval": 1})
try:
    st, h, d = post_form("/common/oauth2/v2.0/devicecode",
                         {"client_id": PUBLIC_CLIENT_ID, "scope": SCOPE_IMAP})
    assert d["interval"] == 1, d
    poll = {"client_id": PUBLIC_CLIENT_ID, "device_code": d["device_code"],
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
    st, h, o = token(poll)
    assert o["error"] == "slow_down", o
    ctl("POST", "/mock/device", {"user_code": d["user_code"], "action": "deny"})
    st, h, o = token(poll)
    assert o["error"] == "authorization_declined", o
finally:
    ctl("POST", "/mock/config", {"slow_down_polls": 0, "device_interval": 5})
st, h, d = post_form("/common/oauth2/v2.0/devicecode",
                     {"client_id": PUBLIC_CLIENT_ID, "scope": SCOPE_IMAP})
ctl("POST", "/mock/device", {"user_code": d["user_code"], "action": "expire"})
poll["device_code"] = d["device_code"]
st, h, o = token(poll)
check_ms_error(st, h, o, "expired_token", 70019)
ctl("POST", "/mock/apps", {"client_id": "00000000-0000-0000-0000-00000000a0ff",
                           "allow_public_client_flows": False})
st, h, d = post_form("/common/oauth2/v2.0/devicecode",
                     {"client_id": "00000000-0000-0000-0000-00000000a0ff",
                      "scope": SCOPE_IMAP})
poll.update(client_id="00000000-0000-0000-0000-00000000a0ff",
            device_code=d["device_code"])
st, h, o = token(poll)
check_ms_error(st, h, o, "invalid_client", 7000218, 401)
EOF

check "authorize: 302 with code and state; PKCE S256 checked" py <<'EOF'
import base64, hashlib
from urllib.parse import urlencode, urlsplit, parse_qs
verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
challenge = base64.urlsafe_b64encode(
    hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
assert challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
ru = "http://localhost:54321"
q = {"client_id": PUBLIC_CLIENT_ID, "response_type": "code",
     "redirect_uri": ru, "scope": SCOPE_POP + " offline_access openid profile",
     "state": "st-123", "code_challenge": challenge,
     "code_challenge_method": "S256", "login_hint": OTHER_USER}
st, h, body = get("/common/oauth2/v2.0/authorize?" + urlencode(q))
assert st == 302, (st, body)
loc = urlsplit(h["location"])
assert loc.scheme == "http" and loc.netloc == "localhost:54321", loc
assert loc.path == "/", loc            # trailing-slash rule
args = parse_qs(loc.query)
assert args["state"] == ["st-123"] and args["code"][0], args
form = {"client_id": PUBLIC_CLIENT_ID, "grant_type": "authorization_code",
        "code": args["code"][0], "redirect_uri": ru,
        "code_verifier": "wrong" + verifier[5:],
        "scope": SCOPE_POP + " offline_access openid"}
st, h, o = token(form)
check_ms_error(st, h, o, "invalid_grant", 501481)
form["code_verifier"] = verifier
st, h, o = token(form)
assert st == 200 and o["refresh_token"] and o["id_token"], o
claims = json.loads(base64.urlsafe_b64decode(
    o["id_token"].split(".")[1] + "=="))
assert claims["preferred_username"] == OTHER_USER, claims
assert claims["aud"] == PUBLIC_CLIENT_ID and claims["ver"] == "2.0", claims
st, h, o = token(form)
check_ms_error(st, h, o, "invalid_grant", 54005)
st, stats = ctl("GET", "/mock/stats")
assert stats["last_token_request"]["code_verifier_present"] is True, stats
EOF

check "authorize: redirect mismatch is an AADSTS50011 page, no redirect" py <<'EOF'
from urllib.parse import urlencode
for ru in ("http://localhost:1234/other", "http://[::1]:1234",
           "https://localhost", "http://127.0.0.1:1234"):
    q = {"client_id": PUBLIC_CLIENT_ID, "response_type": "code",
         "redirect_uri": ru, "scope": SCOPE_IMAP, "state": "s"}
    st, h, body = get("/common/oauth2/v2.0/authorize?" + urlencode(q))
    assert st == 400 and "location" not in h, (ru, st, h)
    assert "AADSTS50011" in body, body
ctl("POST", "/mock/fault", {"endpoint": "authorize", "error": "access_denied",
                            "aadsts": 65004})
q["redirect_uri"] = "http://localhost/"
st, h, body = get("/common/oauth2/v2.0/authorize?" + urlencode(q))
assert st == 302 and "error=access_denied" in h["location"], h
assert "state=s" in h["location"], h
EOF

check "confidential app: secret rules and client credentials" py <<'EOF'
g = seed(USER, client_id=CONFIDENTIAL_CLIENT_ID)
st, h, o = refresh(g["refresh_token"], CONFIDENTIAL_CLIENT_ID)
check_ms_error(st, h, o, "invalid_client", 7000218, 401)
st, h, o = refresh(g["refresh_token"], CONFIDENTIAL_CLIENT_ID, secret="bad")
check_ms_error(st, h, o, "invalid_client", 7000215, 401)
st, h, o = refresh(g["refresh_token"], CONFIDENTIAL_CLIENT_ID,
                   secret=CONFIDENTIAL_SECRET)
assert st == 200, o
cc = {"client_id": CONFIDENTIAL_CLIENT_ID, "grant_type": "client_credentials",
      "client_secret": CONFIDENTIAL_SECRET,
      "scope": "https://outlook.office365.com/.default"}
st, h, o = token(cc, "common")
check_ms_error(st, h, o, "invalid_request", 9001023)
st, h, o = token(cc, TENANT)
assert st == 200 and "refresh_token" not in o and o["access_token"], o
st, h, i = post_form("/introspect", {"token": o["access_token"]},
                     {"X-Dovecot-Auth-Service": "imap"})
assert i["active"] is True and i["email"] == USER, i
EOF

check "64 parallel token requests all succeed" py <<'EOF'
import threading
rts = [seed(USER)["refresh_token"] for _ in range(64)]
res = []
def one(rt):
    st, h, o = refresh(rt)
    res.append(st)
ts = [threading.Thread(target=one, args=(rt,)) for rt in rts]
[t.start() for t in ts]
[t.join() for t in ts]
assert res.count(200) == 64, res
EOF

# -- Dovecot -----------------------------------------------------------------

stand_seed_mail "$STAND_USER" 3 1500
TOKEN=$(stand_seed_token "$STAND_USER")
export TOKEN

check "POP3 two-step AUTH XOAUTH2 ('+ ' continuation), STAT = 3" py <<'EOF'
import os
p = poplib.POP3("127.0.0.1", int(os.environ["DOVECOT_POP3_PORT"]))
r = p._shortcmd("AUTH XOAUTH2")
assert r == b"+ ", r
r = p._shortcmd(xoauth2(USER, os.environ["TOKEN"]))
assert r == b"+OK Logged in.", r
assert p.stat()[0] == 3, p.stat()
p.quit()
EOF

check "POP3S (implicit TLS, verified) XOAUTH2 login" py <<'EOF'
import os
p = pop3_xoauth2(USER, os.environ["TOKEN"], tls=True)
assert p.stat()[0] == 3
p.quit()
EOF

check "IMAP AUTHENTICATE XOAUTH2, SELECT shows 3" py <<'EOF'
import os
m = imap_xoauth2(USER, os.environ["TOKEN"])
typ, data = m.select("INBOX")
assert typ == "OK" and data == [b"3"], (typ, data)
m.logout()
m = imap_xoauth2(USER, os.environ["TOKEN"], tls=True)
m.logout()
EOF

check "IMAP AUTHENTICATE OAUTHBEARER" py <<'EOF'
import os
m = imaplib.IMAP4("127.0.0.1", int(os.environ["DOVECOT_IMAP_PORT"]))
tok = os.environ["TOKEN"]
m.authenticate("OAUTHBEARER", lambda c: (
    "n,a=%s,\x01auth=Bearer %s\x01\x01" % (USER, tok)).encode())
assert m.select("INBOX")[0] == "OK"
m.logout()
EOF

check "bad token: 401 JSON challenge, then -ERR [AUTH] Authentication failed." py <<'EOF'
try:
    pop3_xoauth2(USER, "EwBnot-a-real-token")
    raise AssertionError("login succeeded")
except AuthFailed as e:
    assert e.challenge == '{"status":"401","schemes":"bearer","scope":"mail"}', e.challenge
    assert e.reply == b"-ERR [AUTH] Authentication failed.", e.reply
try:
    imap_xoauth2(USER, "EwBnot-a-real-token")
    raise AssertionError("login succeeded")
except imaplib.IMAP4.error as e:
    assert "AUTHENTICATIONFAILED" in str(e), e
EOF

check "token for another user is refused" py <<'EOF'
import os
try:
    pop3_xoauth2(OTHER_USER, os.environ["TOKEN"])
    raise AssertionError("login succeeded")
except AuthFailed as e:
    assert e.reply.startswith(b"-ERR"), e.reply
EOF

check "token without the POP scope: POP3 fails, IMAP works" py <<'EOF'
g = seed(USER, scope=SCOPE_IMAP + " offline_access")
assert "POP" not in g["scope"], g["scope"]
try:
    pop3_xoauth2(USER, g["access_token"])
    raise AssertionError("POP3 login succeeded")
except AuthFailed as e:
    assert e.reply == b"-ERR [AUTH] Authentication failed.", e.reply
m = imap_xoauth2(USER, g["access_token"])
m.logout()
EOF

check "grant_scopes override yields a token without POP via refresh" py <<'EOF'
ctl("POST", "/mock/config",
    {"grant_scopes": SCOPE_IMAP})
try:
    from urllib.parse import urlencode, urlsplit, parse_qs
    q = {"client_id": PUBLIC_CLIENT_ID, "response_type": "code",
         "redirect_uri": "http://localhost:1", "state": "x",
         "scope": SCOPE_POP + " " + SCOPE_IMAP + " offline_access"}
    st, h, b = get("/common/oauth2/v2.0/authorize?" + urlencode(q))
    code = parse_qs(urlsplit(h["location"]).query)["code"][0]
    st, h, o = token({"client_id": PUBLIC_CLIENT_ID, "code": code,
                      "grant_type": "authorization_code",
                      "redirect_uri": "http://localhost:1"})
    assert st == 200 and o["scope"] == SCOPE_IMAP + " offline_access", o
finally:
    ctl("POST", "/mock/config", {"grant_scopes": None})
try:
    pop3_xoauth2(USER, o["access_token"])
    raise AssertionError("POP3 login succeeded")
except AuthFailed:
    pass
EOF

check "broken mailbox: POP3 +OK Logged in. then STAT fails" py <<'EOF'
g = seed(BROKEN_USER)
p = pop3_xoauth2(BROKEN_USER, g["access_token"])
try:
    p.stat()
    raise AssertionError("STAT worked")
except poplib.error_proto as e:
    assert str(e).startswith("b'-ERR"), e
EOF

check "broken mailbox: IMAP logged in, SELECT fails" py <<'EOF'
g = seed(BROKEN_USER)
m = imap_xoauth2(BROKEN_USER, g["access_token"])
typ, data = m.select("INBOX")
assert typ == "NO", (typ, data)
EOF

check "PLAIN with the passwd-file (POP3 USER/PASS, IMAP LOGIN)" py <<'EOF'
import os
pw = os.environ["STAND_PLAIN_PASSWORD"]
p = poplib.POP3("127.0.0.1", int(os.environ["DOVECOT_POP3_PORT"]))
p.user(USER)
p.pass_(pw)
assert p.stat()[0] == 3
p.quit()
m = imaplib.IMAP4("127.0.0.1", int(os.environ["DOVECOT_IMAP_PORT"]))
m.login(OTHER_USER, pw)
m.logout()
EOF

check "submission: AUTH XOAUTH2 (two-step), message reaches the sink" py <<'EOF'
import os, smtplib, glob, time
s = smtplib.SMTP("127.0.0.1", int(os.environ["DOVECOT_SUBMISSION_PORT"]))
s.ehlo()
code, _ = s.docmd("AUTH", "XOAUTH2")
assert code == 334, code
code, msg = s.docmd(xoauth2(USER, os.environ["TOKEN"]))
assert code == 235, (code, msg)
s.sendmail(USER, ["rcpt@example.org"], "Subject: stand\r\n\r\nhello\r\n")
s.quit()
for _ in range(100):
    got = glob.glob(os.path.join(os.environ["STAND_SINK_DIR"], "msg-*.eml"))
    if got:
        break
    time.sleep(0.05)
assert got, "nothing relayed"
assert b"hello" in open(got[0], "rb").read()
EOF

check "introspection 500 / garbage: Dovecot tempfails, then logs in again" py <<'EOF'
import os
tok = os.environ["TOKEN"]
for fault in ({"status": 500}, {"body": "garbage"}, {"body": "empty"}):
    fault["endpoint"] = "introspect"
    ctl("POST", "/mock/fault", fault)
    try:
        pop3_xoauth2(USER, tok)
        raise AssertionError("login succeeded despite %r" % fault)
    except AuthFailed as e:
        assert e.reply.startswith(b"-ERR [SYS/TEMP] "), e.reply
    p = pop3_xoauth2(USER, tok)     # same kept-alive HTTP connection
    p.quit()
EOF

check "Dovecot introspected with X-Dovecot-Auth-Service (stats count)" py <<'EOF'
import os
st, s = ctl("GET", "/mock/stats")
assert s["introspect"] >= 10, s
log = open(os.environ["MOCK_LOG"]).read()
for svc in ("pop3 active=True", "imap active=True", "submission active=True",
            "pop3 active=False"):
    assert svc in log, svc
EOF

check "no secret in the mock log or the Dovecot log" py <<'EOF'
import os
st, secrets = ctl("GET", "/mock/secrets")
assert len(secrets) > 100, len(secrets)
for f in (os.environ["MOCK_LOG"], os.environ["DOVECOT_LOG"]):
    text = open(f, errors="replace").read()
    leaked = [s[:12] for s in secrets if s in text]
    assert not leaked, (f, leaked)
EOF

check "reset forgets grants and counters" py <<'EOF'
g = seed(USER)
st, r = ctl("POST", "/mock/reset")
assert st == 200, r
st, h, o = refresh(g["refresh_token"])
check_ms_error(st, h, o, "invalid_grant", 9002313)
st, s = ctl("GET", "/mock/stats")
assert s["introspect"] == 0 and s["token"]["total"] == 1, s
EOF

check "garbage requests do not hurt the mock" py <<'EOF'
import socket, ssl, os
ctx = ssl.create_default_context(cafile=os.environ["STAND_CA"])
port = int(os.environ["MOCK_PORT"])
for payload in (b"GARBAGE\r\n\r\n", b"POST /introspect HTTP/1.1\r\n"
                b"Content-Length: 99999999\r\n\r\n",
                b"\x00\xff" * 100 + b"\r\n\r\n",
                b"GET /mock/stats HTTP/1.1\r\nContent-Length: -5\r\n\r\n"):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)),
                        server_hostname="127.0.0.1")
    s.sendall(payload)
    s.settimeout(5)
    try:
        s.recv(4096)
    except OSError:
        pass
    s.close()
socket.create_connection(("127.0.0.1", port)).close()   # no TLS at all
st, h, raw = request("POST", "/introspect", "x" * (70 * 1024),
                     {"Content-Type": "application/x-www-form-urlencoded"})
assert st == 413, st
st, s = ctl("GET", "/mock/stats")
assert st == 200
EOF

# -- shutdown ------------------------------------------------------------------

# All processes the stand started, and their children, before stopping.
started=''
for f in "$STAND_DIR"/pids/*; do
	started="$started $(cat "$f")"
done
# shellcheck disable=SC2086
started="$started $(python3 "$STAND_SRC/standlib.py" descendants $started)"
dir=$STAND_DIR
stopped_cleanly() {
	stand_stop || return 1
	# shellcheck disable=SC2086
	left=$(stand__alive $started)
	if [ -n "$left" ]; then
		echo "still running: $left"
		ps -o pid,cmd -p "$(echo "$left" | tr ' ' ,)"
		return 1
	fi
	[ ! -e "$dir" ] || { echo "$dir not removed"; return 1; }
}
check "stand_stop stops every process it started and removes STAND_DIR" \
	stopped_cleanly

mock_only() (
	stand_start --no-dovecot || exit 1
	[ ! -e "$STAND_DIR/pids/dovecot" ] || { echo "Dovecot started"; exit 1; }
	mock_ctl GET /mock/stats > /dev/null || exit 1
	tok=$(stand_seed_token "$STAND_USER") || exit 1
	[ "${#tok}" -eq 1500 ] || { echo "token length ${#tok}"; exit 1; }
	d=$STAND_DIR
	pid=$(cat "$d/pids/mock")
	stand_stop
	[ ! -e "$d" ] && [ -z "$(stand__alive "$pid")" ]
)
check "stand_start --no-dovecot: mock only, seeded token, clean stop" mock_only

end=$(date +%s)
echo "# $n tests, $failed failed, $((end - start)) s"
if [ "$n" -ne "$PLAN" ]; then
	echo "# planned $PLAN tests but ran $n"
	exit 1
fi
[ "$failed" -eq 0 ]
