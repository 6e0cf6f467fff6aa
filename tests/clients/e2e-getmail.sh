#!/bin/sh
# SPDX-License-Identifier: MIT
# getmail6 set up as doc/clients.md says.  IMAP: the guide's
# ~/.config/getmail/getmailrc (`use_xoauth2 = True`, `password_command =
# ("/usr/bin/mailoauth", "token", "work")`) retrieves the seeded messages
# into the guide's Maildir, then nothing new, leaving them on the server.
# POP3: getmail6 6.18 ignores `use_xoauth2` (what the guide says); the
# guide's socket-activated `mailoauth connect` units pass `systemd-analyze
# verify` and, served by systemd-socket-activate the way systemd would with
# `Accept=yes` (no systemd instance runs here), let the guide's POP3
# getmailrc retrieve the messages.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require getmail systemd-analyze systemd-socket-activate
clients_setup
N=6
stand_seed_mail "$STAND_USER" $N 2500
MD=$H/Mail/work

# adapt — the guide's getmailrc on stdin, pointed at the stand.  getmail
# refuses to deliver as root: then it delivers as nobody (its `user` option).
adapt() {
	sed -e "s|^server = outlook\\.office365\\.com\$|server = 127.0.0.1\\
port = $DOVECOT_IMAPS_PORT\\
ca_certs = $STAND_CA|" \
		-e "s/alice@contoso\\.com/$STAND_USER/g" \
		-e "s|\"/usr/bin/mailoauth\"|\"$H/bin/mailoauth\"|" |
		if [ "$(id -u)" = 0 ]; then sed '/^path = /a user = nobody'; else cat; fi
}

# getmail_run NAME [ARGS...] — getmail as the user; output in $OUT/NAME.out
getmail_run() {
	_n=$1
	shift
	as_user timeout 30 getmail "$@" > "$OUT/$_n.out" 2>&1
}

# --- IMAP -------------------------------------------------------------------
mkdir -p "$H/.config/getmail"
doc_block getmail6 getmailrc 1 | adapt > "$H/.config/getmail/getmailrc"
doc_adapted "getmailrc (IMAP)" "$H/.config/getmail/getmailrc"
grep -q '^use_xoauth2 = True$' "$H/.config/getmail/getmailrc" &&
	grep -q "^password_command = (\"$H/bin/mailoauth\", \"token\", \"work\")\$" "$H/.config/getmail/getmailrc" &&
	grep -q '^path = ~/Mail/work/$' "$H/.config/getmail/getmailrc"
tap_ok $? "getmailrc (IMAP): use_xoauth2, password_command running mailoauth token work, ~/Mail/work/"

# shellcheck disable=SC2016
mkcmd=$(grep -o '`mkdir -p ~/Mail/work/[^`]*`' "$CLIENTS_DOC" | tr -d '`')
as_user sh -c "$mkcmd" && [ -d "$MD/new" ] && [ -d "$MD/cur" ] && [ -d "$MD/tmp" ]
tap_ok $? "the guide's command makes the Maildir: $mkcmd"
[ "$(id -u)" = 0 ] && chown -R nobody "$H/Mail"

store_edit "$STORE" stale
r0=$(mock_refreshes)
l0=$(login_count imap)
getmail_run imap1
st=$?
tap_ok $st "IMAP: getmail retrieves (status $st)"
[ $st -eq 0 ] || tap_diag "$(tail -n 15 "$OUT/imap1.out")"
[ "$(maildir_count "$MD")" -eq $N ] && grep -q "^  $N messages .* retrieved, 0 skipped" "$OUT/imap1.out"
tap_ok $? "IMAP: $N messages delivered into ~/Mail/work ($(maildir_count "$MD"))"
grep -l -r -q "^Subject: stand message $N of $N" "$MD/new"
tap_ok $? "IMAP: the messages are intact (subjects present)"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ] && [ "$(login_count imap)" -eq $((l0 + 1)) ]
tap_ok $? "IMAP: the stale token was refreshed once by password_command, one XOAUTH2 login"

