# SPDX-License-Identifier: MIT
# shellcheck shell=sh
#
# stand.sh — the local stand-in for Office 365, for end-to-end tests and the
# demo: a test CA, the mock Microsoft identity platform (HTTPS), a private
# Dovecot 2.3 (POP3, IMAP, submission) validating tokens against the mock,
# and an SMTP sink behind Dovecot's submission.  Loopback only.
#
# Source it (POSIX sh, dash or bash):
#     STAND_SRC=/path/to/tests/stand    # needed only by non-bash shells whose
#     . "$STAND_SRC/stand.sh"            # script is not in tests/ or tests/*/
#     stand_cleanup_on_exit              # stop everything on EXIT/INT/TERM
#     stand_start || exit 1
#
# Functions
#   stand_start [--no-dovecot]   make $STAND_DIR, the CA, start the mock (and
#                                Dovecot + SMTP sink), wait until ready.
#                                Returns non-zero with a log tail on failure.
#   stand_stop                   stop exactly the processes stand_start
#                                started (and their children); remove
#                                $STAND_DIR unless STAND_KEEP=1.  Idempotent.
#   stand_cleanup_on_exit        trap: stand_stop on EXIT (keeps the exit
#                                status), INT and TERM.
#   mock_ctl METHOD PATH [JSON]  HTTPS request to the mock (verified against
#                                $STAND_CA); prints the body; status 1 when
#                                the HTTP status is >= 400.
#   stand_seed USER [SCOPE [CLIENT_ID]]
#                                mint a grant; prints the /mock/seed JSON.
#   stand_seed_token USER [SCOPE]  ... and print only the access token.
#   stand_json KEY               print KEY (dotted path) of JSON on stdin.
#   stand_seed_mail USER N [SIZE]  write N messages of SIZE bytes (default
#                                2048) into USER's Maildir/new (fast: files
#                                are written directly).
#   stand_log_tail               last lines of the mock and Dovecot logs.
#
# Exported after stand_start
#   STAND_DIR          private temp dir (under ${TMPDIR:-/tmp})
#   STAND_SRC          this directory (standlib.py, mkca.sh live here)
#   STAND_CA           CA certificate (PEM) that signed every server cert
#   STAND_SERVER_CERT, STAND_SERVER_KEY        SAN localhost, 127.0.0.1
#   STAND_WRONGHOST_CERT, STAND_WRONGHOST_KEY  SAN wrong.example only
#   MOCK_PORT, MOCK_URL (https://127.0.0.1:PORT), MOCK_LOG
#   STAND_TENANT, STAND_PUBLIC_CLIENT_ID, STAND_CONFIDENTIAL_CLIENT_ID,
#   STAND_CONFIDENTIAL_SECRET                  the mock's default apps
#   STAND_AUTHORITY    $MOCK_URL (what a config's `authority` points at)
#   With Dovecot (not with --no-dovecot):
#   DOVECOT_POP3_PORT, DOVECOT_POP3S_PORT, DOVECOT_IMAP_PORT,
#   DOVECOT_IMAPS_PORT, DOVECOT_SUBMISSION_PORT, DOVECOT_LOG, DOVECOT_CONF
#   STAND_USER, STAND_OTHER_USER, STAND_BROKEN_USER, STAND_PLAIN_PASSWORD
#   STAND_MAIL_ROOT    homes: $STAND_MAIL_ROOT/<user>/Maildir
#   STAND_MAILDIR_USER, STAND_MAILDIR_OTHER    the two normal Maildirs
#   STAND_SINK_DIR     messages relayed by submission: msg-N.eml + msg-N.env
#   STAND_SINK_PORT
#
# Environment read: TMPDIR, STAND_KEEP=1 (keep $STAND_DIR after stop),
# STAND_MOCK_APPS=FILE (extra app registrations for the mock's --apps),
# STAND_START_TIMEOUT (seconds, default 10).

