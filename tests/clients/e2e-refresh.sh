#!/bin/sh
# SPDX-License-Identifier: MIT
# The refresh jobs of doc/clients.md ("cron and systemd timers").  The
# systemd user units of contrib/systemd/ (the service made from its .in as
# contrib/local.mk does, bindir being where the test's `mailoauth` lives)
# pass `systemd-analyze --user verify` without a word, their Documentation=
# pages included, and so do the system units mailoauth-refresh@.service and
# .timer as instances for user postfix (`systemd-analyze verify`); the service's ExecStart, run exactly as written in the
# user manager's environment (no systemd instance runs here), refreshes
# the one account whose token is expiring, silently, exits 0, then has
# nothing to do; a revoked sign-in makes it exit 77 and say what to do.  The
# guide's crontab line, run by sh -c in cron's environment, does the same.
# Each service's OnFailure= names its notification unit (mailoauth-notify
# .service, mailoauth-notify@.service, verified with them), whose ExecStart,
# run as systemd would after failures, tells the accounts' notify_command
# once per failure: nothing more when the refresh told it already, every
# account once when the job failed without an account's error, then
# "recovered" after the next good run; no secret reaches the command.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require systemd-analyze
clients_setup
# A second account with a fresh token: --all must leave it alone.
connect_account spare "$STAND_OTHER_USER"
connect_import spare "$STAND_OTHER_USER" || tap_diag "cannot sign in the spare account"
cp "$CFG" "$H/.config/mailoauth/config"
SPARE=$STATE/spare.json

# field FILE KEY — a top-level value of a token store file (never printed).
field() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}
# fresh FILE — the stored token has more than the job's 900 s left.
fresh() {
	[ "$(field "$1" expires_at)" -gt $(($(date +%s) + 900)) ]
}

# --- the units ------------------------------------------------------------------
U=$H/units
mkdir -p "$U"
sed -e "s|@bindir[@]|$H/bin|g" "$top_srcdir/contrib/systemd/mailoauth-refresh.service.in" \
	> "$U/mailoauth-refresh.service"
cp "$top_srcdir/contrib/systemd/mailoauth-refresh.timer" "$U/"
sed -e "s|@bindir[@]|$H/bin|g" "$top_srcdir/contrib/systemd/mailoauth-notify.service.in" \
	> "$U/mailoauth-notify.service"
! grep -q '@[a-z_]*@' "$U/mailoauth-refresh.service" "$U/mailoauth-notify.service" &&
	grep -q "^ExecStart=$H/bin/mailoauth " "$U/mailoauth-refresh.service"
tap_ok $? "mailoauth-refresh.service made from its .in: ExecStart runs bindir's mailoauth"
grep -qx 'OnFailure=mailoauth-notify.service' "$U/mailoauth-refresh.service" &&
	grep -qx "ExecStart=$H/bin/mailoauth notify-failure mailoauth-refresh.service" "$U/mailoauth-notify.service"
tap_ok $? "mailoauth-refresh.service: OnFailure=mailoauth-notify.service, which runs mailoauth notify-failure for it"

# The Documentation= pages: found by man(1) in the source tree's doc/.
mkdir -p "$H/man/man1" "$H/man/man5" "$H/run"
chmod 700 "$H/run"
ln -s "$top_srcdir/doc/mailoauth.1" "$H/man/man1/"
ln -s "$top_srcdir/doc/mailoauth.conf.5" "$H/man/man5/"
if command -v man > /dev/null 2>&1; then
	manopt=--man=yes
else
	manopt=--man=no
fi
# verify UNIT... — systemd-analyze --user verify; output in $OUT/verify.out
verify() {
	as_user env XDG_RUNTIME_DIR="$H/run" MANPATH="$H/man" \
		systemd-analyze --user verify "$manopt" "$@" > "$OUT/verify.out" 2>&1
}
verify "$U/mailoauth-refresh.service" "$U/mailoauth-refresh.timer" "$U/mailoauth-notify.service"
st=$?
[ $st -eq 0 ] && [ ! -s "$OUT/verify.out" ]
tap_ok $? "systemd-analyze --user verify $manopt: the three units clean (status $st)"
[ -s "$OUT/verify.out" ] && tap_diag "$(cat "$OUT/verify.out")"
# ... and it does complain about a mistake (the check above has teeth).
mkdir -p "$H/bad"
cp "$U/mailoauth-refresh.service" "$H/bad/"
sed 's/^OnUnitActiveSec=5min$/OnUnitActiveSec=5mn/' "$U/mailoauth-refresh.timer" \
	> "$H/bad/mailoauth-refresh.timer"
