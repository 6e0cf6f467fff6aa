/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth refresh [ACCOUNT...|--all] [--if-expiring-within SECONDS]`, for
 * cron and systemd timers.  Without --if-expiring-within every named
 * account is refreshed now.  Many accounts run at once: up to MAX_ACTIVE
 * single-flight jobs (refresh.h) share one HTTP context and its kept-
 * alive connections.  An account whose lock another process holds is not
 * waited for while the others run; it is done last, waiting for the lock
 * (by then the other process has usually refreshed it).
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "cmd.h"
#include "log.h"
#include "notify.h"
#include "refresh.h"
#include "store.h"

#define MAX_ACTIVE 32

struct run {
	struct mo_net_ctx *ctx;
	struct mo_refresh_job *jobs;
	size_t n;
	size_t next;		/* next job to start */
	size_t active;
	bool filling;
	size_t ok, refreshed, failed;
	int code;		/* exit code of the first failure */
};

static void fill(struct run *r);

static void
report(struct run *r, struct mo_refresh_job *job)
{
	mo_notify_outcome(job->acct, job->result, job->error);
	if (job->result == MO_OK) {
		r->ok++;
		if (job->refreshed)
			r->refreshed++;
		mo_net_note(1, "account %s: %s, valid until %lld", job->acct->name,
			    job->refreshed ? "refreshed" : "still fresh",
			    (long long)job->tok.expires_at);
	} else {
		r->failed++;
		mo_net_err("%s", job->error ? job->error : mo_strerror(job->result));
		if (r->code == MO_EXIT_OK)
			r->code = mo_exit_code(job->result);
	}
	/* Nothing of the tokens is needed any longer. */
	mo_token_clear(&job->tok);
}

static void
job_done(struct mo_refresh_job *job, void *arg)
{
	struct run *r = arg;

	r->active--;
	report(r, job);
	fill(r);
}

/* Starts jobs until MAX_ACTIVE run; not re-entered from job_done. */
static void
fill(struct run *r)
{
	struct mo_refresh_job *job;

	if (r->filling)
		return;
	r->filling = true;
	while (r->active < MAX_ACTIVE && r->next < r->n) {
		job = &r->jobs[r->next++];
		r->active++;
		mo_refresh_job_start(r->ctx->http, job, 0);
		if (job->busy) {
			r->active--;
			mo_net_note(1, "account %s: busy elsewhere; coming back to it at "
				       "the end", job->acct->name);
		}
	}
	r->filling = false;
}

int
mo_cmd_refresh(struct mo_net_ctx *ctx, int argc, char **argv)
{
	struct run r = { .ctx = ctx, .code = MO_EXIT_OK };
	const struct mo_account **accts = NULL;
	int64_t t0 = (int64_t)time(NULL);
	long within = -1;
	bool all = false;
	size_t n = 0, k;
	char *end;
	int i, code = MO_EXIT_USAGE;

	accts = calloc((size_t)argc + ctx->cfg->n_accounts + 1, sizeof(*accts));
	if (accts == NULL)
		return MO_EXIT_FAILURE;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0) {
			all = true;
		} else if (strcmp(argv[i], "--if-expiring-within") == 0 && i + 1 < argc) {
			errno = 0;
			within = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || within < 0) {
				mo_net_err("--if-expiring-within needs a number of seconds");
				goto out;
			}
		} else if (argv[i][0] == '-') {
			mo_net_err("unknown option '%s'", argv[i]);
			goto usage;
		} else {
			accts[n] = mo_net_account(ctx, argv[i]);
			if (accts[n] == NULL) {
				code = MO_EXIT_CONFIG;
				goto out;
			}
			n++;
		}
	}
	if (all == (n > 0))
		goto usage;
	if (all)
		for (k = 0; k < ctx->cfg->n_accounts; k++)
			accts[n++] = &ctx->cfg->accounts[k];

	r.jobs = calloc(n ? n : 1, sizeof(*r.jobs));
	if (r.jobs == NULL) {
		code = MO_EXIT_FAILURE;
		goto out;
	}
	r.n = n;
	for (k = 0; k < n; k++) {
		mo_refresh_job_init(&r.jobs[k], accts[k], within >= 0 ? within : 0, within < 0);
		/* One start for the run: a token another job (or process)
		 * obtained since, an app token shared by many accounts above
		 * all, counts as refreshed by this run. */
		r.jobs[k].t0 = t0;
		r.jobs[k].on_done = job_done;
		r.jobs[k].on_done_arg = &r;
	}
	fill(&r);
	if (mo_http_run(ctx->http) != MO_OK) {
		mo_net_err("libcurl failed");
		code = MO_EXIT_SOFTWARE;
		goto out;
	}
	/* The accounts another process was busy with: wait for their locks. */
	for (k = 0; k < n; k++) {
		if (!r.jobs[k].busy)
			continue;
		r.jobs[k].busy = false;
		r.active++;
		mo_refresh_job_start(ctx->http, &r.jobs[k], MO_REFRESH_LOCK_WAIT);
		if (mo_http_run(ctx->http) != MO_OK) {
			code = MO_EXIT_SOFTWARE;
			goto out;
		}
	}
	mo_net_note(1, "%zu account%s: %zu refreshed, %zu still fresh, %zu failed", n,
		    n == 1 ? "" : "s", r.refreshed, r.ok - r.refreshed, r.failed);
	code = r.code;
	goto out;
usage:
	mo_net_err("usage: mailoauth refresh [ACCOUNT...|--all] [--if-expiring-within SECONDS]");
	code = MO_EXIT_USAGE;
out:
	for (k = 0; r.jobs != NULL && k < r.n; k++)
		mo_refresh_job_clear(&r.jobs[k]);
	free(r.jobs);
	free(accts);
	return code;
}
