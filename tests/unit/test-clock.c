/* SPDX-License-Identifier: MIT */
/* The monotonic clock (lib/clock.h). */
#include "autoconfig.h"

#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "tap.h"

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

int
main(void)
{
	/* Sleeps of these lengths must show on the clock as at least that
	 * long, and not absurdly longer (a loaded machine: 2 s slack). */
	static const long sleeps_ms[] = { 0, 1, 20, 150 };
	int64_t prev_ns = mo_now_ns(), prev_ms = mo_now_ms();
	size_t i;
	int k, backwards = 0;

	tap_ok(prev_ns > 0 && prev_ms >= 0, "the clock reads a non-negative time");
	for (i = 0; i < sizeof(sleeps_ms) / sizeof(sleeps_ms[0]); i++) {
		int64_t t0_ms = mo_now_ms(), t0_ns = mo_now_ns(), d_ms, d_ns;

		sleep_ms(sleeps_ms[i]);
		d_ns = mo_now_ns() - t0_ns;
		d_ms = mo_now_ms() - t0_ms;
		tap_ok(d_ns >= sleeps_ms[i] * 1000000LL && d_ns < (sleeps_ms[i] + 2000) * 1000000LL,
		       "a %ld ms sleep takes %lld ns on the ns clock", sleeps_ms[i],
		       (long long)d_ns);
		tap_ok(d_ms >= sleeps_ms[i] && d_ms < sleeps_ms[i] + 2000,
		       "a %ld ms sleep takes %lld ms on the ms clock", sleeps_ms[i],
		       (long long)d_ms);
	}
	for (k = 0; k < 100000; k++) {
		int64_t ns = mo_now_ns(), ms = mo_now_ms();

		if (ns < prev_ns || ms < prev_ms)
			backwards++;
		prev_ns = ns;
		prev_ms = ms;
	}
	tap_is_int(backwards, 0, "100000 readings never go backwards");
	/* Both readings count from the same origin: ms is ns / 10^6. */
	prev_ns = mo_now_ns();
	prev_ms = mo_now_ms();
	tap_ok(prev_ms >= prev_ns / 1000000 && prev_ms - prev_ns / 1000000 < 1000,
	       "mo_now_ms() is mo_now_ns() in milliseconds");
	return tap_done();
}
