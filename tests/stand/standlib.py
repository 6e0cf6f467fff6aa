#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""standlib.py — helpers for the test stand, as a module and as a CLI.

As a module (tests written in Python; needs the environment that
stand_start exported: MOCK_URL, STAND_CA, DOVECOT_*_PORT):

    import sys, os; sys.path.insert(0, os.environ["STAND_SRC"])
    import standlib as S
    status, obj = S.ctl("POST", "/mock/seed", {"user": S.USER})
    status, hdrs, obj = S.post_form("/common/oauth2/v2.0/token", {...})
    status, hdrs, body = S.get("/common/oauth2/v2.0/authorize?...")
    p = S.pop3_xoauth2(S.USER, token)      # logged-in poplib.POP3, or raises
    m = S.imap_xoauth2(S.USER, token)      # logged-in imaplib.IMAP4

As a CLI (used by stand.sh; not a stable interface for tests):
    standlib.py ctl METHOD PATH [JSON]       print the body; exit 1 if >= 400
    standlib.py json KEY                     print KEY of the JSON on stdin
    standlib.py free-ports N                 N free TCP ports on 127.0.0.1
    standlib.py wait-ports SECONDS PORT...   wait until all accept connections
    standlib.py descendants PID...           PIDs of all their descendants
    standlib.py seed-mail MAILDIR N SIZE UID GID   write N messages into new/
