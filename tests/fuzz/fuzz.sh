#!/bin/sh
# SPDX-License-Identifier: MIT
#
# `make fuzz`: builds every libFuzzer harness (tests/fuzz/fuzz-*.c) with
# clang -fsanitize=fuzzer,address,undefined and runs each for a bounded
# time; fails on any crash, leak, timeout or sanitizer report.
#
# The main build uses the configured compiler (usually gcc), so this script
# compiles the convenience libraries each harness links (automake's source
# lists of lib/libmocore.la, lib/libmocrypto.la, plugin/libmoproto.la,
# plugin/libmoupstream.la, helper/net/libmonet.la) itself, with $FUZZ_CC,
# into archives in $top_builddir/tests/fuzz/clang/ (objects are rebuilt
# when a source or any header is newer), and links each harness with the
# same libraries as its regress-NAME twin.  `make fuzz` passes the source
# lists and the pkg-config flags that configure found; see
# tests/fuzz/README.md.
#
#   make fuzz [FUZZ_SECONDS=20] [FUZZ_TARGETS="store imap"] [FUZZ_CC=clang]
#
# Per harness it prints the executions, the time, and the corpus sizes.
# A crashing input is saved as tests/fuzz/clang/artifacts/NAME-crash-*;
# replay it with the plain build: tests/fuzz/regress-NAME FILE.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FUZZ_JOBS=${FUZZ_JOBS:-2}
FUZZ_CFLAGS=${FUZZ_CFLAGS:--g -O1 -fno-omit-frame-pointer}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"

case $FUZZ_SECONDS in
''|*[!0-9]*|0) echo "fuzz: FUZZ_SECONDS must be a positive number of seconds" >&2; exit 64 ;;
esac
targets=${*:-config store challenge idp-reply redirect pop3 imap}
out=$top_builddir/tests/fuzz/clang
obj=$out/obj
mkdir -p "$obj" "$out/artifacts" "$out/work" || exit 1

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	echo "fuzz: $FUZZ_CC not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
# libFuzzer's runtime comes with compiler-rt (Debian: libclang-rt-14-dev).
probe=$out/probe
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return (int)(n && d[0] == 0); }\n' > "$probe.c"
if ! "$FUZZ_CC" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2> "$probe.log"; then
	echo "fuzz: $FUZZ_CC cannot link a libFuzzer harness (Debian: apt-get install libclang-rt-14-dev):" >&2
	cat "$probe.log" >&2
	exit 1
fi

# Only the .c files of a source list (automake lists headers too).
c_only() {
	for f in "$@"; do
		case $f in *.c) printf '%s ' "$f" ;; esac
	done
}
# The convenience libraries of the main build, from automake's own source
# lists: each becomes an archive of clang objects, lib$NAME.a.
lib_sources() {
	case $1 in
	core) c_only ${FUZZ_CORE_SOURCES:?} ;;
	crypto) c_only ${FUZZ_CRYPTO_SOURCES:?} ;;
	proto) c_only ${FUZZ_PROTO_SOURCES:?} ;;
	net) c_only ${FUZZ_NET_SOURCES:?} ;;
	upstream) c_only ${FUZZ_UPSTREAM_SOURCES:?} ;;
	*) return 1 ;;
	esac
}
# What each harness links, in link order: the same libraries as its
# regress-NAME twin in tests/fuzz/local.mk.
libs_for() {
	case $1 in
	config | store | challenge) echo "core" ;;
	idp-reply | redirect) echo "net crypto core" ;;
	pop3 | imap) echo "upstream proto crypto core" ;;
	*) return 1 ;;
	esac
}
obj_of() {
	echo "$obj/$(echo "$1" | tr / _ | sed 's/\.c$/.o/')"
}
max_len_for() {
	case $1 in
	challenge) echo 5000 ;;		# MO_CHALLENGE_MAX 4096, and past it
	redirect) echo 9000 ;;		# MO_CB_MAX_HEAD 8192, and past it
	pop3) echo 20000 ;;		# lines up to MO_POP3_LINE_MAX 8192
	imap) echo 32768 ;;		# a command with literals: 24 KiB
	*) echo 8192 ;;
	esac
}

CPPFLAGS="-I$top_srcdir/lib -I$top_srcdir/helper/net -I$top_srcdir/plugin -I$top_srcdir/tests/fuzz -I$top_builddir"
CPPFLAGS="$CPPFLAGS -DMAILOAUTH_BINDIR=\"/nonexistent/bin\" -DMAILOAUTH_LIBEXECDIR=\"/nonexistent/libexec\" -DMAILOAUTH_SYSCONFDIR=\"/nonexistent/etc\""
CFLAGS="$FUZZ_CFLAGS $SAN -fsanitize=fuzzer-no-link ${FUZZ_DEP_CFLAGS:-}"

