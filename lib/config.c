/* SPDX-License-Identifier: MIT */
/* The bottom of the configuration chain (confint.h): freeing, look-ups,
 * protocol names and the "FILE:LINE: ..." messages.  It calls no other
 * conf*.c file. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "confint.h"
#include "config.h"
#include "errors.h"

#define MSG_MAX 4096

static const char *const proto_names[MO_PROTO_COUNT] = { "pop3", "imap", "smtp" };

/* ------------------------------------------------------------------ */
/* Messages                                                            */

int
mo_conf_fail(char **error_r, const char *file, unsigned int line,
	     const char *fmt, ...)
{
	struct mo_buf b;
	va_list ap;
	int ret;

	if (error_r == NULL)
		return MO_ERR_CONFIG;
	mo_buf_init(&b, MSG_MAX);
	ret = line > 0 ? mo_buf_printf(&b, "%s:%u: ", file, line) :
		mo_buf_printf(&b, "%s: ", file);
	if (ret == MO_OK) {
		va_start(ap, fmt);
		ret = mo_buf_vprintf(&b, fmt, ap);
		va_end(ap);
	}
	if (ret == MO_ERR_NOMEM) {
		mo_buf_free(&b);
		*error_r = NULL;
		return MO_ERR_NOMEM;
	}
	/* A message past MSG_MAX keeps what fitted. */
	*error_r = mo_buf_steal(&b);
	mo_buf_free(&b);
	return *error_r != NULL ? MO_ERR_CONFIG : MO_ERR_NOMEM;
}

/* ------------------------------------------------------------------ */
/* Freeing and looking up                                              */

static void
server_free(struct mo_server *s)
{
	free(s->host);
}

static void
provider_free(struct mo_provider *p)
{
	int i;

	free(p->name);
	free(p->authorize_url);
	free(p->token_url);
	free(p->device_url);
	free(p->consent_url);
	free(p->default_authority);
	for (i = 0; i < MO_PROTO_COUNT; i++) {
		free(p->scope[i]);
		server_free(&p->server[i]);
	}
	free(p->app_scope);
	free(p->extra_scopes);
}

static void
account_free(struct mo_account *a)
{
	int i;

	free(a->name);
	free(a->file);
	free(a->tenant);
	free(a->client_id);
	free(a->client_secret_file);
	free(a->client_secret_command);
	free(a->client_certificate_file);
	free(a->client_key_file);
	free(a->client_key_passphrase_file);
	free(a->client_key_passphrase_command);
	free(a->store_key_file);
	free(a->store_key_command);
	free(a->user);
	free(a->login_hint);
	free(a->scopes);
	free(a->authority);
	free(a->ca_file);
	free(a->state_dir);
	for (i = 0; i < MO_PROTO_COUNT; i++)
		server_free(&a->server[i]);
	free(a->authorize_url);
	free(a->token_url);
	free(a->device_url);
	free(a->notify_command);
}

void
mo_config_free(struct mo_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_accounts; i++)
		account_free(&cfg->accounts[i]);
	free(cfg->accounts);
	for (i = 0; i < cfg->n_providers; i++)
		provider_free(&cfg->providers[i]);
	free(cfg->providers);
	free(cfg->path);
	free(cfg);
}

const struct mo_account *
mo_config_account(const struct mo_config *cfg, const char *name)
{
	size_t i;

	if (cfg == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cfg->n_accounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

int
mo_config_find_user(const struct mo_config *cfg, const char *user,
		    const struct mo_account **acct_r, char **error_r)
{
	struct mo_buf b;
	const struct mo_account *found = NULL;
	size_t i, n = 0;
	int ret;

	*acct_r = NULL;
	if (error_r != NULL)
		*error_r = NULL;
	for (i = 0; i < cfg->n_accounts; i++) {
		if (strcasecmp(cfg->accounts[i].user, user) != 0)
			continue;
		if (n++ == 0)
			found = &cfg->accounts[i];
	}
	if (n == 0)
		return MO_ERR_NOENT;
	if (n == 1) {
		*acct_r = found;
		return MO_OK;
	}
	if (error_r == NULL)
		return MO_ERR_CONFIG;
	mo_buf_init(&b, MSG_MAX);
	ret = mo_buf_printf(&b, "%s: user \"%s\" is configured in %zu accounts (",
			    cfg->path, user, n);
	for (i = 0, n = 0; ret == MO_OK && i < cfg->n_accounts; i++)
		if (strcasecmp(cfg->accounts[i].user, user) == 0)
			ret = mo_buf_printf(&b, "%s%s", n++ ? ", " : "",
					    cfg->accounts[i].name);
	if (ret == MO_OK)
		ret = mo_buf_addstr(&b, "); name the account to use, or give "
				    "each account its own user");
	/* A list too long for the message keeps what fitted. */
	*error_r = ret == MO_ERR_NOMEM ? NULL : mo_buf_steal(&b);
	mo_buf_free(&b);
	return ret == MO_ERR_NOMEM ? ret : MO_ERR_CONFIG;
}

int
mo_proto_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < MO_PROTO_COUNT; i++)
		if (strcasecmp(name, proto_names[i]) == 0)
			return i;
	return -1;
}

const char *
mo_proto_name(enum mo_proto p)
{
	if ((int)p < 0 || p >= MO_PROTO_COUNT)
		return "?";
	return proto_names[p];
}

const char *
mo_account_scope_for(const struct mo_account *a, enum mo_proto p)
{
	if ((int)p < 0 || p >= MO_PROTO_COUNT)
		return NULL;
	if (a->flow == MO_FLOW_CLIENT_CREDENTIALS)
		return a->provider->app_scope;
	return a->provider->scope[p];
}
