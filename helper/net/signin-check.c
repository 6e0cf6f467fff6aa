/* SPDX-License-Identifier: MIT */
/* Checks on the result of a sign-in: consent (scope and identity: grantcheck.c). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "signin-check.h"

static bool
consent_code(long c)
{
	return c == 65001 || c == 90094 || c == 90095;
}

bool
mo_is_consent_error(const char *error, const char *suberror,
		    const char *description, const long *codes, size_t n_codes)
{
	size_t i;

	if ((error != NULL && strcmp(error, "consent_required") == 0) ||
	    (suberror != NULL && strcmp(suberror, "consent_required") == 0))
		return true;
	for (i = 0; codes != NULL && i < n_codes; i++) {
		if (consent_code(codes[i]))
			return true;
	}
	if (description != NULL && strncmp(description, "AADSTS", 6) == 0) {
		char *end;
		long c = strtol(description + 6, &end, 10);

		if (end != description + 6 && consent_code(c))
			return true;
	}
	return false;
}
