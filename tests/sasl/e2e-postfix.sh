#!/bin/sh
# SPDX-License-Identifier: MIT
# libmailoauth.so in Postfix: a private Postfix instance (own config
# directory, queue, maillog; `postfix -c DIR start`, `sendmail -C DIR`)
# relays through Dovecot's submission service, which checks the XOAUTH2
# token at the mock identity platform -- with doc/postfix.md's settings
# (smtp_tls_security_level = encrypt, smtp_sasl_tls_security_options =
# noanonymous, smtp_sasl_security_options at its default) and the token
# store inside the queue directory, owned by postfix:
#   - smtp(8) unchrooted: fresh token; stale token refreshed by the helper
#     (run by the plugin as user postfix, no HOME, no PATH); a token the
#     server refuses (status in the maillog); a revoked grant (the helper's
#     message in the maillog);
#   - smtp(8) chrooted (Debian's default): the token read from the store
#     inside the chroot; a stale token defers with "cannot run here
#     (chroot?)"; the ExecStart of mailoauth-refresh@postfix.service, run as
#     its User= (the instance, postfix) from outside, refreshes it and the
#     deferred mail goes out;
#   - Postfix's default security options on a connection without TLS: the
#     plugin is not eligible, no token is sent.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/sasl/e2e-lib.sh"

tap_require postfix sendmail postsuper runuser
[ "$(id -u)" -eq 0 ] || tap_skip_all "a private Postfix instance needs root"
id postfix > /dev/null 2>&1 || tap_skip_all "no user postfix"

sasl_setup
# An ASan-built plugin in smtp(8): master(8) passes LD_PRELOAD (the ASan
# runtime) through import_environment; reports go to files checked at the end.
PF_PRELOAD=
if [ -n "$SASL_PRELOAD" ]; then
	PF_PRELOAD="LD_PRELOAD=$SASL_PRELOAD ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:log_path=$W/asan"
fi
PF=$STAND_DIR/postfix
mkdir -p "$PF/conf" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
# doc/postfix.md: the store inside the queue directory (the chroot).
PSTATE=$PF/queue/mailoauth
install -d -o postfix -m 700 "$PSTATE"
# The plugin runs the helper as user postfix: it must be able to reach it.
# A build directory it cannot enter (under /root): use copies (the programs
# link no library of ours).
if ! runuser -u postfix -- test -x "$MAILOAUTH_HELPER" ||
	! runuser -u postfix -- test -x "$MAILOAUTH_LIBEXECDIR/mailoauth-net"; then
	mkdir -p "$W/bin" "$W/libexec"
	cp "$MAILOAUTH_HELPER" "$W/bin/mailoauth" &&
		cp "$MAILOAUTH_LIBEXECDIR/mailoauth-net" "$W/libexec/mailoauth-net" &&
		chmod 755 "$W/bin" "$W/libexec" "$W/bin/mailoauth" "$W/libexec/mailoauth-net"
	MAILOAUTH_HELPER=$W/bin/mailoauth
	MAILOAUTH_LIBEXECDIR=$W/libexec
	runuser -u postfix -- test -x "$MAILOAUTH_HELPER" ||
		tap_skip_all "user postfix cannot run $MAILOAUTH_HELPER"
fi
sasl_account work state_dir="$PSTATE"
e2e_import --as postfix work "$STAND_USER" "$E2E_MAIL_SCOPES"
tap_ok $? "a grant is imported as user postfix"
F=$PSTATE/work.json
[ "$(stat -c %U "$F")" = postfix ]
tap_ok $? "the token file belongs to postfix"

cat > "$PF/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = client.test
mydomain = test
myorigin = client.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
alias_maps =
alias_database =
biff = no
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
relayhost = [127.0.0.1]:$DOVECOT_SUBMISSION_PORT
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = static:$STAND_USER:work
smtp_tls_security_level = encrypt
smtp_tls_CAfile = $STAND_CA
smtp_sasl_tls_security_options = noanonymous
# smtp_sasl_security_options: Postfix's default (noplaintext, noanonymous).
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
	SASL_PATH=$PLUGIN_DIR MAILOAUTH_CONFIG=$CFG
	MAILOAUTH_HELPER=$MAILOAUTH_HELPER MAILOAUTH_LIBEXECDIR=$MAILOAUTH_LIBEXECDIR
	$PF_PRELOAD
EOF

# master.cf: what a relay client needs; $1 = chroot for smtp/relay (y/n).
master_cf() {
	cat > "$PF/conf/master.cf" <<EOF
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
smtp      unix  -       -       $1       -       -       smtp
relay     unix  -       -       $1       -       -       smtp
EOF
}

