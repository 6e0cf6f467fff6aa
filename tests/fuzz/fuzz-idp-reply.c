/* SPDX-License-Identifier: MIT */
/*
 * What the identity provider answers (helper/): the body of an HTTP reply
 * from the token endpoint or the device-authorization endpoint, taken
 * three ways, as the helper may take it:
 *   - a token reply (mo_token_reply_parse), then stored into an account's
 *     tokens (mo_token_apply_reply): whatever the parser accepts, the store
 *     must be able to write (mo_store_check), or a rotated refresh token
 *     would be lost after the identity provider sent it;
 *   - a device authorization reply (RFC 8628 §3.2, deviceauth.c);
 *   - an error reply (mo_oauth_error_parse) and its explanation
 *     (mo_oauth_explain), which reaches the user's terminal.
 *
 * The harness links the back end's own library (helper/net/libmonet.la).
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "deviceauth.h"
#include "errors.h"
#include "fuzz.h"
#include "idperrors.h"
#include "oauth.h"
#include "secret.h"
#include "store.h"
#include "storefmt.h"

/* ---- the harness ------------------------------------------------------- */

static int
text_ok(const char *s, int newlines)
{
	for (; *s != '\0'; s++) {
		if (newlines && *s == '\n')
			continue;
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	}
	return 1;
}

static void
token_reply(json_t *j, const struct mo_account *a)
{
	struct mo_token_reply r;
	struct mo_token t;
	const char *why = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	rc = mo_token_reply_parse(j, &r, &why);
	if (rc != MO_OK) {
		fuzz_assert(why != NULL);
		fuzz_assert(r.access_token == NULL && r.refresh_token == NULL);
		return;
	}
	fuzz_assert(r.access_token != NULL && r.token_type != NULL);
	/* An account that had tokens before: the reply replaces them. */
	t.refresh_token = mo_strdup("M.C105_BAY.-old-refresh-token");
	t.client_id = mo_strdup("old-client");
	fuzz_assert(t.refresh_token != NULL && t.client_id != NULL);
	rc = mo_token_apply_reply(&t, a, &r, 1700000000);
	if (rc == MO_OK) {
		fuzz_assert(t.access_token != NULL && t.refresh_token != NULL);
		fuzz_assert(t.expires_at >= t.obtained_at);
		fuzz_assert(mo_store_check(&t, &why) == MO_OK);
	}
	mo_token_clear(&t);
	mo_token_reply_clear(&r);
}

static void
device_reply(json_t *j)
{
	struct mo_device_auth d;
	const char *why = NULL;
	int rc;

	memset(&d, 0, sizeof(d));
	rc = mo_device_auth_parse(j, &d, &why);
	if (rc == MO_OK) {
		fuzz_assert(d.device_code != NULL && d.user_code != NULL);
		fuzz_assert(d.verification_uri != NULL &&
			    strncmp(d.verification_uri, "https://", 8) == 0);
		fuzz_assert(text_ok(d.user_code, 0) && text_ok(d.verification_uri, 0));
		fuzz_assert(d.message == NULL || text_ok(d.message, 0));
		fuzz_assert(d.expires_in >= 1 && d.expires_in <= MO_DEVICE_MAX_EXPIRES);
		fuzz_assert(d.interval >= 1 && d.interval <= MO_DEVICE_MAX_INTERVAL);
	} else {
		fuzz_assert(rc == MO_ERR_NOMEM || why != NULL);
	}
	mo_device_auth_clear(&d);
}

static void
error_reply(const uint8_t *data, size_t size, const struct mo_account *a)
{
	static const long statuses[] = { 400, 401, 429, 503 };
	struct mo_oauth_error e;
	struct mo_buf msg;
	int rc;

	memset(&e, 0, sizeof(e));
	e.http_status = statuses[size % 4];
	rc = mo_oauth_error_parse((const char *)data, size, &e);
	fuzz_assert(e.n_codes <= MO_OAUTH_MAX_CODES);
	if (rc == MO_OK) {
		fuzz_assert(e.error != NULL);
		mo_buf_init(&msg, 64 * 1024);
		rc = mo_oauth_explain(&e, a, &msg);
		fuzz_assert(rc < 0);
		fuzz_assert(text_ok(mo_buf_str(&msg), 1));
		mo_buf_free(&msg);
	}
	mo_oauth_error_clear(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mo_account *a = fuzz_account();
	json_t *j;

	/* As mo_oauth_post() reads a 2xx body. */
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(j)) {
		token_reply(j, a);
		device_reply(j);
	}
	mo_json_wipe_decref(j);
	error_reply(data, size, a);
	return 0;
}
