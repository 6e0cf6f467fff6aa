#!/bin/sh
# SPDX-License-Identifier: MIT
# Crash consistency at scale: every way mailoauth writes the
# token store, killed with SIGKILL at random moments, many times:
#   - refresh:   `mailoauth refresh ACCOUNT` (rotates the refresh token);
#   - import:    `mailoauth import ACCOUNT --file RT` with a new grant each
#                round (the store replaced by another sign-in's tokens);
#   - authorize: `mailoauth authorize ACCOUNT --device`, the mock approving
#                every code at once (a helper process approves what is
#                pending), in CRASH_LANES accounts side by side.
# The delay before the kill is random, 0 to a little more than the
# command's own duration (measured first), and for the sign-in mostly
# around the moment it stores.  After every kill the store must load
# (`mailoauth status ACCOUNT --json` exits 0) and hold a refresh token
# ("signed_in": true); every CRASH_CHECK_EVERY rounds, and at the end, an
# unkilled `mailoauth refresh` must succeed: the identity provider still
# accepts the stored refresh token.  (The mock keeps a rotated refresh
# token valid, as Microsoft does: doc/protocol.md, refresh tokens.)
#
# make check runs a short version: 40 refresh, 40 import and 8 sign-in
# rounds (~20 s; tests/net/concurrency.sh has its own 60 refresh rounds).
# `make check-crash` (CRASH_FULL=1) runs 500 + 500 + 500, the sign-ins
# (about 1.1 s each) spread over 6 accounts (about 3 minutes in all).  Override with
# CRASH_REFRESH_ROUNDS, CRASH_IMPORT_ROUNDS, CRASH_DEVICE_ROUNDS,
# CRASH_LANES, CRASH_CHECK_EVERY (25).
# With CRASH_STORE_KEY=1 (tests/net/crash-consistency-sealed.sh) every
# account has a store_key_file: the same rounds on the encrypted store, and
# at the end no refresh token of the mock in any file of the state
# directory, the killed writers' temporary files included.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"

if [ "${CRASH_FULL:-0}" = 1 ]; then
	: "${CRASH_REFRESH_ROUNDS:=500}" "${CRASH_IMPORT_ROUNDS:=500}" "${CRASH_DEVICE_ROUNDS:=500}"
	: "${CRASH_LANES:=6}"
fi
REFRESH_ROUNDS=${CRASH_REFRESH_ROUNDS:-40}
IMPORT_ROUNDS=${CRASH_IMPORT_ROUNDS:-40}
DEVICE_ROUNDS=${CRASH_DEVICE_ROUNDS:-8}
LANES=${CRASH_LANES:-2}
CHECK_EVERY=${CRASH_CHECK_EVERY:-25}

unset DISPLAY WAYLAND_DISPLAY
e2e_setup --no-dovecot
mock_ctl POST /mock/config '{"device_interval": 1}' > /dev/null
W=$STAND_DIR/crash
mkdir -p "$W"
KEYARG=
if [ "${CRASH_STORE_KEY:-0}" = 1 ]; then
	openssl rand -base64 32 > "$W/store.key" && chmod 600 "$W/store.key"
	KEYARG=store_key_file=$W/store.key
fi
crash_account() {
	e2e_account "$1" ${KEYARG:+"$KEYARG"}
}

py() {
	STAND_SRC=$STAND_SRC python3 - "$@"
}

# Random delays in seconds: N of them, uniform in [LO, HI] ms, one a line.
delays() {
	awk -v n="$1" -v lo="$2" -v hi="$3" -v seed="$(ms)" 'BEGIN {
		srand(seed % 1000000007)
		for (i = 0; i < n; i++) printf "%.4f\n", (lo + rand() * (hi - lo)) / 1000
	}'
}

# The store of $1 loads and holds a refresh token.
store_ok() {
	"$MAILOAUTH_HELPER" status "$1" --json > "$W/status.json" 2>> "$W/status.err" &&
		grep -q '"signed_in": true' "$W/status.json"
}

# Temporary files of killed writers, not yet swept (older than 60 s are).
leftovers() {
	find "$STATE" -maxdepth 1 -name '.*.json.*' -type f | wc -l
}