getmail_run imap2
st=$?
[ $st -eq 0 ] && grep -q "^  0 messages (0 bytes) retrieved, $N skipped" "$OUT/imap2.out" &&
	[ "$(maildir_count "$MD")" -eq $N ]
tap_ok $? "IMAP: a second run retrieves nothing new (read_all = false; status $st)"
[ "$(maildir_count "$STAND_MAILDIR_USER")" -eq $N ]
tap_ok $? "IMAP: the server still holds the $N messages (delete = false)"

# --- POP3 -------------------------------------------------------------------
# getmail6 6.18 has no XOAUTH2 for POP3: use_xoauth2 is ignored and the token
# goes out as PASS (Dovecot refuses the overlong line).
ver=$(getmail --version 2>/dev/null | sed -n 's/^getmail \([0-9.]*\).*/\1/p')
case $ver in
6.18.*)
	{
		echo '[retriever]'
		echo 'type = SimplePOP3SSLRetriever'
		echo 'server = outlook.office365.com'
		echo 'username = alice@contoso.com'
		echo 'use_xoauth2 = True'
		echo 'password_command = ("/usr/bin/mailoauth", "token", "work")'
		doc_block getmail6 getmailrc 1 | sed -n '/^\[destination\]/,$p'
	} | adapt | sed "s/^port = $DOVECOT_IMAPS_PORT\$/port = $DOVECOT_POP3S_PORT/" > "$H/pop3-xoauth2.rc"
	l0=$(login_count pop3)
	getmail_run pop3-xoauth2 --rcfile "$H/pop3-xoauth2.rc"
	st=$?
	[ $st -ne 0 ] && grep -q 'ignoring unknown parameter "use_xoauth2"' "$OUT/pop3-xoauth2.out" &&
		[ "$(login_count pop3)" -eq "$l0" ]
	tap_ok $? "POP3, getmail6 $ver with use_xoauth2: ignored, no XOAUTH2 login, fails (status $st), as the guide says"
	;;
*)
	tap_ok 0 "POP3, getmail6 with use_xoauth2 # SKIP the guide describes 6.18, this is ${ver:-unknown}"
	;;
esac

# The guide's socket-activation commands, as the user; systemctl is a stub
# that records what it was asked (no systemd instance runs here).
port=$(stand__py free-ports 1)
doc_block getmail6 sh 1 | sed \
	-e "s/^ListenStream=127\\.0\\.0\\.1:1995\$/ListenStream=127.0.0.1:$port/" \
	-e "s|^ExecStart=/usr/bin/mailoauth connect --protocol pop3 outlook\\.office365\\.com 995\$|ExecStart=$H/bin/mailoauth connect --protocol pop3 127.0.0.1 $DOVECOT_POP3S_PORT|" \
	> "$H/pop3-units.sh"
doc_adapted "socket units" "$H/pop3-units.sh"
mkdir -p "$H/stub"
cat > "$H/stub/systemctl" <<EOF
#!/bin/sh
echo "systemctl \$*" >> "$OUT/systemctl.log"
EOF
chmod 755 "$H/stub/systemctl"
as_user sh -ec "PATH=$H/stub:\$PATH; . $H/pop3-units.sh" > "$OUT/pop3-units.out" 2>&1
st=$?
U=$H/.config/systemd/user
[ $st -eq 0 ] && [ -s "$U/mailoauth-pop3.socket" ] && [ -s "$U/mailoauth-pop3@.service" ]
tap_ok $? "the guide's commands write ~/.config/systemd/user/mailoauth-pop3.socket and mailoauth-pop3@.service"
printf 'systemctl --user daemon-reload\nsystemctl --user enable --now mailoauth-pop3.socket\n' |
	cmp -s - "$OUT/systemctl.log"
tap_ok $? "... then reload the user manager and enable the socket"

