/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_CONFIG_H
#define MAILOAUTH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The INI configuration (inih), see mailoauth.conf(5).
 *
 * Search order: the explicit path (--config FILE), else $MAILOAUTH_CONFIG,
 * else $XDG_CONFIG_HOME/mailoauth/config (~/.config/mailoauth/config), else
 * SYSCONFDIR/mailoauth/config (/etc/mailoauth/config).
 *
 *   [account NAME]      provider, tenant, client_id, client_secret_file,
 *                       client_secret_command, user, login_hint, scopes,
 *                       flow, authority, cloud, ca_file, refresh_margin,
 *                       state_dir, redirect_port, store_key_file,
 *                       store_key_command, client_certificate_file,
 *                       client_key_file, client_key_passphrase_file,
 *                       client_key_passphrase_command, pop3, imap, smtp,
 *                       notify_command, client_secret_expires,
 *                       expiry_warning_days
 *   [defaults]          notify_command, expiry_warning_days
 *   [provider NAME]     authorize_url, token_url, device_url, scope_pop,
 *                       scope_imap, scope_smtp, rotates_refresh_tokens,
 *                       device_flow
 */

enum mo_flow {
	MO_FLOW_DEFAULT = 0,	/* not configured: browser with a display, else device */
	MO_FLOW_BROWSER,
	MO_FLOW_DEVICE,
	MO_FLOW_CLIENT_CREDENTIALS,
};

enum mo_proto {
	MO_PROTO_POP3 = 0,
	MO_PROTO_IMAP,
	MO_PROTO_SMTP,
	MO_PROTO_COUNT
};

/* How TLS starts on a connection to a mail server. */
enum mo_tls_mode {
	MO_TLS_DEFAULT = 0,	/* from the port (ports.h) */
	MO_TLS_IMPLICIT,	/* TLS from the first byte (995, 993, 465) */
	MO_TLS_STARTTLS,	/* STLS / STARTTLS upgrade (110, 143, 587, 25) */
};

struct mo_server {
	char *host;		/* never NULL after loading (defaults filled in;
				   "" with port 0 when neither the account nor
				   its provider names a server) */
	unsigned int port;
	/* What the key's URL scheme said (pop3s:// implicit, pop3://
	 * STARTTLS); MO_TLS_DEFAULT for the HOST[:PORT] form and the
	 * provider's servers: the port decides. */
	enum mo_tls_mode tls;
};

struct mo_provider {
	char *name;
	/* URL templates; "{authority}" and "{tenant}" are substituted.  An
	 * account's authority replaces the scheme://host[:port] part of a
	 * template without "{authority}" (google). */
	char *authorize_url;
	char *token_url;
	char *device_url;	/* NULL: no device flow */
	char *consent_url;	/* NULL: no admin consent */
	char *default_authority;
	char *scope[MO_PROTO_COUNT];	/* full scope for pop/imap/smtp */
	char *app_scope;	/* client credentials scope, NULL if unsupported */
	char *extra_scopes;	/* always requested: "offline_access openid ..." */
	struct mo_server server[MO_PROTO_COUNT];	/* default servers */
	bool needs_tenant;
	bool rotates_refresh_tokens;
	bool device_flow_for_mail;
};

struct mo_account {
	char *name;
	char *file;			/* where the section starts */
	unsigned int line;
	const struct mo_provider *provider;	/* for microsoft: the profile of
						   the account's cloud */
	char *tenant;			/* NULL unless the provider has tenants */
	char *client_id;
	char *client_secret_file;	/* NULL: none */
	char *client_secret_command;	/* NULL: none */
	/* Certificate credential (RFC 7523 private_key_jwt): both or neither
	 * of the first two; not together with a client secret. */
	char *client_certificate_file;	/* PEM certificate */
	char *client_key_file;		/* PEM private key (may be encrypted) */
	char *client_key_passphrase_file;	/* NULL: none */
	char *client_key_passphrase_command;	/* NULL: none */
	char *store_key_file;		/* NULL: none (the refresh token is */
	char *store_key_command;	/* stored plain unless one is set) */
	char *user;			/* mailbox: XOAUTH2 user= */
	char *login_hint;		/* who signs in; defaults to user */
	char *scopes;			/* expanded, space separated, as sent to
					   the IdP (mail scopes + extras) */
	bool wants[MO_PROTO_COUNT];	/* protocols named by the scopes */
	enum mo_flow flow;
	char *authority;		/* base URL, no trailing slash */
	char *ca_file;			/* NULL: system trust only */
	long refresh_margin;		/* seconds; default 300 */
	char *state_dir;		/* resolved, never NULL */
	unsigned int redirect_port;	/* 0: ephemeral */
	struct mo_server server[MO_PROTO_COUNT];
	/* Resolved endpoints (templates expanded). */
	char *authorize_url;
	char *token_url;
	char *device_url;		/* NULL: flow unavailable */
	/* Notifications and expiry warnings ([defaults] gives the first
	 * two to accounts that do not set them). */
	char *notify_command;		/* NULL: none; an absolute program path
					   and arguments, split at blanks */
	long expiry_warning_days;	/* default 14 */
	int64_t client_secret_expires;	/* Unix seconds (00:00 UTC of the
					   date), 0: not configured */
};

struct mo_config {
	char *path;			/* the file that was loaded */
	struct mo_account *accounts;
	size_t n_accounts;
	struct mo_provider *providers;	/* custom [provider] sections */
	size_t n_providers;
};

/*
 * Finds and loads the configuration.  path may be NULL (search order
 * above).  Returns MO_OK, MO_ERR_NOENT (no configuration file found: the
 * message lists where we looked), MO_ERR_CONFIG (any problem in the file:
 * unknown key, malformed line, missing required key, duplicate account,
 * bad value), MO_ERR_IO or MO_ERR_NOMEM.  On failure *error_r is a malloc'd
 * message "FILE:LINE: what is wrong and what to do" (free() it).
 */
int mo_config_load(const char *path, struct mo_config **cfg_r, char **error_r);

/* Parses configuration text held in memory (for tests and fuzzing); name
 * is used in messages.  Same results as mo_config_load(). */
int mo_config_parse(const char *name, const char *text, size_t len,
		    struct mo_config **cfg_r, char **error_r);

void mo_config_free(struct mo_config *cfg);

/* The account called name, or NULL. */
const struct mo_account *mo_config_account(const struct mo_config *cfg,
					   const char *name);

/*
 * The account whose user (case-insensitively) equals user.  Returns MO_OK,
 * MO_ERR_NOENT (none), or MO_ERR_CONFIG when two or more match; *error_r
 * (malloc'd) then names them.
 */
int mo_config_find_user(const struct mo_config *cfg, const char *user,
			const struct mo_account **acct_r, char **error_r);

/* "pop3", "imap", "smtp" -> MO_PROTO_*; -1 when unknown. */
int mo_proto_from_name(const char *name);
const char *mo_proto_name(enum mo_proto p);

/* The scope a protocol needs, as configured for the account's provider
 * (the provider's app_scope for flow = client_credentials); NULL when the
 * provider has none. */
const char *mo_account_scope_for(const struct mo_account *a, enum mo_proto p);

#endif
