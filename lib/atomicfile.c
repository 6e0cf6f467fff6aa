/* SPDX-License-Identifier: MIT */
/* Atomic replacement of a file inside a checked directory (atomicfile.h). */
#include "autoconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "clock.h"
#include "errmsg.h"
#include "errors.h"

/* Attempts at a fresh temporary name before giving up (O_EXCL keeps every
 * attempt safe; the random suffix only avoids collisions). */
#define TMP_TRIES 64

int
mo_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
mo_overwrite_zeros(int fd, off_t size)
{
	static const char zeros[4096];
	off_t left;

	for (left = size; left > 0;) {
		size_t n = left < (off_t)sizeof(zeros) ? (size_t)left : sizeof(zeros);

		if (mo_write_all(fd, zeros, n) != 0)
			return -1;
		left -= (off_t)n;
	}
	return fsync(fd);
}

/* Six characters of [A-Za-z0-9] at s (mkstemp's alphabet). */
static void
random_suffix(char *s)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[6];
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* No entropy yet (early boot): uniqueness is all we need. */
		uint64_t v = (uint64_t)mo_now_ns() ^ ((uint64_t)getpid() << 32);

		for (i = 0; i < sizeof(r); i++, v >>= 8)
			r[i] = (unsigned char)v;
	}
	for (i = 0; i < sizeof(r); i++)
		s[i] = set[r[i] % (sizeof(set) - 1)];
}

int
mo_dir_replace(int dfd, const char *dir, const char *name, const char *data,
	       size_t len, char **error_r)
{
	char *tmp = NULL;
	size_t tlen;
	int fd = -1, ret, tries;
	bool tmp_exists = false;

	tmp = mo_strdup_printf(".%s.XXXXXX", name);
	if (tmp == NULL)
		return MO_ERR_NOMEM;
	tlen = strlen(tmp);
	for (tries = 0; fd < 0 && tries < TMP_TRIES; tries++) {
		random_suffix(tmp + tlen - 6);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		ret = mo_errorf(error_r, MO_ERR_IO,
				"cannot create a temporary file in %s: %s", dir,
				strerror(errno));
		goto out;
	}
	tmp_exists = true;
	if (fchmod(fd, 0600) != 0 || mo_write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		ret = mo_errorf(error_r, MO_ERR_IO, "cannot write %s/%s: %s", dir,
				tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		ret = mo_errorf(error_r, MO_ERR_IO, "cannot write %s/%s: %s", dir,
				tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, name) != 0) {
		ret = mo_errorf(error_r, MO_ERR_IO, "cannot replace %s/%s: %s", dir,
				name, strerror(errno));
		goto out;
	}
	tmp_exists = false;
	if (fsync(dfd) != 0) {
		ret = mo_errorf(error_r, MO_ERR_IO, "cannot sync %s: %s", dir,
				strerror(errno));
		goto out;
	}
	ret = MO_OK;
out:
	if (fd >= 0)
		close(fd);
	if (tmp_exists)
		(void)unlinkat(dfd, tmp, 0);
	free(tmp);
	return ret;
}
