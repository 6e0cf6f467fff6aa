#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (not run by make check): N mailboxes (default 200) of one app
# with flow = client_credentials, sharing one app token
# (doc/internals.md, "One app token for many mailboxes").  Times, with the
# token requests the mock identity platform counted (target: one per
# token lifetime, where each mailbox used to cost one):
#  - `mailoauth token` for every account, one after the other, the token
#    stale (the first asks, the others copy the shared token);
#  - the same with the token fresh (the fast path);
#  - a forced `mailoauth refresh --all`;
#  - for comparison, N mailboxes whose credentials differ (each its own
#    client_secret_file), which share nothing: one request each.
#
#   cd BUILD && top_srcdir=SRC top_builddir=. sh SRC/tests/bench/app-token.sh
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/net/signin.sh"
N=${N:-200}

e2e_setup --no-dovecot
si_write_secret "$STAND_DIR/app.secret" "$STAND_CONFIDENTIAL_SECRET"
i=0
while [ $i -lt "$N" ]; do
	e2e_account "box$i" flow=client_credentials client_id="$STAND_CONFIDENTIAL_CLIENT_ID" \
		client_secret_file="$STAND_DIR/app.secret" user="box$i@contoso.example"
	si_write_secret "$STAND_DIR/own$i.secret" "$STAND_CONFIDENTIAL_SECRET"
	e2e_account "own$i" flow=client_credentials client_id="$STAND_CONFIDENTIAL_CLIENT_ID" \
		client_secret_file="$STAND_DIR/own$i.secret" user="own$i@contoso.example"
	i=$((i + 1))
done
grants() {
	mock_ctl GET /mock/stats | stand_json token.client_credentials
}
all() {	# [PREFIX]
	_i=0
	while [ $_i -lt "$N" ]; do
		"$MAILOAUTH_HELPER" token "${1:-box}$_i" > /dev/null ||
			{ echo "token ${1:-box}$_i failed" >&2; exit 1; }
		_i=$((_i + 1))
	done
}
stale_all() {
	python3 - "$STATE" <<'PY'
import glob, json, os, sys, time
for p in glob.glob(sys.argv[1] + "/*.json") + glob.glob(sys.argv[1] + "/app-tokens/*.json"):
    d = json.load(open(p))
    d["expires_at"] = int(time.time()) - 60
    fd = os.open(p + ".edit", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, json.dumps(d).encode())
    os.close(fd)
    os.rename(p + ".edit", p)
PY
}
run() {	# LABEL COMMAND...
	_label=$1
	shift
	_g0=$(grants)
	_t0=$(ms)
	"$@"
	_t1=$(ms)
	awk -v l="$_label" -v ms=$((_t1 - _t0)) -v n="$N" -v g=$(($(grants) - _g0)) \
		'BEGIN { printf "  %-50s %7d ms  %6.2f ms per mailbox  %d token request(s)\n", l, ms, ms / n, g }'
}
echo "$N mailboxes of one app (flow = client_credentials):"
all	# the first tokens
stale_all
run "token for each, the shared token stale" all
run "token for each, fresh (fast path)" all
run "token for each, credentials not shared" all own
run "refresh --all of both sets, forced (1 + $N expected)" "$MAILOAUTH_HELPER" refresh --all
