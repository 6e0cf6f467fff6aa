/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_ASSERTION_H
#define MAILOAUTH_NET_ASSERTION_H

#include <stdint.h>

#include "config.h"

/*
 * Certificate credentials: the client assertion of RFC 7523 section 2.2
 * ("private_key_jwt", OpenID Connect Core section 9), as Microsoft's
 * identity platform takes it
 * (https://learn.microsoft.com/entra/identity-platform/certificate-credentials):
 *
 *   header  {"alg": "PS256", "typ": "JWT", "x5t#S256": B64URL(SHA-256(DER))}
 *   claims  {"aud": TOKEN_URL, "iss": CLIENT_ID, "sub": CLIENT_ID,
 *            "jti": RANDOM, "nbf": NOW, "iat": NOW, "exp": NOW + 300}
 *
 * signed with the account's client_key_file (RSA; RSASSA-PSS with SHA-256,
 * RFC 7518 section 3.5), sent as client_assertion with client_assertion_type
 * urn:ietf:params:oauth:client-assertion-type:jwt-bearer.
 */

#define MO_ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define MO_ASSERTION_LIFETIME 300

struct mo_cert_info {
	char sha1[41];		/* hex, upper case: the portal's "Thumbprint" */
	char x5t_s256[48];	/* base64url SHA-256 of the DER certificate */
	int64_t not_before, not_after;	/* Unix seconds */
};

/* Reads client_certificate_file.  MO_OK, MO_ERR_CONFIG (unreadable, not a
 * PEM certificate), MO_ERR_NOMEM; *error_r malloc'd. */
int mo_client_cert_info(const struct mo_account *a, struct mo_cert_info *ci,
			char **error_r);

/*
 * The signed client assertion for a request to a->token_url at time now
 * (malloc'd; free with mo_free_secret()).  Checks that the key belongs to
 * the certificate and that the certificate is valid at now.  MO_OK,
 * MO_ERR_CONFIG (unreadable or wrong files, wrong passphrase, not RSA,
 * expired or not yet valid certificate), MO_ERR_PERM (key file readable by
 * others), MO_ERR_NOMEM, MO_ERR_INTERNAL; *error_r malloc'd.
 */
int mo_client_assertion(const struct mo_account *a, int64_t now, char **jwt_r,
			char **error_r);

#endif
