/* SPDX-License-Identifier: MIT */
/* Diagnostics of mailoauth-net: everything goes to stderr. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int mo_net_verbose;

static void
vsay(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "mailoauth: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
mo_net_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void
mo_net_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning: ", fmt, ap);
	va_end(ap);
}

void
mo_net_note(int level, const char *fmt, ...)
{
	va_list ap;

	if (mo_net_verbose < level)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}
