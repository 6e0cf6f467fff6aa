/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_STORECRYPT_H
#define MAILOAUTH_STORECRYPT_H

#include <stddef.h>

#include "store.h"

/*
 * Encryption of the long-lived members of the token store (the refresh
 * token) with the account's store key.  In libmocrypto: only mailoauth-net
 * seals and opens; the core's loader (store.h) carries "sealed" unopened.
 *
 * The store key is the secret the user configures (store_key_file,
 * store_key_command): at least MO_STORE_KEY_MIN bytes, ideally random.
 * HKDF-SHA256 (RFC 5869) turns it into a 256-bit AES key and an 8-byte key
 * identifier.
 *
 * "sealed", format 1, is the base64url (RFC 4648 §5, no padding) of
 *
 *   0x01 | key id (8) | nonce (12, random per write) | ciphertext | tag (16)
 *
 * AES-256-GCM (NIST SP 800-38D) over the JSON text {"refresh_token": "..."};
 * the associated data is the first 9 bytes (format, key id), a NUL, the
 * label "mailoauth store", a NUL and the account name, so a sealed value
 * moved to another account's file does not open.
 */

#define MO_STORE_KEY_MIN 32
#define MO_STORE_KEY_MAX 4096

struct mo_store_key {
	unsigned char aes[32];
	unsigned char id[8];
};

/* Derives k from the len bytes at material.  MO_OK, MO_ERR_INVAL (shorter
 * than MO_STORE_KEY_MIN or longer than MO_STORE_KEY_MAX) or
 * MO_ERR_INTERNAL (OpenSSL failed). */
int mo_store_key_derive(const void *material, size_t len, struct mo_store_key *k);

/* Wipes k. */
void mo_store_key_wipe(struct mo_store_key *k);

/*
 * Moves t->refresh_token into a new t->sealed (the plain member is wiped
 * and set to NULL; an old t->sealed is replaced).  No refresh token: t is
 * left as it is.  MO_OK, MO_ERR_NOMEM or MO_ERR_INTERNAL.
 */
int mo_store_seal(const struct mo_store_key *k, const char *account,
		  struct mo_token *t);

/*
 * Opens t->sealed into t->refresh_token and frees t->sealed.  Returns MO_OK,
 * MO_ERR_CONFIG (sealed with another key: the key identifiers differ),
 * MO_ERR_PARSE (malformed, altered, or sealed for another account), or
 * MO_ERR_NOMEM; *error_r is a static message.  On failure t is unchanged.
 */
int mo_store_unseal(const struct mo_store_key *k, const char *account,
		    struct mo_token *t, const char **error_r);

#endif
