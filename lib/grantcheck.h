/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_GRANTCHECK_H
#define MAILOAUTH_GRANTCHECK_H

#include <stdbool.h>

/*
 * Does a grant fit the account: the one scope check and the one identity
 * check that `mailoauth authorize` (right after the sign-in),
 * `mailoauth status` (on what is stored) and `mailoauth check` all use, so
 * that they never disagree about the same grant.  Pure: no I/O, no
 * allocation, nothing to free, no error codes (NULL arguments are handled
 * as stated).
 */

/*
 * True when granted (the `scope` member of a token reply, as stored) has
 * the scope want (one scope from the configuration; leading spaces and
 * anything after its first space are ignored; an empty want is always
 * granted).  NULL granted or want: false.
 *
 * granted is a list of scopes separated by spaces (RFC 6749 §3.3).
 * Microsoft's replies are not consistent (doc/protocol.md, "The scope of a
 * token reply"), so the list may also come URL-encoded ("%XX", "+" for a
 * space), its scopes in any case, with or without a trailing "/", and in
 * the short form without the resource.  A granted scope G matches want W
 * when, after dropping one trailing "/" from each:
 *
 *  1. G equals W ignoring case; or
 *  2. both are "scheme://HOST/.../PERMISSION" with the same PERMISSION
 *     ignoring case and the same resource HOST ignoring case, where the
 *     Exchange Online host names outlook.office.com, outlook.office365.com
 *     and ps.outlook.com are one resource; or
 *  3. G is a short name (no "://") equal to W's PERMISSION ignoring case:
 *     the access token of a reply is for one resource only, the one that
 *     was requested, so a short name in its scope names a permission of
 *     that resource.
 *
 * Nothing else matches: the same permission name on another resource
 * (https://graph.microsoft.com/IMAP.AccessAsUser.All is a Graph
 * permission; the mail servers refuse a Graph token) and a full URL for a
 * short W (a short configured scope means the provider's default resource,
 * not an arbitrary one).
 */
bool mo_scope_granted(const char *granted, const char *want);

enum mo_identity_match {
	MO_ID_UNKNOWN = 0,	/* the reply named nobody (no id_token) */
	MO_ID_USER,		/* signed in as the configured user */
	MO_ID_DELEGATE,		/* as login_hint, which differs from user:
				   a delegate for a shared mailbox */
	MO_ID_OTHER,		/* somebody else: warn */
};

/* Compares identity (who signed in; NULL or "" when unknown) with user and
 * login_hint (either may be NULL), case-insensitively. */
enum mo_identity_match mo_identity_match(const char *identity,
					 const char *user,
					 const char *login_hint);

#endif
