/* SPDX-License-Identifier: MIT */
/*
 * mailoauth-net without the network: form encoding, token-reply parsing
 * (expires_in forms, bad tokens, id_token identity), applying a reply to the
 * stored tokens, Microsoft error parsing and the advice per AADSTS code.
 */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "idperrors.h"
#include "oauth.h"
#include "retry.h"
#include "store.h"
#include "tap.h"

static struct mo_provider prov = { .name = (char *)"microsoft" };
static struct mo_account acct = {
	.name = (char *)"work",
	.provider = &prov,
	.tenant = (char *)"contoso.example",
	.client_id = (char *)"00000000-0000-0000-0000-00000000a001",
	.user = (char *)"user@contoso.example",
	.scopes = (char *)"https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
};

static void
test_form(void)
{
	struct mo_buf f;

	mo_buf_init(&f, 200);
	tap_is_int(mo_form_add(&f, "grant_type", "refresh_token"), MO_OK, "form add");
	tap_is_int(mo_form_add(&f, "client_secret", "s3cr3t~Value.with-Chars_ &=+/%"),
		   MO_OK, "form add with reserved characters");
	tap_is_str(mo_buf_str(&f),
		   "grant_type=refresh_token&client_secret=s3cr3t~Value.with-Chars_%20%26%3D%2B%2F%25",
		   "values are percent-encoded, pairs joined with &");
	mo_buf_free(&f);
	mo_buf_init(&f, 30);
	tap_is_int(mo_form_add(&f, "a", "b"), MO_OK, "small form");
	tap_is_int(mo_form_add(&f, "scope", "https://outlook.office.com/IMAP"),
		   MO_ERR_TOOBIG, "a form past its bound is refused");
	tap_is_str(mo_buf_str(&f), "a=b", "and left as it was");
	mo_buf_free(&f);
}

static int
parse(const char *text, struct mo_token_reply *r, const char **why)
{
	json_t *j = json_loads(text, 0, NULL);
	int ret;

	*why = NULL;
	ret = mo_token_reply_parse(j, r, why);
	json_decref(j);
	return ret;
}

