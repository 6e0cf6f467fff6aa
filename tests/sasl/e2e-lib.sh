# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Shared set-up of the SASL plugin's end-to-end tests and benchmark: the test
# stand (mock identity platform + Dovecot), the plugin from the build tree,
# a mailoauth configuration and token store.  Source after tests/lib/tap.sh.
#
#   sasl_setup                 start the stand; set PLUGIN_DIR, W, CFG, STATE;
#                              export SASL_PATH and MAILOAUTH_CONFIG
#   sasl_account NAME USER [STATE_DIR]   append an [account NAME] to $CFG
#   sasl_import NAME USER [RUNAS]        mint a grant at the mock, import it
#                              (as user RUNAS when given)
#   sasl_stale FILE            make a store file's access token expired
#   sasl_bogus FILE TOKEN      replace the access token (still "fresh")
#   store_get FILE KEY         a member of a store file
#   client CMD ARGS...         run a SASL client (with libasan preloaded when
#                              the plugin was built with sanitizers)
#   dovecot_logins METHOD      count "Login: ... method=METHOD" lines so far
#   wait_for N CMD...          retry CMD for up to N seconds

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${MAILOAUTH_HELPER:=$top_builddir/helper/mailoauth}"
: "${MAILOAUTH_LIBEXECDIR:=$top_builddir/tests/libexec}"
export MAILOAUTH_HELPER MAILOAUTH_LIBEXECDIR

PLUGIN_DIR=$top_builddir/sasl/.libs
IMTEST=/usr/lib/cyrus/bin/imtest
POP3TEST=/usr/lib/cyrus/bin/pop3test
SCOPES_ALL="https://outlook.office.com/POP.AccessAsUser.All https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access"

tap_require python3 openssl dovecot
[ -f "$PLUGIN_DIR/libmailoauth.so" ] || tap_skip_all "$PLUGIN_DIR/libmailoauth.so not built"
[ -x "$MAILOAUTH_HELPER" ] || tap_skip_all "$MAILOAUTH_HELPER not built"
if [ ! -x "$MAILOAUTH_LIBEXECDIR/mailoauth-net" ] &&
	[ -x "$top_builddir/helper/mailoauth-net" ]; then
	MAILOAUTH_LIBEXECDIR=$top_builddir/helper
fi

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

STAND_SRC=$top_srcdir/tests/stand
. "$STAND_SRC/stand.sh"

sasl_setup() {
	stand_cleanup_on_exit
	stand_start || tap_skip_all "the test stand did not start"
	W=$STAND_DIR/sasl
	mkdir -p "$W"
	chmod 755 "$W"
	CFG=$W/config
	STATE=$W/state
	: > "$CFG"
	chmod 644 "$CFG"
	MAILOAUTH_CONFIG=$CFG
	SASL_PATH=$PLUGIN_DIR
	export W CFG STATE MAILOAUTH_CONFIG SASL_PATH
}

sasl_account() {
	cat >> "$CFG" <<EOF
[account $1]
provider = microsoft
tenant = $STAND_TENANT
client_id = $STAND_PUBLIC_CLIENT_ID
user = $2
scopes = pop imap smtp
authority = $MOCK_URL
ca_file = $STAND_CA
state_dir = ${3:-$STATE}

EOF
}

sasl_import() {
	_rt=$W/seed-$1.rt
	stand_seed "$2" "$SCOPES_ALL" | stand_json refresh_token > "$_rt" || return 1
	chmod 644 "$_rt"
	if [ -n "${3:-}" ]; then
		runuser -u "$3" -- env MAILOAUTH_LIBEXECDIR="$MAILOAUTH_LIBEXECDIR" \
			"$MAILOAUTH_HELPER" --config "$CFG" import "$1" --file "$_rt" \
			2>> "$W/helper.log"
	else
		"$MAILOAUTH_HELPER" --config "$CFG" import "$1" --file "$_rt" \
			2>> "$W/helper.log"
	fi
	_rc=$?
	rm -f "$_rt"
	return $_rc
}

# Rewrites a store file in place (same owner, mode 0600, atomic rename).
sasl__edit_store() {
	python3 "$top_srcdir/tests/lib/store-edit.py" "$@"
}

sasl_stale() {
	sasl__edit_store "$1" stale
}

sasl_bogus() {
	sasl__edit_store "$1" token "$2"
}

store_get() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

dovecot_logins() {
	grep -c "Login: .*method=$1" "$DOVECOT_LOG" 2>/dev/null || true
}

wait_for() {
	_secs=$1
	shift
	_n=$((_secs * 10))
	while ! "$@" 2>/dev/null; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
	return 0
}
