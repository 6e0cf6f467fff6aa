/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"
#include "errors.h"
#include "secret.h"

/* OpenSSL takes int lengths. */
#define B64_MAX_IN (64u * 1024 * 1024)

int
mo_base64_encode(struct mo_buf *out, const void *data, size_t len)
{
	size_t olen;
	unsigned char *tmp;
	int n, ret;

	if (len > B64_MAX_IN)
		return MO_ERR_TOOBIG;
	olen = 4 * ((len + 2) / 3) + 1;
	tmp = malloc(olen);
	if (tmp == NULL)
		return MO_ERR_NOMEM;
	n = EVP_EncodeBlock(tmp, data, (int)len);
	ret = mo_buf_add(out, tmp, (size_t)n);
	mo_freezero(tmp, olen);
	return ret;
}

static int
is_b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
mo_base64_decode(struct mo_buf *out, const char *text, size_t len)
{
	size_t i, pad = 0, olen;
	unsigned char *tmp;
	int n, ret;

	if (len > B64_MAX_IN)
		return MO_ERR_TOOBIG;
	if (len % 4 != 0)
		return MO_ERR_PARSE;
	if (len == 0)
		return mo_buf_add(out, "", 0);
	if (text[len - 1] == '=')
		pad++;
	if (text[len - 2] == '=')
		pad++;
	for (i = 0; i < len - pad; i++) {
		if (!is_b64_char((unsigned char)text[i]))
			return MO_ERR_PARSE;
	}
	olen = len / 4 * 3;
	tmp = malloc(olen + 1);
	if (tmp == NULL)
		return MO_ERR_NOMEM;
	n = EVP_DecodeBlock(tmp, (const unsigned char *)text, (int)len);
	if (n < 0 || (size_t)n != olen) {
		ret = MO_ERR_PARSE;
		goto out;
	}
	ret = mo_buf_add(out, tmp, olen - pad);
out:
	mo_freezero(tmp, olen + 1);
	return ret;
}

int
mo_base64url_encode(struct mo_buf *out, const void *data, size_t len)
{
	size_t start = out->len, i;
	int ret;

	ret = mo_base64_encode(out, data, len);
	if (ret != MO_OK)
		return ret;
	for (i = start; i < out->len; i++) {
		if (out->data[i] == '+')
			out->data[i] = '-';
		else if (out->data[i] == '/')
			out->data[i] = '_';
	}
	while (out->len > start && out->data[out->len - 1] == '=')
		mo_buf_truncate(out, out->len - 1);
	return MO_OK;
}

int
mo_base64url_decode(struct mo_buf *out, const char *text, size_t len)
{
	struct mo_buf std;
	size_t i;
	int ret;

	if (len > B64_MAX_IN)
		return MO_ERR_TOOBIG;
	if (len % 4 == 1)
		return MO_ERR_PARSE;
	mo_buf_init(&std, len + 3);
	for (i = 0, ret = MO_OK; i < len && ret == MO_OK; i++) {
		char c = text[i];
		if (c == '+' || c == '/' || c == '=')
			ret = MO_ERR_PARSE;
		else if (c == '-')
			ret = mo_buf_addc(&std, '+');
		else if (c == '_')
			ret = mo_buf_addc(&std, '/');
		else
			ret = mo_buf_addc(&std, c);
	}
	while (ret == MO_OK && std.len % 4 != 0)
		ret = mo_buf_addc(&std, '=');
	if (ret == MO_OK)
		ret = mo_base64_decode(out, std.data ? std.data : "", std.len);
	mo_buf_free(&std);
	return ret;
}
