/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth authorize ACCOUNT [--browser | --device] [--no-open]
 *  [--timeout SECONDS]`: picks the sign-in flow, runs it, and owns its end
 * (identity and scope warnings, then storing).
 */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apptoken.h"
#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "cmd.h"
#include "idperrors.h"
#include "log.h"
#include "oauth.h"
#include "refresh.h"
#include "secret.h"
#include "signin-check.h"
#include "signin.h"
#include "store.h"

#define MSG_MAX 8192

volatile sig_atomic_t mo_signin_cancel;

static void
on_signal(int sig)
{
	mo_signin_cancel = sig;
}

int
mo_signin_sleep(long ms)
{
	while (ms > 0 && !mo_signin_cancel) {
		long slice = ms > 200 ? 200 : ms;

		(void)poll(NULL, 0, (int)slice);	/* EINTR only shortens it */
		ms -= slice;
	}
	return mo_signin_cancel ? MO_ERR_CANCELLED : MO_OK;
}

bool
mo_signin_have_display(void)
{
	const char *d = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");

	return (d != NULL && d[0] != '\0') || (w != NULL && w[0] != '\0');
}

int
mo_signin_explain(const struct mo_account *a, const struct mo_oauth_error *err,
		  struct mo_buf *msg)
{
	int ret = mo_oauth_explain(err, a, msg);

	if (mo_is_consent_error(err->error, err->suberror, err->description,
				err->codes, err->n_codes) &&
	    strstr(mo_buf_str(msg), "consent-url") == NULL)
		(void)mo_buf_printf(msg, "\nConsent is missing: a tenant admin can grant it for "
					 "everyone with the link that `mailoauth consent-url %s` "
					 "prints; then run `mailoauth authorize %s` again.",
				    a->name, a->name);
	return ret;
}

int
mo_signin_post_error(const struct mo_account *a, const struct mo_oauth_error *err,
		     const char *prefix, const char *error, int ret, char **error_r)
{
	struct mo_buf msg;

	mo_buf_init(&msg, MSG_MAX);
	(void)mo_buf_printf(&msg, "%s%s", prefix != NULL ? prefix : "",
			    error != NULL ? error : mo_strerror(ret));
	if (err != NULL && err->error != NULL &&
	    mo_is_consent_error(err->error, err->suberror, err->description, err->codes,
				err->n_codes) &&
	    strstr(mo_buf_str(&msg), "consent-url") == NULL)
		(void)mo_buf_printf(&msg, "\nConsent is missing: a tenant admin can grant it "
					  "for everyone with the link that `mailoauth consent-url "
					  "%s` prints; then run `mailoauth authorize %s` again.",
				    a->name, a->name);
	*error_r = mo_buf_steal(&msg);
	mo_buf_free(&msg);
	return ret;
}

