/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "secret.h"
#include "tokenout.h"

int
mo_write_secret_line(int fd, const char *s)
{
	size_t len = strlen(s), off = 0;
	char *line = malloc(len + 1);
	int ret = MO_OK, saved = 0;

	if (line == NULL)
		return MO_ERR_NOMEM;
	memcpy(line, s, len);
	line[len] = '\n';
	while (off < len + 1) {
		ssize_t n = write(fd, line + off, len + 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n < 0 ? errno : EIO;
			ret = MO_ERR_IO;
			break;
		}
		off += (size_t)n;
	}
	mo_freezero(line, len + 1);
	if (ret != MO_OK)
		errno = saved;
	return ret;
}
