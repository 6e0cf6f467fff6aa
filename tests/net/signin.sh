# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# What the `mailoauth authorize` tests add to tests/net/netstand.sh (sourced
# here) and tests/lib/e2e.sh (whose mock_device_code waits for a device
# code).  Source after tests/lib/tap.sh.
#
#   si_start ACCOUNT [ARGS...]  run `mailoauth -v authorize ACCOUNT ARGS` in
#                               the background; stdout -> $SI_OUT, stderr ->
#                               $SI_ERR; $SI_PID
#   si_url                      wait (5 s) for the sign-in URL line, print it
#   si_wait                     wait for it; $SI_RC is its exit status; its
#                               stderr is appended to $VLOG
#   si_browser ARGS...          tests/net/signin-browser.py --ca $STAND_CA ARGS
#   si_write_secret FILE VALUE  a client secret file, mode 0600

# shellcheck source=tests/net/netstand.sh disable=SC1091
. "${top_srcdir:-.}/tests/net/netstand.sh"

SI_N=0

si_start() {
	SI_N=$((SI_N + 1))
	SI_OUT=$STAND_DIR/si-$SI_N.out
	SI_ERR=$STAND_DIR/si-$SI_N.err
	_acct=$1
	shift
	"$MAILOAUTH_HELPER" -v authorize "$_acct" "$@" > "$SI_OUT" 2> "$SI_ERR" &
	SI_PID=$!
}

si_url() {
	_n=250
	while [ "$_n" -gt 0 ]; do
		if [ -s "$SI_OUT" ] && [ "$(wc -l < "$SI_OUT")" -ge 1 ]; then
			head -n 1 "$SI_OUT"
			return 0
		fi
		kill -0 "$SI_PID" 2>/dev/null || break
		sleep 0.02
		_n=$((_n - 1))
	done
	return 1
}

si_wait() {
	wait "$SI_PID"
	SI_RC=$?
	cat "$SI_ERR" >> "$VLOG"
}

si_browser() {
	python3 "$top_srcdir/tests/net/signin-browser.py" --ca "$STAND_CA" "$@"
}

si_write_secret() {
	( umask 077 && printf '%s\n' "$2" > "$1" )
}
