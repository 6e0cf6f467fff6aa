/* SPDX-License-Identifier: MIT */
/*
 * Single-flight refresh (refresh.h): lock, re-read, decide, ask, save,
 * then hand out.  Nothing here deletes or rewrites the stored tokens unless
 * the identity provider returned new ones.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apptoken.h"
#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "log.h"
#include "notify.h"
#include "oauth.h"
#include "refresh.h"
#include "secret.h"
#include "store.h"
#include "storekey.h"

static int64_t
wall_now(void)
{
	return (int64_t)time(NULL);
}

void
mo_refresh_job_init(struct mo_refresh_job *job, const struct mo_account *acct,
		    long min_valid, bool force)
{
	memset(job, 0, sizeof(*job));
	job->acct = acct;
	job->min_valid = min_valid;
	job->force = force;
	job->lock_fd = -1;
	job->app.lock_fd = -1;
}

void
mo_refresh_job_clear(struct mo_refresh_job *job)
{
	mo_apptoken_release(&job->app);
	mo_store_unlock(job->lock_fd);
	job->lock_fd = -1;
	mo_token_clear(&job->tok);
	free(job->error);
	job->error = NULL;
}

/* Ends the job: releases the lock; error (malloc'd) is taken over. */
static void
job_end(struct mo_refresh_job *job, int result, char *error)
{
	mo_apptoken_release(&job->app);
	mo_store_unlock(job->lock_fd);
	job->lock_fd = -1;
	job->result = result;
	free(job->error);
	job->error = error;
	if (result != MO_OK && error == NULL)
		job->error = strdup(mo_strerror(result));
	if (result != MO_OK)
		mo_token_clear(&job->tok);
	job->done = true;
	if (job->on_done != NULL)
		job->on_done(job, job->on_done_arg);
}

/* The shared app tokens this process obtained (up to APPS_KEPT): a token
 * of the same second as a job's start counts as new only when it is one of
 * these, since store times are whole seconds. */
#define APPS_KEPT 64
static struct {
	char name[sizeof(((struct mo_apptoken *)0)->name)];
	int64_t obtained_at;
} apps_obtained[APPS_KEPT];
static size_t n_apps_obtained;

static void
remember_app_token(const struct mo_apptoken *at, int64_t obtained_at)
{
	size_t i;

	for (i = 0; i < n_apps_obtained; i++)
		if (strcmp(apps_obtained[i].name, at->name) == 0)
			break;
	if (i == APPS_KEPT)
		return;
	if (i == n_apps_obtained)
		n_apps_obtained++;
	memcpy(apps_obtained[i].name, at->name, sizeof(apps_obtained[i].name));
	apps_obtained[i].obtained_at = obtained_at;
}

/* Whether the shared token s was obtained since t0 (the job's or the run's
 * start). */
static bool
app_token_since(const struct mo_apptoken *at, const struct mo_token *s, int64_t t0)
{
	size_t i;

	if (s->obtained_at > t0)
		return true;
	for (i = 0; i < n_apps_obtained; i++)
		if (strcmp(apps_obtained[i].name, at->name) == 0)
			return apps_obtained[i].obtained_at == s->obtained_at &&
			       s->obtained_at >= t0;
	return false;
}

static void
on_reply(void *arg, int result, struct mo_token_reply *reply,
	 struct mo_oauth_error *err, const char *error)
{
	struct mo_refresh_job *job = arg;
	const struct mo_account *a = job->acct;
	char *serr = NULL;
	int ret;

	(void)err;
	if (result != MO_OK) {
		/* The stored file was not touched: nothing to undo. */
		job_end(job, result, mo_strdup_printf("account %s: %s", a->name, error));
		return;
	}
	ret = mo_token_apply_reply(&job->tok, a, reply, wall_now());
	if (ret != MO_OK) {
		job_end(job, ret, NULL);
		return;
	}
	/* The rotated refresh token is saved before anyone sees the new access
	 * token: the old one may already be invalid at the provider. */
	ret = mo_net_store_save(a, &job->tok, &serr);
	if (ret != MO_OK) {
		job_end(job, ret, mo_strdup_printf("account %s: cannot save the new tokens: %s",
						   a->name, serr ? serr : mo_strerror(ret)));
		free(serr);
		return;
	}
	mo_net_note(1, "account %s: new tokens saved (access token valid for %lld s)",
		    a->name, (long long)(job->tok.expires_at - wall_now()));
	/* The accounts sharing the app token find it from now on; when it
	 * cannot be saved they ask for their own, nothing worse. */
	if (job->app.lock_fd >= 0) {
		if (mo_apptoken_save(&job->app, &job->tok, &serr) == MO_OK) {
			remember_app_token(&job->app, job->tok.obtained_at);
		} else {
			mo_net_warn("account %s: cannot save the shared app token: %s",
				    a->name, serr ? serr : "?");
			free(serr);
			serr = NULL;
		}
	}
	job->refreshed = true;
	job_end(job, MO_OK, NULL);
}

