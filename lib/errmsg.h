/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_ERRMSG_H
#define MAILOAUTH_ERRMSG_H

#include <stdarg.h>

/*
 * The one allocating printf, and the malloc'd detail messages built with it
 * that travel through the `char **error_r` out-parameters.  Pure (no I/O).
 * Never pass a secret as an argument: messages end up on terminals and in
 * logs.  The only failure is out of memory (or a format that vsnprintf()
 * refuses), reported as NULL; the caller owns every string returned and
 * frees it with free().
 */

/*
 * Sets *error_r (when error_r is not NULL) to a malloc'd message built from
 * fmt, replacing nothing: *error_r must not hold a message yet.  When out of
 * memory *error_r is set to NULL.  Returns err, so that callers can write
 * `return mo_errorf(error_r, MO_ERR_IO, "%s: %s", path, strerror(errno));`.
 */
int mo_errorf(char **error_r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A malloc'd formatted string (free()), or NULL when out of memory. */
char *mo_strdup_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The same with a va_list (which it consumes, as vsnprintf() does). */
char *mo_vstrdup_printf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

#endif
