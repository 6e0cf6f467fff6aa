#!/bin/sh
# SPDX-License-Identifier: MIT
# House style checks, run by `make check` (TAP):
#  - no strcpy, strcat, sprintf, vsprintf, gets or atoi anywhere;
#  - no stdio printing, exit() or abort() in the SASL plugin (it lives in
#    someone else's process);
#  - an SPDX line near the top of every source file;
#  - the tree explains itself: no file refers to an issue number or to a
#    file outside the repository (facts go into doc/protocol.md with their
#    public source), and every relative link of a Markdown file points at
#    a file that exists.
. "${top_srcdir:-.}/tests/lib/tap.sh"
cd "${top_srcdir:-.}" || exit 1

sources=$(find lib helper sasl plugin tests -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)

banned=$(grep -nE '(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|gets|atoi)[[:space:]]*\(' $sources /dev/null)
[ -z "$banned" ]
tap_ok $? "no strcpy/strcat/sprintf/vsprintf/gets/atoi"
[ -z "$banned" ] || tap_diag "$banned"

sasl_sources=$(find sasl -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null)
if [ -n "$sasl_sources" ]; then
	noisy=$(grep -nE '(^|[^A-Za-z0-9_])(printf|fprintf|vprintf|vfprintf|puts|fputs|putchar|perror|fwrite|exit|_exit|abort)[[:space:]]*\(|(^|[^A-Za-z0-9_])(stdout|stderr)([^A-Za-z0-9_]|$)' $sasl_sources /dev/null)
	[ -z "$noisy" ]
	tap_ok $? "sasl/ neither prints nor exits"
	[ -z "$noisy" ] || tap_diag "$noisy"
else
	tap_ok 0 "sasl/ neither prints nor exits (no sources yet)"
fi

all=$(find lib helper sasl plugin tests tools doc .ci -type f \( -name '*.c' -o -name '*.h' -o -name '*.sh' \
	-o -name '*.py' -o -name '*.mk' -o -name 'install-deps' -o -name 'run' \) 2>/dev/null | sort)
all="$all configure.ac Makefile.am"
missing=""
for f in $all; do
	head -n 3 "$f" | grep -q 'SPDX-License-Identifier:' || missing="$missing $f"
done
[ -z "$missing" ]
tap_ok $? "every source file carries an SPDX line"
[ -z "$missing" ] || tap_diag "missing SPDX:$missing"

# The files of the tree: what git tracks when this is the top of a git
# work tree, or else (an unpacked tarball, as make distcheck makes it, maybe
# inside someone's checkout) the files of the folders and top-level files
# we write.
gittop=$(git rev-parse --show-toplevel 2>/dev/null) || gittop=""
if [ -n "$gittop" ] && [ "$(cd "$gittop" && pwd -P)" = "$(pwd -P)" ]; then
	tree=$(git ls-files | sort)
else
	tree=$( (find lib helper sasl plugin tests doc contrib debian packaging tools .ci \
		-type f ! -name '*.log' ! -name '*.trs' ! -name '*.o' ! -name '*.lo' \
		! -path '*/.deps/*' ! -path '*/.libs/*' 2>/dev/null
		ls README.md HACKING.md configure.ac Makefile.am 2>/dev/null) | sort)
fi
[ -n "$tree" ]
tap_ok $? "found the files of the tree"

# References a reader of the repository cannot follow: issue numbers of the
# tracker ("issue 3", "issues 3 and 4", "(#12)"), and notes kept outside
# the repository.  RFC sections ("RFC 7628 §3.1") and public issue threads
# (owner/name#N, URLs) are fine.  This script names the patterns, so it is
# not searched itself.
self=tests/unit/style-check.sh
refs_re='(^|[^A-Za-z0-9_/-])[Ii]ssues? #?[0-9]|\(#[0-9]+\)|protocol-facts|cyrus-sasl-facts|local-test-facts|DESIGN\.md|STYLE\.md|\.\./shared|shared/reference|(^|[^A-Za-z0-9_./-])reference/[a-z-]+\.md|/work/(shared|main|wt)([^A-Za-z0-9_]|$)'
refs=$(for f in $tree; do
	[ "$f" = "$self" ] && continue
	[ -f "$f" ] || continue
	grep -InE "$refs_re" "$f" /dev/null
done)
[ -z "$refs" ]
tap_ok $? "no file refers to an issue number or to a file outside the repository"
[ -z "$refs" ] || tap_diag "point at the repository's own doc (doc/protocol.md, doc/internals.md) or a public source instead:" "$refs"

# Relative links of the Markdown files: inline [text](target) and reference
# definitions [key]: target.  URLs (scheme:) and same-file anchors are not
# checked here; a #fragment is dropped before the file is looked up.
broken=""
for f in $tree; do
	case $f in *.md) ;; *) continue ;; esac
	[ -f "$f" ] || continue
	dir=$(dirname "$f")
	targets=$( { grep -oE '\]\([^) ]+\)' "$f" | sed 's/^](//; s/)$//'
		grep -oE '^ {0,3}\[[^]]+\]: *[^ ]+' "$f" | sed 's/^[^]]*\]: *//'; } 2>/dev/null)
	for t in $targets; do
		case $t in
		'#'* | *:*) continue ;;
		esac
		path=${t%%#*}
		[ -n "$path" ] || continue
		[ -e "$dir/$path" ] || broken="$broken
$f: $t"
	done
done
[ -z "$broken" ]
tap_ok $? "every relative link in a Markdown file points at a file that exists"
[ -z "$broken" ] || tap_diag "broken links:$broken"

tap_done
