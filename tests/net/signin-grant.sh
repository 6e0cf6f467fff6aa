#!/bin/sh
# SPDX-License-Identifier: MIT
# `mailoauth authorize` and `mailoauth status` judge the same grant the
# same way: for each `scope` the mock identity platform puts into the token
# reply, the protocols that authorize warns about right after the sign-in
# are exactly the ones that status (run afterwards on what was stored)
# lists in missing_scopes, and both follow the scope rule of lib/grantcheck.h
# (doc/protocol.md, "Scopes, and the scope of a token reply").
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"
. "${top_srcdir:-.}/tests/net/signin.sh"

unset DISPLAY WAYLAND_DISPLAY
e2e_setup --no-dovecot
e2e_account work
mock_ctl POST /mock/config '{"device_interval": 1}' > /dev/null

O=https://outlook.office.com
G=https://graph.microsoft.com
X=https://outlook.example.com
# The scopes the mock grants (its token reply's `scope` has those of the
# first resource: one token is for one resource) | protocols missing | what
cases="$O/POP.AccessAsUser.All $O/IMAP.AccessAsUser.All $O/SMTP.Send||all three, as requested
$G/POP.AccessAsUser.All $G/IMAP.AccessAsUser.All $G/SMTP.Send|pop3 imap smtp|the same permissions on Microsoft Graph
$O/IMAP.AccessAsUser.All $G/IMAP.AccessAsUser.All|pop3 smtp|IMAP on Exchange and on Graph, nothing else
https://outlook.office365.com/POP.AccessAsUser.All https://outlook.office365.com/IMAP.AccessAsUser.All https://outlook.office365.com/SMTP.Send||the other Exchange host name
$O/pop.accessasuser.all $O/imap.accessasuser.all $O/smtp.send||lower-case permissions
POP.AccessAsUser.All IMAP.AccessAsUser.All SMTP.Send||short names
$X/POP.AccessAsUser.All $X/IMAP.AccessAsUser.All $X/SMTP.Send|pop3 imap smtp|the same permissions on an unrelated host"

# The protocols authorize's stderr ($1) warns about, as "pop3 imap smtp".
warned() {
	for _p in POP3:pop3 IMAP:imap SMTP:smtp; do
		grep -q "did not grant .*, which ${_p%%:*} needs" "$1" && printf '%s ' "${_p#*:}"
	done
}

n=0
while IFS='|' read -r granted want what; do
	n=$((n + 1))
	mock_ctl POST /mock/config "{\"grant_scopes\": \"$granted\"}" > /dev/null
	si_start work --device
	if code=$(mock_device_code "$SI_PID"); then
		mock_ctl POST /mock/device "{\"user_code\": \"$code\"}" > /dev/null
	else
		kill "$SI_PID" 2>/dev/null
	fi
	si_wait
	tap_ok $SI_RC "$what: signed in (rc=$SI_RC)"
	a=$(warned "$SI_ERR")
	s=$("$MAILOAUTH_HELPER" status work --json 2>> "$VLOG" | python3 -c '
import json, sys
print(" ".join(json.load(sys.stdin)[0]["missing_scopes"]))')
	a=${a% }
	[ "$a" = "$want" ]
	tap_ok $? "$what: authorize warns about ${want:-nothing} (warned: ${a:-nothing})"
	[ "$s" = "$a" ]
	tap_ok $? "$what: status reports missing what authorize warned about (${s:-nothing})"
done <<EOT
$cases
EOT
mock_ctl POST /mock/config '{"grant_scopes": null}' > /dev/null
[ "$n" -eq 7 ]
tap_ok $? "all $n grants checked"
tap_done
