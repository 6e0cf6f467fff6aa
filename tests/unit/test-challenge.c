/* SPDX-License-Identifier: MIT */
/* The server error-challenge parser: every shape we meet and every way it
 * can be broken. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "buf.h"
#include "challenge.h"
#include "errors.h"
#include "tap.h"

static const struct {
	const char *what, *json;
	const char *status, *schemes, *scope, *oidc;
} good[] = {
	{ "Dovecot XOAUTH2", "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"mail\"}",
	  "401", "bearer", "mail", NULL },
	{ "Google XOAUTH2",
	  "{\"status\":\"401\",\n \"schemes\":\"bearer mac\",\n \"scope\":\"https://mail.google.com/\"}\n",
	  "401", "bearer mac", "https://mail.google.com/", NULL },
	{ "RFC 7628 invalid_token", "{\"status\":\"invalid_token\"}",
	  "invalid_token", NULL, NULL, NULL },
	{ "RFC 7628 full",
	  "{\"status\":\"invalid_token\",\"scope\":\"example_scope\","
	  "\"openid-configuration\":\"https://example.com/.well-known/openid-configuration\"}",
	  "invalid_token", NULL, "example_scope",
	  "https://example.com/.well-known/openid-configuration" },
	{ "status as a number", "{\"status\":401}", "401", NULL, NULL, NULL },
	{ "unknown members ignored",
	  "{\"status\":\"insufficient_scope\",\"x\":{\"a\":[1,2]},\"y\":true}",
	  "insufficient_scope", NULL, NULL, NULL },
	{ "null members are absent", "{\"status\":\"400\",\"scope\":null}",
	  "400", NULL, NULL, NULL },
};

static const struct {
	const char *what;
	const char *data;
	size_t len;	/* 0: strlen */
	int want;
} bad[] = {
	{ "empty", "", 0, MO_ERR_PARSE },
	{ "garbage", "\xff\xfe garbage", 0, MO_ERR_PARSE },
	{ "not JSON", "Authentication failed", 0, MO_ERR_PARSE },
	{ "truncated", "{\"status\":\"401\",\"sch", 0, MO_ERR_PARSE },
	{ "an array", "[\"status\",\"401\"]", 0, MO_ERR_PARSE },
	{ "a string", "\"401\"", 0, MO_ERR_PARSE },
	{ "no status", "{\"schemes\":\"bearer\"}", 0, MO_ERR_PARSE },
	{ "empty status", "{\"status\":\"\"}", 0, MO_ERR_PARSE },
	{ "status an object", "{\"status\":{\"a\":1}}", 0, MO_ERR_PARSE },
	{ "status a float", "{\"status\":4.01}", 0, MO_ERR_PARSE },
	{ "scope a number", "{\"status\":\"401\",\"scope\":5}", 0, MO_ERR_PARSE },
	{ "schemes an array", "{\"status\":\"401\",\"schemes\":[\"bearer\"]}", 0, MO_ERR_PARSE },
	{ "control character in a value", "{\"status\":\"401\\r\\nX: y\"}", 0, MO_ERR_PARSE },
	{ "duplicate member", "{\"status\":\"401\",\"status\":\"200\"}", 0, MO_ERR_PARSE },
	{ "trailing garbage", "{\"status\":\"401\"} x", 0, MO_ERR_PARSE },
	{ "embedded NUL", "{\"status\":\"4\0" "01\"}", 16, MO_ERR_PARSE },
};

static void
test_good(void)
{
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct mo_challenge ch;
		const char *err = NULL;
		int ret = mo_challenge_parse(good[i].json, strlen(good[i].json), &ch, &err);

		tap_is_int(ret, MO_OK, "parses %s", good[i].what);
		tap_is_str(ch.status, good[i].status, "%s: status", good[i].what);
		tap_is_str(ch.schemes, good[i].schemes, "%s: schemes", good[i].what);
		tap_is_str(ch.scope, good[i].scope, "%s: scope", good[i].what);
		tap_is_str(ch.openid_configuration, good[i].oidc,
			   "%s: openid-configuration", good[i].what);
		mo_challenge_free(&ch);
	}
}

