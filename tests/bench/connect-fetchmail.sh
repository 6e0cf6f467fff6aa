#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (not part of `make check`): stock fetchmail downloads a ~200 MB
# POP3 mailbox (COUNT messages of SIZE bytes, default 2,000 x 100 KB) from
# the stand's Dovecot
#   A. through `mailoauth connect` (the plugin does TLS and XOAUTH2, fetchmail
#      speaks plain POP3 over its pipe), and
#   B. with fetchmail's own TLS and a PLAIN password straight to Dovecot,
# in the same run, alternating A and B ROUNDS times.  Reports the median wall
# time and the CPU time of fetchmail plus everything it ran (plugin
# included; Dovecot's own work is the same in both), and the ratios A/B.
# Targets: wall <= 1.05, CPU <= 1.25.
#
# Two more figures separate what the plugin costs from what fetchmail does
# differently when it has a plugin:
#   C. fetchmail straight to Dovecot's plain POP3 port (no TLS at all: on
#      loopback Dovecot allows it), i.e. fetchmail's own reader for plain
#      sockets -- the reader it also uses on a plugin's pipe (a MSG_PEEK
#      recv, a read and two setitimer calls per line, where its TLS reader
#      serves lines from OpenSSL's buffer);
#   the plugin's own CPU time (measured around it), and fetchmail's fixed
#   sleep(1) before it starts any plugin (driver.c: "allow time for the
#   port to be set up if we have a plugin").
#
# And the cost of one short session, which is what a poll of a mailbox with
# nothing new is:
#   D. SESSIONS runs of `mailoauth connect` for a POP3 client that logs in,
#      asks STAT and quits (TLS to Dovecot, XOAUTH2 with a fresh token); the
#      median CPU time (user + system) per session.
# Targets: A/C wall <= 1.2 with fetchmail's sleep(1) taken out, i.e.
# fetchmail through the plugin within 1.2x of fetchmail on a plain socket.
#
#   tests/bench/connect-fetchmail.sh [COUNT [SIZE [ROUNDS [SESSIONS]]]]
#
# Run from the build tree (top_builddir=. by default; top_srcdir from this
# script's location).  Messages go to fetchmail's --bsmtp /dev/null: no
# delivery process per message, so the transport is what is measured.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
COUNT=${1:-2000}
SIZE=${2:-102400}
ROUNDS=${3:-3}
SESSIONS=${4:-50}

. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
tap_require fetchmail
connect_setup

echo "# seeding $COUNT messages of $SIZE bytes..."
stand_seed_mail "$STAND_USER" "$COUNT" "$SIZE" || exit 1
du -sh "$STAND_MAILDIR_USER" | sed 's/^/# mailbox: /'

rc_plugin=$W/bench-plugin
rc_direct=$W/bench-direct
rc_plain=$W/bench-plain
for d in "$rc_plugin" "$rc_direct" "$rc_plain"; do
	mkdir -p "$d"
	chmod 700 "$d"
done
# The plugin runs under a wrapper that appends its CPU seconds to a file.
cat > "$W/bench-wrap" <<EOF
#!/usr/bin/env python3
import resource, subprocess, sys
st = subprocess.call(sys.argv[1:])
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open("$W/bench-plugin-cpu", "a") as f:
    f.write("%.3f\\n" % (ru.ru_utime + ru.ru_stime))
sys.exit(st)
EOF
chmod 755 "$W/bench-wrap"
cat > "$rc_plugin/.fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 protocol pop3 port $DOVECOT_POP3S_PORT
  plugin "$W/bench-wrap $(connect_cmd --protocol pop3)"
  user "$STAND_USER" password "dummy" is root here
  sslproto ''
  keep fetchall
EOF
cat > "$rc_direct/.fetchmailrc" <<EOF
set no syslog
poll localhost protocol pop3 port $DOVECOT_POP3S_PORT
  auth password
  user "$STAND_USER" password "$STAND_PLAIN_PASSWORD" is root here
  ssl sslcertck sslcertfile "$STAND_CA"
  keep fetchall
EOF
cat > "$rc_plain/.fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 protocol pop3 port $DOVECOT_POP3_PORT
  auth password
  user "$STAND_USER" password "$STAND_PLAIN_PASSWORD" is root here
  sslproto ''
  keep fetchall
EOF
chmod 600 "$rc_plugin/.fetchmailrc" "$rc_direct/.fetchmailrc" "$rc_plain/.fetchmailrc"

