/* SPDX-License-Identifier: MIT */
/* The token files: private directory, atomic replacement, removal. */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "paths.h"
#include "secret.h"
#include "store.h"
#include "storefmt.h"

char *
mo_store_path(const char *dir, const char *account)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return mo_strdup_printf("%.*s/%s.json", (int)n, dir, account);
}

/* Checks that t can be written and read back: the rules of the parser. */
static int
token_check(const char *account, const struct mo_token *t, char **error_r)
{
	const char *what = NULL;

	if (mo_store_check(t, &what) != MO_OK)
		return mo_errorf(error_r, MO_ERR_INVAL,
				 "account \"%s\": refusing to store: %s", account,
				 what);
	return MO_OK;
}

static int
check_account(const char *account, char **error_r)
{
	if (!mo_valid_account_name(account))
		return mo_errorf(error_r, MO_ERR_INVAL,
				 "invalid account name (1-64 characters of "
				 "A-Z a-z 0-9 . _ @ + -, not starting with \".\")");
	return MO_OK;
}

static int
read_capped(int fd, struct mo_buf *b, const char *path, char **error_r)
{
	int ret = mo_buf_read_fd(b, fd);

	if (ret == MO_ERR_IO)
		ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
				strerror(errno));
	else if (ret == MO_ERR_TOOBIG)
		ret = mo_errorf(error_r, MO_ERR_PARSE,
				"%s: larger than %d bytes: corrupt token "
				"file; move it away and sign in again",
				path, MO_STORE_MAX);
	return ret;
}

/* Loads ACCOUNT's file from the open, already checked directory dfd; dir
 * names it in messages.  dfd < 0: dir does not exist. */
static int
load_in(int dfd, const char *dir, const char *account, struct mo_token *t,
	char **error_r)
{
	struct mo_buf b;
	struct stat st;
	const char *perr = NULL;
	char *path = NULL, *name = NULL;
	int fd = -1, ret;

	mo_buf_init(&b, MO_STORE_MAX);
	path = mo_store_path(dir, account);
	name = mo_strdup_printf("%s.json", account);
	if (path == NULL || name == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	fd = dfd < 0 ? -1 : openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
				   O_NONBLOCK);
	if (fd < 0) {
		int e = dfd < 0 ? ENOENT : errno;

		if (e == ENOENT)
			ret = mo_errorf(error_r, MO_ERR_NOENT,
					"no tokens stored for account \"%s\" (%s); "
					"sign in with: mailoauth authorize %s",
					account, path, account);
		else if (e == ELOOP)
			ret = mo_errorf(error_r, MO_ERR_PERM,
					"%s is a symbolic link; token files must be "
					"regular files: remove the link and run "
					"mailoauth authorize %s", path, account);
		else
			ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
					strerror(e));
		goto out;
	}
	ret = mo_private_fd_check(fd, path, &st, error_r);
	if (ret != MO_OK)
		goto out;
	if (st.st_size > MO_STORE_MAX) {
		ret = mo_errorf(error_r, MO_ERR_PARSE,
				"%s: larger than %d bytes: corrupt token file; "
				"move it away and run `mailoauth authorize %s`",
				path, MO_STORE_MAX, account);
		goto out;
	}
	ret = read_capped(fd, &b, path, error_r);
	if (ret != MO_OK)
		goto out;
	ret = mo_store_parse(b.data != NULL ? b.data : "", b.len, t, &perr);
	if (ret == MO_ERR_PARSE)
		ret = mo_errorf(error_r, MO_ERR_PARSE,
				"%s: %s: corrupt token file; run `mailoauth "
				"authorize %s` (or restore it)", path, perr, account);
out:
	mo_buf_free(&b);
	if (fd >= 0)
		close(fd);
	free(path);
	free(name);
	return ret;
}

int
mo_store_load(const char *dir, const char *account, struct mo_token *t,
	      char **error_r)
{
	int dfd = -1, ret;

	memset(t, 0, sizeof(*t));
	ret = check_account(account, error_r);
	if (ret != MO_OK)
		return ret;
	ret = mo_private_dir_open(dir, false, &dfd, error_r);
	if (ret == MO_ERR_NOENT) {
		/* No directory yet: the same message as no file. */
		if (error_r != NULL) {
			free(*error_r);
			*error_r = NULL;
		}
		ret = MO_OK;
	}
	if (ret == MO_OK)
		ret = load_in(dfd, dir, account, t, error_r);
	if (dfd >= 0)
		close(dfd);
	return ret;
}

