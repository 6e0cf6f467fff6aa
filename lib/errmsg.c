/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "errmsg.h"

char *
mo_vstrdup_printf(const char *fmt, va_list ap)
{
	va_list cp;
	char *s;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	if (vsnprintf(s, (size_t)n + 1, fmt, ap) != n) {
		free(s);
		return NULL;
	}
	return s;
}

char *
mo_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = mo_vstrdup_printf(fmt, ap);
	va_end(ap);
	return s;
}

int
mo_errorf(char **error_r, int err, const char *fmt, ...)
{
	va_list ap;

	if (error_r == NULL)
		return err;
	va_start(ap, fmt);
	*error_r = mo_vstrdup_printf(fmt, ap);
	va_end(ap);
	return err;
}