/* The short name of a scope: what follows its last '/'. */
static const char *
perm_name(const char *scope)
{
	const char *slash = strrchr(scope, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : scope;
}

static void
warn_identity(const struct mo_signin *s, const char *identity)
{
	const struct mo_account *a = s->acct;

	mo_net_warn("signed in as %s, but account %s is for the mailbox %s.", identity,
		    a->name, a->user);
	mo_net_print(
		"  If %s is a shared mailbox that %s may open, that is right: say so in\n"
		"  [account %s] of %s with\n"
		"      user = %s\n"
		"      login_hint = %s\n"
		"  (user is the mailbox, login_hint who signs in; %s needs FullAccess on it,\n"
		"  and Send As for SMTP).  Otherwise run `mailoauth authorize %s` again and\n"
		"  sign in as %s.\n",
		a->user, identity, a->name,
		s->ctx->cfg->path ? s->ctx->cfg->path : "the configuration",
		a->user, identity, identity, a->name, a->user);
}

/* Is a grant (a refresh token, sealed or not) stored for a? */
static bool
have_grant(const struct mo_account *a)
{
	struct mo_token t;
	bool have;

	memset(&t, 0, sizeof(t));
	have = mo_store_load(a->state_dir, a->name, &t, NULL) == MO_OK &&
	       (t.refresh_token != NULL || t.sealed != NULL);
	mo_token_clear(&t);
	return have;
}

static const char *
proto_label(enum mo_proto p)
{
	static const char *const label[MO_PROTO_COUNT] = { "POP3", "IMAP", "SMTP" };

	return (unsigned int)p < MO_PROTO_COUNT ? label[p] : "?";
}

static void
warn_scope(const struct mo_signin *s, enum mo_proto p, const char *want)
{
	const struct mo_account *a = s->acct;

	mo_net_warn("the identity provider did not grant %s, which %s needs: the %s server "
		    "will refuse this token.", want, proto_label(p), proto_label(p));
	if (a->provider->needs_tenant)
		mo_net_print(
			"  Add the delegated permission %s of \"Office 365 Exchange\n"
			"  Online\" to the app registration (Entra admin center > App\n"
			"  registrations > the app > API permissions > Add a permission > APIs\n"
			"  my organization uses), have it consented (`mailoauth consent-url %s`\n"
			"  prints the admin's link), then run `mailoauth authorize %s` again.\n"
			"  If you do not use %s, drop it from the scopes of [account %s].\n",
			perm_name(want), a->name, a->name, proto_label(p), a->name);
	else
		mo_net_print(
			"  Allow that scope for the app at the provider, then run\n"
			"  `mailoauth authorize %s` again.\n",
			a->name);
}

/* An app-only sign-in also gives its token to the accounts that share it
 * (helper/net/apptoken.h), so that the first `token` of each of them asks
 * for nothing.  Only the shared lock is held (doc/internals.md, "Lock
 * order"), and not waited for: whoever holds it is saving a fresh token
 * of the same app.  When the token cannot be shared they ask for their
 * own. */
static void
share_app_token(const struct mo_account *a, const struct mo_token *tok)
{
	struct mo_apptoken at;
	char *err = NULL;
	int ret;

	if (!mo_apptoken_shared(a))
		return;
	ret = mo_apptoken_lock(a, 0, &at, &err);
	if (ret == MO_OK)
		ret = mo_apptoken_save(&at, tok, &err);
	mo_apptoken_release(&at);
	if (ret == MO_ERR_TIMEOUT)
		mo_net_note(1, "account %s: another process is saving the app's shared token",
			    a->name);
	else if (ret != MO_OK)
		mo_net_warn("account %s: cannot share the app token with the accounts of the "
			    "same app: %s", a->name, err != NULL ? err : mo_strerror(ret));
	else
		mo_net_note(1, "account %s: the app token is shared with the accounts of the "
			    "same app", a->name);
	free(err);
}

int
mo_signin_finish(struct mo_signin *s, struct mo_token_reply *reply,
		 char **error_r)
{
	const struct mo_account *a = s->acct;
	struct mo_token tok;
	enum mo_identity_match m;
	int ret, p;

	memset(&tok, 0, sizeof(tok));
	/*
	 * reply->identity (preferred_username, tid, oid) comes from the
	 * id_token's payload, read without checking its signature: the token
	 * came straight from the token endpoint over TLS that we verified, in
	 * answer to our own request (OpenID Connect Core §3.1.3.7 allows
	 * skipping the check then).  It only names who signed in, for the
	 * warning below and for `mailoauth status`, and a name that is not the
	 * account's keeps a stored grant from being replaced: it can stop a
	 * store, never allow one that would not happen anyway.
	 */
	m = mo_identity_match(reply->identity, a->user, a->login_hint);
	if (m == MO_ID_OTHER)
		warn_identity(s, reply->identity);
	else if (m == MO_ID_UNKNOWN && a->flow != MO_FLOW_CLIENT_CREDENTIALS)
		mo_net_note(1, "the reply has no id_token: cannot tell who signed in");
	if (reply->scope != NULL) {
		for (p = 0; p < MO_PROTO_COUNT; p++) {
			const char *want;

			if (!a->wants[p])
				continue;
			want = mo_account_scope_for(a, (enum mo_proto)p);
			if (want != NULL && !mo_scope_granted(reply->scope, want))
				warn_scope(s, (enum mo_proto)p, want);
		}
	}
	/* Somebody else's grant never silently replaces one that works: the
	 * mail would go on being fetched as that other person. */
	if (m == MO_ID_OTHER && !s->force && have_grant(a)) {
		ret = mo_errorf(error_r, MO_ERR_INVAL,
				"the sign-in as %s matches neither user nor login_hint of "
				"account %s, so the grant stored before is kept and nothing "
				"was replaced.  Sign in as %s, set login_hint as above, or run "
				"`mailoauth authorize %s --force` to replace it anyway",
				reply->identity, a->name,
				a->login_hint != NULL ? a->login_hint : a->user, a->name);
		goto out;
	}
	if (reply->identity != NULL) {
		free(s->identity);
		s->identity = strdup(reply->identity);
	}
	/* Only now, with the whole flow done, replace what was stored. */
	ret = mo_refresh_store_reply(a, reply, &tok, error_r);
	if (ret != MO_OK)
		goto out;
	s->stored = true;
	share_app_token(a, &tok);
	if (s->identity != NULL && m == MO_ID_DELEGATE)
		mo_net_print("mailoauth: signed in as %s for the mailbox %s; tokens stored for "
				"account %s.\n", s->identity, a->user, a->name);
	else if (s->identity != NULL)
		mo_net_print("mailoauth: signed in as %s; tokens stored for account %s.\n",
			s->identity, a->name);
	else
		mo_net_print("mailoauth: tokens stored for account %s.\n", a->name);
	/* The trap of the "Authenticated" button: a token is not a mailbox. */
	if (a->flow != MO_FLOW_CLIENT_CREDENTIALS)
		mo_net_print("mailoauth: a sign-in alone does not prove that the mailbox can be "
				"used: `mailoauth check %s` does.\n", a->name);
out:
	mo_token_clear(&tok);
	return ret;
}

/* After a usage error; `mailoauth authorize --help` (helper/main.c)
 * explains the options. */
static void
usage(void)
{
	mo_net_print("usage: mailoauth authorize ACCOUNT [--browser | --device] [--no-open] "
		     "[--timeout SECONDS] [--force]\n"
		     "`mailoauth authorize --help` explains them.\n");
}

static int
parse_timeout(const char *v, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 1 || n > 86400)
		return -1;
	*out = (int)n;
	return 0;
}