enum app_step { APP_ASK, APP_DONE, APP_BUSY };

/* Moves *from into *to (freeing, wiping, what *to held). */
static void
take_secret(char **to, char **from)
{
	mo_free_secret(*to);
	*to = *from;
	*from = NULL;
}

/*
 * flow = client_credentials, the stored token will not do: takes the
 * shared app token's lock (the account's is held) and uses the shared
 * token when it will do, copied into the account's store (the fast path
 * and the SASL plugin read only that).  APP_ASK: a request is needed and
 * the lock is held until the reply is saved; APP_DONE: job_end() was
 * called; APP_BUSY: lock_wait is 0 and another holds the lock: both locks
 * released, job->busy set.
 */
static enum app_step
app_token_step(struct mo_refresh_job *job, int lock_wait)
{
	const struct mo_account *a = job->acct;
	struct mo_token s = { 0 };
	char *error = NULL;
	int64_t now = wall_now();
	bool usable;
	int ret;

	ret = mo_apptoken_lock(a, 0, &job->app, &error);
	if (ret == MO_ERR_TIMEOUT) {
		free(error);
		error = NULL;
		mo_apptoken_release(&job->app);
		if (lock_wait == 0) {
			mo_store_unlock(job->lock_fd);
			job->lock_fd = -1;
			job->busy = true;
			return APP_BUSY;
		}
		mo_net_note(1, "account %s: the app token it shares is being requested; waiting",
			    a->name);
		ret = mo_apptoken_lock(a, lock_wait, &job->app, &error);
	}
	if (ret != MO_OK) {
		job_end(job, ret, error);
		return APP_DONE;
	}
	ret = mo_apptoken_load(&job->app, &s, &error);
	if (ret == MO_ERR_NOENT || ret == MO_ERR_PARSE) {
		/* Nothing shared yet, or a damaged file the reply replaces. */
		if (ret == MO_ERR_PARSE)
			mo_net_note(1, "account %s: %s", a->name, error);
		free(error);
		return APP_ASK;
	}
	if (ret != MO_OK) {
		job_end(job, ret, error);
		return APP_DONE;
	}
	/* Not the token a mail server refused for this account; fresh enough,
	 * or obtained since this job (or this refresh run) started. */
	usable = s.access_token != NULL && s.client_id != NULL &&
		 strcmp(s.client_id, a->client_id) == 0 &&
		 !(job->tok.refused_at != 0 && job->tok.access_token != NULL &&
		   strcmp(job->tok.access_token, s.access_token) == 0) &&
		 ((!job->force && mo_token_fresh(&s, now, job->min_valid)) ||
		  (app_token_since(&job->app, &s, job->t0) && mo_token_fresh(&s, now, 0)));
	if (!usable) {
		mo_token_clear(&s);
		return APP_ASK;
	}
	take_secret(&job->tok.access_token, &s.access_token);
	take_secret(&job->tok.token_type, &s.token_type);
	take_secret(&job->tok.scope, &s.scope);
	take_secret(&job->tok.client_id, &s.client_id);
	job->tok.expires_at = s.expires_at;
	job->tok.obtained_at = s.obtained_at;
	job->tok.refused_at = 0;
	mo_token_clear(&s);
	ret = mo_net_store_save(a, &job->tok, &error);
	if (ret != MO_OK) {
		job_end(job, ret, mo_strdup_printf("account %s: cannot save the shared app "
						   "token: %s", a->name,
						   error ? error : mo_strerror(ret)));
		free(error);
		return APP_DONE;
	}
	mo_net_note(1, "account %s: using the app token it shares with the accounts of "
		       "the same app (%lld s left)", a->name, (long long)(job->tok.expires_at - now));
	job_end(job, MO_OK, NULL);
	return APP_DONE;
}

