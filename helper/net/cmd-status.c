/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth status [ACCOUNT] [--json]`.
 *
 * status reads the store without locking (a rename is atomic) and never
 * talks to the network.  Exit status: 0 when every listed account is
 * signed in, 77 when one is not, 78 when a store file is unsafe (its mode or
 * owner) or its encrypted refresh token does not open with the configured
 * store key, 65 when one is corrupt (mo_exit_code() of the load error).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "assertion.h"
#include "errors.h"
#include "cmd.h"
#include "grant.h"
#include "grantcheck.h"
#include "log.h"
#include "notify.h"
#include "secret.h"
#include "store.h"
#include "storekey.h"

static void
say_age(char *buf, size_t len, int64_t secs)
{
	if (secs < 0)
		secs = -secs;
	if (secs < 120)
		snprintf(buf, len, "%lld s", (long long)secs);
	else if (secs < 7200)
		snprintf(buf, len, "%lld min", (long long)(secs / 60));
	else if (secs < 2 * 86400)
		snprintf(buf, len, "%lld h", (long long)(secs / 3600));
	else
		snprintf(buf, len, "%lld days", (long long)(secs / 86400));
}

static void
iso_time(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What status says of one account, gathered once for both outputs. */
struct acct_status {
	struct mo_token t;
	int64_t now;
	bool signed_in, sealed, have_cert, app_only, has_state;
	struct mo_cert_info ci;
	struct mo_account_state st;
	struct mo_grant g;
	long secret_days;
	json_t *missing;	/* protocol names whose scope was not granted */
	int key_code;		/* exit code of a store key or certificate problem */
	char enc[256];		/* whether and how the store is encrypted */
	char next[512];		/* the next step */
};

/* Whether the store is encrypted, and whether the configured key opens it
 * (status is where a wrong key should show up, not the next refresh).
 * Reloads s->t through the key when the refresh token is sealed. */
static void
gather_encryption(const struct mo_account *a, struct acct_status *s)
{
	char *error = NULL;
	int ret;

	if (s->sealed) {
		mo_token_clear(&s->t);
		ret = mo_net_store_load(a, &s->t, &error);
		if (ret != MO_OK) {
			mo_net_err("%s", error ? error : mo_strerror(ret));
			s->key_code = mo_exit_code(ret);
			mo_token_clear(&s->t);
			(void)mo_store_load(a->state_dir, a->name, &s->t, NULL);
		}
		free(error);
		snprintf(s->enc, sizeof(s->enc), "yes (AES-256-GCM with the store key%s)",
			 s->key_code == MO_EXIT_OK ? ", which opens it" :
			 "; the configured key does NOT open it");
	} else if (mo_net_store_key_configured(a) && s->t.refresh_token != NULL) {
		snprintf(s->enc, sizeof(s->enc), "no (a store key is set: encrypted at the "
			 "next save, e.g. mailoauth refresh %s)", a->name);
	} else if (mo_net_store_key_configured(a)) {
		snprintf(s->enc, sizeof(s->enc), "no refresh token to encrypt (store key set)");
	} else {
		snprintf(s->enc, sizeof(s->enc), "no (no store_key_file or store_key_command)");
	}
}

static void
gather_next_step(const struct mo_account *a, struct acct_status *s)
{
	if (!s->signed_in)
		snprintf(s->next, sizeof(s->next), "sign in: mailoauth authorize %s", a->name);
	else if (json_array_size(s->missing) > 0)
		snprintf(s->next, sizeof(s->next), "the grant lacks a configured protocol's scope: "
			 "add the permission to the app registration, then sign in again: "
			 "mailoauth authorize %s", a->name);
	else if (s->app_only)
		snprintf(s->next, sizeof(s->next), "nothing: mailoauth token %s requests a new "
			 "app-only token when needed", a->name);
	else
		snprintf(s->next, sizeof(s->next), "nothing: mailoauth token %s refreshes when needed",
			 a->name);
}

/* Fills *s from the store, the state file and the configuration.  Returns
 * MO_EXIT_OK, or the exit code of a store that cannot be read (said on
 * stderr).  The caller frees with status_clear() either way. */
static int
status_gather(const struct mo_account *a, struct acct_status *s)
{
	char *error = NULL;
	int p, ret;

	memset(s, 0, sizeof(*s));
	s->now = (int64_t)time(NULL);
	s->app_only = a->flow == MO_FLOW_CLIENT_CREDENTIALS;
	ret = mo_store_load(a->state_dir, a->name, &s->t, &error);
	if (ret != MO_OK && ret != MO_ERR_NOENT) {
		mo_net_err("account %s: %s", a->name, error ? error : mo_strerror(ret));
		free(error);
		return mo_exit_code(ret);
	}
	free(error);
	s->sealed = s->t.sealed != NULL;
	s->signed_in = ret == MO_OK && (s->t.refresh_token != NULL || s->sealed || s->app_only);
	gather_encryption(a, s);
	s->has_state = mo_state_load(a, &s->st) == MO_OK;
	mo_grant_info(a, &s->t, s->now, &s->g);
	if (a->client_secret_expires > 0)
		s->secret_days = (long)((a->client_secret_expires - s->now) / 86400);
	s->missing = json_array();
	for (p = 0; p < MO_PROTO_COUNT && ret == MO_OK && s->t.scope != NULL; p++) {
		const char *want = mo_account_scope_for(a, (enum mo_proto)p);

		if (a->wants[p] && want != NULL && !s->app_only &&
		    !mo_scope_granted(s->t.scope, want))
			json_array_append_new(s->missing,
					      json_string(mo_proto_name((enum mo_proto)p)));
	}
	gather_next_step(a, s);
	if (a->client_certificate_file != NULL) {
		char *cerr = NULL;

		s->have_cert = mo_client_cert_info(a, &s->ci, &cerr) == MO_OK;
		if (!s->have_cert) {
			mo_net_err("%s", cerr ? cerr : "cannot read client_certificate_file");
			s->key_code = MO_EXIT_CONFIG;
		}
		free(cerr);
	}
	return MO_EXIT_OK;
}

static void
status_clear(struct acct_status *s)
{
	json_decref(s->missing);
	mo_token_clear(&s->t);
}

/* `status --json`: one object appended to arr. */
static void
status_json(const struct mo_account *a, const struct acct_status *s, json_t *arr)
{
	const struct mo_token *t = &s->t;
	json_t *o;

	o = json_pack("{s:s, s:s, s:b}", "account", a->name, "user", a->user,
		      "signed_in", s->signed_in);
	if (s->have_cert)
		json_object_set_new(o, "certificate", json_pack(
			"{s:s, s:s, s:I, s:b}", "thumbprint", s->ci.sha1,
			"x5t#S256", s->ci.x5t_s256, "not_after", (json_int_t)s->ci.not_after,
			"expired", s->ci.not_after <= s->now));
	if (t->identity)
		json_object_set_new(o, "identity", json_string(t->identity));
	if (t->scope)
		json_object_set_new(o, "scope", json_string(t->scope));
	json_object_set(o, "missing_scopes", s->missing);
	json_object_set_new(o, "encrypted", json_boolean(s->sealed));
	if (t->access_token) {
		json_object_set_new(o, "access_token_expires_at", json_integer(t->expires_at));
		json_object_set_new(o, "access_token_fresh",
				    json_boolean(mo_token_fresh(t, s->now, a->refresh_margin)));
		if (t->refused_at > 0)
			json_object_set_new(o, "access_token_refused_at",
					    json_integer(t->refused_at));
	}
	if ((t->refresh_token || t->sealed) && t->refresh_obtained_at > 0)
		json_object_set_new(o, "refresh_token_obtained_at",
				    json_integer(t->refresh_obtained_at));
	if (s->g.known) {
		json_object_set_new(o, "grant_last_used", json_integer(s->g.last_used));
		json_object_set_new(o, "grant_days_left", json_integer(s->g.days_left));
	}
	if (a->client_secret_expires > 0)
		json_object_set_new(o, "client_secret_expires",
				    json_integer(a->client_secret_expires));
	if (s->has_state) {
		static const char *const names[] = { "ok", "signin-needed", "refresh-failed" };

		json_object_set_new(o, "state", json_string(names[s->st.state]));
		if (s->st.last_error_at > 0) {
			json_object_set_new(o, "last_error_at", json_integer(s->st.last_error_at));
			json_object_set_new(o, "last_error", json_string(s->st.last_error));
		}
	}
	json_object_set_new(o, "next", json_string(s->next));
	json_array_append_new(arr, o);
}

/* The sign-in, the certificate and the scopes, for people. */
static void
print_grant(const struct mo_account *a, const struct acct_status *s)
{
	const struct mo_token *t = &s->t;
	char age[64], when[64];
	size_t i;

	if (!s->signed_in) {
		printf("  signed in:      no\n");
	} else {
		printf("  signed in:      yes%s%s\n", t->identity ? " as " : "",
		       t->identity ? t->identity : "");
		if (a->user != NULL && mo_identity_match(t->identity, a->user,
							 a->login_hint) == MO_ID_OTHER)
			printf("  WARNING:        signed in as %s but the mailbox is %s; "
			       "for a shared mailbox set login_hint = %s\n",
			       t->identity, a->user, t->identity);
	}
	if (s->have_cert) {
		const struct mo_cert_info *ci = &s->ci;

		say_age(age, sizeof(age), ci->not_after - s->now);
		iso_time(when, sizeof(when), ci->not_after);
		printf("  certificate:    %s (SHA-1 thumbprint), %s %s (%s%s)%s\n",
		       ci->sha1, ci->not_after > s->now ? "expires in" : "EXPIRED",
		       age, ci->not_after > s->now ? "" : "at ", when,
		       ci->not_after <= s->now ? ": make and upload a new one" :
		       ci->not_after - s->now < 30 * 86400 ? ": renew it soon" : "");
	}
	if (t->scope)
		printf("  granted scopes: %s\n", t->scope);
	for (i = 0; i < json_array_size(s->missing); i++) {
		const char *proto = json_string_value(json_array_get(s->missing, i));

		printf("  WARNING:        %s is configured but its scope %s was NOT "
		       "granted: %s logins will fail\n", proto,
		       mo_account_scope_for(a, (enum mo_proto)mo_proto_from_name(proto)),
		       proto);
	}
}

/* The tokens, the encryption, the grant's and the secret's lifetimes. */
static void
print_lifetimes(const struct mo_account *a, const struct acct_status *s)
{
	const struct mo_token *t = &s->t;
	char age[64], when[64];

	if (t->access_token) {
		say_age(age, sizeof(age), t->expires_at - s->now);
		iso_time(when, sizeof(when), t->expires_at);
		printf("  access token:   %s %s (%s%s)\n",
		       t->expires_at > s->now ? "valid for" : "expired", age,
		       t->expires_at > s->now ? "until " : "at ", when);
		if (t->refused_at > 0) {
			iso_time(when, sizeof(when), t->refused_at);
			printf("                  refused by the mail server at %s although "
			       "it had not expired; the next use refreshes it\n", when);
		}
	}
	if (t->refresh_token || t->sealed) {
		if (t->refresh_obtained_at > 0) {
			say_age(age, sizeof(age), s->now - t->refresh_obtained_at);
			printf("  refresh token:  obtained %s ago%s\n", age,
			       s->now - t->refresh_obtained_at > 60 * 86400 ?
			       " (Microsoft ends unused sign-ins after 90 days)" : "");
		} else {
			printf("  refresh token:  stored\n");
		}
	}
	printf("  encrypted:      %s\n", s->enc);
	if (s->g.known) {
		iso_time(when, sizeof(when), s->g.last_used);
		printf("  grant used:     %s; %ld of the 90 days without use are left%s\n",
		       when, s->g.days_left > 0 ? s->g.days_left : 0,
		       s->g.days_left < 0 ? " (the sign-in has ended)" : "");
		if (s->g.days_left < a->expiry_warning_days)
			printf("  WARNING:        the sign-in ends after 90 days without use: "
			       "run `mailoauth refresh %s` (a timer does it)\n", a->name);
	}
	if (a->client_secret_expires > 0) {
		iso_time(when, sizeof(when), a->client_secret_expires);
		printf("  client secret:  %s %.10s (%ld days)\n",
		       a->client_secret_expires > s->now ? "expires" : "EXPIRED on",
		       when, s->secret_days);
		if (s->secret_days < a->expiry_warning_days)
			printf("  WARNING:        create a new client secret in the app "
			       "registration, store it in client_secret_file and update "
			       "client_secret_expires\n");
	}
}

/* `status` for people. */
static void
status_print(const struct mo_account *a, const struct acct_status *s)
{
	char when[64];

	printf("account %s (user %s)\n", a->name, a->user);
	print_grant(a, s);
	print_lifetimes(a, s);
	if (s->has_state && s->st.state != MO_HEALTH_OK && s->st.last_error_at > 0) {
		iso_time(when, sizeof(when), s->st.last_error_at);
		printf("  last failure:   %s: %s\n", when, s->st.last_error);
	}
	printf("  next step:      %s\n", s->next);
}

/* One account, as JSON into arr or (arr NULL) as text; returns its exit
 * code. */
static int
status_one(const struct mo_account *a, json_t *arr)
{
	struct acct_status s;
	int code;

	code = status_gather(a, &s);
	if (code != MO_EXIT_OK)
		goto out;
	if (arr != NULL)
		status_json(a, &s, arr);
	else
		status_print(a, &s);
	if (!s.signed_in)
		code = MO_EXIT_NOPERM;
	else if (s.key_code != MO_EXIT_OK)
		code = s.key_code;
out:
	status_clear(&s);
	return code;
}

int
mo_cmd_status(struct mo_net_ctx *ctx, int argc, char **argv)
{
	const struct mo_account *a;
	const char *name = NULL;
	json_t *arr = NULL;
	char *text;
	size_t k;
	int i, code = MO_EXIT_OK, c;
	bool json = false, prom = false;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--prometheus") == 0) {
			prom = true;
		} else if (argv[i][0] != '-' && name == NULL) {
			name = argv[i];
		} else {
			mo_net_err("usage: mailoauth status [ACCOUNT] [--json | --prometheus]");
			return MO_EXIT_USAGE;
		}
	}
	if (json && prom) {
		mo_net_err("--json and --prometheus are two formats: choose one");
		return MO_EXIT_USAGE;
	}
	if (prom)
		return mo_status_prometheus(ctx, name);
	if (json && (arr = json_array()) == NULL)
		return MO_EXIT_FAILURE;
	if (name != NULL) {
		a = mo_net_account(ctx, name);
		code = a ? status_one(a, arr) : MO_EXIT_CONFIG;
	} else {
		if (ctx->cfg->n_accounts == 0 && !json)
			printf("no accounts configured in %s\n", ctx->cfg->path);
		for (k = 0; k < ctx->cfg->n_accounts; k++) {
			c = status_one(&ctx->cfg->accounts[k], arr);
			if (code == MO_EXIT_OK || c == MO_EXIT_CONFIG)
				code = c;
		}
	}
	if (arr != NULL) {
		text = json_dumps(arr, JSON_INDENT(2));
		if (text != NULL)
			puts(text);
		free(text);
		json_decref(arr);
	}
	return code;
}
