#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (not run by make check): `mailoauth refresh --all` of N accounts
# (default 1000) against the mock identity platform, beside N separate
# `mailoauth refresh ACCOUNT` processes, same run.  Target: --all
# at least 5 x faster.
#
#   cd BUILD && top_srcdir=SRC top_builddir=. sh SRC/tests/bench/refresh-all.sh
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/net/netstand.sh"
N=${N:-1000}

e2e_setup --no-dovecot
mkdir -p "$STATE"
chmod 700 "$STATE"
# N accounts, each with its own grant at the mock, stored directly.
python3 - "$N" "$CFG" "$STATE" "$MOCK_URL" "$STAND_CA" "$STAND_TENANT" \
	"$STAND_PUBLIC_CLIENT_ID" <<'PY'
import json, os, ssl, sys, time, http.client
n, cfg, state, url, ca, tenant, cid = sys.argv[1:8]
n = int(n)
host, port = url.split("//")[1].split(":")
conn = http.client.HTTPSConnection(host, int(port),
    context=ssl.create_default_context(cafile=ca))
with open(cfg, "a") as c:
    for i in range(n):
        name = "acct%04d" % i
        user = "user%04d@contoso.example" % i
        conn.request("POST", "/mock/seed", json.dumps({"user": user}),
                     {"Content-Type": "application/json"})
        s = json.loads(conn.getresponse().read())
        c.write("[account %s]\nprovider = microsoft\ntenant = %s\nclient_id = %s\n"
                "user = %s\nscopes = imap\nauthority = %s\nca_file = %s\n"
                "state_dir = %s\n\n" % (name, tenant, cid, user, url, ca, state))
        now = int(time.time())
        p = os.path.join(state, name + ".json")
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, json.dumps({"version": 1, "account": name, "client_id": cid,
            "refresh_token": s["refresh_token"], "refresh_obtained_at": now,
            "access_token": s["access_token"], "token_type": "Bearer",
            "expires_at": now + 3599, "obtained_at": now}).encode())
        os.close(fd)
PY
t() { python3 -c 'import time; print("%.3f" % time.time())'; }
echo "refresh of $N accounts against the mock identity platform:"
t0=$(t)
"$MAILOAUTH_HELPER" refresh --all || { echo "refresh --all failed" >&2; exit 1; }
t1=$(t)
i=0
while [ $i -lt "$N" ]; do
	"$MAILOAUTH_HELPER" refresh "$(printf 'acct%04d' $i)" || { echo "refresh $i failed" >&2; exit 1; }
	i=$((i + 1))
done
t2=$(t)
python3 - "$t0" "$t1" "$t2" "$N" <<'PY'
import sys
t0, t1, t2, n = map(float, sys.argv[1:5])
a, b = t1 - t0, t2 - t1
print("  refresh --all (one process)      %7.2f s  (%.2f ms per account)" % (a, a * 1000 / n))
print("  %d x refresh ACCOUNT (processes) %7.2f s  (%.2f ms per account)" % (n, b, b * 1000 / n))
print("  speed-up: %.1f x" % (b / a))
PY
echo "  mock token requests: $(mock_ctl GET /mock/stats | stand_json token.refresh_token)"
