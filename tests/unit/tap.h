/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_TAP_H
#define MAILOAUTH_TAP_H

/*
 * A minimal Test Anything Protocol producer for the unit tests; automake's
 * tap-driver.sh reads the output.  Each check prints "ok N - name" or
 * "not ok N - name" with a diagnostic; tap_done() prints the plan and
 * returns the exit status.
 */

#include <stddef.h>

void tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tap_is_int(long long got, long long want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tap_is_str(const char *got, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tap_is_mem(const void *got, size_t got_len, const void *want,
		size_t want_len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_done(void);

#endif