# run_rounds NAME ACCOUNT DELAYS-FILE CMD...: runs CMD once per line of
# DELAYS-FILE, killing it after that delay; writes "rounds killed-before
# killed-after finished broken refused" to $W/NAME.res, where killed-after
# counts the kills that came after the new store file was in place.
run_rounds() {
	_name=$1 _acct=$2 _delays=$3
	shift 3
	_r=0 _early=0 _late=0 _done=0 _broken=0 _refused=0
	while read -r _d; do
		_r=$((_r + 1))
		_before=$(cksum < "$STATE/$_acct.json")
		"$@" > /dev/null 2>> "$W/$_name.err" &
		_pid=$!
		sleep "$_d"
		kill -KILL "$_pid" 2> /dev/null
		{ wait "$_pid"; } 2> /dev/null
		_rc=$?
		if [ $_rc -eq 0 ]; then
			_done=$((_done + 1))
		elif [ "$(cksum < "$STATE/$_acct.json")" = "$_before" ]; then
			_early=$((_early + 1))
		else
			_late=$((_late + 1))
		fi
		if ! store_ok "$_acct"; then
			_broken=$((_broken + 1))
			echo "round $_r: the store of $_acct does not load or has no refresh token" \
				>> "$W/$_name.bad"
			cat "$W/status.json" >> "$W/$_name.bad"
		fi
		if [ $((_r % CHECK_EVERY)) -eq 0 ]; then
			if ! "$MAILOAUTH_HELPER" refresh "$_acct" > /dev/null 2>> "$W/$_name.bad"; then
				_refused=$((_refused + 1))
				echo "round $_r: the stored refresh token of $_acct was refused" \
					>> "$W/$_name.bad"
			fi
		fi
	done < "$_delays" 2> /dev/null	# no "Killed" from the shell
	echo "$_r $_early $_late $_done $_broken $_refused" > "$W/$_name.res"
}

# Prints "mean ms" of N unkilled runs of CMD...
measure() {
	_n=$1
	shift
	_t0=$(ms)
	_i=0
	while [ $_i -lt "$_n" ]; do
		"$@" > /dev/null 2>> "$W/measure.err" || return 1
		_i=$((_i + 1))
	done
	echo $(( ($(ms) - _t0) / _n ))
}

report() {	# report NAME WHAT
	read -r rounds early late done_ broken refused < "$W/$1.res"
	[ "$broken" -eq 0 ]
	tap_ok $? "$2: $rounds rounds ($early killed before the new file was in place, $late after, $done_ finished): the store loaded with a refresh token after every one ($broken failures)"
	[ "$refused" -eq 0 ]
	tap_ok $? "$2: the stored refresh token was accepted at every check, every $CHECK_EVERY rounds ($refused refused)"
	[ -s "$W/$1.bad" ] && tap_diag "$(head -n 20 "$W/$1.bad")"
	return 0
}

# --- refresh ------------------------------------------------------------------
crash_account work
e2e_import work > /dev/null
t_refresh=$(measure 5 "$MAILOAUTH_HELPER" refresh work)
tap_ok $? "an unkilled refresh works (${t_refresh} ms each)"
delays "$REFRESH_ROUNDS" 0 $((t_refresh * 13 / 10 + 5)) > "$W/refresh.delays"
t0=$(ms)
run_rounds refresh work "$W/refresh.delays" "$MAILOAUTH_HELPER" refresh work
t_phase=$(( ($(ms) - t0) / 1000 ))
report refresh "refresh killed at random (0-$((t_refresh * 13 / 10 + 5)) ms, ${t_phase} s)"

# --- import -------------------------------------------------------------------
# A new grant for every round, minted up front (one file each).
crash_account imp
e2e_import imp > /dev/null
py "$W/rts" "$IMPORT_ROUNDS" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["STAND_SRC"])
import standlib as S
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
for i in range(1, n + 6):
    with open(os.path.join(d, "%d" % i), "w") as f:
        f.write(S.seed(S.USER)["refresh_token"] + "\n")
EOF
tap_ok $? "minted $((IMPORT_ROUNDS + 5)) grants to import"
t_import=$(measure 5 sh -c '"$1" import imp --file "$2/$(ls "$2" | tail -n 1)"' - \
	"$MAILOAUTH_HELPER" "$W/rts")
tap_ok $? "an unkilled import works (${t_import} ms each)"
delays "$IMPORT_ROUNDS" 0 $((t_import * 13 / 10 + 5)) > "$W/import.delays"
# Round N imports grant N (a tiny wrapper: run_rounds passes no number).
cat > "$W/import-next" <<EOF
#!/bin/sh
n=\$(cat "$W/import.n" 2> /dev/null || echo 0)
n=\$((n + 1))
echo \$n > "$W/import.n"
exec "$MAILOAUTH_HELPER" import imp --file "$W/rts/\$n"
EOF
chmod +x "$W/import-next"
t0=$(ms)
run_rounds import imp "$W/import.delays" "$W/import-next"
t_phase=$(( ($(ms) - t0) / 1000 ))
report import "import killed at random (0-$((t_import * 13 / 10 + 5)) ms, ${t_phase} s)"