# run DIR — one poll; prints "WALL CPU" (seconds; CPU = user + system of
# fetchmail and all it waited for).
run() {
	python3 - "$1" <<'PY'
import os, resource, subprocess, sys, time
d = sys.argv[1]
env = dict(os.environ, HOME=d, FETCHMAILHOME=d)
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
with open(os.path.join(d, "out"), "w") as out:
    st = subprocess.call(["fetchmail", "--nodetach", "--bsmtp", "/dev/null",
                          "-f", os.path.join(d, ".fetchmailrc")],
                         env=env, stdout=out, stderr=subprocess.STDOUT)
wall = time.monotonic() - t0
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
if st != 0:
    sys.stderr.write("fetchmail exited %d (see %s/out)\n" % (st, d))
    sys.exit(1)
print("%.3f %.3f" % (wall, cpu))
PY
}

: > "$W/bench-a"
: > "$W/bench-b"
: > "$W/bench-c"
: > "$W/bench-plugin-cpu"
r=1
while [ $r -le "$ROUNDS" ]; do
	a=$(run "$rc_plugin") || { tail -n 5 "$rc_plugin/out"; exit 1; }
	b=$(run "$rc_direct") || { tail -n 5 "$rc_direct/out"; exit 1; }
	c=$(run "$rc_plain") || { tail -n 5 "$rc_plain/out"; exit 1; }
	echo "$a" >> "$W/bench-a"
	echo "$b" >> "$W/bench-b"
	echo "$c" >> "$W/bench-c"
	echo "# round $r: A plugin $a   B direct TLS $b   C direct plain $c   (wall cpu)"
	r=$((r + 1))
done
grep -q "$COUNT messages" "$rc_plugin/out" && grep -q "$COUNT messages" "$rc_direct/out" ||
	echo "# WARNING: fetchmail did not report $COUNT messages"

# D: short sessions, each run under getrusage.
python3 - "$SESSIONS" "$STAND_USER" "$DOVECOT_POP3S_PORT" "$MAILOAUTH_HELPER" "$CFG" \
	> "$W/bench-d" <<'PY'
import resource, statistics, subprocess, sys
n, user, port, helper, cfg = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
script = ("USER %s\r\nPASS dummy\r\nSTAT\r\nQUIT\r\n" % user).encode()
cpu = []
for _ in range(n):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([helper, "--config", cfg, "connect", "--protocol", "pop3",
                        "127.0.0.1", port], input=script, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0 or p.stdout.count(b"\r\n+OK") < 4:
        sys.stderr.write("session failed: %r %r\n" % (p.stdout[-200:], p.stderr[-300:]))
        sys.exit(1)
    cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
print("%.4f" % statistics.median(cpu))
PY
[ -s "$W/bench-d" ] || exit 1

python3 - "$W/bench-a" "$W/bench-b" "$W/bench-c" "$W/bench-plugin-cpu" "$COUNT" "$SIZE" \
	"$W/bench-d" "$SESSIONS" <<'PY'
import statistics, sys
def load(p):
    rows = [tuple(map(float, l.split())) for l in open(p) if l.strip()]
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
aw, ac = load(sys.argv[1])
bw, bc = load(sys.argv[2])
cw, cc = load(sys.argv[3])
pl = [float(l) for l in open(sys.argv[4]) if l.strip()]
pc = statistics.median(pl) if pl else float("nan")
mb = int(sys.argv[5]) * int(sys.argv[6]) / 1e6
print("fetchmail, %s messages, %.0f MB, median of the rounds:" % (sys.argv[5], mb))
print("  A  through mailoauth connect:     wall %7.2f s  CPU %7.2f s  (%.0f MB/s)" % (aw, ac, mb / aw))
print("       the plugin's own CPU:                       %7.2f s" % pc)
print("       fetchmail's sleep(1) before any plugin:     1.00 s of the wall time")
print("  B  own TLS + PLAIN (direct):      wall %7.2f s  CPU %7.2f s  (%.0f MB/s)" % (bw, bc, mb / bw))
print("  C  no TLS, PLAIN (direct, plain): wall %7.2f s  CPU %7.2f s  (%.0f MB/s)" % (cw, cc, mb / cw))
rw, rc = aw / bw, ac / bc
print("  ratio A/B: wall %.3f (target <= 1.05: %s), CPU %.3f (target <= 1.25: %s)"
      % (rw, "met" if rw <= 1.05 else "NOT met", rc, "met" if rc <= 1.25 else "NOT met"))
rp = (aw - 1.0) / cw
print("  ratio (A - 1 s)/C, fetchmail's plain-socket reader on both sides: wall %.3f "
      "(target <= 1.2: %s), CPU %.3f" % (rp, "met" if rp <= 1.2 else "NOT met", ac / cc))
d = float(open(sys.argv[7]).read())
print("  D  one short POP3 session through mailoauth connect (login, STAT, QUIT),")
print("     median of %s: CPU %.1f ms" % (sys.argv[8], d * 1000))
PY
