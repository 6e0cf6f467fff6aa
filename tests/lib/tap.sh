# SPDX-License-Identifier: MIT
# TAP helpers for the shell tests; source this file.
#
#   tap_ok COND_STATUS "name"      (use: check; tap_ok $? "name")
#   t "name" CMD ARGS...           run CMD, ok when it exits 0
#   tap_require CMD...             skip the whole test when a tool is missing,
#                                  except under CI=true where it fails
#   tap_done                       print the plan, exit 0/1

TAP_N=0
TAP_FAILED=0

tap_ok() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

t() {
	_name=$1
	shift
	"$@"
	tap_ok $? "$_name"
}

tap_diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

tap_skip_all() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - prerequisite missing in CI: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

tap_require() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 || tap_skip_all "$_c not installed"
	done
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