verify "$H/bad/mailoauth-refresh.service" "$H/bad/mailoauth-refresh.timer"
grep -q 'Failed to parse timer value' "$OUT/verify.out"
tap_ok $? "systemd-analyze verify reports a broken timer value (self-check)"
# The system units for service users (mailoauth-refresh@USER): made the
# same way, verified as instances for user postfix, as the administrator
# enables them.
S=$H/sysunits
mkdir -p "$S"
sed -e "s|@bindir[@]|$H/bin|g" "$top_srcdir/contrib/systemd/mailoauth-refresh@.service.in" \
	> "$S/mailoauth-refresh@.service"
cp "$top_srcdir/contrib/systemd/mailoauth-refresh@.timer" "$S/"
ln -s mailoauth-refresh@.service "$S/mailoauth-refresh@postfix.service"
ln -s mailoauth-refresh@.timer "$S/mailoauth-refresh@postfix.timer"
sed -e "s|@bindir[@]|$H/bin|g" "$top_srcdir/contrib/systemd/mailoauth-notify@.service.in" \
	> "$S/mailoauth-notify@.service"
ln -s mailoauth-notify@.service "$S/mailoauth-notify@postfix.service"
grep -qx 'OnFailure=mailoauth-notify@%i.service' "$S/mailoauth-refresh@.service" &&
	grep -qx "ExecStart=$H/bin/mailoauth notify-failure mailoauth-refresh@%i.service" "$S/mailoauth-notify@.service" &&
	grep -qx 'User=%i' "$S/mailoauth-notify@.service" && ! grep -q '@[a-z_]*@' "$S/mailoauth-notify@.service"
tap_ok $? "mailoauth-refresh@.service: OnFailure=mailoauth-notify@%i.service, run as the same user for the failed instance"
! grep -q '@[a-z_]*@' "$S/mailoauth-refresh@.service" &&
	grep -q "^ExecStart=$H/bin/mailoauth refresh --all --if-expiring-within 900$" "$S/mailoauth-refresh@.service" &&
	grep -q '^User=%i$' "$S/mailoauth-refresh@.service" &&
	grep -q '^WantedBy=timers.target$' "$S/mailoauth-refresh@.timer"
tap_ok $? "mailoauth-refresh@.service runs bindir's mailoauth refresh --all as the instance user"
# sysverify UNIT... — systemd-analyze verify (system manager); $OUT/sysverify.out
sysverify() {
	env MANPATH="$H/man" systemd-analyze verify "$manopt" "$@" > "$OUT/sysverify.out" 2>&1
}
mkdir -p "$H/man/man7"
ln -s "$top_srcdir/doc/mailoauth-sasl.7" "$H/man/man7/"
sysverify "$S/mailoauth-refresh@postfix.service" "$S/mailoauth-refresh@postfix.timer" \
	"$S/mailoauth-notify@postfix.service"
st=$?
[ $st -eq 0 ] && [ ! -s "$OUT/sysverify.out" ]
tap_ok $? "systemd-analyze verify $manopt: mailoauth-refresh@postfix.service, .timer and mailoauth-notify@postfix.service clean (status $st)"
[ -s "$OUT/sysverify.out" ] && tap_diag "$(cat "$OUT/sysverify.out")"
mkdir -p "$H/sysbad"
sed 's/^OnUnitActiveSec=5min$/OnUnitActiveSec=5mn/' "$S/mailoauth-refresh@.timer" \
	> "$H/sysbad/mailoauth-refresh@.timer"
cp "$S/mailoauth-refresh@.service" "$H/sysbad/"
ln -s mailoauth-refresh@.service "$H/sysbad/mailoauth-refresh@postfix.service"
ln -s mailoauth-refresh@.timer "$H/sysbad/mailoauth-refresh@postfix.timer"
sysverify "$H/sysbad/mailoauth-refresh@postfix.service" "$H/sysbad/mailoauth-refresh@postfix.timer"
grep -q 'Failed to parse timer value' "$OUT/sysverify.out"
tap_ok $? "systemd-analyze verify reports a broken system timer value (self-check)"
sed 's/^Type=oneshot$/Type=oneshoot/' "$S/mailoauth-notify@.service" > "$H/sysbad/mailoauth-notify@.service"
ln -s mailoauth-notify@.service "$H/sysbad/mailoauth-notify@postfix.service"
sysverify "$H/sysbad/mailoauth-notify@postfix.service"
grep -q 'Failed to parse service type' "$OUT/sysverify.out"
tap_ok $? "systemd-analyze verify reports a broken notification unit (self-check)"
grep -q '^OnStartupSec=1min$' "$U/mailoauth-refresh.timer" &&
	grep -q '^OnUnitActiveSec=5min$' "$U/mailoauth-refresh.timer" &&
	grep -q -F 'The timer runs the service a minute after login and every five minutes' "$CLIENTS_DOC"
