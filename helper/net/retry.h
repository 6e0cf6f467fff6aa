/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_RETRY_H
#define MAILOAUTH_NET_RETRY_H

#include <stdint.h>
#include <time.h>

/*
 * The retry policy of http.c as pure functions (unit-tested).
 */

#define MO_BACKOFF_BASE_MS 500
#define MO_BACKOFF_MAX_MS 8000

/*
 * RFC 9110 §10.2.3:
 *     Retry-After = HTTP-date / delay-seconds
 *     delay-seconds = 1*DIGIT
 * Returns the seconds to wait from now (0 for a date in the past), at most
 * MO_RETRY_AFTER_MAX (a longer wait, any number of digits or a date
 * centuries ahead, is that: longer than any retry budget, so the request
 * is not retried), or -1 when value is neither form (a sign, a fraction,
 * text): then it is ignored, as RFC 9110 lets a recipient do.
 */
#define MO_RETRY_AFTER_MAX 86400L
long mo_retry_after_parse(const char *value, time_t now);

/*
 * Delay before the next attempt after `attempts` failed ones (1, 2, ...):
 * exponential (MO_BACKOFF_BASE_MS doubling, capped at MO_BACKOFF_MAX_MS)
 * with jitter: a random value between half and all of it.  *seed is a
 * rand_r() state.
 */
int64_t mo_backoff_ms(unsigned int attempts, unsigned int *seed);

#endif
