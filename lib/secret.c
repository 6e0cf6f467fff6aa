/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "secret.h"

void
mo_wipe(void *p, size_t len)
{
	if (p == NULL || len == 0)
		return;
#if defined(HAVE_EXPLICIT_BZERO)
	explicit_bzero(p, len);
#elif defined(HAVE_MEMSET_S)
	memset_s(p, len, 0, len);
#else
	/* A volatile function pointer keeps the compiler from dropping it. */
	static void *(*const volatile memset_v)(void *, int, size_t) = memset;
	memset_v(p, 0, len);
#endif
}

void
mo_freezero(void *p, size_t len)
{
	if (p == NULL)
		return;
	mo_wipe(p, len);
	free(p);
}

void
mo_free_secret(char *s)
{
	if (s == NULL)
		return;
	mo_freezero(s, strlen(s));
}

char *
mo_strndup(const char *s, size_t n)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
mo_strdup(const char *s)
{
	if (s == NULL)
		return NULL;
	return mo_strndup(s, strlen(s));
}

int
mo_memeq_ct(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff != 0;
}

void
mo_no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
#if !defined(__SANITIZE_ADDRESS__) && !defined(MO_SANITIZERS)
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}
