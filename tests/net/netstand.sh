# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# Shared set-up of the mailoauth-net tests (issue 3): the mock identity
# platform from tests/stand, a config with accounts pointing at it, and
# helpers.  Source after tests/lib/tap.sh.
#
#   net_setup                 start the mock, write $CFG, export MAILOAUTH_CONFIG
#   net_account NAME [KEY=VALUE...]  append an [account NAME] (public app);
#                             KEY=VALUE overrides a default, KEY= drops it
#   net_seed_import NAME [USER] [CLIENT_ID]  mint a grant and import it
#   mo ARGS...                run `mailoauth -v ARGS`, stderr appended to $VLOG
#                             (and kept in $ERR for the last command)
#   net_no_secrets_in FILE    ok when no string of /mock/secrets is in FILE
#   store_of NAME             path of NAME's store file
#   ms                        milliseconds since the epoch

tap_require python3 openssl
: "${top_srcdir:=.}"
: "${MAILOAUTH_HELPER:=${top_builddir:-.}/helper/mailoauth}"
[ -x "$MAILOAUTH_HELPER" ] || tap_skip_all "$MAILOAUTH_HELPER not built"

STAND_SRC=$top_srcdir/tests/stand
. "$STAND_SRC/stand.sh"

# Fast tests: short HTTP timeouts and retry budgets unless a test says else.
MAILOAUTH_RETRY_BUDGET=${MAILOAUTH_RETRY_BUDGET:-20}
export MAILOAUTH_RETRY_BUDGET

net_setup() {
	stand_cleanup_on_exit
	stand_start --no-dovecot || tap_skip_all "the test stand did not start"
	CFG=$STAND_DIR/config
	STATE=$STAND_DIR/state
	VLOG=$STAND_DIR/verbose.log
	ERR=$STAND_DIR/last.err
	: > "$CFG"
	: > "$VLOG"
	MAILOAUTH_CONFIG=$CFG
	export MAILOAUTH_CONFIG CFG STATE VLOG ERR
}

net_account() {
	_name=$1
	shift
	{
		echo "[account $_name]"
		for _d in "provider=microsoft" "tenant=$STAND_TENANT" \
			"client_id=$STAND_PUBLIC_CLIENT_ID" "user=user@contoso.example" \
			"scopes=pop imap smtp" "authority=$MOCK_URL" "ca_file=$STAND_CA" \
			"state_dir=$STATE"; do
			_over=no
			for _kv in "$@"; do
				[ "${_kv%%=*}" = "${_d%%=*}" ] && _over=yes
			done
			[ $_over = yes ] || echo "${_d%%=*} = ${_d#*=}"
		done
		for _kv in "$@"; do
			[ -n "${_kv#*=}" ] && echo "${_kv%%=*} = ${_kv#*=}"
		done
		echo
	} >> "$CFG"
}

mo() {
	"$MAILOAUTH_HELPER" -v "$@" 2> "$ERR"
	_rc=$?
	cat "$ERR" >> "$VLOG"
	return $_rc
}

store_of() {
	echo "$STATE/$1.json"
}

net_seed_import() {
	_u=${2:-user@contoso.example}
	if [ -n "${3:-}" ]; then
		stand_seed "$_u" "" "$3" > "$STAND_DIR/seed.json" || return 1
	else
		stand_seed "$_u" > "$STAND_DIR/seed.json" || return 1
	fi
	stand_json refresh_token < "$STAND_DIR/seed.json" > "$STAND_DIR/seed.rt" || return 1
	mo import "$1" --file "$STAND_DIR/seed.rt"
}

# JSON member of a store file.
store_get() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

net_no_secrets_in() {
	mock_ctl GET /mock/secrets > "$STAND_DIR/secrets.json" || return 1
	python3 - "$STAND_DIR/secrets.json" "$1" <<'EOF'
import json, sys
secrets = json.load(open(sys.argv[1]))
if isinstance(secrets, dict):
    secrets = secrets.get("secrets", [])
text = open(sys.argv[2], encoding="utf-8", errors="replace").read()
bad = [s for s in secrets if isinstance(s, str) and len(s) >= 8 and s in text]
for s in bad:
    print("# leaked: %s... (%d chars)" % (s[:6], len(s)))
print("# checked %d secrets against %d bytes of -v output" % (len(secrets), len(text)))
sys.exit(1 if bad else 0)
EOF
}

ms() {
	python3 -c 'import time; print(int(time.time()*1000))'
}
