/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_FUZZ_H
#define MAILOAUTH_FUZZ_H

/*
 * One harness per parser (tests/fuzz/fuzz-*.c), each a libFuzzer entry
 * point.  The same file is built two ways:
 *   - by `make fuzz` with clang -fsanitize=fuzzer,address,undefined
 *     (tests/fuzz/fuzz.sh), libFuzzer providing main();
 *   - by `make check` with the configured compiler, linked with regress.c,
 *     whose main() feeds every file of the harness's seed corpus
 *     (tests/fuzz/corpus/NAME/) and prints TAP.
 * A harness calls fuzz_fail() when a parser breaks one of its own
 * promises (a result the header rules out): that is a crash for libFuzzer
 * and a failed test for the regression driver.
 */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints what went wrong and aborts. */
#define fuzz_fail(what) fuzz_fail_at(__FILE__, __LINE__, (what))
#define fuzz_assert(cond) \
	do { if (!(cond)) fuzz_fail_at(__FILE__, __LINE__, #cond); } while (0)
void fuzz_fail_at(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* An account of a Microsoft configuration, parsed once and kept for the
 * whole run (for the code that names an account in its messages). */
struct mo_account;
const struct mo_account *fuzz_account(void);

/* A descriptor that reads data[0..size) and then end of file, as a peer
 * that sends this and closes (a memfd).  -1 on failure. */
int fuzz_peer_fd(const uint8_t *data, size_t size);

/* True when s has no control character (newline allowed when nl). */
int fuzz_printable(const char *s, int nl);

#endif
