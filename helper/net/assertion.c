/* SPDX-License-Identifier: MIT */
/* The client assertion of a certificate credential (assertion.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "assertion.h"
#include "b64.h"
#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "paths.h"
#include "secret.h"
#include "command.h"
#include "storekey.h"

#define PASSPHRASE_MAX 1024
#define FILE_MAX (64 * 1024)

static int
read_file(const char *account, const char *key, const char *path, bool private,
	  struct mo_buf *b, char **error_r)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG, "account %s: cannot read %s %s: %s",
				account, key, path, strerror(errno));
		goto out;
	}
	ret = private ? mo_private_file_check(&st, path, error_r) : MO_OK;
	if (ret != MO_OK)
		goto out;
	ret = mo_buf_read_fd(b, fd);
	if (ret == MO_ERR_IO)
		ret = mo_errorf(error_r, MO_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	else if (ret != MO_OK)
		ret = mo_errorf(error_r, MO_ERR_CONFIG, "account %s: %s %s is too large",
				account, key, path);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static X509 *
load_cert(const struct mo_account *a, char **error_r)
{
	struct mo_buf b;
	X509 *x = NULL;
	BIO *bio;

	mo_buf_init(&b, FILE_MAX);
	if (read_file(a->name, "client_certificate_file", a->client_certificate_file,
		      false, &b, error_r) != MO_OK)
		goto out;
	bio = BIO_new_mem_buf(mo_buf_str(&b), (int)b.len);
	if (bio != NULL)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL)
		mo_errorf(error_r, MO_ERR_CONFIG, "account %s: client_certificate_file %s "
			  "holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")",
			  a->name, a->client_certificate_file);
out:
	mo_buf_free(&b);
	return x;
}

static int64_t
asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

static int
cert_info(X509 *x, struct mo_cert_info *ci)
{
	unsigned char der_sha1[20], der_sha256[32];
	unsigned int n1 = 0, n2 = 0, i;
	struct mo_buf b;
	int ret;

	memset(ci, 0, sizeof(*ci));
	if (X509_digest(x, EVP_sha1(), der_sha1, &n1) != 1 || n1 != 20 ||
	    X509_digest(x, EVP_sha256(), der_sha256, &n2) != 1 || n2 != 32)
		return MO_ERR_INTERNAL;
	for (i = 0; i < n1; i++)
		snprintf(ci->sha1 + 2 * i, 3, "%02X", der_sha1[i]);
	mo_buf_init(&b, sizeof(ci->x5t_s256));
	ret = mo_base64url_encode(&b, der_sha256, n2);
	if (ret == MO_OK)
		memcpy(ci->x5t_s256, b.data, b.len);
	mo_buf_free(&b);
	ci->not_before = asn1_unix(X509_get0_notBefore(x));
	ci->not_after = asn1_unix(X509_get0_notAfter(x));
	return ret;
}

int
mo_client_cert_info(const struct mo_account *a, struct mo_cert_info *ci,
		    char **error_r)
{
	X509 *x = load_cert(a, error_r);
	int ret;

	if (x == NULL)
		return MO_ERR_CONFIG;
	ret = cert_info(x, ci);
	X509_free(x);
	return ret;
}

/* The passphrase of client_key_file (malloc'd secret), or NULL with MO_OK
 * when none is configured. */
static int
passphrase(const struct mo_account *a, char **pass_r, char **error_r)
{
	struct mo_buf b;
	size_t n;
	int ret = MO_OK;

	*pass_r = NULL;
	mo_buf_init(&b, PASSPHRASE_MAX);
	if (a->client_key_passphrase_file != NULL)
		ret = read_file(a->name, "client_key_passphrase_file",
				a->client_key_passphrase_file, true, &b, error_r);
	else if (a->client_key_passphrase_command != NULL)
		ret = mo_net_run_command(a->name, "client_key_passphrase_command",
					 a->client_key_passphrase_command, &b, error_r);
	else
		goto out;
	if (ret != MO_OK)
		goto out;
	n = strcspn(mo_buf_str(&b), "\r\n");
	*pass_r = mo_strndup(mo_buf_str(&b), n);
	if (*pass_r == NULL)
		ret = MO_ERR_NOMEM;
out:
	mo_buf_free(&b);
	return ret;
}

static int
pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
	const char *p = u;
	size_t n;

	(void)rwflag;
	if (p == NULL)
		return -1;	/* encrypted, but no passphrase configured */
	n = strlen(p);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, p, n);
	return (int)n;
}