static void
test_reply(void)
{
	/* {"tid":"t-1","oid":"o-1","preferred_username":"user@contoso.example"} */
	static const char id_token[] =
		"eyJhbGciOiJub25lIn0."
		"eyJ0aWQiOiJ0LTEiLCJvaWQiOiJvLTEiLCJwcmVmZXJyZWRfdXNlcm5hbWUiOiJ1c2VyQGNvbnRvc28uZXhhbXBsZSJ9."
		"sig";
	static const struct {
		const char *json;
		int ret;
		long long expires_in;
		const char *what;
	} cases[] = {
		{ "{\"access_token\":\"A.b-c\",\"expires_in\":3599}", MO_OK, 3599, "number" },
		{ "{\"access_token\":\"A\",\"expires_in\":\"3599\"}", MO_OK, 3599, "string (v1)" },
		{ "{\"access_token\":\"A\",\"expires_in\":3599.0}", MO_OK, 3599, "real" },
		{ "{\"access_token\":\"A\"}", MO_OK, -1, "absent" },
		{ "{\"access_token\":\"A\",\"expires_in\":\"soon\"}", MO_ERR_PARSE, 0, "word" },
		{ "{\"access_token\":\"A\",\"expires_in\":-5}", MO_ERR_PARSE, 0, "negative" },
		{ "{\"access_token\":\"A\",\"expires_in\":\"12x\"}", MO_ERR_PARSE, 0, "junk after digits" },
		{ "{\"access_token\":\"A\",\"expires_in\":[1]}", MO_ERR_PARSE, 0, "array" },
		{ "{\"expires_in\":3599}", MO_ERR_PARSE, 0, "no access_token" },
		{ "{\"access_token\":\"\"}", MO_ERR_PARSE, 0, "empty access_token" },
		{ "{\"access_token\":\"A B\"}", MO_ERR_PARSE, 0, "space in access_token" },
		{ "{\"access_token\":\"A\\u0001B\"}", MO_ERR_PARSE, 0, "^A in access_token" },
		{ "{\"access_token\":\"A\\r\\nB\"}", MO_ERR_PARSE, 0, "CRLF in access_token" },
		{ "{\"access_token\":\"A\",\"refresh_token\":\"R\\nX\"}", MO_ERR_PARSE, 0,
		  "LF in refresh_token" },
		{ "{\"access_token\":\"A\",\"token_type\":\"mac\"}", MO_ERR_PARSE, 0, "not Bearer" },
		{ "{\"access_token\":\"A\",\"token_type\":\"bearer\"}", MO_OK, -1, "bearer, any case" },
		{ "{\"access_token\":42}", MO_ERR_PARSE, 0, "number access_token" },
		{ "[\"access_token\"]", MO_ERR_PARSE, 0, "not an object" },
		{ "{\"access_token\":\"A\\u0000B\"}", MO_ERR_PARSE, 0, "NUL in access_token" },
		{ "{\"access_token\":\"A\",\"scope\":\"s\\r\\nx\"}", MO_OK, -1,
		  "CRLF in scope: dropped" },
	};
	struct mo_token_reply r = { .expires_in = -1 };
	const char *why;
	char buf[512];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ret = parse(cases[i].json, &r, &why);
		tap_is_int(ret, cases[i].ret, "token reply: %s", cases[i].what);
		if (ret == MO_OK && cases[i].ret == MO_OK)
			tap_is_int(r.expires_in, cases[i].expires_in, "expires_in: %s",
				   cases[i].what);
		if (ret != MO_OK)
			tap_ok(why != NULL && strstr(why, "A") == NULL,
			       "the reason does not echo the token (%s)", why ? why : "-");
		mo_token_reply_clear(&r);
	}

	snprintf(buf, sizeof(buf), "{\"access_token\":\"A\",\"refresh_token\":\"R\","
				   "\"scope\":\"s1 s2\",\"id_token\":\"%s\"}", id_token);
	tap_is_int(parse(buf, &r, &why), MO_OK, "reply with an id_token");
	tap_is_str(r.identity, "user@contoso.example", "identity from preferred_username");
	tap_is_str(r.tenant_id, "t-1", "tid");
	tap_is_str(r.object_id, "o-1", "oid");
	tap_is_str(r.token_type, "Bearer", "token_type defaults to Bearer");
	mo_token_reply_clear(&r);
	tap_is_int(parse("{\"access_token\":\"A\",\"scope\":\"a\\u0001b\"}", &r, &why), MO_OK,
		   "a scope with ^A is accepted");
	tap_ok(r.scope == NULL, "and dropped");
	mo_token_reply_clear(&r);
	tap_is_int(parse("{\"access_token\":\"A\",\"id_token\":\"garbage\"}", &r, &why), MO_OK,
		   "a malformed id_token only loses the identity");
	tap_ok(r.identity == NULL, "no identity then");
	mo_token_reply_clear(&r);
}

static void
test_apply(void)
{
	struct mo_token t = { 0 };
	struct mo_token_reply r = { .expires_in = -1 };
	const char *why;

	t.refresh_token = strdup("OLD-RT");
	t.scope = strdup("old scope");
	t.refresh_obtained_at = 100;
	parse("{\"access_token\":\"NEW-AT\",\"expires_in\":\"60\"}", &r, &why);
	tap_is_int(mo_token_apply_reply(&t, &acct, &r, 1000), MO_OK, "apply a reply without RT");
	tap_is_str(t.refresh_token, "OLD-RT", "the old refresh token is kept");
	tap_is_int(t.refresh_obtained_at, 100, "and its age");
	tap_is_str(t.access_token, "NEW-AT", "new access token");
	tap_is_int(t.expires_at, 1060, "expiry = now + expires_in");
	tap_is_str(t.scope, "old scope", "scope kept when the reply has none");
	tap_is_str(t.client_id, acct.client_id, "client_id recorded");
	tap_ok(r.access_token == NULL, "secrets moved out of the reply");
	mo_token_reply_clear(&r);
	parse("{\"access_token\":\"AT2\",\"refresh_token\":\"RT2\",\"scope\":\"s\"}", &r, &why);
	mo_token_apply_reply(&t, &acct, &r, 2000);
	tap_is_str(t.refresh_token, "RT2", "a rotated refresh token replaces the old");
	tap_is_int(t.refresh_obtained_at, 2000, "and its age restarts");
	tap_is_int(t.expires_at, 2000 + 3600, "no expires_in: one hour");
	mo_token_reply_clear(&r);
	mo_token_clear(&t);
}

