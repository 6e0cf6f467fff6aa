# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Building blocks of the per-client end-to-end tests (tests/clients/e2e-*.sh):
# each test takes a client's configuration from doc/clients.md, points it at
# the test stand and runs the real client as a user would.  The stand, the
# accounts, store edits and mock_refreshes are tests/lib/e2e.sh's, the
# account on the stand's Dovecot tests/connect/connect-lib.sh's (sourced
# here).  Source after tests/lib/tap.sh.
#
#   clients_setup            connect_setup ($STORE: account work's store
#                            file), then the user's home $H:
#                            ~/.config/mailoauth/config (a copy of $CFG, so
#                            the guide's plain `mailoauth token work` finds
#                            it) and $H/bin/mailoauth, the built helper
#                            standing in for the installed /usr/bin/mailoauth;
#                            $OUT (outputs of this test, under $H/out)
#   as_user CMD [ARGS...]    run CMD as that user: HOME=$H, $H/bin first in
#                            PATH, no MAILOAUTH_CONFIG
#   as_user_bg NAME CMD [ARGS...]  ... in the background; stopped (by its
#                            pid, from $OUT/NAME.pid) in clients_cleanup
#   doc_block SECTION LANG [N]   print the Nth (default 1st) ```LANG block
#                            under the heading "## SECTION" of doc/clients.md
#   doc_adapted NAME FILE    TAP: FILE (a guide's block adapted to the stand)
#                            names no Office 365 host and no contoso.com
#                            address any more (the guide did not change under
#                            the test's substitutions)
#   sink_find SUBJECT        print the file of the message with SUBJECT that
#                            Dovecot's submission relayed to the SMTP sink
#                            (written before the sink said 250: no waiting)
#   login_count PROTO        successful XOAUTH2 logins of $STAND_USER
#                            Dovecot logged for PROTO (pop3, imap,
#                            submission) so far
#   no_secrets NAME PATH...  TAP: e2e_no_secrets PATH... (no secret the mock
#                            ever issued, nor an XOAUTH2 response made of
#                            one, in the files under PATH)
#   tui_start NAME CMD       run CMD (a shell command line) in a detached
#                            120x40 tmux pane of our own tmux server; its
#                            exit status goes to $OUT/NAME.rc
#   tui_wait NAME TEXT [SECS]   poll the pane until it shows TEXT (default
#                            20 s); the screen is left in $OUT/NAME.screen
#   tui_keys NAME KEYS...    tmux send-keys
#   tui_exit NAME [SECS]     wait for CMD to end (default 10 s); print its
#                            exit status, or "timeout" (the pane is killed)
#   tui_index PROG NAME ARGS...  run mutt or neomutt (PROG) with ARGS in a
#                            pane as the test user ($H), wait for its index
#                            to list all $N seeded messages, quit; TAP checks
#   clients_cleanup          stop our tmux server and the e2e_bg
#                            processes (as_user_bg's), by pid (also on exit)

: "${top_srcdir:=.}"
# shellcheck source=tests/connect/connect-lib.sh disable=SC1091
. "$top_srcdir/tests/connect/connect-lib.sh"

CLIENTS_DOC=$top_srcdir/doc/clients.md
CLIENTS_TMUX=''

clients_setup() {
	connect_setup
	e2e_at_exit clients_cleanup
	STORE=$(store_of work)
	H=$W/home
	OUT=$H/out
	mkdir -p "$H/bin" "$H/.config/mailoauth" "$OUT"
	ln -s "$MAILOAUTH_HELPER" "$H/bin/mailoauth"
	cp "$CFG" "$H/.config/mailoauth/config"
	CLIENTS_TMUX=$W/tmux.sock
	export H OUT STORE
}

as_user() {
	env -u MAILOAUTH_CONFIG -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u TMUX \
		HOME="$H" PATH="$H/bin:/usr/local/bin:/usr/bin:/bin" "$@"
}

as_user_bg() {
	_pf=$OUT/$1.pid
	shift
	rm -f "$_pf"
	# shellcheck disable=SC2016
	as_user sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$_pf" "$@" &
	stand__wait_file "$_pf" 10 || return 1
	e2e_bg "$(cat "$_pf")"
}

