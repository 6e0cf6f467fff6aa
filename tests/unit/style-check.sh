#!/bin/sh
# SPDX-License-Identifier: MIT
# House style checks, run by `make check` (TAP):
#  - no strcpy, strcat, sprintf, vsprintf, gets or atoi anywhere;
#  - no stdio printing, exit() or abort() in the SASL plugin (it lives in
#    someone else's process);
#  - an SPDX line near the top of every source file.
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

tap_done