# Where this file lives (bash tells us; other shells: guess from $0).
if [ -z "${STAND_SRC:-}" ]; then
	if [ -n "${BASH_SOURCE:-}" ]; then
		# shellcheck disable=SC3028,SC3054
		STAND_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	else
		for _s in "$(dirname "$0")/stand" "$(dirname "$0")/../stand" \
			"$(dirname "$0")/tests/stand"; do
			if [ -f "$_s/stand.sh" ]; then
				STAND_SRC=$(cd "$_s" && pwd)
				break
			fi
		done
	fi
fi
if [ ! -f "${STAND_SRC:-}/stand.sh" ]; then
	echo "stand.sh: cannot find tests/stand; set STAND_SRC" >&2
	# shellcheck disable=SC2317
	return 1 2>/dev/null || exit 1
fi
export STAND_SRC
STAND_MOCK_SRC=$(cd "$STAND_SRC/../mock-idp" && pwd)

# shellcheck source=tests/stand/dovecot.sh disable=SC1091
. "$STAND_SRC/dovecot.sh"

STAND_STARTED=''

# stand__py ARGS... — run standlib.py
stand__py() {
	PYTHONDONTWRITEBYTECODE=1 python3 "$STAND_SRC/standlib.py" "$@"
}

mock_ctl() {
	if [ $# -lt 2 ] || [ $# -gt 3 ]; then
		echo "usage: mock_ctl METHOD PATH [JSON]" >&2
		return 64
	fi
	stand__py ctl "$@"
}

stand_json() {
	stand__py json "$1"
}

stand_seed() {
	_j="{\"user\": \"$1\""
	[ -n "${2:-}" ] && _j="$_j, \"scope\": \"$2\""
	[ -n "${3:-}" ] && _j="$_j, \"client_id\": \"$3\""
	mock_ctl POST /mock/seed "$_j}"
}

stand_seed_token() {
	stand_seed "$@" | stand_json access_token
}

stand_seed_mail() {
	if [ $# -lt 2 ]; then
		echo "usage: stand_seed_mail USER N [SIZE]" >&2
		return 64
	fi
	_u=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
	stand__py seed-mail "$STAND_MAIL_ROOT/$_u/Maildir" "$2" "${3:-2048}" \
		"$STAND_MAIL_UID" "$STAND_MAIL_GID"
}

stand_log_tail() {
	for _f in "$STAND_DIR/mock/mock.log" "$STAND_DIR/mock/out" \
		"$STAND_DIR/dovecot/dovecot.log" "$STAND_DIR/dovecot/dovecot.out" \
		"$STAND_DIR/sink/out"; do
		if [ -s "$_f" ]; then
			echo "--- $_f (last 15 lines)" >&2
			tail -n 15 "$_f" >&2
		fi
	done
}

# stand__wait_file FILE SECONDS — poll for FILE (every 20 ms).
stand__wait_file() {
	_n=$(( $2 * 50 ))
	while [ ! -s "$1" ]; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.02
	done
}

# stand__traversable DIR — DIR and all its parents are o+x.
stand__traversable() {
	_p=$1
	while [ -n "$_p" ] && [ "$_p" != / ]; do
		case $(stat -L -c %A "$_p" 2>/dev/null) in
		?????????[xt]) ;;
		*) return 1 ;;
		esac
		_p=$(dirname "$_p")
	done
}

stand__fail() {
	echo "stand_start: $*" >&2
	stand_log_tail
	stand_stop
	return 1
}

