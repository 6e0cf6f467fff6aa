#!/bin/sh
# SPDX-License-Identifier: MIT
# The token store writes only through the directory descriptor it checked:
# strace of `mailoauth import`, `refresh` and `logout` shows the state
# directory opened once per writer with O_DIRECTORY|O_NOFOLLOW, and every
# file under it (ACCOUNT.json, its temporary file, ACCOUNT.lock,
# ACCOUNT.state) created, renamed and removed with openat()/renameat()/
# unlinkat() relative to that descriptor: no path under the directory and
# no path-based rename() ever reaches the kernel.  A symbolic link in place
# of the state directory, or of the token file, is refused (exit 78) and
# nothing is written where it points.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"

command -v strace > /dev/null 2>&1 || tap_skip_all "strace is not installed"
strace -f -qq -o /dev/null true 2> /dev/null ||
	tap_skip_all "strace cannot trace here (ptrace not permitted)"

e2e_setup --no-dovecot
e2e_account work
e2e_import work
tap_ok $? "import of a seeded refresh token succeeds"

SYSCALLS=open,openat,openat2,creat,rename,renameat,renameat2,link,linkat,unlink,unlinkat,mkdir,mkdirat,symlink,symlinkat,chmod,fchmodat,truncate

# traced NAME CMD...: runs CMD under strace into $W/NAME.trace.
# LeakSanitizer cannot run under ptrace (it exits 1): off for these runs
# of a sanitizer build; every other test still checks for leaks.
traced() {
	_n=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -s 4096 -e trace=$SYSCALLS -o "$W/$_n.trace" "$@" \
		> "$W/$_n.out" 2> "$W/$_n.err"
}

# check_trace NAME ACCOUNT: the trace's writes under $STATE are all
# relative to a descriptor of $STATE opened with O_NOFOLLOW; prints what
# it found (or what is wrong) as "# " lines; exits 1 on any violation.
check_trace() {
	python3 - "$W/$1.trace" "$STATE" "$2" "${3:-}" <<'PYEOF'
import re, sys
trace, state, acct, want = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3], sys.argv[4]
bad, dirfds, seen = [], {}, {"create": 0, "rename": 0, "state": 0, "unlink": 0}
def ours(s):
    """A file of the account in the store: ACCOUNT.* or .ACCOUNT.*"""
    b = s.rsplit("/", 1)[-1]
    return b.startswith(acct + ".") or b.startswith("." + acct + ".")
call = re.compile(r'^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)')
for line in open(trace):
    m = call.match(line)
    if not m:
        continue
    pid, name, args, rv = m.group(1), m.group(2), m.group(3), int(m.group(4))
    strs = re.findall(r'"((?:[^"\\]|\\.)*)"', args)
    first = args.split(",")[0].strip()
    # The state directory itself: opened once, never following a link.
    if name in ("open", "openat") and strs and strs[0].rstrip("/") == state:
        if "O_DIRECTORY" not in args or "O_NOFOLLOW" not in args:
            bad.append("state directory opened without O_DIRECTORY|O_NOFOLLOW: " + line.strip())
        if rv >= 0:
            dirfds[(pid, rv)] = True
        continue
    # No path under the state directory, ever (relative names go with a dirfd).
    for s in strs:
        if s.startswith(state + "/"):
            bad.append("path under the state directory: " + line.strip())
    if name in ("rename", "link", "unlink", "creat", "truncate", "chmod", "mkdir", "symlink"):
        if any(ours(s) for s in strs):
            bad.append("path-based %s: %s" % (name, line.strip()))
        continue
    if name.startswith("rename"):
        fds = re.findall(r'(?:^|, )(AT_FDCWD|\d+), "', args)
        if any(ours(s) for s in strs):
            if "AT_FDCWD" in fds or len(set(fds)) != 1 or (pid, int(fds[0])) not in dirfds:
                bad.append("rename not within the checked directory fd: " + line.strip())
            elif re.fullmatch(r"\.%s\.json\.[A-Za-z0-9]{6}" % re.escape(acct), strs[0]) and strs[1] == acct + ".json":
                seen["rename"] += 1
            elif strs[1] == acct + ".state":
                seen["state"] += 1
        continue
    if name in ("openat", "unlinkat") and strs and ours(strs[0]):
        if first == "AT_FDCWD" or (pid, int(first)) not in dirfds:
            bad.append("%s not relative to the checked directory fd: %s" % (name, line.strip()))
        elif name == "openat" and strs[0].startswith("." + acct + ".json."):
            if not all(f in args for f in ("O_CREAT", "O_EXCL", "O_NOFOLLOW")) or "0600" not in args:
                bad.append("temporary file not created O_CREAT|O_EXCL|O_NOFOLLOW 0600: " + line.strip())
            seen["create"] += 1
        elif name == "unlinkat":
            seen["unlink"] += 1
