#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""smtp_sink.py — a minimal SMTP server that accepts everything.

Usage: python3 smtp_sink.py --state-dir DIR [--port 0]

Dovecot's submission service relays every message it accepts to
`submission_relay_host`; this is that relay.  It listens on 127.0.0.1, writes
DIR/pid then DIR/port (temp + rename) once listening, and stores each message
as DIR/msg-N.eml with the envelope in DIR/msg-N.env ("MAIL FROM:<...>" and
"RCPT TO:<...>" lines).  No AUTH, no TLS: loopback only.  SIGTERM stops it.
"""

import argparse
import itertools
import os
import signal
import socketserver
import sys
import threading

MAX_LINE = 4096
MAX_MESSAGE = 64 * 1024 * 1024
_counter = itertools.count(1)
_lock = threading.Lock()


class SMTPHandler(socketserver.StreamRequestHandler):
    timeout = 120
    disable_nagle_algorithm = True

    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def readline(self):
        line = self.rfile.readline(MAX_LINE + 2)
        if not line:
            raise EOFError
        return line.rstrip(b"\r\n").decode("utf-8", "replace")

    def handle(self):
        try:
            self.session()
        except (EOFError, OSError):
            pass

    def session(self):
        self.reply("220 localhost ESMTP mailoauth test sink")
        mail_from, rcpts = None, []
        while True:
            line = self.readline()
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "LHLO"):
                self.reply("250-localhost")
                self.reply("250-PIPELINING")
                self.reply("250-8BITMIME")
                self.reply("250-SIZE %d" % MAX_MESSAGE)
                self.reply("250-ENHANCEDSTATUSCODES")
                self.reply("250 SMTPUTF8")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                mail_from, rcpts = line, []
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                if mail_from is None:
                    self.reply("503 5.5.1 MAIL first")
                    continue
                rcpts.append(line)
                self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if not rcpts:
                    self.reply("503 5.5.1 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.store(mail_from, rcpts, self.read_data())
                self.reply("250 2.0.0 Ok: queued")
                mail_from, rcpts = None, []
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Command not implemented")

    def read_data(self):
        data, size = [], 0
        while True:
            line = self.rfile.readline(MAX_LINE + 2)
            if not line:
                raise EOFError
            if line in (b".\r\n", b".\n"):
                return b"".join(data)
            if line.startswith(b"."):
                line = line[1:]
            size += len(line)
            if size <= MAX_MESSAGE:
                data.append(line)

    def store(self, mail_from, rcpts, data):
        with _lock:
            n = next(_counter)
        base = os.path.join(self.server.state_dir, "msg-%d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        with open(base + ".env", "w") as f:
            f.write("\n".join([mail_from] + rcpts) + "\n")
        os.rename(base + ".eml.tmp", base + ".eml")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def write_atomic(path, text):
    tmp = "%s.tmp" % path
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    server = Server(("127.0.0.1", args.port), SMTPHandler)
    server.state_dir = args.state_dir

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    write_atomic(os.path.join(args.state_dir, "pid"), "%d\n" % os.getpid())
    write_atomic(os.path.join(args.state_dir, "port"),
                 "%d\n" % server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
