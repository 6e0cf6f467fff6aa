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

/* Reads what is available on fd into b; past the cap what still fits is
 * kept, the rest dropped and *overflow set (to MO_ERR_TOOBIG, or
 * MO_ERR_NOMEM when b could not grow).  Returns 1 on EOF, 0 otherwise, -1
 * on error. */
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
	/* A long message keeps its start: the line a caller shows. */
	if (!*overflow && (rc = mo_buf_add(b, chunk, (size_t)n)) != MO_OK) {
		if (rc == MO_ERR_TOOBIG && b->len < b->max)
			rc = mo_buf_add(b, chunk, b->max - b->len) == MO_OK ? MO_ERR_TOOBIG
									 : MO_ERR_NOMEM;
		*overflow = rc;
	}
	/* chunk may hold a token, a key or a passphrase: a wipe the compiler
	 * cannot drop, unlike a memset() of a local array about to die */
	mo_wipe(chunk, (size_t)n);
	return 0;
}

/* The child's file actions and attributes: stdin /dev/null, stdout and
 * stderr into out_fd and err_fd, nothing else the host has open where the
 * system can close it, signals unblocked and at their defaults (the host
 * may block or ignore them).  0 with both initialised, -1 with neither. */
static int
spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, int out_fd, int err_fd)
{
	sigset_t none, defaults;

	if (posix_spawn_file_actions_init(fa) != 0)
		return -1;
	if (posix_spawnattr_init(attr) != 0) {
		posix_spawn_file_actions_destroy(fa);
		return -1;
	}
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGQUIT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGHUP);
	sigaddset(&defaults, SIGALRM);
	if (posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(fa, out_fd, 1) != 0 ||
	    posix_spawn_file_actions_adddup2(fa, err_fd, 2) != 0 ||
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	    posix_spawn_file_actions_addclosefrom_np(fa, 3) != 0 ||
#endif
	    posix_spawnattr_setsigmask(attr, &none) != 0 ||
	    posix_spawnattr_setsigdefault(attr, &defaults) != 0 ||
	    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0) {
		posix_spawn_file_actions_destroy(fa);
		posix_spawnattr_destroy(attr);
		return -1;
	}
	return 0;
}

/* Reads the child's stdout (*ofd) into out and its stderr (*efd) into err
 * until it has closed both (each descriptor is closed and set to -1 at its
 * end) or until deadline.  MO_OK, MO_ERR_TIMEOUT, MO_ERR_IO, MO_ERR_TOOBIG
 * (more on stdout than out takes), MO_ERR_NOMEM; *error_r static. */
static int
collect(int *ofd, int *efd, int64_t deadline, struct mo_buf *out, struct mo_buf *err,
	const char **error_r)
{
	int out_over = 0, err_over = 0;

	while (*ofd >= 0 || *efd >= 0) {
		struct pollfd pfd[2];
		int64_t left = deadline - mo_now_ms();
		int n = 0, i, rc;

		if (left <= 0) {
			*error_r = "the program did not finish in time";
			return MO_ERR_TIMEOUT;
		}
		if (*ofd >= 0)
			pfd[n++] = (struct pollfd){ .fd = *ofd, .events = POLLIN };
		if (*efd >= 0)
			pfd[n++] = (struct pollfd){ .fd = *efd, .events = POLLIN };
		rc = poll(pfd, (nfds_t)n, left > 1000 ? 1000 : (int)left);
		if (rc < 0 && errno != EINTR) {
			*error_r = "cannot wait for the program";
			return MO_ERR_IO;
		}
		for (i = 0; rc > 0 && i < n; i++) {
			int *fdp = pfd[i].fd == *ofd ? ofd : efd;

			if (pfd[i].revents == 0)
				continue;
			if ((fdp == ofd ? drain(*fdp, out, &out_over)
					: drain(*fdp, err, &err_over)) != 0) {
				close(*fdp);
				*fdp = -1;
			}
		}
		if (out_over) {
			*error_r = out_over == MO_ERR_NOMEM ? "out of memory" :
				   "the program printed more than expected";
			return out_over == MO_ERR_NOMEM ? MO_ERR_NOMEM : MO_ERR_TOOBIG;
		}
	}
	return MO_OK;
}

/* Waits for pid until deadline: a child may close its output and go on
 * running.  MO_OK with *status_r, or with *status_r untouched when the
 * host ignores SIGCHLD (the child was reaped for us and its status is
 * lost); MO_ERR_TIMEOUT.  Most children are gone by the first look; the
 * others are looked at again after 50 us, doubling up to 50 ms. */
static int
reap(pid_t pid, int64_t deadline, int *status_r)
{
	long nap_us = 50;

	for (;;) {
		pid_t rc = waitpid(pid, status_r, WNOHANG);
		struct timespec ts;

		if (rc == pid || (rc < 0 && errno != EINTR))
			return MO_OK;
		if (rc < 0)
			continue;
		if (mo_now_ms() >= deadline)
			return MO_ERR_TIMEOUT;
		ts.tv_sec = 0;
		ts.tv_nsec = nap_us * 1000;
		(void)nanosleep(&ts, NULL);
		if (nap_us < 50000)
			nap_us *= 2;
	}
}

int
mo_spawn_capture(char *const argv[], char *const envp[], int timeout_ms,
		 struct mo_buf *out, struct mo_buf *err, int *exit_r,
		 const char **error_r)
{
	static char *const empty_env[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 };
	int setup_ok = 0, ret = MO_ERR_IO, status = -1, rc;
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
	if (spawn_setup(&fa, &attr, opipe[1], epipe[1]) != 0) {
		*error_r = "cannot prepare the child process";
		goto out;
	}
	setup_ok = 1;
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
	ret = collect(&opipe[0], &epipe[0], deadline, out, err, error_r);
	if (ret == MO_OK) {
		ret = reap(pid, deadline, &status);
		if (ret != MO_OK)
			*error_r = "the program did not finish in time";
	}
	if (ret != MO_OK) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	/* status -1 (SIGCHLD ignored by the host, the child reaped for us):
	 * "unknown", but the run itself succeeded; the caller judges by the
	 * output. */
	if (status != -1 && WIFEXITED(status))
		*exit_r = WEXITSTATUS(status);
out:
	close_pair(opipe);
	close_pair(epipe);
	if (setup_ok) {
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&attr);
	}
	return ret;
}
