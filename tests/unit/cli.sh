#!/bin/sh
# SPDX-License-Identifier: MIT
# The command line of the front end: help, version, dispatch, exit codes.
. "$top_srcdir/tests/lib/tap.sh"

M=$MAILOAUTH_HELPER
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$M" --help >"$tmp/out" 2>"$tmp/err"
tap_ok $? "--help exits 0"
grep -q '^Usage: mailoauth' "$tmp/out"
tap_ok $? "--help prints the usage on stdout"
for c in token sasl status refresh authorize import logout consent-url connect check; do
	grep -q "^  $c" "$tmp/out"
	tap_ok $? "--help lists $c"
done
for code in 64 75 77 78; do
	grep -q "^  $code " "$tmp/out"
	tap_ok $? "--help documents exit code $code"
done

# COMMAND --help: its synopsis on stdout, exit 0, with no configuration to
# read (the configuration named does not exist) and no back end started
# (MAILOAUTH_LIBEXECDIR points nowhere).
cmds=$(sed -n '/^Commands:/,/^Options:/s/^  \([a-z][a-z-]*\) .*/\1/p' "$tmp/out")
bad=
for c in $cmds; do
	for h in --help -h; do
		MAILOAUTH_LIBEXECDIR=$tmp/none "$M" --config "$tmp/nonexistent" $c x $h \
			>"$tmp/help" 2>"$tmp/err"
		[ $? -eq 0 ] && [ ! -s "$tmp/err" ] &&
			grep -q "^Usage: mailoauth \[OPTIONS\] $c " "$tmp/help" || bad="$bad $c$h"
	done
done
[ -n "$cmds" ] && [ -z "$bad" ]
tap_ok $? "COMMAND --help and -h: the command's usage on stdout, exit 0, nothing read${bad:+ (failed:$bad)}"
"$M" --config "$tmp/nonexistent" import x -- --help >"$tmp/help" 2>"$tmp/err"
[ $? -ne 0 ] && ! grep -q '^Usage: mailoauth \[OPTIONS\]' "$tmp/help"
tap_ok $? "a --help after -- is an argument, not a request for help"
"$M" check --help >"$tmp/help"
grep -q -- '--nagios' "$tmp/help" && grep -q 'TLS cannot be turned off' "$tmp/help"
tap_ok $? "check --help names --nagios and how TLS is chosen"

"$M" --version >"$tmp/out"
tap_ok $? "--version exits 0"
grep -Eq '^mailoauth [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out"
tap_ok $? "--version prints the version"

"$M" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 64 ] && [ ! -s "$tmp/out" ]
tap_ok $? "no command: exit 64, nothing on stdout"

"$M" frobnicate 2>"$tmp/err"
[ $? -eq 64 ] && grep -q "unknown command 'frobnicate'" "$tmp/err"
tap_ok $? "unknown command: exit 64 and named"

"$M" --frob token x 2>"$tmp/err"
[ $? -eq 64 ] && grep -q "unknown option '--frob'" "$tmp/err"
tap_ok $? "unknown option: exit 64 and named"

"$M" --config 2>"$tmp/err"
[ $? -eq 64 ]
tap_ok $? "--config without a file: exit 64"

"$M" token 2>"$tmp/err"
[ $? -eq 64 ] && grep -q 'Usage: mailoauth token ACCOUNT' "$tmp/err"
tap_ok $? "token without an account: exit 64 with usage"

"$M" --config "$tmp/nonexistent" token work >"$tmp/out" 2>"$tmp/err"
[ $? -eq 78 ] && [ ! -s "$tmp/out" ]
tap_ok $? "token with a missing configuration file: exit 78"

printf '[account work]\nprovider = microsoft\nbogus = 1\n' >"$tmp/bad"
"$M" --config "$tmp/bad" token work >"$tmp/out" 2>"$tmp/err"
[ $? -eq 78 ] && grep -q "bad:3:" "$tmp/err"
tap_ok $? "token with a broken configuration: exit 78 and file:line"

# A configuration whose client secret command records its core limit.
cat >"$tmp/cmd" <<CFG
[account work]
provider = microsoft
tenant = contoso.example
client_id = 00000000-0000-0000-0000-00000000a001
client_secret_command = ulimit -c > $tmp/core; echo not-a-secret
authority = https://127.0.0.1:9
flow = client_credentials
user = work@contoso.example
state_dir = $tmp/state
CFG
# Core dumps are off in the processes that hold secrets; the command runs
# as their child and inherits the limit.
ulimit -S -c 1024 2>/dev/null || true
rm -f "$tmp/core"
"$M" --config "$tmp/cmd" token work >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/core" 2>/dev/null)" = 0 ]
tap_ok $? "the client secret command runs with core dumps off (ulimit -c: $(cat "$tmp/core" 2>/dev/null))"

# The same configuration writable by its group: refused before any
# command runs, with the chmod that fixes it.
chmod 664 "$tmp/cmd"
rm -f "$tmp/core"
"$M" --config "$tmp/cmd" token work >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 78 ] && grep -q "chmod go-w $tmp/cmd" "$tmp/err" && [ ! -e "$tmp/core" ]
tap_ok $? "a group-writable configuration with client_secret_command: exit 78, the chmod, nothing run (rc=$rc)"
chmod 644 "$tmp/cmd"
"$M" --config "$tmp/cmd" token work >"$tmp/out" 2>"$tmp/err"
[ -e "$tmp/core" ]
tap_ok $? "... 0644 again: the command runs"

cat >"$tmp/good" <<CFG
[account work]
provider = microsoft
tenant = contoso.example
client_id = 00000000-0000-0000-0000-00000000a001
user = user@contoso.example
state_dir = $tmp/state
CFG
"$M" --config "$tmp/good" token other >"$tmp/out" 2>"$tmp/err"
[ $? -eq 78 ] && grep -q 'no \[account other\]' "$tmp/err"
tap_ok $? "token for an unknown account: exit 78 and named"

tap_done
