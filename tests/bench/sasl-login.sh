#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: a complete IMAP login through libmailoauth.so with a
# fresh token from the store (`imtest -m XOAUTH2 -w ACCOUNT`) against the
# same client passing the raw token as the password (`-w TOKEN`, no
# mailoauth configuration), in the same run, interleaved, against the test
# stand's Dovecot.  Target: store/raw <= 1.1 (medians).  Also reports the
# in-process cost of one SASL exchange each way (no network).
#
#   sh tests/bench/sasl-login.sh            (top_srcdir/top_builddir set, or
#                                            run from the build directory)
#   BENCH_N=100 BENCH_TARGET=1.10           iterations per variant, target
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/sasl/e2e-lib.sh"

tap_require "$IMTEST"
N=${BENCH_N:-60}
TARGET=${BENCH_TARGET:-1.10}

sasl_setup
# Tokens short enough for imtest -w (it aborts at 1024 bytes), the same size
# both ways.
mock_ctl POST /mock/config '{"token_size": 900}' > /dev/null
sasl_account work
e2e_import work "$STAND_USER" "$E2E_MAIL_SCOPES"
tap_ok $? "a grant is imported for account work"
TOKEN=$(store_get "$STATE/work.json" access_token)
[ -n "$TOKEN" ] && [ ${#TOKEN} -lt 1024 ]
tap_ok $? "stored token of ${#TOKEN} bytes"

export N TARGET TOKEN IMTEST SASL_PRELOAD
python3 - > "$W/bench.out" <<'EOF'
import os, statistics, subprocess, time

n = int(os.environ["N"])
base = dict(os.environ)
if os.environ.get("SASL_PRELOAD"):
    base["LD_PRELOAD"] = os.environ["SASL_PRELOAD"]
    base["ASAN_OPTIONS"] = "detect_leaks=0:verify_asan_link_order=0"
user = os.environ["STAND_USER"]
port = os.environ["DOVECOT_IMAP_PORT"]
store_env = dict(base)
# The raw token as the password of the account's user (as PassCmd "mailoauth
# token work" gives it): sent as it is, no store read.
raw_env = store_env
variants = {
    "store": (["-w", "work"], store_env),
    "raw": (["-w", os.environ["TOKEN"]], raw_env),
}
times = {k: [] for k in variants}
fail = {k: 0 for k in variants}

def once(name):
    args, env = variants[name]
    cmd = [os.environ["IMTEST"], "-m", "XOAUTH2", "-a", user] + args + ["-p", port, "127.0.0.1"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    dt = time.perf_counter() - t0
    if b"\nAuthenticated." not in p.stdout:
        fail[name] += 1
    times[name].append(dt)

for name in variants:          # warm-up
    once(name)
for k in times:
    times[k].clear()
    fail[k] = 0
for i in range(n):
    order = ["store", "raw"] if i % 2 == 0 else ["raw", "store"]
    for name in order:
        once(name)

med = {k: statistics.median(v) * 1000 for k, v in times.items()}
mean = {k: statistics.mean(v) * 1000 for k, v in times.items()}
print("store_median_ms %.2f" % med["store"])
print("raw_median_ms %.2f" % med["raw"])
print("store_mean_ms %.2f" % mean["store"])
print("raw_mean_ms %.2f" % mean["raw"])
print("ratio_median %.3f" % (med["store"] / med["raw"]))
print("ratio_mean %.3f" % (mean["store"] / mean["raw"]))
print("failures %d" % (fail["store"] + fail["raw"]))
EOF
tap_ok $? "benchmark ran ($N logins each way, interleaved)"
sed 's/^/# /' "$W/bench.out"
get() { sed -n "s/^$1 //p" "$W/bench.out"; }
[ "$(get failures)" = 0 ]
tap_ok $? "every login succeeded"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' \
	"$(get ratio_median)" "$TARGET"
tap_ok $? "login through the store / raw token as password = $(get ratio_median) (target <= $TARGET)"

if [ -x "$top_builddir/tests/sasl/test-sasl-plugin" ]; then
	inproc=$(client "$top_builddir/tests/sasl/test-sasl-plugin" --bench 5000)
	tap_ok $? "in-process exchange benchmark"
	tap_diag "$inproc"
fi
tap_done