stand_start() {
	_dovecot=yes
	for _a in "$@"; do
		case $_a in
		--no-dovecot) _dovecot=no ;;
		*) echo "stand_start: unknown option $_a" >&2; return 64 ;;
		esac
	done
	if [ -n "$STAND_STARTED" ]; then
		echo "stand_start: already started ($STAND_DIR)" >&2
		return 1
	fi
	_timeout=${STAND_START_TIMEOUT:-10}
	STAND_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mailoauth-stand.XXXXXX") || return 1
	# Dovecot's unprivileged processes must be able to traverse it.
	chmod 0755 "$STAND_DIR"
	STAND_STARTED=yes
	if [ "$_dovecot" = yes ] && [ "$(id -u)" = 0 ] &&
		! stand__traversable "$(dirname "$STAND_DIR")"; then
		stand__fail "$(dirname "$STAND_DIR") is not searchable by" \
			"other users (Dovecot's login/mail processes): use TMPDIR=/tmp"
		return 1
	fi
	export STAND_DIR
	mkdir -p "$STAND_DIR/pids" "$STAND_DIR/mock" "$STAND_DIR/sink"

	"$STAND_SRC/mkca.sh" "$STAND_DIR/ca" || { stand__fail "mkca.sh failed"; return 1; }
	STAND_CA=$STAND_DIR/ca/ca.pem
	STAND_SERVER_CERT=$STAND_DIR/ca/server.pem
	STAND_SERVER_KEY=$STAND_DIR/ca/server.key
	STAND_WRONGHOST_CERT=$STAND_DIR/ca/wronghost.pem
	STAND_WRONGHOST_KEY=$STAND_DIR/ca/wronghost.key
	export STAND_CA STAND_SERVER_CERT STAND_SERVER_KEY STAND_WRONGHOST_CERT \
		STAND_WRONGHOST_KEY

	# The mock identity platform (it takes an ephemeral port and reports it).
	set -- --state-dir "$STAND_DIR/mock" --cert "$STAND_SERVER_CERT" \
		--key "$STAND_SERVER_KEY" --port 0
	if [ -n "${STAND_MOCK_APPS:-}" ]; then
		set -- "$@" --apps "$STAND_MOCK_APPS"
	fi
	PYTHONDONTWRITEBYTECODE=1 python3 "$STAND_MOCK_SRC/mock_idp.py" "$@" \
		> "$STAND_DIR/mock/out" 2>&1 &
	echo $! > "$STAND_DIR/pids/mock"

	if [ "$_dovecot" = yes ]; then
		# Free ports for the SMTP sink and Dovecot's five listeners.
		# shellcheck disable=SC2046
		set -- $(stand__py free-ports 6)
		[ $# -eq 6 ] || { stand__fail "no free ports"; return 1; }
		STAND_SINK_PORT=$1
		DOVECOT_POP3_PORT=$2
		DOVECOT_POP3S_PORT=$3
		DOVECOT_IMAP_PORT=$4
		DOVECOT_IMAPS_PORT=$5
		DOVECOT_SUBMISSION_PORT=$6
		STAND_SINK_DIR=$STAND_DIR/sink
		python3 "$STAND_SRC/smtp_sink.py" --state-dir "$STAND_SINK_DIR" \
			--port "$STAND_SINK_PORT" > "$STAND_SINK_DIR/out" 2>&1 &
		echo $! > "$STAND_DIR/pids/sink"
	fi

	stand__wait_file "$STAND_DIR/mock/port" "$_timeout" ||
		{ stand__fail "mock identity platform did not start"; return 1; }
	MOCK_PORT=$(cat "$STAND_DIR/mock/port")
	MOCK_URL=https://127.0.0.1:$MOCK_PORT
	MOCK_LOG=$STAND_DIR/mock/mock.log
	STAND_AUTHORITY=$MOCK_URL
	STAND_TENANT=11111111-2222-3333-4444-555555555555
	STAND_PUBLIC_CLIENT_ID=00000000-0000-0000-0000-00000000a001
	STAND_CONFIDENTIAL_CLIENT_ID=00000000-0000-0000-0000-00000000c001
	STAND_CONFIDENTIAL_SECRET='s3cr3t~Value.with-Chars_'
	export MOCK_PORT MOCK_URL MOCK_LOG STAND_AUTHORITY STAND_TENANT \
		STAND_PUBLIC_CLIENT_ID STAND_CONFIDENTIAL_CLIENT_ID \
		STAND_CONFIDENTIAL_SECRET

	if [ "$_dovecot" = yes ]; then
		stand__mail_owner
		STAND_MAIL_ROOT=$STAND_DIR/mail
		STAND_MAILDIR_USER=$STAND_MAIL_ROOT/$STAND_USER/Maildir
		STAND_MAILDIR_OTHER=$STAND_MAIL_ROOT/$STAND_OTHER_USER/Maildir
		DOVECOT_CONF=$STAND_DIR/dovecot/dovecot.conf
		DOVECOT_LOG=$STAND_DIR/dovecot/dovecot.log
		export STAND_USER STAND_OTHER_USER STAND_BROKEN_USER \
			STAND_PLAIN_PASSWORD STAND_MAIL_ROOT STAND_MAILDIR_USER \
			STAND_MAILDIR_OTHER STAND_MAIL_UID STAND_MAIL_GID \
			STAND_SINK_DIR STAND_SINK_PORT DOVECOT_POP3_PORT \
			DOVECOT_POP3S_PORT DOVECOT_IMAP_PORT DOVECOT_IMAPS_PORT \
			DOVECOT_SUBMISSION_PORT DOVECOT_CONF DOVECOT_LOG
		stand__mail_homes
		stand__dovecot_conf "$STAND_DIR/dovecot" "$MOCK_PORT" \
			"$STAND_SINK_PORT" "$DOVECOT_POP3_PORT" "$DOVECOT_POP3S_PORT" \
			"$DOVECOT_IMAP_PORT" "$DOVECOT_IMAPS_PORT" \
			"$DOVECOT_SUBMISSION_PORT"
		stand__dovecot_start
		stand__py wait-ports "$_timeout" "$STAND_SINK_PORT" \
			"$DOVECOT_POP3_PORT" "$DOVECOT_POP3S_PORT" \
			"$DOVECOT_IMAP_PORT" "$DOVECOT_IMAPS_PORT" \
			"$DOVECOT_SUBMISSION_PORT" ||
			{ stand__fail "Dovecot or the SMTP sink did not start"; return 1; }
		if ! kill -0 "$(cat "$STAND_DIR/pids/dovecot")" 2>/dev/null; then
			stand__fail "Dovecot exited (port taken?)"
			return 1
		fi
	fi
	# The mock answers over TLS: the stand is ready.
	mock_ctl GET /mock/stats > /dev/null ||
		{ stand__fail "mock identity platform does not answer"; return 1; }
	return 0
}

