/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_LOGIN_H
#define MAILOAUTH_PLUGIN_LOGIN_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "challenge.h"
#include "config.h"
#include "report.h"

/*
 * What `connect` and `check` share around a login: which account a client's
 * login name means, the TLS trust for a server, the token and its XOAUTH2
 * message, and the explanation when a server refuses.
 */

/* Largest base64 XOAUTH2 message (tokens are at most 64 KiB). */
#define MO_XOAUTH2_B64_MAX (100 * 1024)

/*
 * The TLS context for a connection to host.  Trust: the system store plus
 * the ca_file of acct when host is one of acct's hosts
 * (mo_account_host_allowed()); without acct (the plugin must greet the
 * client before it knows who logs in) the ca_file of every account whose
 * hosts include host.  An account's ca_file never vouches for another
 * account's server, nor for a host no account names.
 * Errors as mo_tls_context(), described in f.
 */
int mo_login_tls_context(const struct mo_config *cfg,
			 const struct mo_account *acct, enum mo_proto proto,
			 const char *host, SSL_CTX **ctx_r, struct mo_fail *f);

/*
 * The account a client's login name means.  With forced (--account) the
 * name must be that account's user or its name; otherwise the account
 * whose user is login (mo_config_find_user), else the account called login.
 * Returns MO_OK, MO_ERR_INVAL (bad characters in the name), MO_ERR_NOENT
 * (no such account) or MO_ERR_CONFIG (ambiguous); f says what to change.
 */
int mo_login_find_account(const struct mo_config *cfg,
			  const struct mo_account *forced, const char *login,
			  const struct mo_account **acct_r, struct mo_fail *f);

/*
 * Obtains a fresh access token for acct (mo_token_obtain(): the same code
 * as `mailoauth token`), once mo_account_host_allowed() has said that host,
 * the server of this proto connection, may receive it (else MO_ERR_CONFIG
 * naming the key to add, and no token is looked up), and appends the base64 XOAUTH2 initial response
 * for acct->user to b64 (initialise it with MO_XOAUTH2_B64_MAX; the caller
 * wipes it with mo_buf_free()).  The token itself is wiped here.  Errors:
 * MO_ERR_REAUTH (sign in again), MO_ERR_TEMP (IdP unreachable: try later),
 * MO_ERR_CONFIG, MO_ERR_NOENT, MO_ERR_INVAL ...; f explains.
 */
int mo_login_xoauth2(const struct mo_config *cfg, const struct mo_account *acct,
		     enum mo_proto proto, const char *host, struct mo_buf *b64,
		     struct mo_fail *f);

/* The same, and *stamp_r (may be NULL) names the token for mo_login_renew():
 * its expiry stamp when it is the stored, unrefused access token carrying
 * proto's scope (mo_token_stamp()), else 0. */
int mo_login_xoauth2_stamped(const struct mo_config *cfg,
			     const struct mo_account *acct, enum mo_proto proto,
			     const char *host, struct mo_buf *b64, int64_t *stamp_r,
			     struct mo_fail *f);

/*
 * The server refused the token named by *stamp although it had not
 * expired: marks it refused (mo_token_reject(), so that every other user
 * refreshes too), then obtains a new one -- a refresh -- into b64 (reset
 * first).  *stamp becomes 0, so a second call does nothing: one refresh per
 * refusal.  Returns MO_OK when b64 holds a new message to try once more;
 * MO_ERR_AUTH when there is nothing to retry (stamp 0, or the token could
 * not be marked: f keeps the server's refusal); or the failure to get a
 * new token, explained in f (sign in again, try later ...).
 */
int mo_login_renew(const struct mo_config *cfg, const struct mo_account *acct,
		   enum mo_proto proto, int64_t *stamp, struct mo_buf *b64,
		   struct mo_fail *f);

/*
 * Decodes a server's error challenge (the base64 after "+ " / "334 ").
 * Returns MO_OK with ch filled (free with mo_challenge_free()), or an
 * error when it is not a JSON challenge (ch zeroed).
 */
int mo_login_challenge(const char *b64, struct mo_challenge *ch);

/*
 * Sets f to MO_ERR_AUTH with the explanation of a refused token: the
 * server's own words (server_line, sanitised; may be NULL), the challenge
 * (may be NULL) and what to check, naming proto by mo_proto_label().
 */
void mo_login_refused(struct mo_fail *f, const struct mo_account *acct,
		      enum mo_proto proto, const char *host,
		      const char *server_line, const struct mo_challenge *ch);

#endif
