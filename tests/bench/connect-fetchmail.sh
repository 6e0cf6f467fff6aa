#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (not part of `make check`): stock fetchmail downloads a ~200 MB
# POP3 mailbox (COUNT messages of SIZE bytes, default 2,000 x 100 KB) from
# the stand's Dovecot
#   A. through `mailoauth connect` (the plugin does TLS and XOAUTH2, fetchmail
#      speaks plain POP3 over its pipe), and
#   B. with fetchmail's own TLS and a PLAIN password straight to Dovecot,
# in the same run, alternating them (and the runs below) ROUNDS times.
# Reports the median wall time, the CPU time of fetchmail plus everything it
# ran (plugin included) and the CPU time of the Dovecot processes that
# served the session, which share the machine's cores with the client.
# A/B is shown, not a target: B is fetchmail's TLS reader, which takes lines
# from OpenSSL's buffer, while on a plugin's pipe fetchmail uses its
# plain-socket reader (below), so no plugin can come near B.
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
# And two yardsticks, plugins that do the least a plugin can
# (tests/bench/baseline-relay.c: one poll() loop, no login of its own,
# fetchmail logs in with USER/PASS):
#   E. a plain relay to Dovecot's plain POP3 port: what any plugin costs
#      (one more process on the path of every command and reply);
#   F. a TLS relay to the same TLS port as A: what any plugin that does
#      TLS costs, Dovecot's side of TLS included (its login process stays
#      on the path to proxy TLS, so a TLS session has one more process on
#      the server too).
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
rc_relay=$W/bench-relay
rc_tlsrelay=$W/bench-tlsrelay
relay=$top_builddir/tests/bench/baseline-relay
(cd "$top_builddir" && make -s tests/bench/baseline-relay) || exit 1
for d in "$rc_plugin" "$rc_direct" "$rc_plain" "$rc_relay" "$rc_tlsrelay"; do
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
cat > "$rc_relay/.fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 protocol pop3 port $DOVECOT_POP3_PORT
  plugin "$relay $DOVECOT_POP3_PORT"
  auth password
  user "$STAND_USER" password "$STAND_PLAIN_PASSWORD" is root here
  sslproto ''
  keep fetchall
EOF
cat > "$rc_tlsrelay/.fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 protocol pop3 port $DOVECOT_POP3S_PORT
  plugin "$relay --tls $STAND_CA $DOVECOT_POP3S_PORT"
  auth password
  user "$STAND_USER" password "$STAND_PLAIN_PASSWORD" is root here
  sslproto ''
  keep fetchall
EOF
for d in "$rc_plugin" "$rc_direct" "$rc_plain" "$rc_relay" "$rc_tlsrelay"; do
	chmod 600 "$d/.fetchmailrc"
done

# run DIR — one poll; prints "WALL CPU SERVER" (seconds; CPU = user +
# system of fetchmail and all it waited for; SERVER = the same of the
# Dovecot processes that served the session, which its master has reaped:
# cutime + cstime in /proc/MASTER/stat, or -1 where there is no /proc).
run() {
	python3 - "$1" "$(cat "$STAND_DIR/pids/dovecot")" <<'PY'
import os, resource, subprocess, sys, time
d, master = sys.argv[1], sys.argv[2]
env = dict(os.environ, HOME=d, FETCHMAILHOME=d)
def served():
    try:
        with open("/proc/%s/stat" % master) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command's ")": state is field 3, cutime 16, cstime 17.
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
server0 = served()
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
# The session's processes exit after the client has gone: wait until
# their master has reaped them (the figure stops moving).
server = -1.0
if server0 is not None:
    last, t = served(), time.monotonic() + 3
    while time.monotonic() < t:
        time.sleep(0.2)
        now = served()
        if now == last:
            break
        last = now
    server = last - server0
print("%.3f %.3f %.2f" % (wall, cpu, server))
PY
}

