#!/bin/sh
# SPDX-License-Identifier: MIT
# libmailoauth.so end to end: real Cyrus SASL clients -- cyrus
# pop3test and imtest, isync's mbsync -- log in to a real Dovecot whose
# oauth2 passdb checks tokens at the mock identity platform.  POP3 two-step,
# IMAP initial response, XOAUTH2 and OAUTHBEARER, an mbsync pull into a
# Maildir (no password, and PassCmd token-as-password for the account's
# user; no mechanism at all without a configuration), the plugin chosen over
# KDE's libkdexoauth2.so loaded before it, a stale token refreshed by the helper, a
# revoked grant, and a token Dovecot refuses (error challenge acknowledged).
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/sasl/e2e-lib.sh"

tap_require "$IMTEST" "$POP3TEST" mbsync

sasl_setup
sasl_account work
sasl_account gone user="$STAND_OTHER_USER"
e2e_import work "$STAND_USER" "$E2E_MAIL_SCOPES"
tap_ok $? "a grant is imported for account work"
e2e_import gone "$STAND_OTHER_USER" "$E2E_MAIL_SCOPES"
tap_ok $? "a grant is imported for account gone"
F=$STATE/work.json
OUT=$W/out

# Runs a client with its transcript in $OUT (CR stripped).
run() {
	client "$@" < /dev/null > "$OUT" 2>&1
	_rc=$?
	sed -i 's/\r$//' "$OUT"
	return $_rc
}

tap_check() {
	_r=$?
	tap_ok $_r "$1"
	[ $_r -eq 0 ] || show
}

# Transcripts of imtest/pop3test hold the base64 of the message (the token):
# only the lines the checks need are shown.
show() {
	grep -E '^(S: [-+*A-Z0-9]|Authent|Error|Warning|mailoauth)' "$OUT" |
		cut -c1-160 | sed 's/^/# /'
}

# --- cyrus pop3test: two-step AUTH (no initial response) ----------------------
before=$(dovecot_logins XOAUTH2)
run "$POP3TEST" -m XOAUTH2 -a "$STAND_USER" -w work -p "$DOVECOT_POP3_PORT" \
	127.0.0.1
grep -q '^Authenticated\.' "$OUT"
tap_check "pop3test -m XOAUTH2 logs in through the plugin"
grep -q '^C: AUTH XOAUTH2$' "$OUT" && grep -q '^S: + *$' "$OUT"
tap_ok $? "pop3test: two-step AUTH XOAUTH2 / + / response"
[ "$(dovecot_logins XOAUTH2)" -gt "$before" ]
tap_ok $? "Dovecot logged the XOAUTH2 login"
tok_len=$(store_get "$F" access_token | tr -d '\n' | wc -c)
[ "$tok_len" -ge 1024 ]
tap_ok $? "with an Exchange-sized token ($tok_len bytes, too long for -w)"

# --- cyrus imtest: SASL-IR ---------------------------------------------------
run "$IMTEST" -m XOAUTH2 -a "$STAND_USER" -w work -p "$DOVECOT_IMAP_PORT" \
	localhost
grep -q '^Authenticated\.' "$OUT"
tap_check "imtest -m XOAUTH2 logs in through the plugin"
grep -q '^C: A01 AUTHENTICATE XOAUTH2 [A-Za-z0-9+/=]' "$OUT"
tap_ok $? "imtest: initial response on the AUTHENTICATE line"

before=$(dovecot_logins OAUTHBEARER)
run "$IMTEST" -m OAUTHBEARER -a "$STAND_USER" -w work -p "$DOVECOT_IMAP_PORT" \
	localhost
grep -q '^Authenticated\.' "$OUT"
tap_check "imtest -m OAUTHBEARER logs in through the plugin"
[ "$(dovecot_logins OAUTHBEARER)" -gt "$before" ]
tap_ok $? "Dovecot logged the OAUTHBEARER login"

run "$POP3TEST" -m OAUTHBEARER -a "$STAND_USER" -w work -p "$DOVECOT_POP3_PORT" \
	127.0.0.1
grep -q '^Authenticated\.' "$OUT"
tap_check "pop3test -m OAUTHBEARER (two-step) logs in"

