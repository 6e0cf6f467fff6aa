#!/bin/sh
# SPDX-License-Identifier: MIT
#
# mkca.sh OUTDIR — make a throw-away test CA and two server certificates.
#
#   OUTDIR/ca.pem, ca.key                 the test CA (EC P-256, 1 day)
#   OUTDIR/server.pem, server.key         SAN DNS:localhost, IP:127.0.0.1
#   OUTDIR/wronghost.pem, wronghost.key   SAN DNS:wrong.example only
#   OUTDIR/dh.pem                         RFC 7919 ffdhe2048 group (Dovecot's ssl_dh)
#
# Everything is generated at test time and never committed.  Private keys are
# mode 0600, certificates 0644.  Takes well under a second.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 64
fi
out=$1
mkdir -p "$out"
cd "$out"
umask 077

# OpenSSL config for the leaf certificates; the SAN is passed per call.
cat > leaf.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = mailoauth test server
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	-nodes -keyout ca.key -out ca.pem -days 2 -sha256 \
	-subj "/CN=mailoauth test CA $$" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# leaf NAME SAN — key + certificate signed by the CA, with subjectAltName SAN.
leaf() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.csr" -config leaf.cnf 2>/dev/null
	{ cat leaf.cnf; printf 'subjectAltName = %s\n' "$2"; } > "$1.cnf"
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -sha256 -out "$1.pem" \
		-extfile "$1.cnf" -extensions leaf 2>/dev/null
	rm -f "$1.csr" "$1.cnf"
}
leaf server "DNS:localhost,IP:127.0.0.1"
leaf wronghost "DNS:wrong.example"

# Fixed, public DH group (no generation cost): Dovecot wants ssl_dh.
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out dh.pem 2>/dev/null

rm -f leaf.cnf ca.srl
chmod 0644 ca.pem server.pem wronghost.pem dh.pem
chmod 0600 ca.key server.key wronghost.key