int
mo_store_load_at(int dirfd, const char *dir, const char *account,
		 struct mo_token *t, char **error_r)
{
	int ret;

	memset(t, 0, sizeof(*t));
	ret = check_account(account, error_r);
	if (ret == MO_OK)
		ret = mo_private_dir_check(dirfd, dir, false, error_r);
	if (ret == MO_OK)
		ret = load_in(dirfd, dir, account, t, error_r);
	return ret;
}

/* Temporary files older than this are left-overs of a writer that was
 * killed between creating and renaming them: no live writer takes that long. */
#define STALE_TMP_SECONDS 60

/*
 * Removes ".ACCOUNT.json.XXXXXX" files that a killed writer left behind in
 * the directory dfd.  They hold a refresh token, so they are overwritten
 * before they are unlinked.  Best effort: errors are ignored.
 */
static void
sweep_stale_tmp(int dfd, const char *account)
{
	size_t plen = strlen(account) + 7;	/* "." account ".json." */
	time_t now = time(NULL);
	struct dirent *de;
	DIR *d;
	int fd = dup(dfd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		struct stat st;
		int tfd;

		if (strlen(n) != plen + 6 || n[0] != '.' ||
		    strncmp(n + 1, account, strlen(account)) != 0 ||
		    strncmp(n + 1 + strlen(account), ".json.", 6) != 0)
			continue;
		if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtime > now - STALE_TMP_SECONDS)
			continue;
		tfd = openat(dfd, n, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (tfd >= 0) {
			(void)mo_overwrite_zeros(tfd, st.st_size);
			close(tfd);
		}
		(void)unlinkat(dfd, n, 0);
	}
	closedir(d);
}

int
mo_store_save(const char *dir, const char *account, const struct mo_token *t,
	      char **error_r)
{
	char *json = NULL, *text = NULL, *name = NULL;
	int dfd = -1, ret;

	ret = check_account(account, error_r);
	if (ret == MO_OK)
		ret = token_check(account, t, error_r);
	if (ret != MO_OK)
		goto out;
	json = mo_store_serialise(account, t);
	text = json != NULL ? mo_strdup_printf("%s\n", json) : NULL;
	name = mo_strdup_printf("%s.json", account);
	if (text == NULL || name == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	/* The checked descriptor is the only way into the directory from
	 * here on: a directory renamed or replaced by a link after the check
	 * is never written into. */
	ret = mo_private_dir_open(dir, true, &dfd, error_r);
	if (ret == MO_OK)
		ret = mo_dir_replace(dfd, dir, name, text, strlen(text), error_r);
	if (ret == MO_OK)
		sweep_stale_tmp(dfd, account);
out:
	if (dfd >= 0)
		close(dfd);
	mo_free_secret(json);
	mo_free_secret(text);
	free(name);
	return ret;
}

int
mo_store_remove(const char *dir, const char *account, char **error_r)
{
	struct stat st;
	char *path = NULL, *name = NULL;
	int dfd = -1, fd = -1, ret;

	ret = check_account(account, error_r);
	if (ret != MO_OK)
		goto out;
	path = mo_store_path(dir, account);
	name = mo_strdup_printf("%s.json", account);
	if (path == NULL || name == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	ret = mo_private_dir_open(dir, false, &dfd, error_r);
	if (ret == MO_ERR_NOENT) {
		if (error_r != NULL) {
			free(*error_r);
			*error_r = NULL;
		}
		errno = ENOENT;
	} else if (ret != MO_OK) {
		goto out;
	}
	if (dfd >= 0)
		fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC |
			    O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			ret = mo_errorf(error_r, MO_ERR_NOENT,
					"no tokens stored for account \"%s\" (%s)",
					account, path);
		else if (e == ELOOP)
			ret = mo_errorf(error_r, MO_ERR_PERM,
					"%s is a symbolic link, not a token file; "
					"remove it by hand", path);
		else
			ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
					strerror(e));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
				strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = mo_errorf(error_r, MO_ERR_PERM,
				"%s is not a regular file; remove it by hand", path);
		goto out;
	}
	if (mo_overwrite_zeros(fd, st.st_size) != 0) {
		ret = mo_errorf(error_r, MO_ERR_IO, "cannot wipe %s: %s", path,
				strerror(errno));
		goto out;
	}
	if (unlinkat(dfd, name, 0) != 0) {
		ret = mo_errorf(error_r, MO_ERR_IO, "cannot remove %s: %s", path,
				strerror(errno));
		goto out;
	}
	(void)fsync(dfd);
	ret = MO_OK;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(path);
	free(name);
	return ret;
}
