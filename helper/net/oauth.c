/* SPDX-License-Identifier: MIT */
/*
 * Token-endpoint requests (RFC 6749): forms, the POST, the reply.  The
 * client secret is read in clientsecret.c, errors are explained in
 * idperrors.c.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "assertion.h"
#include "b64.h"
#include "errors.h"
#include "idperrors.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "storekey.h"
#include "validate.h"

#define TOKEN_MAX (64 * 1024)

void
mo_oauth_error_clear(struct mo_oauth_error *e)
{
	free(e->error);
	free(e->description);
	free(e->suberror);
	free(e->trace_id);
	free(e->correlation_id);
	free(e->timestamp);
	free(e->error_uri);
	memset(e, 0, sizeof(*e));
}

void
mo_token_reply_clear(struct mo_token_reply *r)
{
	mo_free_secret(r->access_token);
	mo_free_secret(r->refresh_token);
	mo_free_secret(r->id_token);
	free(r->token_type);
	free(r->scope);
	free(r->identity);
	free(r->tenant_id);
	free(r->object_id);
	memset(r, 0, sizeof(*r));
	r->expires_in = -1;
}

int
mo_form_add(struct mo_buf *form, const char *name, const char *value)
{
	char *esc;
	size_t save = form->len;
	int ret;

#if LIBCURL_VERSION_NUM >= 0x075200
	esc = curl_easy_escape(NULL, value, (int)strlen(value));
#else
	CURL *c = curl_easy_init();

	esc = c ? curl_easy_escape(c, value, (int)strlen(value)) : NULL;
	curl_easy_cleanup(c);
#endif
	if (esc == NULL)
		return MO_ERR_NOMEM;
	ret = MO_OK;
	if (form->len > 0)
		ret = mo_buf_addc(form, '&');
	if (ret == MO_OK)
		ret = mo_buf_addstr(form, name);
	if (ret == MO_OK)
		ret = mo_buf_addc(form, '=');
	if (ret == MO_OK)
		ret = mo_buf_addstr(form, esc);
	if (ret != MO_OK)
		mo_buf_truncate(form, save);
	mo_wipe(esc, strlen(esc));
	curl_free(esc);
	return ret;
}

int
mo_oauth_form_grant(struct mo_buf *form, const struct mo_account *a,
		    const char *grant_type, char **error_r)
{
	char *secret = NULL;
	int ret;

	*error_r = NULL;
	/* With a store key, the new tokens can only be saved sealed: obtain
	 * the key before asking, so that a missing or unusable key costs no
	 * request (and no rotated refresh token that could not be stored). */
	if (mo_net_store_key_configured(a)) {
		const struct mo_store_key *k;

		ret = mo_net_store_key(a, &k, error_r);
		if (ret != MO_OK)
			return ret;
	}
	ret = mo_form_add(form, "grant_type", grant_type);
	if (ret == MO_OK)
		ret = mo_form_add(form, "client_id", a->client_id);
	if (ret != MO_OK)
		goto out;
	if (a->client_certificate_file != NULL) {
		/* RFC 7523 section 2.2: the signed assertion instead of a secret. */
		ret = mo_client_assertion(a, (int64_t)time(NULL), &secret, error_r);
		if (ret == MO_OK)
			ret = mo_form_add(form, "client_assertion_type", MO_ASSERTION_TYPE);
		if (ret == MO_OK)
			ret = mo_form_add(form, "client_assertion", secret);
		goto out;
	}
	ret = mo_client_secret(a, &secret, error_r);
	if (ret != MO_OK)
		goto out;
	if (secret != NULL)
		ret = mo_form_add(form, "client_secret", secret);
out:
	mo_free_secret(secret);
	if (ret != MO_OK && *error_r == NULL &&
	    asprintf(error_r, "cannot build the request: %s", mo_strerror(ret)) < 0)
		*error_r = NULL;
	return ret;
}

int
mo_oauth_form_refresh(struct mo_buf *form, const struct mo_account *a,
		      const char *refresh_token, char **error_r)
{
	int ret;

	ret = mo_oauth_form_grant(form, a, "refresh_token", error_r);
	if (ret != MO_OK)
		return ret;
	ret = mo_form_add(form, "refresh_token", refresh_token);
	if (ret == MO_OK && a->scopes != NULL && *a->scopes != '\0')
		ret = mo_form_add(form, "scope", a->scopes);
	if (ret != MO_OK &&
	    asprintf(error_r, "cannot build the request: %s", mo_strerror(ret)) < 0)
		*error_r = NULL;
	return ret;
}

