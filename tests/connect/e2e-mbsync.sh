#!/bin/sh
# SPDX-License-Identifier: MIT
# mbsync (isync) syncs INBOX from the real Dovecot through `Tunnel
# "mailoauth connect ..."`, logging in with LOGIN and with SASL PLAIN (which
# mailoauth answers itself and turns into XOAUTH2 upstream).
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
tap_require mbsync
connect_setup
N=5
stand_seed_mail "$STAND_USER" $N 2048

# mbsyncrc NAME MECH — a pull-only channel into $W/NAME/mail
mbsyncrc() {
	m=$W/$1
	mkdir -p "$m/mail"
	cat > "$m/rc" <<EOR
IMAPAccount work
Tunnel "$MAILOAUTH_HELPER --config $CFG connect --protocol imap 127.0.0.1 $DOVECOT_IMAPS_PORT"
User $STAND_USER
Pass dummy
AuthMechs $2

IMAPStore remote
Account work

MaildirStore local
Path $m/mail/
Inbox $m/mail/INBOX

Channel ch
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
EOR
}

for mech in LOGIN PLAIN; do
	mbsyncrc "mb-$mech" $mech
	m=$W/mb-$mech
	mbsync -c "$m/rc" ch > "$m/out" 2>&1
	st=$?
	cat "$m/out" >> "$W/stderr.all"
	tap_ok $st "mbsync AuthMechs $mech through the tunnel (status $st)"
	[ $st -eq 0 ] || tap_diag "$(tail -n 15 "$m/out")"
	[ "$(maildir_count "$m/mail/INBOX")" -eq $N ]
	tap_ok $? "mbsync AuthMechs $mech: $N messages synced"
	mbsync -c "$m/rc" ch > "$m/out2" 2>&1
	tap_ok $? "mbsync AuthMechs $mech: a second sync works too"
	[ "$(maildir_count "$m/mail/INBOX")" -eq $N ]
	tap_ok $? "mbsync AuthMechs $mech: still $N messages"
done
[ "$(grep -c "Login: .*method=XOAUTH2" "$DOVECOT_LOG")" -ge 4 ]
tap_ok $? "Dovecot saw XOAUTH2 logins for every sync"

sanitizer_clean
tap_done
