/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SIGNIN_LOOPBACK_H
#define MAILOAUTH_SIGNIN_LOOPBACK_H

#include <signal.h>
#include <stdbool.h>

#include "signin-callback.h"

/*
 * The loopback redirect listener of the browser sign-in (RFC 8252 §7.3):
 * 127.0.0.1 on an ephemeral port (or the configured redirect_port), plus
 * [::1] on the same port when the system has it (browsers resolve
 * "localhost" to either).  The redirect URI we register is
 * http://localhost:PORT/ (Entra ignores the port for localhost).
 *
 * It serves several connections at once (browsers open spare connections
 * ahead of time), each limited to MO_CB_MAX_HEAD bytes of request head and
 * an idle time; every connection gets one answer and is closed.  Requests
 * that are not the sign-in redirect (favicon, a wrong or missing state) get
 * 404/400 and the wait goes on; the first valid redirect ends it.
 */

struct mo_loopback;

/*
 * Listens on port (0: ephemeral).  Returns MO_OK with *lb_r, or MO_ERR_IO
 * (port taken, no loopback) with *error_r (malloc'd), MO_ERR_NOMEM.
 */
int mo_loopback_open(unsigned int port, struct mo_loopback **lb_r,
		     char **error_r);

/* The port we listen on. */
unsigned int mo_loopback_port(const struct mo_loopback *lb);

/*
 * Serves requests until the redirect for state arrives (a code or an error,
 * with that state), timeout_s seconds pass, or *cancel becomes non-zero.
 * Returns MO_OK with r filled (r->kind is MO_CB_CODE or MO_CB_ERROR; clear
 * it with mo_cb_result_clear()); the browser then waits for
 * mo_loopback_reply().  Else MO_ERR_TIMEOUT, MO_ERR_CANCELLED, MO_ERR_IO or
 * MO_ERR_NOMEM with *error_r (malloc'd).  Rejected requests are reported on
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
