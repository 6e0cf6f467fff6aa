#!/bin/sh
# SPDX-License-Identifier: MIT
# What one `mailoauth connect` session costs, seen in its system calls
# (strace): the system's trust anchors come from the hashed certificate
# directory, looked up for the chain at hand, never the whole bundle (not
# even with $SSL_CERT_FILE naming it); a server whose CA is only in that
# directory ($SSL_CERT_DIR, no ca_file) is verified; and relaying a 20 MB
# POP3 mailbox to fetchmail reads only what poll said was there: no read()
# that returns EAGAIN.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
tap_require strace fetchmail openssl
connect_setup
N=200
stand_seed_mail "$STAND_USER" $N 102400

bundle=
for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
	[ -r "$f" ] && { bundle=$f; break; }
done
printf 'USER %s\r\nPASS x\r\nSTAT\r\nQUIT\r\n' "$STAND_USER" > "$W/script"
# LeakSanitizer cannot run under ptrace (strace): in a sanitizer build the
# traced processes check everything else but leaks.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

# --- trust anchors ----------------------------------------------------------
env SSL_CERT_FILE="${bundle:-/etc/ssl/certs/ca-certificates.crt}" \
	strace -f -e trace=openat -o "$W/open.trace" \
	"$MAILOAUTH_HELPER" --config "$CFG" connect --protocol pop3 127.0.0.1 "$DOVECOT_POP3S_PORT" \
	< "$W/script" > "$W/s.out" 2> "$W/s.err"
st=$?
[ $st -eq 0 ] && grep -q '^+OK 200 ' "$W/s.out"
tap_ok $? "a session with \$SSL_CERT_FILE set logs in and counts the $N messages (status $st)"
if [ -n "$bundle" ]; then
	! grep -q "\"$bundle\"" "$W/open.trace" && ! grep -q '"/etc/ssl/certs/ca-certificates.crt"' "$W/open.trace"
	tap_ok $? "... without opening the system bundle $bundle"
else
	tap_ok 0 "# SKIP no system CA bundle on this machine"
fi
grep -q "\"$STAND_CA\"" "$W/open.trace"
tap_ok $? "... and with the account's ca_file read"

# The stand's CA in a hashed directory of its own, no ca_file: verified.
mkdir -p "$W/certs"
cp "$STAND_CA" "$W/certs/stand-ca.pem"
ln -s stand-ca.pem "$W/certs/$(openssl x509 -hash -noout -in "$STAND_CA").0"
sed 's/^ca_file = .*$//' "$CFG" > "$W/config-noca"
env SSL_CERT_DIR="$W/certs" "$MAILOAUTH_HELPER" --config "$W/config-noca" connect \
	--protocol pop3 127.0.0.1 "$DOVECOT_POP3S_PORT" < "$W/script" > "$W/d.out" 2> "$W/d.err"
st=$?
[ $st -eq 0 ] && grep -q '^+OK 200 ' "$W/d.out"
tap_ok $? "a server whose CA is only in the hashed \$SSL_CERT_DIR is verified (status $st)"
env SSL_CERT_DIR="$W/empty" "$MAILOAUTH_HELPER" --config "$W/config-noca" connect \
	--protocol pop3 127.0.0.1 "$DOVECOT_POP3S_PORT" < "$W/script" > "$W/e.out" 2> "$W/e.err"
grep -q '^-ERR .*certificate of 127.0.0.1 was refused' "$W/e.out"
tap_ok $? "... and refused when that directory does not hold it"

# --- no busy reads ----------------------------------------------------------
d=$W/fm
mkdir -p "$d"
chmod 700 "$d"
cat > "$d/.fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 protocol pop3 port $DOVECOT_POP3S_PORT
  plugin "strace -f -e trace=read -o $d/read.trace $(connect_cmd --protocol pop3)"
  user "$STAND_USER" password "dummy" is root here
  sslproto ''
  keep fetchall
EOF
chmod 600 "$d/.fetchmailrc"
HOME=$d FETCHMAILHOME=$d timeout 300 fetchmail --nodetach --pidfile "$d/fetchmail.pid" --bsmtp /dev/null -f "$d/.fetchmailrc" \
	> "$d/out" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "$N messages" "$d/out"
ok=$?
tap_ok $ok "fetchmail through the plugin under strace: $N messages, 20 MB (status $st)"
[ $ok -eq 0 ] || tap_diag "$(tail -n 5 "$d/out")"
reads=$(grep -c ' read(' "$d/read.trace")
again=$(grep -c 'EAGAIN' "$d/read.trace")
[ "$reads" -gt 0 ] && [ "$again" -le 10 ]
tap_ok $? "the relay reads only what poll reported: $again of $reads reads returned EAGAIN"

tap_done
