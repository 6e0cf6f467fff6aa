/* SPDX-License-Identifier: MIT */
/*
 * The loopback redirect of the browser sign-in (helper/net/signin-callback.h):
 * bytes from whatever connects to our listener, parsed as the listener
 * does (the head as it arrives, then the query), and judged against the
 * state of a waiting flow.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "fuzz.h"
#include "secret.h"
#include "signin-callback.h"
#include "text.h"

#define STATE "Xq3vU0m9Zk2bT7pL"

static void
query_param(const struct mo_cb_head *h, const char *name)
{
	char *value = NULL;
	int rc;

	rc = mo_query_get(h->query, h->query_len, name, &value);
	fuzz_assert(rc == MO_OK || rc == MO_ERR_NOENT || rc == MO_ERR_PARSE ||
		    rc == MO_ERR_NOMEM);
	fuzz_assert((rc == MO_OK) == (value != NULL));
	if (value != NULL) {
		fuzz_assert(strlen(value) <= h->query_len);
		mo_free_secret(value);
	}
}

static void
judge(const struct mo_cb_head *h)
{
	struct mo_cb_result r;
	char *copy;

	memset(&r, 0, sizeof(r));
	if (mo_cb_evaluate(h, "/", STATE, &r) != MO_OK)
		return;
	fuzz_assert(r.status >= 200 && r.status <= 599);
	switch (r.kind) {
	case MO_CB_CODE:
		fuzz_assert(r.code != NULL && r.error == NULL);
		break;
	case MO_CB_ERROR:
		fuzz_assert(r.error != NULL && r.code == NULL);
		/* As the flow shows it on the terminal. */
		copy = strdup(r.error);
		if (copy != NULL) {
			mo_oneline_inplace(copy, 200);
			fuzz_assert(strlen(copy) <= 200);
			free(copy);
		}
		if (r.error_description != NULL)
			mo_oneline_inplace(r.error_description, 16);
		break;
	default:
		fuzz_assert(r.why != NULL && r.code == NULL);
		break;
	}
	mo_cb_result_clear(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *why = NULL;
	struct mo_cb_head h;
	struct mo_buf path;
	int rc;

	/* The listener parses whenever bytes arrive: a prefix first. */
	rc = mo_cb_head_parse(buf, size / 2, &h, &why);
	fuzz_assert(rc == MO_OK || rc == MO_CB_MORE || rc == MO_ERR_PARSE ||
		    rc == MO_ERR_TOOBIG);
	rc = mo_cb_head_parse(buf, size, &h, &why);
	if (rc == MO_CB_MORE) {
		fuzz_assert(size < MO_CB_MAX_HEAD);
		return 0;
	}
	if (rc != MO_OK) {
		fuzz_assert(why != NULL);
		fuzz_assert(rc == MO_ERR_PARSE || rc == MO_ERR_TOOBIG);
		return 0;
	}
	fuzz_assert(h.head_len <= size && h.head_len <= MO_CB_MAX_HEAD);
	fuzz_assert(h.path != NULL && h.path_len >= 1 && h.path[0] == '/');
	fuzz_assert(h.path + h.path_len <= buf + h.head_len);
	fuzz_assert(h.query == NULL || h.query + h.query_len <= buf + h.head_len);

	mo_buf_init(&path, 4096);
	(void)mo_form_decode(h.path, h.path_len, &path);
	mo_buf_free(&path);
	if (h.query != NULL) {
		query_param(&h, "code");
		query_param(&h, "state");
		query_param(&h, "error_description");
	}
	judge(&h);
	return 0;
}
