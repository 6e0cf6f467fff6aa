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

/* True when all len bytes of s are printable ASCII other than space
 * (0x21-0x7e). */
bool mo_is_printable_ascii(const char *s, size_t len);

#endif
