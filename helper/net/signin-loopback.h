/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SIGNIN_LOOPBACK_H
#define MAILOAUTH_SIGNIN_LOOPBACK_H

#include <signal.h>
#include <stdbool.h>

#include "signin-callback.h"

/*
 * The loopback redirect listener of the browser sign-in (RFC 8252 §7.3):
 * 127.0.0.1 and [::1] on the same port, an ephemeral one (or the configured
 * redirect_port), since browsers resolve "localhost" to either.  The
 * redirect URI is http://localhost:PORT/ (Entra ignores the port for
 * localhost; it takes no [::1] and 127.0.0.1 only through the manifest).
 * Both addresses or none: whoever held the other one would receive the
 * code (doc/internals.md).  Only a system without IPv6 loopback gets
 * 127.0.0.1 alone.
 *
 * It serves several connections at once (browsers open spare connections
 * ahead of time), each limited to MO_CB_MAX_HEAD bytes of request head and
 * an idle time; every connection gets one answer and is closed.  Requests
 * that are not the sign-in redirect (favicon, a wrong or missing state) get
 * 404/400 and the wait goes on; the first valid redirect ends it.
 */

struct mo_loopback;

/*
 * Listens on port (0: ephemeral, trying further ports while the [::1] one
 * is taken).  Returns MO_OK with *lb_r, or MO_ERR_IO (port taken on either
 * address, no loopback) with *error_r (malloc'd) naming the address and
 * port, MO_ERR_NOMEM.
 */
int mo_loopback_open(unsigned int port, struct mo_loopback **lb_r,
		     char **error_r);

/*
 * The start page, for a browser program that would otherwise get the
 * authorization URL (and the state in it) in its argv, which every local
 * user can read: writes http://127.0.0.1:PORT/NONCE (a fresh random nonce)
 * to url (url_len >= 96).  The first GET of it is answered 302 to location
 * (copied; wiped on close); a second one ends mo_loopback_wait() with
 * MO_ERR_PROTO, since someone else read the address.  Returns MO_OK,
 * MO_ERR_NOMEM or MO_ERR_INTERNAL with *error_r.
 */
int mo_loopback_start_page(struct mo_loopback *lb, const char *location,
			   char *url, size_t url_len, char **error_r);

/* The port we listen on. */
unsigned int mo_loopback_port(const struct mo_loopback *lb);

/*
 * Serves requests until the redirect for state arrives (a code or an error,
 * with that state), timeout_s seconds pass, or *cancel becomes non-zero.
 * Returns MO_OK with r filled (r->kind is MO_CB_CODE or MO_CB_ERROR; clear
 * it with mo_cb_result_clear()); the browser then waits for
 * mo_loopback_reply().  Else MO_ERR_TIMEOUT, MO_ERR_CANCELLED, MO_ERR_IO,
 * MO_ERR_PROTO (the start page asked for twice) or MO_ERR_NOMEM with
 * *error_r (malloc'd).  Rejected requests are reported on
 * stderr at verbose >= 1.
 */
int mo_loopback_wait(struct mo_loopback *lb, const char *state, int timeout_s,
		     volatile sig_atomic_t *cancel, struct mo_cb_result *r,
		     char **error_r);

/*
 * Answers the browser whose redirect mo_loopback_wait() returned: a short
 * page saying the sign-in succeeded and the tab can be closed, or (ok false)
 * that it failed and why (text, plain text: it is HTML-escaped here; NULL
 * for none).  Does nothing when no browser waits.
 */
void mo_loopback_reply(struct mo_loopback *lb, bool ok, const char *text);

/* Closes every socket and frees lb (NULL is accepted). */
void mo_loopback_close(struct mo_loopback *lb);

/* The page for an answer (for tests): HTTP/1.1 response with the HTML body
 * appended to out.  Returns MO_OK, MO_ERR_TOOBIG, MO_ERR_NOMEM. */
int mo_loopback_page(struct mo_buf *out, int status, const char *title,
		     const char *text);

#endif