PF_RUNNING=
pf_start() {
	master_cf "$1"
	postfix -c "$PF/conf" start > "$W/postfix.out" 2>&1 || return 1
	PF_RUNNING=yes
}
pf_stop() {
	[ -n "$PF_RUNNING" ] || return 0
	_pid=$(tr -d ' ' < "$PF/queue/pid/master.pid" 2>/dev/null)
	postfix -c "$PF/conf" stop > /dev/null 2>&1
	PF_RUNNING=
	# master(8) exits after its children.
	[ -z "$_pid" ] || wait_for 10 pf__gone "$_pid"
}
pf__gone() {
	! kill -0 "$1" 2>/dev/null
}
# Stop Postfix before the stand.
e2e_at_exit pf_stop

status_lines() {
	grep -c ' status=' "$PF/maillog" 2>/dev/null || true
}

status_grew() {
	[ "$(status_lines)" -gt "$1" ]
}

# pf_send SUBJECT: inject a message, wait for its delivery attempt, and set
# $STATUS to the maillog's status= line and $LOGPART to the log it caused.
pf_send() {
	_before=$(status_lines)
	_lines=$(wc -l < "$PF/maillog" 2>/dev/null || echo 0)
	printf 'From: %s\nTo: someone@fabrikam.example\nSubject: %s\n\n%s\n' \
		"$STAND_USER" "$1" "$1" |
		sendmail -C "$PF/conf" -f "$STAND_USER" someone@fabrikam.example
	wait_for 20 status_grew "$_before"
	LOGPART=$(tail -n +"$((_lines + 1))" "$PF/maillog")
	STATUS=$(printf '%s\n' "$LOGPART" | grep ' status=' | tail -n 1)
}

sink_has() {
	grep -l "^Subject: $1" "$STAND_SINK_DIR"/msg-*.eml > /dev/null 2>&1
}

pf_check() {
	_r=$?
	tap_ok $_r "$1"
	[ $_r -eq 0 ] || printf '%s\n' "$LOGPART" | grep -v ': [A-F0-9]*: \(message-id\|uid\)=' |
		cut -c1-300 | sed 's/^/# /'
}

# --- smtp(8) unchrooted --------------------------------------------------------
pf_start n
tap_ok $? "private Postfix starts (smtp chroot n)" || sed 's/^/# /' "$W/postfix.out"

logins=$(dovecot_logins XOAUTH2)
pf_send "unchrooted fresh"
case $STATUS in *status=sent*) sink_has "unchrooted fresh" ;; *) false ;; esac
pf_check "unchrooted, fresh token: relayed with XOAUTH2 (smtp_sasl_tls_security_options = noanonymous)"
[ "$(dovecot_logins XOAUTH2)" -gt "$logins" ] &&
	grep -q 'submission-login: Info: Login: .*method=XOAUTH2.*TLS' "$DOVECOT_LOG"
tap_ok $? "Dovecot submission logged an XOAUTH2 login over TLS"

old=$(store_get "$F" access_token)
store_edit "$F" stale
pf_send "unchrooted stale"
case $STATUS in *status=sent*) sink_has "unchrooted stale" ;; *) false ;; esac
pf_check "unchrooted, stale token: the plugin runs the helper (as postfix) and relays"
new=$(store_get "$F" access_token)
[ -n "$new" ] && [ "$new" != "$old" ] && [ "$(stat -c %U "$F")" = postfix ]
tap_ok $? "the helper refreshed the store, which still belongs to postfix"

store_edit "$F" token "EwRefusedByTheServer.0123456789"
pf_send "unchrooted refused"
case $STATUS in *status=deferred*) true ;; *) false ;; esac &&
	printf '%s\n' "$LOGPART" | grep -q 'SASL authentication failure: mailoauth: the server refused the XOAUTH2 token for user@contoso.example (account work): status 401'
pf_check "a token the server refuses: deferred, the maillog shows the server's status"
postsuper -c "$PF/conf" -d ALL > /dev/null 2>&1
runuser -u postfix -- "$MAILOAUTH_HELPER" --config "$CFG" refresh work \
	2>> "$W/helper.log"
tap_ok $? "mailoauth refresh (as postfix) repairs it"

# --- smtp(8) chrooted ------------------------------------------------------------
pf_stop
pf_start y
tap_ok $? "private Postfix restarts with smtp chrooted (chroot y)" || sed 's/^/# /' "$W/postfix.out"