struct authorize_args {
	const char *name;
	bool browser, device, no_open;
};

/* The command line into args and s (timeout, force): -1 to go on, else the
 * exit status. */
static int
parse_args(int argc, char **argv, struct authorize_args *args, struct mo_signin *s)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--browser") == 0) {
			args->browser = true;
		} else if (strcmp(o, "--device") == 0) {
			args->device = true;
		} else if (strcmp(o, "--no-open") == 0) {
			args->no_open = true;
		} else if (strcmp(o, "--force") == 0) {
			s->force = true;
		} else if (strcmp(o, "--timeout") == 0 || strncmp(o, "--timeout=", 10) == 0) {
			const char *v = o[9] == '=' ? o + 10 : (i + 1 < argc ? argv[++i] : NULL);

			if (v == NULL || parse_timeout(v, &s->timeout) != 0) {
				mo_net_err("--timeout needs a number of seconds (1-86400)");
				return MO_EXIT_USAGE;
			}
		} else if (o[0] == '-' || args->name != NULL) {
			mo_net_err("authorize: unexpected argument '%s'", o);
			usage();
			return MO_EXIT_USAGE;
		} else {
			args->name = o;
		}
	}
	if (args->name == NULL) {
		usage();
		return MO_EXIT_USAGE;
	}
	if (args->browser && args->device) {
		mo_net_err("authorize: --browser and --device exclude each other");
		return MO_EXIT_USAGE;
	}
	return -1;
}

