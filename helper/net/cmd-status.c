/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth status [ACCOUNT] [--json]` and `mailoauth logout ACCOUNT`.
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

/* One account; returns its exit code. */
static int
status_one(const struct mo_account *a, json_t *arr)
{
	struct mo_token t = { 0 };
	int64_t now = (int64_t)time(NULL);
	char *error = NULL;
	char age[64], when[64];
	json_t *o, *missing;
	char next[512], enc[256];
	int p, ret, code = MO_EXIT_OK, key_code = MO_EXIT_OK;
	bool signed_in, sealed, have_cert = false, app_only = a->flow == MO_FLOW_CLIENT_CREDENTIALS;
	struct mo_cert_info ci;
	struct mo_account_state st;
	bool has_state;
	struct mo_grant g;
	long secret_days = 0;

	ret = mo_store_load(a->state_dir, a->name, &t, &error);
	if (ret != MO_OK && ret != MO_ERR_NOENT) {
		mo_net_err("account %s: %s", a->name, error ? error : mo_strerror(ret));
		code = mo_exit_code(ret);
		goto out;
	}
	sealed = t.sealed != NULL;
	signed_in = ret == MO_OK && (t.refresh_token != NULL || sealed || app_only);
	if (sealed) {
		/* Prove that the configured key opens it: status is where a
		 * wrong key should show up, not the next refresh. */
		mo_token_clear(&t);
		free(error);
		error = NULL;
		ret = mo_net_store_load(a, &t, &error);
		if (ret != MO_OK) {
			mo_net_err("%s", error ? error : mo_strerror(ret));
			key_code = mo_exit_code(ret);
			mo_token_clear(&t);
			(void)mo_store_load(a->state_dir, a->name, &t, NULL);
			ret = MO_OK;
		}
		snprintf(enc, sizeof(enc), "yes (AES-256-GCM with the store key%s)",
			 key_code == MO_EXIT_OK ? ", which opens it" :
			 "; the configured key does NOT open it");
	} else if (mo_net_store_key_configured(a) && t.refresh_token != NULL) {
		snprintf(enc, sizeof(enc), "no (a store key is set: encrypted at the "
			 "next save, e.g. mailoauth refresh %s)", a->name);
	} else if (mo_net_store_key_configured(a)) {
		snprintf(enc, sizeof(enc), "no refresh token to encrypt (store key set)");
	} else {
		snprintf(enc, sizeof(enc), "no (no store_key_file or store_key_command)");
	}
	has_state = mo_state_load(a, &st) == MO_OK;
	mo_grant_info(a, &t, now, &g);
	if (a->client_secret_expires > 0)
		secret_days = (long)((a->client_secret_expires - now) / 86400);
	missing = json_array();
	for (p = 0; p < MO_PROTO_COUNT && ret == MO_OK && t.scope != NULL; p++) {
		const char *want = mo_account_scope_for(a, (enum mo_proto)p);

		if (a->wants[p] && want != NULL && !app_only && !mo_scope_granted(t.scope, want))
			json_array_append_new(missing, json_string(mo_proto_name((enum mo_proto)p)));
	}
	if (!signed_in)
		snprintf(next, sizeof(next), "sign in: mailoauth authorize %s", a->name);
	else if (json_array_size(missing) > 0)
		snprintf(next, sizeof(next), "the grant lacks a configured protocol's scope: "
			 "add the permission to the app registration, then sign in again: "
			 "mailoauth authorize %s", a->name);
	else if (app_only)
		snprintf(next, sizeof(next), "nothing: mailoauth token %s requests a new "
			 "app-only token when needed", a->name);
	else
		snprintf(next, sizeof(next), "nothing: mailoauth token %s refreshes when needed",
			 a->name);

	if (a->client_certificate_file != NULL) {
		char *cerr = NULL;

		have_cert = mo_client_cert_info(a, &ci, &cerr) == MO_OK;
		if (!have_cert) {
			mo_net_err("%s", cerr ? cerr : "cannot read client_certificate_file");
			key_code = MO_EXIT_CONFIG;
		}
		free(cerr);
	}
	if (arr != NULL) {
		o = json_pack("{s:s, s:s, s:b}", "account", a->name, "user", a->user,
			      "signed_in", signed_in);
		if (have_cert)
			json_object_set_new(o, "certificate", json_pack(
				"{s:s, s:s, s:I, s:b}", "thumbprint", ci.sha1,
				"x5t#S256", ci.x5t_s256, "not_after", (json_int_t)ci.not_after,
				"expired", ci.not_after <= now));
		if (t.identity)
			json_object_set_new(o, "identity", json_string(t.identity));
		if (t.scope)
			json_object_set_new(o, "scope", json_string(t.scope));
		json_object_set(o, "missing_scopes", missing);
		json_object_set_new(o, "encrypted", json_boolean(sealed));
		if (t.access_token) {
			json_object_set_new(o, "access_token_expires_at", json_integer(t.expires_at));
			json_object_set_new(o, "access_token_fresh",
					    json_boolean(mo_token_fresh(&t, now, a->refresh_margin)));
			if (t.refused_at > 0)
				json_object_set_new(o, "access_token_refused_at",
						    json_integer(t.refused_at));
		}
		if ((t.refresh_token || t.sealed) && t.refresh_obtained_at > 0)
			json_object_set_new(o, "refresh_token_obtained_at",
					    json_integer(t.refresh_obtained_at));
		if (g.known) {
			json_object_set_new(o, "grant_last_used", json_integer(g.last_used));
			json_object_set_new(o, "grant_days_left", json_integer(g.days_left));
		}
		if (a->client_secret_expires > 0)
			json_object_set_new(o, "client_secret_expires",
					    json_integer(a->client_secret_expires));
		if (has_state) {
			static const char *const names[] = { "ok", "signin-needed", "refresh-failed" };

			json_object_set_new(o, "state", json_string(names[st.state]));
			if (st.last_error_at > 0) {
				json_object_set_new(o, "last_error_at", json_integer(st.last_error_at));
				json_object_set_new(o, "last_error", json_string(st.last_error));
			}
		}
		json_object_set_new(o, "next", json_string(next));
		json_array_append_new(arr, o);
	} else {
		printf("account %s (user %s)\n", a->name, a->user);
		if (!signed_in) {
			printf("  signed in:      no\n");
		} else {
			printf("  signed in:      yes%s%s\n", t.identity ? " as " : "",
			       t.identity ? t.identity : "");
			if (a->user != NULL && mo_identity_match(t.identity, a->user,
								 a->login_hint) == MO_ID_OTHER)
				printf("  WARNING:        signed in as %s but the mailbox is %s; "
				       "for a shared mailbox set login_hint = %s\n",
				       t.identity, a->user, t.identity);
		}
		if (have_cert) {
			say_age(age, sizeof(age), ci.not_after - now);
			iso_time(when, sizeof(when), ci.not_after);
			printf("  certificate:    %s (SHA-1 thumbprint), %s %s (%s%s)%s\n",
			       ci.sha1, ci.not_after > now ? "expires in" : "EXPIRED",
			       age, ci.not_after > now ? "" : "at ", when,
			       ci.not_after <= now ? ": make and upload a new one" :
			       ci.not_after - now < 30 * 86400 ? ": renew it soon" : "");
		}
		if (t.scope)
			printf("  granted scopes: %s\n", t.scope);
		for (p = 0; p < (int)json_array_size(missing); p++)
			printf("  WARNING:        %s is configured but its scope %s was NOT "
			       "granted: %s logins will fail\n",
			       json_string_value(json_array_get(missing, (size_t)p)),
			       mo_account_scope_for(a, (enum mo_proto)mo_proto_from_name(
				       json_string_value(json_array_get(missing, (size_t)p)))),
			       json_string_value(json_array_get(missing, (size_t)p)));
		if (t.access_token) {
			say_age(age, sizeof(age), t.expires_at - now);
			iso_time(when, sizeof(when), t.expires_at);
			printf("  access token:   %s %s (%s%s)\n",
			       t.expires_at > now ? "valid for" : "expired", age,
			       t.expires_at > now ? "until " : "at ", when);
			if (t.refused_at > 0) {
				iso_time(when, sizeof(when), t.refused_at);
				printf("                  refused by the mail server at %s although "
				       "it had not expired; the next use refreshes it\n", when);
			}
		}
		if (t.refresh_token || t.sealed) {
			if (t.refresh_obtained_at > 0) {
				say_age(age, sizeof(age), now - t.refresh_obtained_at);
				printf("  refresh token:  obtained %s ago%s\n", age,
				       now - t.refresh_obtained_at > 60 * 86400 ?
				       " (Microsoft ends unused sign-ins after 90 days)" : "");
			} else {
				printf("  refresh token:  stored\n");
			}
		}
		printf("  encrypted:      %s\n", enc);
		if (g.known) {
			iso_time(when, sizeof(when), g.last_used);
			printf("  grant used:     %s; %ld of the 90 days without use are left%s\n",
			       when, g.days_left > 0 ? g.days_left : 0,
			       g.days_left < 0 ? " (the sign-in has ended)" : "");
			if (g.days_left < a->expiry_warning_days)
				printf("  WARNING:        the sign-in ends after 90 days without use: "
				       "run `mailoauth refresh %s` (a timer does it)\n", a->name);
		}
		if (a->client_secret_expires > 0) {
			iso_time(when, sizeof(when), a->client_secret_expires);
			printf("  client secret:  %s %.10s (%ld days)\n",
			       a->client_secret_expires > now ? "expires" : "EXPIRED on",
			       when, secret_days);
			if (secret_days < a->expiry_warning_days)
				printf("  WARNING:        create a new client secret in the app "
				       "registration, store it in client_secret_file and update "
				       "client_secret_expires\n");
		}
		if (has_state && st.state != MO_HEALTH_OK && st.last_error_at > 0) {
			iso_time(when, sizeof(when), st.last_error_at);
			printf("  last failure:   %s: %s\n", when, st.last_error);
		}
		printf("  next step:      %s\n", next);
	}
	json_decref(missing);
	if (!signed_in)
		code = MO_EXIT_NOPERM;
	else if (key_code != MO_EXIT_OK)
		code = key_code;
out:
	free(error);
	mo_token_clear(&t);
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

int
mo_cmd_logout(struct mo_net_ctx *ctx, int argc, char **argv)
{
	const struct mo_account *a;
	char *error = NULL;
	int fd = -1, ret, code;

	if (argc != 2 || argv[1][0] == '-') {
		mo_net_err("usage: mailoauth logout ACCOUNT");
		return MO_EXIT_USAGE;
	}
	a = mo_net_account(ctx, argv[1]);
	if (a == NULL)
		return MO_EXIT_CONFIG;
	ret = mo_store_lock(a->state_dir, a->name, 120, &fd, &error);
	if (ret == MO_OK) {
		free(error);
		error = NULL;
		ret = mo_store_remove(a->state_dir, a->name, &error);
	}
	mo_store_unlock(fd);
	if (ret == MO_ERR_NOENT) {
		mo_net_err("account %s: nothing was stored", a->name);
		code = MO_EXIT_OK;
	} else if (ret != MO_OK) {
		mo_net_err("account %s: %s", a->name, error ? error : mo_strerror(ret));
		code = mo_exit_code(ret);
	} else {
		mo_net_err("account %s: the stored tokens were wiped and removed; the sign-in "
			   "itself stays valid at the identity provider until it expires or "
			   "is revoked there", a->name);
		code = MO_EXIT_OK;
	}
	free(error);
	return code;
}
