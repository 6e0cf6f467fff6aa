#!/bin/sh
# SPDX-License-Identifier: MIT
# The manual pages document what the code does: every command and option of
# `mailoauth --help`, every exit status it lists, and every configuration
# key the configuration loader knows (taken from its own error message) are
# in mailoauth(1) / mailoauth-connect(1) / mailoauth.conf(5), and
# mailoauth.conf(5) documents no key the loader does not know.
. "$top_srcdir/tests/lib/tap.sh"

M=$MAILOAUTH_HELPER
man1=$top_srcdir/doc/mailoauth.1
conn1=$top_srcdir/doc/mailoauth-connect.1
man5=$top_srcdir/doc/mailoauth.conf.5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$M" --help >"$tmp/help"
tap_ok $? "mailoauth --help"

# Commands: "  NAME ..." lines between "Commands:" and "Options:".
commands=$(sed -n '/^Commands:/,/^Options:/s/^  \([a-z][a-z-]*\) .*/\1/p' "$tmp/help")
[ -n "$commands" ]
tap_ok $? "--help lists commands: $(echo $commands)"
for c in $commands; do
	grep -q "^\.It Cm $c\( \|$\)" "$man1"
	tap_ok $? "mailoauth(1) documents the command $c"
	# Its options, as --help shows them.
	opts=$(sed -n "/^Commands:/,/^Options:/p" "$tmp/help" |
		awk -v c="$c" '$1 == c { on = 1; print; next } /^  [a-z]/ { on = 0 } on' |
		grep -o -- '--[a-z][a-z-]*' | sort -u)
	for o in $opts; do
		page=$man1
		[ "$c" = connect ] && page=$conn1
		grep -qE "Fl -${o#--}( |\$)" "$page"
		tap_ok $? "$(basename "$page") documents $c $o"
	done
done

# The back ends' own usage texts may know more options than --help
# (mailoauth authorize --help; mailoauth connect without arguments).
printf '[account x]\nprovider = microsoft\ntenant = common\nclient_id = x\nuser = x@example.org\nstate_dir = %s/state\n' "$tmp" >"$tmp/conf"
"$M" --config "$tmp/conf" authorize --help >"$tmp/authorize" 2>&1
tap_ok $? "mailoauth authorize --help"
for o in $(grep -o -- '--[a-z][a-z-]*' "$tmp/authorize" | sort -u); do
	grep -qE "Fl -${o#--}( |\$)" "$man1"
	tap_ok $? "mailoauth(1) documents authorize $o"
done
"$M" connect >/dev/null 2>"$tmp/connect"
[ $? -eq 64 ]
tap_ok $? "mailoauth connect without arguments: usage, exit 64"
for c in connect check; do
	page=$man1
	[ "$c" = connect ] && page=$conn1
	for o in $(awk -v c="$c" '{ for (i = 1; i <= NF; i++) if ($i == c) on = 1 } /^ *mailoauth/ && !index($0, " " c " ") { on = 0 } on' "$tmp/connect" |
			grep -o -- '--[a-z][a-z-]*' | grep -v -- '--config' | sort -u); do
		grep -qE "Fl -${o#--}( |\$)" "$page"
		tap_ok $? "$(basename "$page") documents $c $o"
	done
done

# Global options.
for o in $(sed -n '/^Options:/,/^Exit status:/p' "$tmp/help" | grep -o -- ' -[a-zA-Z]\b\| --[a-z][a-z-]*' | sort -u); do
	grep -q "Fl ${o#-}\( \|$\)" "$man1"
	tap_ok $? "mailoauth(1) documents the global option $o"
done

# Exit statuses.
for code in $(sed -n '/^Exit status:/,/^$/s/^  \([0-9][0-9]*\) .*/\1/p' "$tmp/help"); do
	grep -q "^\.It $code\( \|$\)" "$man1"
	tap_ok $? "mailoauth(1) documents exit status $code"
done

# Configuration keys, from the loader's own "the keys are: ..." message.
keys_of() {	# keys_of SECTION-HEADER
	printf '%s\nbogus_key = 1\n' "$1" >"$tmp/conf"
	chmod 600 "$tmp/conf"
	"$M" --config "$tmp/conf" token x 2>&1 >/dev/null |
		sed -n 's/.*the keys are: \(.*\) (see mailoauth.conf(5)).*/\1/p' | tr -d ','
}
account_keys=$(keys_of '[account x]')
provider_keys=$(keys_of '[provider x]')
[ -n "$account_keys" ] && [ -n "$provider_keys" ]
tap_ok $? "the loader names its keys (account: $account_keys; provider: $provider_keys)"
# Key entries in mailoauth.conf(5) read ".It Cm KEY = Ar VALUE".
documented=$(sed -n 's/^\.It Cm \([a-z_0-9]*\) = .*/\1/p' "$man5" | sort -u)
for k in $account_keys $provider_keys; do
	echo "$documented" | grep -qx "$k"
	tap_ok $? "mailoauth.conf(5) documents the key $k"
done
for k in $documented; do
	echo " $account_keys $provider_keys " | grep -q " $k "
	tap_ok $? "mailoauth.conf(5) key $k exists in the code"
done

tap_done
