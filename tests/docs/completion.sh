#!/bin/bash
# SPDX-License-Identifier: MIT
# The bash completion (contrib/bash-completion/mailoauth) offers the
# commands of `mailoauth --help`, the options of each command, the values of
# --mechanism/--protocol/--tls, and the account names of the configuration
# (also one given with --config).
. "$top_srcdir/tests/lib/tap.sh"

comp=/usr/share/bash-completion/bash_completion
[ -r "$comp" ] || tap_skip_all "bash-completion not installed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/xdg/mailoauth"
cat >"$tmp/xdg/mailoauth/config" <<'CFG'
[account work]
provider = microsoft
  [ account  help.desk ]   ; comment
[provider custom]
CFG
printf '[account other]\n' >"$tmp/alt"

# complete WORD... : what the completion offers for the last word.
complete_words() {
	LC_ALL=C XDG_CONFIG_HOME=$tmp/xdg HOME=$tmp bash -c '
		source "$1" && source "$2" || exit 1
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_mailoauth
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		_ "$comp" "$top_srcdir/contrib/bash-completion/mailoauth" "$@"
}

expect() {	# expect "WANTED" WORD...
	want=$1
	shift
	got=$(complete_words "$@")
	[ "$got" = "$want " ]
	tap_ok $? "completing '$*' gives: $want"
	[ "$got" = "$want " ] || tap_diag "got: $got"
}

bash -n "$top_srcdir/contrib/bash-completion/mailoauth"
tap_ok $? "the completion file is valid bash"

commands=$("$MAILOAUTH_HELPER" --help | sed -n '/^Commands:/,/^Options:/s/^  \([a-z][a-z-]*\) .*/\1/p' | LC_ALL=C sort | tr '\n' ' ')
expect "${commands% }" mailoauth ""
expect "--config --help --verbose --version -V -c -h -v" mailoauth -
expect "help.desk work" mailoauth token ""
expect "" mailoauth token work ""
expect "help.desk work" mailoauth -v refresh work ""
expect "oauthbearer xoauth2" mailoauth sasl work --mechanism ""
expect "imap pop3 smtp" mailoauth check work --protocol ""
expect "imap pop3" mailoauth connect --protocol ""
expect "implicit starttls" mailoauth connect --tls ""
expect "help.desk work" mailoauth connect --account ""
expect "--browser --device --force --help --no-open --timeout" mailoauth authorize work --

# Every command completes the options its own --help names, and --help.
for c in $commands; do
	want=$( { "$MAILOAUTH_HELPER" "$c" --help | sed '/^$/q' | grep -o -- '--[a-z][a-z-]*'
		echo --help; } | LC_ALL=C sort -u | tr '\n' ' ')
	expect "${want% }" mailoauth "$c" --
done
expect "other" mailoauth --config "$tmp/alt" logout ""
expect "other" mailoauth "--config=$tmp/alt" consent-url ""

tap_done
