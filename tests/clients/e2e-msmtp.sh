#!/bin/sh
# SPDX-License-Identifier: MIT
# msmtp set up as doc/clients.md says (~/.msmtprc: `auth xoauth2`,
# `passwordeval "mailoauth token work"`, STARTTLS on the submission port)
# sends through Dovecot's submission service: the messages reach the SMTP
# sink behind it, with the default account and with `-a work` (what the mutt
# and neomutt sections use), after a refresh when the stored token is stale;
# a revoked sign-in makes msmtp fail, sending nothing, with mailoauth's
# message.  Without --debug, msmtp writes no token anywhere.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/clients/clients-lib.sh"
tap_require msmtp
clients_setup

# The guide's ~/.msmtprc, pointed at the stand (Dovecot's submission port
# offers STARTTLS like smtp.office365.com:587); the stand's CA and a log
# file added to the account.
msmtp_rc "logfile $OUT/msmtp.log"
doc_adapted msmtprc "$H/.msmtprc"
grep -q '^passwordeval "mailoauth token work"$' "$H/.msmtprc" &&
	grep -q '^auth xoauth2$' "$H/.msmtprc" && grep -q '^tls_starttls on$' "$H/.msmtprc"
tap_ok $? "msmtprc: auth xoauth2, passwordeval \"mailoauth token work\", STARTTLS, as in the guide"

# send NAME ARGS... — msmtp ARGS (as the user) with a message whose subject
# is "msmtp NAME"; output in $OUT/NAME.out; returns msmtp's status.
send() {
	_n=$1
	shift
	printf 'From: %s\nTo: bob@example.org\nSubject: msmtp %s\n\nSent by msmtp (%s).\n' \
		"$STAND_USER" "$_n" "$_n" |
		as_user timeout 30 msmtp "$@" bob@example.org > "$OUT/$_n.out" 2>&1
}

logins=$(login_count submission)
send default
st=$?
tap_ok $st "default account: msmtp sends (status $st)"
[ $st -eq 0 ] || tap_diag "$(cat "$OUT/default.out")"
f=$(sink_find "msmtp default")
[ -n "$f" ] && grep -q "^MAIL FROM:<$STAND_USER>" "${f%.eml}.env" &&
	grep -q '^RCPT TO:<bob@example.org>' "${f%.eml}.env"
tap_ok $? "default account: the message arrived behind Dovecot's submission, envelope intact"
[ "$(login_count submission)" -eq $((logins + 1)) ] &&
	tail -n 5 "$DOVECOT_LOG" | grep -q "submission-login: Info: Login: user=<$STAND_USER>, method=XOAUTH2, .*, TLS,"
tap_ok $? "default account: Dovecot logged an XOAUTH2 login over TLS (STARTTLS)"
grep -q 'smtpstatus=250 .*exitcode=EX_OK' "$OUT/msmtp.log"
tap_ok $? "default account: msmtp's log file records the delivery"

# A stale token: passwordeval's `mailoauth token work` refreshes it.
store_edit "$STORE" stale
r0=$(mock_refreshes)
send account-work -a work
st=$?
tap_ok $st "-a work with a stale token: msmtp sends (status $st)"
[ $st -eq 0 ] || tap_diag "$(cat "$OUT/account-work.out")"
[ -n "$(sink_find "msmtp account-work")" ]
tap_ok $? "-a work with a stale token: the message arrived"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ]
tap_ok $? "-a work with a stale token: mailoauth refreshed it once (mock: $r0 -> $(mock_refreshes))"

# The sign-in revoked (stale token, refresh refused): msmtp stops before
# sending, shows mailoauth's reason and what to do, and says it could not
# read the command's output (msmtp's exit status is its own, 78).
store_edit "$STORE" stale
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
logins=$(login_count submission)
send revoked
st=$?
[ $st -ne 0 ]
tap_ok $? "revoked sign-in: msmtp fails (status $st)"
[ $st -eq 78 ]
tap_ok $? "revoked sign-in: msmtp exits 78 (EX_CONFIG), as the guide says (status $st)"
grep -q '^What to do: sign in again: mailoauth authorize work$' "$OUT/revoked.out" &&
	grep -q "^msmtp: cannot read output of 'mailoauth token work'" "$OUT/revoked.out"
tap_ok $? "revoked sign-in: msmtp shows mailoauth's message (sign in again: mailoauth authorize work)"
[ $st -ne 0 ] || tap_diag "$(cat "$OUT/revoked.out")"
[ -z "$(sink_find "msmtp revoked")" ] && [ "$(login_count submission)" -eq "$logins" ]
tap_ok $? "revoked sign-in: nothing sent, no login at the server"

no_secrets msmtp "$H"
tap_done