: > "$W/bench-a"
: > "$W/bench-b"
: > "$W/bench-c"
: > "$W/bench-e"
: > "$W/bench-f"
: > "$W/bench-plugin-cpu"
r=1
while [ $r -le "$ROUNDS" ]; do
	a=$(run "$rc_plugin") || { tail -n 5 "$rc_plugin/out"; exit 1; }
	b=$(run "$rc_direct") || { tail -n 5 "$rc_direct/out"; exit 1; }
	c=$(run "$rc_plain") || { tail -n 5 "$rc_plain/out"; exit 1; }
	e=$(run "$rc_relay") || { tail -n 5 "$rc_relay/out"; exit 1; }
	f=$(run "$rc_tlsrelay") || { tail -n 5 "$rc_tlsrelay/out"; exit 1; }
	echo "$a" >> "$W/bench-a"
	echo "$b" >> "$W/bench-b"
	echo "$c" >> "$W/bench-c"
	echo "$e" >> "$W/bench-e"
	echo "$f" >> "$W/bench-f"
	echo "# round $r: A plugin $a   B direct TLS $b   C direct plain $c   E relay $e   F TLS relay $f   (wall cpu server)"
	r=$((r + 1))
done
for d in "$rc_plugin" "$rc_direct" "$rc_plain" "$rc_relay" "$rc_tlsrelay"; do
	grep -q "$COUNT messages" "$d/out" ||
		echo "# WARNING: fetchmail did not report $COUNT messages in $d/out"
done

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
	"$W/bench-d" "$SESSIONS" "$W/bench-e" "$W/bench-f" <<'PY'
import statistics, sys
def load(p):
    rows = [tuple(map(float, l.split())) for l in open(p) if l.strip()]
    return tuple(statistics.median(r[i] for r in rows) for i in range(3))
(aw, ac, asv), (bw, bc, bsv), (cw, cc, csv) = map(load, sys.argv[1:4])
(ew, ec, esv), (fw, fc, fsv) = map(load, sys.argv[9:11])
pl = [float(l) for l in open(sys.argv[4]) if l.strip()]
pc = statistics.median(pl) if pl else float("nan")
mb = int(sys.argv[5]) * int(sys.argv[6]) / 1e6
def row(name, w, c, sv):
    print("  %-34s wall %6.2f s  CPU %6.2f s  (%3.0f MB/s)  server CPU %5.2f s"
          % (name, w, c, mb / w, sv))
print("fetchmail, %s messages, %.0f MB, median of the rounds (server CPU: Dovecot's"
      % (sys.argv[5], mb))
print("processes for the session, on the same two cores):")
row("A  through mailoauth connect:", aw, ac, asv)
print("       the plugin's own CPU:                     %6.2f s" % pc)
print("       fetchmail's sleep(1) before any plugin:   1.00 s of the wall time")
row("B  own TLS + PLAIN (direct):", bw, bc, bsv)
row("C  no TLS, PLAIN (direct, plain):", cw, cc, csv)
row("E  through a bare relay, no TLS:", ew, ec, esv)
row("F  through a bare TLS relay:", fw, fc, fsv)
print("  ratio A/B: wall %.3f, CPU %.3f (fetchmail's TLS reader against its plain-socket one)"
      % (aw / bw, ac / bc))
rp = (aw - 1.0) / cw
print("  ratio (A - 1 s)/C, fetchmail's plain-socket reader on both sides: wall %.3f "
      "(target <= 1.2: %s), CPU %.3f" % (rp, "met" if rp <= 1.2 else "NOT met", ac / cc))
print("     the yardsticks: any plugin (E - 1 s)/C %.3f, any TLS plugin (F - 1 s)/C %.3f"
      % ((ew - 1.0) / cw, (fw - 1.0) / cw))
print("  ratio (A - 1 s)/(F - 1 s), connect against the bare TLS relay: wall %.3f, CPU %.3f"
      % ((aw - 1.0) / (fw - 1.0), ac / fc))
d = float(open(sys.argv[7]).read())
print("  D  one short POP3 session through mailoauth connect (login, STAT, QUIT),")
print("     median of %s: CPU %.1f ms" % (sys.argv[8], d * 1000))
PY
