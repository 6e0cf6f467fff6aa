/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "challenge.h"
#include "errors.h"
#include "jsonload.h"
#include "secret.h"
#include "validate.h"

static int
fail(const char **error_r, const char *msg)
{
	if (error_r != NULL)
		*error_r = msg;
	return MO_ERR_PARSE;
}

/* Copies member name of obj into *out: a string, or (for status) an integer.
 * Returns MO_OK with *out NULL when absent. */
static int
get_member(json_t *obj, const char *name, int allow_int, char **out,
	   const char **error_r)
{
	json_t *v = json_object_get(obj, name);
	char num[32];
	const char *s;
	size_t i, len;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return MO_OK;
	if (json_is_string(v)) {
		s = json_string_value(v);
		len = json_string_length(v);
	} else if (allow_int && json_is_integer(v)) {
		len = (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
				       json_integer_value(v));
		s = num;
	} else {
		return fail(error_r, "a member of the server's error challenge has the wrong type");
	}
	/* The values end up in error messages: no control characters. */
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(error_r, "the server's error challenge contains control characters");
	}
	*out = mo_strndup(s, len);
	return *out != NULL ? MO_OK : MO_ERR_NOMEM;
}

int
mo_challenge_parse(const void *data, size_t len, struct mo_challenge *ch,
		   const char **error_r)
{
	json_t *root = NULL;
	int ret;

	memset(ch, 0, sizeof(*ch));
	if (len > MO_CHALLENGE_MAX) {
		if (error_r != NULL)
			*error_r = "the server's error challenge is larger than 4 KiB";
		return MO_ERR_TOOBIG;
	}
	if (data == NULL || len == 0)
		return fail(error_r, "the server's error challenge is empty");
	ret = mo_json_load(data, len, JSON_REJECT_DUPLICATES, &root);
	if (ret == MO_ERR_NOMEM) {
		if (error_r != NULL)
			*error_r = "out of memory";
		return ret;
	}
	if (ret != MO_OK)
		return fail(error_r, "the server's error challenge is not valid JSON");
	if (!json_is_object(root)) {
		ret = fail(error_r, "the server's error challenge is not a JSON object");
		goto out;
	}
	if ((ret = get_member(root, "status", 1, &ch->status, error_r)) != MO_OK ||
	    (ret = get_member(root, "schemes", 0, &ch->schemes, error_r)) != MO_OK ||
	    (ret = get_member(root, "scope", 0, &ch->scope, error_r)) != MO_OK ||
	    (ret = get_member(root, "openid-configuration", 0,
			      &ch->openid_configuration, error_r)) != MO_OK)
		goto out;
	if (ch->status == NULL || ch->status[0] == '\0')
		ret = fail(error_r, "the server's error challenge has no \"status\"");
out:
	json_decref(root);
	if (ret != MO_OK)
		mo_challenge_free(ch);
	return ret;
}

void
mo_challenge_free(struct mo_challenge *ch)
{
	free(ch->status);
	free(ch->schemes);
	free(ch->scope);
	free(ch->openid_configuration);
	memset(ch, 0, sizeof(*ch));
}

const char *
mo_challenge_describe(const struct mo_challenge *ch, char *buf, size_t n)
{
	if (n == 0)
		return buf;
	if (ch->scope != NULL)
		snprintf(buf, n, "status %s, scope %s",
			 ch->status ? ch->status : "?", ch->scope);
	else
		snprintf(buf, n, "status %s", ch->status ? ch->status : "?");
	return buf;
}
