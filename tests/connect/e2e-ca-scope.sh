#!/bin/sh
# SPDX-License-Identifier: MIT
# An account's ca_file vouches only for that account's own hosts: two
# accounts, two private CAs made here.  A connection to a host of account
# beta does not accept a certificate signed by account alpha's CA (and so
# beta's token never reaches it), not even when no account names the host
# for that protocol; beta's own CA is accepted for its host.  The same for
# --account and for `mailoauth check`.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
e2e_setup --no-dovecot --connect

# mkca NAME: a CA (NAME-ca.pem) and a server certificate for 127.0.0.1
# signed by it (NAME-server.pem/.key).
mkca() {
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$W/$1-ca.key" -out "$W/$1-ca.pem" -days 2 -sha256 \
		-subj "/CN=mailoauth test CA $1 $$" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2> /dev/null &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$W/$1-server.key" -out "$W/$1-server.csr" \
		-subj "/CN=127.0.0.1" 2> /dev/null &&
	printf 'subjectAltName = IP:127.0.0.1,DNS:localhost\nextendedKeyUsage = serverAuth\n' \
		> "$W/$1-ext.cnf" &&
	openssl x509 -req -in "$W/$1-server.csr" -CA "$W/$1-ca.pem" -CAkey "$W/$1-ca.key" \
		-CAcreateserial -days 2 -sha256 -out "$W/$1-server.pem" \
		-extfile "$W/$1-ext.cnf" 2> /dev/null
}
mkca alpha && mkca beta
tap_ok $? "two private CAs and a server certificate from each"
# beta's ca_file also holds the stand's CA, for the mock identity provider.
cat "$W/beta-ca.pem" "$STAND_CA" > "$W/beta-bundle.pem"

# alpha: its own servers elsewhere, its CA.  beta: 127.0.0.1 is its IMAP
# host (its POP3 host stays the provider's), its CA.
e2e_account alpha user=alpha@contoso.example ca_file="$W/alpha-ca.pem" \
	pop3=mail-alpha.example:995 imap=mail-alpha.example:993 smtp=mail-alpha.example:587
e2e_account beta user="$STAND_USER" ca_file="$W/beta-bundle.pem" imap=127.0.0.1:993
connect_import beta "$STAND_USER" || tap_skip_all "cannot sign the test account in"

POP_SCRIPT="USER $STAND_USER\r\nPASS x\r\nSTAT\r\nQUIT\r\n"

# pop_to CA [ARGS...]: a TLS POP3 server with CA's certificate; the client
# logs in as beta through `mailoauth connect ARGS`.  Sets ST; the server's
# log is $FAKE_LOG.
pop_to() {
	_ca=$1
	shift
	fake_start pop3 o365 plain 1 --cert "$W/$_ca-server.pem" --key "$W/$_ca-server.key"
	# shellcheck disable=SC2059
	printf "$POP_SCRIPT" | timeout 30 "$MAILOAUTH_HELPER" --config "$CFG" connect \
		--protocol pop3 "$@" 127.0.0.1 "$FAKE_PORT" > "$W/s.out" 2> "$W/s.err"
	ST=$?
	fake_stop
}

pop_to alpha
grep -q '^-ERR .*certificate of 127.0.0.1 was refused' "$W/s.out" &&
	! grep -q 'xoauth2' "$FAKE_LOG"
tap_ok $? "beta's host with a certificate from alpha's CA: refused, no token sent (status $ST)"
grep -q 'ca_file is trusted only for its own' "$W/s.err"
tap_ok $? "... and the message says whose servers a ca_file covers"

pop_to beta
grep -q '^+OK 2 ' "$W/s.out" && grep -q "xoauth2 user=$STAND_USER bearer=yes" "$FAKE_LOG"
tap_ok $? "beta's host with a certificate from beta's CA: accepted, beta logged in (status $ST)"

pop_to alpha --account beta
grep -q '^-ERR .*certificate of 127.0.0.1 was refused' "$W/s.out" &&
	! grep -q 'xoauth2' "$FAKE_LOG"
tap_ok $? "--account beta, alpha's CA: refused, no token sent (status $ST)"

# A host that no account names: only the system store, no account's CA.
e2e_account gamma user=gamma@contoso.example ca_file="$W/alpha-ca.pem" \
	pop3=mail-gamma.example:995 imap=mail-gamma.example:993 smtp=mail-gamma.example:587
fake_start pop3 o365 plain 1 --cert "$W/alpha-server.pem" --key "$W/alpha-server.key"
printf 'USER gamma@contoso.example\r\nPASS x\r\nQUIT\r\n' | timeout 30 "$MAILOAUTH_HELPER" \
	--config "$CFG" connect --protocol pop3 localhost "$FAKE_PORT" > "$W/s.out" 2> "$W/s.err"
fake_stop
grep -q '^-ERR .*certificate of localhost was refused' "$W/s.out"
tap_ok $? "a host no account names: no account's ca_file is trusted for it"

# check: beta's IMAP server with alpha's certificate, then with beta's.
for ca in alpha beta; do
	fake_start imap o365 plain 1 --cert "$W/$ca-server.pem" --key "$W/$ca-server.key"
	sed "s/^imap = 127.0.0.1:993\$/imap = 127.0.0.1:$FAKE_PORT/" "$CFG" > "$W/config-check"
	timeout 60 "$MAILOAUTH_HELPER" --config "$W/config-check" check beta --protocol imap \
		> "$W/check-$ca.out" 2>&1
	eval "st_$ca=\$?"
	fake_stop
	cp "$FAKE_LOG" "$W/check-$ca.log"
done
grep -q 'certificate of 127.0.0.1 was refused' "$W/check-alpha.out" &&
	! grep -q 'xoauth2' "$W/check-alpha.log"
tap_ok $? "check beta against alpha's certificate: refused, no token sent (status $st_alpha)"
grep -q "xoauth2 user=$STAND_USER bearer=yes" "$W/check-beta.log"
tap_ok $? "check beta against beta's certificate: TLS accepted, logged in (status $st_beta)"

sanitizer_clean
tap_done