int
mo_oauth_form_client_credentials(struct mo_buf *form, const struct mo_account *a,
				 char **error_r)
{
	const char *scope = a->provider ? a->provider->app_scope : NULL;
	int ret;

	if (scope == NULL) {
		if (asprintf(error_r, "account %s: provider %s has no app-only (client_credentials) scope",
			     a->name, a->provider ? a->provider->name : "?") < 0)
			*error_r = NULL;
		return MO_ERR_CONFIG;
	}
	ret = mo_oauth_form_grant(form, a, "client_credentials", error_r);
	if (ret != MO_OK)
		return ret;
	ret = mo_form_add(form, "scope", scope);
	if (ret != MO_OK &&
	    asprintf(error_r, "cannot build the request: %s", mo_strerror(ret)) < 0)
		*error_r = NULL;
	return ret;
}

/* ---- replies ---------------------------------------------------------- */

static int
dup_member(json_t *j, const char *key, char **out)
{
	json_t *v = json_object_get(j, key);

	if (v == NULL || json_is_null(v))
		return MO_OK;
	if (!json_is_string(v) || memchr(json_string_value(v), '\0', json_string_length(v)))
		return MO_ERR_PARSE;
	*out = mo_strndup(json_string_value(v), json_string_length(v));
	return *out ? MO_OK : MO_ERR_NOMEM;
}

/* A descriptive member (scope, identity ...): the store keeps only text
 * without control characters, so one that has them is dropped (with a
 * note) rather than failing a refresh whose new tokens must be saved. */
static void
dup_text(json_t *j, const char *key, char **out)
{
	const char *s;
	size_t i;

	if (dup_member(j, key, out) != MO_OK || *out == NULL)
		return;
	for (s = *out, i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			mo_net_note(1, "ignoring \"%s\" in the reply: it has control characters",
				    key);
			free(*out);
			*out = NULL;
			return;
		}
	}
}

/* expires_in: a JSON number (v2.0 endpoint) or a string of digits (v1.0). */
static int
parse_expires_in(json_t *v, int64_t *out)
{
	const char *s;
	char *end;
	long long n;

	if (v == NULL || json_is_null(v)) {
		*out = -1;
		return MO_OK;
	}
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		/* Out of range first: casting 1e300 is undefined behaviour. */
		if (!(d >= 0 && d <= 10.0 * 366 * 86400))
			return MO_ERR_PARSE;
		n = (long long)d;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (*s < '0' || *s > '9')
			return MO_ERR_PARSE;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return MO_ERR_PARSE;
	} else {
		return MO_ERR_PARSE;
	}
	if (n < 0 || n > 10LL * 366 * 86400)
		return MO_ERR_PARSE;
	*out = n;
	return MO_OK;
}

/* OpenID Connect Core §2: the id_token is a JWS; we read its payload only
 * (see oauth.h for why no signature check is needed here). */
static void
parse_id_token(struct mo_token_reply *r)
{
	struct mo_buf payload;
	const char *p, *dot1, *dot2;
	json_t *j = NULL;

	mo_buf_init(&payload, TOKEN_MAX);
	p = r->id_token;
	dot1 = strchr(p, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL)
		goto out;
	if (mo_base64url_decode(&payload, dot1 + 1, (size_t)(dot2 - dot1 - 1)) != MO_OK)
		goto out;
	if (mo_json_load(payload.data, payload.len, 0, &j) != MO_OK || !json_is_object(j))
		goto out;
	dup_text(j, "preferred_username", &r->identity);
	if (r->identity == NULL)
		dup_text(j, "email", &r->identity);
	if (r->identity == NULL)
		dup_text(j, "upn", &r->identity);
	dup_text(j, "tid", &r->tenant_id);
	dup_text(j, "oid", &r->object_id);
out:
	mo_json_wipe_decref(j);
	mo_buf_free(&payload);
}

int
mo_token_reply_parse(json_t *j, struct mo_token_reply *r, const char **error_r)
{
	int ret;

	mo_token_reply_clear(r);
	*error_r = "malformed token reply";
	if (!json_is_object(j))
		return MO_ERR_PARSE;
	if ((ret = dup_member(j, "access_token", &r->access_token)) != MO_OK ||
	    (ret = dup_member(j, "refresh_token", &r->refresh_token)) != MO_OK ||
	    (ret = dup_member(j, "id_token", &r->id_token)) != MO_OK ||
	    (ret = dup_member(j, "token_type", &r->token_type)) != MO_OK)
		goto fail;
	dup_text(j, "scope", &r->scope);
	ret = MO_ERR_PARSE;
	if (r->access_token == NULL) {
		*error_r = "the token reply has no access_token";
		goto fail;
	}
	if (mo_valid_token(r->access_token, strlen(r->access_token), NULL) != MO_OK) {
		*error_r = "the access_token in the reply has characters no token may have";
		goto fail;
	}
	if (r->refresh_token != NULL &&
	    mo_valid_token(r->refresh_token, strlen(r->refresh_token), NULL) != MO_OK) {
		*error_r = "the refresh_token in the reply has characters no token may have";
		goto fail;
	}
	if (r->token_type != NULL && strcasecmp(r->token_type, "Bearer") != 0) {
		*error_r = "the token reply's token_type is not Bearer";
		goto fail;
	}
	if (parse_expires_in(json_object_get(j, "expires_in"), &r->expires_in) != MO_OK) {
		*error_r = "the token reply's expires_in is not a number of seconds";
		goto fail;
	}
	if (r->token_type == NULL && (r->token_type = strdup("Bearer")) == NULL) {
		ret = MO_ERR_NOMEM;
		goto fail;
	}
	if (r->id_token != NULL)
		parse_id_token(r);
	*error_r = NULL;
	return MO_OK;
fail:
	if (ret == MO_ERR_NOMEM)
		*error_r = "out of memory";
	mo_token_reply_clear(r);
	return ret;
}

