/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "errors.h"
#include "secret.h"
#include "subproc.h"

/* A close-on-exec pipe whose ends are both >= 3, so that dup2() onto 1 and
 * 2 in the child always creates a fresh, inheritable descriptor even when
 * the host process runs with stdout or stderr closed. */
static int
make_pipe(int fds[2])
{
	int raw[2], i;

	if (pipe(raw) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fds[i] = fcntl(raw[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0) {
			if (i == 1)
				close(fds[0]);
			close(raw[0]);
			close(raw[1]);
			return -1;
		}
	}
	close(raw[0]);
	close(raw[1]);
	return 0;
}

static void
close_pair(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = fds[1] = -1;
}

/* Reads what is available on fd into b; past the cap the data is dropped
 * and *overflow set (to MO_ERR_TOOBIG, or MO_ERR_NOMEM when b could not
 * grow).  Returns 1 on EOF, 0 otherwise, -1 on error. */
static int
drain(int fd, struct mo_buf *b, int *overflow)
{
	char chunk[4096];
	ssize_t n;
	int rc;

	n = read(fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return 1;
	if (!*overflow && (rc = mo_buf_add(b, chunk, (size_t)n)) != MO_OK)
		*overflow = rc;
	/* chunk may hold a token, a key or a passphrase: a wipe the compiler
	 * cannot drop, unlike a memset() of a local array about to die */
	mo_wipe(chunk, (size_t)n);
	return 0;
}

int
mo_spawn_capture(char *const argv[], char *const envp[], int timeout_ms,
		 struct mo_buf *out, struct mo_buf *err, int *exit_r,
		 const char **error_r)
{
	static char *const empty_env[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	int opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 };
	int fa_ok = 0, attr_ok = 0, ret = MO_ERR_IO;
	int out_over = 0, err_over = 0, status = 0, rc;
	int64_t deadline;
	pid_t pid = -1;

	*exit_r = -1;
	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/') {
		*error_r = "the program path is not absolute";
		return MO_ERR_INTERNAL;
	}
	if (access(argv[0], X_OK) != 0) {
		*error_r = "the program does not exist or cannot be executed here";
		return MO_ERR_NOENT;
	}
	if (make_pipe(opipe) != 0 || make_pipe(epipe) != 0) {
		*error_r = "cannot create a pipe";
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		*error_r = "cannot prepare the child process";
		goto out;
	}
	fa_ok = 1;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, opipe[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, epipe[1], 2) != 0
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	    /* Whatever the host process has open stays out of the child. */
	    || posix_spawn_file_actions_addclosefrom_np(&fa, 3) != 0
#endif
	    ) {
		*error_r = "cannot prepare the child process";
		goto out;
	}
	if (posix_spawnattr_init(&attr) != 0) {
		*error_r = "cannot prepare the child process";
		goto out;
	}
	attr_ok = 1;
	/* The host may block or ignore signals; the child starts clean. */
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGQUIT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGHUP);
	sigaddset(&defaults, SIGALRM);
	if (posix_spawnattr_setsigmask(&attr, &none) != 0 ||
	    posix_spawnattr_setsigdefault(&attr, &defaults) != 0 ||
	    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF) != 0) {
		*error_r = "cannot prepare the child process";
		goto out;
	}
	rc = posix_spawn(&pid, argv[0], &fa, &attr, argv,
			 envp != NULL ? envp : empty_env);
	if (rc != 0) {
		pid = -1;
		*error_r = "the program does not exist or cannot be executed here";
		ret = rc == ENOENT || rc == EACCES || rc == ENOEXEC ? MO_ERR_NOENT : MO_ERR_IO;
		goto out;
	}
	close(opipe[1]);
	close(epipe[1]);
	opipe[1] = epipe[1] = -1;

	deadline = mo_now_ms() + timeout_ms;
	while (opipe[0] >= 0 || epipe[0] >= 0) {
		struct pollfd pfd[2];
		int64_t left = deadline - mo_now_ms();
		int n = 0, i;

		if (left <= 0) {
			*error_r = "the program did not finish in time";
			ret = MO_ERR_TIMEOUT;
			goto kill_child;
		}
		if (opipe[0] >= 0)
			pfd[n++] = (struct pollfd){ .fd = opipe[0], .events = POLLIN };
		if (epipe[0] >= 0)
			pfd[n++] = (struct pollfd){ .fd = epipe[0], .events = POLLIN };
		rc = poll(pfd, (nfds_t)n, left > 1000 ? 1000 : (int)left);
		if (rc < 0 && errno != EINTR) {
			*error_r = "cannot wait for the program";
			goto kill_child;
		}
		for (i = 0; rc > 0 && i < n; i++) {
			int *fdp = pfd[i].fd == opipe[0] ? &opipe[0] : &epipe[0];
			int r;

			if (pfd[i].revents == 0)
				continue;
			r = fdp == &opipe[0] ? drain(*fdp, out, &out_over)
					     : drain(*fdp, err, &err_over);
			if (r != 0) {
				close(*fdp);
				*fdp = -1;
			}
		}
		if (out_over) {
			*error_r = out_over == MO_ERR_NOMEM ? "out of memory" :
				   "the program printed more than expected";
			ret = out_over == MO_ERR_NOMEM ? MO_ERR_NOMEM : MO_ERR_TOOBIG;
			goto kill_child;
		}
	}
	for (;;) {
		rc = (int)waitpid(pid, &status, 0);
		if (rc == pid || errno != EINTR)
			break;
	}
	pid = -1;
	if (rc < 0) {
		/* SIGCHLD ignored by the host: the child was reaped for us and
		 * its status is lost.  Report "unknown" (-1) but success of the
		 * run itself: the caller judges by the output. */
		*exit_r = -1;
	} else if (WIFEXITED(status)) {
		*exit_r = WEXITSTATUS(status);
	} else {
		*exit_r = -1;
	}
	ret = MO_OK;
	goto out;

kill_child:
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
out:
	close_pair(opipe);
	close_pair(epipe);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	return ret;
}
