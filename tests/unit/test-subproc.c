/* SPDX-License-Identifier: MIT */
/*
 * mo_spawn_capture (lib/subproc.h), which the SASL plugin and connect use
 * to run `mailoauth token` inside someone else's process, and the back end
 * to run the credential and notify commands: what the child prints and
 * its status, the caps and the deadline, a program that cannot run, and
 * the clean start (no descriptor, blocked or ignored signal of the host
 * reaches the child).
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "errors.h"
#include "subproc.h"
#include "tap.h"

static char sh[] = "/bin/sh", dash_c[] = "-c";

struct run {
	struct mo_buf out, err;
	int ret, status;
	const char *why;
	long long ms;
};

/* Runs /bin/sh -c script with stdout capped at out_max bytes. */
static void
run_sh(struct run *r, const char *script, size_t out_max, int timeout_ms, char *const envp[])
{
	char *argv[] = {sh, dash_c, (char *)script, NULL};
	long long t0 = mo_now_ms();

	mo_buf_init(&r->out, out_max);
	mo_buf_init(&r->err, 64);
	r->why = NULL;
	r->status = -2;
	r->ret = mo_spawn_capture(argv, envp, timeout_ms, &r->out, &r->err, &r->status, &r->why);
	r->ms = mo_now_ms() - t0;
}

static void
done(struct run *r)
{
	mo_buf_free(&r->out);
	mo_buf_free(&r->err);
}

static void
test_output_and_status(void)
{
	struct run r;

	run_sh(&r, "printf 'tok-123\\n'; echo oops >&2; exit 3", 1024, 5000, NULL);
	tap_is_int(r.ret, MO_OK, "a program that ran: MO_OK whatever its status");
	tap_is_int(r.status, 3, "its exit status");
	tap_is_str(mo_buf_str(&r.out), "tok-123\n", "its stdout");
	tap_is_str(mo_buf_str(&r.err), "oops\n", "its stderr, apart");
	done(&r);

	run_sh(&r, "kill -KILL $$", 1024, 5000, NULL);
	tap_is_int(r.ret, MO_OK, "killed by a signal: still MO_OK");
	tap_is_int(r.status, -1, "... with status -1");
	done(&r);

	run_sh(&r,
	       "i=0; while [ $i -lt 200 ]; do echo 0123456789012345678901234567890123456789; "
	       "i=$((i + 1)); done >&2; echo fine",
	       1024, 5000, NULL);
	tap_is_int(r.ret, MO_OK, "8 KB on stderr with room for 64: MO_OK");
	tap_ok(r.err.len == 64 && strncmp(mo_buf_str(&r.err), "0123456789", 10) == 0,
	       "stderr cut at its cap, its beginning kept (%zu bytes)", r.err.len);
	tap_is_str(mo_buf_str(&r.out), "fine\n", "stdout whole");
	done(&r);
}

/* The caps and the deadline.  The programs end in `exec sleep` so that
 * the process killed is the one that lingers. */
static const struct limit {
	const char *what, *script;
	size_t out_max;
	int timeout_ms, want, min_ms, max_ms;
	const char *why;
} limits[] = {
	{"more on stdout than its cap, killed at once",
	 "head -c 100000 /dev/zero | tr '\\0' x; exec sleep 30", 1000, 20000, MO_ERR_TOOBIG, 0,
	 10000, "more than expected"},
	{"still running at the deadline", "echo started; exec sleep 30", 1024, 300, MO_ERR_TIMEOUT,
	 290, 5000, "in time"},
	{"closed its output and lingers: the deadline, not its end",
	 "exec >/dev/null 2>&1; exec sleep 30", 1024, 300, MO_ERR_TIMEOUT, 290, 5000, "in time"},
};

static void
test_limits(void)
{
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const struct limit *l = &limits[i];

		run_sh(&r, l->script, l->out_max, l->timeout_ms, NULL);
		tap_is_int(r.ret, l->want, "%s: %s", l->what, mo_strerror(l->want));
		tap_ok(r.ms >= l->min_ms && r.ms < l->max_ms, "%s: after %lld ms, within %d-%d",
		       l->what, r.ms, l->min_ms, l->max_ms);
		tap_ok(r.why != NULL && strstr(r.why, l->why) != NULL, "%s: says so: %s", l->what,
		       r.why != NULL ? r.why : "(none)");
		done(&r);
	}
}

