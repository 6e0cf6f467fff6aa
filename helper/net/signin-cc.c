/* SPDX-License-Identifier: MIT */
/*
 * `flow = client_credentials` (RFC 6749 §4.4; doc/protocol.md): the app
 * signs in as itself with its secret or certificate, for POP/IMAP/SMTP
 * access to mailboxes of one tenant.  There is no refresh token: `mailoauth token` asks for a
 * new access token whenever the stored one runs out.  `authorize` proves
 * that the credentials work, stores the first token and tells the admin
 * what Exchange Online still needs.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "b64.h"
#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "signin.h"

#define CLAIMS_MAX (64 * 1024)
#define MSG_MAX 8192
#define BAD_SECRET "AADSTS7000215: the client secret is wrong (use the secret's " \
	"Value, not its Secret ID, from App registrations > Certificates & secrets): "

/* Exchange Online's application permissions per protocol (EXO-OAUTH). */
static const char *const app_role[MO_PROTO_COUNT] = {
	[MO_PROTO_POP3] = "POP.AccessAsApp",
	[MO_PROTO_IMAP] = "IMAP.AccessAsApp",
	[MO_PROTO_SMTP] = "SMTP.SendAsApp",
};

/*
 * What an app-only token says about the app, when it is a JWT we can read
 * (Exchange's app-only tokens are; Microsoft's tokens are otherwise opaque
 * to clients, so this is advice only and never decides anything): oid (the
 * service principal's object id, which New-ServicePrincipal wants) and
 * roles (the application permissions that were consented).
 */
struct app_claims {
	char *oid;
	json_t *roles;		/* array of strings, or NULL */
	bool read;		/* the payload was readable JSON */
};

static void
read_claims(const char *token, struct app_claims *c)
{
	const char *p1 = strchr(token, '.'), *p2;
	struct mo_buf raw;
	json_t *j = NULL;
	const char *oid;

	memset(c, 0, sizeof(*c));
	if (p1 == NULL || (p2 = strchr(p1 + 1, '.')) == NULL)
		return;
	mo_buf_init(&raw, CLAIMS_MAX);
	if (mo_base64url_decode(&raw, p1 + 1, (size_t)(p2 - p1 - 1)) == MO_OK)
		(void)mo_json_load(raw.data, raw.len, 0, &j);
	mo_buf_free(&raw);
	if (!json_is_object(j))
		goto out;
	c->read = true;
	oid = json_string_value(json_object_get(j, "oid"));
	if (oid != NULL && strlen(oid) <= 64 &&
	    strspn(oid, "0123456789abcdefABCDEF-") == strlen(oid))
		c->oid = strdup(oid);
	/* A copy: the payload is wiped below, strings and all. */
	if (json_is_array(json_object_get(j, "roles")))
		c->roles = json_deep_copy(json_object_get(j, "roles"));
out:
	mo_json_wipe_decref(j);
}

static bool
has_role(json_t *roles, const char *role)
{
	size_t i;
	json_t *v;

	json_array_foreach(roles, i, v) {
		const char *s = json_string_value(v);

		if (s != NULL && strcasecmp(s, role) == 0)
			return true;
	}
	return false;
}

