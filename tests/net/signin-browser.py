#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""signin-browser.py — plays the user's web browser for `mailoauth authorize`.

Usage: signin-browser.py --ca CA URL [--favicon] [--wrong-state] [--no-state]
                         [--garbage] [--wrong-verifier TOKEN_URL CLIENT_ID]
                         [--no-follow] [--start]

GETs URL (the sign-in URL mailoauth printed) from the mock identity platform,
verifying its certificate against CA, and expects the 302 to the loopback
redirect.  Before delivering that redirect it can make noise on the listener
(favicon, a redirect with a wrong or missing state, a malformed request) or
try to redeem the code with a wrong PKCE verifier.  Then it GETs the redirect
and prints what the listener answered.  With --start, URL is mailoauth's
start page on the loopback listener (what a browser program gets in its
argv), which must answer 302 to the sign-in URL ("start 302 STATE", the
state the sign-in URL carries; or "start STATUS <title>" and exit 3).  One line per step on stdout:
    authorize 302 | authorize STATUS <page text>
    favicon 404 / wrong-state 400 / no-state 400 / garbage 400
    wrong-verifier <error> <AADSTS code>
    redirect STATUS <title>
Exit status 0 when every step got what a working listener answers.
"""

import argparse
import json
import re
import socket
import ssl
import sys
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url, ctx=None):
    """(status, headers, body) without following redirects."""
    handlers = [NoRedirect()]
    if ctx is not None:
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    opener = urllib.request.build_opener(*handlers)
    try:
        r = opener.open(url, timeout=20)
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def title(body):
    m = re.search(r"<h1>(.*?)</h1>", body, re.S)
    return m.group(1) if m else body[:80].replace("\n", " ")


def with_query(url, params):
    p = urlsplit(url)
    return urlunsplit(p._replace(query=urlencode(params)))


def raw_request(url, data):
    p = urlsplit(url)
    with socket.create_connection((p.hostname, p.port), timeout=20) as s:
        s.sendall(data)
        resp = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            resp += chunk
    m = re.match(rb"HTTP/1\.1 (\d+)", resp)
    return int(m.group(1)) if m else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ca", required=True)
    ap.add_argument("url")
    ap.add_argument("--favicon", action="store_true")
    ap.add_argument("--wrong-state", action="store_true")
    ap.add_argument("--no-state", action="store_true")
    ap.add_argument("--garbage", action="store_true")
    ap.add_argument("--wrong-verifier", nargs=2, metavar=("TOKEN_URL", "CLIENT_ID"))
    ap.add_argument("--no-follow", action="store_true")
    ap.add_argument("--start", action="store_true")
    args = ap.parse_args()
    ctx = ssl.create_default_context(cafile=args.ca)
    ok = True

    url = args.url
    if args.start:
        status, headers, body = get(url)
        if status != 302:
            print("start %d %s" % (status, title(body)))
            return 3
        url = headers["Location"]
        state = dict(parse_qsl(urlsplit(url).query)).get("state", "")
        print("start 302 %s" % state)
    status, headers, body = get(url, ctx)
    if status != 302:
        print("authorize %d %s" % (status, title(body)))
        return 2
    loc = headers["Location"]
    print("authorize 302")
    base = urlsplit(loc)._replace(query="").geturl()
    params = parse_qsl(urlsplit(loc).query, keep_blank_values=True)

    if args.favicon:
        st, _, _ = get(urlsplit(loc)._replace(path="/favicon.ico", query="").geturl())
        print("favicon %d" % st)
        ok &= st == 404
    if args.wrong_state:
        bad = [(k, v + "x" if k == "state" else v) for k, v in params]
        st, _, _ = get(with_query(base, bad))
        print("wrong-state %d" % st)
        ok &= st == 400
    if args.no_state:
        st, _, _ = get(with_query(base, [(k, v) for k, v in params if k != "state"]))
        print("no-state %d" % st)
        ok &= st == 400
    if args.garbage:
        st = raw_request(base, b"\x16\x03\x01garbage\r\n\r\n")
        print("garbage %d" % st)
        ok &= st == 400
    if args.wrong_verifier:
        token_url, client_id = args.wrong_verifier
        code = dict(params).get("code", "")
        form = urlencode({"grant_type": "authorization_code",
                          "client_id": client_id, "code": code,
                          "redirect_uri": base,
                          "code_verifier": "W" * 43}).encode()
        req = urllib.request.Request(token_url, data=form, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        try:
            urllib.request.urlopen(req, context=ctx, timeout=20)
            print("wrong-verifier accepted")
            ok = False
        except urllib.error.HTTPError as e:
            err = json.loads(e.read().decode())
            print("wrong-verifier %s AADSTS%s" % (
                err.get("error"), (err.get("error_codes") or [0])[0]))
    if args.no_follow:
        return 0 if ok else 1
    st, _, body = get(loc)
    print("redirect %d %s" % (st, title(body)))
    return 0 if ok and st == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
