#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fake_server.py - tiny POP3/IMAP/SMTP servers that behave like Office 365
or misbehave on purpose, for the `mailoauth connect` and `check` tests.

Usage:
  fake_server.py --proto pop3|imap|smtp --mode MODE --port-file FILE --log FILE
                 [--cert PEM --key PEM [--starttls]] [--count N]
                 [--expire-after N] [--expire-secs S] [--sendas-at mail|data]

Listens on 127.0.0.1 (ephemeral port, written to --port-file once
listening), serves --count connections one after the other (default 1),
then exits.  With --cert/--key the connection is TLS from the first byte,
or (SMTP, --starttls) after STARTTLS.
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
  expire      a mailbox that works (SELECT, NOOP, FETCH, LOGOUT) until the
              access token "expires": instead of answering the
              --expire-after'th command after the login, or --expire-secs
              seconds after it, Office 365's
              "* BYE Session invalidated - AccessTokenExpired" and the
              connection closed.  A later connection that presents the same
              token is refused ("NO AUTHENTICATE failed."), as Office 365
              refuses an expired token; each connection's login is noted as
              "<login N token T>", T counting the distinct tokens seen.
SMTP modes (Office 365's smtp.office365.com; doc/protocol.md, SMTP):
  o365        "220 ... Microsoft ESMTP MAIL Service ready", EHLO offering
              STARTTLS before TLS and "AUTH LOGIN XOAUTH2" after it;
              AUTH XOAUTH2 -> 334 -> "235 2.7.0 Authentication successful";
              MAIL FROM, RCPT TO, DATA, RSET, QUIT.
  authdisabled  the token gets "535 5.7.139 Authentication unsuccessful,
              SmtpClientAuthentication is disabled for the Tenant. ..."
  badauth     the token gets "535 5.7.3 Authentication unsuccessful [...]"
  sendas      logs in; a sender that is not the XOAUTH2 user gets
              "554 5.2.252 SendAsDenied; U not allowed to send as S; ..."
              at the end of DATA, as Office 365 answers (or at MAIL FROM
              with --sendas-at mail); with --sendas-at mail the user's own
              address is refused too (a mailbox without the right to send).
"""

import argparse
import base64
import hashlib
import os
import socket
import ssl
import sys
import time


class Timeout(Exception):
    pass


class Conn:
    def __init__(self, sock, log, opts=None):
        self.sock = sock
        self.buf = b""
        self.log = log
        self.opts = opts
        self.deadline = None    # time.monotonic() past which line() raises Timeout

    def send(self, text):
        if isinstance(text, str):
            text = text.encode()
        self.sock.sendall(text)

    def line(self, limit=1 << 20):
        while b"\n" not in self.buf:
            if len(self.buf) > limit:
                return None
            if self.deadline is not None:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise Timeout()
                self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                if self.deadline is not None:
                    raise Timeout()
                return None
            except (OSError, ssl.SSLError):
                return None
            if not data:
                return None
            self.buf += data
        raw, self.buf = self.buf.split(b"\n", 1)
        return raw.rstrip(b"\r").decode("utf-8", "replace")

    def requests(self):
        """The client's lines, one at a time, until it closes (noted)."""
        while True:
            line = self.line()
            if line is None:
                self.note("<closed by client>")
                return
            yield line

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
    for line in c.requests():
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


# The expire mode's memory across connections: tokens seen (digest -> index)
# and those the server declared expired.
TOKENS = {}
EXPIRED = set()
LOGINS = [0]


def bearer_digest(b64):
    try:
        raw = base64.b64decode(b64, validate=True)
    except Exception:
        return None
    for p in raw.split(b"\x01"):
        if p.lower().startswith(b"auth=bearer "):
            return hashlib.sha256(p[12:]).hexdigest()
    return None


def expire_login(c, tag, b64):
    """The expire mode's AUTHENTICATE: True when accepted."""
    d = bearer_digest(b64)
    if d is None or d in EXPIRED:
        c.note("<refused an expired token>")
        c.send("%s NO AUTHENTICATE failed.\r\n" % tag)
        return False
    TOKENS.setdefault(d, len(TOKENS) + 1)
    LOGINS[0] += 1
    c.note("<login %d token %d>" % (LOGINS[0], TOKENS[d]))
    c.token = d
    c.commands = 0
    if c.opts.expire_secs:
        c.deadline = time.monotonic() + c.opts.expire_secs
    c.send("%s OK AUTHENTICATE completed.\r\n" % tag)
    return True


def expire_bye(c):
    EXPIRED.add(c.token)
    c.note("<sent BYE AccessTokenExpired>")
    c.send("* BYE Session invalidated - AccessTokenExpired\r\n")


def imap_mailbox(c, tag, word):
    """The expire mode's answers after the login; False to end."""
    if word in ("SELECT", "EXAMINE"):
        c.send("* 2 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Deleted)\r\n"
               "* OK [UIDVALIDITY 14] UIDs valid\r\n* OK [UIDNEXT 3] next\r\n"
               "%s OK [READ-WRITE] SELECT completed.\r\n" % tag)
    elif word == "NOOP":
        c.send("%s OK NOOP completed.\r\n" % tag)
    elif word in ("FETCH", "UID"):
        c.send("* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n%s OK FETCH completed.\r\n" % tag)
    elif word == "LOGOUT":
        c.send("* BYE Microsoft Exchange Server IMAP4 server signing off.\r\n")
        c.send("%s OK LOGOUT completed.\r\n" % tag)
        return False
    else:
        c.send("%s BAD Command Error. 12\r\n" % tag)
    return True


def imap(c, mode):
    try:
        imap_session(c, mode)
    except Timeout:
        expire_bye(c)


def imap_session(c, mode):
    authed = False
    if mode == "nostarttls":
        c.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2] fake ready\r\n")
    else:
        c.send("* OK The Microsoft Exchange IMAP4 service is ready. [fake]\r\n")
    for line in c.requests():
        parts = line.split(" ")
        tag, word = parts[0], (parts[1].upper() if len(parts) > 1 else "")
        if word == "AUTHENTICATE":
            if len(parts) > 3:
                c.note("%s AUTHENTICATE %s %s" % (tag, parts[2], describe_xoauth2(parts[3])))
                if mode == "noir":
                    c.send("%s BAD SASL-IR was not offered\r\n" % tag)
                    continue
                ir = parts[3]
            else:
                c.note(line)
                c.send("+ \r\n")
                ir = c.line() or ""
                c.note(describe_xoauth2(ir))
            if mode == "expire":
                authed = expire_login(c, tag, ir)
                continue
            c.send("%s OK AUTHENTICATE completed.\r\n" % tag)
            continue
        c.note(line)
        if mode == "expire" and authed:
            c.commands += 1
            if c.opts.expire_after and c.commands >= c.opts.expire_after:
                expire_bye(c)
                return
            if not imap_mailbox(c, tag, word):
                return
            continue
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


