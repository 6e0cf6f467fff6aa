/* SPDX-License-Identifier: MIT */
/* What every harness shares (fuzz.h). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void
fuzz_fail_at(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: broken promise: %s\n", file, line, what);
	fflush(stderr);
	abort();
}
