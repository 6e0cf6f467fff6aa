/* SPDX-License-Identifier: MIT */
/*
 * The token-store reader (lib/store.h): mo_store_parse() on arbitrary
 * text.  What it accepts must survive the way back: serialised and parsed
 * again it gives the same token (the store rewrites every file it reads).
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fuzz.h"
#include "secret.h"
#include "store.h"
#include "storefmt.h"

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mo_token t, u;
	const char *why = NULL;
	char *text;
	int rc;

	rc = mo_store_parse((const char *)data, size, &t, &why);
	if (rc != MO_OK) {
		fuzz_assert(why != NULL);
		fuzz_assert(t.refresh_token == NULL && t.access_token == NULL);
		return 0;
	}
	(void)mo_token_fresh(&t, 1700000000, 300);
	(void)mo_token_fresh(&t, INT64_MAX, -5);
	(void)mo_token_fresh(&t, INT64_MIN, 0x7fffffffL);
	fuzz_assert(mo_store_check(&t, &why) == MO_OK);

	text = mo_store_serialise("fuzz", &t);
	if (text != NULL) {
		rc = mo_store_parse(text, strlen(text), &u, &why);
		fuzz_assert(rc == MO_OK);
		fuzz_assert(same(t.refresh_token, u.refresh_token));
		fuzz_assert(same(t.access_token, u.access_token));
		fuzz_assert(same(t.token_type, u.token_type));
		fuzz_assert(same(t.scope, u.scope));
		fuzz_assert(same(t.client_id, u.client_id));
		fuzz_assert(same(t.identity, u.identity));
		fuzz_assert(same(t.tenant_id, u.tenant_id));
		fuzz_assert(same(t.object_id, u.object_id));
		fuzz_assert(t.expires_at == u.expires_at);
		fuzz_assert(t.obtained_at == u.obtained_at);
		fuzz_assert(t.refresh_obtained_at == u.refresh_obtained_at);
		mo_token_clear(&u);
		mo_free_secret(text);
	}
	mo_token_clear(&t);
	return 0;
}