"""

import base64
import http.client
import imaplib
import json
import os
import poplib
import random
import re
import socket
import ssl
import sys
import time
from urllib.parse import urlencode, urlsplit

USER = "user@contoso.example"
OTHER_USER = "other@contoso.example"
BROKEN_USER = "broken@contoso.example"
PUBLIC_CLIENT_ID = "00000000-0000-0000-0000-00000000a001"
CONFIDENTIAL_CLIENT_ID = "00000000-0000-0000-0000-00000000c001"
CONFIDENTIAL_SECRET = "s3cr3t~Value.with-Chars_"
TENANT = "11111111-2222-3333-4444-555555555555"

SCOPE_POP = "https://outlook.office.com/POP.AccessAsUser.All"
SCOPE_IMAP = "https://outlook.office.com/IMAP.AccessAsUser.All"
SCOPE_SMTP = "https://outlook.office.com/SMTP.Send"


# -- HTTPS to the mock -------------------------------------------------------

def _conn(timeout=30):
    url = urlsplit(os.environ["MOCK_URL"])
    ctx = ssl.create_default_context(cafile=os.environ["STAND_CA"])
    return http.client.HTTPSConnection(url.hostname, url.port, context=ctx,
                                       timeout=timeout)


def request(method, path, body=None, headers=None, timeout=30):
    """One HTTPS request to the mock.  Returns (status, headers, raw body)."""
    c = _conn(timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def _decode(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def ctl(method, path, obj=None):
    """Control-API call: (status, decoded JSON)."""
    body = json.dumps(obj) if obj is not None else None
    hdrs = {"Content-Type": "application/json"} if body is not None else {}
    status, _, raw = request(method, path, body, hdrs)
    return status, _decode(raw)


def post_form(path, form, headers=None):
    """Form POST (token, devicecode, introspect): (status, headers, JSON)."""
    hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
    hdrs.update(headers or {})
    status, h, raw = request("POST", path, urlencode(form), hdrs)
    return status, h, _decode(raw)


def get(path):
    """GET without following redirects: (status, headers, text)."""
    status, h, raw = request("GET", path)
    return status, h, raw.decode("utf-8", "replace")


def seed(user=USER, scope=None, client_id=None):
    obj = {"user": user}
    if scope:
        obj["scope"] = scope
    if client_id:
        obj["client_id"] = client_id
    status, reply = ctl("POST", "/mock/seed", obj)
    if status != 200:
        raise RuntimeError("seed failed: %r" % (reply,))
    return reply


def token(form, tenant="common", headers=None):
    """POST to /{tenant}/oauth2/v2.0/token: (status, headers, JSON)."""
    return post_form("/%s/oauth2/v2.0/token" % tenant, form, headers)


def refresh(rt, client_id=PUBLIC_CLIENT_ID, scope=None, secret=None):
    form = {"client_id": client_id, "grant_type": "refresh_token",
            "refresh_token": rt}
    if scope:
        form["scope"] = scope
    if secret is not None:
        form["client_secret"] = secret
    return token(form)


MS_ERROR_RE = re.compile(
    r"^AADSTS(\d+): .+\r\nTrace ID: [0-9a-f-]{36}\r\n"
    r"Correlation ID: [0-9a-f-]{36}\r\n"
    r"Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", re.S)


def check_ms_error(status, hdrs, obj, error, code, http_status=400):
    """Assert a Microsoft-shaped error reply; raises AssertionError."""
    def need(cond, what):
        if not cond:
            raise AssertionError("%s (status %s, reply %r)"
                                 % (what, status, obj))
    need(status == http_status, "HTTP status %d expected" % http_status)
    need(isinstance(obj, dict), "JSON object expected")
    need(obj.get("error") == error, "error %s expected" % error)
    m = MS_ERROR_RE.match(obj.get("error_description", ""))
    need(m is not None, "error_description shape")
    need(int(m.group(1)) == code, "AADSTS%d expected" % code)
    need(obj.get("error_codes") == [code], "error_codes [%d]" % code)
    for k in ("timestamp", "trace_id", "correlation_id"):
        need(isinstance(obj.get(k), str) and obj[k], "field %s" % k)
    need(obj.get("error_uri") ==
         "https://login.microsoftonline.com/error?code=%d" % code,
         "error_uri")
    need(hdrs.get("content-type") == "application/json; charset=utf-8",
         "Content-Type")
    need(hdrs.get("cache-control") == "no-store, no-cache", "Cache-Control")
    need(hdrs.get("pragma") == "no-cache", "Pragma")


# -- mail protocols ---------------------------------------------------------

def xoauth2(user, token):
    """base64 of the XOAUTH2 initial response."""
    raw = "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)
    return base64.b64encode(raw.encode()).decode()


class AuthFailed(poplib.error_proto):
    """POP3 login refused: .reply is the final -ERR line (bytes),
    .challenge the decoded error challenge (str) or None."""

    def __init__(self, reply, challenge):
        super().__init__(reply)
        self.reply = reply
        self.challenge = challenge


def _client_ctx():
    return ssl.create_default_context(cafile=os.environ["STAND_CA"])


def pop3_xoauth2(user, token, tls=False, timeout=30):
    """Log in with the two-step AUTH XOAUTH2 (as Office 365 wants it).
    Returns the poplib.POP3 object; raises AuthFailed (a poplib.error_proto)
    after answering an error challenge with an empty line."""
    if tls:
        p = poplib.POP3_SSL("127.0.0.1", int(os.environ["DOVECOT_POP3S_PORT"]),
                            context=_client_ctx(), timeout=timeout)
    else:
        p = poplib.POP3("127.0.0.1", int(os.environ["DOVECOT_POP3_PORT"]),
                        timeout=timeout)
    try:
        r = p._shortcmd("AUTH XOAUTH2")
        if not r.startswith(b"+"):
            raise poplib.error_proto(r)
        p._putcmd(xoauth2(user, token))
        r = p._getline()[0]
        challenge = None
        if r.startswith(b"+ "):            # error challenge: ack, then -ERR
            challenge = base64.b64decode(r[2:]).decode("utf-8", "replace")
            p._putcmd("")
            r = p._getline()[0]
        if not r.startswith(b"+OK"):
            raise AuthFailed(r, challenge)
        return p
    except Exception:
        p.close()
        raise


def imap_xoauth2(user, token, tls=False, timeout=30):
    """AUTHENTICATE XOAUTH2; returns the logged-in imaplib.IMAP4 object or
    raises imaplib.IMAP4.error."""
    if tls:
        m = imaplib.IMAP4_SSL("127.0.0.1",
                              int(os.environ["DOVECOT_IMAPS_PORT"]),
                              ssl_context=_client_ctx(), timeout=timeout)
    else:
        m = imaplib.IMAP4("127.0.0.1", int(os.environ["DOVECOT_IMAP_PORT"]),
                          timeout=timeout)
    raw = ("user=%s\x01auth=Bearer %s\x01\x01" % (user, token)).encode()
    sent = []

    def answer(challenge):
        if sent:               # error challenge: empty response
            return b""
        sent.append(1)
        return raw
    try:
        m.authenticate("XOAUTH2", answer)
        return m
    except Exception:
        m.shutdown()
        raise


# -- CLI helpers ------------------------------------------------------------

def free_ports(n):
    """n distinct currently-free ports, picked at random from 20000-32000
    (below Linux's ephemeral range, so outgoing connections never take
    them) and checked by binding."""
    socks, ports = [], []
    rng = random.SystemRandom()
    try:
        while len(ports) < n:
            p = rng.randrange(20000, 32000)
            if p in ports:
                continue
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                s.close()
                continue
            socks.append(s)
            ports.append(p)
    finally:
        for s in socks:
            s.close()
    return ports


def wait_ports(seconds, ports):
    deadline = time.time() + seconds
    pending = list(ports)
    while pending:
        p = pending[0]
        try:
            socket.create_connection(("127.0.0.1", p), timeout=1).close()
            pending.pop(0)
            continue
        except OSError:
            pass
        if time.time() > deadline:
            return pending
        time.sleep(0.02)
    return []


def descendants(pids):
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [int(p) for p in pids]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


FILLER = ("The quick brown fox jumps over the lazy dog; mailoauth stand"
          " filler text 0123456789.\n")


def seed_mail(maildir, n, size, uid, gid):
    """Write n messages of about `size` bytes into maildir/new.  Names carry
    S= (file size) and W= (size with CRLF) so Dovecot need not read them."""
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        os.chown(os.path.join(maildir, sub), uid, gid)
    os.chown(maildir, uid, gid)
    now = int(time.time())
    tag = "%d_%d" % (os.getpid(), random.randrange(1 << 30))
    host = socket.gethostname().replace("/", "_").replace(":", "_")
    for i in range(n):
        head = ("From: Stand Sender <sender@example.org>\n"
                "To: <mailbox@contoso.example>\n"
                "Subject: stand message %d of %d\n"
                "Date: %s\n"
                "Message-ID: <%d.%s.%d@stand.example>\n"
                "MIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=us-ascii\n\n"
                % (i + 1, n, time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                                            time.gmtime(now)), now, tag, i))
        need = max(size - len(head), 1)
        reps = need // len(FILLER) + 1
        body = (FILLER * reps)[:need]
        if not body.endswith("\n"):
            body = body[:-1] + "\n"
        data = (head + body).encode()
        lines = data.count(b"\n")
        name = "%d.M%dP%s.%s,S=%d,W=%d" % (now, i, tag, host, len(data),
                                            len(data) + lines)
        path = os.path.join(maildir, "new", name)
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, uid, gid)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 64
    cmd, args = argv[0], argv[1:]
    if cmd == "ctl":
        if len(args) not in (2, 3):
            print("usage: ctl METHOD PATH [JSON]", file=sys.stderr)
            return 64
        body = args[2] if len(args) == 3 else None
        hdrs = {"Content-Type": "application/json"} if body else {}
        try:
            status, _, raw = request(args[0].upper(), args[1], body, hdrs)
        except (OSError, ssl.SSLError) as e:
            print("mock_ctl: %s" % e, file=sys.stderr)
            return 1
        sys.stdout.write(raw.decode("utf-8", "replace") + "\n")
        return 0 if status < 400 else 1
    if cmd == "json":
        obj = json.load(sys.stdin)
        for k in args[0].split("."):
            obj = obj[int(k)] if isinstance(obj, list) else obj[k]
        print(obj if isinstance(obj, str) else json.dumps(obj))
        return 0
    if cmd == "free-ports":
        print(" ".join(str(p) for p in free_ports(int(args[0]))))
        return 0
    if cmd == "wait-ports":
        left = wait_ports(float(args[0]), [int(p) for p in args[1:]])
        if left:
            print("ports not listening: %s" % " ".join(map(str, left)),
                  file=sys.stderr)
            return 1
        return 0
    if cmd == "descendants":
        print(" ".join(str(p) for p in descendants(args)))
        return 0
    if cmd == "seed-mail":
        seed_mail(args[0], int(args[1]), int(args[2]), int(args[3]),
                  int(args[4]))
        return 0
    print("standlib.py: unknown command %s" % cmd, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
