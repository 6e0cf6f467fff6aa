/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_TOKENREJECT_H
#define MAILOAUTH_TOKENREJECT_H

#include <stdint.h>

#include "config.h"
#include "store.h"

/*
 * "The mail server refused a token we believed valid": the one path that
 * `mailoauth connect`, `mailoauth check` and the SASL plugin share.  The
 * refused token is named by its expiry stamp (the store's "expires_at"),
 * never by the token itself, so that no secret reaches a command line.
 * `mailoauth reject ACCOUNT STAMP` then marks it (store.h, "refused_at")
 * and the next `mailoauth token` refreshes it: one refresh per refusal,
 * never a loop.
 */

/*
 * The stamp of token when it is the access token held in t, was not
 * refused yet and, when t records the granted scope and scope is not NULL,
 * carries scope (the protocol's: a token refused for lacking it is not
 * "believed valid" there, and refreshing cannot add it).  0 otherwise
 * (replaced, refused already, not stored, scope missing).
 */
int64_t mo_token_stamp(const struct mo_token *t, const char *token,
		       const char *scope);

/* The same, reading acct's store (0 when it cannot be read). */
int64_t mo_token_stamp_load(const struct mo_account *acct, const char *token,
			    const char *scope);

/*
 * Runs `mailoauth --config cfg_path reject ACCOUNT STAMP` (mo_helper_path(),
 * no shell, stdin /dev/null, a time limit).  Returns MO_OK (marked, or
 * replaced already), MO_ERR_NOENT (the helper cannot run here: a chroot),
 * or the helper's failure; *error_r is a malloc'd message then.
 */
int mo_token_reject(const char *cfg_path, const struct mo_account *acct,
		    int64_t stamp, char **error_r);

#endif
