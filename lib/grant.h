/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_GRANT_H
#define MAILOAUTH_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

/*
 * How long an account's sign-in lasts, from what the store records: shared
 * by `status`, `status --prometheus` and `check --nagios`.
 *
 * Microsoft ends a refresh token that has not been used for 90 days
 * (MaxInactiveTime, "Refresh token lifetime", configurable-token-lifetimes
 * and refresh-tokens pages of learn.microsoft.com/entra/identity-platform):
 * it replaces itself on every use, so the time the stored one was obtained
 * (refresh_obtained_at) is when the grant was last used.  Providers that do
 * not rotate refresh tokens (Google) give no such date.
 */

#define MO_GRANT_INACTIVE_DAYS 90

struct mo_grant {
	bool known;		/* last_used and ends_at are meaningful */
	int64_t last_used;	/* Unix seconds */
	int64_t ends_at;	/* last_used + 90 days */
	long days_left;		/* days until ends_at, to the nearest (may be < 0) */
};

/* Fills g for acct from t (t may have no refresh token: known false). */
void mo_grant_info(const struct mo_account *acct, const struct mo_token *t,
		   int64_t now, struct mo_grant *g);

#endif
