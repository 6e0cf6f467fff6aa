#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (not run by make check): `mailoauth token ACCOUNT` with a fresh
# token in the store, beside `cat` of the same store file, interleaved,
# median wall time of RUNS runs each (default 500), and peak RSS; then the
# same for an account whose refresh token is encrypted (store_key_file):
# the cached path must not pay for the encryption.
# Target (doc/internals.md, start-up cost): token <= 1.5 x cat, with and
# without encryption.
#
#   cd BUILD && top_srcdir=SRC top_builddir=. \
#       sh SRC/tests/bench/token-fastpath.sh
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/net/netstand.sh"
RUNS=${RUNS:-500}

e2e_setup --no-dovecot
e2e_account work
e2e_import work > /dev/null || { echo "import failed" >&2; exit 1; }
f=$(store_of work)
helper=$(cd "$(dirname "$MAILOAUTH_HELPER")" && pwd)/$(basename "$MAILOAUTH_HELPER")
echo "mailoauth token (fresh token) vs cat of the store file, $RUNS runs each:"
echo "  shared objects of mailoauth: $(ldd "$helper" | grep -c '=>')" \
	"(libcurl: $(ldd "$helper" | grep -c libcurl), libssl/libcrypto: $(ldd "$helper" | grep -c 'libssl\|libcrypto'))"
python3 "$top_srcdir/tests/bench/bench_run.py" compare "$RUNS" \
	"$helper" token work -- "$(command -v cat)" "$f"
key=$STAND_DIR/store.key
openssl rand -base64 32 > "$key" && chmod 600 "$key"
e2e_account sealed "store_key_file=$key"
e2e_import sealed > /dev/null || { echo "import (sealed) failed" >&2; exit 1; }
fs=$(store_of sealed)
grep -q '"sealed"' "$fs" || { echo "the store of account sealed is not encrypted" >&2; exit 1; }
echo "the same with the refresh token encrypted (store_key_file), $RUNS runs each:"
python3 "$top_srcdir/tests/bench/bench_run.py" compare "$RUNS" \
	"$helper" token sealed -- "$(command -v cat)" "$fs"
if [ -x /usr/bin/time ]; then
	rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
	echo "  peak RSS: mailoauth token $(rss "$helper" token work) KiB," \
		"cat $(rss cat "$f") KiB," \
		"mailoauth-net token (slow path, same token) $(rss "$MAILOAUTH_LIBEXECDIR/mailoauth-net" token work) KiB"
else
	echo "  peak RSS: GNU time (/usr/bin/time) not installed"
fi