for b in bad:
    print("# " + b)
print("# %s: %d directory opens, %d temporary files created, %d token renames, "
      "%d state renames, %d unlinks" % (trace.rsplit("/", 1)[-1], len(dirfds),
      seen["create"], seen["rename"], seen["state"], seen["unlink"]))
ok = not bad
if want == "write":
    ok = ok and seen["create"] >= 1 and seen["rename"] >= 1
elif want == "state":
    ok = ok and seen["create"] >= 1 and seen["rename"] >= 1 and seen["state"] >= 1
elif want == "remove":
    ok = ok and seen["unlink"] >= 1
sys.exit(0 if ok else 1)
PYEOF
}

# --- every writer goes through the checked descriptor ---------------------
rt=$W/seed-again.rt
stand_seed "$STAND_USER" | stand_json refresh_token > "$rt"
traced import "$MAILOAUTH_HELPER" import work --file "$rt"
rc=$?
rm -f "$rt"
check_trace import work write
tap_ok $? "import (rc=$rc): the token file is created, written and renamed within the checked directory fd"

rm -f "$STATE/work.state"
traced refresh "$MAILOAUTH_HELPER" refresh work
rc=$?
[ $rc -eq 0 ] && [ -f "$STATE/work.state" ]
tap_ok $? "refresh succeeds and records the account's state (rc=$rc)"
check_trace refresh work state
tap_ok $? "refresh: token file, lock and work.state all written through the checked fd"
! grep -E '(^|[0-9] )rename\(' "$W/refresh.trace" "$W/import.trace" > /dev/null
tap_ok $? "no path-based rename() at all"
[ "$(stat -c %a "$STATE/work.json")" = 600 ] && [ "$(stat -c %a "$STATE/work.state")" = 600 ]
tap_ok $? "the replaced files are 0600"

# --- a symbolic link in place of the state directory ----------------------
LINKED=$W/linked-state
ELSEWHERE=$W/elsewhere
mkdir -m 700 "$ELSEWHERE"
cp -p "$STATE/work.json" "$ELSEWHERE/work.json"
ln -s "$ELSEWHERE" "$LINKED"
e2e_account viaLink "state_dir=$LINKED"
before=$(cksum < "$ELSEWHERE/work.json")
stand_seed "$STAND_USER" | stand_json refresh_token > "$rt"
mo import viaLink --file "$rt"
rc=$?
rm -f "$rt"
grep -q "symbolic link" "$ERR" && grep -q "state_dir" "$ERR"
tap_ok $? "a symlinked state directory is refused, naming state_dir (rc=$rc)"
[ $rc -eq 78 ] && [ "$(ls -A "$ELSEWHERE")" = work.json ] &&
	[ "$(cksum < "$ELSEWHERE/work.json")" = "$before" ]
tap_ok $? "import into it is refused and writes nothing where it points (rc=$rc)"
mo refresh viaLink
rc=$?
[ $rc -eq 78 ] && [ "$(ls -A "$ELSEWHERE")" = work.json ]
tap_ok $? "refresh refuses it too, no lock or state file created (rc=$rc)"

# --- a symbolic link in place of the token file ---------------------------
mv "$STATE/work.json" "$W/real-work.json"
ln -s "$W/real-work.json" "$STATE/work.json"
before=$(cksum < "$W/real-work.json")
mo refresh work
rc=$?
[ $rc -eq 78 ] && grep -q "symbolic link" "$ERR" && [ -L "$STATE/work.json" ] &&
	[ "$(cksum < "$W/real-work.json")" = "$before" ]
tap_ok $? "a symlinked token file is refused; the link and its target stay as they were (rc=$rc)"
mo token work > /dev/null
rc=$?
[ $rc -eq 78 ]
tap_ok $? "token refuses it too (rc=$rc)"
rm -f "$STATE/work.json"
mv "$W/real-work.json" "$STATE/work.json"

# --- removal ---------------------------------------------------------------
traced logout "$MAILOAUTH_HELPER" logout work
rc=$?
check_trace logout work remove
tap_ok $? "logout (rc=$rc): the token file is removed with unlinkat() within the checked fd"

tap_done
