/* SPDX-License-Identifier: MIT */
/* The per-account writer lock of the token store (see store.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "errmsg.h"
#include "errors.h"
#include "paths.h"
#include "store.h"

/* Polling interval while another process holds the lock: starts short so
 * that a waiter sees a quick refresh at once, then backs off. */
#define POLL_MIN_NS (2 * 1000 * 1000L)
#define POLL_MAX_NS (50 * 1000 * 1000L)

/* Takes the flock, polling with LOCK_NB until timeout_s seconds passed (a
 * negative timeout waits forever).  No signals (alarm) are involved, so
 * this is safe inside someone else's process. */
static int
wait_lock(int fd, int timeout_s)
{
	int64_t deadline = mo_now_ns() + (int64_t)(timeout_s < 0 ? 0 : timeout_s) *
		1000000000;
	long step = POLL_MIN_NS;

	for (;;) {
		struct timespec ts;
		int64_t left;

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return MO_OK;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return MO_ERR_IO;
		left = deadline - mo_now_ns();
		if (timeout_s >= 0 && left <= 0)
			return MO_ERR_TIMEOUT;
		if (timeout_s >= 0 && left < step)
			step = (long)left;
		ts.tv_sec = 0;
		ts.tv_nsec = step;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		step = step * 2 > POLL_MAX_NS ? POLL_MAX_NS : step * 2;
	}
}

int
mo_store_lock(const char *dir, const char *account, int timeout_s, int *fd_r,
	      char **error_r)
{
	char *name = NULL, *path = NULL;
	int dfd = -1, fd = -1, ret;

	*fd_r = -1;
	if (!mo_valid_account_name(account)) {
		ret = mo_errorf(error_r, MO_ERR_INVAL, "invalid account name");
		goto out;
	}
	name = mo_strdup_printf("%s.lock", account);
	path = mo_strdup_printf("%s/%s.lock", dir, account);
	if (name == NULL || path == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	ret = mo_private_dir_open(dir, true, &dfd, error_r);
	if (ret != MO_OK)
		goto out;
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK, 0600);
	if (fd < 0) {
		ret = mo_errorf(error_r, errno == ELOOP ? MO_ERR_PERM : MO_ERR_IO,
				"cannot open the lock file %s: %s", path,
				errno == ELOOP ? "it is a symbolic link" :
				strerror(errno));
		goto out;
	}
	ret = mo_private_fd_check(fd, path, NULL, error_r);
	if (ret != MO_OK)
		goto out;
	ret = wait_lock(fd, timeout_s);
	if (ret == MO_ERR_TIMEOUT) {
		ret = mo_errorf(error_r, MO_ERR_TIMEOUT,
				"account \"%s\" is busy: another mailoauth has held "
				"%s for more than %d s; try again later", account,
				path, timeout_s);
		goto out;
	}
	if (ret != MO_OK) {
		ret = mo_errorf(error_r, ret, "cannot lock %s: %s", path,
				strerror(errno));
		goto out;
	}
	*fd_r = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(name);
	free(path);
	return ret;
}

void
mo_store_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
