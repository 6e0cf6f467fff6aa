/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_ERRORS_H
#define MAILOAUTH_NET_ERRORS_H

#include "buf.h"
#include "config.h"
#include "oauth.h"

/*
 * Microsoft's error JSON (doc/protocol.md) -> what went wrong, what to do,
 * and an error code.  Decisions follow the AADSTS number when one is known
 * (error_codes, else the "AADSTSnnnn:" prefix of error_description), else
 * the RFC 6749 `error`.  The message always ends with the trace and
 * correlation ids when the reply had them (the tenant admin needs them to
 * find the sign-in log).  Tokens, secrets and bodies are never in it.
 */

/*
 * Parses an error reply body into e (e->http_status is set by the caller).
 * Returns MO_OK when the body is an OAuth error object (has "error"),
 * MO_ERR_PARSE otherwise (e is then left with what could be read).
 */
int mo_oauth_error_parse(const char *body, size_t len,
			 struct mo_oauth_error *e);

/*
 * Appends the explanation of e for account a to msg (several lines, no
 * trailing newline) and returns the error code:
 *   MO_ERR_REAUTH  70008 700082 50173 50076 50079 50078 70043 700084,
 *                  other invalid_grant, interaction_required, consent
 *                  (65001 90094 90095: also names `mailoauth consent-url`)
 *   MO_ERR_CONFIG  7000218 700025 (public vs confidential app), 7000215
 *                  7000222 (client secret), 50194 9002332 700016 90002
 *                  (tenant vs app audience), invalid_client, invalid_scope,
 *                  unauthorized_client
 *   MO_ERR_AUTH    53003 and other policy blocks (conditional access)
 *   MO_ERR_TEMP    temporarily_unavailable, server_error, 50196, 429/5xx
 *   MO_ERR_PROTO   anything else
 */
int mo_oauth_explain(const struct mo_oauth_error *e, const struct mo_account *a,
		     struct mo_buf *msg);

#endif