/* The flow: app-only accounts have one; else the flag, the account's
 * `flow`, or the browser when there is a display.  false: a usage error. */
static bool
choose_flow(const struct mo_account *a, const struct authorize_args *args,
	    enum mo_flow *flow)
{
	if (a->flow == MO_FLOW_CLIENT_CREDENTIALS) {
		if (args->browser || args->device) {
			mo_net_err("account %s has flow = client_credentials: the app signs in "
				   "by itself, so --browser and --device do not apply", a->name);
			return false;
		}
		*flow = MO_FLOW_CLIENT_CREDENTIALS;
	} else if (args->browser) {
		*flow = MO_FLOW_BROWSER;
	} else if (args->device) {
		*flow = MO_FLOW_DEVICE;
	} else if (a->flow != MO_FLOW_DEFAULT) {
		*flow = a->flow;
	} else {
		*flow = mo_signin_have_display() ? MO_FLOW_BROWSER : MO_FLOW_DEVICE;
		mo_net_note(1, "no flow configured: using the %s flow (%s)",
			    *flow == MO_FLOW_BROWSER ? "browser" : "device",
			    *flow == MO_FLOW_BROWSER ? "a display is available" : "no display");
	}
	return true;
}

/* One flow, with Ctrl-C and SIGTERM ending it cleanly: nothing is stored. */
static int
run_flow(struct mo_signin *s, enum mo_flow flow, char **error_r)
{
	struct sigaction sa, old_int, old_term;
	int ret;

	mo_signin_cancel = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: poll() returns at once */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	switch (flow) {
	case MO_FLOW_CLIENT_CREDENTIALS:
		ret = mo_signin_client_credentials(s, error_r);
		break;
	case MO_FLOW_DEVICE:
		ret = mo_signin_device(s, error_r);
		break;
	default:
		ret = mo_signin_browser(s, error_r);
		break;
	}
	if (ret == MO_OK && mo_signin_cancel && !s->stored) {
		ret = MO_ERR_CANCELLED;
		*error_r = strdup("sign-in cancelled");
	}

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return ret;
}

int
mo_cmd_authorize(struct mo_net_ctx *ctx, int argc, char **argv)
{
	struct mo_signin s;
	struct authorize_args args;
	char *error = NULL;
	enum mo_flow flow;
	int ret;

	memset(&s, 0, sizeof(s));
	memset(&args, 0, sizeof(args));
	s.timeout = MO_SIGNIN_TIMEOUT;
	ret = parse_args(argc, argv, &args, &s);
	if (ret >= 0)
		return ret;
	s.ctx = ctx;
	s.acct = mo_net_account(ctx, args.name);
	if (s.acct == NULL)
		return MO_EXIT_CONFIG;
	if (!choose_flow(s.acct, &args, &flow))
		return MO_EXIT_USAGE;
	/* The sign-in is the user's effort: a store that cannot take its
	 * tokens is found now, not after it. */
	ret = mo_net_state_dir_ready(s.acct, "authorize");
	if (ret != MO_OK)
		return mo_exit_code(ret);
	s.open_browser = !args.no_open && mo_signin_have_display();

	ret = run_flow(&s, flow, &error);
	if (ret != MO_OK) {
		mo_net_err("%s", error != NULL ? error : mo_strerror(ret));
		if (ret == MO_ERR_CANCELLED)
			mo_net_err("nothing was stored; the tokens stored before (if any) are "
				   "unchanged");
	}
	free(error);
	free(s.identity);
	return mo_exit_code(ret);
}
