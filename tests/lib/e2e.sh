# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# e2e.sh — what every end-to-end test sets up the same way: the test stand
# (tests/stand/stand.sh: the mock identity platform, with or without
# Dovecot), a mailoauth configuration whose accounts point at the mock,
# grants minted at the mock and imported, the back ends found by the front
# end, a secret scan, and small helpers over the store and the mock.  The
# component libraries (tests/net/netstand.sh, tests/connect/connect-lib.sh,
# tests/sasl/e2e-lib.sh, tests/clients/clients-lib.sh) add only what is
# their own.
#
# Source after tests/lib/tap.sh (a missing prerequisite skips the test,
# or fails it under CI=true):
#     . "${top_srcdir:-.}/tests/lib/tap.sh"
#     . "${top_srcdir:-.}/tests/lib/e2e.sh"
#     e2e_setup                  # or: e2e_setup --no-dovecot
#     e2e_account work           # [account work] for $STAND_USER
#     e2e_import work            # signed in
#
# Functions
#   e2e_setup [--no-dovecot] [--connect]
#                        skip unless python3, openssl (and dovecot) are
#                        there and the front end is built; e2e_libexec
#                        (--connect: mailoauth-connect must be built too);
#                        start the stand (skip when it does not start),
#                        stopped on exit after the e2e_at_exit functions
#                        and e2e_bg processes; make $W (0755) with an empty
#                        $CFG (0644); export W CFG STATE VLOG ERR and
#                        MAILOAUTH_CONFIG=$CFG.  Call it in the test's own
#                        shell, not in $(...).
#   e2e_libexec          point MAILOAUTH_LIBEXECDIR at the back ends of the
#                        build tree: make check's tests/libexec, or else the
#                        same symlinks made in $top_builddir/tests/libexec
#                        (the demo and the benchmarks run outside make);
#                        it and MAILOAUTH_HELPER made absolute (the programs
#                        ignore relative ones).
#   e2e_account NAME [KEY=VALUE...]
#                        append an [account NAME] to $CFG: provider
#                        microsoft, the mock's tenant and public client id,
#                        user $STAND_USER, scopes "pop imap smtp", authority
#                        $MOCK_URL, ca_file $STAND_CA, state_dir $STATE.
#                        KEY=VALUE replaces a default or adds a key; KEY=
#                        drops the default.
#   e2e_import [--as USER] NAME [MAILBOX [SCOPES [CLIENT_ID]]]
#                        mint a grant at the mock (for MAILBOX, default
#                        $STAND_USER; SCOPES default: the mock's; CLIENT_ID
#                        default: the public app) and `mailoauth import` it
#                        (as USER with runuser when given); stderr (-v) in
#                        $ERR and appended to $VLOG; the imported refresh
#                        token is left in $E2E_RT.  Returns import's status.
#   mo ARGS...           `mailoauth -v ARGS` with $MAILOAUTH_CONFIG; stderr
#                        in $ERR (the last command's) and appended to $VLOG.
#   e2e_no_secrets PATH...
#                        status 0 when no secret the mock ever issued (8+
#                        characters: tokens, refresh tokens, codes, client
#                        secrets), nor the base64 XOAUTH2 response made of
#                        one for $STAND_USER, is in the files (directories:
#                        every file below); "# ..." lines name what leaked.
#   e2e_at_exit FUNC     run FUNC (e.g. stop a server) on exit, before the
#                        stand stops.
#   e2e_bg PID           stop PID, a background process the test started,
#                        on exit (by that pid only) or at e2e_stop_bg.
#   e2e_stop_bg          stop the e2e_bg processes now.
#   store_of NAME        path of NAME's store file ($STATE/NAME.json)
#   store_get FILE KEY   a member of a store file ("" when absent)
#   store_edit FILE stale|token TOKEN|expire SECS
#                        the stored access token expired a minute ago / is
#                        TOKEN, valid for 50 min / expires in SECS (same
#                        owner, mode 0600, atomic rename)
#   mock_refreshes       refresh_token grants the mock has answered so far
#   mock_device_code [PID]
#                        wait (250 polls, about 10 s; less when PID, the
#                        signing-in process, ends) for a pending device code
#                        at the mock, print its user code
#   dovecot_logins METHOD [SERVICE [USER]]
#                        successful Dovecot logins with METHOD so far (of
#                        SERVICE: pop3, imap, submission; of USER)
#   wait_for SECS CMD... retry CMD every 0.1 s for up to SECS seconds
#   ms                   milliseconds since the epoch
#
# Variables: E2E_MAIL_SCOPES, the POP, IMAP and SMTP scopes and
# offline_access (what the mail clients' tests sign in with); the ones
# stand.sh exports (MOCK_URL, STAND_CA, STAND_USER, DOVECOT_*_PORT ...).

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${MAILOAUTH_HELPER:=$top_builddir/helper/mailoauth}"
: "${MAILOAUTH_LIBEXECDIR:=$top_builddir/tests/libexec}"
export MAILOAUTH_HELPER MAILOAUTH_LIBEXECDIR