static void
test_cannot_run(void)
{
	struct mo_buf out, err;
	char rel[] = "bin/true", missing[] = "/nonexistent/mailoauth-test";
	char *argv_rel[] = {rel, NULL}, *argv_missing[] = {missing, NULL};
	const char *why = NULL;
	int status = 7;

	mo_buf_init(&out, 16);
	mo_buf_init(&err, 16);
	tap_is_int(mo_spawn_capture(argv_rel, NULL, 1000, &out, &err, &status, &why),
		   MO_ERR_INTERNAL, "a relative path: MO_ERR_INTERNAL, no PATH search");
	tap_is_int(status, -1, "... and no status");
	tap_is_int(mo_spawn_capture(argv_missing, NULL, 1000, &out, &err, &status, &why),
		   MO_ERR_NOENT, "a missing program: MO_ERR_NOENT");
	tap_ok(why != NULL && strstr(why, "does not exist") != NULL, "says so: %s",
	       why != NULL ? why : "(none)");
	mo_buf_free(&out);
	mo_buf_free(&err);
}

static void
test_clean_start(void)
{
	char env_a[] = "MO_TEST_A=1", *envp[] = {env_a, NULL};
	struct sigaction ign, old_pipe;
	sigset_t block, old_mask;
	struct run r;
	char script[128];
	int fd;

	run_sh(&r, "echo \"[${HOME-unset}] [$MO_TEST_A]\"", 1024, 5000, NULL);
	tap_is_str(mo_buf_str(&r.out), "[unset] []\n", "envp NULL: an empty environment");
	done(&r);
	run_sh(&r, "echo \"[$MO_TEST_A]\"", 1024, 5000, envp);
	tap_is_str(mo_buf_str(&r.out), "[1]\n", "envp: exactly what is passed");
	done(&r);

	/* A descriptor of the host without O_CLOEXEC, as a careless host
	 * has: the child must not see it (the shell's own test, no program
	 * that would open descriptors of its own). */
	fd = open("/dev/null", O_RDONLY);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	snprintf(script, sizeof(script),
		 "if [ -e /dev/fd/%d ]; then echo open; else echo closed; fi", fd);
	run_sh(&r, script, 1024, 5000, NULL);
	tap_is_str(mo_buf_str(&r.out), "closed\n",
		   "descriptor %d the host left open is not "
		   "inherited",
		   fd);
	done(&r);
#else
	tap_ok(1, "# SKIP no posix_spawn_file_actions_addclosefrom_np here");
#endif
	run_sh(&r, "read x; echo \"read [$x] status $?\"", 1024, 5000, NULL);
	tap_is_str(mo_buf_str(&r.out), "read [] status 1\n", "stdin is /dev/null");
	done(&r);
	if (fd >= 0)
		close(fd);

	/* The host blocks SIGTERM and ignores SIGPIPE (as many daemons do):
	 * the child starts with both at their defaults. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);
	run_sh(&r, "kill -TERM $$; echo survived", 1024, 5000, NULL);
	tap_is_int(r.status, -1, "SIGTERM blocked in the host: the child dies of it");
	tap_is_str(mo_buf_str(&r.out), "", "... printing nothing after it");
	done(&r);
	/* With SIGPIPE ignored, `yes` would get EPIPE and complain. */
	run_sh(&r, "yes | head -c 10 >/dev/null; echo done", 1024, 5000, NULL);
	tap_is_str(mo_buf_str(&r.err), "",
		   "SIGPIPE ignored in the host: at its default in the "
		   "child (`yes` into a closed pipe dies quietly)");
	tap_is_str(mo_buf_str(&r.out), "done\n", "... and the script goes on");
	done(&r);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
}

int
main(void)
{
	test_output_and_status();
	test_limits();
	test_cannot_run();
	test_clean_start();
	return tap_done();
}
