/* SPDX-License-Identifier: MIT */
/* The secret line writer (lib/tokenout.h). */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "tap.h"
#include "tokenout.h"

/* What mo_write_secret_line() put into a fresh temporary file. */
static char *
written(const char *s, int *ret_r, size_t *len_r)
{
	FILE *f = tmpfile();
	char *got;
	long n;

	*ret_r = -999;
	*len_r = 0;
	if (f == NULL)
		return NULL;
	*ret_r = mo_write_secret_line(fileno(f), s);
	n = lseek(fileno(f), 0, SEEK_END);
	got = n >= 0 ? calloc(1, (size_t)n + 1) : NULL;
	if (got != NULL && (lseek(fileno(f), 0, SEEK_SET) != 0 ||
			    read(fileno(f), got, (size_t)n) != n)) {
		free(got);
		got = NULL;
	}
	*len_r = n >= 0 ? (size_t)n : 0;
	fclose(f);
	return got;
}

int
main(void)
{
	static const size_t sizes[] = { 0, 1, 1500, 8191, 300000 };
	int fds[2], ret;
	size_t i, len;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *s = malloc(sizes[i] + 1), *got;
		size_t k;

		if (s == NULL)
			return 99;
		for (k = 0; k < sizes[i]; k++)
			s[k] = "AZaz09-._~+/"[k % 12];
		s[sizes[i]] = '\0';
		got = written(s, &ret, &len);
		tap_is_int(ret, MO_OK, "a %zu-byte token: MO_OK", sizes[i]);
		tap_ok(got != NULL && len == sizes[i] + 1 && memcmp(got, s, sizes[i]) == 0 &&
		       got[sizes[i]] == '\n',
		       "a %zu-byte token: the token and one newline, nothing else", sizes[i]);
		free(got);
		free(s);
	}

	errno = 0;
	tap_is_int(mo_write_secret_line(-1, "tok"), MO_ERR_IO, "a bad descriptor: MO_ERR_IO");
	tap_is_int(errno, EBADF, "... with write(2)'s errno (EBADF)");

	signal(SIGPIPE, SIG_IGN);
	if (pipe(fds) != 0)
		return 99;
	close(fds[0]);
	errno = 0;
	tap_is_int(mo_write_secret_line(fds[1], "tok"), MO_ERR_IO,
		   "a reader that went away: MO_ERR_IO");
	tap_is_int(errno, EPIPE, "... with errno EPIPE");
	close(fds[1]);
	return tap_done();
}
