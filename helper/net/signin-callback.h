/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SIGNIN_CALLBACK_H
#define MAILOAUTH_SIGNIN_CALLBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * The redirect that ends the browser sign-in: one HTTP/1.x request from the
 * user's browser to our loopback listener (RFC 8252 §7.3), read from bytes
 * a network peer chose.  No I/O here (signin-loopback.c does it), so all of
 * it is unit-tested.
 *
 * Only the request head is read (a GET has no body), at most
 * MO_CB_MAX_HEAD bytes: request line + header fields + the empty line.
 */

#define MO_CB_MAX_HEAD 8192

/* mo_cb_head_parse(): the head is not complete yet. */
#define MO_CB_MORE 1

/* A parsed request head.  Pointers into the caller's buffer. */
struct mo_cb_head {
	const char *method;
	size_t method_len;
	const char *path;	/* absolute-path of the request-target */
	size_t path_len;
	const char *query;	/* after '?', or NULL when there is none */
	size_t query_len;
	unsigned int minor;	/* HTTP/1.minor */
	size_t head_len;	/* bytes up to and including the empty line */
};

/*
 * Parses the request head at buf[0..len).  Returns MO_OK (h filled),
 * MO_CB_MORE (no empty line yet and len < MO_CB_MAX_HEAD), MO_ERR_TOOBIG
 * (no end within MO_CB_MAX_HEAD bytes: answer 431 and close) or
 * MO_ERR_PARSE (malformed: answer 400 and close; *error_r static).
 */
int mo_cb_head_parse(const char *buf, size_t len, struct mo_cb_head *h,
		     const char **error_r);

/*
 * Percent-decodes len bytes at s into out (application/x-www-form-urlencoded:
 * "%" HEXDIG HEXDIG, and "+" is a space).  A "%" without two hex digits, or
 * a decoded NUL, is MO_ERR_PARSE; also MO_ERR_TOOBIG, MO_ERR_NOMEM.
 */
int mo_form_decode(const char *s, size_t len, struct mo_buf *out);

/*
 * The value of parameter name in the query q[0..len) (names compared after
 * decoding, exactly).  Returns MO_OK with *value_r (malloc'd, decoded; free
 * with mo_free_secret()), MO_ERR_NOENT (absent), MO_ERR_PARSE (bad
 * encoding, or the name appears twice: RFC 6749 §3.1 "Request and response
 * parameters MUST NOT be included more than once"), MO_ERR_NOMEM.
 */
int mo_query_get(const char *q, size_t len, const char *name, char **value_r);

/* What one request to the listener turned out to be. */
enum mo_cb_kind {
	MO_CB_CODE = 1,		/* code with the right state: the flow goes on */
	MO_CB_ERROR,		/* error with the right state: the flow ends */
	MO_CB_NOT_FOUND,	/* another path (favicon.ico ...): 404, wait on */
	MO_CB_BAD_METHOD,	/* not GET: 405, wait on */
	MO_CB_BAD_STATE,	/* state missing or wrong: 400, wait on */
	MO_CB_BAD,		/* neither a code nor an error: 400, wait on */
};

struct mo_cb_result {
	enum mo_cb_kind kind;
	int status;		/* HTTP status the browser gets */
	const char *why;	/* static: why a request was rejected */
	char *code;		/* MO_CB_CODE: secret */
	char *error;		/* MO_CB_ERROR: RFC 6749 §4.1.2.1 error */
	char *error_description;	/* MO_CB_ERROR, NULL when absent */
};

/*
 * Decides what the request h is, for a flow waiting on path (normally "/")
 * with the given state (compared in constant time).  RFC 6749 §4.1.2:
 *     success: code (REQUIRED), state (REQUIRED if sent)
 *     §4.1.2.1 error: error (REQUIRED), error_description, error_uri, state
 * Returns MO_OK with r filled (clear it with mo_cb_result_clear()), or
 * MO_ERR_NOMEM.
 */
int mo_cb_evaluate(const struct mo_cb_head *h, const char *path,
		   const char *state, struct mo_cb_result *r);

/* Wipes and frees what r holds; r is zeroed. */
void mo_cb_result_clear(struct mo_cb_result *r);

#endif
