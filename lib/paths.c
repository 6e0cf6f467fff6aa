/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "errmsg.h"
#include "errors.h"
#include "paths.h"

bool
mo_valid_account_name(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return false;
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i >= MO_ACCOUNT_NAME_MAX)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '@' || c == '+' || c == '-')
			continue;
		return false;
	}
	return true;
}

const char *
mo_env(const char *name)
{
	const char *v;

#ifdef HAVE_SECURE_GETENV
	v = secure_getenv(name);
#else
	v = getenv(name);
#endif
	if (v == NULL || v[0] == '\0')
		return NULL;
	return v;
}

int
mo_expand_home(const char *path, char **out_r)
{
	const char *home;
	size_t hl, pl;
	char *out;

	*out_r = NULL;
	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/')) {
		out = strdup(path);
		if (out == NULL)
			return MO_ERR_NOMEM;
		*out_r = out;
		return MO_OK;
	}
	home = mo_env("HOME");
	if (home == NULL || home[0] != '/')
		return MO_ERR_CONFIG;
	hl = strlen(home);
	while (hl > 1 && home[hl - 1] == '/')
		hl--;
	pl = strlen(path + 1);
	out = malloc(hl + pl + 1);
	if (out == NULL)
		return MO_ERR_NOMEM;
	memcpy(out, home, hl);
	memcpy(out + hl, path + 1, pl + 1);
	*out_r = out;
	return MO_OK;
}

char *
mo_shell_quote(const char *s)
{
	size_t i, n = 2;
	bool plain = s[0] != '\0';
	char *q, *p;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("._/@+-,:=%", c) != NULL))
			plain = false;
		n += c == '\'' ? 4 : 1;
	}
	if (plain)
		return strdup(s);
	q = p = malloc(n + 1);
	if (q == NULL)
		return NULL;
	*p++ = '\'';
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = s[i];
		}
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

/* mkdir -p: creates every missing component of dir with mode 0700.  The
 * last one, when created here, is chmod'ed to exactly 0700 (the umask can
 * only have taken bits away).  Existing components are left alone. */
static int
mkdir_parents(const char *dir, char **error_r)
{
	char *p = strdup(dir), *s;
	int ret = MO_OK;

	if (p == NULL)
		return MO_ERR_NOMEM;
	for (s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			ret = mo_errorf(error_r, MO_ERR_IO,
					"cannot create directory %s: %s",
					p, strerror(errno));
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
out:
	free(p);
	return ret;
}

int
mo_private_dir_check(int fd, const char *dir, bool fix_mode, char **error_r)
{
	struct stat st;
	char *q = NULL;
	int ret = MO_OK;

	if (fstat(fd, &st) != 0)
		return mo_errorf(error_r, MO_ERR_IO, "%s: %s", dir, strerror(errno));
	if (fix_mode && st.st_uid == geteuid() && (st.st_mode & 07777) != 0700 &&
	    fchmod(fd, 0700) == 0)
		st.st_mode = (st.st_mode & ~07777) | 0700;
	q = mo_shell_quote(dir);
	if (q == NULL)
		return MO_ERR_NOMEM;
	if (st.st_uid != geteuid())
		ret = mo_errorf(error_r, MO_ERR_PERM,
				"%s is owned by uid %lu, not by you (uid %lu); "
				"tokens must live in a directory of your own: "
				"set state_dir, or run: chown %lu %s && chmod 700 %s",
				dir, (unsigned long)st.st_uid,
				(unsigned long)geteuid(), (unsigned long)geteuid(),
				q, q);
	else if ((st.st_mode & 077) != 0)
		ret = mo_errorf(error_r, MO_ERR_PERM,
				"%s is accessible to other users (mode %04o); "
				"the token directory must be private; run: chmod 700 %s",
				dir, (unsigned int)(st.st_mode & 07777), q);
	free(q);
	return ret;
}

/* Opens dir itself, never a symbolic link in its place: O_NOFOLLOW, and
 * trailing slashes dropped (they would make open() follow the link).
 * MO_OK with *fd_r, MO_ERR_NOENT (no message), MO_ERR_PERM, MO_ERR_IO or
 * MO_ERR_NOMEM. */
static int
open_dir_nofollow(const char *dir, int *fd_r, char **error_r)
{
	size_t n = strlen(dir);
	struct stat st;
	char *p, *q = NULL;
	int ret = MO_OK, e;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	p = strndup(dir, n);
	if (p == NULL)
		return MO_ERR_NOMEM;
	*fd_r = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	e = errno;
	if (*fd_r >= 0)
		goto out;
	if (e == ENOENT) {
		ret = MO_ERR_NOENT;
		goto out;
	}
	/* lstat() only chooses the message: the refusal is open()'s. */
	if ((e == ENOTDIR || e == ELOOP) && lstat(p, &st) == 0 &&
	    S_ISLNK(st.st_mode)) {
		q = mo_shell_quote(p);
		ret = mo_errorf(error_r, MO_ERR_PERM,
				"%s is a symbolic link; the token directory must be "
				"a real directory: set state_dir to the directory "
				"it points to (realpath %s)", dir, q != NULL ? q : p);
		goto out;
	}
	ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", dir, strerror(e));
out:
	free(q);
	free(p);
	return ret;
}

int
mo_private_dir_open(const char *dir, bool create, int *fd_r, char **error_r)
{
	int fd = -1, ret;
	bool created = false;

	*fd_r = -1;
	if (dir[0] == '\0')
		return mo_errorf(error_r, MO_ERR_IO, "empty token directory name");
	ret = open_dir_nofollow(dir, &fd, error_r);
	if (ret == MO_ERR_NOENT && create) {
		ret = mkdir_parents(dir, error_r);
		if (ret != MO_OK)
			goto out;
		created = true;
		ret = open_dir_nofollow(dir, &fd, error_r);
	}
	if (ret == MO_ERR_NOENT)
		ret = mo_errorf(error_r, MO_ERR_NOENT, "%s: %s", dir,
				strerror(ENOENT));
	if (ret != MO_OK)
		goto out;
	ret = mo_private_dir_check(fd, dir, created, error_r);
	if (ret != MO_OK)
		goto out;
	*fd_r = fd;
	fd = -1;
	ret = MO_OK;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int
mo_private_file_check(const struct stat *st, const char *path, char **error_r)
{
	char *q = NULL;
	int ret = MO_OK;

	if (!S_ISREG(st->st_mode))
		return mo_errorf(error_r, MO_ERR_PERM,
				 "%s is not a regular file; move it away and "
				 "sign in again", path);
	q = mo_shell_quote(path);
	if (q == NULL)
		return MO_ERR_NOMEM;
	if (st->st_uid != geteuid())
		ret = mo_errorf(error_r, MO_ERR_PERM,
				"%s is owned by uid %lu, not by you (uid %lu); "
				"run: chown %lu %s && chmod 600 %s", path,
				(unsigned long)st->st_uid, (unsigned long)geteuid(),
				(unsigned long)geteuid(), q, q);
	else if ((st->st_mode & 077) != 0)
		ret = mo_errorf(error_r, MO_ERR_PERM,
				"%s is accessible to other users (mode %04o); "
				"files of the token store must be private; run: chmod 600 %s",
				path, (unsigned int)(st->st_mode & 07777), q);
	free(q);
	return ret;
}

int
mo_private_fd_check(int fd, const char *path, struct stat *st_r, char **error_r)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
				 strerror(errno));
	if (st_r != NULL)
		*st_r = st;
	return mo_private_file_check(&st, path, error_r);
}
