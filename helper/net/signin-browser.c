/* SPDX-License-Identifier: MIT */
/*
 * The browser sign-in: authorization code grant with PKCE S256 (RFC 6749
 * §4.1, RFC 7636) on a loopback redirect (RFC 8252 §7.3), as Entra ID
 * implements it (doc/protocol.md, browser sign-in).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "signin-callback.h"
#include "signin-check.h"
#include "signin-loopback.h"
#include "signin-pkce.h"
#include "signin.h"
#include "text.h"

#define MSG_MAX 8192
#define DESC_MAX 600

/* The authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3 + OIDC). */
static int
build_url(const struct mo_account *a, const char *redirect_uri,
	  const struct mo_pkce *pk, struct mo_buf *url)
{
	const char *hint = a->login_hint != NULL ? a->login_hint : a->user;
	struct mo_buf q;
	int ret;

	mo_buf_init(&q, MO_FORM_MAX);
	ret = mo_form_add(&q, "client_id", a->client_id);
	if (ret == MO_OK)
		ret = mo_form_add(&q, "response_type", "code");
	if (ret == MO_OK)
		ret = mo_form_add(&q, "redirect_uri", redirect_uri);
	if (ret == MO_OK)
		ret = mo_form_add(&q, "response_mode", "query");
	if (ret == MO_OK)
		ret = mo_form_add(&q, "scope", a->scopes);
	if (ret == MO_OK)
		ret = mo_form_add(&q, "state", pk->state);
	if (ret == MO_OK)
		ret = mo_form_add(&q, "code_challenge", pk->challenge);
	if (ret == MO_OK)
		ret = mo_form_add(&q, "code_challenge_method", "S256");
	if (ret == MO_OK && hint != NULL)
		ret = mo_form_add(&q, "login_hint", hint);
	if (ret == MO_OK)
		ret = mo_buf_printf(url, "%s%c%s", a->authorize_url,
				    strchr(a->authorize_url, '?') != NULL ? '&' : '?',
				    mo_buf_str(&q));
	mo_buf_free(&q);
	return ret;
}

/* The token request that redeems the code (RFC 6749 §4.1.3, RFC 7636 §4.5):
 * client_secret only for a confidential app (mo_oauth_form_grant). */
static int
build_redeem_form(const struct mo_account *a, const char *code,
		  const char *redirect_uri, const struct mo_pkce *pk,
		  struct mo_buf *form, char **error_r)
{
	int ret = mo_oauth_form_grant(form, a, "authorization_code", error_r);

	if (ret == MO_OK)
		ret = mo_form_add(form, "code", code);
	if (ret == MO_OK)
		ret = mo_form_add(form, "redirect_uri", redirect_uri);
	if (ret == MO_OK)
		ret = mo_form_add(form, "code_verifier", pk->verifier);
	/* AADSTS28003: the scope must not be empty when a code is redeemed. */
	if (ret == MO_OK)
		ret = mo_form_add(form, "scope", a->scopes);
	if (ret != MO_OK && error_r != NULL && *error_r == NULL)
		*error_r = mo_strdup_printf("cannot build the token request: %s",
					    mo_strerror(ret));
	return ret;
}

/* The AADSTS number at the start of an error_description, or 0. */
static long
aadsts_of(const char *desc)
{
	char *end;
	long n;

	if (desc == NULL || strncmp(desc, "AADSTS", 6) != 0)
		return 0;
	n = strtol(desc + 6, &end, 10);
	return end != desc + 6 ? n : 0;
}