SMTP_HOST = "FAKE0PR01MB0001.namprd01.prod.outlook.com"


def smtp(c, mode, tls_ctx):
    opts = c.opts
    c.send("220 %s Microsoft ESMTP MAIL Service ready at Wed, 2 Dec 2026 04:00:00 +0000\r\n"
           % SMTP_HOST)
    secure = tls_ctx is None     # implicit TLS, or no TLS offered at all
    user = None
    sender = None
    for line in c.requests():
        word = line.split(" ", 1)[0].upper()
        if word == "AUTH" and len(line.split(" ")) == 2:
            c.note(line)
            if not secure:
                c.send("504 5.7.4 Unrecognized authentication type\r\n")
                continue
            c.send("334 \r\n")
            resp = c.line()
            if resp is None:
                c.note("<closed by client>")
                return
            c.note(describe_xoauth2(resp))
            if mode == "authdisabled":
                c.send("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication "
                       "is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled "
                       "for more information. [%s]\r\n" % SMTP_HOST)
                continue
            if mode == "badauth":
                c.send("535 5.7.3 Authentication unsuccessful [%s]\r\n" % SMTP_HOST)
                continue
            try:
                raw = base64.b64decode(resp, validate=True)
                user = raw.split(b"\x01")[0][5:].decode()
            except Exception:
                user = "?"
            c.send("235 2.7.0 Authentication successful\r\n")
            continue
        c.note(line)
        if word == "EHLO":
            c.send("250-%s Hello [127.0.0.1]\r\n250-SIZE 157286400\r\n250-PIPELINING\r\n"
                   "250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n" % SMTP_HOST)
            if secure:
                c.send("250-AUTH LOGIN XOAUTH2\r\n")
            else:
                c.send("250-STARTTLS\r\n")
            c.send("250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n")
        elif word == "STARTTLS" and not secure:
            c.send("220 2.0.0 SMTP server ready\r\n")
            c.sock = tls_ctx.wrap_socket(c.sock, server_side=True)
            c.buf = b""
            secure = True
        elif word == "MAIL" and user is not None:
            sender = line.split(":", 1)[1].strip().strip("<>").split(">")[0] if ":" in line else ""
            if (mode == "sendas" and opts.sendas_at == "mail"):
                c.send("554 5.2.252 SendAsDenied; %s not allowed to send as %s; "
                       "STOREDRV.Submission.Exception:SendAsDeniedException."
                       "MapiExceptionSendAsDenied; Failed to process message due to a "
                       "permanent exception with message [BeginDiagnosticData]Cannot "
                       "submit message.\r\n" % (user, sender))
                sender = None
                continue
            c.send("250 2.1.0 Sender OK\r\n")
        elif word == "MAIL":
            c.send("530 5.7.57 Client not authenticated to send mail. [%s]\r\n" % SMTP_HOST)
        elif word == "RCPT" and sender is not None:
            c.send("250 2.1.5 Recipient OK\r\n")
        elif word == "DATA" and sender is not None:
            c.send("354 Start mail input; end with <CRLF>.<CRLF>\r\n")
            while True:
                d = c.line()
                if d is None or d == ".":
                    break
            c.note("<message received>")
            if mode == "sendas" and sender.lower() != (user or "").lower():
                c.send("554 5.2.252 SendAsDenied; %s not allowed to send as %s; "
                       "STOREDRV.Submission.Exception:SendAsDeniedException."
                       "MapiExceptionSendAsDenied; Failed to process message due to a "
                       "permanent exception with message [BeginDiagnosticData]Cannot "
                       "submit message.\r\n" % (user, sender))
            else:
                c.send("250 2.0.0 OK <fake@%s> [Hostname=%s]\r\n" % (SMTP_HOST, SMTP_HOST))
            sender = None
        elif word == "RSET":
            sender = None
            c.send("250 2.0.0 Resetting\r\n")
        elif word == "NOOP":
            c.send("250 2.0.0 OK\r\n")
        elif word == "QUIT":
            c.send("221 2.0.0 Service closing transmission channel\r\n")
            return
        else:
            c.send("500 5.3.3 Unrecognized command\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proto", required=True, choices=["pop3", "imap", "smtp"])
    ap.add_argument("--mode", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--expire-after", type=int, default=0)
    ap.add_argument("--expire-secs", type=float, default=0)
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--sendas-at", choices=["mail", "data"], default="data")
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
            if ctx is not None and not a.starttls:
                s = ctx.wrap_socket(s, server_side=True)
            c = Conn(s, a.log, a)
            if a.proto == "smtp":
                smtp(c, a.mode, ctx if a.starttls else None)
            else:
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
