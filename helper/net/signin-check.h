/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SIGNIN_CHECK_H
#define MAILOAUTH_SIGNIN_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "grantcheck.h"

/*
 * Pure checks on the outcome of a sign-in (no I/O; unit-tested): is an
 * error one that an admin's consent fixes.  Whether the identity provider
 * granted the scope a configured protocol needs and who signed in compared
 * with the configured mailbox are checked by lib/grantcheck.h (included here),
 * which `mailoauth status` shares.
 */

/*
 * True when an error from the identity provider means that consent is
 * missing (the user may not consent, or the tenant wants an admin's):
 * error or suberror "consent_required", or AADSTS65001, 90094 or 90095 in
 * codes or at the start of description.  Any argument may be NULL / 0.
 */
bool mo_is_consent_error(const char *error, const char *suberror,
			 const char *description, const long *codes,
			 size_t n_codes);

#endif