# ---- build ---------------------------------------------------------------
libs=""
all_sources=""
for t in $targets; do
	l=$(libs_for "$t") || { echo "fuzz: no harness called '$t'" >&2; exit 1; }
	libs="$libs $l"
	all_sources="$all_sources tests/fuzz/fuzz-$t.c"
done
libs=$(printf '%s\n' $libs | sort -u)
for l in $libs; do
	all_sources="$all_sources $(lib_sources "$l")"
done
all_sources="$all_sources tests/fuzz/fuzz-common.c"
all_sources=$(printf '%s\n' $all_sources | sort -u)

# Any header newer than the last build: rebuild everything.
stamp=$out/.headers
if [ ! -e "$stamp" ] || [ -n "$(find "$top_srcdir/lib" "$top_srcdir/helper" \
	"$top_srcdir/plugin" "$top_srcdir/tests/fuzz" "$top_builddir/autoconfig.h" \
	-name '*.h' -newer "$stamp" 2>/dev/null | head -n 1)" ]; then
	rm -rf "$obj" && mkdir -p "$obj"
fi
todo=$out/todo
: > "$todo"
for src in $all_sources; do
	o=$(obj_of "$src")
	if [ ! -e "$o" ] || [ "$top_srcdir/$src" -nt "$o" ]; then
		printf '%s %s\n' "$src" "$o" >> "$todo"
	fi
done
n=$(wc -l < "$todo")
t0=$(date +%s)
if [ "$n" -gt 0 ]; then
	echo "fuzz: compiling $n files with $FUZZ_CC"
	export FUZZ_CC CFLAGS CPPFLAGS top_srcdir
	# shellcheck disable=SC2016
	if ! xargs -P "$FUZZ_JOBS" -L 1 sh -c \
		'$FUZZ_CC $CPPFLAGS $CFLAGS -c "$top_srcdir/$0" -o "$1" || { rm -f "$1"; exit 255; }' \
		< "$todo"; then
		echo "fuzz: compilation failed" >&2
		exit 1
	fi
fi
touch "$stamp"
for l in $libs; do
	objs=""
	for src in $(lib_sources "$l"); do
		objs="$objs $(obj_of "$src")"
	done
	rm -f "$out/lib$l.a"
	# shellcheck disable=SC2086
	if ! ${FUZZ_AR:-ar} rcs "$out/lib$l.a" $objs; then
		echo "fuzz: archiving lib$l.a failed" >&2
		exit 1
	fi
done
for t in $targets; do
	archives=""
	for l in $(libs_for "$t"); do
		archives="$archives $out/lib$l.a"
	done
	# shellcheck disable=SC2086
	if ! "$FUZZ_CC" $FUZZ_CFLAGS $SAN -fsanitize=fuzzer "$(obj_of "tests/fuzz/fuzz-$t.c")" \
		"$(obj_of tests/fuzz/fuzz-common.c)" $archives -o "$out/fuzz-$t" \
		${FUZZ_DEP_LIBS:-} -lpthread; then
		echo "fuzz: linking fuzz-$t failed" >&2
		exit 1
	fi
done
echo "fuzz: built $(echo $targets | wc -w) harnesses in $(( $(date +%s) - t0 )) s"

# ---- run -----------------------------------------------------------------
ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=0:detect_stack_use_after_return=1}
UBSAN_OPTIONS=${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
failed=""
printf '%-10s %10s %6s %9s %7s %12s %s\n' harness execs secs exec/s seeds corpus coverage
for t in $targets; do
	seeds=$top_srcdir/tests/fuzz/corpus/$t
	work=$out/work/$t
	log=$out/fuzz-$t.log
	mkdir -p "$work"
	start=$(date +%s)
	# New inputs go to the first directory (the build tree), never into
	# the source tree's seeds.
	"$out/fuzz-$t" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len_for "$t")" \
		-timeout=10 -rss_limit_mb=2048 -detect_leaks=1 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$t-" "$work" "$seeds" > "$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
	nseeds=$(find "$seeds" -type f | wc -l)
	printf '%-10s %10s %6s %9s %7s %12s %s\n' "$t" "${execs:-?}" "$secs" "${rate:-?}" \
		"$nseeds" "${corp:-?}" "${cov:-?}"
	if [ $rc -ne 0 ] || grep -qE 'runtime error:|ERROR: (Address|Leak|Undefined)Sanitizer|ERROR: libFuzzer' "$log"; then
		failed="$failed $t"
		echo "----- fuzz-$t failed (exit $rc); log $log:"
		grep -E -A 30 'ERROR:|runtime error:|broken promise|==[0-9]+==' "$log" | head -n 60
		ls "$out/artifacts/$t-"* 2>/dev/null | sed 's/^/  input: /'
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: FAILED:$failed"
	exit 1
fi
echo "fuzz: all harnesses ran $FUZZ_SECONDS s each without a finding"