static EVP_PKEY *
load_key(const struct mo_account *a, char **error_r)
{
	struct mo_buf b;
	EVP_PKEY *k = NULL;
	char *pass = NULL;
	BIO *bio;

	mo_buf_init(&b, FILE_MAX);
	if (read_file(a->name, "client_key_file", a->client_key_file, true, &b,
		      error_r) != MO_OK ||
	    passphrase(a, &pass, error_r) != MO_OK)
		goto out;
	bio = BIO_new_mem_buf(mo_buf_str(&b), (int)b.len);
	if (bio != NULL)
		k = PEM_read_bio_PrivateKey(bio, NULL, pem_pass_cb, pass);
	BIO_free(bio);
	if (k == NULL) {
		bool enc = strstr(mo_buf_str(&b), "ENCRYPTED") != NULL;

		mo_errorf(error_r, MO_ERR_CONFIG, "account %s: cannot read the private key "
			  "in client_key_file %s: %s", a->name, a->client_key_file,
			  !enc ? "not a PEM private key" : pass == NULL ?
			  "it is encrypted: set client_key_passphrase_file or "
			  "client_key_passphrase_command" : "wrong passphrase");
	}
out:
	mo_free_secret(pass);
	mo_buf_free(&b);
	return k;
}

static int
add_b64url_json(struct mo_buf *out, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	int ret;

	if (text == NULL)
		return MO_ERR_NOMEM;
	ret = mo_base64url_encode(out, text, strlen(text));
	free(text);
	return ret;
}

static int
sign_pss(EVP_PKEY *k, const char *input, size_t len, struct mo_buf *out)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int ret = MO_ERR_INTERNAL;

	if (md == NULL ||
	    EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, k) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, len) != 1)
		goto out;
	sig = malloc(siglen);
	if (sig == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, len) != 1)
		goto out;
	ret = mo_base64url_encode(out, sig, siglen);
out:
	free(sig);
	EVP_MD_CTX_free(md);
	return ret;
}

int
mo_client_assertion(const struct mo_account *a, int64_t now, char **jwt_r,
		    char **error_r)
{
	struct mo_cert_info ci;
	unsigned char rnd[16];
	char jti[40];
	struct mo_buf out;
	json_t *hdr = NULL, *claims = NULL;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	size_t i, signed_len;
	int ret = MO_ERR_CONFIG;

	*jwt_r = NULL;
	mo_buf_init(&out, 32 * 1024);
	x = load_cert(a, error_r);
	if (x == NULL)
		goto out;
	if ((ret = cert_info(x, &ci)) != MO_OK)
		goto out;
	if (ci.not_after != 0 && ci.not_after <= now) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG, "account %s: the certificate in %s "
				"expired (thumbprint %s); make a new one, upload it to the app "
				"registration (Certificates & secrets) and set "
				"client_certificate_file and client_key_file to it",
				a->name, a->client_certificate_file, ci.sha1);
		goto out;
	}
	if (ci.not_before > now + 300) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG, "account %s: the certificate in %s "
				"is not valid yet; check this machine's clock", a->name,
				a->client_certificate_file);
		goto out;
	}
	k = load_key(a, error_r);
	if (k == NULL) {
		ret = MO_ERR_CONFIG;
		goto out;
	}
	if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG, "account %s: client_key_file %s is "
				"not an RSA key; Microsoft's certificate credentials need RSA "
				"(openssl req -x509 -newkey rsa:3072 ...)", a->name,
				a->client_key_file);
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG, "account %s: client_key_file %s is "
				"not the private key of the certificate in %s", a->name,
				a->client_key_file, a->client_certificate_file);
		goto out;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		ret = MO_ERR_INTERNAL;
		goto out;
	}
	rnd[6] = (unsigned char)((rnd[6] & 0x0f) | 0x40);	/* UUID version 4 */
	rnd[8] = (unsigned char)((rnd[8] & 0x3f) | 0x80);
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(jti + 2 * i + (i >= 4) + (i >= 6) + (i >= 8) + (i >= 10),
			 3, "%02x", rnd[i]);
	jti[8] = jti[13] = jti[18] = jti[23] = '-';
	jti[36] = '\0';
	ret = MO_ERR_NOMEM;
	hdr = json_pack("{s:s, s:s, s:s}", "alg", "PS256", "typ", "JWT",
			"x5t#S256", ci.x5t_s256);
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
			   "aud", a->token_url, "iss", a->client_id, "sub", a->client_id,
			   "jti", jti, "nbf", (json_int_t)now, "iat", (json_int_t)now,
			   "exp", (json_int_t)(now + MO_ASSERTION_LIFETIME));
	if (hdr == NULL || claims == NULL)
		goto out;
	if ((ret = add_b64url_json(&out, hdr)) != MO_OK ||
	    (ret = mo_buf_addc(&out, '.')) != MO_OK ||
	    (ret = add_b64url_json(&out, claims)) != MO_OK)
		goto out;
	signed_len = out.len;
	if ((ret = mo_buf_addc(&out, '.')) != MO_OK ||
	    (ret = sign_pss(k, out.data, signed_len, &out)) != MO_OK)
		goto out;
	*jwt_r = mo_strndup(out.data, out.len);
	ret = *jwt_r != NULL ? MO_OK : MO_ERR_NOMEM;
out:
	if (ret != MO_OK && error_r != NULL && *error_r == NULL)
		mo_errorf(error_r, ret, "account %s: cannot sign the client assertion: %s",
			  a->name, mo_strerror(ret));
	json_decref(hdr);
	json_decref(claims);
	EVP_PKEY_free(k);
	X509_free(x);
	mo_buf_free(&out);
	return ret;
}
