/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "tap.h"

int
fx_tmpdir(char *buf, size_t n, const char *prefix, mode_t mode)
{
	const char *base = getenv("TMPDIR");
	int len;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	len = snprintf(buf, n, "%s/%s.XXXXXX", base, prefix);
	if (len < 0 || (size_t)len >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdtemp(buf) == NULL)
		return -1;
	return chmod(buf, mode);
}

int
fx_write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	int saved;

	if (f == NULL)
		return -1;
	if (fputs(text, f) == EOF) {
		saved = errno;
		fclose(f);
		errno = saved;
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0)
		tap_diag("could not remove %s: %s", path, strerror(errno));
	return 0;
}

void
fx_rmtree(const char *dir)
{
	if (dir == NULL || *dir == '\0')
		return;
	if (getenv("MO_TEST_KEEP") != NULL) {
		tap_diag("kept %s", dir);
		return;
	}
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
		tap_diag("could not remove %s: %s", dir, strerror(errno));
}
