#!/bin/sh
# SPDX-License-Identifier: MIT
# The TLS mode from the account's pop3/imap key: pop3s:// and imaps:// are
# implicit TLS, pop3:// and imap:// STARTTLS, on any port (the stand's
# Dovecot listens on high ports, as an ssh-forwarded port or stunnel
# would); nothing is guessed and nothing else says it.  --tls overrides.
# `check` follows the key too.  `connect --account NAME` alone goes to the account's one POP3 or IMAP
# server, and fetchmail reaches it both ways: `plugin "mailoauth connect
# --account NAME"` and `plugin "mailoauth connect %h %p"` with no port in
# the poll (fetchmail then passes the service name, "pop3").
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
command -v fetchmail > /dev/null || tap_skip_all "fetchmail is not installed"
connect_setup
N=3
stand_seed_mail "$STAND_USER" $N 1000
P=$DOVECOT_POP3_PORT PS=$DOVECOT_POP3S_PORT I=$DOVECOT_IMAP_PORT IS=$DOVECOT_IMAPS_PORT

pop_script() {
	printf 'USER %s\r\nPASS x\r\nSTAT\r\nQUIT\r\n' "$STAND_USER"
}
imap_script() {
	printf 'a1 LOGIN %s x\r\na2 SELECT INBOX\r\na3 LOGOUT\r\n' "$STAND_USER"
}
# keys FILE POP3 IMAP [SED...] — a copy of $CFG with those pop3/imap values.
keys() {
	_f=$1 _p=$2 _i=$3
	shift 3
	sed -e "s|^pop3 = .*\$|pop3 = $_p|" -e "s|^imap = .*\$|imap = $_i|" "$@" "$CFG0" > "$_f"
}
tls_logins() {
	grep -c "$1-login: Info: Login: user=<$STAND_USER>, method=XOAUTH2, .*, TLS" "$DOVECOT_LOG"
}
CFG0=$CFG

# --- the scheme says the TLS mode ----------------------------------------------
keys "$W/c-starttls" "pop3://127.0.0.1:$P" "imap://127.0.0.1:$I"
CFG=$W/c-starttls
l=$(tls_logins pop3)
pop_script | session "$W/s1.out" "$P" -v
st=$?
[ $st -eq 0 ] && grep -q "^+OK $N " "$W/s1.out" && [ "$(tls_logins pop3)" -gt "$l" ]
tap_ok $? "pop3 = pop3://127.0.0.1:$P: POP3 with STLS, the login over TLS (status $st)"
grep -q "connecting to 127.0.0.1:$P (pop3, STARTTLS)" "$W/s1.out.err" &&
	! grep -q "does not start with TLS" "$W/s1.out.err"
ok=$?
tap_ok $ok "... STARTTLS from the key, before connecting: no TLS handshake tried first"
[ $ok -eq 0 ] || tap_diag "$(cat "$W/s1.out.err")"
l=$(tls_logins imap)
imap_script | session "$W/s2.out" "$I" -v
st=$?
[ $st -eq 0 ] && grep -q '^a2 OK' "$W/s2.out" && [ "$(tls_logins imap)" -gt "$l" ] &&
	grep -q "connecting to 127.0.0.1:$I (imap, STARTTLS)" "$W/s2.out.err"
tap_ok $? "imap = imap://127.0.0.1:$I: IMAP with STARTTLS from the key (status $st)"

keys "$W/c-implicit" "pop3s://127.0.0.1:$PS" "imaps://127.0.0.1:$IS/"
CFG=$W/c-implicit
pop_script | session "$W/s3.out" "$PS" -v
st=$?
[ $st -eq 0 ] && grep -q "^+OK $N " "$W/s3.out" &&
	grep -q "connecting to 127.0.0.1:$PS (pop3, implicit TLS)" "$W/s3.out.err"
tap_ok $? "pop3 = pop3s://127.0.0.1:$PS: implicit TLS from the key (status $st)"
imap_script | session "$W/s4.out" "$IS" -v
st=$?
[ $st -eq 0 ] && grep -q '^a2 OK' "$W/s4.out" &&
	grep -q "connecting to 127.0.0.1:$IS (imap, implicit TLS)" "$W/s4.out.err"
tap_ok $? "imap = imaps://127.0.0.1:$IS/: implicit TLS from the key (status $st)"

# The key is taken at its word: implicit TLS toward the plain port fails
# (no guess, no fallback); --tls overrides the key.
keys "$W/c-wrong" "pop3s://127.0.0.1:$P" "imaps://127.0.0.1:$I"
CFG=$W/c-wrong
pop_script | session "$W/w1.out" "$P" -v
st=$?
[ $st -ne 0 ] && ! grep -q "^+OK $N " "$W/w1.out" &&
	grep -q "connecting to 127.0.0.1:$P (pop3, implicit TLS)" "$W/w1.out.err" &&
	! grep -q "trying STARTTLS" "$W/w1.out.err"
tap_ok $? "pop3 = pop3s:// naming the plain port: implicit TLS as the key says, no fallback (status $st)"
pop_script | session "$W/w2.out" "$P" --tls starttls
st=$?
[ $st -eq 0 ] && grep -q "^+OK $N " "$W/w2.out"
tap_ok $? "--tls starttls overrides the key's pop3s:// (status $st)"
imap_script | session "$W/w3.out" "$I" --tls starttls
st=$?
[ $st -eq 0 ] && grep -q '^a2 OK' "$W/w3.out"
tap_ok $? "--tls starttls overrides the key's imaps:// (status $st)"

