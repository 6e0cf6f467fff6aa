/* SPDX-License-Identifier: MIT */
/* The sealed token store (lib/storecrypt.h): round trip, a fresh nonce per
 * seal, the wrong key, another account, any altered byte, short keys, and
 * the version 1 / version 2 rules of the store file. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "buf.h"
#include "errors.h"
#include "secret.h"
#include "store.h"
#include "storecrypt.h"
#include "tap.h"

static const char key_a[] = "k3y-material-of-at-least-32-bytes-AAAA";
static const char key_b[] = "k3y-material-of-at-least-32-bytes-BBBB";
static const char rt[] = "0.AAAA-refresh_token~with/chars+=";

static void
sealed_token(const struct mo_store_key *k, const char *account, struct mo_token *t)
{
	memset(t, 0, sizeof(*t));
	t->refresh_token = mo_strdup(rt);
	t->access_token = mo_strdup("eyJ0.e30.sig");
	if (mo_store_seal(k, account, t) != MO_OK)
		tap_diag("seal failed");
}

/* t->sealed with byte i of its decoding flipped. */
static char *
flipped(const char *sealed, size_t i, size_t *n_r)
{
	struct mo_buf raw, text;
	char *out = NULL;

	mo_buf_init(&raw, 65536);
	mo_buf_init(&text, 65536);
	if (mo_base64url_decode(&raw, sealed, strlen(sealed)) == MO_OK) {
		*n_r = raw.len;
		if (i < raw.len) {
			raw.data[i] ^= 0x01;
			if (mo_base64url_encode(&text, raw.data, raw.len) == MO_OK)
				out = strdup(mo_buf_str(&text));
		}
	}
	mo_buf_free(&raw);
	mo_buf_free(&text);
	return out;
}

int
main(void)
{
	struct mo_store_key a, b;
	struct mo_token t;
	const char *why = NULL;
	char *s1, *json, *bad;
	size_t i, n = 0, refused = 0;

	tap_is_int(mo_store_key_derive("short", 5, &a), MO_ERR_INVAL, "a 5-byte key is refused");
	tap_is_int(mo_store_key_derive(key_a, 31, &a), MO_ERR_INVAL, "a 31-byte key is refused");
	tap_is_int(mo_store_key_derive(key_a, strlen(key_a), &a), MO_OK, "key a derived");
	tap_is_int(mo_store_key_derive(key_b, strlen(key_b), &b), MO_OK, "key b derived");
	tap_ok(memcmp(a.aes, b.aes, sizeof(a.aes)) != 0 && memcmp(a.id, b.id, sizeof(a.id)) != 0,
	       "different keys give different AES keys and key ids");

	sealed_token(&a, "work", &t);
	tap_ok(t.refresh_token == NULL && t.sealed != NULL, "seal moves the refresh token into sealed");
	tap_ok(t.sealed != NULL && strstr(t.sealed, "refresh") == NULL &&
	       strstr(t.sealed, "0.AAAA") == NULL, "sealed shows nothing of the token");
	s1 = strdup(t.sealed);
	tap_is_int(mo_store_unseal(&a, "work", &t, &why), MO_OK, "unseal with the same key and account");
	tap_is_str(t.refresh_token, rt, "the refresh token comes back");
	tap_ok(t.sealed == NULL, "unseal drops sealed");
	tap_is_int(mo_store_seal(&a, "work", &t), MO_OK, "seal again");
	tap_ok(strcmp(t.sealed, s1) != 0, "two seals of the same token differ (random nonce)");
	mo_token_clear(&t);

	/* s1: the first seal. */
	memset(&t, 0, sizeof(t));
	t.sealed = mo_strdup(s1);
	tap_is_int(mo_store_unseal(&b, "work", &t, &why), MO_ERR_CONFIG, "another key: MO_ERR_CONFIG");
	tap_ok(why != NULL && strstr(why, "another store key") != NULL, "... saying so (%s)", why);
	tap_ok(t.sealed != NULL && t.refresh_token == NULL, "... and t is unchanged");
	tap_is_int(mo_store_unseal(&a, "play", &t, &why), MO_ERR_PARSE,
		   "another account's sealed value: MO_ERR_PARSE");
	tap_ok(why != NULL && strstr(why, "does not belong") != NULL, "... saying so (%s)", why);
	tap_is_int(mo_store_unseal(&a, "work2", &t, &why), MO_ERR_PARSE,
		   "an account whose name extends the right one: refused");
	mo_token_clear(&t);

	for (i = 0;; i++) {
		bad = flipped(s1, i, &n);
		if (bad == NULL)
			break;
		memset(&t, 0, sizeof(t));
		t.sealed = bad;
		if (mo_store_unseal(&a, "work", &t, &why) != MO_OK)
			refused++;
		mo_token_clear(&t);
	}
	tap_is_int((long long)refused, (long long)n, "every one of the %zu bytes, flipped, is refused", n);
	memset(&t, 0, sizeof(t));
	t.sealed = mo_strdup("AQ");
	tap_is_int(mo_store_unseal(&a, "work", &t, &why), MO_ERR_PARSE, "a truncated value is refused");
	mo_token_clear(&t);

	/* The store file: version 2 has "sealed" and no refresh_token. */
	memset(&t, 0, sizeof(t));
	t.sealed = mo_strdup(s1);
	t.access_token = mo_strdup("eyJ0.e30.sig");
	json = mo_store_serialise("work", &t);
	tap_ok(json != NULL && strstr(json, "\"version\": 2") != NULL &&
	       strstr(json, "\"refresh_token\"") == NULL, "a sealed token is written as version 2");
	mo_token_clear(&t);
	tap_is_int(mo_store_parse(json, strlen(json), &t, &why), MO_OK, "and read back");
	tap_is_str(t.sealed, s1, "sealed round-trips through the file");
	mo_token_clear(&t);
	mo_free_secret(json);
	{
		static const struct { const char *json; const char *name; } badv[] = {
			{ "{\"version\":2,\"access_token\":\"x\"}", "version 2 without sealed" },
			{ "{\"version\":2,\"sealed\":\"AQ\",\"refresh_token\":\"r\"}",
			  "version 2 with a plain refresh_token" },
			{ "{\"version\":1,\"sealed\":\"AQ\"}", "sealed in version 1" },
			{ "{\"version\":3}", "version 3" },
		};
		for (i = 0; i < sizeof(badv) / sizeof(badv[0]); i++)
			tap_is_int(mo_store_parse(badv[i].json, strlen(badv[i].json), &t, &why),
				   MO_ERR_PARSE, "refused: %s", badv[i].name);
	}
	memset(&t, 0, sizeof(t));
	t.sealed = mo_strdup("AQ");
	t.refresh_token = mo_strdup(rt);
	tap_is_int(mo_store_save("/nonexistent", "work", &t, NULL), MO_ERR_INVAL,
		   "the writer refuses a plain refresh token beside a sealed one");
	mo_token_clear(&t);

	free(s1);
	mo_store_key_wipe(&a);
	mo_store_key_wipe(&b);
	return tap_done();
}
