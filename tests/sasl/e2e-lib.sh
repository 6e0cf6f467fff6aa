# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# What the SASL plugin's end-to-end tests and benchmark add to
# tests/lib/e2e.sh (the stand, accounts, import, store edits, Dovecot's
# login count: see there): the plugin from the build tree, loaded by the
# real Cyrus clients.  Source after tests/lib/tap.sh.
#
#   sasl_setup                 e2e_setup (mock identity platform + Dovecot;
#                              W, CFG, STATE, MAILOAUTH_CONFIG); export
#                              SASL_PATH=$PLUGIN_DIR
#   client CMD ARGS...         run a SASL client (with libasan preloaded when
#                              the plugin was built with sanitizers)
#   IMTEST, POP3TEST           the Cyrus test clients

# shellcheck source=tests/lib/e2e.sh disable=SC1091
. "${top_srcdir:-.}/tests/lib/e2e.sh"

PLUGIN_DIR=$top_builddir/sasl/.libs
IMTEST=/usr/lib/cyrus/bin/imtest
POP3TEST=/usr/lib/cyrus/bin/pop3test

[ -f "$PLUGIN_DIR/libmailoauth.so" ] || tap_skip_all "$PLUGIN_DIR/libmailoauth.so not built"

# An ASan-built plugin can only be loaded into an uninstrumented program when
# the ASan runtime comes first: preload it (and leave the host's leaks alone).
SASL_PRELOAD=
if ldd "$PLUGIN_DIR/libmailoauth.so" 2>/dev/null | grep -q libasan; then
	SASL_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)
	[ -f "$SASL_PRELOAD" ] || tap_skip_all "sanitizer build but libasan.so not found"
fi

client() {
	if [ -n "$SASL_PRELOAD" ]; then
		env LD_PRELOAD="$SASL_PRELOAD" \
			ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:abort_on_error=0" \
			"$@"
	else
		"$@"
	fi
}

sasl_setup() {
	e2e_setup
	SASL_PATH=$PLUGIN_DIR
	export SASL_PATH
}

# sasl_account NAME [KEY=VALUE...] — e2e_account with the hosts the clients
# here connect to as the account's servers (the token goes nowhere else):
# pop3test and Postfix use 127.0.0.1, imtest (which names the server by its
# canonical name, also for 127.0.0.1) and mbsync localhost (mbsync
# checks the certificate's DNS names only).
sasl_account() {
	e2e_account "$@" pop3="127.0.0.1:$DOVECOT_POP3_PORT" \
		imap="localhost:$DOVECOT_IMAPS_PORT" smtp="127.0.0.1:$DOVECOT_SUBMISSION_PORT"
}
