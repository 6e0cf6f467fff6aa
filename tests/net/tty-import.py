#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`mailoauth import ACCOUNT` on a terminal (a pty), as a user runs it.

    tty-import.py MAILOAUTH ACCOUNT type      types $RT once echo is off
    tty-import.py MAILOAUTH ACCOUNT interrupt presses Ctrl-C once echo is off

Prints "echo off while reading: True|False", then everything the terminal
showed: the prompt, mailoauth's messages, "rc=N" (its exit status) and
`stty -a` as the terminal is afterwards.  Gives up after 30 s ("timed
out").  The shell in between traps SIGINT, as an interactive one does, so
that it lives on to print the exit status and the terminal's settings.
"""
import os
import pty
import select
import signal
import sys
import termios
import time

helper, account, mode = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/sh", ["sh", "-c",
                         'trap : INT; "$0" import "$1"; echo "rc=$?"; stty -a',
                         helper, account])

deadline = time.monotonic() + 30
out = b""


def read_some(wait):
    """Appends what the terminal shows within wait s; False at its end."""
    global out
    r, _, _ = select.select([fd], [], [], wait)
    if not r:
        return True
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        return False
    out += chunk
    return bool(chunk)


while b"Paste the refresh token" not in out and time.monotonic() < deadline:
    if not read_some(0.1):
        break
# The token only once echo is off: tcsetattr(TCSAFLUSH) drops what came before.
echo_off = False
while time.monotonic() < deadline:
    try:
        if not termios.tcgetattr(fd)[3] & termios.ECHO:
            echo_off = True
            break
    except termios.error:
        break
    read_some(0.05)
if echo_off:
    if mode == "type":
        os.write(fd, os.environ["RT"].encode() + b"\n")
    else:
        os.write(fd, termios.tcgetattr(fd)[6][termios.VINTR])
while time.monotonic() < deadline and read_some(0.5):
    pass
if os.waitpid(pid, os.WNOHANG) == (0, 0):
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    print("timed out")
print("echo off while reading:", echo_off)
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
