#!/bin/sh
# SPDX-License-Identifier: MIT
# Hostile clients against `mailoauth connect` (Dovecot behind it): overlong
# lines, NUL bytes, CR/LF and ^A in user names, oversized literals, endless
# bad commands, early close, random bytes.  Each ends with a well-formed
# reply and a prompt exit: never a crash (status >= 128), never a hang, and
# (sanitizer builds) never a leak.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
connect_setup
P=$DOVECOT_POP3S_PORT
I=$DOVECOT_IMAPS_PORT

# feed NAME PROTO PORT — $W/in is what the client sends; checks status
# and time.  (Not in a pipeline: the TAP counter lives in this shell.)
feed() {
	_start=$(date +%s)
	session "$W/h.out" "$3" --protocol "$2" < "$W/in"
	_st=$?
	_took=$(( $(date +%s) - _start ))
	[ $_st -lt 124 ] && [ $_took -lt 20 ]
	tap_ok $? "$1: exits by itself, status $_st, ${_took}s"
	[ $_st -lt 124 ] || tap_diag "$(tail -n 5 "$W/h.out.err")"
}

python3 -c 'import sys; sys.stdout.write("USER " + "A" * 100000)' > "$W/in"; feed "POP3 100 kB line without LF" pop3 $P
grep -q '^-ERR line too long; closing' "$W/h.out"
tap_ok $? "... answered -ERR line too long"
python3 -c 'import sys; sys.stdout.write("USER " + "A" * 100000 + "\r\nQUIT\r\n")' > "$W/in"; feed "POP3 100 kB line" pop3 $P
printf 'USER a\0b@x\r\nQUIT\r\n' > "$W/in"; feed "POP3 NUL in USER" pop3 $P
grep -q '^-ERR NUL byte' "$W/h.out" && grep -q '^+OK mailoauth connect signing off' "$W/h.out"
tap_ok $? "... -ERR, and the session goes on"
printf 'USER user@contoso.example\rPASS x\r\nQUIT\r\n' > "$W/in"; feed "POP3 bare CR in USER" pop3 $P
grep -q '^-ERR control character' "$W/h.out"
tap_ok $? "... -ERR control character"
printf 'USER user@contoso.example\001auth=Bearer x\001\001\r\nPASS x\r\nQUIT\r\n' > "$W/in"; feed "POP3 ^A injection in USER" pop3 $P
grep -q '^-ERR control character' "$W/h.out" && ! grep -q '^+OK Logged in' "$W/h.out"
tap_ok $? "... refused, no login"
printf 'PASS x\r\nAUTH PLAIN !!!!\r\nAUTH PLAIN AGEA\r\nAUTH PLAIN\r\n*\r\nAPOP x\r\nQUIT\r\n' > "$W/in"
feed "POP3 malformed logins" pop3 $P
[ "$(grep -c '^-ERR' "$W/h.out")" -eq 5 ]
tap_ok $? "... five -ERR replies"
yes 'BOGUS' | head -n 50 > "$W/in"; feed "POP3 endless bad commands" pop3 $P
grep -q '^-ERR too many errors; closing' "$W/h.out"
tap_ok $? "... closed after too many errors"
printf 'USER user@contoso.example\r\n' > "$W/in"; feed "POP3 close before PASS" pop3 $P
: > "$W/in"; feed "POP3 close at once" pop3 $P

printf 'a LOGIN {99999}\r\nb LOGOUT\r\n' > "$W/in"; feed "IMAP oversized synchronising literal" imap $I
grep -q '^a BAD literal too long' "$W/h.out" && grep -q '^b OK LOGOUT' "$W/h.out"
tap_ok $? "... a BAD, the session goes on"
printf 'a LOGIN {99999+}\r\nxxxx\r\n' > "$W/in"; feed "IMAP oversized non-synchronising literal" imap $I
grep -q '^\* BYE \[TOOBIG\]' "$W/h.out"
tap_ok $? "... * BYE [TOOBIG]"
printf 'a LOGIN {10}\r\nuser' > "$W/in"; feed "IMAP close inside a literal" imap $I
printf 'a LOGIN "user@contoso.example\001auth=Bearer x" x\r\nb LOGOUT\r\n' > "$W/in"; feed "IMAP ^A in a quoted user" imap $I
grep -q '^a NO \[AUTHENTICATIONFAILED\] mailoauth: the login name is not usable' "$W/h.out"
tap_ok $? "... a NO, no login"
printf 'a LOGIN "x\0y" z\r\nb LOGOUT\r\n' > "$W/in"; feed "IMAP NUL in a quoted string" imap $I
grep -q '^\* BAD NUL byte' "$W/h.out"
tap_ok $? "... * BAD NUL byte"
printf 'a LOGIN "user@contoso.example" {4}\r\np\r\n\r\nb SELECT INBOX\r\nc LOGOUT\r\n' > "$W/in"
feed "IMAP literal with CRLF inside the password" imap $I
grep -q '^a OK' "$W/h.out" && grep -q '^c OK' "$W/h.out"
tap_ok $? "... logs in and goes on"
python3 -c 'import sys; sys.stdout.write("a " + "(" * 5000 + "\r\n")' > "$W/in"; feed "IMAP deep parentheses" imap $I
grep -q '^a BAD' "$W/h.out"
tap_ok $? "... a BAD"
yes 'x BOGUS' | head -n 50 > "$W/in"; feed "IMAP endless bad commands" imap $I
grep -q '^\* BYE too many errors' "$W/h.out"
tap_ok $? "... closed after too many errors"

# Random bytes (fixed seeds), with some valid commands sprinkled in.
n=0 bad=0
while [ $n -lt 20 ]; do
	for proto in pop3 imap; do
		python3 - "$n" "$proto" > "$W/rand.in" <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]) * 7919 + (sys.argv[2] == "imap"))
words = [b"USER ", b"PASS ", b"AUTH PLAIN ", b"CAPA", b"a LOGIN ", b"{5}", b"{3+}",
         b"\"", b"\\", b"\r\n", b"\n", b"\x00", b"\x01", b"*", b"=", b"AHVAeAB4", b" "]
out = b""
for _ in range(r.randrange(1, 200)):
    if r.random() < 0.5:
        out += r.choice(words)
    else:
        out += bytes(r.randrange(256) for _ in range(r.randrange(1, 30)))
sys.stdout.buffer.write(out)
PY
		if [ $proto = pop3 ]; then port=$P; else port=$I; fi
		timeout 30 "$MAILOAUTH_HELPER" --config "$CFG" connect --protocol $proto \
			127.0.0.1 $port < "$W/rand.in" > /dev/null 2> "$W/rand.err"
		st=$?
		cat "$W/rand.err" >> "$W/stderr.all"
		if [ $st -ge 124 ]; then
			bad=$((bad + 1))
			tap_diag "random input $n/$proto: status $st" "$(tail -n 3 "$W/rand.err")"
			cp "$W/rand.in" "$W/rand-$n-$proto.fail"
		fi
	done
	n=$((n + 1))
done
[ $bad -eq 0 ]
tap_ok $? "40 random byte streams: no crash, no hang"

sanitizer_clean
tap_done