static void
move_str(char **dst, char **src, bool secret)
{
	if (*src == NULL)
		return;
	if (secret)
		mo_free_secret(*dst);
	else
		free(*dst);
	*dst = *src;
	*src = NULL;
}

int
mo_token_apply_reply(struct mo_token *t, const struct mo_account *a,
		     struct mo_token_reply *r, int64_t now)
{
	char *cid;

	move_str(&t->access_token, &r->access_token, true);
	if (r->refresh_token != NULL) {
		move_str(&t->refresh_token, &r->refresh_token, true);
		t->refresh_obtained_at = now;
	}
	move_str(&t->token_type, &r->token_type, false);
	move_str(&t->scope, &r->scope, false);
	move_str(&t->identity, &r->identity, false);
	move_str(&t->tenant_id, &r->tenant_id, false);
	move_str(&t->object_id, &r->object_id, false);
	t->expires_at = now + (r->expires_in >= 0 ? r->expires_in : 3600);
	t->obtained_at = now;
	t->refused_at = 0;	/* a new access token: nobody refused it yet */
	if (a->client_id != NULL && (t->client_id == NULL || strcmp(t->client_id, a->client_id) != 0)) {
		cid = strdup(a->client_id);
		if (cid == NULL)
			return MO_ERR_NOMEM;
		free(t->client_id);
		t->client_id = cid;
	}
	return MO_OK;
}

/* ---- the POST --------------------------------------------------------- */

/*
 * Turns the HTTP outcome into JSON or an explained error.  On MO_OK
 * *json_r is the reply object.
 */
static int
classify(const struct mo_account *a, const char *url, int result,
	 struct mo_http_reply *reply, const char *error, json_t **json_r,
	 struct mo_oauth_error *err, char **error_r)
{
	struct mo_buf msg;
	char host[256];
	json_t *j;
	int ret;

	*json_r = NULL;
	*error_r = NULL;
	mo_buf_init(&msg, 16 * 1024);
	mo_url_host(url, host, sizeof(host));
	if (result != MO_OK) {
		*error_r = strdup(error);
		ret = result;
		goto out;
	}
	if (reply->status >= 200 && reply->status <= 299) {
		ret = mo_json_load(reply->body.data, reply->body.len,
				   JSON_REJECT_DUPLICATES, &j);
		if (ret == MO_ERR_NOMEM) {
			*error_r = strdup("out of memory while reading the identity "
					  "provider's reply; the stored tokens are unchanged");
			goto out;
		}
		if (!json_is_object(j)) {
			mo_json_wipe_decref(j);
			if (asprintf(error_r, "the identity provider %s sent a malformed reply "
					      "(HTTP %ld, %zu bytes, not a JSON object); "
					      "the stored tokens are unchanged, try again later",
				     host, reply->status, reply->body.len) < 0)
				*error_r = NULL;
			ret = MO_ERR_PARSE;
			goto out;
		}
		*json_r = j;
		ret = MO_OK;
		goto out;
	}
	mo_oauth_error_clear(err);
	if (mo_oauth_error_parse(reply->body.data, reply->body.len, err) == MO_OK) {
		err->http_status = reply->status;
		ret = mo_oauth_explain(err, a, &msg);
		mo_net_note(1, "identity provider error: %s (HTTP %ld)", err->error,
			    reply->status);
	} else if (reply->status == 429) {
		ret = MO_ERR_TEMP;
		mo_buf_printf(&msg, "the identity provider %s is throttling us (HTTP 429)",
			      host);
		if (reply->retry_after >= 0)
			mo_buf_printf(&msg, " and asks to wait %ld s", reply->retry_after);
		mo_buf_printf(&msg, "; the stored tokens are unchanged, try again later");
	} else if (reply->status >= 500) {
		ret = MO_ERR_TEMP;
		mo_buf_printf(&msg, "the identity provider %s is unavailable (HTTP %ld after "
				    "%u attempt%s); the stored tokens are unchanged, try again later",
			      host, reply->status, reply->attempts,
			      reply->attempts == 1 ? "" : "s");
	} else {
		ret = MO_ERR_PROTO;
		mo_buf_printf(&msg, "unexpected answer from the identity provider %s: HTTP %ld "
				    "without an OAuth error; check authority and tenant in the "
				    "configuration of account %s", host, reply->status, a->name);
	}
	*error_r = mo_buf_steal(&msg);
out:
	mo_buf_free(&msg);
	if (reply != NULL)
		mo_buf_free(&reply->body);
	return ret;
}

