#!/bin/sh
# SPDX-License-Identifier: MIT
#
# `make fuzz`: builds every libFuzzer harness (tests/fuzz/fuzz-*.c) with
# clang -fsanitize=fuzzer,address,undefined and runs each for a bounded
# time; fails on any crash, leak, timeout or sanitizer report.
#
# The main build uses the configured compiler (usually gcc), so this script
# compiles the sources each harness needs itself, with $FUZZ_CC, into
# $top_builddir/tests/fuzz/clang/ (objects are rebuilt when a source or any
# header is newer).  `make fuzz` passes the source lists and the
# pkg-config flags that configure found; see tests/fuzz/README.md.
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
CORE=$(c_only ${FUZZ_CORE_SOURCES:?})
CRYPTO=$(c_only ${FUZZ_CRYPTO_SOURCES:?})
PROTO=$(c_only ${FUZZ_PROTO_SOURCES:?})
NET=$(c_only ${FUZZ_NET_SOURCES:?})
PLUGIN_IO=$(c_only ${FUZZ_PLUGIN_IO_SOURCES:?})

sources_for() {
	case $1 in
	config | store | challenge) echo "$CORE" ;;
	idp-reply) echo "$CORE $CRYPTO $NET" ;;
	redirect) echo "$CORE $CRYPTO $NET" ;;
	pop3 | imap) echo "$CORE $CRYPTO $PROTO $PLUGIN_IO" ;;
	*) return 1 ;;
	esac
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
all_sources=""
for t in $targets; do
	s=$(sources_for "$t") || { echo "fuzz: no harness called '$t'" >&2; exit 1; }
	all_sources="$all_sources $s tests/fuzz/fuzz-$t.c"
done
all_sources="$all_sources tests/fuzz/fuzz-common.c"
all_sources=$(printf '%s\n' $all_sources | sort -u)

# Any header (or a .c file a harness includes) newer than the last build:
# rebuild everything.
stamp=$out/.headers
if [ ! -e "$stamp" ] || [ -n "$(find "$top_srcdir/lib" "$top_srcdir/helper" \
	"$top_srcdir/plugin" "$top_srcdir/tests/fuzz" "$top_builddir/autoconfig.h" \
	\( -name '*.h' -o -path '*/plugin/pop3up.c' \
	-o -path '*/plugin/imapup.c' \) -newer "$stamp" 2>/dev/null | head -n 1)" ]; then
	rm -rf "$obj" && mkdir -p "$obj"
fi
todo=$out/todo
: > "$todo"
for src in $all_sources; do
	o=$obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
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
for t in $targets; do
	objs=""
	for src in $(sources_for "$t") tests/fuzz/fuzz-$t.c tests/fuzz/fuzz-common.c; do
		objs="$objs $obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')"
	done
	# shellcheck disable=SC2086
	if ! "$FUZZ_CC" $FUZZ_CFLAGS $SAN -fsanitize=fuzzer $objs -o "$out/fuzz-$t" \
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
