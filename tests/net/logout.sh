#!/bin/sh
# SPDX-License-Identifier: MIT
# `mailoauth logout ACCOUNT` removes every file of the account from its
# state directory, the temporary files a killed write left behind included
# (wiped first: they hold a refresh token), and nothing of other accounts,
# not even of one whose name starts with the same letters.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/net/netstand.sh"

e2e_setup --no-dovecot
e2e_account work
e2e_account work2
e2e_account other
for a in work work2 other; do
	e2e_import "$a" > /dev/null
done
f=$(store_of work)
d=$(dirname "$f")
[ "$(dirname "$(store_of other)")" = "$d" ] && [ "$(dirname "$(store_of work2)")" = "$d" ]
tap_ok $? "the three accounts share one state directory"

# What a write killed between creating and renaming its temporary file
# leaves (mo_dir_replace() names it .NAME.XXXXXX, mode 0600), for the
# store and for the notify state, plus the state and lock files.
leftover() {
	( umask 077 && cp "$d/$1.json" "$d/.$1.json.$2" )
}
leftover work Ab3dE9
leftover work zz_Q-1
( umask 077 && printf '{"state": "ok"}\n' > "$d/work.state" &&
	printf '{"state": "ok"}\n' > "$d/.work.state.Kp09xq" && : > "$d/work.state.lock" )
"$MAILOAUTH_HELPER" token work > /dev/null
[ -e "$d/work.lock" ]
tap_ok $? "the account has its lock file"
# A hard link outside the directory shows what became of the temporary
# file's contents.
ln "$d/.work.json.Ab3dE9" "$STAND_DIR/leftover.link"
rt=$(store_get "$f" refresh_token)
grep -qF "$rt" "$STAND_DIR/leftover.link"
tap_ok $? "the leftover holds the refresh token"
# Other accounts' files, the same kinds.
leftover work2 Ab3dE9
leftover other Ab3dE9
( umask 077 && printf '{}\n' > "$d/work2.state" )
ls -a "$d" | grep -v '^work\.\|^\.work\.\|^\.\.\?$' | sort > "$STAND_DIR/others.list"
( cd "$d" && sha256sum $(cat "$STAND_DIR/others.list") ) > "$STAND_DIR/others.sum"

mo logout work
rc=$?
[ $rc -eq 0 ] && grep -q 'wiped and removed' "$ERR"
tap_ok $? "logout work: exit 0 (rc=$rc)"
left=$(ls -a "$d" | grep '^work\.\|^\.work\.' | tr '\n' ' ')
[ -z "$left" ]
tap_ok $? "nothing of account work remains in $d (left: $left)"
[ "$(tr -d '\000' < "$STAND_DIR/leftover.link" | wc -c)" -eq 0 ] &&
	[ "$(wc -c < "$STAND_DIR/leftover.link")" -gt 0 ]
tap_ok $? "the leftover was overwritten with zeros before it was removed"
ls -a "$d" | grep -v '^\.\.\?$' | sort > "$STAND_DIR/after.list"
cmp -s "$STAND_DIR/others.list" "$STAND_DIR/after.list" &&
	( cd "$d" && sha256sum -c --quiet "$STAND_DIR/others.sum" )
tap_ok $? "every file of work2 and other is still there, unchanged"
"$MAILOAUTH_HELPER" token other > /dev/null && "$MAILOAUTH_HELPER" token work2 > /dev/null
tap_ok $? "the other accounts still get tokens"

# Only leftovers: they go too.
cp "$d/other.json" "$d/.work.json.QQQQQQ"
chmod 600 "$d/.work.json.QQQQQQ"
mo logout work
rc=$?
[ $rc -eq 0 ] && [ ! -e "$d/.work.json.QQQQQQ" ] && grep -q 'no tokens were stored; 1 other file' "$ERR"
tap_ok $? "no store but a leftover: removed, exit 0 (rc=$rc)"
mo logout work
rc=$?
[ $rc -eq 0 ] && grep -q 'nothing was stored' "$ERR"
tap_ok $? "logout again: nothing was stored, exit 0 (rc=$rc)"

tap_done
