/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_OAUTH_H
#define MAILOAUTH_NET_OAUTH_H

#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "http.h"
#include "jsonload.h"
#include "store.h"

/*
 * Requests to an OAuth 2.0 token endpoint (RFC 6749 §3.2, §4-6) and the
 * other form-POST endpoints of the identity provider (device authorization,
 * RFC 8628 §3.1), with Microsoft's replies and errors.
 *
 * Shared by the refresh (refresh.c) and the sign-in flows
 * (helper/net/signin-*.c): a flow builds its form with mo_oauth_form_grant() and
 * mo_form_add(), then calls mo_oauth_token_request() (or mo_oauth_post() for
 * a non-token endpoint).  Everything that carried a secret is wiped.
 */

/* Upper bound of a form body. */
#define MO_FORM_MAX (64 * 1024)

/* An error reply of the identity provider (RFC 6749 §5.2 plus Microsoft's
 * members, doc/protocol.md, error replies).  All strings malloc'd or NULL. */
#define MO_OAUTH_MAX_CODES 8
struct mo_oauth_error {
	long http_status;
	char *error;		/* "invalid_grant", "authorization_pending" ... */
	char *description;	/* error_description, first line */
	char *suberror;		/* "basic_action", "consent_required" ... */
	long codes[MO_OAUTH_MAX_CODES];	/* error_codes: AADSTS numbers */
	unsigned int n_codes;
	char *trace_id;
	char *correlation_id;
	char *timestamp;
	char *error_uri;
};

/* A successful token reply (RFC 6749 §5.1).  Secrets wiped by _clear. */
struct mo_token_reply {
	char *access_token;	/* never NULL after a successful parse */
	char *refresh_token;	/* NULL: the reply had none (keep the old) */
	char *id_token;		/* NULL unless openid was asked for */
	char *token_type;	/* "Bearer" when absent */
	char *scope;		/* granted scope, NULL when absent */
	int64_t expires_in;	/* seconds; number or string in the JSON;
				   -1 when absent */
	/* From the id_token's payload, when there is one (see
	 * mo_token_reply_parse): NULL when unknown. */
	char *identity;		/* preferred_username (else email, upn) */
	char *tenant_id;	/* tid */
	char *object_id;	/* oid */
};

void mo_oauth_error_clear(struct mo_oauth_error *e);
void mo_token_reply_clear(struct mo_token_reply *r);

/* Appends "name=value" to an application/x-www-form-urlencoded body, with a
 * '&' first when the body is not empty; value is escaped with
 * curl_easy_escape and the escaped copy wiped.  Returns MO_OK, MO_ERR_TOOBIG
 * or MO_ERR_NOMEM. */
int mo_form_add(struct mo_buf *form, const char *name, const char *value);

/*
 * Starts the form of a token request: grant_type, client_id, and
 * client_secret when the account has client_secret_file or
 * client_secret_command (see mo_client_secret()), or client_assertion_type
 * and a freshly signed client_assertion when it has client_certificate_file
 * (assertion.h).  A public app never sends a secret.  With a store key the
 * key is obtained first (storekey.h), so that no request is made whose
 * tokens could not be saved.  Returns MO_OK or an error with *error_r (malloc'd):
 * MO_ERR_PERM / MO_ERR_CONFIG / MO_ERR_IO from reading the secret,
 * MO_ERR_TOOBIG, MO_ERR_NOMEM.
 */
int mo_oauth_form_grant(struct mo_buf *form, const struct mo_account *a,
			const char *grant_type, char **error_r);

/* The complete form of a refresh_token grant for a (with its scope). */
int mo_oauth_form_refresh(struct mo_buf *form, const struct mo_account *a,
			  const char *refresh_token, char **error_r);

/* The complete form of a client_credentials grant (provider's app scope). */
int mo_oauth_form_client_credentials(struct mo_buf *form,
				     const struct mo_account *a, char **error_r);

