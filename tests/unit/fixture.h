/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_FIXTURE_H
#define MAILOAUTH_FIXTURE_H

/*
 * Test fixtures shared by the C tests: a private temporary directory,
 * files written into it, and its removal afterwards.  Failures are
 * reported through tap_diag(); callers decide whether to bail out.
 */

#include <stddef.h>
#include <sys/types.h>

/* Makes $TMPDIR/PREFIX.XXXXXX (TMPDIR defaulting to /tmp) with MODE and
 * puts its path in buf.  Returns 0, or -1 with errno set. */
int fx_tmpdir(char *buf, size_t n, const char *prefix, mode_t mode);

/* Writes text to path (created or truncated), then sets MODE.  Returns 0,
 * or -1 with errno set. */
int fx_write_file(const char *path, const char *text, mode_t mode);

/* Removes dir and everything below it, without following symbolic links;
 * keeps it when $MO_TEST_KEEP is set (to look at a failed run).  An empty
 * dir is ignored. */
void fx_rmtree(const char *dir);

#endif
