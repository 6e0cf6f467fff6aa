/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <string.h>

#include "errors.h"
#include "saslmsg.h"
#include "validate.h"

/* The token as both messages carry it (RFC 7628 §3.1 auth-value). */
static int
check_token(const char *token, const char **error_r)
{
	return mo_valid_token(token, token != NULL ? strlen(token) : 0, error_r);
}

/* "auth=Bearer TOKEN" and the two ^A that end both messages. */
static int
add_bearer(struct mo_buf *out, const char *token)
{
	int ret = mo_buf_addstr(out, "auth=Bearer ");

	if (ret == MO_OK)
		ret = mo_buf_addstr(out, token);
	if (ret == MO_OK)
		ret = mo_buf_addstr(out, "\x01\x01");
	return ret;
}

int
mo_xoauth2_build(struct mo_buf *out, const char *user, const char *token,
		 const char **error_r)
{
	size_t start = out->len;
	int ret;

	if ((ret = mo_valid_user(user, error_r)) != MO_OK)
		return ret;
	if ((ret = check_token(token, error_r)) != MO_OK)
		return ret;
	ret = mo_buf_addstr(out, "user=");
	if (ret == MO_OK)
		ret = mo_buf_addstr(out, user);
	if (ret == MO_OK)
		ret = mo_buf_addc(out, '\x01');
	if (ret == MO_OK)
		ret = add_bearer(out, token);
	if (ret != MO_OK)
		mo_buf_truncate(out, start);
	return ret;
}

/* RFC 5801 §4: saslname escaping of "," and "=". */
static int
add_saslname(struct mo_buf *out, const char *s)
{
	int ret = MO_OK;

	for (; *s != '\0' && ret == MO_OK; s++) {
		if (*s == ',')
			ret = mo_buf_addstr(out, "=2C");
		else if (*s == '=')
			ret = mo_buf_addstr(out, "=3D");
		else
			ret = mo_buf_addc(out, *s);
	}
	return ret;
}

int
mo_oauthbearer_build(struct mo_buf *out, const char *authzid,
		     const char *host, unsigned int port,
		     const char *token, const char **error_r)
{
	size_t start = out->len;
	int ret;

	if ((ret = mo_valid_user(authzid, error_r)) != MO_OK)
		return ret;
	if (host != NULL && (ret = mo_valid_host(host, error_r)) != MO_OK)
		return ret;
	if (port > 65535) {
		if (error_r != NULL)
			*error_r = "the port is not between 1 and 65535";
		return MO_ERR_INVAL;
	}
	if ((ret = check_token(token, error_r)) != MO_OK)
		return ret;

	ret = mo_buf_addstr(out, "n,a=");
	if (ret == MO_OK)
		ret = add_saslname(out, authzid);
	if (ret == MO_OK)
		ret = mo_buf_addstr(out, ",\x01");
	if (ret == MO_OK && host != NULL)
		ret = mo_buf_printf(out, "host=%s\x01", host);
	if (ret == MO_OK && port != 0)
		ret = mo_buf_printf(out, "port=%u\x01", port);
	if (ret == MO_OK)
		ret = add_bearer(out, token);
	if (ret != MO_OK)
		mo_buf_truncate(out, start);
	return ret;
}
