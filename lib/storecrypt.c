/* SPDX-License-Identifier: MIT */
/* The sealed part of the token store (storecrypt.h): AES-256-GCM with a
 * key derived by HKDF-SHA256, through OpenSSL's EVP interface. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "b64.h"
#include "buf.h"
#include "errors.h"
#include "jsonload.h"
#include "secret.h"
#include "storecrypt.h"
#include "validate.h"

#define SEAL_FORMAT 1
#define HDR_LEN 9		/* format + key id */
#define NONCE_LEN 12
#define TAG_LEN 16
#define AAD_LABEL "mailoauth store"
/* The sealed JSON holds one refresh token (< 16 KiB, mo_valid_token()). */
#define SEALED_MAX (MO_STORE_MAX / 2)

static const char hkdf_salt[] = "mailoauth store key";
static const char hkdf_info[] = "aes-256-gcm key and key id, format 1";

int
mo_store_key_derive(const void *material, size_t len, struct mo_store_key *k)
{
	unsigned char out[sizeof(k->aes) + sizeof(k->id)];
	size_t outlen = sizeof(out);
	EVP_PKEY_CTX *pctx = NULL;
	int ret = MO_ERR_INTERNAL;

	memset(k, 0, sizeof(*k));
	if (len < MO_STORE_KEY_MIN || len > MO_STORE_KEY_MAX)
		return MO_ERR_INVAL;
	pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	if (pctx == NULL || EVP_PKEY_derive_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_hkdf_md(pctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_CTX_set1_hkdf_salt(pctx, (const unsigned char *)hkdf_salt,
					(int)strlen(hkdf_salt)) <= 0 ||
	    EVP_PKEY_CTX_set1_hkdf_key(pctx, material, (int)len) <= 0 ||
	    EVP_PKEY_CTX_add1_hkdf_info(pctx, (const unsigned char *)hkdf_info,
					(int)strlen(hkdf_info)) <= 0 ||
	    EVP_PKEY_derive(pctx, out, &outlen) <= 0 || outlen != sizeof(out))
		goto out;
	memcpy(k->aes, out, sizeof(k->aes));
	memcpy(k->id, out + sizeof(k->aes), sizeof(k->id));
	ret = MO_OK;
out:
	mo_wipe(out, sizeof(out));
	EVP_PKEY_CTX_free(pctx);
	return ret;
}

void
mo_store_key_wipe(struct mo_store_key *k)
{
	if (k != NULL)
		mo_wipe(k, sizeof(*k));
}

/* The associated data: header, NUL, label, NUL, account (malloc'd). */
static unsigned char *
make_aad(const unsigned char *hdr, const char *account, size_t *len_r)
{
	size_t al = strlen(account), n = HDR_LEN + 1 + sizeof(AAD_LABEL) + al;
	unsigned char *a = malloc(n);

	if (a == NULL)
		return NULL;
	memcpy(a, hdr, HDR_LEN);
	a[HDR_LEN] = '\0';
	memcpy(a + HDR_LEN + 1, AAD_LABEL, sizeof(AAD_LABEL));	/* with its NUL */
	memcpy(a + HDR_LEN + 1 + sizeof(AAD_LABEL), account, al);
	*len_r = n;
	return a;
}

/* One AES-256-GCM pass.  enc: in -> out, tag written; !enc: in -> out,
 * tag checked.  out has room for inlen bytes.  MO_OK, MO_ERR_PARSE (the
 * tag does not match) or MO_ERR_INTERNAL. */
static int
gcm(bool enc, const struct mo_store_key *k, const unsigned char *nonce,
    const unsigned char *aad, size_t aadlen, const unsigned char *in,
    size_t inlen, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ret = MO_ERR_INTERNAL;

	if (c == NULL || inlen > (size_t)INT32_MAX)
		goto out;
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc ? 1 : 0) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, k->aes, nonce, enc ? 1 : 0) != 1 ||
	    EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) != 1 ||
	    EVP_CipherUpdate(c, out, &n, in, (int)inlen) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(c, out + n, &fin) != 1) {
		ret = enc ? MO_ERR_INTERNAL : MO_ERR_PARSE;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
		goto out;
	ret = MO_OK;
out:
	EVP_CIPHER_CTX_free(c);
	return ret;
}