static void
test_errors(void)
{
	static const struct {
		const char *json;
		long status;
		int ret;
		const char *must;
	} cases[] = {
		{ "{\"error\":\"invalid_grant\",\"error_codes\":[70008]}", 400, MO_ERR_REAUTH,
		  "mailoauth authorize work" },
		{ "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS700082: expired\"}",
		  400, MO_ERR_REAUTH, "AADSTS700082" },
		{ "{\"error\":\"invalid_grant\",\"error_codes\":[50173]}", 400, MO_ERR_REAUTH,
		  "password changed" },
		{ "{\"error\":\"invalid_grant\",\"error_codes\":[50076],\"suberror\":\"basic_action\"}",
		  400, MO_ERR_REAUTH, "multi-factor" },
		{ "{\"error\":\"invalid_grant\",\"error_codes\":[65001],\"suberror\":\"consent_required\"}",
		  400, MO_ERR_REAUTH, "mailoauth consent-url work" },
		{ "{\"error\":\"invalid_client\",\"error_codes\":[7000218]}", 401, MO_ERR_CONFIG,
		  "Allow public client flows" },
		{ "{\"error\":\"invalid_client\",\"error_codes\":[700025]}", 400, MO_ERR_CONFIG,
		  "public client" },
		{ "{\"error\":\"invalid_client\",\"error_codes\":[7000215]}", 401, MO_ERR_CONFIG,
		  "Secret ID" },
		{ "{\"error\":\"invalid_client\",\"error_codes\":[7000222]}", 401, MO_ERR_CONFIG,
		  "expired" },
		{ "{\"error\":\"invalid_request\",\"error_codes\":[50194]}", 400, MO_ERR_CONFIG,
		  "single-tenant" },
		{ "{\"error\":\"invalid_request\",\"error_codes\":[9002332]}", 400, MO_ERR_CONFIG,
		  "work or school" },
		{ "{\"error\":\"unauthorized_client\",\"error_codes\":[700016]}", 400, MO_ERR_CONFIG,
		  "not known in that tenant" },
		{ "{\"error\":\"invalid_request\",\"error_codes\":[90002]}", 400, MO_ERR_CONFIG,
		  "does not exist" },
		{ "{\"error\":\"interaction_required\",\"error_codes\":[53003]}", 400, MO_ERR_AUTH,
		  "Conditional Access" },
		{ "{\"error\":\"temporarily_unavailable\"}", 503, MO_ERR_TEMP, "try again later" },
		{ "{\"error\":\"invalid_grant\",\"error_codes\":[50196]}", 400, MO_ERR_TEMP, "busy" },
		{ "{\"error\":\"invalid_grant\"}", 400, MO_ERR_REAUTH, "mailoauth authorize work" },
		{ "{\"error\":\"invalid_scope\",\"error_codes\":[70011]}", 400, MO_ERR_CONFIG,
		  "scopes" },
		{ "{\"error\":\"something_new\"}", 400, MO_ERR_PROTO, "refused" },
		{ "{\"error\":\"invalid_grant\",\"error_codes\":[70008],\"trace_id\":\"T-1\","
		  "\"correlation_id\":\"C-1\",\"timestamp\":\"2024-01-01 00:00:00Z\"}",
		  400, MO_ERR_REAUTH, "trace_id T-1, correlation_id C-1" },
		{ "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS70008: x\\r\\n"
		  "Trace ID: T\\r\\nCorrelation ID: C\"}", 400, MO_ERR_REAUTH,
		  "Microsoft says: AADSTS70008: x" },
	};
	struct mo_oauth_error e = { 0 };
	struct mo_buf m;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mo_buf_init(&m, 8192);
		ret = mo_oauth_error_parse(cases[i].json, strlen(cases[i].json), &e);
		tap_is_int(ret, MO_OK, "error JSON %zu parses", i);
		e.http_status = cases[i].status;
		ret = mo_oauth_explain(&e, &acct, &m);
		tap_is_int(ret, cases[i].ret, "error %zu (%s): code", i, e.error);
		tap_ok(strstr(mo_buf_str(&m), cases[i].must) != NULL,
		       "error %zu: message has \"%s\"", i, cases[i].must);
		if (strstr(mo_buf_str(&m), cases[i].must) == NULL)
			tap_diag("%s", mo_buf_str(&m));
		tap_ok(strstr(mo_buf_str(&m), "Trace ID:") == NULL,
		       "error %zu: only the first line of the description", i);
		mo_oauth_error_clear(&e);
		mo_buf_free(&m);
	}
	tap_is_int(mo_oauth_error_parse("<html>", 6, &e), MO_ERR_PARSE, "HTML is no error JSON");
	mo_oauth_error_clear(&e);
	tap_is_int(mo_oauth_error_parse("{\"x\":1}", 7, &e), MO_ERR_PARSE,
		   "JSON without error member");
	mo_oauth_error_clear(&e);
}