int
mo_oauth_post(struct mo_http *h, const struct mo_account *a, const char *url,
	      const struct mo_buf *form, const char *what, json_t **reply_r,
	      struct mo_oauth_error *err, char **error_r)
{
	struct mo_http_request req = {
		.url = url, .ca_file = a->ca_file, .form = mo_buf_str(form), .what = what,
	};
	struct mo_oauth_error local = { 0 };
	struct mo_http_reply reply;
	char *herr = NULL;
	int ret;

	*reply_r = NULL;
	if (err == NULL)
		err = &local;
	ret = mo_http_perform(h, &req, &reply, &herr);
	if (ret != MO_OK && ret != MO_ERR_TEMP && ret != MO_ERR_TIMEOUT &&
	    ret != MO_ERR_TOOBIG && ret != MO_ERR_CONFIG && ret != MO_ERR_PROTO) {
		/* Could not even start. */
		*error_r = herr ? herr : strdup(mo_strerror(ret));
		mo_http_reply_free(&reply);
		goto out;
	}
	ret = classify(a, url, ret, &reply, herr ? herr : "", reply_r, err, error_r);
	free(herr);
	mo_http_reply_free(&reply);
out:
	mo_oauth_error_clear(&local);
	return ret;
}

int
mo_oauth_token_request(struct mo_http *h, const struct mo_account *a,
		       const struct mo_buf *form, const char *what,
		       struct mo_token_reply *reply, struct mo_oauth_error *err,
		       char **error_r)
{
	const char *perr;
	json_t *j = NULL;
	int ret;

	mo_token_reply_clear(reply);
	ret = mo_oauth_post(h, a, a->token_url, form, what, &j, err, error_r);
	if (ret != MO_OK)
		return ret;
	ret = mo_token_reply_parse(j, reply, &perr);
	mo_json_wipe_decref(j);
	if (ret != MO_OK && asprintf(error_r, "%s from %s; the stored tokens are unchanged",
				     perr, a->token_url) < 0)
		*error_r = NULL;
	return ret;
}

/* ---- asynchronous token requests -------------------------------------- */

struct async_ctx {
	const struct mo_account *a;
	mo_oauth_done_fn *done;
	void *arg;
};

static void
async_done(void *arg, int result, struct mo_http_reply *reply, const char *error)
{
	struct async_ctx *c = arg;
	struct mo_oauth_error err = { 0 };
	struct mo_token_reply tr = { .expires_in = -1 };
	char *msg = NULL, *msg2 = NULL;
	const char *perr;
	json_t *j = NULL;
	int ret;

	ret = classify(c->a, c->a->token_url, result, reply, error, &j, &err, &msg);
	if (ret == MO_OK) {
		ret = mo_token_reply_parse(j, &tr, &perr);
		if (ret != MO_OK && asprintf(&msg2, "%s from %s; the stored tokens are unchanged",
					     perr, c->a->token_url) < 0)
			msg2 = NULL;
	}
	mo_json_wipe_decref(j);
	c->done(c->arg, ret, ret == MO_OK ? &tr : NULL, &err,
		msg2 ? msg2 : msg ? msg : mo_strerror(ret));
	mo_token_reply_clear(&tr);
	mo_oauth_error_clear(&err);
	free(msg);
	free(msg2);
	free(c);
}

int
mo_oauth_token_start(struct mo_http *h, const struct mo_account *a,
		     const struct mo_buf *form, const char *what,
		     mo_oauth_done_fn *done, void *arg, char **error_r)
{
	struct mo_http_request req = {
		.url = a->token_url, .ca_file = a->ca_file, .form = mo_buf_str(form),
		.what = what,
	};
	struct async_ctx *c;
	int ret;

	*error_r = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return MO_ERR_NOMEM;
	c->a = a;
	c->done = done;
	c->arg = arg;
	ret = mo_http_start(h, &req, async_done, c, error_r);
	if (ret != MO_OK)
		free(c);
	return ret;
}
