#!/bin/sh
# SPDX-License-Identifier: MIT
# `mailoauth check ACCOUNT --protocol smtp` against a fake server that
# answers like Office 365's smtp.office365.com (STARTTLS or implicit TLS,
# AUTH LOGIN XOAUTH2, its exact refusals: doc/protocol.md, SMTP): a working
# mailbox, SMTP AUTH disabled (535 5.7.139), a refused token (535 5.7.3), and
# Send As denied (5.2.252).  Each refusal exits 69 and prints its cause and
# fix (doc/troubleshooting.md); 5.7.139 spends no refresh on the token.
# check never sends mail: MAIL FROM then RSET, never DATA.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
connect_setup

# fcheck MODE TLS [SERVER-ARGS...] — check work's SMTP at a fake server.
fcheck() {
	_m=$1 _t=$2
	shift 2
	fake_start smtp "$_m" "$_t" 2 "$@"
	case $_t in
	starttls) _tm=starttls ;;
	*) _tm=implicit ;;
	esac
	"$MAILOAUTH_HELPER" --config "$CFG" check work --protocol smtp \
		--server "127.0.0.1:$FAKE_PORT" --tls "$_tm" > "$W/c.out" 2> "$W/c.err"
	_st=$?
	fake_stop
	cat "$W/c.err" >> "$W/stderr.all"
	return $_st
}

fcheck o365 starttls
st=$?
tap_ok $st "o365, STARTTLS: check works (status $st)"
[ $st -eq 0 ] || tap_diag "$(cat "$W/c.out" "$W/c.err")"
grep -qx 'STARTTLS' "$FAKE_LOG" && grep -qx 'AUTH XOAUTH2' "$FAKE_LOG" &&
	grep -qx '<xoauth2 user=user@contoso.example bearer=yes terminated=yes>' "$FAKE_LOG" &&
	grep -q '^  ok     login    AUTH XOAUTH2 accepted: 2.7.0 Authentication successful' "$W/c.out"
tap_ok $? "o365, STARTTLS: EHLO, STARTTLS, two-step AUTH XOAUTH2, 235"
grep -qx 'MAIL FROM:<user@contoso.example>' "$FAKE_LOG" && grep -qx 'RSET' "$FAKE_LOG" &&
	! grep -q '^DATA\|^RCPT\|message received' "$FAKE_LOG"
tap_ok $? "o365: MAIL FROM and RSET, no RCPT, no DATA: nothing is sent"
fcheck o365 tls
tap_ok $? "o365, implicit TLS: check works"

r0=$(mock_refreshes)
fcheck authdisabled starttls
st=$?
tap_ok $([ $st -eq 69 ]; echo $?) "5.7.139: check exits 69 (status $st)"
grep -q '^  FAIL   login    .*535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant' "$W/c.out"
tap_ok $? "5.7.139: the server's words in the login step"
grep -q '^SMTP 5.7.139: SMTP AUTH (authenticated client submission) is disabled for this mailbox or for the whole tenant' "$W/c.out" &&
	grep -q '^What to do: .*Set-CASMailbox -Identity user@contoso.example -SmtpClientAuthenticationDisabled \$false' "$W/c.out"
tap_ok $? "5.7.139: cause and fix (Set-CASMailbox -SmtpClientAuthenticationDisabled \$false for the user)"
[ "$(mock_refreshes)" -eq "$r0" ] && [ "$(grep -c '^AUTH XOAUTH2' "$FAKE_LOG")" -eq 1 ] &&
	! grep -q 'still considers valid' "$W/c.out"
tap_ok $? "5.7.139: no refresh, one login: no token gets past a disabled SMTP AUTH"
grep -q '^Result: the SMTP mailbox of user@contoso.example is NOT usable (login refused)' "$W/c.out"
tap_ok $? "5.7.139: the result line"

r0=$(mock_refreshes)
fcheck badauth tls
st=$?
tap_ok $([ $st -eq 69 ]; echo $?) "5.7.3: check exits 69 (status $st)"
grep -q '535 5.7.3 Authentication unsuccessful' "$W/c.out" &&
	grep -q '^SMTP 5.7.3: the server refused the token for this login: it lacks the SMTP.Send permission' "$W/c.out" &&
	grep -q '^What to do: `mailoauth status work` shows the scopes and who signed in; grant SMTP.Send' "$W/c.out"
tap_ok $? "5.7.3: the server's words, cause (user, scope, SMTP.Send) and fix"
[ "$(grep -c '^SMTP 5.7.3:' "$W/c.out")" -eq 1 ]
tap_ok $? "5.7.3: the advice is printed once"
[ "$(mock_refreshes)" -eq $((r0 + 1)) ] && [ "$(grep -c '^AUTH XOAUTH2' "$FAKE_LOG")" -eq 2 ] &&
	grep -q 'The new token was refused too' "$W/c.out"
tap_ok $? "5.7.3: one refresh and one more login, then the server's last word"

fcheck sendas tls --sendas-at mail
st=$?
tap_ok $([ $st -eq 69 ]; echo $?) "5.2.252 at MAIL FROM: check exits 69 (status $st)"
grep -q '^  FAIL   mailbox  .*554 5.2.252 SendAsDenied; user@contoso.example not allowed to send as user@contoso.example' "$W/c.out" &&
	grep -q '^SMTP 5.2.252: the mailbox may not send as that sender (SendAsDenied)' "$W/c.out" &&
	grep -q '^What to do: send with user@contoso.example.s own address .*Add-RecipientPermission -Identity SENDER -Trustee user@contoso.example -AccessRights SendAs' "$W/c.out"
tap_ok $? "5.2.252 at MAIL FROM: the server's words, cause and fix (Send As)"
! grep -q 'authenticated but not connected' "$W/c.out" && ! grep -q '^DATA' "$FAKE_LOG"
tap_ok $? "5.2.252: not mistaken for \"authenticated but not connected\"; no DATA"

# Office 365 refuses Send As at the end of DATA: check, which sends
# nothing, cannot see it; the guide says where it shows (Postfix's log).
fcheck sendas tls
tap_ok $? "5.2.252 at DATA (Office 365): check, which never sends DATA, passes"

t "no secret in check's output" e2e_no_secrets "$W/stderr.all" "$W/c.out"
sanitizer_clean
tap_done
