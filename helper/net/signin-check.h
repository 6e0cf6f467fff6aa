/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SIGNIN_CHECK_H
#define MAILOAUTH_SIGNIN_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Pure checks on the outcome of a sign-in (no I/O; unit-tested): did the
 * identity provider grant the scope a configured protocol needs, who
 * signed in compared with the configured mailbox, and is an error one that
 * an admin's consent fixes.
 */

/*
 * True when granted (the `scope` member of a token reply) includes want
 * (a scope from the configuration).  doc/protocol.md, scopes: Microsoft's
 * replies are inconsistent, so we compare case-insensitively, accept the
 * short form ("IMAP.AccessAsUser.All" for
 * "https://outlook.office.com/IMAP.AccessAsUser.All"), either Exchange host
 * name (outlook.office.com, outlook.office365.com, ps.outlook.com), and a
 * URL-encoded scope string ("https%3A%2F%2F...").
 */
bool mo_scope_granted(const char *granted, const char *want);

enum mo_identity_match {
	MO_ID_UNKNOWN = 0,	/* the reply named nobody (no id_token) */
	MO_ID_USER,		/* signed in as the configured user */
	MO_ID_DELEGATE,		/* as login_hint, which differs from user:
				   a delegate for a shared mailbox */
	MO_ID_OTHER,		/* somebody else: warn */
};

/* Compares identity (may be NULL) with user and login_hint (may be NULL),
 * case-insensitively. */
enum mo_identity_match mo_identity_match(const char *identity,
					 const char *user,
					 const char *login_hint);

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
