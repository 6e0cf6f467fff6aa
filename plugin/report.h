/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_REPORT_H
#define MAILOAUTH_PLUGIN_REPORT_H

#include <stddef.h>

#include "text.h"	/* mo_oneline(): server text as one printable line */

/*
 * Failures and diagnostics of mailoauth-connect.  A failure is an error
 * code plus one printable line that says what went wrong and what to do;
 * it goes to stderr (fetchmail shows a plugin's stderr) and, shortened,
 * into the -ERR / NO line the client sees.  Nothing secret is ever put in
 * one: callers pass names, hosts and sanitised server text only.
 */

#define MO_FAIL_MAX 1024

struct mo_fail {
	int err;		/* MO_ERR_*, MO_OK when nothing failed */
	char msg[MO_FAIL_MAX];	/* one line, printable ASCII/UTF-8 */
};

/* Sets f (replacing what was there); the text is made one printable line. */
void mo_fail_set(struct mo_fail *f, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prints "mailoauth: MSG" on stderr (always, whatever -v says). */
void mo_fail_print(const struct mo_fail *f);

/* Verbosity of -v (0: errors only).  Set once by main(). */
void mo_set_verbose(int level);
int mo_verbose(void);

/* "mailoauth: ..." on stderr when the verbosity is at least level. */
void mo_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
