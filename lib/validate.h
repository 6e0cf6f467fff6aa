/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_VALIDATE_H
#define MAILOAUTH_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Checks run before any value reaches a wire message or a file.  Each
 * returns MO_OK or MO_ERR_INVAL and, on failure, sets *error_r (when not
 * NULL) to a static description naming the problem; the offending value is
 * never echoed (it may be a secret).
 */

/* A user or mailbox name: non-empty, at most 512 bytes, no control
 * characters (0x00-0x1f: NUL, 0x01, CR, LF ...) and no DEL.  UTF-8 is fine. */
int mo_valid_user(const char *user, const char **error_r);

/* A host name or address literal: non-empty, at most 255 bytes, printable
 * ASCII without spaces, no control characters. */
int mo_valid_host(const char *host, const char **error_r);

/* An OAuth 2.0 bearer token.  RFC 6750 §2.1:
 *     b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 * Real Microsoft tokens fit it; we accept any printable ASCII except space
 * (0x21-0x7e), which is what survives in both XOAUTH2 and the RFC 7628
 * value grammar, and refuse NUL, 0x01, CR, LF and everything else. */
int mo_valid_token(const char *token, size_t len, const char **error_r);

/* True when s (len bytes) has the shape of an OAuth 2.0 access token as the
 * identity platforms issue them: RFC 6750 §2.1's b64token (letters, digits,
 * "-._~+/", then "=" padding only) and at least MO_TOKEN_SHAPE_MIN bytes.
 * Entra ID's tokens (JWTs, or "EwB..." for personal accounts) are 1000 bytes
 * and more, Google's about 200; a password that looks like this is rare and
 * would still only go to the servers of the account whose user it names. */
#define MO_TOKEN_SHAPE_MIN 32
bool mo_token_shaped(const char *s, size_t len);

/* True when all len bytes of s are printable ASCII other than space
 * (0x21-0x7e). */
bool mo_is_printable_ascii(const char *s, size_t len);

#endif
