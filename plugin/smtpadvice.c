/* SPDX-License-Identifier: MIT */
/* Cause and fix for Office 365's SMTP refusals (smtpadvice.h). */
#include "autoconfig.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "smtpadvice.h"

static const struct mo_smtp_advice advice[] = {
	{ "5.7.139",
	  "SMTP AUTH (authenticated client submission) is disabled for this mailbox "
	  "or for the whole tenant; OAuth2 logins need it as much as passwords do",
	  "enable it for the mailbox in Exchange Online PowerShell: "
	  "Set-CASMailbox -Identity USER -SmtpClientAuthenticationDisabled $false "
	  "(Get-CASMailbox -Identity USER | fl SmtpClientAuthenticationDisabled shows "
	  "the setting; Set-TransportConfig -SmtpClientAuthenticationDisabled $false "
	  "enables it for the organisation), or in the admin center: Users, the user, "
	  "Mail, Manage email apps, \"Authenticated SMTP\"",
	  false },
	{ "5.7.3",
	  "the server refused the token for this login: it lacks the SMTP.Send "
	  "permission (app-only: the SMTP.SendAsApp role and the Exchange service "
	  "principal), it was issued to another user than USER, or USER is a shared "
	  "mailbox, which cannot log in itself",
	  "`mailoauth status ACCOUNT` shows the scopes and who signed in; grant "
	  "SMTP.Send (scopes = ... smtp) and run `mailoauth authorize ACCOUNT`; "
	  "set user to the signed-in mailbox (for a shared mailbox log in as the "
	  "delegate and send as the shared address with Send As rights)",
	  true },
	{ "5.2.252",
	  "the mailbox may not send as that sender (SendAsDenied): the envelope "
	  "sender or the From: header is another address than USER",
	  "send with USER's own address (Postfix: rewrite the sender with "
	  "smtp_generic_maps or sender_canonical_maps), or grant USER Send As on "
	  "the other address: Add-RecipientPermission -Identity SENDER -Trustee "
	  "USER -AccessRights SendAs",
	  false },
};

const struct mo_smtp_advice *
mo_smtp_advice(const char *text)
{
	const char *p;
	size_t i, n;

	if (text == NULL)
		return NULL;
	for (p = text; *p != '\0'; p++) {
		if (p != text && !isspace((unsigned char)p[-1]) && p[-1] != '(' && p[-1] != ':')
			continue;
		for (i = 0; i < sizeof(advice) / sizeof(advice[0]); i++) {
			n = strlen(advice[i].code);
			if (strncmp(p, advice[i].code, n) == 0 &&
			    !isdigit((unsigned char)p[n]) && p[n] != '.')
				return &advice[i];
		}
	}
	return NULL;
}