/* The redirect carried error=...: the flow ends with a message. */
static int
callback_error(const struct mo_account *a, struct mo_cb_result *cb,
	       char **error_r)
{
	struct mo_oauth_error e;
	struct mo_buf msg;
	char *nl;
	int ret;

	memset(&e, 0, sizeof(e));
	mo_buf_init(&msg, MSG_MAX);
	mo_oneline_inplace(cb->error, 100);
	if (cb->error_description != NULL) {
		/* Entra appends "\r\nTrace ID: ..." lines: keep the first. */
		nl = strpbrk(cb->error_description, "\r\n");
		if (nl != NULL)
			*nl = '\0';
		mo_oneline_inplace(cb->error_description, DESC_MAX);
	}
	e.error = cb->error;
	e.description = cb->error_description;
	e.codes[0] = aadsts_of(cb->error_description);
	e.n_codes = e.codes[0] != 0 ? 1 : 0;

	if (strcmp(cb->error, "access_denied") == 0 &&
	    !mo_is_consent_error(e.error, NULL, e.description, e.codes, e.n_codes)) {
		(void)mo_buf_printf(&msg, "the sign-in was cancelled or refused in the browser "
					  "(access_denied%s%s); nothing was stored.  Run "
					  "`mailoauth authorize %s` to try again.",
				    e.description ? ": " : "", e.description ? e.description : "",
				    a->name);
		ret = MO_ERR_REAUTH;
	} else {
		/* It came back through the browser, in a 302 redirect. */
		e.http_status = 302;
		(void)mo_buf_addstr(&msg, "the sign-in in the browser failed: ");
		ret = mo_signin_explain(a, &e, &msg);
		if (ret == MO_OK)
			ret = MO_ERR_PROTO;
	}
	*error_r = mo_buf_steal(&msg);
	mo_buf_free(&msg);
	return ret;
}

/* What the user reads on the terminal, and the URL alone on stdout. */
static void
announce(const struct mo_signin *s, const struct mo_loopback *lb, const char *url)
{
	const struct mo_account *a = s->acct;
	unsigned int port = mo_loopback_port(lb);

	mo_net_print("mailoauth: to sign in to account %s (%s), open this URL in a web "
			"browser%s:\n", a->name, a->login_hint ? a->login_hint : a->user,
		s->open_browser ? " (starting yours now)" : "");
	fflush(stderr);
	/* Alone on its line, flushed at once: ssh users and scripts take it. */
	printf("%s\n", url);
	fflush(stdout);
	mo_net_print("mailoauth: waiting up to %d s for the browser to come back to "
			"http://localhost:%u/ on this machine (Ctrl-C cancels)\n",
		s->timeout, port);
	if (!s->open_browser && !mo_signin_have_display())
		mo_net_print("mailoauth: signing in from another computer?  The browser must "
				"reach port %u here: run `ssh -L %u:127.0.0.1:%u THIS-HOST` there "
				"first (set redirect_port for a fixed port), or use --device.\n",
			port, port, port);
}

/* The wait for the redirect, its failures told with what to do next. */
static int
wait_redirect(const struct mo_signin *s, struct mo_loopback *lb, const struct mo_pkce *pk,
	      struct mo_cb_result *cb, char **error_r)
{
	const char *name = s->acct->name;
	char *error = NULL;
	int ret;

	ret = mo_loopback_wait(lb, pk->state, s->timeout, &mo_signin_cancel, cb, &error);
	if (ret == MO_ERR_TIMEOUT)
		ret = mo_errorf(error_r, ret, "%s; run `mailoauth authorize %s` again (or use "
				"--device)", error, name);
	else if (ret == MO_ERR_PROTO)
		ret = mo_errorf(error_r, ret, "%s; run `mailoauth authorize %s --no-open` and "
				"open the printed URL yourself", error, name);
	else if (ret != MO_OK) {
		*error_r = error;
		error = NULL;
	}
	free(error);
	return ret;
}

/* The code redeemed at the token endpoint; on failure the browser's page
 * says so too. */
static int
redeem(const struct mo_signin *s, struct mo_loopback *lb, const char *code,
       const char *redirect_uri, const struct mo_pkce *pk,
       struct mo_token_reply *reply, char **error_r)
{
	const struct mo_account *a = s->acct;
	struct mo_oauth_error err;
	struct mo_buf form;
	char *error = NULL;
	int ret;

