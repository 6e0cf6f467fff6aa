/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static int tap_n;
static int tap_failed;

static void
report(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
}

void
tap_is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		tap_diag("got %lld, want %lld", got, want);
}

void
tap_is_str(const char *got, const char *want, const char *fmt, ...)
{
	int cond;
	va_list ap;

	if (got == NULL || want == NULL)
		cond = got == want;
	else
		cond = strcmp(got, want) == 0;
	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		tap_diag("got \"%s\", want \"%s\"", got ? got : "(null)",
			 want ? want : "(null)");
}

static void
diag_mem(const char *label, const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	printf("# %s (%zu bytes): ", label, len);
	for (i = 0; i < len && i < 200; i++) {
		if (c[i] >= 0x20 && c[i] < 0x7f && c[i] != '\\')
			putchar(c[i]);
		else
			printf("\\x%02x", c[i]);
	}
	putchar('\n');
}

void
tap_is_mem(const void *got, size_t got_len, const void *want, size_t want_len,
	   const char *fmt, ...)
{
	int cond = got_len == want_len &&
		   (got_len == 0 || (got != NULL && memcmp(got, want, got_len) == 0));
	va_list ap;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	if (!cond) {
		diag_mem("got", got, got != NULL ? got_len : 0);
		diag_mem("want", want, want_len);
	}
}

int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}