tap_ok $? "the timer runs the service a minute after start-up, then every five minutes, as the guide says"

# service — run the service's ExecStart as the user manager would: its
# environment, NoNewPrivileges=yes and Nice= from the unit.  Output (the
# journal) in $OUT/service.out; returns the exit status.
exec_start=$(sed -n 's/^ExecStart=//p' "$U/mailoauth-refresh.service")
nice=$(sed -n 's/^Nice=//p' "$U/mailoauth-refresh.service")
grep -q '^NoNewPrivileges=yes$' "$U/mailoauth-refresh.service" && nnp=yes || nnp=no
case $exec_start in
[-@:+!]*) tap_diag "ExecStart has a prefix this test does not emulate: $exec_start" ;;
esac
# shellcheck disable=SC2317
service() {
	set -- env -i HOME="$H" USER="$(id -un)" LOGNAME="$(id -un)" SHELL=/bin/sh \
		PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$H/run" \
		MAILOAUTH_LIBEXECDIR="$MAILOAUTH_LIBEXECDIR"
	[ "$nnp" = yes ] && command -v setpriv > /dev/null 2>&1 && set -- "$@" setpriv --no-new-privs
	[ -n "$nice" ] && set -- "$@" nice -n "$nice"
	# shellcheck disable=SC2086
	timeout 30 "$@" $exec_start > "$OUT/service.out" 2>&1
}

# job NAME RUN — the expiring-token round: RUN (service or cron) refreshes
# work (15 minutes or less left) and not spare, silently; then nothing to do.
job() {
	store_edit "$STORE" expire 600
	spare_token=$(field "$SPARE" access_token)
	r0=$(mock_refreshes)
	$2
	st=$?
	tap_ok $st "$1: exits 0 with an expiring token (status $st)"
	[ $st -eq 0 ] || tap_diag "$(cat "$OUT/$2.out")"
	[ "$(mock_refreshes)" -eq $((r0 + 1)) ] && fresh "$STORE"
	tap_ok $? "$1: refreshed it (mock: $r0 -> $(mock_refreshes) refreshes)"
	[ "$(field "$SPARE" access_token)" = "$spare_token" ]
	tap_ok $? "$1: left the account with a fresh token alone"
	[ ! -s "$OUT/$2.out" ]
	tap_ok $? "$1: printed nothing"
	r0=$(mock_refreshes)
	$2
	st=$?
	[ $st -eq 0 ] && [ ! -s "$OUT/$2.out" ] && [ "$(mock_refreshes)" -eq "$r0" ]
	tap_ok $? "$1: run again, nothing to do: exits 0 (status $st), prints nothing, no refresh"
}

# revoked NAME RUN — the sign-in of work revoked while its token expires.
revoked() {
	store_edit "$STORE" expire 600
	mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
	$2
	st=$?
	[ $st -eq 77 ] && grep -q 'sign in again: mailoauth authorize work' "$OUT/$2.out"
	tap_ok $? "$1: a revoked sign-in: exit 77 (status $st) and the output says mailoauth authorize work"
	connect_import work "$STAND_USER" || tap_diag "cannot sign work in again"
}

job "systemd service" service
revoked "systemd service" service

# --- OnFailure=: the notification unit ------------------------------------
# A notify_command for every account that records what it gets.
NREC=$OUT/notified
cat > "$H/bin/notify-rec" << EOF
#!/bin/sh
{ echo "event=\$MAILOAUTH_EVENT account=\$MAILOAUTH_ACCOUNT"; echo "message=\$MAILOAUTH_MESSAGE"
  env | sed 's/^/env /'; } >> "$NREC"
EOF
chmod 755 "$H/bin/notify-rec"
{ printf '[defaults]\nnotify_command = %s\n\n' "$H/bin/notify-rec"; cat "$CFG"; } \
	> "$H/.config/mailoauth/config"