	memset(&err, 0, sizeof(err));
	mo_buf_init(&form, MO_FORM_MAX);
	ret = build_redeem_form(a, code, redirect_uri, pk, &form, error_r);
	if (ret == MO_OK) {
		ret = mo_oauth_token_request(s->ctx->http, a, &form, "authorization code",
					     reply, &err, &error);
		if (ret != MO_OK) {
			ret = mo_signin_post_error(a, &err, NULL, error, ret, error_r);
			mo_loopback_reply(lb, false, *error_r);
		}
	}
	mo_oauth_error_clear(&err);
	mo_buf_free(&form);
	free(error);
	return ret;
}

int
mo_signin_browser(struct mo_signin *s, char **error_r)
{
	const struct mo_account *a = s->acct;
	struct mo_pkce pk;
	struct mo_loopback *lb = NULL;
	struct mo_cb_result cb;
	struct mo_token_reply reply;
	struct mo_buf url;
	char redirect_uri[64], start_url[96];
	char *error = NULL;
	pid_t opener = -1;
	int ret;

	memset(&cb, 0, sizeof(cb));
	memset(&reply, 0, sizeof(reply));
	mo_buf_init(&url, MO_FORM_MAX);
	memset(&pk, 0, sizeof(pk));

	if (a->authorize_url == NULL) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"provider %s has no authorization endpoint: the browser flow "
				"is not available for account %s", a->provider->name, a->name);
		goto out;
	}
	ret = mo_pkce_init(&pk);
	if (ret != MO_OK) {
		ret = mo_errorf(error_r, ret, "OpenSSL's random generator failed");
		goto out;
	}
	ret = mo_loopback_open(a->redirect_port, &lb, error_r);
	if (ret != MO_OK)
		goto out;
	(void)snprintf(redirect_uri, sizeof(redirect_uri), "http://localhost:%u/",
		       mo_loopback_port(lb));
	ret = build_url(a, redirect_uri, &pk, &url);
	if (ret != MO_OK) {
		ret = mo_errorf(error_r, ret, "cannot build the sign-in URL: %s",
				mo_strerror(ret));
		goto out;
	}
	announce(s, lb, mo_buf_str(&url));
	/* The browser's argv is readable by every local user: it carries only
	 * the start page, which sends the browser on to the URL. */
	if (s->open_browser) {
		ret = mo_loopback_start_page(lb, mo_buf_str(&url), start_url, sizeof(start_url),
					     error_r);
		if (ret != MO_OK)
			goto out;
		if (mo_signin_open_url(start_url, &opener, &error) != MO_OK) {
			mo_net_warn("%s; open the URL above yourself", error);
			free(error);
			error = NULL;
		}
	}

	ret = wait_redirect(s, lb, &pk, &cb, error_r);
	if (ret != MO_OK)
		goto out;
	if (cb.kind == MO_CB_ERROR) {
		ret = callback_error(a, &cb, error_r);
		mo_loopback_reply(lb, false, *error_r);
		goto out;
	}
	mo_net_note(1, "sign-in redirect received; redeeming the code");
	ret = redeem(s, lb, cb.code, redirect_uri, &pk, &reply, error_r);
	if (ret != MO_OK)
		goto out;
	if (mo_signin_cancel) {
		ret = mo_errorf(error_r, MO_ERR_CANCELLED, "sign-in cancelled");
		mo_loopback_reply(lb, false, "Cancelled in the terminal; nothing was stored.");
		goto out;
	}
	ret = mo_signin_finish(s, &reply, error_r);
	if (ret == MO_OK)
		mo_loopback_reply(lb, true, NULL);
	else
		mo_loopback_reply(lb, false, "The tokens could not be stored; see the terminal.");
out:
	if (lb != NULL)
		mo_loopback_reply(lb, false, "See the terminal for why.");
	mo_loopback_close(lb);
	if (opener > 0)
		mo_signin_reap(opener);
	mo_token_reply_clear(&reply);
	mo_cb_result_clear(&cb);
	mo_buf_free(&url);
	mo_pkce_clear(&pk);
	free(error);
	return ret;
}
