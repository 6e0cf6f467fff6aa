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

