/* SPDX-License-Identifier: MIT */
/* Office 365 SMTP refusals: the advice for each reply (smtpadvice.h). */
#include "autoconfig.h"

#include <stddef.h>
#include <string.h>

#include "smtpadvice.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		const char *text;
		const char *code;	/* NULL: no advice */
		int token_fault;
	} c[] = {
		{ "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
		  "for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. "
		  "[X.prod.outlook.com]", "5.7.139", 0 },
		{ "5.7.139 Authentication unsuccessful, basic authentication is disabled.",
		  "5.7.139", 0 },
		{ "127.0.0.1 refused the OAuth2 token (server said: 535 5.7.3 Authentication "
		  "unsuccessful [X]). Check ...", "5.7.3", 1 },
		{ "the server answered MAIL FROM:<a@b> with: 554 5.2.252 SendAsDenied; a@b not "
		  "allowed to send as c@d; STOREDRV...", "5.2.252", 0 },
		{ "535 5.7.30 something else", NULL, 0 },
		{ "535 5.7.1390 not it", NULL, 0 },
		{ "535 15.7.3 not it", NULL, 0 },
		{ "535 5.7.3.1 not it", NULL, 0 },
		{ "version 5.7.3", "5.7.3", 1 },
		{ "x5.7.3 glued", NULL, 0 },
		{ "", NULL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const struct mo_smtp_advice *a = mo_smtp_advice(c[i].text);

		if (c[i].code == NULL) {
			tap_ok(a == NULL, "case %zu: no advice", i);
			continue;
		}
		tap_ok(a != NULL && strcmp(a->code, c[i].code) == 0 &&
		       a->token_fault == (c[i].token_fault != 0) &&
		       a->cause[0] != '\0' && a->fix[0] != '\0',
		       "case %zu: advice %s", i, c[i].code);
	}
	tap_ok(mo_smtp_advice(NULL) == NULL, "NULL: no advice");
	return tap_done();
}