# shellcheck disable=SC2034  # used by the scripts that source this
E2E_MAIL_SCOPES="https://outlook.office.com/POP.AccessAsUser.All https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access"
E2E_AT_EXIT=''
E2E_PIDS=''

STAND_SRC=$top_srcdir/tests/stand
# shellcheck source=tests/stand/stand.sh disable=SC1091
. "$STAND_SRC/stand.sh"

e2e_libexec() {
	# The programs take these two from the environment only when absolute.
	case $MAILOAUTH_HELPER in
	/*) ;;
	*) MAILOAUTH_HELPER=$(pwd)/$MAILOAUTH_HELPER ;;
	esac
	case $MAILOAUTH_LIBEXECDIR in
	/*) ;;
	*) MAILOAUTH_LIBEXECDIR=$(pwd)/$MAILOAUTH_LIBEXECDIR ;;
	esac
	if [ ! -x "$MAILOAUTH_LIBEXECDIR/mailoauth-net" ] ||
		[ ! -x "$MAILOAUTH_LIBEXECDIR/mailoauth-connect" ]; then
		# The same links as tests/local.mk makes for make check.
		MAILOAUTH_LIBEXECDIR=$(cd "$top_builddir" && pwd)/tests/libexec
		mkdir -p "$MAILOAUTH_LIBEXECDIR" &&
			ln -sf ../../helper/mailoauth-net "$MAILOAUTH_LIBEXECDIR/mailoauth-net" &&
			ln -sf ../../plugin/mailoauth-connect "$MAILOAUTH_LIBEXECDIR/mailoauth-connect"
	fi
	export MAILOAUTH_HELPER MAILOAUTH_LIBEXECDIR
}

e2e_setup() {
	_e2e_dovecot=yes _e2e_connect=no
	for _a in "$@"; do
		case $_a in
		--no-dovecot) _e2e_dovecot=no ;;
		--connect) _e2e_connect=yes ;;
		*) echo "e2e_setup: unknown option $_a" >&2; exit 64 ;;
		esac
	done
	tap_require python3 openssl
	[ $_e2e_dovecot = no ] || tap_require dovecot
	[ -x "$MAILOAUTH_HELPER" ] || tap_skip_all "$MAILOAUTH_HELPER not built"
	e2e_libexec
	[ -x "$MAILOAUTH_LIBEXECDIR/mailoauth-net" ] ||
		tap_skip_all "mailoauth-net not built"
	[ $_e2e_connect = no ] || [ -x "$MAILOAUTH_LIBEXECDIR/mailoauth-connect" ] ||
		tap_skip_all "mailoauth-connect not built"

	stand_cleanup_on_exit
	# shellcheck disable=SC2154
	trap 'e2e__rc=$?; e2e__cleanup; stand_stop; exit $e2e__rc' EXIT
	if [ $_e2e_dovecot = yes ]; then
		stand_start || tap_skip_all "the test stand did not start"
	else
		stand_start --no-dovecot || tap_skip_all "the test stand did not start"
	fi
	W=$STAND_DIR/work
	mkdir -p "$W"
	chmod 755 "$W"
	CFG=$W/config
	STATE=$W/state
	VLOG=$W/verbose.log
	ERR=$W/last.err
	: > "$CFG"
	chmod 644 "$CFG"
	: > "$VLOG"
	MAILOAUTH_CONFIG=$CFG
	export W CFG STATE VLOG ERR MAILOAUTH_CONFIG
}

e2e_at_exit() {
	E2E_AT_EXIT="$E2E_AT_EXIT $1"
}

e2e_bg() {
	E2E_PIDS="$E2E_PIDS $1"
}

e2e_stop_bg() {
	for _p in $E2E_PIDS; do
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	E2E_PIDS=''
	:
}

# e2e__cleanup — the e2e_at_exit functions, then the e2e_bg processes.
e2e__cleanup() {
	for _f in $E2E_AT_EXIT; do
		"$_f"
	done
	E2E_AT_EXIT=''
	e2e_stop_bg
}

e2e_account() {
	_name=$1
	shift
	{
		echo "[account $_name]"
		for _d in "provider=microsoft" "tenant=$STAND_TENANT" \
			"client_id=$STAND_PUBLIC_CLIENT_ID" "user=$STAND_USER" \
			"scopes=pop imap smtp" "authority=$MOCK_URL" "ca_file=$STAND_CA" \
			"state_dir=$STATE"; do
			_over=no
			for _kv in "$@"; do
				[ "${_kv%%=*}" = "${_d%%=*}" ] && _over=yes
			done
			[ $_over = yes ] || echo "${_d%%=*} = ${_d#*=}"
		done
		for _kv in "$@"; do
			[ -n "${_kv#*=}" ] && echo "${_kv%%=*} = ${_kv#*=}"
		done
		echo
	} >> "$CFG"
}

e2e_import() {
	_as=
	if [ "$1" = --as ]; then
		_as=$2
		shift 2
	fi
	_rt=$W/seed-$1.rt
	E2E_RT=$(stand_seed "${2:-$STAND_USER}" "${3:-}" "${4:-}" |
		stand_json refresh_token) && [ -n "$E2E_RT" ] || return 1
	( umask 077 && printf '%s\n' "$E2E_RT" > "$_rt" )
	if [ -n "$_as" ]; then
		chown "$_as" "$_rt"
		runuser -u "$_as" -- env MAILOAUTH_LIBEXECDIR="$MAILOAUTH_LIBEXECDIR" \
			"$MAILOAUTH_HELPER" -v --config "$CFG" import "$1" --file "$_rt" \
			2> "$ERR"
	else
		"$MAILOAUTH_HELPER" -v --config "$CFG" import "$1" --file "$_rt" \
			2> "$ERR"
	fi
	_rc=$?
	cat "$ERR" >> "$VLOG"
	rm -f "$_rt"
	return $_rc
}

mo() {
	"$MAILOAUTH_HELPER" -v "$@" 2> "$ERR"
	_rc=$?
	cat "$ERR" >> "$VLOG"
	return $_rc
}

e2e_no_secrets() {
	mock_ctl GET /mock/secrets > "$W/secrets.json" || return 1
	python3 - "$W/secrets.json" "$STAND_USER" "$@" <<'EOF'
import base64, json, os, sys
secrets = json.load(open(sys.argv[1]))
if isinstance(secrets, dict):
    secrets = secrets.get("secrets", [])
secrets = [s for s in secrets if isinstance(s, str) and len(s) >= 8]
user = sys.argv[2]
needles = []
for s in secrets:
    needles.append((s.encode(), "secret %s... (%d chars)" % (s[:6], len(s))))
    sasl = "user=%s\x01auth=Bearer %s\x01\x01" % (user, s)
    needles.append((base64.b64encode(sasl.encode()),
                    "XOAUTH2 response with %s..." % s[:6]))
found = files = size = 0
for top in sys.argv[3:]:
    walk = os.walk(top) if os.path.isdir(top) else [("", [], [top])]
    for root, dirs, names in walk:
        for name in names:
            p = os.path.join(root, name)
            if not os.path.isfile(p) or os.path.islink(p):
                continue
            data = open(p, "rb").read()
            files += 1
            size += len(data)
            for n, what in needles:
                if n in data:
                    print("# leaked in %s: %s" % (p, what))
                    found += 1
print("# checked %d secrets against %d bytes in %d files"
      % (len(secrets), size, files))
sys.exit(1 if found or not files else 0)
EOF
}

store_of() {
	echo "$STATE/$1.json"
}

store_get() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

store_edit() {
	python3 "$top_srcdir/tests/lib/store-edit.py" "$@"
}

mock_refreshes() {
	mock_ctl GET /mock/stats | stand_json token.refresh_token
}

mock_device_code() {
	_n=250
	while [ "$_n" -gt 0 ]; do
		_c=$(mock_ctl GET /mock/device | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d[-1]["user_code"] if d else "")')
		if [ -n "$_c" ]; then
			echo "$_c"
			return 0
		fi
		[ -z "${1:-}" ] || kill -0 "$1" 2>/dev/null || return 1
		sleep 0.02
		_n=$((_n - 1))
	done
	return 1
}

dovecot_logins() {
	_l="Login: user=<${3:-[^>]*}>, method=$1"
	[ -z "${2:-}" ] || _l="$2-login: Info: $_l"
	grep -c "$_l" "$DOVECOT_LOG" 2>/dev/null || true
}

wait_for() {
	_secs=$1
	shift
	_n=$((_secs * 10))
	while ! "$@" 2>/dev/null; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
	return 0
}

ms() {
	date +%s%3N
}
