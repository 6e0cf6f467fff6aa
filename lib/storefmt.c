/* SPDX-License-Identifier: MIT */
/* The token file's format: JSON in, JSON out, and the token in memory. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "jsonload.h"
#include "secret.h"
#include "store.h"
#include "storefmt.h"
#include "validate.h"

#define STORE_VERSION 1		/* plain */
#define STORE_VERSION_SEALED 2	/* the refresh token in "sealed" */

enum member_kind {
	MEMBER_TOKEN,	/* a bearer or refresh token: mo_valid_token() */
	MEMBER_TEXT,	/* printable text: no control characters */
};

static const struct {
	const char *key;
	size_t off;
	enum member_kind kind;
	const char *bad;	/* static message for a wrong type or value */
} str_members[] = {
	{ "client_id", offsetof(struct mo_token, client_id), MEMBER_TEXT,
	  "\"client_id\" is not a string without control characters" },
	{ "refresh_token", offsetof(struct mo_token, refresh_token), MEMBER_TOKEN,
	  "\"refresh_token\" is not a token string" },
	{ "access_token", offsetof(struct mo_token, access_token), MEMBER_TOKEN,
	  "\"access_token\" is not a token string" },
	{ "token_type", offsetof(struct mo_token, token_type), MEMBER_TEXT,
	  "\"token_type\" is not a string without control characters" },
	{ "scope", offsetof(struct mo_token, scope), MEMBER_TEXT,
	  "\"scope\" is not a string without control characters" },
	{ "identity", offsetof(struct mo_token, identity), MEMBER_TEXT,
	  "\"identity\" is not a string without control characters" },
	{ "tenant_id", offsetof(struct mo_token, tenant_id), MEMBER_TEXT,
	  "\"tenant_id\" is not a string without control characters" },
	{ "object_id", offsetof(struct mo_token, object_id), MEMBER_TEXT,
	  "\"object_id\" is not a string without control characters" },
	{ "sealed", offsetof(struct mo_token, sealed), MEMBER_TOKEN,
	  "\"sealed\" is not a token string" },
};

static const struct {
	const char *key;
	size_t off;
	const char *bad;
} time_members[] = {
	{ "refresh_obtained_at", offsetof(struct mo_token, refresh_obtained_at),
	  "\"refresh_obtained_at\" is not a non-negative integer" },
	{ "expires_at", offsetof(struct mo_token, expires_at),
	  "\"expires_at\" is not a non-negative integer" },
	{ "obtained_at", offsetof(struct mo_token, obtained_at),
	  "\"obtained_at\" is not a non-negative integer" },
	{ "refused_at", offsetof(struct mo_token, refused_at),
	  "\"refused_at\" is not a non-negative integer" },
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define STR_AT(t, off) ((char **)(void *)((char *)(t) + (off)))
#define CSTR_AT(t, off) ((char *const *)(const void *)((const char *)(t) + (off)))
#define TIME_AT(t, off) ((int64_t *)(void *)((char *)(t) + (off)))
#define CTIME_AT(t, off) ((const int64_t *)(const void *)((const char *)(t) + (off)))

void
mo_token_clear(struct mo_token *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < N_ELEMS(str_members); i++)
		mo_free_secret(*STR_AT(t, str_members[i].off));
	mo_wipe(t, sizeof(*t));
	memset(t, 0, sizeof(*t));
}

bool
mo_token_fresh(const struct mo_token *t, int64_t now, long margin)
{
	int64_t limit;

	if (t == NULL || t->access_token == NULL || t->access_token[0] == '\0' ||
	    t->refused_at != 0)
		return false;
	if (margin < 0)
		margin = 0;
	if (__builtin_sub_overflow(t->expires_at, (int64_t)margin, &limit))
		return false;
	return limit > now;
}

static bool
text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool
member_ok(enum member_kind kind, const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	if (kind == MEMBER_TOKEN)
		return mo_valid_token(s, len, NULL) == MO_OK;
	return text_ok(s);
}

/*
 * The store file is a JSON text (RFC 8259) holding one object:
 *
 *   store   = "{" "\"version\"" ":" ( 1 / 2 ) *( "," member ) "}"
 *   member  = string-member / time-member / other
 *   string-member = ( "\"refresh_token\"" / "\"access_token\"" /
 *                     "\"token_type\"" / "\"scope\"" / "\"client_id\"" /
 *                     "\"identity\"" / "\"tenant_id\"" / "\"object_id\"" /
 *                     "\"account\"" / "\"sealed\"" ) ":" ( string / null )
 *   time-member   = ( "\"expires_at\"" / "\"obtained_at\"" /
 *                     "\"refresh_obtained_at\"" / "\"refused_at\"" ) ":"
 *                   ( int / null )
 *
 * Members may come in any order; a member given twice, a string holding a
 * control character (tokens: anything outside 0x21-0x7e), a negative or
 * fractional time, or any other type is refused.  Unknown members are
 * ignored (a later version may add some).  null means absent.  Version 1
 * has no "sealed"; version 2 has "sealed" and no "refresh_token" (the
 * refresh token is inside "sealed", opened by lib/storecrypt.c).
 */
