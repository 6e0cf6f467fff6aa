/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <string.h>

#include "errors.h"
#include "validate.h"

#define MAX_USER_LEN 512
#define MAX_HOST_LEN 255
#define MAX_TOKEN_LEN 65536

static int
fail(const char **error_r, const char *msg)
{
	if (error_r != NULL)
		*error_r = msg;
	return MO_ERR_INVAL;
}

bool
mo_is_printable_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e)
			return false;
	}
	return true;
}

int
mo_valid_user(const char *user, const char **error_r)
{
	size_t i, len;

	if (user == NULL || user[0] == '\0')
		return fail(error_r, "the user name is empty");
	len = strlen(user);
	if (len > MAX_USER_LEN)
		return fail(error_r, "the user name is longer than 512 bytes");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)user[i];
		if (c < 0x20 || c == 0x7f)
			return fail(error_r, "the user name contains a control character (CR, LF, 0x01 ...)");
	}
	return MO_OK;
}

int
mo_valid_host(const char *host, const char **error_r)
{
	size_t len;

	if (host == NULL || host[0] == '\0')
		return fail(error_r, "the host name is empty");
	len = strlen(host);
	if (len > MAX_HOST_LEN)
		return fail(error_r, "the host name is longer than 255 bytes");
	if (!mo_is_printable_ascii(host, len))
		return fail(error_r, "the host name contains a space or a control character");
	return MO_OK;
}

int
mo_valid_token(const char *token, size_t len, const char **error_r)
{
	if (token == NULL || len == 0)
		return fail(error_r, "the access token is empty");
	if (len > MAX_TOKEN_LEN)
		return fail(error_r, "the access token is longer than 64 KiB");
	if (!mo_is_printable_ascii(token, len))
		return fail(error_r, "the access token contains a space, a control character (NUL, 0x01, CR, LF) or a non-ASCII byte");
	return MO_OK;
}

bool
mo_token_shaped(const char *s, size_t len)
{
	size_t i = 0;

	if (s == NULL || len < MO_TOKEN_SHAPE_MIN || len > MAX_TOKEN_LEN)
		return false;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_' || c == '~' || c == '+' || c == '/'))
			break;
	}
	if (i == 0)
		return false;
	for (; i < len; i++) {
		if (s[i] != '=')
			return false;
	}
	return true;
}
