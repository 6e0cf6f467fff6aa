/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth consent-url ACCOUNT`: the tenant admin-consent URL (Microsoft
 * identity platform v2.0, doc/protocol.md, endpoints):
 *
 *   {authority}/{tenant}/v2.0/adminconsent?client_id=...&scope=...&redirect_uri=...
 *
 * The scope is the account's resource scopes (the OIDC ones are not
 * consented per tenant), or the app-only .default scope for
 * flow = client_credentials.  redirect_uri is http://localhost, the URI the
 * app registers for mailoauth.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "confval.h"
#include "errors.h"
#include "cmd.h"
#include "log.h"
#include "oauth.h"

#define REDIRECT_URI "http://localhost"

/* The resource scopes of a (those with "://"), space separated. */
static int
resource_scopes(const struct mo_account *a, struct mo_buf *out)
{
	const char *p = a->scopes ? a->scopes : "";
	size_t n;
	int ret = MO_OK;

	if (a->flow == MO_FLOW_CLIENT_CREDENTIALS && a->provider->app_scope != NULL)
		return mo_buf_addstr(out, a->provider->app_scope);
	while (*p != '\0' && ret == MO_OK) {
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n > 0 && memmem(p, n, "://", 3) != NULL) {
			if (out->len > 0)
				ret = mo_buf_addc(out, ' ');
			if (ret == MO_OK)
				ret = mo_buf_add(out, p, n);
		}
		p += n;
	}
	return ret;
}

int
mo_cmd_consent_url(struct mo_net_ctx *ctx, int argc, char **argv)
{
	const struct mo_account *a;
	struct mo_buf scopes, q;
	char *base = NULL;
	int ret, code = MO_EXIT_OK;

	mo_buf_init(&scopes, 8192);
	mo_buf_init(&q, 16384);
	if (argc != 2 || argv[1][0] == '-') {
		mo_net_err("usage: mailoauth consent-url ACCOUNT");
		code = MO_EXIT_USAGE;
		goto out;
	}
	a = mo_net_account(ctx, argv[1]);
	if (a == NULL) {
		code = MO_EXIT_CONFIG;
		goto out;
	}
	if (a->provider->consent_url == NULL) {
		mo_net_err("account %s: provider %s has no admin-consent endpoint", a->name,
			   a->provider->name);
		code = MO_EXIT_CONFIG;
		goto out;
	}
	if (a->tenant != NULL && (strcasecmp(a->tenant, "common") == 0 ||
				  strcasecmp(a->tenant, "consumers") == 0)) {
		mo_net_err("account %s: admin consent needs the tenant's ID or domain (or "
			   "organizations), not tenant = %s; set tenant in the configuration",
			   a->name, a->tenant);
		code = MO_EXIT_CONFIG;
		goto out;
	}
	ret = mo_conf_expand(a->provider->consent_url, a->authority, false,
			     a->tenant ? a->tenant : "organizations", &base);
	if (ret == MO_OK)
		ret = resource_scopes(a, &scopes);
	if (ret == MO_OK)
		ret = mo_form_add(&q, "client_id", a->client_id);
	if (ret == MO_OK && scopes.len > 0)
		ret = mo_form_add(&q, "scope", mo_buf_str(&scopes));
	if (ret == MO_OK)
		ret = mo_form_add(&q, "redirect_uri", REDIRECT_URI);
	if (ret != MO_OK) {
		mo_net_err("account %s: cannot build the consent URL: %s", a->name,
			   mo_strerror(ret));
		code = mo_exit_code(ret);
		goto out;
	}
	printf("%s?%s\n", base, mo_buf_str(&q));
	mo_net_note(0, "a Global Administrator (or Privileged Role / Cloud Application "
		       "Administrator) of the tenant opens this URL and accepts; then run "
		       "`mailoauth authorize %s`", a->name);
out:
	free(base);
	mo_buf_free(&scopes);
	mo_buf_free(&q);
	return code;
}
