/* SPDX-License-Identifier: MIT */
/* The scope and identity checks of a grant (lib/grantcheck.h), the rule that
 * authorize, status and check share. */
#include "autoconfig.h"

#include <stdbool.h>
#include <stddef.h>

#include "grantcheck.h"
#include "tap.h"

#define O "https://outlook.office.com/"
#define POP O "POP.AccessAsUser.All"
#define IMAP O "IMAP.AccessAsUser.All"

static const struct {
	const char *granted, *want;
	bool ok;
	const char *what;
} scopes[] = {
	/* rule 1: equal ignoring case, trailing '/' */
	{ POP, POP, true, "the same full URL" },
	{ "offline_access " POP " openid", POP, true, "among OIDC scopes" },
	{ "https://OUTLOOK.office.com/pop.accessasuser.all", POP, true, "any case" },
	{ "https://mail.google.com", "https://mail.google.com/", true, "trailing slash" },
	{ "https://mail.google.com/", "https://mail.google.com", true, "trailing slash, reversed" },
	{ "mail", "mail", true, "two short names" },
	/* rule 2: same host (Exchange aliases) and permission */
	{ "https://outlook.office365.com/POP.AccessAsUser.All", POP, true, "outlook.office365.com" },
	{ "https://ps.outlook.com/POP.AccessAsUser.All", POP, true, "ps.outlook.com" },
	{ "https://outlook.office.com/v1/POP.AccessAsUser.All", POP, true,
	  "a path before the permission" },
	/* rule 3: a short name in the reply */
	{ "POP.AccessAsUser.All openid", POP, true, "short name" },
	{ "pop.accessasuser.all", POP, true, "short name, any case" },
	/* encodings Microsoft's examples show */
	{ "https%3A%2F%2Foutlook.office.com%2FPOP.AccessAsUser.All", POP, true, "URL-encoded" },
	{ "https%3A%2F%2Foutlook.office.com%2FIMAP.AccessAsUser.All+" "https%3a%2f%2foutlook.office.com%2fPOP.AccessAsUser.All",
	  POP, true, "URL-encoded, '+' between scopes, lower-case hex" },
	{ IMAP "\t" POP, POP, true, "tab between scopes" },
	/* what does not match */
	{ "https://graph.microsoft.com/POP.AccessAsUser.All", POP, false,
	  "the same permission on Microsoft Graph" },
	{ "https%3A%2F%2Fgraph.microsoft.com%2FPOP.AccessAsUser.All", POP, false,
	  "the same permission on Microsoft Graph, URL-encoded" },
	{ "https://outlook.example.com/POP.AccessAsUser.All", POP, false,
	  "the same permission on an unrelated host" },
	{ "https://graph.microsoft.com/IMAP.AccessAsUser.All " POP, IMAP, false,
	  "IMAP only on Graph, POP on Exchange" },
	{ IMAP " offline_access", POP, false, "another permission" },
	{ O "POP.AccessAsUser.AllX", POP, false, "a longer permission name" },
	{ O "POP.AccessAsUser", POP, false, "a shorter permission name" },
	{ POP, "POP.AccessAsUser.All", false, "a full URL for a short wanted scope" },
	{ "https://www.googleapis.com/auth/gmail.readonly", "https://mail.google.com/", false,
	  "another Google scope" },
	{ "https://outlook.office.com", POP, false, "a host without a permission" },
	{ "", POP, false, "nothing granted" },
	{ "%", POP, false, "a stray percent sign" },
	{ "%4", POP, false, "a truncated escape" },
	{ "POP.AccessAsUser.All%00", POP, false, "an encoded NUL is not decoded" },
	/* the wanted scope */
	{ "", "", true, "nothing wanted" },
	{ POP, "  " POP " ignored", true, "wanted: leading spaces and a second word ignored" },
};

static const struct {
	const char *identity, *user, *login_hint;
	enum mo_identity_match want;
	const char *what;
} ids[] = {
	{ "user@contoso.example", "user@contoso.example", NULL, MO_ID_USER, "the user" },
	{ "User@Contoso.example", "user@contoso.example", NULL, MO_ID_USER, "the user, any case" },
	{ "boss@contoso.example", "shared@contoso.example", "Boss@contoso.example",
	  MO_ID_DELEGATE, "login_hint: a delegate" },
	{ "user@contoso.example", "user@contoso.example", "user@contoso.example", MO_ID_USER,
	  "user and login_hint the same: the user" },
	{ "eve@contoso.example", "shared@contoso.example", "boss@contoso.example", MO_ID_OTHER,
	  "neither" },
	{ "eve@contoso.example", "user@contoso.example", NULL, MO_ID_OTHER, "not the user" },
	{ "eve@contoso.example", NULL, NULL, MO_ID_OTHER, "no user configured" },
	{ NULL, "user@contoso.example", NULL, MO_ID_UNKNOWN, "nobody named" },
	{ "", "user@contoso.example", NULL, MO_ID_UNKNOWN, "an empty name" },
};

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		tap_ok(mo_scope_granted(scopes[i].granted, scopes[i].want) == scopes[i].ok,
		       "scope: %s: %s", scopes[i].what, scopes[i].ok ? "granted" : "not granted");
	tap_ok(!mo_scope_granted(NULL, POP), "scope: NULL granted");
	tap_ok(!mo_scope_granted(POP, NULL), "scope: NULL wanted");
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		tap_is_int(mo_identity_match(ids[i].identity, ids[i].user, ids[i].login_hint),
			   ids[i].want, "identity: %s", ids[i].what);
	return tap_done();
}