# --- with KDE's libkdexoauth2.so installed too --------------------------------
SYS_SASL=$(pkg-config --variable=libdir libsasl2 2>/dev/null)/sasl2
if [ -f "$SYS_SASL/libkdexoauth2.so" ]; then
	# KDE's plugin alone (the system directory may also hold an installed
	# libmailoauth.so).
	mkdir -p "$W/kde-only"
	ln -sf "$SYS_SASL/libkdexoauth2.so" "$W/kde-only/libkdexoauth2.so"
	# Both claim the same security flags for XOAUTH2, so the load order
	# decides which one libsasl uses; OAUTHBEARER is ours alone.
	for order in "$PLUGIN_DIR:$W/kde-only" "$W/kde-only:$PLUGIN_DIR"; do
		run env SASL_PATH="$order" "$IMTEST" -m OAUTHBEARER -a "$STAND_USER" -w work \
			-p "$DOVECOT_IMAP_PORT" localhost
		grep -q '^Authenticated\.' "$OUT"
		tap_check "with libkdexoauth2.so in SASL_PATH ($order): OAUTHBEARER logs in"
	done
	# The check above means something: KDE's plugin alone sends the
	# password ("work") as the token and fails.
	run env SASL_PATH="$W/kde-only" "$IMTEST" -m XOAUTH2 -a "$STAND_USER" -w work \
		-p "$DOVECOT_IMAP_PORT" localhost
	! grep -q '^Authenticated\.' "$OUT"
	tap_ok $? "(libkdexoauth2.so alone does not log in with -w work)"
elif [ "${CI:-}" = true ]; then
	tap_ok 1 "libkdexoauth2.so missing in CI ($SYS_SASL): install libsasl2-modules-kdexoauth2"
else
	echo "ok $((TAP_N + 1)) # SKIP libkdexoauth2.so not installed"
	TAP_N=$((TAP_N + 1))
fi

# --- mbsync: pull INBOX into a Maildir, no password at all -------------------
stand_seed_mail "$STAND_USER" 3
mkdir -p "$W/mail"
cat > "$W/mbsyncrc" <<EOF
IMAPAccount work
Host localhost
Port $DOVECOT_IMAPS_PORT
User $STAND_USER
AuthMechs XOAUTH2
SSLType IMAPS
CertificateFile $STAND_CA

IMAPStore work-remote
Account work

MaildirStore local
Path $W/mail/
Inbox $W/mail/INBOX

Channel work
Far :work-remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
SyncState *

IMAPAccount other
Host localhost
Port $DOVECOT_IMAPS_PORT
User $STAND_OTHER_USER
PassCmd "cat $W/other.token"
AuthMechs XOAUTH2
SSLType IMAPS
CertificateFile $STAND_CA

IMAPStore other-remote
Account other

MaildirStore other-local
Path $W/other/
Inbox $W/other/INBOX

Channel other
Far :other-remote:
Near :other-local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
EOF
run mbsync -c "$W/mbsyncrc" work
rc=$?
n=$(find "$W/mail/INBOX/new" "$W/mail/INBOX/cur" -type f 2>/dev/null | wc -l)
[ $rc -eq 0 ] && [ "$n" -eq 3 ]
tap_check "mbsync (AuthMechs XOAUTH2, no Pass/PassCmd) pulls 3 messages (rc=$rc, got $n)"
grep -qi 'wants more steps\|SASL reported failure' "$OUT"
[ $? -ne 0 ]
tap_ok $? "mbsync: no SASL step warnings"

# PassCmd for the user of account gone: mbsync asks for the password only
# through a prompt, which the plugin does not need (the account matches its
# user), so the stored token is sent.
stand_seed_token "$STAND_OTHER_USER" "$E2E_MAIL_SCOPES" > "$W/other.token"
stand_seed_mail "$STAND_OTHER_USER" 2
mkdir -p "$W/other"
run mbsync -c "$W/mbsyncrc" other
rc=$?
n=$(find "$W/other/INBOX/new" "$W/other/INBOX/cur" -type f 2>/dev/null | wc -l)
[ $rc -eq 0 ] && [ "$n" -eq 2 ]
tap_check "mbsync with PassCmd for the account's user pulls 2 (rc=$rc, got $n)"
# Without any configuration the plugin offers nothing: mbsync finds no
# mechanism, and no token (nor password) reaches the server.
before=$(dovecot_logins XOAUTH2)
run env MAILOAUTH_CONFIG="$W/no-such-config" mbsync -c "$W/mbsyncrc" other
rc=$?
[ $rc -ne 0 ] && [ "$(dovecot_logins XOAUTH2)" -eq "$before" ] &&
	! grep -q 'mailoauth:' "$OUT"
