/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "jsonload.h"
#include "secret.h"

/* Printable ASCII that no JSON writer escapes, but for '/' ("\/"). */
static bool
plain(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* The text at p is s and a closing quote, each '/' perhaps as "\/". */
static bool
match_at(const char *p, const char *end, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p < end && *p == s[i])
			p++;
		else if (s[i] == '/' && end - p >= 2 && p[0] == '\\' && p[1] == '/')
			p += 2;
		else
			return false;
	}
	return p < end && *p == '"';
}

/* "s" in the text, quotes included. */
static bool
quoted_in(const char *text, size_t len, const char *s, size_t n)
{
	const char *p = text, *end = text + len;

	while (p < end && (p = memchr(p, '"', (size_t)(end - p))) != NULL) {
		if (match_at(p + 1, end, s, n))
			return true;
		p++;
	}
	return false;
}

static bool
number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
	       c == 'e' || c == 'E';
}

/* The integer as a whole number token in the text. */
static bool
integer_in(const char *text, size_t len, json_int_t v)
{
	char digits[32];
	const char *p = text, *end = text + len;
	int n = snprintf(digits, sizeof(digits), "%" JSON_INTEGER_FORMAT, v);

	if (n <= 0 || (size_t)n >= sizeof(digits))
		return false;
	while ((size_t)(end - p) >= (size_t)n) {
		const char *q = memchr(p, digits[0], (size_t)(end - p) - (size_t)n + 1);

		if (q == NULL)
			return false;
		if (memcmp(q, digits, (size_t)n) == 0 &&
		    (q == text || !number_char(q[-1])) &&
		    (q + n == end || !number_char(q[n])))
			return true;
		p = q + 1;
	}
	return false;
}

static bool
intact(const char *text, size_t len, json_t *v)
{
	const char *key;
	json_t *member;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, key, member) {
			if (plain(key, strlen(key)) && !quoted_in(text, len, key, strlen(key)))
				return false;
			if (!intact(text, len, member))
				return false;
		}
		return true;
	case JSON_ARRAY:
		json_array_foreach(v, i, member)
			if (!intact(text, len, member))
				return false;
		return true;
	case JSON_STRING:
		return !plain(json_string_value(v), json_string_length(v)) ||
		       quoted_in(text, len, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return integer_in(text, len, json_integer_value(v));
	default:
		return true;
	}
}

/* Every string of a JSON value, recursively. */
static void
wipe_strings(json_t *v)
{
	const char *key;
	json_t *member;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		mo_wipe((char *)json_string_value(v), json_string_length(v));
		break;
	case JSON_OBJECT:
		json_object_foreach(v, key, member)
			wipe_strings(member);
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, member)
			wipe_strings(member);
		break;
	default:
		break;
	}
}

void
mo_json_wipe_decref(json_t *j)
{
	if (j == NULL)
		return;
	/* Others' references keep using the strings. */
	if (j->refcount == 1)
		wipe_strings(j);
	json_decref(j);
}

int
mo_json_load(const char *text, size_t len, size_t flags, json_t **root_r)
{
	json_error_t jerr;
	json_t *root;
	bool nomem;

	*root_r = NULL;
	/* jansson leaves the error code alone on some paths. */
	memset(&jerr, 0, sizeof(jerr));
	root = json_loadb(text != NULL ? text : "", text != NULL ? len : 0, flags, &jerr);
	nomem = root == NULL && json_error_code(&jerr) == json_error_out_of_memory;
	mo_wipe(&jerr, sizeof(jerr));
	if (root == NULL)
		return nomem ? MO_ERR_NOMEM : MO_ERR_PARSE;
	if (!intact(text, len, root)) {
		mo_json_wipe_decref(root);
		return MO_ERR_NOMEM;
	}
	*root_r = root;
	return MO_OK;
}