pf_send "chrooted fresh"
case $STATUS in *status=sent*) sink_has "chrooted fresh" ;; *) false ;; esac
pf_check "chrooted: the token is read from the store inside the queue directory"

store_edit "$F" stale
pf_send "chrooted stale"
case $STATUS in *status=deferred*) true ;; *) false ;; esac &&
	printf '%s\n' "$LOGPART" | grep -q 'mailoauth: the token for account work is stale and the helper .* cannot run here (chroot?): run `mailoauth refresh work` from a timer as user postfix'
pf_check "chrooted, stale token: deferred, saying to run mailoauth refresh as user postfix"
# The timer's service, as systemd runs it: mailoauth-refresh@postfix.service
# (ExecStart with bindir = where the test's helper is, as User=%i = postfix).
# The system configuration would be /etc/mailoauth/config; here
# MAILOAUTH_CONFIG names the test's.
UNIT=$top_srcdir/contrib/systemd/mailoauth-refresh@.service.in
unit_user=$(sed -n 's/^User=//p' "$UNIT" | sed 's/%i/postfix/')
unit_exec=$(sed -n 's/^ExecStart=//p' "$UNIT" |
	sed "s|@bindir@|$(dirname "$MAILOAUTH_HELPER")|")
[ "$unit_user" = postfix ] && [ "$(basename "$MAILOAUTH_HELPER")" = mailoauth ]
tap_ok $? "mailoauth-refresh@postfix.service runs as user postfix"
# shellcheck disable=SC2086
runuser -u "$unit_user" -- env -i PATH=/usr/bin:/bin MAILOAUTH_CONFIG="$CFG" \
	MAILOAUTH_LIBEXECDIR="$MAILOAUTH_LIBEXECDIR" $unit_exec 2>> "$W/helper.log"
tap_ok $? "the refresh service's ExecStart (as postfix, from outside) refreshes the store"
_before=$(status_lines)
_lines=$(wc -l < "$PF/maillog")
postqueue -c "$PF/conf" -f
wait_for 20 status_grew "$_before"
LOGPART=$(tail -n +"$((_lines + 1))" "$PF/maillog")
printf '%s\n' "$LOGPART" | grep -q 'status=sent' && sink_has "chrooted stale"
pf_check "after the refresh service ran the deferred mail goes out"

# --- no TLS (smtp_tls_security_level = may with STARTTLS stripped) --------------
# Postfix's default noplaintext applies: a bearer token can be replayed by
# whoever reads it, so the plugin does not claim NOPLAINTEXT and is not
# eligible; Dovecot offers XOAUTH2 without TLS here, and gets no token.
postconf -c "$PF/conf" -e smtp_tls_security_level=none
postfix -c "$PF/conf" reload > /dev/null 2>&1
logins=$(dovecot_logins XOAUTH2)
pf_send "cleartext"
case $STATUS in *status=deferred*) true ;; *) false ;; esac &&
	printf '%s\n' "$LOGPART" | grep -q 'no mechanism available'
pf_check "without TLS, Postfix's default security options: no mechanism, deferred"
[ "$(dovecot_logins XOAUTH2)" -eq "$logins" ] && ! sink_has "cleartext"
tap_ok $? "without TLS: no XOAUTH2 login reached the server"
postsuper -c "$PF/conf" -d ALL > /dev/null 2>&1
postconf -c "$PF/conf" -e smtp_tls_security_level=encrypt

# --- a revoked grant (unchrooted, where the helper runs) ------------------------
pf_stop
pf_start n
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
store_edit "$F" stale
pf_send "revoked"
case $STATUS in *status=deferred*) true ;; *) false ;; esac &&
	printf '%s\n' "$LOGPART" | grep -q 'SASL authentication failure: mailoauth: account work: .*mailoauth authorize work'
pf_check "revoked grant: deferred, the maillog shows the helper's message"
printf '%s\n' "$LOGPART" | grep -q 'Unable to find a callback'
[ $? -ne 0 ]
tap_ok $? "revoked grant: no 'Unable to find a callback'"
postsuper -c "$PF/conf" -d ALL > /dev/null 2>&1

pf_stop
if [ -n "$PF_PRELOAD" ]; then
	! ls "$W"/asan.* > /dev/null 2>&1
	tap_ok $? "no sanitizer reports from smtp(8)"
	for f in "$W"/asan.*; do [ -f "$f" ] && head -n 20 "$f" | sed 's/^/# /'; done
fi
tap_done
