/* SPDX-License-Identifier: MIT */
/* Failure messages and diagnostics (report.h). */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static int verbosity;

void
mo_set_verbose(int level)
{
	verbosity = level;
}

int
mo_verbose(void)
{
	return verbosity;
}

char *
mo_oneline(char *dst, size_t n, const char *src, size_t len)
{
	size_t i, o = 0;
	bool space = true;	/* drops leading spaces */

	if (n == 0)
		return dst;
	for (i = 0; i < len && o + 1 < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c < 0x20 || c == 0x7f || c == ' ') {
			if (!space)
				dst[o++] = ' ';
			space = true;
			continue;
		}
		dst[o++] = (char)c;
		space = false;
	}
	if (i < len && n > 4) {
		size_t written = o;

		/* Cut: leave room for "...", not inside a UTF-8 sequence. */
		o = o > n - 4 ? n - 4 : o;
		while (o > 0 && o < written && ((unsigned char)dst[o] & 0xc0) == 0x80)
			o--;
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
	return dst;
}

void
mo_fail_set(struct mo_fail *f, int err, const char *fmt, ...)
{
	char tmp[MO_FAIL_MAX * 2];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	f->err = err;
	mo_oneline(f->msg, sizeof(f->msg), tmp, (size_t)n);
}

void
mo_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (verbosity < level)
		return;
	fputs("mailoauth: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
mo_fail_print(const struct mo_fail *f)
{
	fprintf(stderr, "mailoauth: %s\n", f->msg[0] != '\0' ? f->msg : "failed");
}

char *
mo_aprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}
