/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_CLOCK_H
#define MAILOAUTH_CLOCK_H

#include <stdint.h>

/*
 * The one monotonic clock for timeouts, deadlines and back-off
 * (CLOCK_MONOTONIC: it does not jump when the wall clock is set, and it
 * keeps no meaning across processes).  Wall-clock time (token expiry, the
 * store) is time(NULL), never this.
 *
 * Pure and allocation-free; safe inside someone else's process (the SASL
 * plugin) and in any thread.  Neither function can fail: CLOCK_MONOTONIC
 * exists on every system we build on (POSIX.1-2008), and the two never
 * return a negative value.
 */

/* Monotonic time in milliseconds. */
int64_t mo_now_ms(void);

/* Monotonic time in nanoseconds (for sub-millisecond polling steps). */
int64_t mo_now_ns(void);

#endif
