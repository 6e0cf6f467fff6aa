/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SUBPROC_H
#define MAILOAUTH_SUBPROC_H

#include <stddef.h>

#include "buf.h"

/*
 * Runs a program and captures what it prints, the way a library living in
 * someone else's process must (the SASL plugin inside Postfix or mbsync):
 * posix_spawn of an absolute path (no shell, no PATH search), stdin from
 * /dev/null, every other descriptor closed, stdout and stderr read through
 * pipes with hard caps, a deadline, and waitpid() on our own pid only.
 */

/*
 * argv[0] must be an absolute path.  envp NULL means an empty environment
 * plus nothing (callers pass what the child needs).  Appends the child's
 * stdout to out (at most out->max bytes; more is MO_ERR_TOOBIG) and its
 * stderr to err (silently cut at err->max).  *exit_r receives the exit
 * status, or -1 when the child was killed by a signal.
 *
 * Returns MO_OK when the child ran to completion (whatever its status),
 * MO_ERR_TIMEOUT (the child was killed after timeout_ms), MO_ERR_TOOBIG,
 * MO_ERR_NOENT (the program does not exist or cannot be run: chroot, wrong
 * path), MO_ERR_IO or MO_ERR_NOMEM.  *error_r is a static message.
 */
int mo_spawn_capture(char *const argv[], char *const envp[], int timeout_ms,
		     struct mo_buf *out, struct mo_buf *err, int *exit_r,
		     const char **error_r);

#endif
