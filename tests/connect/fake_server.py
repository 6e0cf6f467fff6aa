#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fake_server.py - tiny POP3/IMAP servers that behave like Office 365 or
misbehave on purpose, for the `mailoauth connect` tests.

Usage:
  fake_server.py --proto pop3|imap --mode MODE --port-file FILE --log FILE
                 [--cert PEM --key PEM] [--count N]

Listens on 127.0.0.1 (ephemeral port, written to --port-file once
listening), serves --count connections one after the other (default 1),
then exits.  With --cert/--key the connection is TLS from the first byte.
Every line received is appended to --log, with the XOAUTH2 response
replaced by a summary ("<xoauth2 user=... bearer=yes>") -- the test checks
the form of the exchange there.  Standard library only.

POP3 modes:
  o365        Office 365: CAPA "SASL PLAIN XOAUTH2"; "AUTH XOAUTH2 <ir>" on
              one line -> "-ERR Protocol error. Connection is closed. 10" and
              the connection dropped; two-line form -> "+OK User successfully
              authenticated."; STAT, LIST, QUIT.
  challenge   the token is refused with an error challenge ("+ <base64
              JSON>"), then -ERR after the client's empty response.
  nostls      plain text, CAPA without STLS, STLS refused.
  longline    a greeting of 1 MiB without a line end.
  garbage     a greeting of binary junk with NULs, then the connection drops.
  dropauth    drops the connection right after receiving the token.
  slow        greets, then never answers anything.
IMAP modes:
  nostarttls  plain text, no STARTTLS capability, STARTTLS refused.
  o365        "* OK" greeting, AUTH=XOAUTH2 SASL-IR; AUTHENTICATE -> OK;
              SELECT/EXAMINE -> "BAD User is authenticated but not connected."
              then "* BYE Connection closed. 14".
  noir        like o365 without SASL-IR (the response must come after "+").
"""

import argparse
import base64
import os
import socket
import ssl
import sys
import time


class Conn:
    def __init__(self, sock, log):
        self.sock = sock
        self.buf = b""
        self.log = log

    def send(self, text):
        if isinstance(text, str):
            text = text.encode()
        self.sock.sendall(text)

    def line(self, limit=1 << 20):
        while b"\n" not in self.buf:
            if len(self.buf) > limit:
                return None
            try:
                data = self.sock.recv(65536)
            except (OSError, ssl.SSLError):
                return None
            if not data:
                return None
            self.buf += data
        raw, self.buf = self.buf.split(b"\n", 1)
        return raw.rstrip(b"\r").decode("utf-8", "replace")

    def note(self, text):
        with open(self.log, "a") as f:
            f.write(text + "\n")


def describe_xoauth2(b64):
    try:
        raw = base64.b64decode(b64, validate=True)
    except Exception:
        return "<not base64>"
    parts = raw.split(b"\x01")
    user = bearer = None
    for p in parts:
        if p.startswith(b"user="):
            user = p[5:].decode("utf-8", "replace")
        elif p.lower().startswith(b"auth=bearer "):
            bearer = len(p) > 12
    ok = raw.endswith(b"\x01\x01")
    return "<xoauth2 user=%s bearer=%s terminated=%s>" % (
        user, "yes" if bearer else "no", "yes" if ok else "no")


def pop3(c, mode):
    if mode == "longline":
        c.send(b"+OK " + b"x" * (1 << 20))
        time.sleep(1)
        return
    if mode == "garbage":
        c.send(b"\x00\xff\x16\x03\x01garbage\x00\r\n")
        return
    c.send("+OK The Microsoft Exchange POP3 service is ready. [fake]\r\n")
    if mode == "slow":
        time.sleep(30)
        return
    authed = False
    while True:
        line = c.line()
        if line is None:
            c.note("<closed by client>")
            return
        word = line.split(" ", 1)[0].upper()
        if word == "AUTH":
            parts = line.split(" ")
            if len(parts) > 2:
                c.note("AUTH %s <initial response on the AUTH line>" % parts[1])
                c.send("-ERR Protocol error. Connection is closed. 10\r\n")
                return
            c.note(line)
            c.send("+ \r\n")
            resp = c.line()
            if resp is None:
                c.note("<closed by client>")
                return
            c.note(describe_xoauth2(resp))
            if mode == "dropauth":
                return
            if mode == "challenge":
                js = b'{"status":"401","schemes":"bearer","scope":"https://outlook.office.com/POP.AccessAsUser.All"}'
                c.send(b"+ " + base64.b64encode(js) + b"\r\n")
                ack = c.line()
                c.note("<challenge answer: %r>" % ack)
                c.send("-ERR Authentication failure: unknown user name or bad password.\r\n")
                continue
            authed = True
            c.send("+OK User successfully authenticated.\r\n")
            continue
        c.note(line)
        if word == "CAPA":
            if mode == "nostls":
                c.send("+OK\r\nTOP\r\nUIDL\r\nUSER\r\nSASL PLAIN XOAUTH2\r\n.\r\n")
            else:
                c.send("+OK\r\nTOP\r\nUIDL\r\nSASL PLAIN XOAUTH2\r\nUSER\r\n.\r\n")
        elif word == "STLS":
            c.send("-ERR Command not permitted.\r\n")
        elif word == "STAT" and authed:
            c.send("+OK 2 300\r\n")
        elif word == "LIST" and authed:
            c.send("+OK\r\n1 150\r\n2 150\r\n.\r\n")
        elif word == "QUIT":
            c.send("+OK Microsoft Exchange Server POP3 server signing off.\r\n")
            return
        else:
            c.send("-ERR Protocol error.\r\n")


def imap(c, mode):
    if mode == "nostarttls":
        c.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2] fake ready\r\n")
    else:
        c.send("* OK The Microsoft Exchange IMAP4 service is ready. [fake]\r\n")
    while True:
        line = c.line()
        if line is None:
            c.note("<closed by client>")
            return
        parts = line.split(" ")
        tag, word = parts[0], (parts[1].upper() if len(parts) > 1 else "")
        if word == "AUTHENTICATE":
            if len(parts) > 3:
                c.note("%s AUTHENTICATE %s %s" % (tag, parts[2], describe_xoauth2(parts[3])))
                if mode == "noir":
                    c.send("%s BAD SASL-IR was not offered\r\n" % tag)
                    continue
            else:
                c.note(line)
                c.send("+ \r\n")
                c.note(describe_xoauth2(c.line() or ""))
            c.send("%s OK AUTHENTICATE completed.\r\n" % tag)
            continue
        c.note(line)
        if word == "CAPABILITY":
            if mode in ("nostarttls", "noir"):
                c.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2\r\n")
            else:
                c.send("* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR "
                       "UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+\r\n")
            c.send("%s OK CAPABILITY completed.\r\n" % tag)
        elif word == "STARTTLS":
            c.send("%s BAD Command not supported.\r\n" % tag)
        elif word in ("SELECT", "EXAMINE"):
            c.send("%s BAD User is authenticated but not connected.\r\n" % tag)
            c.send("* BYE Connection closed. 14\r\n")
            return
        elif word == "LOGOUT":
            c.send("* BYE Microsoft Exchange Server IMAP4 server signing off.\r\n")
            c.send("%s OK LOGOUT completed.\r\n" % tag)
            return
        else:
            c.send("%s BAD Command Error. 12\r\n" % tag)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proto", required=True, choices=["pop3", "imap"])
    ap.add_argument("--mode", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--count", type=int, default=1)
    a = ap.parse_args()

    ctx = None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, a.port_file)
    ls.settimeout(60)
    for _ in range(a.count):
        try:
            s, _addr = ls.accept()
        except socket.timeout:
            break
        s.settimeout(30)
        try:
            if ctx is not None:
                s = ctx.wrap_socket(s, server_side=True)
            c = Conn(s, a.log)
            (pop3 if a.proto == "pop3" else imap)(c, a.mode)
        except (OSError, ssl.SSLError) as e:
            with open(a.log, "a") as f:
                f.write("<connection error: %s>\n" % e.__class__.__name__)
        finally:
            try:
                s.close()
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
