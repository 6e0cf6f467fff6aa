/* SPDX-License-Identifier: MIT */
/*
 * JSON that holds credentials (lib/jsonload.h): parsed as jansson parses
 * it, and never handed back with a byte lost when memory runs out.
 *
 * jansson's allocator is replaced by one that fails its Nth allocation.
 * For every N up to the number a clean parse makes, mo_json_load() must
 * either give exactly the document a clean parse gives or fail (MO_ERR_NOMEM
 * or MO_ERR_PARSE); json_loadb() itself is run the same way to show that
 * the documents below do lose bytes.  Each run is a child process: with a
 * byte lost, jansson may also read past its buffer and stop on one of its
 * own assertions, which no caller can prevent (doc/internals.md); those
 * runs are counted, not judged.
 */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "errors.h"
#include "jsonload.h"
#include "tap.h"

static unsigned long calls, fail_at;

static void *
counting_malloc(size_t n)
{
	if (++calls == fail_at)
		return NULL;
	return malloc(n);
}

static void
arm(unsigned long n)
{
	calls = 0;
	fail_at = n;
}

/* Documents shaped like a store file, a token reply and a challenge; the
 * long values make jansson's token buffer grow several times. */
static const char *const docs[] = {
	"{\"version\":1,\"account\":\"work\","
	"\"access_token\":\"EwBAccessToken.abc-123_XYZ~def-456_ghi-789_jklmnopqrstuvwxyz0123456789\","
	"\"refresh_token\":\"0.ARefresh-Token_abcdefghijklmnopqrstuvwxyz.ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789\","
	"\"token_type\":\"Bearer\",\"expires_at\":1764650123,\"obtained_at\":1764646523}",
	"{\"token_type\":\"Bearer\",\"scope\":\"https://outlook.office.com/POP.AccessAsUser.All offline_access\","
	"\"expires_in\":3599,\"ext_expires_in\":3599,"
	"\"access_token\":\"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlLmNvbSJ9.c2lnbmF0dXJl\","
	"\"refresh_token\":\"M.C105_BAY.-CQ!abcdefghijklmnopqrstuvwxyz*0123456789$$\"}",
	"{\"status\":\"invalid_token\",\"schemes\":\"bearer\",\"scope\":\"https://mail.example.org/\"}",
	"[\"one\",2,-3,{\"four\":[5,\"six\"]},true,null,7.5]",
};

enum verdict { SAME, FAILED, CHANGED, CRASHED };

/* Parses text as jansson would (ours false) or through mo_json_load, with
 * allocation n failing, in a child process. */
static enum verdict
one_run(const char *text, json_t *want, unsigned long n, bool ours)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		json_t *got = NULL;
		int ret;

		arm(n);
		if (ours) {
			ret = mo_json_load(text, strlen(text), JSON_REJECT_DUPLICATES, &got);
		} else {
			got = json_loadb(text, strlen(text), JSON_REJECT_DUPLICATES, NULL);
			ret = got != NULL ? MO_OK : MO_ERR_PARSE;
		}
		arm(0);
		_exit(ret != MO_OK ? FAILED : json_equal(got, want) ? SAME : CHANGED);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return CRASHED;
	return WIFEXITED(status) ? (enum verdict)WEXITSTATUS(status) : CRASHED;
}

static void
sweep(const char *text, size_t k)
{
	json_t *want = NULL;
	unsigned long n, total, plain[4] = { 0 }, ours[4] = { 0 };

	arm(0);
	tap_ok(mo_json_load(text, strlen(text), JSON_REJECT_DUPLICATES, &want) == MO_OK,
	       "document %zu parses", k);
	total = calls;
	for (n = 1; n <= total; n++) {
		plain[one_run(text, want, n, false)]++;
		ours[one_run(text, want, n, true)]++;
	}
	tap_is_int((long long)ours[CHANGED], 0,
		   "document %zu: allocation N fails, N = 1..%lu: never a changed "
		   "document (%lu the same, %lu failed, %lu jansson aborts; json_loadb "
		   "alone: %lu changed)", k, total, ours[SAME], ours[FAILED],
		   ours[CRASHED], plain[CHANGED]);
	if (k == 0)
		tap_ok(plain[CHANGED] > 0, "document %zu: json_loadb alone does lose "
		       "bytes (so the check above is not vacuous)", k);
	json_decref(want);
}

static void
test_no_false_alarm(void)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		/* Escapes, slashes, non-ASCII: not checked, always accepted. */
		{ "{\"url\":\"https:\\/\\/login.microsoftonline.com\\/common\"}", MO_OK },
		{ "{\"name\":\"J\\u00fcrgen M\\u00fcller\",\"n\":\"\\\"quoted\\\"\"}", MO_OK },
		{ "{\"e\":\"caf\xc3\xa9\",\"tab\":\"a\\tb\"}", MO_OK },
		/* Numbers in every position and form. */
		{ "[0,-0,1,-1,10,100,1e3,2.5,-7,9007199254740993]", MO_OK },
		{ "{\"a\":12,\"b\":123,\"c\":1234,\"d\":[12,123]}", MO_OK },
		{ "  {\"k\" : \"v\" ,\"k2\":\t\"v2\"}  ", MO_OK },
		{ "\"just a string\"", MO_OK },
		{ "7", MO_OK },
		{ "", MO_ERR_PARSE },
		{ "{\"a\":", MO_ERR_PARSE },
		{ "{\"a\":1,\"a\":2}", MO_ERR_PARSE },
		{ "not json", MO_ERR_PARSE },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = NULL;
		int ret = mo_json_load(cases[i].text, strlen(cases[i].text),
				       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &j);

		tap_is_int(ret, cases[i].want, "mo_json_load(%s)", cases[i].text);
		tap_ok((ret == MO_OK) == (j != NULL), "  a document exactly when MO_OK");
		mo_json_wipe_decref(j);
	}
	tap_is_int(mo_json_load(NULL, 0, 0, &(json_t *){ NULL }), MO_ERR_PARSE,
		   "no text is not JSON");
}

static void
test_wipe(void)
{
	json_t *j = NULL, *extra;
	const char *s;

	/* A second reference keeps the strings intact. */
	static const char doc[] = "{\"t\":\"secret-value\",\"a\":[\"x\"]}";

	tap_is_int(mo_json_load(doc, strlen(doc), 0, &j), MO_OK, "a document to wipe");
	extra = json_incref(j);
	mo_json_wipe_decref(j);
	s = json_string_value(json_object_get(extra, "t"));
	tap_is_str(s, "secret-value", "a document still referenced elsewhere is not wiped");
	json_decref(extra);
	mo_json_wipe_decref(NULL);
	tap_ok(1, "mo_json_wipe_decref(NULL) is harmless");
}

int
main(void)
{
	size_t k;

	json_set_alloc_funcs(counting_malloc, free);
	test_no_false_alarm();
	test_wipe();
	for (k = 0; k < sizeof(docs) / sizeof(docs[0]); k++)
		sweep(docs[k], k);
	return tap_done();
}