static void
explain_exchange_steps(const struct mo_account *a, const struct app_claims *c)
{
	const char *oid = c->oid != NULL ? c->oid : "<OBJECT_ID>";
	int p;

	mo_net_print(
		"mailoauth: the app's credentials work.  No refresh token exists in this flow:\n"
		"  `mailoauth token %s` asks for a new access token whenever needed.\n"
		"Exchange Online must still let the app into the mailbox %s.  A tenant admin,\n"
		"in Exchange Online PowerShell (Connect-ExchangeOnline), runs once:\n"
		"  New-ServicePrincipal -AppId %s -ObjectId %s\n",
		a->name, a->user, a->client_id, oid);
	if (c->oid != NULL)
		mo_net_print("      (%s is the app's service principal, read from the token)\n",
			oid);
	else
		fputs("      OBJECT_ID is the Object ID under Entra ID >\n"
		      "      Enterprise applications > the app, NOT the one under App\n"
		      "      registrations (the wrong one makes every login fail).\n", stderr);
	if (a->wants[MO_PROTO_POP3] || a->wants[MO_PROTO_IMAP])
		mo_net_print("  Add-MailboxPermission -Identity %s -User %s "
				"-AccessRights FullAccess\n", a->user, oid);
	if (a->wants[MO_PROTO_SMTP])
		mo_net_print("  Add-RecipientPermission -Identity %s -Trustee %s "
				"-AccessRights SendAs -Confirm:$false\n", a->user, oid);
	mo_net_print(
		"The app registration needs the application permission(s)");
	for (p = 0; p < MO_PROTO_COUNT; p++) {
		if (a->wants[p])
			mo_net_print(" %s", app_role[p]);
	}
	mo_net_print(
		" of\n  \"Office 365 Exchange Online\" with admin consent "
		"(`mailoauth consent-url %s`).\n"
		"Then prove it end to end: mailoauth check %s\n",
		a->name, a->name);
	if (c->roles != NULL) {
		for (p = 0; p < MO_PROTO_COUNT; p++) {
			if (a->wants[p] && !has_role(c->roles, app_role[p]))
				mo_net_warn("the token lacks the application permission %s: %s "
					    "will be refused until it is added and consented",
					    app_role[p], mo_proto_name((enum mo_proto)p));
		}
	} else if (c->read) {
		mo_net_warn("the token carries no application permissions (roles): add %s and "
			    "grant admin consent", a->wants[MO_PROTO_SMTP] ? "SMTP.SendAsApp" :
			    "POP.AccessAsApp or IMAP.AccessAsApp");
	}
}

static bool
special_tenant(const char *t)
{
	return t == NULL || strcasecmp(t, "common") == 0 ||
	       strcasecmp(t, "organizations") == 0 || strcasecmp(t, "consumers") == 0;
}

int
mo_signin_client_credentials(struct mo_signin *s, char **error_r)
{
	const struct mo_account *a = s->acct;
	struct mo_token_reply reply;
	struct mo_oauth_error err;
	struct app_claims claims;
	struct mo_buf form;
	char *error = NULL;
	int ret;

	memset(&reply, 0, sizeof(reply));
	memset(&err, 0, sizeof(err));
	memset(&claims, 0, sizeof(claims));
	mo_buf_init(&form, MO_FORM_MAX);

	if (a->provider->app_scope == NULL) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"provider %s has no app-only access: remove flow = "
				"client_credentials from [account %s]", a->provider->name, a->name);
		goto out;
	}
	if (a->provider->needs_tenant && special_tenant(a->tenant)) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"flow = client_credentials needs the tenant's ID (a GUID) or "
				"domain in tenant = of [account %s], not \"%s\"",
				a->name, a->tenant ? a->tenant : "");
		goto out;
	}
	if (a->client_secret_file == NULL && a->client_secret_command == NULL &&
	    a->client_certificate_file == NULL) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"flow = client_credentials needs the app's client secret: set "
				"client_secret_file (a file of mode 0600 holding the secret's "
				"Value) or client_secret_command in [account %s] (or a "
				"certificate: client_certificate_file and client_key_file)",
				a->name);
		goto out;
	}
	ret = mo_oauth_form_client_credentials(&form, a, &error);
	if (ret != MO_OK) {
		ret = mo_signin_post_error(a, NULL, NULL, error, ret, error_r);
		goto out;
	}
	ret = mo_oauth_token_request(s->ctx->http, a, &form, "client credentials", &reply,
				     &err, &error);
	mo_buf_free(&form);
	if (ret != MO_OK) {
		/* AADSTS7000215 is the classic: the secret's ID instead of its
		 * Value.  Make sure the code and the cure are in the message. */
		if (err.n_codes > 0 && err.codes[0] == 7000215 &&
		    (error == NULL || strstr(error, "7000215") == NULL))
			ret = mo_signin_post_error(a, &err, BAD_SECRET, error, ret, error_r);
		else
			ret = mo_signin_post_error(a, &err, NULL, error, ret, error_r);
		goto out;
	}
	read_claims(reply.access_token, &claims);
	ret = mo_signin_finish(s, &reply, error_r);
	if (ret == MO_OK)
		explain_exchange_steps(a, &claims);
out:
	free(claims.oid);
	json_decref(claims.roles);
	mo_token_reply_clear(&reply);
	mo_oauth_error_clear(&err);
	mo_buf_free(&form);
	free(error);
	return ret;
}
