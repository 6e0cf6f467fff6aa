/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PATHS_H
#define MAILOAUTH_PATHS_H

#include <stdbool.h>
#include <sys/stat.h>

/*
 * Where things live, and whether they are private enough to hold tokens:
 * account names (they become file names), "~/" expansion, the environment
 * and the 0700-directory / 0600-file rules of the token store.
 */

#define MO_ACCOUNT_NAME_MAX 64

/* True when name is 1..64 bytes of [A-Za-z0-9._@+-] not starting with '.'. */
bool mo_valid_account_name(const char *name);

/* The value of an environment variable, or NULL when it is unset or empty.
 * Uses secure_getenv() where available (NULL in set-uid programs). */
const char *mo_env(const char *name);

/*
 * Expands a leading "~/" (or a lone "~") with $HOME; other paths are copied.
 * Returns MO_OK with *out_r malloc'd (free()), MO_ERR_CONFIG when the path
 * needs $HOME but it is unset or relative, or MO_ERR_NOMEM.
 */
int mo_expand_home(const char *path, char **out_r);

/* s quoted for a shell command line the user may copy: unchanged when it
 * holds only safe characters, else in single quotes.  malloc'd, NULL when
 * out of memory. */
char *mo_shell_quote(const char *s);

/*
 * Opens the private directory dir and checks it on the open descriptor: a
 * directory owned by the effective user with no group or other access.
 * dir itself must not be a symbolic link (O_NOFOLLOW; MO_ERR_PERM); links
 * in its parents are followed.  Write through *fd_r (openat(), renameat(),
 * mo_dir_replace()), never through a path built from dir.
 * With create, a missing dir is created with its parents, mode 0700.
 * Returns MO_OK with *fd_r (O_DIRECTORY, close-on-exec; close() it),
 * MO_ERR_NOENT (missing and !create), MO_ERR_PERM (*error_r holds the chmod
 * that fixes it), MO_ERR_IO or MO_ERR_NOMEM.  *error_r is malloc'd.
 */
int mo_private_dir_open(const char *dir, bool create, int *fd_r,
			char **error_r);

/*
 * The checks of mo_private_dir_open() on an open directory fd named dir;
 * with fix_mode (a directory we just created) the mode is first set to
 * exactly 0700.  MO_OK, MO_ERR_PERM, MO_ERR_IO or MO_ERR_NOMEM.
 */
int mo_private_dir_check(int fd, const char *dir, bool fix_mode,
			 char **error_r);

/*
 * Checks the fstat() result of an open file at path: a regular file owned
 * by the effective user with no group or other access.  Returns MO_OK or
 * MO_ERR_PERM (*error_r, malloc'd, holds the chmod that fixes it).
 */
int mo_private_file_check(const struct stat *st, const char *path,
			  char **error_r);

/* fstat() of the open file fd at path (MO_ERR_IO when it fails) followed by
 * mo_private_file_check().  st_r, when not NULL, receives the result. */
int mo_private_fd_check(int fd, const char *path, struct stat *st_r,
			char **error_r);

#endif