static void
test_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mo_challenge ch;
		const char *err = NULL;
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].data);
		int ret = mo_challenge_parse(bad[i].data, len, &ch, &err);

		tap_is_int(ret, bad[i].want, "refuses %s", bad[i].what);
		tap_ok(err != NULL && ch.status == NULL && ch.scope == NULL,
		       "%s: explained, nothing returned (%s)", bad[i].what,
		       err ? err : "no message");
	}
}

static void
test_sizes(void)
{
	struct mo_challenge ch;
	const char *err = NULL;
	size_t n = MO_CHALLENGE_MAX + 1;
	char *huge = malloc(n), *deep;
	size_t i, depth = 100000;

	/* One byte over the cap. */
	memset(huge, ' ', n);
	memcpy(huge, "{\"status\":\"401\"}", 16);
	tap_is_int(mo_challenge_parse(huge, n, &ch, &err), MO_ERR_TOOBIG,
		   "refuses a challenge over 4 KiB");
	/* Exactly at the cap is fine. */
	tap_is_int(mo_challenge_parse(huge, MO_CHALLENGE_MAX, &ch, &err), MO_OK,
		   "accepts a challenge of exactly 4 KiB");
	mo_challenge_free(&ch);
	free(huge);

	/* Deep nesting inside the cap must not crash the parser. */
	deep = malloc(2 * depth + 1);
	for (i = 0; i < depth; i++)
		deep[i] = '[';
	for (i = 0; i < depth; i++)
		deep[depth + i] = ']';
	deep[2 * depth] = '\0';
	tap_ok(mo_challenge_parse(deep, MO_CHALLENGE_MAX, &ch, &err) != MO_OK,
	       "deeply nested input is refused without a crash");
	free(deep);

	tap_ok(mo_challenge_parse(NULL, 0, &ch, &err) == MO_ERR_PARSE,
	       "NULL input is refused");
}

/* The way callers use it: base64 from the wire, then the parser. */
static void
test_from_base64(void)
{
	static const char dovecot_b64[] =
		"eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=";
	struct mo_buf raw;
	struct mo_challenge ch;
	const char *err = NULL;
	char desc[128];

	mo_buf_init(&raw, MO_CHALLENGE_MAX);
	tap_is_int(mo_base64_decode(&raw, dovecot_b64, strlen(dovecot_b64)), MO_OK,
		   "Dovecot's base64 challenge decodes");
	tap_is_int(mo_challenge_parse(raw.data, raw.len, &ch, &err), MO_OK,
		   "Dovecot's decoded challenge parses");
	tap_is_str(mo_challenge_describe(&ch, desc, sizeof(desc)),
		   "status 401, scope mail", "describe gives status and scope");
	tap_is_str(mo_challenge_describe(&ch, desc, 7), "status",
		   "describe truncates to the buffer it is given");
	desc[0] = 'x';
	mo_challenge_describe(&ch, desc, 0);
	tap_ok(desc[0] == 'x', "describe into an empty buffer writes nothing");
	mo_challenge_free(&ch);
	tap_ok(ch.status == NULL, "free zeroes the challenge");
	tap_is_int(mo_challenge_parse("[1]", 3, &ch, NULL), MO_ERR_PARSE,
		   "a refusal without an error_r pointer");
	{
		char st[] = "invalid_token";
		struct mo_challenge only = { .status = st };

		tap_is_str(mo_challenge_describe(&only, desc, sizeof(desc)),
			   "status invalid_token", "describe without scope");
	}
	mo_buf_free(&raw);

	/* A base64 challenge over the cap is refused by the bounded buffer. */
	mo_buf_init(&raw, MO_CHALLENGE_MAX);
	{
		size_t n = 4 * ((MO_CHALLENGE_MAX + 3) / 3 + 1);
		char *big = malloc(n + 1);
		memset(big, 'A', n);
		big[n] = '\0';
		tap_is_int(mo_base64_decode(&raw, big, n), MO_ERR_TOOBIG,
			   "an oversized base64 challenge is refused while decoding");
		free(big);
	}
	mo_buf_free(&raw);
}

int
main(void)
{
	test_good();
	test_bad();
	test_sizes();
	test_from_base64();
	return tap_done();
}
