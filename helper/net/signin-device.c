/* SPDX-License-Identifier: MIT */
/*
 * The device sign-in: OAuth 2.0 Device Authorization Grant (RFC 8628) as
 * Microsoft implements it (doc/protocol.md, device code flow).
 */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "clock.h"
#include "errmsg.h"
#include "errors.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "signin-callback.h"
#include "signin-check.h"
#include "deviceauth.h"
#include "signin.h"
#include "validate.h"

#define GRANT_DEVICE_CODE "urn:ietf:params:oauth:grant-type:device_code"
#define SLOW_DOWN_STEP 5	/* RFC 8628 §3.5 */
/* After an outage the next poll waits up to this many intervals (doubling;
 * RFC 8628 §3.5 asks for a backoff; doc/protocol.md, device code flow). */
#define OUTAGE_BACKOFF_MAX 4
#define MSG_MAX 8192

static int
request_device_code(struct mo_signin *s, struct mo_device_auth *d, char **error_r)
{
	const struct mo_account *a = s->acct;
	struct mo_oauth_error err;
	struct mo_buf form;
	json_t *j = NULL;
	const char *why = NULL;
	char *error = NULL;
	int ret;

	memset(&err, 0, sizeof(err));
	mo_buf_init(&form, MO_FORM_MAX);
	/* RFC 8628 §3.1: client_id and scope; a public-client flow. */
	ret = mo_form_add(&form, "client_id", a->client_id);
	if (ret == MO_OK)
		ret = mo_form_add(&form, "scope", a->scopes);
	if (ret != MO_OK) {
		ret = mo_errorf(error_r, ret, "cannot build the request: %s", mo_strerror(ret));
		goto out;
	}
	ret = mo_oauth_post(s->ctx->http, a, a->device_url, &form, "device authorization", &j,
			    &err, &error);
	if (ret != MO_OK) {
		ret = mo_signin_post_error(a, &err, "the device sign-in could not start: ", error,
					   ret, error_r);
		goto out;
	}
	ret = mo_device_auth_parse(j, d, &why);
	if (ret == MO_ERR_PARSE)
		ret = mo_errorf(error_r, MO_ERR_PROTO, "the device authorization reply of %s "
				"makes no sense (%s)", a->device_url, why);
	else if (ret != MO_OK)
		ret = mo_errorf(error_r, ret, "out of memory");
out:
	mo_json_wipe_decref(j);
	mo_oauth_error_clear(&err);
	mo_buf_free(&form);
	free(error);
	return ret;
}

static void
show_instructions(const struct mo_signin *s, const struct mo_device_auth *d)
{
	mo_net_print("mailoauth: to sign in to account %s (%s):\n", s->acct->name,
		s->acct->login_hint ? s->acct->login_hint : s->acct->user);
	if (d->message != NULL)
		mo_net_print("  %s\n", d->message);
	mo_net_print("  Open:       %s\n  Enter code: %s\n", d->verification_uri,
		d->user_code);
	fflush(stderr);
#ifdef HAVE_QRENCODE
	/* A phone is how people sign in for a headless server. */
	if (isatty(STDOUT_FILENO)) {
		if (mo_signin_print_qr(stdout, d->verification_uri) == MO_OK)
			fflush(stdout);
	}
#endif
	mo_net_print("mailoauth: waiting for the sign-in (the code expires in %ld min; "
			"Ctrl-C cancels)\n", (d->expires_in + 59) / 60);
	fflush(stderr);
}

/* One poll of the token endpoint (RFC 8628 §3.4). */
static int
poll_once(struct mo_signin *s, const struct mo_device_auth *d,
	  struct mo_token_reply *reply, struct mo_oauth_error *err, char **error_r)
{
	struct mo_buf form;
	int ret;

	mo_buf_init(&form, MO_FORM_MAX);
	ret = mo_oauth_form_grant(&form, s->acct, GRANT_DEVICE_CODE, error_r);
	if (ret == MO_OK)
		ret = mo_form_add(&form, "device_code", d->device_code);
	if (ret == MO_OK)
		ret = mo_oauth_token_request(s->ctx->http, s->acct, &form, "device code poll",
					     reply, err, error_r);
	else if (error_r != NULL && *error_r == NULL)
		*error_r = mo_strdup_printf("cannot build the request: %s", mo_strerror(ret));
	mo_buf_free(&form);
	return ret;
}

static bool
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* The code ran out before the user signed in. */
static int
expired(const struct mo_account *a, const struct mo_device_auth *d, char **error_r)
{
	return mo_errorf(error_r, MO_ERR_REAUTH, "the code %s expired before the sign-in "
			 "was completed; run `mailoauth authorize %s` again", d->user_code,
			 a->name);
}

