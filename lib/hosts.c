/* SPDX-License-Identifier: MIT */
/*
 * The hosts an account's token may be sent to (hosts.h).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "errmsg.h"
#include "errors.h"
#include "hosts.h"

/* Microsoft's other mail hosts for the same tokens, global cloud only:
 * Outlook.com's (https://support.microsoft.com/office/pop-imap-and-smtp-
 * settings-for-outlook-com-d088b986-291d-42b8-9564-9c414e2aa040) and the
 * outlook.office.com alias of Exchange Online. */
static const char *const microsoft_global[] = {
	"outlook.office365.com", "smtp.office365.com", "outlook.office.com",
	"outlook.live.com", "smtp-mail.outlook.com", "imap-mail.outlook.com",
	"pop-mail.outlook.com", NULL
};

/* a and b name the same host: case, a final dot and IPv6 brackets aside. */
static bool
same_host(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return false;
	la = strlen(a);
	lb = strlen(b);
	if (la >= 2 && a[0] == '[' && a[la - 1] == ']') {
		a++;
		la -= 2;
	}
	if (lb >= 2 && b[0] == '[' && b[lb - 1] == ']') {
		b++;
		lb -= 2;
	}
	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

static bool
in_list(const char *const *list, const char *host)
{
	for (; *list != NULL; list++)
		if (same_host(*list, host))
			return true;
	return false;
}

int
mo_account_host_allowed(const struct mo_account *acct, int proto,
			const char *host, char **error_r)
{
	const struct mo_provider *p = acct->provider;
	char list[600];
	size_t n = 0;
	int i;

	for (i = 0; i < MO_PROTO_COUNT; i++) {
		if (same_host(acct->server[i].host, host) ||
		    (p != NULL && same_host(p->server[i].host, host)))
			return MO_OK;
	}
	if (p != NULL && same_host(p->server[MO_PROTO_IMAP].host,
				   "outlook.office365.com") &&
	    in_list(microsoft_global, host))
		return MO_OK;

	list[0] = '\0';
	for (i = 0; i < MO_PROTO_COUNT; i++) {
		const char *h = acct->server[i].host;

		if (h == NULL || h[0] == '\0' || strstr(list, h) != NULL)
			continue;
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				      n > 0 ? ", " : "", h);
		if (n >= sizeof(list))
			break;
	}
	if (host == NULL || host[0] == '\0')
		return mo_errorf(error_r, MO_ERR_CONFIG,
				 "account %s: the program did not say which server it "
				 "connects to, and the token goes only to the account's "
				 "servers (%s); nothing was sent", acct->name,
				 list[0] != '\0' ? list : "none configured");
	return mo_errorf(error_r, MO_ERR_CONFIG,
			 "account %s: %s is not one of the account's servers (%s), "
			 "so its token was not sent there; if %s is right, add "
			 "`%s = %s` to [account %s] in %s",
			 acct->name, host, list[0] != '\0' ? list : "none configured",
			 host, proto >= 0 && proto < MO_PROTO_COUNT ?
			 mo_proto_name((enum mo_proto)proto) : "imap (or pop3, smtp)",
			 host, acct->name, acct->file != NULL ? acct->file : "the configuration");
}