static void
test_retry(void)
{
	static const struct {
		const char *value;
		long want;
	} cases[] = {
		{ "120", 120 }, { " 7 ", 7 }, { "0", 0 }, { "12s", -1 }, { "", -1 },
		{ "soon", -1 }, { "-5", -1 },
		/* 1700000000 = Tue, 14 Nov 2023 22:13:20 GMT; "now" is 100 s before */
		{ "Tue, 14 Nov 2023 22:13:20 GMT", 100 },
		{ "Tue, 14 Nov 2023 22:10:00 GMT", 0 },	/* in the past */
		/* hostile: never more than a day, never negative */
		{ "86400", 86400 }, { "86401", MO_RETRY_AFTER_MAX },
		{ "9223372036854775807", MO_RETRY_AFTER_MAX },
		{ "99999999999999999999", MO_RETRY_AFTER_MAX },
		{ "-9223372036854775808", -1 }, { "+5", -1 }, { "1.5", -1 }, { "0x10", -1 },
		{ "Fri, 31 Dec 9999 23:59:59 GMT", MO_RETRY_AFTER_MAX },
		{ "Wed, 21 Oct 2015 07:28:00 GMT", 0 },
	};
	unsigned int seed = 1, a;
	int64_t d, base;
	size_t i;
	bool ok = true;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_int(mo_retry_after_parse(cases[i].value, 1700000000 - 100),
			   cases[i].want, "Retry-After \"%s\"", cases[i].value);
	for (a = 1; a <= 12; a++) {
		base = a <= 5 ? (int64_t)MO_BACKOFF_BASE_MS << (a - 1) : MO_BACKOFF_MAX_MS;
		if (base > MO_BACKOFF_MAX_MS)
			base = MO_BACKOFF_MAX_MS;
		for (i = 0; i < 200; i++) {
			d = mo_backoff_ms(a, &seed);
			ok &= d >= base / 2 && d <= base;
		}
	}
	tap_ok(ok, "backoff doubles from %d ms, capped at %d ms, jitter within [1/2, 1]",
	       MO_BACKOFF_BASE_MS, MO_BACKOFF_MAX_MS);
}

int
main(void)
{
	test_retry();
	test_form();
	test_reply();
	test_apply();
	test_errors();
	return tap_done();
}
