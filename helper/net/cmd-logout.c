/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth logout ACCOUNT`: every file of the account in its state
 * directory goes, wiped first where it may hold a token:
 *   ACCOUNT.json          the store (mo_store_remove() wipes it)
 *   .ACCOUNT.json.XXXXXX  a store write killed before its rename
 *                         (mo_dir_replace() names them so)
 *   ACCOUNT.state, .ACCOUNT.state.XXXXXX, ACCOUNT.state.lock
 *                         notify_command's state (notify.c)
 *   ACCOUNT.lock          the store's lock, last, while it is held
 * The names are matched exactly (the six characters of a mkstemp suffix
 * included), so another account, even one whose name starts with this
 * one's, loses nothing.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cmd.h"
#include "errmsg.h"
#include "errors.h"
#include "log.h"
#include "paths.h"
#include "store.h"

#define MKSTEMP_SUFFIX 6

/* Is n "." account "." kind "." and six more characters? */
static bool
is_temp_of(const char *n, const char *account, const char *kind)
{
	size_t al = strlen(account), kl = strlen(kind);

	return strlen(n) == 1 + al + 1 + kl + 1 + MKSTEMP_SUFFIX && n[0] == '.' &&
	       strncmp(n + 1, account, al) == 0 && n[1 + al] == '.' &&
	       strncmp(n + 2 + al, kind, kl) == 0 && n[2 + al + kl] == '.';
}

/* Is n account "." rest? */
static bool
is_named(const char *n, const char *account, const char *rest)
{
	size_t al = strlen(account);

	return strncmp(n, account, al) == 0 && n[al] == '.' && strcmp(n + al + 1, rest) == 0;
}

/* Overwrites the regular file n of dfd with zeros, then unlinks it.
 * Returns 0 or an errno. */
static int
wipe_unlink(int dfd, const char *n)
{
	struct stat st;
	int fd, err = 0;

	fd = openat(dfd, n, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			(void)mo_overwrite_zeros(fd, st.st_size);
		close(fd);
	}
	if (unlinkat(dfd, n, 0) != 0 && errno != ENOENT)
		err = errno;
	return err;
}

/*
 * Removes the account's files other than ACCOUNT.json and ACCOUNT.lock
 * from dfd.  Returns the number removed, or -1 with *error_r.
 */
static int
sweep(int dfd, const char *dir, const char *account, char **error_r)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(dfd), n = 0, err;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		err = errno;
		if (fd >= 0)
			close(fd);
		mo_errorf(error_r, MO_ERR_IO, "cannot read %s: %s", dir, strerror(err));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;

		if (!is_temp_of(nm, account, "json") && !is_temp_of(nm, account, "state") &&
		    !is_named(nm, account, "state") && !is_named(nm, account, "state.lock"))
			continue;
		err = wipe_unlink(dfd, nm);
		if (err != 0) {
			mo_errorf(error_r, MO_ERR_IO, "cannot remove %s/%s: %s", dir, nm,
				  strerror(err));
			n = -1;
			break;
		}
		n++;
	}
	closedir(d);
	return n;
}

int
mo_cmd_logout(struct mo_net_ctx *ctx, int argc, char **argv)
{
	const struct mo_account *a;
	char *error = NULL, *lockname = NULL;
	int fd = -1, dfd = -1, ret, code, swept = 0;

	if (argc != 2 || argv[1][0] == '-') {
		mo_net_err("usage: mailoauth logout ACCOUNT");
		return MO_EXIT_USAGE;
	}
	a = mo_net_account(ctx, argv[1]);
	if (a == NULL)
		return MO_EXIT_CONFIG;
	ret = mo_store_lock(a->state_dir, a->name, 120, &fd, &error);
	if (ret == MO_OK) {
		free(error);
		error = NULL;
		ret = mo_store_remove(a->state_dir, a->name, &error);
	}
	if (ret == MO_OK || ret == MO_ERR_NOENT) {
		int r = mo_private_dir_open(a->state_dir, false, &dfd, NULL);

		swept = r == MO_OK ? sweep(dfd, a->state_dir, a->name, ret == MO_OK ? &error
									      : NULL) : 0;
		if (swept < 0 && ret == MO_OK)
			ret = MO_ERR_IO;
	}
	/* The lock file goes last, while it is held: a process that waits on
	 * it finds no store afterwards and writes none. */
	lockname = mo_strdup_printf("%s.lock", a->name);
	if (dfd >= 0 && fd >= 0 && lockname != NULL)
		(void)unlinkat(dfd, lockname, 0);
	mo_store_unlock(fd);
	if (ret == MO_ERR_NOENT && swept > 0) {
		mo_net_err("account %s: no tokens were stored; %d other file%s of the "
			   "account removed", a->name, swept, swept == 1 ? "" : "s");
		code = MO_EXIT_OK;
	} else if (ret == MO_ERR_NOENT) {
		mo_net_err("account %s: nothing was stored", a->name);
		code = MO_EXIT_OK;
	} else if (ret != MO_OK) {
		mo_net_err("account %s: %s", a->name, error ? error : mo_strerror(ret));
		code = mo_exit_code(ret);
	} else {
		mo_net_err("account %s: the stored tokens were wiped and removed; the sign-in "
			   "itself stays valid at the identity provider until it expires or "
			   "is revoked there", a->name);
		code = MO_EXIT_OK;
	}
	if (dfd >= 0)
		close(dfd);
	free(lockname);
	free(error);
	return code;
}
