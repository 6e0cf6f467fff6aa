/* SPDX-License-Identifier: MIT */
/* Finding and reading the configuration file, freeing it, look-ups.  The
 * syntax is confparse.c's business, the meaning confbuild.c's. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "confint.h"
#include "config.h"
#include "errmsg.h"
#include "errors.h"
#include "paths.h"

#ifndef MAILOAUTH_SYSCONFDIR
#define MAILOAUTH_SYSCONFDIR "/etc"
#endif

#define CONFIG_MAX MO_CONFIG_MAX
#define MSG_MAX 4096

static const char *const proto_names[MO_PROTO_COUNT] = { "pop3", "imap", "smtp" };

/* ------------------------------------------------------------------ */
/* Finding and reading the file                                        */

/* Reads path into a buffer of at most CONFIG_MAX + 1 bytes.  MO_ERR_NOENT
 * without a message when the file does not exist, MO_ERR_PERM when this
 * process may not read it (the SASL plugin then stays out of the way). */
static int
read_file(const char *path, struct mo_buf *b, char **error_r)
{
	struct stat st;
	int fd, ret = MO_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return MO_ERR_NOENT;
		if (errno == EACCES || errno == EPERM)
			return mo_errorf(error_r, MO_ERR_PERM, "%s: %s: the "
					 "configuration must be readable by the "
					 "user that runs mailoauth", path,
					 strerror(errno));
		return mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
				 strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
				strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"%s: not a regular file", path);
		goto out;
	}
	ret = mo_buf_read_fd(b, fd);
	if (ret == MO_ERR_IO)
		ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
				strerror(errno));
	else if (ret == MO_ERR_TOOBIG)
		ret = mo_conf_fail(error_r, path, 0, "larger than %d bytes; "
				   "that is not a mailoauth configuration",
				   CONFIG_MAX);
out:
	close(fd);
	return ret;
}

static int
load_file(const char *path, struct mo_config **cfg_r, char **error_r)
{
	struct mo_buf b;
	int ret;

	mo_buf_init(&b, CONFIG_MAX);
	ret = read_file(path, &b, error_r);
	if (ret == MO_OK)
		ret = mo_config_parse(path, b.data != NULL ? b.data : "", b.len,
				      cfg_r, error_r);
	mo_buf_free(&b);
	return ret;
}

int
mo_config_load(const char *path, struct mo_config **cfg_r, char **error_r)
{
	const char *env, *xdg, *home;
	char *user_path = NULL, *sys_path = NULL;
	int ret;

	*cfg_r = NULL;
	if (error_r != NULL)
		*error_r = NULL;
	if (path != NULL) {
		ret = load_file(path, cfg_r, error_r);
		if (ret == MO_ERR_NOENT)
			ret = mo_errorf(error_r, MO_ERR_NOENT,
					"%s: no such configuration file; create "
					"it (see mailoauth.conf(5))", path);
		goto out;
	}
	env = mo_env("MAILOAUTH_CONFIG");
	if (env != NULL) {
		ret = load_file(env, cfg_r, error_r);
		if (ret == MO_ERR_NOENT)
			ret = mo_errorf(error_r, MO_ERR_NOENT,
					"%s (from $MAILOAUTH_CONFIG): no such "
					"configuration file; create it (see "
					"mailoauth.conf(5)) or unset "
					"MAILOAUTH_CONFIG", env);
		goto out;
	}
	xdg = mo_env("XDG_CONFIG_HOME");
	home = mo_env("HOME");
	if (xdg != NULL && xdg[0] == '/')
		user_path = mo_strdup_printf("%s/mailoauth/config", xdg);
	else if (home != NULL)
		user_path = mo_strdup_printf("%s/.config/mailoauth/config", home);
	sys_path = mo_strdup_printf("%s/mailoauth/config", MAILOAUTH_SYSCONFDIR);
	if (sys_path == NULL || (user_path == NULL && (xdg != NULL || home != NULL))) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	ret = MO_ERR_NOENT;
	if (user_path != NULL)
		ret = load_file(user_path, cfg_r, error_r);
	if (ret == MO_ERR_NOENT)
		ret = load_file(sys_path, cfg_r, error_r);
	if (ret == MO_ERR_NOENT)
		ret = mo_errorf(error_r, MO_ERR_NOENT,
				"no configuration file found (looked for %s%s%s); "
				"create one: see mailoauth.conf(5)",
				user_path != NULL ? user_path : "",
				user_path != NULL ? " and " : "", sys_path);
out:
	free(user_path);
	free(sys_path);
	return ret;
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
