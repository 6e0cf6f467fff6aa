# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# What the `mailoauth connect` / `mailoauth check` tests, the benchmark and
# the demo add to tests/lib/e2e.sh (the stand, accounts, import: see there):
# an account with the stand's Dovecot as its servers, and stock fetchmail /
# mbsync set up to use the plugin.  Source after tests/lib/tap.sh.
#
#   connect_setup              e2e_setup --connect (Dovecot + mock IdP, W,
#                              CFG, STATE); account "work" for $STAND_USER
#                              with POP, IMAP and SMTP scopes, signed in
#   connect_account NAME USER  append an [account NAME] to $CFG whose
#                              servers are the stand's Dovecot
#   connect_import NAME USER [SCOPES]  e2e_import NAME USER with the mail
#                              scopes ($E2E_MAIL_SCOPES) unless SCOPES
#   connect_signin_device NAME [USER]  sign NAME in with `mailoauth authorize
#                              --device`, approving the code at the mock (as
#                              USER when given); output in $W/signin.out/.err
#   connect_cmd [ARGS...]      print the plugin command for a client's
#                              configuration: "$MAILOAUTH_HELPER --config $CFG
#                              connect ARGS %h %p"
#   connect_fetchmailrc DIR PROTO PORT USER [LINES...]
#                              write DIR/.fetchmailrc (0600): one poll of
#                              127.0.0.1 through the plugin with `sslproto ''`
#                              and a dummy password, delivering to DIR/mbox
#                              (mda "cat >>"); LINES are added to the poll
#                              (keep, no keep, fetchall ...)
#   connect_fetchmail DIR [ARGS...]   run fetchmail once (HOME, FETCHMAILHOME
#                              = DIR); output in DIR/out; returns its status
#                              (0 mail, 1 no mail, 2 socket, 3 auth ...)
#   session OUT PORT ARGS... < SCRIPT   one plugin run with a scripted client
#   fake_start / fake_stop     the fake servers of tests/connect/fake_server.py
#                              (e2e_bg processes: stopped on exit too);
#                              arguments after COUNT go to the server
#   sanitizer_clean            TAP check: no sanitizer report so far
#   connect_count FILE         number of messages in an mbox written above
#   maildir_count DIR          number of messages in a Maildir (new + cur)

# shellcheck source=tests/lib/e2e.sh disable=SC1091
. "${top_srcdir:-.}/tests/lib/e2e.sh"

connect_setup() {
	e2e_setup --connect
	connect_account work "$STAND_USER"
	connect_import work "$STAND_USER" || tap_skip_all "cannot sign the test account in"
}

connect_account() {
	e2e_account "$1" user="$2" \
		pop3="127.0.0.1:$DOVECOT_POP3S_PORT" \
		imap="127.0.0.1:$DOVECOT_IMAPS_PORT" \
		smtp="127.0.0.1:$DOVECOT_SUBMISSION_PORT"
}

connect_import() {
	e2e_import "$1" "$2" "${3:-$E2E_MAIL_SCOPES}"
}

connect_signin_device() {
	mock_ctl POST /mock/config '{"device_interval": 1}' > /dev/null
	"$MAILOAUTH_HELPER" --config "$CFG" authorize "$1" --device \
		> "$W/signin.out" 2> "$W/signin.err" &
	_pid=$!
	if _code=$(mock_device_code $_pid); then
		_j="{\"user_code\": \"$_code\", \"action\": \"approve\""
		[ -n "${2:-}" ] && _j="$_j, \"user\": \"$2\""
		mock_ctl POST /mock/device "$_j}" > /dev/null
	fi
	wait $_pid
}

connect_cmd() {
	echo "$MAILOAUTH_HELPER --config $CFG connect $* %h %p"
}

connect_fetchmailrc() {
	_d=$1 _proto=$2 _port=$3 _user=$4
	shift 4
	mkdir -p "$_d"
	chmod 700 "$_d"
	{
		echo "set no syslog"
		echo "poll 127.0.0.1 protocol $_proto port $_port"
		echo "  plugin \"$(connect_cmd --protocol "$_proto")\""
		echo "  user \"$_user\" password \"dummy\" is root here"
		echo "  sslproto ''"
		echo "  mda \"cat >> $_d/mbox\""
		for _l in "$@"; do
			echo "  $_l"
		done
	} > "$_d/.fetchmailrc"
	chmod 600 "$_d/.fetchmailrc"
}

connect_fetchmail() {
	_d=$1
	shift
	# As root fetchmail keeps its lock in /var/run whatever FETCHMAILHOME
	# says: give every poll its own, or parallel tests lock each other out.
	HOME=$_d FETCHMAILHOME=$_d fetchmail --nodetach --pidfile "$_d/fetchmail.pid" \
		-f "$_d/.fetchmailrc" "$@" > "$_d/out" 2>&1
	_st=$?
	cat "$_d/out" >> "$W/stderr.all"
	return $_st
}

connect_count() {
	if [ -f "$1" ]; then
		grep -c '^Message-ID: <' "$1"
	else
		echo 0
	fi
}

maildir_count() {
	find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l
}

# fake_start PROTO MODE [tls|starttls|wronghost|plain] [COUNT [ARGS...]] — start
# tests/connect/fake_server.py (ARGS: more of its options); sets FAKE_PORT,
# FAKE_LOG, FAKE_PID.
fake_start() {
	_fd=$W/fake.$$.$(date +%s%N)
	mkdir -p "$_fd"
	FAKE_LOG=$_fd/log
	: > "$FAKE_LOG"
	case ${3:-plain} in
	tls) _tls="--cert $STAND_SERVER_CERT --key $STAND_SERVER_KEY" ;;
	wronghost) _tls="--cert $STAND_WRONGHOST_CERT --key $STAND_WRONGHOST_KEY" ;;
	starttls) _tls="--cert $STAND_SERVER_CERT --key $STAND_SERVER_KEY --starttls" ;;
	*) _tls= ;;
	esac
	_proto=$1 _mode=$2 _count=${4:-1}
	shift $(( $# < 4 ? $# : 4 ))
	# shellcheck disable=SC2086
	python3 "$top_srcdir/tests/connect/fake_server.py" --proto "$_proto" --mode "$_mode" \
		--port-file "$_fd/port" --log "$FAKE_LOG" --count "$_count" $_tls "$@" \
		> "$_fd/out" 2>&1 &
	FAKE_PID=$!
	e2e_bg "$FAKE_PID"
	stand__wait_file "$_fd/port" 10 || return 1
	FAKE_PORT=$(cat "$_fd/port")
}

# fake_stop — stop every fake server this script started (by pid).
fake_stop() {
	e2e_stop_bg
}

# session OUT PORT ARGS... < SCRIPT — run `mailoauth connect ARGS 127.0.0.1
# PORT` with SCRIPT as the client's side (at most 30 s); the client sees
# OUT, stderr goes to OUT.err; returns the plugin's exit status.
session() {
	_out=$1 _port=$2
	shift 2
	timeout 30 "$MAILOAUTH_HELPER" --config "$CFG" connect "$@" 127.0.0.1 "$_port" \
		> "$_out" 2> "$_out.err"
	_st=$?
	cat "$_out.err" >> "$W/stderr.all"
	return $_st
}

# sanitizer_clean — a TAP check: no AddressSanitizer, LeakSanitizer or
# UBSan report in anything the plugin printed so far (sanitizer builds
# report there; exit statuses alone would not show a leak).
sanitizer_clean() {
	! cat "$W/stderr.all" "$W"/*/out 2>/dev/null |
		grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:'
	tap_ok $? "no sanitizer report in the plugin's output"
}
