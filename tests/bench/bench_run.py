#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Timing helper for the mailoauth benchmarks (tests/bench/*.sh).

  bench_run.py runs N -- CMD ARGS...      run CMD N times (stdout to /dev/null),
                                          print median/mean/p90 wall ms
  bench_run.py compare N A... -- B...     interleave A and B N times each,
                                          print both and the ratio of medians

Processes are started with posix_spawn and reaped with wait4, so the
harness adds the same small cost to every command it measures.  (Peak
RSS is not measured here: a child spawned from Python starts out sharing
Python's memory, which wait4's ru_maxrss would count; the shell scripts use
GNU time for it.)
"""
import os
import statistics
import sys
import time


def run_once(argv, devnull):
    fa = [(os.POSIX_SPAWN_DUP2, devnull, 1)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=fa)
    _, status, _ = os.wait4(pid, 0)
    dt = (time.perf_counter() - t0) * 1000.0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("command failed: %s (status %d)" % (" ".join(argv), status))
    return dt


def summary(name, times):
    times = sorted(times)
    p90 = times[int(len(times) * 0.9) - 1]
    print("  %-26s runs %4d  median %7.3f ms  mean %7.3f ms  p90 %7.3f ms"
          % (name, len(times), statistics.median(times),
             statistics.mean(times), p90))
    return statistics.median(times)


def main():
    devnull = os.open(os.devnull, os.O_WRONLY)
    mode, n = sys.argv[1], int(sys.argv[2])
    rest = sys.argv[3:]
    if mode == "runs":
        argv = rest[1:]
        res = [run_once(argv, devnull) for _ in range(n)]
        summary(os.path.basename(argv[0]), res)
    elif mode == "compare":
        i = rest.index("--")
        a, b = rest[:i], rest[i + 1:]
        for _ in range(5):          # warm the page cache
            run_once(a, devnull)
            run_once(b, devnull)
        ra, rb = [], []
        for _ in range(n):
            ra.append(run_once(a, devnull))
            rb.append(run_once(b, devnull))
        ma = summary(" ".join(os.path.basename(x) for x in a[:2]), ra)
        mb = summary(" ".join(os.path.basename(x) for x in b[:2]), rb)
        print("  ratio of medians: %.2f" % (ma / mb))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
