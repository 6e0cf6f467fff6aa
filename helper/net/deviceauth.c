/* SPDX-License-Identifier: MIT */
/* The device authorization reply (RFC 8628 §3.2): a pure parser. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "deviceauth.h"
#include "errors.h"
#include "secret.h"
#include "signin-callback.h"
#include "text.h"
#include "validate.h"



void
mo_device_auth_clear(struct mo_device_auth *d)
{
	mo_free_secret(d->device_code);
	free(d->user_code);
	free(d->verification_uri);
	free(d->message);
	memset(d, 0, sizeof(*d));
}

/* A printable string member (no control characters), or NULL. */
static const char *
get_text(json_t *j, const char *name)
{
	const char *s = json_string_value(json_object_get(j, name));
	size_t i;

	if (s == NULL || s[0] == '\0')
		return NULL;
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return NULL;
	}
	return s;
}

/* A number of seconds, as a JSON number or a string of digits; def when
 * absent, -1 when malformed or outside 1..max. */
static long
get_seconds(json_t *j, const char *name, long def, long max)
{
	json_t *v = json_object_get(j, name);
	long long n;
	char *end;

	if (v == NULL || json_is_null(v))
		return def;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (s[0] < '0' || s[0] > '9')
			return -1;
		n = strtoll(s, &end, 10);
		if (*end != '\0')
			return -1;
	} else {
		return -1;
	}
	if (n < 1)
		return -1;
	return n > max ? max : (long)n;
}

int
mo_device_auth_parse(json_t *j, struct mo_device_auth *d, const char **why)
{
	const char *dc = json_string_value(json_object_get(j, "device_code"));
	const char *uc = get_text(j, "user_code");
	const char *uri = get_text(j, "verification_uri");
	const char *msg = json_string_value(json_object_get(j, "message"));

	if (uri == NULL)
		uri = get_text(j, "verification_url");
	if (dc == NULL || dc[0] == '\0' || !mo_is_printable_ascii(dc, strlen(dc))) {
		*why = "no usable device_code";
		return MO_ERR_PARSE;
	}
	if (uc == NULL) {
		*why = "no usable user_code";
		return MO_ERR_PARSE;
	}
	if (uri == NULL || strncmp(uri, "https://", 8) != 0) {
		*why = "no https verification_uri";
		return MO_ERR_PARSE;
	}
	d->expires_in = get_seconds(j, "expires_in", MO_DEVICE_DEFAULT_EXPIRES, MO_DEVICE_MAX_EXPIRES);
	d->interval = get_seconds(j, "interval", MO_DEVICE_DEFAULT_INTERVAL, MO_DEVICE_MAX_INTERVAL);
	if (d->expires_in < 0 || d->interval < 0) {
		*why = "malformed expires_in or interval";
		return MO_ERR_PARSE;
	}
	d->device_code = mo_strdup(dc);
	d->user_code = strdup(uc);
	d->verification_uri = strdup(uri);
	if (msg != NULL)
		d->message = strdup(msg);
	if (d->device_code == NULL || d->user_code == NULL || d->verification_uri == NULL ||
	    (msg != NULL && d->message == NULL))
		return MO_ERR_NOMEM;
	mo_oneline_inplace(d->message, 1000);
	return MO_OK;
}