/*
 * Reads the account's client secret: client_secret_file (refused when group
 * or other may read it or it is not ours: the message has the chmod that
 * fixes it; first line only, trailing CR/LF stripped) or the output of
 * client_secret_command (run with /bin/sh -c because the user wrote that
 * command line in their own configuration; stdout captured up to 8 KiB, its
 * first line; non-zero exit is an error).  *secret_r is NULL when the
 * account has no secret (public app).  Free with mo_free_secret().
 * Returns MO_OK, MO_ERR_PERM, MO_ERR_CONFIG (empty secret, command failed),
 * MO_ERR_IO, MO_ERR_NOMEM; *error_r malloc'd.
 */
int mo_client_secret(const struct mo_account *a, char **secret_r,
		     char **error_r);

/*
 * POSTs form to url (an endpoint of a) and parses the JSON reply.
 *
 * Returns:
 *   MO_OK        2xx with a JSON object: *reply_r (json_decref() it; it may
 *                hold secrets: pass it to mo_json_wipe_decref())
 *   anything else with *error_r (malloc'd, for the user, naming what to do):
 *   - the provider's own error (4xx/5xx with OAuth error JSON): err is
 *     filled and the code comes from mo_oauth_explain(): MO_ERR_REAUTH,
 *     MO_ERR_CONFIG, MO_ERR_AUTH, MO_ERR_TEMP ...  Device-flow callers look
 *     at err->error ("authorization_pending", "slow_down") first.
 *   - MO_ERR_TEMP (network, 429/5xx after the retries), MO_ERR_TIMEOUT,
 *     MO_ERR_PARSE (not JSON: "malformed reply"), MO_ERR_TOOBIG, MO_ERR_PROTO
 *     (an unexpected status without error JSON), MO_ERR_NOMEM.
 * err may be NULL.  The stored tokens are never touched here.
 */
int mo_oauth_post(struct mo_http *h, const struct mo_account *a,
		  const char *url, const struct mo_buf *form, const char *what,
		  json_t **reply_r, struct mo_oauth_error *err, char **error_r);

/*
 * A token-endpoint request (a->token_url): mo_oauth_post() +
 * mo_token_reply_parse().  Same results; on MO_OK *reply is filled (clear
 * it with mo_token_reply_clear()).
 */
int mo_oauth_token_request(struct mo_http *h, const struct mo_account *a,
			   const struct mo_buf *form, const char *what,
			   struct mo_token_reply *reply,
			   struct mo_oauth_error *err, char **error_r);

/*
 * The same, asynchronous: done runs inside mo_http_run() with the result
 * and, on MO_OK, the parsed reply (owned by the caller of the callback:
 * clear it there or move its members out); err is valid for the call;
 * error is a message (valid for the call) when result is not MO_OK.
 */
typedef void mo_oauth_done_fn(void *arg, int result,
			      struct mo_token_reply *reply,
			      struct mo_oauth_error *err, const char *error);
int mo_oauth_token_start(struct mo_http *h, const struct mo_account *a,
			 const struct mo_buf *form, const char *what,
			 mo_oauth_done_fn *done, void *arg, char **error_r);

/*
 * Parses a token reply: access_token (required, checked with
 * mo_valid_token()), refresh_token (same check), token_type (must be
 * Bearer, any case, when present), expires_in (number or string of
 * digits), scope, id_token.  A descriptive member (scope, the id_token's
 * claims) with control characters is dropped, since the store could not
 * keep it: whatever this function accepts, mo_store_save() can write.
 * The id_token's payload is read without checking its signature: it came
 * straight from the token endpoint over verified TLS (OpenID Connect Core
 * §3.1.3.7 allows that), and it only names who signed in.  Returns MO_OK,
 * MO_ERR_PARSE (with *error_r static), MO_ERR_NOMEM.
 */
int mo_token_reply_parse(json_t *j, struct mo_token_reply *r,
			 const char **error_r);

/*
 * Stores a reply into t (the account's stored tokens): new access token,
 * expiry now + expires_in (3600 when absent), the new refresh token or the
 * old one when the reply has none, granted scope and identity when given,
 * client_id.  Moves the secrets out of r.  Returns MO_OK or MO_ERR_NOMEM.
 */
int mo_token_apply_reply(struct mo_token *t, const struct mo_account *a,
			 struct mo_token_reply *r, int64_t now);

#endif
