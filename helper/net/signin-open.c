/* SPDX-License-Identifier: MIT */
/* Starting the user's web browser with xdg-open: no shell, quiet. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

#include "errmsg.h"
#include "errors.h"
#include "signin.h"

extern char **environ;

int
mo_signin_open_url(const char *url, pid_t *pid_r, char **error_r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	char *argv[] = { (char *)"xdg-open", (char *)url, NULL };
	int err, i;

	*pid_r = -1;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return mo_errorf(error_r, MO_ERR_NOMEM, "out of memory");
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return mo_errorf(error_r, MO_ERR_NOMEM, "out of memory");
	}
	/* The browser must not write over our terminal or read from it. */
	for (i = 0, err = 0; i < 3 && err == 0; i++)
		err = posix_spawn_file_actions_addopen(&fa, i, "/dev/null",
						       i == 0 ? O_RDONLY : O_WRONLY, 0);
	/* Our Ctrl-C handler must not be inherited as "ignored" or blocked. */
	sigemptyset(&none);
	if (err == 0)
		err = posix_spawnattr_setsigmask(&attr, &none);
	if (err == 0)
		err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	if (err == 0)
		err = posix_spawnp(pid_r, "xdg-open", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		*pid_r = -1;
		return mo_errorf(error_r, err == ENOENT ? MO_ERR_NOENT : MO_ERR_IO,
				 "cannot start xdg-open: %s", strerror(err));
	}
	return MO_OK;
}

void
mo_signin_reap(pid_t pid)
{
	int status;

	if (pid > 0)
		(void)waitpid(pid, &status, WNOHANG);
}
