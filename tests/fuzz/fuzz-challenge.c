/* SPDX-License-Identifier: MIT */
/*
 * The server's error challenge (lib/challenge.h): RFC 7628 §3.2.2 JSON as
 * Dovecot, Google and Office 365 send it, and what the SASL plugin and the
 * connection plugin make of it (mo_challenge_describe into small buffers).
 */
#include "autoconfig.h"

#include <string.h>

#include "challenge.h"
#include "errors.h"
#include "fuzz.h"

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mo_challenge ch;
	const char *why = NULL;
	char small[8], mid[64], big[512];
	int rc;

	memset(&ch, 0xa5, sizeof(ch));	/* the parser must set every member */
	rc = mo_challenge_parse(data, size, &ch, &why);
	if (rc != MO_OK) {
		fuzz_assert(why != NULL);
		fuzz_assert(ch.status == NULL && ch.schemes == NULL &&
			    ch.scope == NULL && ch.openid_configuration == NULL);
		fuzz_assert(rc == MO_ERR_PARSE || rc == MO_ERR_TOOBIG ||
			    rc == MO_ERR_NOMEM);
		fuzz_assert(rc != MO_ERR_TOOBIG || size > MO_CHALLENGE_MAX);
		return 0;
	}
	fuzz_assert(size <= MO_CHALLENGE_MAX);
	fuzz_assert(ch.status != NULL && printable(ch.status));
	fuzz_assert(ch.schemes == NULL || printable(ch.schemes));
	fuzz_assert(ch.scope == NULL || printable(ch.scope));
	fuzz_assert(ch.openid_configuration == NULL ||
		    printable(ch.openid_configuration));
	mo_challenge_describe(&ch, small, sizeof(small));
	fuzz_assert(strlen(small) < sizeof(small));
	mo_challenge_describe(&ch, mid, sizeof(mid));
	fuzz_assert(strlen(mid) < sizeof(mid));
	mo_challenge_describe(&ch, big, sizeof(big));
	fuzz_assert(printable(big));
	mo_challenge_free(&ch);
	fuzz_assert(ch.status == NULL);
	return 0;
}