/*
 * What a poll that brought no tokens means (RFC 8628 §3.5): MO_OK to poll
 * again after *interval (raised by slow_down) times *backoff (doubled by
 * an outage, 1 again once the server answers), else the error that ends
 * the flow, in *error_r.  ret and error are the poll's.
 */
static int
judge_poll(const struct mo_account *a, const struct mo_device_auth *d,
	   const struct mo_oauth_error *err, int ret, const char *error,
	   long *interval, int *backoff, bool *warned_net, char **error_r)
{
	if (is(err->error, "authorization_pending")) {
		mo_net_note(2, "device sign-in: still pending");
		*backoff = 1;
		return MO_OK;
	}
	if (is(err->error, "slow_down")) {
		/* +5 s for this and every later poll. */
		if (*interval < MO_DEVICE_MAX_INTERVAL)
			*interval += SLOW_DOWN_STEP;
		mo_net_note(1, "device sign-in: the server asks to slow down; polling "
			       "every %ld s", *interval);
		*backoff = 1;
		return MO_OK;
	}
	if (is(err->error, "authorization_declined") || is(err->error, "access_denied"))
		return mo_errorf(error_r, MO_ERR_REAUTH, "the sign-in was declined on the "
				 "verification page; nothing was stored.  Run `mailoauth "
				 "authorize %s` to try again.", a->name);
	if (is(err->error, "expired_token") || is(err->error, "code_expired"))
		return expired(a, d, error_r);
	if (is(err->error, "bad_verification_code"))
		return mo_errorf(error_r, MO_ERR_PROTO, "the identity provider no longer "
				 "knows this device code (bad_verification_code); run "
				 "`mailoauth authorize %s` again", a->name);
	if (ret == MO_ERR_TEMP || ret == MO_ERR_TIMEOUT) {
		/* An outage (no answer, a dropped connection, HTTP 5xx or 429,
		 * Microsoft's temporarily_unavailable): the HTTP layer has
		 * retried already, and the code is still good, so keep polling
		 * until it expires; the user may be signing in right now. */
		if (!*warned_net)
			mo_net_warn("%s; still trying", error ? error : mo_strerror(ret));
		*warned_net = true;
		if (*backoff < OUTAGE_BACKOFF_MAX)
			*backoff *= 2;
		mo_net_note(1, "device sign-in: next poll in %ld s", *interval * *backoff);
		return MO_OK;
	}
	return mo_signin_post_error(a, err, NULL, error, ret, error_r);
}

int
mo_signin_device(struct mo_signin *s, char **error_r)
{
	const struct mo_account *a = s->acct;
	struct mo_device_auth d;
	struct mo_token_reply reply;
	struct mo_oauth_error err;
	char *error = NULL;
	int64_t deadline;
	long interval;
	bool warned_net = false;
	int backoff = 1, ret;

	memset(&d, 0, sizeof(d));
	memset(&reply, 0, sizeof(reply));
	memset(&err, 0, sizeof(err));
	if (a->device_url == NULL || !a->provider->device_flow_for_mail) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"provider %s offers no device sign-in for mail; use "
				"`mailoauth authorize %s --browser` (from another computer: "
				"forward the redirect port with ssh -L)",
				a->provider->name, a->name);
		goto out;
	}
	ret = request_device_code(s, &d, error_r);
	if (ret != MO_OK)
		goto out;
	show_instructions(s, &d);
	deadline = mo_now_ms() / 1000 + d.expires_in;
	interval = d.interval;
	for (;;) {
		if (mo_signin_sleep(interval * backoff * 1000) != MO_OK) {
			ret = mo_errorf(error_r, MO_ERR_CANCELLED, "sign-in cancelled");
			goto out;
		}
		if (mo_now_ms() / 1000 >= deadline) {
			ret = expired(a, &d, error_r);
			goto out;
		}
		mo_oauth_error_clear(&err);
		free(error);
		error = NULL;
		ret = poll_once(s, &d, &reply, &err, &error);
		if (mo_signin_cancel) {
			ret = mo_errorf(error_r, MO_ERR_CANCELLED, "sign-in cancelled");
			goto out;
		}
		if (ret == MO_OK)
			break;
		ret = judge_poll(a, &d, &err, ret, error, &interval, &backoff, &warned_net,
				 error_r);
		if (ret != MO_OK)
			goto out;
	}
	ret = mo_signin_finish(s, &reply, error_r);
out:
	mo_token_reply_clear(&reply);
	mo_oauth_error_clear(&err);
	mo_device_auth_clear(&d);
	free(error);
	return ret;
}