# notify — mailoauth-notify.service's ExecStart in the same environment
# as service(); output in $OUT/notify.out.
notify_exec=$(sed -n 's/^ExecStart=//p' "$U/mailoauth-notify.service")
# shellcheck disable=SC2317
notify() {
	# shellcheck disable=SC2086
	timeout 30 env -i HOME="$H" USER="$(id -un)" LOGNAME="$(id -un)" SHELL=/bin/sh \
		PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$H/run" \
		MAILOAUTH_LIBEXECDIR="$MAILOAUTH_LIBEXECDIR" $notify_exec > "$OUT/notify.out" 2>&1
}
events() {
	grep -c '^event=' "$NREC"
}
: > "$NREC"
notify
st=$?
[ $st -eq 0 ] && [ "$(events)" -eq 2 ] &&
	grep -qx 'event=refresh-failed account=work' "$NREC" &&
	grep -qx 'event=refresh-failed account=spare' "$NREC" &&
	grep -q '^message=mailoauth: account work .*the scheduled refresh mailoauth-refresh.service failed .*journalctl -u mailoauth-refresh.service shows why' "$NREC"
tap_ok $? "OnFailure, no account failed: each account's notify_command told once, naming the unit and its journal (status $st)"
[ $st -eq 0 ] || tap_diag "$(cat "$OUT/notify.out")"
for i in 1 2 3; do notify; done
[ "$(events)" -eq 2 ]
tap_ok $? "OnFailure three more times: nothing more ($(events) notifications)"
service
st=$?
[ $st -eq 0 ] && [ "$(events)" -eq 4 ] && [ "$(grep -c '^event=recovered' "$NREC")" -eq 2 ]
tap_ok $? "the next good refresh: recovered, once per account (status $st)"
store_edit "$STORE" expire 600
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
service
st=$?
notify
[ $st -eq 77 ] && [ "$(events)" -eq 5 ] && [ "$(grep -c '^event=signin-needed account=work' "$NREC")" -eq 1 ] &&
	grep -q 'mailoauth-refresh.service failed; 1 account told its notify_command why already' "$OUT/notify.out"
tap_ok $? "a revoked sign-in: the refresh notified signin-needed, OnFailure adds nothing ($(events) notifications)"
! grep '^env ' "$NREC" | grep -qv '^env \(PATH\|HOME\|USER\|LOGNAME\|LANG\|LC_ALL\|TZ\|DISPLAY\|WAYLAND_DISPLAY\|DBUS_SESSION_BUS_ADDRESS\|XDG_RUNTIME_DIR\|PWD\|SHLVL\|_\|MAILOAUTH_[A-Z_]*\)='
tap_ok $? "the notify_command's environment holds nothing but the documented variables"
connect_import work "$STAND_USER" || tap_diag "cannot sign work in again"
cp "$CFG" "$H/.config/mailoauth/config"

# --- cron -------------------------------------------------------------------
doc_block "cron and systemd timers" crontab | grep -v '^#' | grep . > "$OUT/crontab"
[ "$(wc -l < "$OUT/crontab")" -eq 1 ] && [ "$(awk '{ print $1, $2, $3, $4, $5 }' "$OUT/crontab")" = '*/5 * * * *' ]
tap_ok $? "the guide's crontab: one line, every five minutes"
cron_cmd=$(sed 's/^[^ ]* *[^ ]* *[^ ]* *[^ ]* *[^ ]* *//' "$OUT/crontab")
[ "$cron_cmd" = "mailoauth refresh --all --if-expiring-within 900" ]
tap_ok $? "the guide's crontab command: $cron_cmd"
# cron runs the command with sh -c, HOME/LOGNAME/SHELL from passwd and
# PATH=/usr/bin:/bin ($H/bin stands for /usr/bin, where mailoauth is
# installed).
# shellcheck disable=SC2317
cron() {
	timeout 30 env -i HOME="$H" LOGNAME="$(id -un)" SHELL=/bin/sh \
		PATH="$H/bin:/usr/bin:/bin" MAILOAUTH_LIBEXECDIR="$MAILOAUTH_LIBEXECDIR" \
		/bin/sh -c "$cron_cmd" > "$OUT/cron.out" 2>&1
}
job cron cron
revoked cron cron

no_secrets "refresh jobs" "$H"
tap_done
