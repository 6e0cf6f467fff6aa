/* SPDX-License-Identifier: MIT */
/* The shared app-only token of flow = client_credentials (apptoken.h). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "errmsg.h"
#include "errors.h"
#include "apptoken.h"

#define APPTOKEN_DIR "app-tokens"

bool
mo_apptoken_shared(const struct mo_account *a)
{
	return a->flow == MO_FLOW_CLIENT_CREDENTIALS;
}

/* Adds one member of the key: its name, its value and a NUL each, so that
 * no two different sets of settings give the same input. */
static int
add_member(EVP_MD_CTX *md, const char *name, const char *value)
{
	if (value == NULL)
		value = "";
	if (EVP_DigestUpdate(md, name, strlen(name) + 1) != 1 ||
	    EVP_DigestUpdate(md, value, strlen(value) + 1) != 1)
		return MO_ERR_INTERNAL;
	return MO_OK;
}

/* KEY: SHA-256 over the token endpoint, client_id, scope and the
 * credential's identity (where it and the key's passphrase come from,
 * never the secret itself): accounts share only what they would get
 * themselves. */
static int
compute_key(const struct mo_account *a, char hex[65])
{
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ret = MO_ERR_INTERNAL;

	if (md == NULL)
		return MO_ERR_NOMEM;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	ret = add_member(md, "mailoauth app token", "1");
	if (ret == MO_OK)
		ret = add_member(md, "token_url", a->token_url);
	if (ret == MO_OK)
		ret = add_member(md, "client_id", a->client_id);
	if (ret == MO_OK)
		ret = add_member(md, "scope", a->provider ? a->provider->app_scope : NULL);
	if (ret == MO_OK && a->client_certificate_file != NULL) {
		ret = add_member(md, "client_certificate_file", a->client_certificate_file);
		if (ret == MO_OK)
			ret = add_member(md, "client_key_file", a->client_key_file);
		/* An account whose passphrase does not open the key must not
		 * get by on the token of one whose passphrase does. */
		if (ret == MO_OK)
			ret = add_member(md, "client_key_passphrase_file",
					 a->client_key_passphrase_file);
		if (ret == MO_OK)
			ret = add_member(md, "client_key_passphrase_command",
					 a->client_key_passphrase_command);
	} else if (ret == MO_OK) {
		ret = add_member(md, "client_secret_file", a->client_secret_file);
		if (ret == MO_OK)
			ret = add_member(md, "client_secret_command", a->client_secret_command);
	}
	if (ret != MO_OK)
		goto out;
	if (EVP_DigestFinal_ex(md, sum, &len) != 1 || len != 32) {
		ret = MO_ERR_INTERNAL;
		goto out;
	}
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	ret = MO_OK;
out:
	EVP_MD_CTX_free(md);
	return ret;
}

int
mo_apptoken_lock(const struct mo_account *a, int timeout_s, struct mo_apptoken *at,
		 char **error_r)
{
	int ret;

	memset(at, 0, sizeof(*at));
	at->lock_fd = -1;
	*error_r = NULL;
	at->dir = mo_strdup_printf("%s/" APPTOKEN_DIR, a->state_dir);
	if (at->dir == NULL)
		return MO_ERR_NOMEM;
	ret = compute_key(a, at->name);
	if (ret != MO_OK)
		return mo_errorf(error_r, ret, "account %s: cannot compute the app token's key",
				 a->name);
	ret = mo_store_lock(at->dir, at->name, timeout_s, &at->lock_fd, error_r);
	if (ret == MO_ERR_TIMEOUT && *error_r != NULL) {
		free(*error_r);
		*error_r = mo_strdup_printf("account %s: another mailoauth has been requesting "
					    "the app token it shares (%s/%s) for more than %d s; "
					    "try again later", a->name, at->dir, at->name,
					    timeout_s);
	}
	return ret;
}

int
mo_apptoken_load(const struct mo_apptoken *at, struct mo_token *t, char **error_r)
{
	return mo_store_load(at->dir, at->name, t, error_r);
}

int
mo_apptoken_save(const struct mo_apptoken *at, const struct mo_token *t, char **error_r)
{
	/* Only what an app token is: no refresh token, no sealed members. */
	struct mo_token s = {
		.access_token = t->access_token,
		.token_type = t->token_type,
		.scope = t->scope,
		.client_id = t->client_id,
		.tenant_id = t->tenant_id,
		.object_id = t->object_id,
		.expires_at = t->expires_at,
		.obtained_at = t->obtained_at,
	};

	return mo_store_save(at->dir, at->name, &s, error_r);
}

void
mo_apptoken_release(struct mo_apptoken *at)
{
	mo_store_unlock(at->lock_fd);
	at->lock_fd = -1;
	free(at->dir);
	at->dir = NULL;
}
