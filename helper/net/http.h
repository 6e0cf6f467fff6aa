/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_HTTP_H
#define MAILOAUTH_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * HTTPS requests to the identity provider, over one libcurl multi handle so
 * that many requests run at once and share kept-alive connections.
 *
 * Policy, the same for every request (doc/internals.md, secrets):
 *   - https:// only, no redirects, TLS verification always on.  ca_file is
 *     ADDED to the system trust store (libcurl's CAINFO alone would replace
 *     it): with OpenSSL, CAINFO = ca_file plus CAPATH = the hashed system CA
 *     directory; else an in-memory bundle of the system bundle + ca_file.
 *   - connect timeout 10 s, whole attempt 30 s (tests: $MAILOAUTH_HTTP_TIMEOUT
 *     and $MAILOAUTH_CONNECT_TIMEOUT, seconds, may be fractional).
 *   - replies capped at MO_HTTP_MAX_REPLY bytes (checked against
 *     Content-Length and again while receiving).
 *   - retries with exponential backoff and jitter on network errors, HTTP 429
 *     and 5xx, honouring Retry-After (seconds or HTTP-date); at most
 *     MO_HTTP_MAX_ATTEMPTS attempts and MO_HTTP_RETRY_BUDGET seconds of
 *     waiting in all ($MAILOAUTH_RETRY_BUDGET overrides, seconds).
 *   - User-Agent "mailoauth/VERSION".
 *   - with verbose >= 1, stderr shows method, URL, status, timing and each
 *     retry decision.  Bodies, headers and form values are never shown.
 */

#define MO_HTTP_MAX_REPLY (1024 * 1024)
#define MO_HTTP_MAX_ATTEMPTS 4
#define MO_HTTP_RETRY_BUDGET 60

struct mo_http;

struct mo_http_request {
	const char *url;	/* https://...; never contains a secret */
	const char *ca_file;	/* extra trust anchor (PEM), or NULL */
	const char *form;	/* application/x-www-form-urlencoded body: POST;
				   NULL: GET.  Secret: copied, wiped after use */
	const char *what;	/* short label for -v ("token refresh"), or NULL */
};

struct mo_http_reply {
	long status;		/* final HTTP status; 0 when none arrived */
	struct mo_buf body;	/* secret (tokens); at most MO_HTTP_MAX_REPLY */
	char content_type[128];	/* "" when absent */
	long retry_after;	/* seconds the server asked to wait, -1: none */
	unsigned int attempts;	/* attempts made */
	double seconds;		/* wall time, all attempts and waits */
};

/*
 * Called once per request with the final outcome, from inside mo_http_run().
 * result is MO_OK when an HTTP reply arrived (any status, also a 4xx or a
 * 5xx that outlived the retries: look at reply->status), else MO_ERR_TEMP
 * (network failure after the retries), MO_ERR_TIMEOUT (the server was too
 * slow), MO_ERR_TOOBIG (reply over the cap), MO_ERR_CONFIG (the server's
 * certificate is not trusted: ca_file?), MO_ERR_PROTO (another transport
 * failure that a retry would not cure) or MO_ERR_NOMEM; error is then a
 * message for the user naming the URL's host (valid during the call only).
 * reply is owned by the HTTP layer and freed after the callback returns;
 * the callback may take reply->body with mo_buf_steal().  It may start new
 * requests.
 */
typedef void mo_http_done_fn(void *arg, int result, struct mo_http_reply *reply,
			     const char *error);

/* Creates the context (curl_global_init on first use).  verbose is the -v
 * count.  Returns MO_OK or MO_ERR_NOMEM/MO_ERR_INTERNAL with *error_r
 * (malloc'd). */
int mo_http_new(int verbose, struct mo_http **http_r, char **error_r);

/* Frees the context; requests still pending are abandoned without calling
 * their callbacks.  NULL is accepted. */
void mo_http_free(struct mo_http *h);

/*
 * Queues a request; it runs inside mo_http_run().  Returns MO_OK, or
 * MO_ERR_INVAL (not an https URL), MO_ERR_IO (ca_file unreadable),
 * MO_ERR_NOMEM with *error_r (malloc'd); done is not called then.
 */
int mo_http_start(struct mo_http *h, const struct mo_http_request *req,
		  mo_http_done_fn *done, void *arg, char **error_r);

/* Runs the queued requests (and those their callbacks start) until none is
 * left.  Returns MO_OK, or MO_ERR_INTERNAL when libcurl itself failed. */
int mo_http_run(struct mo_http *h);

/* Number of requests queued or running. */
size_t mo_http_pending(const struct mo_http *h);

/*
 * One request, synchronously: mo_http_start() + mo_http_run().  Other
 * queued requests run too.  On MO_OK reply holds the outcome (the caller
 * frees it with mo_http_reply_free()); otherwise *error_r (malloc'd)
 * explains.  Results as for mo_http_done_fn.
 */
int mo_http_perform(struct mo_http *h, const struct mo_http_request *req,
		    struct mo_http_reply *reply, char **error_r);

/* Initialises / wipes and frees a reply. */
void mo_http_reply_init(struct mo_http_reply *reply);
void mo_http_reply_free(struct mo_http_reply *reply);

/* The host[:port] of url, for messages, in buf (cut to len). */
const char *mo_url_host(const char *url, char *buf, size_t len);

/* True when reply's Content-Type is JSON (application/json, any params). */
bool mo_http_reply_is_json(const struct mo_http_reply *reply);

#endif