int
mo_store_seal(const struct mo_store_key *k, const char *account, struct mo_token *t)
{
	unsigned char hdr[HDR_LEN], nonce[NONCE_LEN], tag[TAG_LEN];
	unsigned char *aad = NULL, *ct = NULL;
	struct mo_buf raw, text;
	json_t *o = NULL;
	char *plain = NULL;
	size_t aadlen = 0, plen = 0;
	int ret = MO_ERR_NOMEM;

	mo_buf_init(&raw, SEALED_MAX);
	mo_buf_init(&text, SEALED_MAX * 2);
	if (t->refresh_token == NULL)
		return MO_OK;
	o = json_pack("{s:s}", "refresh_token", t->refresh_token);
	if (o == NULL)
		goto out;
	/* json_dumpb() writes into our buffer: json_dumps() would build the
	 * text in a growing buffer of its own and free it unwiped. */
	plen = json_dumpb(o, NULL, 0, JSON_COMPACT);
	if (plen > 0 && plen <= SEALED_MAX)
		plain = malloc(plen + 1);
	if (plain != NULL && json_dumpb(o, plain, plen, JSON_COMPACT) != plen) {
		mo_freezero(plain, plen + 1);
		plain = NULL;
	}
	mo_wipe((char *)json_string_value(json_object_get(o, "refresh_token")),
		strlen(t->refresh_token));
	if (plain == NULL)
		goto out;
	plain[plen] = '\0';
	hdr[0] = SEAL_FORMAT;
	memcpy(hdr + 1, k->id, sizeof(k->id));
	aad = make_aad(hdr, account, &aadlen);
	ct = malloc(plen + 1);
	if (aad == NULL || ct == NULL)
		goto out;
	if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
		ret = MO_ERR_INTERNAL;
		goto out;
	}
	ret = gcm(true, k, nonce, aad, aadlen, (const unsigned char *)plain, plen, ct, tag);
	if (ret != MO_OK)
		goto out;
	if ((ret = mo_buf_add(&raw, hdr, sizeof(hdr))) != MO_OK ||
	    (ret = mo_buf_add(&raw, nonce, sizeof(nonce))) != MO_OK ||
	    (ret = mo_buf_add(&raw, ct, plen)) != MO_OK ||
	    (ret = mo_buf_add(&raw, tag, sizeof(tag))) != MO_OK ||
	    (ret = mo_base64url_encode(&text, raw.data, raw.len)) != MO_OK) {
		ret = ret == MO_ERR_TOOBIG ? MO_ERR_INTERNAL : ret;
		goto out;
	}
	mo_free_secret(t->sealed);
	t->sealed = mo_strndup(mo_buf_str(&text), text.len);
	if (t->sealed == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	mo_free_secret(t->refresh_token);
	t->refresh_token = NULL;
	ret = MO_OK;
out:
	if (plain != NULL)
		mo_freezero(plain, plen + 1);
	json_decref(o);
	free(aad);
	free(ct);
	mo_buf_free(&raw);
	mo_buf_free(&text);
	return ret;
}

int
mo_store_unseal(const struct mo_store_key *k, const char *account,
		struct mo_token *t, const char **error_r)
{
	static const char *const bad = "the encrypted refresh token (\"sealed\") is "
		"malformed";
	struct mo_buf raw;
	json_t *o = NULL, *v;
	unsigned char *aad = NULL, *plain = NULL;
	const unsigned char *p;
	size_t aadlen = 0, clen = 0;
	char *rt = NULL;
	int ret;

	*error_r = NULL;
	mo_buf_init(&raw, SEALED_MAX);
	if (t->sealed == NULL)
		return MO_OK;
	ret = mo_base64url_decode(&raw, t->sealed, strlen(t->sealed));
	if (ret == MO_ERR_NOMEM)
		goto out;
	if (ret != MO_OK || raw.len < HDR_LEN + NONCE_LEN + TAG_LEN) {
		ret = MO_ERR_PARSE;
		*error_r = bad;
		goto out;
	}
	p = (const unsigned char *)raw.data;
	if (p[0] != SEAL_FORMAT) {
		ret = MO_ERR_PARSE;
		*error_r = "the encrypted refresh token was written by a newer "
			"version of mailoauth (unknown format)";
		goto out;
	}
	if (mo_memeq_ct(p + 1, k->id, sizeof(k->id)) != 0) {
		ret = MO_ERR_CONFIG;
		*error_r = "the refresh token was encrypted with another store key";
		goto out;
	}
	clen = raw.len - HDR_LEN - NONCE_LEN - TAG_LEN;
	aad = make_aad(p, account, &aadlen);
	plain = malloc(clen + 1);
	ret = MO_ERR_NOMEM;
	if (aad == NULL || plain == NULL)
		goto out;
	ret = gcm(false, k, p + HDR_LEN, aad, aadlen, p + HDR_LEN + NONCE_LEN, clen,
		  plain, (unsigned char *)p + HDR_LEN + NONCE_LEN + clen);
	if (ret != MO_OK) {
		if (ret == MO_ERR_PARSE)
			*error_r = "the encrypted refresh token does not belong to this "
				"account or was altered (authentication failed)";
		goto out;
	}
	ret = mo_json_load((const char *)plain, clen, JSON_REJECT_DUPLICATES, &o);
	if (ret == MO_ERR_NOMEM)
		goto out;
	v = json_object_get(o, "refresh_token");
	if (!json_is_string(v) ||
	    mo_valid_token(json_string_value(v), json_string_length(v), NULL) != MO_OK) {
		ret = MO_ERR_PARSE;
		*error_r = bad;
		goto out;
	}
	rt = mo_strndup(json_string_value(v), json_string_length(v));
	if (rt == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	mo_free_secret(t->refresh_token);
	t->refresh_token = rt;
	mo_free_secret(t->sealed);
	t->sealed = NULL;
	ret = MO_OK;
out:
	mo_json_wipe_decref(o);
	if (plain != NULL)
		mo_freezero(plain, clen + 1);
	free(aad);
	mo_buf_free(&raw);
	return ret;
}