void
mo_refresh_job_start(struct mo_http *h, struct mo_refresh_job *job, int lock_wait)
{
	const struct mo_account *a = job->acct;
	bool app_only = a->flow == MO_FLOW_CLIENT_CREDENTIALS;
	struct mo_buf form;
	char *error = NULL;
	int ret;

	mo_buf_init(&form, MO_FORM_MAX);
	if (job->t0 == 0)
		job->t0 = wall_now();
	ret = mo_store_lock(a->state_dir, a->name, 0, &job->lock_fd, &error);
	if (ret == MO_ERR_TIMEOUT) {
		free(error);
		error = NULL;
		job->waited = true;
		if (lock_wait == 0) {
			job->busy = true;
			goto out;
		}
		mo_net_note(1, "account %s: another mailoauth is refreshing it; waiting",
			    a->name);
		ret = mo_store_lock(a->state_dir, a->name, lock_wait, &job->lock_fd, &error);
	}
	if (ret != MO_OK) {
		job_end(job, ret, error);
		goto out;
	}
	/* Re-read under the lock: another process may have refreshed already. */
	mo_token_clear(&job->tok);
	ret = mo_net_store_load(a, &job->tok, &error);
	if (ret == MO_ERR_NOENT && !app_only) {
		free(error);
		job_end(job, MO_ERR_REAUTH,
			mo_strdup_printf("account %s is not signed in yet: run `mailoauth authorize %s` "
					 "(or `mailoauth import %s` to take over a refresh token)",
					 a->name, a->name, a->name));
		goto out;
	}
	if (ret != MO_OK && ret != MO_ERR_NOENT) {
		job_end(job, ret, error);
		goto out;
	}
	free(error);
	error = NULL;
	if (!job->force && mo_token_fresh(&job->tok, wall_now(), job->min_valid)) {
		mo_net_note(1, "account %s: the stored access token is fresh (%lld s left)",
			    a->name, (long long)(job->tok.expires_at - wall_now()));
		job_end(job, MO_OK, NULL);
		goto out;
	}
	/* Another process refreshed while we waited for the lock: its token
	 * is as new as ours would be (even when refresh_margin exceeds the
	 * token lifetime, or the refresh was forced). */
	if (job->waited && job->tok.obtained_at >= job->t0 &&
	    mo_token_fresh(&job->tok, wall_now(), 0)) {
		mo_net_note(1, "account %s: refreshed by another process just now", a->name);
		job_end(job, MO_OK, NULL);
		goto out;
	}
	if (app_only && mo_apptoken_shared(a)) {
		enum app_step step = app_token_step(job, lock_wait);

		if (step == APP_BUSY)
			mo_net_note(1, "account %s: another job is requesting the app token "
				       "it shares", a->name);
		if (step != APP_ASK)
			goto out;
	}
	if (app_only) {
		ret = mo_oauth_form_client_credentials(&form, a, &error);
	} else if (job->tok.refresh_token == NULL || *job->tok.refresh_token == '\0') {
		job_end(job, MO_ERR_REAUTH,
			mo_strdup_printf("account %s has no refresh token stored: run "
					 "`mailoauth authorize %s`", a->name, a->name));
		goto out;
	} else {
		ret = mo_oauth_form_refresh(&form, a, job->tok.refresh_token, &error);
	}
	if (ret != MO_OK) {
		job_end(job, ret, error);
		goto out;
	}
	mo_net_note(1, "account %s: %s (refresh_token=<hidden>)", a->name,
		    app_only ? "requesting an app-only token" : "refreshing the access token");
	ret = mo_oauth_token_start(h, a, &form, app_only ? "client credentials" : "token refresh",
				   on_reply, job, &error);
	if (ret != MO_OK)
		job_end(job, ret, error);
out:
	mo_buf_free(&form);
}

int
mo_refresh_account(struct mo_http *h, const struct mo_account *a, long min_valid,
		   bool force, struct mo_token *tok, char **error_r)
{
	struct mo_refresh_job job;
	int ret;

	memset(tok, 0, sizeof(*tok));
	*error_r = NULL;
	mo_refresh_job_init(&job, a, min_valid, force);
	mo_refresh_job_start(h, &job, MO_REFRESH_LOCK_WAIT);
	if (!job.done) {
		ret = mo_http_run(h);
		if (ret != MO_OK && !job.done)
			job_end(&job, ret, strdup("libcurl failed"));
	}
	if (!job.done)
		job_end(&job, MO_ERR_INTERNAL, NULL);
	ret = job.result;
	if (ret == MO_OK) {
		*tok = job.tok;
		memset(&job.tok, 0, sizeof(job.tok));
	} else {
		*error_r = job.error;
		job.error = NULL;
	}
	mo_refresh_job_clear(&job);
	return ret;
}

int
mo_refresh_store_reply(const struct mo_account *a, struct mo_token_reply *reply,
		       struct mo_token *tok, char **error_r)
{
	struct mo_token t = { 0 };
	char *err = NULL;
	int fd = -1, ret;

	*error_r = NULL;
	ret = mo_store_lock(a->state_dir, a->name, MO_REFRESH_LOCK_WAIT, &fd, error_r);
	if (ret != MO_OK)
		goto out;
	/* Keep what the reply does not replace (a refresh token when the
	 * reply has none, the identity ...) only when it belongs to the same
	 * app; a sign-in otherwise starts from nothing. */
	ret = mo_net_store_load(a, &t, &err);
	free(err);
	err = NULL;
	if (ret != MO_OK || t.client_id == NULL || a->client_id == NULL ||
	    strcmp(t.client_id, a->client_id) != 0)
		mo_token_clear(&t);
	ret = mo_token_apply_reply(&t, a, reply, wall_now());
	if (ret != MO_OK)
		goto out;
	ret = mo_net_store_save(a, &t, error_r);
	if (ret == MO_OK && tok != NULL) {
		*tok = t;
		memset(&t, 0, sizeof(t));
	}
out:
	mo_store_unlock(fd);
	mo_token_clear(&t);
	if (ret == MO_OK)
		mo_notify_outcome(a, MO_OK, NULL);	/* signed in: recovered */
	return ret;
}