int
mo_store_parse(const char *text, size_t len, struct mo_token *t,
	       const char **error_r)
{
	json_t *root = NULL, *v;
	const char *err = NULL;
	size_t i;
	int ret;
	bool sealed = false;

	memset(t, 0, sizeof(*t));
	ret = mo_json_load(text, len, JSON_REJECT_DUPLICATES, &root);
	if (ret != MO_OK) {
		err = ret == MO_ERR_NOMEM ? "out of memory" : "not valid JSON";
		goto out;
	}
	ret = MO_ERR_PARSE;
	if (!json_is_object(root)) {
		err = "not a JSON object";
		goto out;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v)) {
		err = "\"version\" is missing or not an integer";
		goto out;
	}
	if (json_integer_value(v) != STORE_VERSION &&
	    json_integer_value(v) != STORE_VERSION_SEALED) {
		err = json_integer_value(v) > STORE_VERSION_SEALED ?
			"written by a newer version of mailoauth (\"version\" > 2)" :
			"unknown \"version\"";
		goto out;
	}
	sealed = json_integer_value(v) == STORE_VERSION_SEALED;
	v = json_object_get(root, "account");
	if (v != NULL && !json_is_null(v) &&
	    !(json_is_string(v) && member_ok(MEMBER_TEXT, json_string_value(v),
					     json_string_length(v)))) {
		err = "\"account\" is not a string without control characters";
		goto out;
	}
	for (i = 0; i < N_ELEMS(str_members); i++) {
		char *copy;

		v = json_object_get(root, str_members[i].key);
		if (v == NULL || json_is_null(v))
			continue;
		if (!json_is_string(v) ||
		    !member_ok(str_members[i].kind, json_string_value(v),
			       json_string_length(v))) {
			err = str_members[i].bad;
			goto out;
		}
		copy = mo_strndup(json_string_value(v), json_string_length(v));
		if (copy == NULL) {
			ret = MO_ERR_NOMEM;
			err = "out of memory";
			goto out;
		}
		*STR_AT(t, str_members[i].off) = copy;
	}
	for (i = 0; i < N_ELEMS(time_members); i++) {
		v = json_object_get(root, time_members[i].key);
		if (v == NULL || json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			err = time_members[i].bad;
			goto out;
		}
		*TIME_AT(t, time_members[i].off) = (int64_t)json_integer_value(v);
	}
	if (sealed && (t->sealed == NULL || t->refresh_token != NULL)) {
		err = "a version 2 file needs \"sealed\" and no plain \"refresh_token\"";
		goto out;
	}
	if (!sealed && t->sealed != NULL) {
		err = "\"sealed\" in a version 1 file";
		goto out;
	}
	ret = MO_OK;
out:
	mo_json_wipe_decref(root);
	if (ret != MO_OK) {
		mo_token_clear(t);
		if (error_r != NULL)
			*error_r = err;
	}
	return ret;
}

static int
set_string(json_t *obj, const char *key, const char *value)
{
	if (value == NULL)
		return 0;
	return json_object_set_new(obj, key, json_string(value));
}

static int
set_time(json_t *obj, const char *key, int64_t value)
{
	if (value == 0)
		return 0;
	return json_object_set_new(obj, key, json_integer((json_int_t)value));
}

char *
mo_store_serialise(const char *account, const struct mo_token *t)
{
	json_t *o = json_object();
	char *out = NULL;
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= json_object_set_new(o, "version", json_integer(t->sealed != NULL ?
			STORE_VERSION_SEALED : STORE_VERSION));
	bad |= set_string(o, "account", account);
	bad |= set_string(o, "client_id", t->client_id);
	bad |= set_string(o, "refresh_token", t->refresh_token);
	bad |= set_string(o, "sealed", t->sealed);
	bad |= set_time(o, "refresh_obtained_at", t->refresh_obtained_at);
	bad |= set_string(o, "access_token", t->access_token);
	bad |= set_string(o, "token_type", t->token_type);
	bad |= set_time(o, "expires_at", t->expires_at);
	bad |= set_time(o, "obtained_at", t->obtained_at);
	bad |= set_string(o, "scope", t->scope);
	bad |= set_string(o, "identity", t->identity);
	bad |= set_string(o, "tenant_id", t->tenant_id);
	bad |= set_string(o, "object_id", t->object_id);
	bad |= set_time(o, "refused_at", t->refused_at);
	if (bad == 0)
		out = json_dumps(o, JSON_INDENT(2));
	mo_json_wipe_decref(o);
	return out;
}

int
mo_store_check(const struct mo_token *t, const char **error_r)
{
	size_t i;

	for (i = 0; i < N_ELEMS(str_members); i++) {
		const char *s = *CSTR_AT(t, str_members[i].off);

		if (s != NULL && !member_ok(str_members[i].kind, s, strlen(s))) {
			*error_r = str_members[i].bad;
			return MO_ERR_INVAL;
		}
	}
	for (i = 0; i < N_ELEMS(time_members); i++) {
		if (*CTIME_AT(t, time_members[i].off) < 0) {
			*error_r = time_members[i].bad;
			return MO_ERR_INVAL;
		}
	}
	if (t->sealed != NULL && t->refresh_token != NULL) {
		*error_r = "a plain refresh token beside an encrypted one";
		return MO_ERR_INVAL;
	}
	return MO_OK;
}
