/* SPDX-License-Identifier: MIT */
/* Diagnostics of mailoauth-net: everything goes to stderr. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "errmsg.h"
#include "log.h"
#include "text.h"

int mo_net_verbose;

/* Messages quote the identity provider, servers and the sign-in listener's
 * clients: nothing but text and line breaks reaches the terminal
 * (mo_terminal_text), at every verbosity. */
static void
vsay(const char *prefix, const char *fmt, va_list ap)
{
	char *msg = mo_vstrdup_printf(fmt, ap);

	mo_terminal_text(msg);
	fprintf(stderr, "mailoauth: %s%s\n", prefix, msg != NULL ? msg : "(out of memory)");
	free(msg);
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

void
mo_net_print(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = mo_vstrdup_printf(fmt, ap);
	va_end(ap);
	mo_terminal_text(msg);
	if (msg != NULL)
		fputs(msg, stderr);
	free(msg);
}