doc_block() {
	awk -v sect="## $1" -v lang="$2" -v want="${3:-1}" '
		/^## / { insect = ($0 == sect); next }
		insect && $0 == "```" lang { n++; inblock = (n == want); next }
		inblock && /^```/ { exit }
		inblock { print }' "$CLIENTS_DOC"
}

doc_adapted() {
	[ -s "$2" ] && ! grep -n 'office365\.com\|contoso\.com' "$2" >&2
	tap_ok $? "$1: the guide's block is there and was adapted to the stand"
}

sink_find() {
	grep -l -F -- "Subject: $1" "$STAND_SINK_DIR"/msg-*.eml 2>/dev/null | head -n 1
}

login_count() {
	dovecot_logins XOAUTH2 "$1" "$STAND_USER"
}

# The guide's ~/.msmtprc for account work, pointed at the stand's
# submission port and CA.  Extra msmtprc lines for account work: $1.
msmtp_rc() {
	doc_block msmtp msmtprc | sed \
		-e 's/^host smtp\.office365\.com$/host 127.0.0.1/' \
		-e "s/^port 587\$/port $DOVECOT_SUBMISSION_PORT/" \
		-e "s/alice@contoso\\.com/$STAND_USER/g" \
		-e "/^account work\$/a tls_trust_file $STAND_CA${1:+\\
$1}" > "$H/.msmtprc"
	chmod 600 "$H/.msmtprc"
}

# mutt or neomutt with the tunnelled POP3 muttrc ($2) sends a message
# through its sendmail = msmtp -a work: one TAP line.
sends_with_msmtp() {
	if ! command -v msmtp > /dev/null 2>&1; then
		tap_ok 0 "pop-tunnel: $1 sends with msmtp # SKIP msmtp not installed"
		return
	fi
	msmtp_rc
	echo "Sent by $1 through msmtp." |
		as_user timeout 30 "$1" -F "$2" -s "$1 msmtp" -- bob@example.org \
		> "$OUT/msmtp.out" 2>&1
	_st=$?
	[ $_st -eq 0 ] && [ -n "$(sink_find "$1 msmtp")" ]
	tap_ok $? "pop-tunnel: $1 sends with sendmail = msmtp -a work (status $_st)"
	[ $_st -eq 0 ] || tap_diag "$(cat "$OUT/msmtp.out")"
}

no_secrets() {
	_name=$1
	shift
	e2e_no_secrets "$@"
	tap_ok $? "$_name: no secret of the mock (token, refresh token, client secret) in the client's files and output"
}

tui__tmux() {
	env -u TMUX tmux -f /dev/null -S "$CLIENTS_TMUX" "$@"
}

tui_start() {
	rm -f "$OUT/$1.rc"
	tui__tmux new-session -d -s "$1" -x 120 -y 40 \
		"$2; echo \$? > $OUT/$1.rc.tmp; mv $OUT/$1.rc.tmp $OUT/$1.rc"
}

tui_wait() {
	_tw_n=$(( ${3:-20} * 10 ))
	while [ $_tw_n -gt 0 ]; do
		tui__tmux capture-pane -p -t "$1" > "$OUT/$1.screen" 2>/dev/null
		grep -q -F -- "$2" "$OUT/$1.screen" && return 0
		[ -f "$OUT/$1.rc" ] && return 1
		sleep 0.1
		_tw_n=$((_tw_n - 1))
	done
	return 1
}

tui_keys() {
	_tk_s=$1
	shift
	tui__tmux send-keys -t "$_tk_s" "$@"
}

tui_exit() {
	_te_n=$(( ${2:-10} * 10 ))
	while [ ! -f "$OUT/$1.rc" ] && [ $_te_n -gt 0 ]; do
		sleep 0.1
		_te_n=$((_te_n - 1))
	done
	if [ -f "$OUT/$1.rc" ]; then
		cat "$OUT/$1.rc"
	else
		tui__tmux kill-session -t "$1" 2>/dev/null
		echo timeout
	fi
}

tui_index() {
	_ix_p=$1 _ix_n=$2
	shift 2
	tui_start "$_ix_n" "env -u MAILOAUTH_CONFIG HOME=$H PATH=$H/bin:/usr/bin:/bin $_ix_p $* 2> $OUT/$_ix_n.err"
	tui_wait "$_ix_n" "stand message $N of $N"
	_ix_ok=$?
	_ix_k=1
	while [ $_ix_ok -eq 0 ] && [ $_ix_k -le $N ]; do
		grep -q "stand message $_ix_k of $N" "$OUT/$_ix_n.screen" || _ix_ok=1
		_ix_k=$((_ix_k + 1))
	done
	tap_ok $_ix_ok "$_ix_n: $_ix_p's index lists the $N messages"
	[ $_ix_ok -eq 0 ] || tap_diag "$(grep -v '^$' "$OUT/$_ix_n.screen")" "$(cat "$OUT/$_ix_n.err")"
	tui_keys "$_ix_n" q
	_ix_st=$(tui_exit "$_ix_n")
	[ "$_ix_st" = 0 ]
	tap_ok $? "$_ix_n: $_ix_p quits cleanly (status $_ix_st)"
}

clients_cleanup() {
	e2e_stop_bg
	if [ -n "$CLIENTS_TMUX" ] && [ -S "$CLIENTS_TMUX" ]; then
		tui__tmux kill-server 2>/dev/null
	fi
	:
}
