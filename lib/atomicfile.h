/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_ATOMICFILE_H
#define MAILOAUTH_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replacing a file of a private directory that the caller opened and
 * checked (mo_private_dir_open()): everything happens relative to that
 * descriptor, never through a path, so a directory swapped for another (or
 * for a symbolic link) after the check is never written into.
 *
 * mo_dir_replace() creates ".NAME.XXXXXX" in dfd (openat() with O_CREAT,
 * O_EXCL and O_NOFOLLOW, mode 0600 whatever the umask), writes len bytes of
 * data, fsync()s it, renameat()s it over NAME within dfd and fsync()s dfd.
 * A reader sees the old file or the new one, never a mix; after a crash the
 * temporary file may remain (the store sweeps them).  On failure the
 * temporary file is removed and NAME is untouched.
 * dir names the directory in messages only.
 * Returns MO_OK, MO_ERR_IO or MO_ERR_NOMEM; *error_r (malloc'd) says what
 * failed.
 */
int mo_dir_replace(int dfd, const char *dir, const char *name,
		   const char *data, size_t len, char **error_r);

/* write() all len bytes of data to fd, across short writes and EINTR.
 * Returns 0, or -1 with errno set. */
int mo_write_all(int fd, const void *data, size_t len);

/* Overwrites the first size bytes of fd (from its current offset) with
 * zeros and fsync()s it: a file that held a token, before it is unlinked.
 * Returns 0, or -1 with errno set. */
int mo_overwrite_zeros(int fd, off_t size);

#endif