tap_check "no configuration: mbsync finds no XOAUTH2 (rc=$rc), nothing is sent"
# A login that is no account's: imtest with a token-shaped password.
run "$IMTEST" -m XOAUTH2 -a stranger@fabrikam.example -w "$(cat "$W/other.token" | cut -c1-200)" \
	-p "$DOVECOT_IMAP_PORT" localhost
! grep -q '^C: A01 AUTHENTICATE XOAUTH2 [A-Za-z0-9+/=]' "$OUT" &&
	! grep -q '^Authenticated\.' "$OUT"
tap_check "imtest for a user that is no account's: no XOAUTH2 message is sent"

# --- a stale token: the helper refreshes it -----------------------------------
old=$(store_get "$F" access_token)
store_edit "$F" stale
run "$IMTEST" -m XOAUTH2 -a "$STAND_USER" -w work -p "$DOVECOT_IMAP_PORT" \
	localhost
grep -q '^Authenticated\.' "$OUT"
tap_check "stale token: the plugin runs the helper and logs in"
new=$(store_get "$F" access_token)
[ -n "$new" ] && [ "$new" != "$old" ] && [ "$(store_get "$F" expires_at)" -gt "$(date +%s)" ]
tap_ok $? "stale token: the store now holds a fresh one"

# --- a token Dovecot refuses: error challenge acknowledged ---------------------
store_edit "$F" token "EwRefusedByTheServer.0123456789"
run "$IMTEST" -m XOAUTH2 -a "$STAND_USER" -w work -p "$DOVECOT_IMAP_PORT" \
	localhost
grep -q '^S: + eyJ' "$OUT" && grep -q '^C: $' "$OUT" &&
	grep -q '^S: A01 NO \[AUTHENTICATIONFAILED\]' "$OUT"
tap_check "XOAUTH2 refused: the error challenge is answered with an empty response"
grep -q '^Authenticated\.' "$OUT"
[ $? -ne 0 ]
tap_ok $? "XOAUTH2 refused: not authenticated"
# The refusal marked the token (tests/sasl/e2e-refused.sh): the next login
# would refresh it.  Put a refused one back for the next two.
store_edit "$F" token "EwRefusedByTheServer.0123456789"
run "$IMTEST" -m OAUTHBEARER -a "$STAND_USER" -w work -p "$DOVECOT_IMAP_PORT" \
	localhost
grep -q '^S: + eyJ' "$OUT" && grep -q '^C: AQ==$' "$OUT" &&
	grep -q '^S: A01 NO \[AUTHENTICATIONFAILED\]' "$OUT"
tap_check "OAUTHBEARER refused: the error challenge is answered with 0x01 (AQ==)"
store_edit "$F" token "EwRefusedByTheServer.0123456789"
run "$POP3TEST" -m XOAUTH2 -a "$STAND_USER" -w work -p "$DOVECOT_POP3_PORT" \
	127.0.0.1
grep -q '^S: -ERR \[AUTH\] Authentication failed' "$OUT" &&
	! grep -q 'aborted by client' "$OUT"
tap_check "pop3test refused: Dovecot's failure, not a client abort"
"$MAILOAUTH_HELPER" --config "$CFG" refresh work 2>> "$W/helper.log"

# mbsync shows the failed step's message (here: the refused token is the
# server's word; mbsync reports the NO).
run mbsync -c "$W/mbsyncrc" work
tap_check "after mailoauth refresh the login works again"

# --- a revoked grant: the helper's message reaches the user ------------------
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_OTHER_USER\", \"code\": 70008}" > /dev/null
store_edit "$STATE/gone.json" stale
sed -e '/^PassCmd/d' "$W/mbsyncrc" > "$W/mbsyncrc.gone"
run mbsync -c "$W/mbsyncrc.gone" other
rc=$?
[ $rc -ne 0 ] && grep -q 'mailoauth: account gone:' "$OUT" &&
	grep -q 'mailoauth authorize gone' "$OUT"
tap_check "revoked grant: mbsync fails showing the helper's message (rc=$rc)"
grep -q 'Unable to find a callback' "$OUT"
[ $? -ne 0 ]
tap_ok $? "revoked grant: no 'Unable to find a callback'"

tap_done