# --- connect --account NAME, no HOST PORT --------------------------------------
CFG=$W/c-starttls
timeout 30 "$MAILOAUTH_HELPER" --config "$CFG" connect --account work \
	< /dev/null > "$W/a1.out" 2> "$W/a1.err"
st=$?
[ $st -eq 64 ] && grep -q "account work has a POP3 server (127.0.0.1:$P) and an IMAP server (127.0.0.1:$I); say --protocol pop3 or --protocol imap, or give HOST PORT" "$W/a1.err"
tap_ok $? "--account alone with POP3 and IMAP servers: usage error naming both (status $st)"
pop_script | timeout 30 "$MAILOAUTH_HELPER" --config "$CFG" connect --account work \
	--protocol pop3 > "$W/a2.out" 2> "$W/a2.err"
st=$?
[ $st -eq 0 ] && grep -q "^+OK $N " "$W/a2.out"
tap_ok $? "--account work --protocol pop3: the account's pop3:// server (status $st)"
keys "$W/c-poponly" "pop3://127.0.0.1:$P" "imap://127.0.0.1:$I" \
	-e 's/^scopes = .*$/scopes = pop/'
CFG=$W/c-poponly
pop_script | timeout 30 "$MAILOAUTH_HELPER" --config "$CFG" -v connect --account work \
	> "$W/a3.out" 2> "$W/a3.err"
st=$?
[ $st -eq 0 ] && grep -q "^+OK $N " "$W/a3.out" &&
	grep -q "connecting to 127.0.0.1:$P (pop3, STARTTLS)" "$W/a3.err"
ok=$?
tap_ok $ok "--account alone, an account for POP only: its one server, TLS from its key (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$W/a3.out" "$W/a3.err")"
sed -e 's/^pop3 = .*$//' "$CFG" > "$W/c-noserver"
sed -i -e 's/^provider = microsoft$/provider = plain/' "$W/c-noserver"
cat >> "$W/c-noserver" <<EOT
[provider plain]
authorize_url = $MOCK_URL/{tenant}/oauth2/v2.0/authorize
token_url = $MOCK_URL/{tenant}/oauth2/v2.0/token
scope_pop = https://outlook.office.com/POP.AccessAsUser.All
EOT
timeout 30 "$MAILOAUTH_HELPER" --config "$W/c-noserver" connect --account work --protocol pop3 \
	< /dev/null > "$W/a4.out" 2> "$W/a4.err"
st=$?
[ $st -ne 0 ] && grep -q "^-ERR .*account work names no POP3 server; set pop3 in \[account work\]" "$W/a4.out"
ok=$?
tap_ok $ok "--account alone, no POP3 server at all: the client hears what to set (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$W/a4.out" "$W/a4.err")"

# --- fetchmail, both plugin forms ----------------------------------------------
fm() {
	_d=$1 _plugin=$2
	mkdir -p "$_d"
	chmod 700 "$_d"
	{
		echo "set no syslog"
		echo "poll 127.0.0.1 protocol pop3"
		echo "  plugin \"$_plugin\""
		echo "  user \"$STAND_USER\" password \"dummy\" is root here"
		echo "  sslproto ''"
		echo "  mda \"cat >> $_d/mbox\""
		echo "  keep fetchall"
	} > "$_d/.fetchmailrc"
	chmod 600 "$_d/.fetchmailrc"
	connect_fetchmail "$_d"
}
fm "$W/fm1" "$MAILOAUTH_HELPER --config $CFG connect --account work"
st=$?
[ $st -eq 0 ] && [ "$(connect_count "$W/fm1/mbox")" -eq $N ]
ok=$?
tap_ok $ok "fetchmail, plugin \"mailoauth connect --account work\": $N messages (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$W/fm1/out")"
fm "$W/fm2" "$MAILOAUTH_HELPER --config $CFG -v connect %h %p"
st=$?
[ $st -eq 0 ] && [ "$(connect_count "$W/fm2/mbox")" -eq $N ] &&
	grep -q "connecting to 127.0.0.1:$P (pop3, STARTTLS)" "$W/fm2/out"
ok=$?
tap_ok $ok "fetchmail, plugin \"mailoauth connect %h %p\", no port (%p is pop3): the key's port and TLS (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$W/fm2/out")"

# check goes the same way: the key's scheme, no guess.
timeout 60 "$MAILOAUTH_HELPER" --config "$W/c-starttls" -v check work --protocol pop3 \
	> "$W/k1.out" 2> "$W/k1.err"
st=$?
[ $st -eq 0 ] && grep -q 'STARTTLS, TLSv1' "$W/k1.out" &&
	grep -q "connecting to 127.0.0.1:$P (pop3, STARTTLS)" "$W/k1.err"
ok=$?
tap_ok $ok "check work: STARTTLS from the pop3:// key (status $st)"
[ $ok -eq 0 ] || tap_diag "$(cat "$W/k1.out" "$W/k1.err")"

# A service name without a key for the host: the name's own port.
timeout 30 "$MAILOAUTH_HELPER" --config "$CFG" connect 127.0.0.2 smtp \
	< /dev/null > "$W/n1.out" 2> "$W/n1.err"
st=$?
[ $st -eq 64 ] && grep -q "connect needs HOST PORT (PORT a number, or pop3, pop3s, imap, imaps), not '127.0.0.2 smtp'" "$W/n1.err"
tap_ok $? "PORT smtp: usage error listing the names connect takes (status $st)"

sanitizer_clean
tap_done
