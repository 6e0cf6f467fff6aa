#!/bin/sh
# SPDX-License-Identifier: MIT
# The browser sign-in's loopback listener against local squatters and
# argv readers (doc/internals.md, "The browser sign-in's listener"):
# - the redirect goes to localhost, which a browser may send to 127.0.0.1 or
#   [::1]: mailoauth listens on both or refuses to start, so a program that
#   holds the other address of a fixed redirect_port never gets the code;
# - the browser program gets only the loopback start page in its argv
#   (which every local user can read), never the state or anything else
#   of the sign-in URL; a second request for the start page abandons the
#   attempt.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

unset DISPLAY WAYLAND_DISPLAY
e2e_setup --no-dovecot
e2e_account work

# Listens on [::1]:PORT or 127.0.0.1:PORT; every connection it gets is a
# line in FILE.  Prints nothing; $SQ_PID.
squat() {
	python3 - "$1" "$2" "$3" <<'PY' &
import socket, sys
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.bind((host, port))
s.listen(8)
open(out + ".ready", "w").close()
while True:
    c, _ = s.accept()
    c.settimeout(2)
    try:
        data = c.recv(8192)
    except OSError:
        data = b""
    with open(out, "ab") as f:
        f.write(b"connection: " + data.split(b"\r\n")[0] + b"\n")
    c.close()
PY
	SQ_PID=$!
	_n=100
	while [ ! -e "$3.ready" ] && [ $_n -gt 0 ]; do
		sleep 0.05
		_n=$((_n - 1))
	done
}

if ! python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2> /dev/null; then
	tap_skip_all "no IPv6 loopback here: nobody can squat [::1]"
fi

# --- [::1] of a fixed redirect_port is taken: refuse, naming it -------------
port=$(stand__py free-ports 1)
e2e_account fixed redirect_port="$port"
squat ::1 "$port" "$STAND_DIR/squat6"
si_start fixed --browser --no-open
si_wait
kill "$SQ_PID" 2> /dev/null
wait "$SQ_PID" 2> /dev/null
[ "$SI_RC" -eq 74 ] && grep -q "cannot listen on \[::1\]:$port" "$SI_ERR" &&
	grep -q 'redirect_port' "$SI_ERR"
tap_ok $? "[::1]:$port held by another program: exit 74 naming the address and redirect_port (rc=$SI_RC)"
[ ! -s "$SI_OUT" ]
tap_ok $? "no sign-in URL was printed"
[ ! -s "$STAND_DIR/squat6" ]
tap_ok $? "the squatter got no connection"
[ ! -e "$(store_of fixed)" ]
tap_ok $? "nothing stored"

# --- 127.0.0.1 of it taken: refused as before -------------------------------
squat 127.0.0.1 "$port" "$STAND_DIR/squat4"
si_start fixed --browser --no-open
si_wait
kill "$SQ_PID" 2> /dev/null
wait "$SQ_PID" 2> /dev/null
[ "$SI_RC" -eq 74 ] && grep -q "cannot listen on 127.0.0.1:$port" "$SI_ERR" &&
	[ ! -s "$STAND_DIR/squat4" ]
tap_ok $? "127.0.0.1:$port held: exit 74, the squatter got nothing (rc=$SI_RC)"

# --- a free port: both addresses are mailoauth's ----------------------------
si_start fixed --browser --no-open
url=$(si_url)
python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((host, port))
    s.sendall(b"GET /favicon.ico HTTP/1.1\r\nHost: localhost\r\n\r\n")
    if not s.recv(64).startswith(b"HTTP/1.1 404"):
        sys.exit(1)
    s.close()
PY
tap_ok $? "127.0.0.1:$port and [::1]:$port are both the sign-in listener"
si_browser "$url" > /dev/null
si_wait
tap_ok $SI_RC "the sign-in on the fixed port works (rc=$SI_RC)"

# --- the browser program's argv ----------------------------------------------
# A fake xdg-open: writes its argv to $ARGV (one per line), then plays the
# browser on the URL it was given, after an eavesdropper's request when
# $STAND_DIR/eavesdrop exists.
mkdir -p "$STAND_DIR/bin"
cat > "$STAND_DIR/bin/xdg-open" <<SH
#!/bin/sh
printf '%s\n' "\$0" "\$@" > "$STAND_DIR/argv"
if [ -e "$STAND_DIR/eavesdrop" ]; then
	python3 "$top_srcdir/tests/net/signin-browser.py" --ca "$STAND_CA" --start --no-follow "\$1" > "$STAND_DIR/eve.out"
fi
exec python3 "$top_srcdir/tests/net/signin-browser.py" --ca "$STAND_CA" --start "\$1" > "$STAND_DIR/browser.out"
SH
chmod 755 "$STAND_DIR/bin/xdg-open"

PATH=$STAND_DIR/bin:$PATH DISPLAY=:0 si_start work --browser
url=$(si_url)
si_wait
state=$(printf '%s\n' "$url" | sed -n 's/.*[?&]state=\([^&]*\).*/\1/p')
tap_ok $SI_RC "signed in through the browser program (rc=$SI_RC)"
tap_diag "argv: $(tr '\n' ' ' < "$STAND_DIR/argv")"
[ "$(wc -l < "$STAND_DIR/argv")" -eq 2 ] &&
	sed -n 2p "$STAND_DIR/argv" | grep -q '^http://127\.0\.0\.1:[0-9]*/[A-Za-z0-9_-]\{43\}$'
tap_ok $? "the browser program's argv is one loopback start URL"
[ -n "$state" ] && ! grep -q -- "$state" "$STAND_DIR/argv" &&
	! grep -q 'state=\|code_challenge\|client_id\|login_hint' "$STAND_DIR/argv"
tap_ok $? "neither the state nor anything else of the sign-in URL is in its argv"
grep -qx "start 302 $state" "$STAND_DIR/browser.out" &&
	grep -q '^redirect 200 Signed in' "$STAND_DIR/browser.out"
tap_ok $? "the start page sent the browser on to the sign-in URL with the state"
e2e_no_secrets "$STAND_DIR/argv"
tap_ok $? "no code, verifier or token in the argv"

# --- someone else asks for the start page first -----------------------------
f=$(store_of work)
cp "$f" "$STAND_DIR/work.before"
: > "$STAND_DIR/eavesdrop"
PATH=$STAND_DIR/bin:$PATH DISPLAY=:0 si_start work --browser
si_url > /dev/null
si_wait
rm -f "$STAND_DIR/eavesdrop"
grep -q '^start 302 ' "$STAND_DIR/eve.out" &&
	grep -q '^start 410 This sign-in link was already used' "$STAND_DIR/browser.out"
tap_ok $? "the second request for the start page gets 410"
[ "$SI_RC" -eq 75 ] && grep -q 'asked for a second time' "$SI_ERR" &&
	grep -q 'authorize work --no-open' "$SI_ERR"
tap_ok $? "the attempt is abandoned: exit 75, says why and what to do (rc=$SI_RC)"
cmp -s "$f" "$STAND_DIR/work.before"
tap_ok $? "the stored grant is untouched"

cat "$STAND_DIR"/si-*.out >> "$VLOG"
e2e_no_secrets "$VLOG"
tap_ok $? "no code, verifier, token or secret in any -v output"

tap_done
