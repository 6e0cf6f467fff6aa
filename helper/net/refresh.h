/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_REFRESH_H
#define MAILOAUTH_NET_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include "apptoken.h"
#include "config.h"
#include "http.h"
#include "oauth.h"
#include "store.h"

/*
 * Single-flight refresh: for each account, under its store lock,
 * re-read the store; when the access token is (now) fresh enough, or
 * another process refreshed it while we waited for the lock, use it,
 * else ask the token endpoint (refresh_token grant, or client_credentials
 * for flow = client_credentials), SAVE the reply (the rotated refresh token
 * first of all), and only then hand out the access token.  An error reply
 * or a network failure leaves the stored file byte for byte as it was.
 */

/* Seconds to wait for another process's refresh of the same account. */
#define MO_REFRESH_LOCK_WAIT 120

struct mo_refresh_job {
	/* in */
	const struct mo_account *acct;
	long min_valid;		/* refresh unless valid for more than this many
				   seconds (usually acct->refresh_margin) */
	bool force;		/* refresh even when fresh */
	/* called once when the job ends (also when it ends inside
	 * mo_refresh_job_start()); may start other jobs.  NULL: none */
	void (*on_done)(struct mo_refresh_job *job, void *arg);
	void *on_done_arg;
	/* out, once done */
	int result;		/* MO_OK or an error code */
	char *error;		/* malloc'd message when result != MO_OK */
	bool refreshed;		/* a request was made and its reply saved */
	struct mo_token tok;	/* the stored tokens after the job (MO_OK) */
	/* private */
	int lock_fd;
	struct mo_apptoken app;	/* flow = client_credentials: the shared
				   app token's lock, taken after lock_fd */
	bool done;
	bool busy;		/* lock held by another process (non-blocking start) */
	bool waited;		/* the lock was busy when the job started */
	int64_t t0;		/* when the job (or the run) started: a token
				   obtained since is as new as ours would be;
				   0: set by mo_refresh_job_start() */
};

/* Initialises a job for acct (on_done NULL: set it afterwards). */
void mo_refresh_job_init(struct mo_refresh_job *job,
			 const struct mo_account *acct, long min_valid,
			 bool force);

/*
 * Starts a job: takes the lock (waiting up to lock_wait seconds; 0: do not
 * wait, then job->busy is set and nothing else happens), re-reads the store
 * (for flow = client_credentials, when the stored token will not do, the
 * shared app token (apptoken.h), under its own lock taken the same way:
 * with lock_wait 0 and that lock busy, the account's lock is released
 * again and job->busy set)
 * and either finishes at once (fresh, or an error) or queues the token
 * request on h; mo_http_run() finishes it.  job->done tells which.
 */
void mo_refresh_job_start(struct mo_http *h, struct mo_refresh_job *job,
			  int lock_wait);

/* Wipes and frees what the job holds; releases the lock if still held. */
void mo_refresh_job_clear(struct mo_refresh_job *job);

/*
 * One account, synchronously: start + run.  On MO_OK *tok (zeroed first)
 * has the stored tokens with a fresh access token; clear it with
 * mo_token_clear().  Errors: MO_ERR_REAUTH (nothing stored, or the grant is
 * gone: sign in again), MO_ERR_TEMP/MO_ERR_TIMEOUT (try again later: the
 * stored tokens are intact), MO_ERR_CONFIG, MO_ERR_PERM ...; *error_r
 * malloc'd.
 */
int mo_refresh_account(struct mo_http *h, const struct mo_account *a,
		       long min_valid, bool force, struct mo_token *tok,
		       char **error_r);

/*
 * For sign-in flows and import: saves a token reply as the account's new
 * tokens, under the account's lock (waiting up to MO_REFRESH_LOCK_WAIT s),
 * replacing whatever was stored.  reply's secrets are moved out.  On MO_OK
 * *tok (may be NULL) receives the saved tokens.  Errors as mo_store_save().
 */
int mo_refresh_store_reply(const struct mo_account *a,
			   struct mo_token_reply *reply, struct mo_token *tok,
			   char **error_r);

#endif
