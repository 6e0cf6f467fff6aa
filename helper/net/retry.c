/* SPDX-License-Identifier: MIT */
/* Retry-After and backoff (retry.h). */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>

#include <curl/curl.h>

#include "retry.h"

long
mo_retry_after_parse(const char *v, time_t now)
{
	char *end;
	long s;
	time_t t;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9') {
		errno = 0;
		s = strtol(v, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (*end != '\0')
			return -1;
		/* Digits only: ERANGE is a delay too long to count. */
		return errno != 0 || s > MO_RETRY_AFTER_MAX ? MO_RETRY_AFTER_MAX : s;
	}
	/* IMF-fixdate (and the obsolete forms, which curl_getdate reads too). */
	t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	if (t <= now)
		return 0;
	return t - now > MO_RETRY_AFTER_MAX ? MO_RETRY_AFTER_MAX : (long)(t - now);
}

int64_t
mo_backoff_ms(unsigned int attempts, unsigned int *seed)
{
	int64_t base = MO_BACKOFF_MAX_MS;

	if (attempts == 0)
		attempts = 1;
	if (attempts <= 8)
		base = (int64_t)MO_BACKOFF_BASE_MS << (attempts - 1);
	if (base > MO_BACKOFF_MAX_MS)
		base = MO_BACKOFF_MAX_MS;
	return base / 2 + (int64_t)(rand_r(seed) % (int)(base / 2 + 1));
}
