#!/bin/sh
# SPDX-License-Identifier: MIT
# The examples in the manual pages and guides work: every configuration
# example (doc/local.mk says how they are marked) is loaded by the real
# configuration loader, and every .fetchmailrc example is parsed by
# fetchmail itself.
#
# `mailoauth --config FILE status` loads the configuration and reads the
# (empty) token store without any network: exit 77 means "loaded, nobody
# signed in yet"; 78 would be a configuration error.  `mailoauth token
# ACCOUNT` on an account with no stored tokens gives 77 after loading the
# configuration as well (not for client_credentials accounts, which would
# ask the identity provider for a token).
. "$top_srcdir/tests/lib/tap.sh"

M=$MAILOAUTH_HELPER
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# extract_man PAGE TAG: the literal displays of PAGE that follow the
# comment line .\" example: TAG, one per file $tmp/ex/NAME-N, mdoc escapes
# undone.
extract_man() {
	awk -v out="$tmp/ex/$(basename "$1")" -v tag="$2" '
		$0 == ".\\\" example: " tag { want = 1; next }
		want && /^\.Bd -literal/ { n++; file = out "-" n; inblock = 1; want = 0; printf "" > file; next }
		inblock && /^\.Ed/ { inblock = 0; close(file); next }
		inblock {
			line = $0
			gsub(/\\&/, "", line)
			gsub(/\\-/, "-", line)
			gsub(/\\e/, "\\", line)
			print line > file
		}' "$1"
}

# extract_md GUIDE LANG: the ```LANG fenced blocks of GUIDE.
extract_md() {
	awk -v out="$tmp/ex/$(basename "$1")" -v lang="$2" '
		$0 == "```" lang { n++; file = out "-" n; inblock = 1; printf "" > file; next }
		inblock && /^```/ { inblock = 0; close(file); next }
		inblock { print > file }' "$1"
}

mkdir -p "$tmp/ex" "$tmp/home"
for page in "$top_srcdir"/doc/*.[1-8]; do
	extract_man "$page" config
done
for guide in "$top_srcdir"/doc/*.md; do
	extract_md "$guide" ini
done
examples=$(ls "$tmp/ex" | sort)
n=$(printf '%s\n' $examples | grep -c .)
[ "$n" -ge 5 ]
tap_ok $? "found $n configuration examples in doc/"

# A clean environment: the examples may use ~/ and the default store.
run() {
	env -u MAILOAUTH_CONFIG -u XDG_CONFIG_HOME \
		HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" "$M" "$@"
}

for ex in $examples; do
	f=$tmp/ex/$ex
	chmod 600 "$f"
	grep -q '^\[account ' "$f"
	tap_ok $? "$ex: is a configuration with an [account] section"

	run --config "$f" status >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 77 ]
	tap_ok $? "$ex: mailoauth status loads it (exit $rc, want 77)"
	[ $rc -eq 77 ] || tap_diag "$(cat "$f")" "--- stderr:" "$(cat "$tmp/err")"

	# Accounts and whether they use client credentials.
	awk '/^\[account / { sub(/^\[account[ \t]+/, ""); sub(/[ \t]*\].*/, ""); name = $0; cc[name] = 0; order[++n] = name; next }
	     /^\[/ { name = ""; next }
	     name != "" && /^[ \t]*flow[ \t]*[=:][ \t]*client_credentials/ { cc[name] = 1 }
	     END { for (i = 1; i <= n; i++) print order[i], cc[order[i]] }' "$f" >"$tmp/accounts"
	while read -r acct cc; do
		[ "$cc" = 1 ] && continue
		run --config "$f" token "$acct" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc -eq 77 ] && [ ! -s "$tmp/out" ]
		tap_ok $? "$ex: mailoauth token $acct loads the configuration (exit $rc, want 77)"
		[ $rc -eq 77 ] || tap_diag "$(cat "$tmp/err")"
	done <"$tmp/accounts"
done

# .fetchmailrc examples: fetchmail parses them (--configdump prints the
# parsed configuration and exits without polling).
rm -rf "$tmp/ex" && mkdir -p "$tmp/ex"
for page in "$top_srcdir"/doc/*.[1-8]; do
	extract_man "$page" fetchmailrc
done
for guide in "$top_srcdir"/doc/*.md; do
	extract_md "$guide" fetchmailrc
done
rcs=$(ls "$tmp/ex" | sort)
[ -n "$rcs" ]
tap_ok $? "found .fetchmailrc examples in doc/"
if command -v fetchmail >/dev/null 2>&1; then
	for ex in $rcs; do
		chmod 600 "$tmp/ex/$ex"
		env HOME="$tmp/home" FETCHMAILHOME="$tmp/home" \
			fetchmail --configdump -f "$tmp/ex/$ex" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc -eq 0 ] && grep -q "mailoauth \(--config [^ ]* \)\?connect" "$tmp/out"
		tap_ok $? "$ex: fetchmail --configdump parses it and keeps the plugin (exit $rc)"
		[ $rc -eq 0 ] || tap_diag "$(cat "$tmp/err")"
		grep -q '"sslproto":"",' "$tmp/out"
		tap_ok $? "$ex: sslproto '' is set (fetchmail would try STLS over the plugin's pipe)"
	done
elif [ "${CI:-}" = true ]; then
	tap_ok 1 "fetchmail is installed (CI)"
else
	tap_diag "fetchmail not installed: the .fetchmailrc examples were not parsed"
fi

tap_done
