/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SIGNIN_PKCE_H
#define MAILOAUTH_SIGNIN_PKCE_H

#include <stddef.h>

/*
 * Proof Key for Code Exchange (RFC 7636) and the CSRF `state` of the
 * authorization-code flow (RFC 6749 §10.12), from OpenSSL's CSPRNG.
 *
 * RFC 7636 §4.1:
 *     code-verifier = 43*128unreserved
 *     unreserved    = ALPHA / DIGIT / "-" / "." / "_" / "~"
 *   "the octet sequence is then base64url-encoded to produce a 43-octet URL
 *    safe string" (32 random octets, recommended).
 * RFC 7636 §4.2:
 *     code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))
 */

/* 32 random octets in base64url without padding. */
#define MO_PKCE_B64_LEN 43
#define MO_PKCE_RANDOM_BYTES 32

struct mo_pkce {
	char verifier[MO_PKCE_B64_LEN + 1];	/* secret until redeemed */
	char challenge[MO_PKCE_B64_LEN + 1];	/* S256 of verifier */
	char state[MO_PKCE_B64_LEN + 1];	/* compared with the callback's */
};

/*
 * Fills p with a fresh verifier, its S256 challenge and a fresh state.
 * Returns MO_OK, or MO_ERR_INTERNAL when OpenSSL's generator fails (nothing
 * usable is left in p), MO_ERR_NOMEM.
 */
int mo_pkce_init(struct mo_pkce *p);

/* Wipes p. */
void mo_pkce_clear(struct mo_pkce *p);

/*
 * Writes the S256 code_challenge of verifier (NUL-terminated) to
 * out[MO_PKCE_B64_LEN + 1].  Returns MO_OK, MO_ERR_INVAL (verifier outside
 * the RFC 7636 grammar above), MO_ERR_INTERNAL (SHA-256 failed).
 */
int mo_pkce_s256(const char *verifier, char out[MO_PKCE_B64_LEN + 1]);

/*
 * Writes MO_PKCE_RANDOM_BYTES random octets, base64url-encoded, to
 * out[MO_PKCE_B64_LEN + 1].  Returns MO_OK, MO_ERR_INTERNAL, MO_ERR_NOMEM.
 */
int mo_random_b64url(char out[MO_PKCE_B64_LEN + 1]);

#endif