# --- authorize --device ---------------------------------------------------------
# The approver: whatever code is pending gets approved within ~20 ms.
py "$W/approver.stop" <<'EOF' > "$W/approver.log" 2>&1 &
import os, sys, time
sys.path.insert(0, os.environ["STAND_SRC"])
import standlib as S
stop = sys.argv[1]
approved = 0
while not os.path.exists(stop):
    try:
        status, codes = S.ctl("GET", "/mock/device")
        for c in codes if status == 200 else []:
            if c.get("status") == "pending":
                S.ctl("POST", "/mock/device",
                      {"user_code": c["user_code"], "action": "approve"})
                approved += 1
    except Exception as e:  # the mock is busy: try again
        print("approver: %s" % e)
    time.sleep(0.02)
print("approved %d codes" % approved)
EOF
approver=$!
lane=1
while [ $lane -le "$LANES" ]; do
	crash_account "dev$lane"
	e2e_import "dev$lane" > /dev/null
	lane=$((lane + 1))
done
t_device=$(measure 2 "$MAILOAUTH_HELPER" authorize dev1 --device)
tap_ok $? "an unkilled device sign-in, approved at once, works (${t_device} ms each)"
per_lane=$(( (DEVICE_ROUNDS + LANES - 1) / LANES ))
t0=$(ms)
pids=''
lane=1
while [ $lane -le "$LANES" ]; do
	# A quarter anywhere in the run, the rest around the store at its end.
	{
		delays $((per_lane / 4)) 0 $((t_device * 11 / 10))
		delays $((per_lane - per_lane / 4)) $((t_device - 150)) $((t_device + 60))
	} | awk -v s="$lane$(ms)" 'BEGIN { srand(s % 1000003) } { print rand() "\t" $0 }' |
		sort -n | cut -f 2 > "$W/device$lane.delays"
	(
		W2=$W/lane$lane
		mkdir -p "$W2"
		W=$W2 run_rounds "device$lane" "dev$lane" "$W/device$lane.delays" \
			"$MAILOAUTH_HELPER" authorize "dev$lane" --device
		mv "$W2/device$lane.res" "$W/device$lane.res"
		[ -f "$W2/device$lane.bad" ] && mv "$W2/device$lane.bad" "$W/device$lane.bad"
	) &
	pids="$pids $!"
	lane=$((lane + 1))
done
# shellcheck disable=SC2086
wait $pids
t_phase=$(( ($(ms) - t0) / 1000 ))
touch "$W/approver.stop"
wait "$approver"
# Sum the lanes.
cat "$W"/device[0-9]*.res | awk '{ for (i = 1; i <= 6; i++) s[i] += $i }
	END { print s[1], s[2], s[3], s[4], s[5], s[6] }' > "$W/device.res"
cat "$W"/device[0-9]*.bad > "$W/device.bad" 2> /dev/null
report device "authorize --device killed at random in $LANES accounts at once (${t_phase} s)"
tap_diag "$(cat "$W/approver.log")"

# --- the end: every account still signs in --------------------------------------
bad=''
for a in work imp $(i=1; while [ $i -le "$LANES" ]; do printf 'dev%d ' $i; i=$((i + 1)); done); do
	mo refresh "$a" && mo token "$a" > /dev/null || bad="$bad $a"
done
[ -z "$bad" ]
tap_ok $? "a final refresh and token succeed for every account${bad:+ (not:$bad)}"
tok=$("$MAILOAUTH_HELPER" token work)
py "$tok" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["STAND_SRC"])
import standlib as S
status, hdrs, obj = S.post_form("/introspect", {"token": sys.argv[1]},
                                {"X-Dovecot-Auth-Service": "imap"})
sys.exit(0 if status == 200 and obj.get("active") else 1)
EOF
tap_ok $? "the access token it serves is valid at the identity provider"
tap_diag "temporary files of killed writers not yet swept: $(leftovers) (removed after 60 s by the next save)"
e2e_no_secrets "$VLOG" > /dev/null
tap_ok $? "no secret of the mock in the verbose output of the final commands"
if [ -n "$KEYARG" ]; then
	mock_ctl GET /mock/refresh_tokens > "$W/rts.json"
	py "$W/rts.json" "$STATE" <<'EOF'
import json, os, sys
rts = [rt.encode() for rt in json.load(open(sys.argv[1]))]
hits = files = sealed = 0
for name in os.listdir(sys.argv[2]):
    data = open(os.path.join(sys.argv[2], name), "rb").read()
    files += 1
    sealed += b'"sealed"' in data
    hits += sum(rt in data for rt in rts)
print("# %d refresh tokens, %d files (%d sealed), %d found" % (len(rts), files, sealed, hits))
sys.exit(1 if hits or not rts or not sealed else 0)
EOF
	tap_ok $? "encrypted store: no refresh token of the mock in any file of the state directory"
fi
tap_done
