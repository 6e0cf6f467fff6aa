/* SPDX-License-Identifier: MIT */
/* SASL PLAIN (RFC 4616), server side: extract the login name. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "saslplain.h"

int
mo_plain_parse(const void *msg, size_t len, char **user_r, const char **error_r)
{
	const char *p = msg, *nul1, *nul2;
	const char *user;
	size_t ulen;
	char *copy;

	*user_r = NULL;
	if (len > MO_PLAIN_MAX) {
		*error_r = "the PLAIN message is too long";
		return MO_ERR_TOOBIG;
	}
	nul1 = memchr(p, '\0', len);
	if (nul1 == NULL) {
		*error_r = "the PLAIN message has no NUL separator";
		return MO_ERR_PARSE;
	}
	nul2 = memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - p));
	if (nul2 == NULL) {
		*error_r = "the PLAIN message has only one NUL separator";
		return MO_ERR_PARSE;
	}
	if (memchr(nul2 + 1, '\0', len - (size_t)(nul2 + 1 - p)) != NULL) {
		*error_r = "the PLAIN message has more than two NUL separators";
		return MO_ERR_PARSE;
	}
	if (nul2 == nul1 + 1) {
		*error_r = "the PLAIN message has an empty user name";
		return MO_ERR_PARSE;
	}
	if (nul1 > p) {		/* authzid given: act as that mailbox */
		user = p;
		ulen = (size_t)(nul1 - p);
	} else {
		user = nul1 + 1;
		ulen = (size_t)(nul2 - user);
	}
	copy = malloc(ulen + 1);
	if (copy == NULL)
		return MO_ERR_NOMEM;
	memcpy(copy, user, ulen);
	copy[ulen] = '\0';
	*user_r = copy;
	return MO_OK;
}