# stand__alive PID... — print those still running (zombies count as gone:
# a non-interactive shell may not have reaped its children yet).
stand__alive() {
	for _p in "$@"; do
		_st=$(cat "/proc/$_p/stat" 2>/dev/null) || continue
		_st=${_st##*) }
		case $_st in
		Z*|X*) ;;
		*) echo "$_p" ;;
		esac
	done
}

stand_stop() {
	[ -n "$STAND_STARTED" ] || return 0
	STAND_STARTED=''
	_pids=''
	for _f in "$STAND_DIR"/pids/*; do
		[ -f "$_f" ] && _pids="$_pids $(cat "$_f")"
	done
	if [ -n "$_pids" ]; then
		# Everything our processes started (Dovecot's children) too.
		# shellcheck disable=SC2086
		_all="$_pids $(stand__py descendants $_pids 2>/dev/null)"
		# shellcheck disable=SC2086
		kill -TERM $_pids 2>/dev/null || :
		_n=250
		# shellcheck disable=SC2086
		while [ -n "$(stand__alive $_all)" ] && [ "$_n" -gt 0 ]; do
			sleep 0.02
			_n=$((_n - 1))
		done
		# shellcheck disable=SC2086
		_left=$(stand__alive $_all)
		if [ -n "$_left" ]; then
			# shellcheck disable=SC2086
			echo "stand_stop: killing leftover processes:" $_left >&2
			# shellcheck disable=SC2086
			kill -KILL $_left 2>/dev/null || :
		fi
		# Reap our direct children (no zombies, quiet job messages).
		# shellcheck disable=SC2086
		wait $_pids 2>/dev/null || :
	fi
	if [ "${STAND_KEEP:-0}" = 1 ]; then
		echo "stand_stop: kept $STAND_DIR" >&2
	else
		rm -rf "$STAND_DIR"
	fi
	return 0
}

stand_cleanup_on_exit() {
	# shellcheck disable=SC2154
	trap 'stand__rc=$?; stand_stop; exit $stand__rc' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
}
