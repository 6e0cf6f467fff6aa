/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_B64_H
#define MAILOAUTH_B64_H

#include <stddef.h>

#include "buf.h"

/*
 * Base64 (RFC 4648 §4, with padding) through OpenSSL.  Lives in the
 * libmocrypto convenience library, not in the core: the process that serves
 * a cached token must not load libcrypto (doc/internals.md, start-up cost).
 */

/* Appends the base64 of len bytes at data to out.  Returns MO_OK,
 * MO_ERR_TOOBIG or MO_ERR_NOMEM. */
int mo_base64_encode(struct mo_buf *out, const void *data, size_t len);

/* Appends the decoding of the len characters at text to out.  Strict: only
 * the base64 alphabet, length a multiple of 4, padding only at the end.
 * Returns MO_OK, MO_ERR_PARSE, MO_ERR_TOOBIG or MO_ERR_NOMEM. */
int mo_base64_decode(struct mo_buf *out, const char *text, size_t len);

/* base64url without padding (RFC 4648 §5), as PKCE and JWTs use it. */
int mo_base64url_encode(struct mo_buf *out, const void *data, size_t len);
int mo_base64url_decode(struct mo_buf *out, const char *text, size_t len);

#endif
