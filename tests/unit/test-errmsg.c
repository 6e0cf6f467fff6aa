/* SPDX-License-Identifier: MIT */
/* The allocating printf and error_r messages (lib/errmsg.h). */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "errors.h"
#include "tap.h"

static char *
via_va_list(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
via_va_list(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = mo_vstrdup_printf(fmt, ap);
	va_end(ap);
	return s;
}

int
main(void)
{
	static const struct {
		const char *name, *s; int n; const char *want;
	} cases[] = {
		{ "string and number", "account", 3, "account|3" },
		{ "zero number", "x", 0, "x|0" },
		{ "empty string, negative number", "", -75, "|-75" },
		{ "UTF-8 text", "B\xc3\xa4r", 1, "B\xc3\xa4r|1" },
	};
	char big[20000], *s;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = mo_strdup_printf("%s|%d", cases[i].s, cases[i].n);
		tap_is_str(s, cases[i].want, "mo_strdup_printf: %s", cases[i].name);
		free(s);
		s = via_va_list("%s|%d", cases[i].s, cases[i].n);
		tap_is_str(s, cases[i].want, "mo_vstrdup_printf: %s", cases[i].name);
		free(s);
	}
	s = mo_strdup_printf("%s", "");
	tap_is_str(s, "", "an empty result is an empty string, not NULL");
	free(s);
	/* No cap: a helper's long message survives whole. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = mo_strdup_printf("<%s>", big);
	tap_ok(s != NULL && strlen(s) == sizeof(big) + 1 && s[0] == '<' &&
	       s[sizeof(big)] == '>', "a 20000-byte result is complete");
	free(s);

	s = NULL;
	ret = mo_errorf(&s, MO_ERR_IO, "%s: %s", "/x/y", "No such file");
	tap_is_int(ret, MO_ERR_IO, "mo_errorf returns the code it was given");
	tap_is_str(s, "/x/y: No such file", "mo_errorf sets *error_r");
	free(s);
	tap_is_int(mo_errorf(NULL, MO_ERR_CONFIG, "%d", 1), MO_ERR_CONFIG,
		   "mo_errorf with error_r NULL only returns the code");
	return tap_done();
}
