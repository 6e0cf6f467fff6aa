#!/bin/sh
# SPDX-License-Identifier: MIT
# Stock fetchmail (Debian's 6.4, no OAuth) downloads a mailbox from the real
# Dovecot through `mailoauth connect` over POP3 and IMAP, with a dummy
# password and `sslproto ''`: N messages, then nothing new, with `keep` and
# `no keep`; and without `sslproto ''` the user is told what to add.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
tap_require fetchmail
connect_setup
N=7

# fetchmail_case NAME PROTO PORT — keep: all N, then nothing new, mailbox
# untouched; no keep: all N again (keep left them), then the mailbox is empty.
fetchmail_case() {
	name=$1 proto=$2 port=$3
	d=$W/fm-$name
	connect_fetchmailrc "$d" "$proto" "$port" "$STAND_USER" keep
	connect_fetchmail "$d"
	st=$?
	tap_ok $st "$name keep: fetchmail retrieves mail (status $st)"
	[ $st -eq 0 ] || tap_diag "$(tail -n 20 "$d/out")"
	[ "$(connect_count "$d/mbox")" -eq $N ]
	tap_ok $? "$name keep: $N messages delivered ($(connect_count "$d/mbox"))"
	grep -q "^Subject: stand message $N of $N" "$d/mbox"
	tap_ok $? "$name keep: the messages are intact (subjects present)"
	connect_fetchmail "$d"
	st=$?
	[ $st -eq 1 ]
	tap_ok $? "$name keep: a second poll finds nothing new (status $st)"
	[ "$(connect_count "$d/mbox")" -eq $N ]
	tap_ok $? "$name keep: still $N messages delivered"
	[ "$(maildir_count "$STAND_MAILDIR_USER")" -eq $N ]
	tap_ok $? "$name keep: the server still holds $N messages"
	! grep -q dummy "$d/out"
	tap_ok $? "$name: the dummy password appears nowhere in fetchmail's output"

	d=$W/fm-$name-nokeep
	connect_fetchmailrc "$d" "$proto" "$port" "$STAND_USER" "no keep" fetchall
	connect_fetchmail "$d"
	st=$?
	tap_ok $st "$name no keep: fetchmail retrieves mail (status $st)"
	[ "$(connect_count "$d/mbox")" -eq $N ]
	tap_ok $? "$name no keep: $N messages delivered"
	[ "$(maildir_count "$STAND_MAILDIR_USER")" -eq 0 ]
	tap_ok $? "$name no keep: the server's mailbox is empty afterwards"
	connect_fetchmail "$d"
	st=$?
	[ $st -eq 1 ]
	tap_ok $? "$name no keep: a second poll finds nothing (status $st)"
}

stand_seed_mail "$STAND_USER" $N 3000
fetchmail_case pop3 pop3 "$DOVECOT_POP3S_PORT"
stand_seed_mail "$STAND_USER" $N 3000
fetchmail_case imap imap "$DOVECOT_IMAPS_PORT"

# Without sslproto '' fetchmail 6.4 asks the plugin's pipe for STLS: the
# poll fails, and the plugin's stderr tells the user what to add.
for proto in pop3 imap; do
	d=$W/fm-$proto-stls
	if [ $proto = pop3 ]; then port=$DOVECOT_POP3S_PORT; else port=$DOVECOT_IMAPS_PORT; fi
	connect_fetchmailrc "$d" $proto "$port" "$STAND_USER"
	sed -i "/sslproto/d" "$d/.fetchmailrc"
	connect_fetchmail "$d"
	st=$?
	[ $st -ne 0 ] && grep -q "sslproto ''" "$d/out"
	tap_ok $? "$proto without sslproto '': fails (status $st) and says to add sslproto ''"
done

# The plugin never saw the password "dummy" go upstream: Dovecot logged an
# XOAUTH2 login for each poll.
grep -q "method=XOAUTH2" "$DOVECOT_LOG"
tap_ok $? "Dovecot saw XOAUTH2 logins"
! grep -q "method=PLAIN" "$DOVECOT_LOG"
tap_ok $? "Dovecot saw no PLAIN login (the dummy password went nowhere)"

sanitizer_clean
tap_done
