/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_CHALLENGE_H
#define MAILOAUTH_CHALLENGE_H

#include <stddef.h>

/*
 * The error challenge a server sends when it refuses a bearer token, before
 * it fails the exchange.  RFC 7628 §3.2.2 (OAUTHBEARER):
 *
 *     The server error response is a JSON [RFC7159] object with
 *       "status"  (REQUIRED)  an authorization error code, e.g.
 *                             "invalid_token", "insufficient_scope";
 *       "scope"   (OPTIONAL)  a scope the client should request;
 *       "openid-configuration" (OPTIONAL) a discovery document URL.
 *
 * Google's XOAUTH2 and Dovecot use the same object with an HTTP-like status
 * and a "schemes" member:
 *
 *     {"status":"401","schemes":"bearer","scope":"mail"}
 *     {"status":"401","schemes":"bearer mac","scope":"https://mail.google.com/"}
 *
 * Members other than these are ignored; a member of the wrong type is an
 * error; numbers are accepted for "status" (and converted to text).
 */
struct mo_challenge {
	char *status;			/* never NULL after a successful parse */
	char *schemes;			/* NULL when absent */
	char *scope;			/* NULL when absent */
	char *openid_configuration;	/* NULL when absent */
};

/* Largest decoded challenge we accept. */
#define MO_CHALLENGE_MAX 4096

/*
 * Parses the decoded (raw JSON) challenge of len bytes.  Returns MO_OK,
 * MO_ERR_TOOBIG (over MO_CHALLENGE_MAX), MO_ERR_PARSE (not a JSON object,
 * truncated, no "status", a member of the wrong type, control characters in
 * a value) or MO_ERR_NOMEM.  On failure *error_r names the problem and ch is
 * left zeroed.  The caller frees ch with mo_challenge_free().
 */
int mo_challenge_parse(const void *data, size_t len, struct mo_challenge *ch,
		       const char **error_r);

/* Frees the members of ch and zeroes it. */
void mo_challenge_free(struct mo_challenge *ch);

/* A one-line summary for error messages, e.g.
 * "status 401, scope mail"; written into buf of size n, returns buf. */
const char *mo_challenge_describe(const struct mo_challenge *ch, char *buf,
				  size_t n);

#endif