mkdir -m 700 "$H/run"
as_user env XDG_RUNTIME_DIR="$H/run" systemd-analyze --user verify --man=no \
	"$U/mailoauth-pop3.socket" "$U/mailoauth-pop3@.service" > "$OUT/verify.out" 2>&1
st=$?
[ $st -eq 0 ] && [ ! -s "$OUT/verify.out" ]
tap_ok $? "systemd-analyze --user verify: the socket and service units are clean (status $st)"
[ -s "$OUT/verify.out" ] && tap_diag "$(cat "$OUT/verify.out")"

# What systemd does for Accept=yes + StandardInput=socket: one service
# instance per connection, the connection on its standard input and output.
listen=$(sed -n 's/^ListenStream=//p' "$U/mailoauth-pop3.socket")
exec_start=$(sed -n 's/^ExecStart=//p' "$U/mailoauth-pop3@.service")
grep -q '^Accept=yes$' "$U/mailoauth-pop3.socket" &&
	grep -q '^StandardInput=socket$' "$U/mailoauth-pop3@.service"
tap_ok $? "the units ask for one instance per connection on the service's standard input"
# shellcheck disable=SC2086
as_user_bg pop3-socket env MAILOAUTH_LIBEXECDIR="$MAILOAUTH_LIBEXECDIR" \
	systemd-socket-activate -E HOME -E PATH -E MAILOAUTH_LIBEXECDIR \
	--accept --inetd -l "$listen" $exec_start \
	< /dev/null > "$OUT/pop3-socket.out" 2> "$OUT/pop3-service.err" &&
	stand__py wait-ports 10 "$port"
tap_ok $? "the socket listens on $listen"

doc_block getmail6 getmailrc 2 > "$OUT/pop3-retriever.rc"
{
	sed -e "s/^port = 1995\$/port = $port/" -e "s/alice@contoso\\.com/$STAND_USER/g" \
		"$OUT/pop3-retriever.rc"
	echo
	doc_block getmail6 getmailrc 1 | sed -n '/^\[destination\]/,$p' | adapt
} > "$H/.config/getmail/getmailrc-pop3"
doc_adapted "getmailrc (POP3)" "$H/.config/getmail/getmailrc-pop3"
grep -q "^port = $port\$" "$H/.config/getmail/getmailrc-pop3"
tap_ok $? "getmailrc (POP3): the guide's SimplePOP3Retriever on the socket's port"

l0=$(login_count pop3)
getmail_run pop3-1 --rcfile getmailrc-pop3
st=$?
tap_ok $st "POP3 through the socket: getmail retrieves (status $st)"
[ $st -eq 0 ] || tap_diag "$(tail -n 15 "$OUT/pop3-1.out")" "$(tail -n 15 "$OUT/pop3-service.err")"
[ "$(maildir_count "$MD")" -eq $((2 * N)) ] && grep -q "^  $N messages .* retrieved, 0 skipped" "$OUT/pop3-1.out"
tap_ok $? "POP3 through the socket: $N more messages in ~/Mail/work ($(maildir_count "$MD"))"
[ "$(login_count pop3)" -gt "$l0" ] && ! grep -q 'died with code [1-9]\|died with signal' "$OUT/pop3-service.err"
tap_ok $? "POP3 through the socket: XOAUTH2 logins at the server, every service instance exited 0"
getmail_run pop3-2 --rcfile getmailrc-pop3
st=$?
[ $st -eq 0 ] && grep -q "^  0 messages (0 bytes) retrieved, $N skipped" "$OUT/pop3-2.out" &&
	[ "$(maildir_count "$MD")" -eq $((2 * N)) ]
tap_ok $? "POP3 through the socket: a second run retrieves nothing new (status $st)"
[ "$(maildir_count "$STAND_MAILDIR_USER")" -eq $N ]
tap_ok $? "POP3 through the socket: the server still holds the $N messages"

clients_cleanup
no_secrets getmail "$H"
tap_done
