/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth status --prometheus`: the Prometheus text exposition format
 * (version 0.0.4, https://prometheus.io/docs/instrumenting/exposition_formats/),
 * for node_exporter's textfile collector: a cron job or timer writes it to
 * a .prom file (atomically: into a temporary file, then mv).  Every metric
 * is a gauge with # HELP and # TYPE lines and an "account" label.  Reads
 * the store and the state files only; never talks to the network.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "errors.h"
#include "grant.h"
#include "log.h"
#include "notify.h"
#include "store.h"

struct acct_data {
	const struct mo_account *a;
	struct mo_token t;
	bool stored;
	struct mo_account_state st;
	bool has_state;
	struct mo_grant g;
};

/* A label value: backslash, double quote and newline escaped. */
static void
put_label(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

typedef bool value_fn(const struct acct_data *d, double *v);

static bool
v_signed_in(const struct acct_data *d, double *v)
{
	*v = d->stored && (d->t.refresh_token != NULL || d->t.sealed != NULL ||
			   d->a->flow == MO_FLOW_CLIENT_CREDENTIALS) ? 1 : 0;
	return true;
}

static bool
v_expiry(const struct acct_data *d, double *v)
{
	*v = (double)d->t.expires_at;
	return d->stored && d->t.access_token != NULL;
}

static bool
v_refused(const struct acct_data *d, double *v)
{
	*v = d->t.refused_at > 0 ? 1 : 0;
	return d->stored && d->t.access_token != NULL;
}

static bool
v_last_refresh(const struct acct_data *d, double *v)
{
	*v = (double)d->t.obtained_at;
	return d->stored && d->t.obtained_at > 0;
}

static bool
v_grant_used(const struct acct_data *d, double *v)
{
	*v = (double)d->g.last_used;
	return d->g.known;
}

static bool
v_grant_age(const struct acct_data *d, double *v)
{
	*v = (double)((int64_t)time(NULL) - d->g.last_used);
	return d->g.known;
}

static bool
v_grant_end(const struct acct_data *d, double *v)
{
	*v = (double)d->g.ends_at;
	return d->g.known;
}

static bool
v_last_error(const struct acct_data *d, double *v)
{
	*v = d->has_state ? (double)d->st.last_error_at : 0;
	return true;
}

static bool
v_secret(const struct acct_data *d, double *v)
{
	*v = (double)d->a->client_secret_expires;
	return d->a->client_secret_expires > 0;
}

static const struct metric {
	const char *name;
	const char *help;
	value_fn *fn;
} metrics[] = {
	{ "mailoauth_signed_in", "1 when the account has a stored sign-in (or is app-only).",
	  v_signed_in },
	{ "mailoauth_access_token_expiry_timestamp_seconds",
	  "Unix time at which the stored access token expires.", v_expiry },
	{ "mailoauth_access_token_refused", "1 when a mail server refused the stored "
	  "access token before it expired (the next use refreshes it).", v_refused },
	{ "mailoauth_last_refresh_timestamp_seconds",
	  "Unix time at which the stored access token was obtained.", v_last_refresh },
	{ "mailoauth_grant_last_used_timestamp_seconds",
	  "Unix time at which the sign-in (refresh token) was last used.", v_grant_used },
	{ "mailoauth_grant_age_seconds",
	  "Seconds since the sign-in (refresh token) was last used; Microsoft ends it "
	  "after 90 days without use.", v_grant_age },
	{ "mailoauth_grant_inactivity_expiry_timestamp_seconds",
	  "Unix time at which the sign-in ends if it is not used before.", v_grant_end },
	{ "mailoauth_last_error_timestamp_seconds",
	  "Unix time of the last failure to get a token (0: none recorded).", v_last_error },
	{ "mailoauth_client_secret_expiry_timestamp_seconds",
	  "Unix time at which the configured client secret expires "
	  "(client_secret_expires).", v_secret },
};

int
mo_status_prometheus(struct mo_net_ctx *ctx, const char *name)
{
	struct acct_data *d;
	size_t n = 0, k, m;
	int code = MO_EXIT_OK, ret;
	int64_t now = (int64_t)time(NULL);
	static const char *const states[] = { "ok", "signin-needed", "refresh-failed" };

	d = calloc(ctx->cfg->n_accounts > 0 ? ctx->cfg->n_accounts : 1, sizeof(*d));
	if (d == NULL)
		return MO_EXIT_FAILURE;
	for (k = 0; k < ctx->cfg->n_accounts; k++) {
		const struct mo_account *a = &ctx->cfg->accounts[k];
		char *err = NULL;

		if (name != NULL && strcmp(a->name, name) != 0)
			continue;
		d[n].a = a;
		ret = mo_store_load(a->state_dir, a->name, &d[n].t, &err);
		if (ret != MO_OK && ret != MO_ERR_NOENT) {
			mo_net_err("account %s: %s", a->name, err ? err : mo_strerror(ret));
			code = mo_exit_code(ret);
		}
		free(err);
		d[n].stored = ret == MO_OK;
		d[n].has_state = mo_state_load(a, &d[n].st) == MO_OK;
		mo_grant_info(a, &d[n].t, now, &d[n].g);
		n++;
	}
	if (name != NULL && n == 0) {
		free(d);
		return mo_net_account(ctx, name) == NULL ? MO_EXIT_CONFIG : MO_EXIT_SOFTWARE;
	}
	for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		bool any = false;
		double v;

		for (k = 0; k < n && !any; k++)
			any = metrics[m].fn(&d[k], &v);
		if (!any)
			continue;
		printf("# HELP %s %s\n# TYPE %s gauge\n", metrics[m].name, metrics[m].help,
		       metrics[m].name);
		for (k = 0; k < n; k++) {
			if (!metrics[m].fn(&d[k], &v))
				continue;
			printf("%s{account=\"", metrics[m].name);
			put_label(d[k].a->name);
			printf("\"} %.0f\n", v);
		}
	}
	printf("# HELP mailoauth_state 1 for the account's health as the last token "
	       "request found it (ok, signin-needed, refresh-failed).\n"
	       "# TYPE mailoauth_state gauge\n");
	for (k = 0; k < n; k++) {
		size_t s;
		enum mo_health h = d[k].has_state ? d[k].st.state : MO_HEALTH_OK;

		for (s = 0; s < 3; s++) {
			printf("mailoauth_state{account=\"");
			put_label(d[k].a->name);
			printf("\",state=\"%s\"} %d\n", states[s], (size_t)h == s ? 1 : 0);
		}
	}
	if (fflush(stdout) != 0)
		code = MO_EXIT_IOERR;
	for (k = 0; k < n; k++)
		mo_token_clear(&d[k].t);
	free(d);
	return code;
}
