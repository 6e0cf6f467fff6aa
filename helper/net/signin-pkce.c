/* SPDX-License-Identifier: MIT */
/* PKCE verifier/challenge and the OAuth `state` (RFC 7636, RFC 6749). */
#include "autoconfig.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "b64.h"
#include "buf.h"
#include "errors.h"
#include "secret.h"
#include "signin-pkce.h"

/* Copies the base64url text in b (exactly MO_PKCE_B64_LEN characters) to
 * out. */
static int
take_b64(struct mo_buf *b, char out[MO_PKCE_B64_LEN + 1])
{
	if (b->len != MO_PKCE_B64_LEN)
		return MO_ERR_INTERNAL;
	memcpy(out, b->data, MO_PKCE_B64_LEN);
	out[MO_PKCE_B64_LEN] = '\0';
	return MO_OK;
}

int
mo_random_b64url(char out[MO_PKCE_B64_LEN + 1])
{
	unsigned char raw[MO_PKCE_RANDOM_BYTES];
	struct mo_buf b;
	int ret;

	mo_buf_init(&b, 2 * MO_PKCE_B64_LEN);
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		ret = MO_ERR_INTERNAL;
		goto out;
	}
	ret = mo_base64url_encode(&b, raw, sizeof(raw));
	if (ret == MO_OK)
		ret = take_b64(&b, out);
out:
	mo_wipe(raw, sizeof(raw));
	mo_buf_free(&b);
	return ret;
}

/* RFC 3986 unreserved. */
static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

int
mo_pkce_s256(const char *verifier, char out[MO_PKCE_B64_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct mo_buf b;
	size_t i, len = strlen(verifier);
	int ret;

	if (len < 43 || len > 128)
		return MO_ERR_INVAL;
	for (i = 0; i < len; i++) {
		if (!is_unreserved((unsigned char)verifier[i]))
			return MO_ERR_INVAL;
	}
	mo_buf_init(&b, 2 * MO_PKCE_B64_LEN);
	if (EVP_Digest(verifier, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32) {
		ret = MO_ERR_INTERNAL;
		goto out;
	}
	ret = mo_base64url_encode(&b, md, mdlen);
	if (ret == MO_OK)
		ret = take_b64(&b, out);
out:
	mo_wipe(md, sizeof(md));
	mo_buf_free(&b);
	return ret;
}

int
mo_pkce_init(struct mo_pkce *p)
{
	int ret;

	memset(p, 0, sizeof(*p));
	ret = mo_random_b64url(p->verifier);
	if (ret == MO_OK)
		ret = mo_pkce_s256(p->verifier, p->challenge);
	if (ret == MO_OK)
		ret = mo_random_b64url(p->state);
	if (ret != MO_OK)
		mo_pkce_clear(p);
	return ret;
}

void
mo_pkce_clear(struct mo_pkce *p)
{
	mo_wipe(p, sizeof(*p));
}
