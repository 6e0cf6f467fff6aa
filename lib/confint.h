/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_CONFINT_H
#define MAILOAUTH_CONFINT_H

/*
 * Internals of the configuration loader, shared by its files; not part of
 * the library's contract (that is config.h).  The files form a one-way
 * chain: each calls only the files after it, never one before it.
 *
 *   confload.c   mo_config_load(): find the file ($MAILOAUTH_CONFIG, XDG,
 *                SYSCONFDIR) and read it (bounded, regular files only)
 *     -> confparse.c  mo_config_parse(): INI syntax (inih) into
 *                     struct conf_section; section names and known keys
 *       -> confbuild.c  mo_conf_build(): meaning of [account] sections
 *                       (flow, scopes, state_dir, URLs, servers)
 *         -> confprov.c  providers: the built-in profiles, clouds,
 *                        [provider] sections, the key tables
 *           -> confval.c  the syntax of single values (numbers, booleans,
 *                         hosts, tenants, URLs, scope lists; confval.h)
 *             -> config.c  the model: freeing, look-ups, protocol names,
 *                          mo_conf_fail() for "FILE:LINE: ..." messages
 *
 * (confparse.c also asks confprov.c which keys and providers exist, and
 * every file may use config.c: both go down the chain.)
 */

#include <stddef.h>

#include "config.h"

/* Largest configuration file we read. */
#define MO_CONFIG_MAX (1024 * 1024)

enum conf_kind {
	CONF_ACCOUNT,
	CONF_PROVIDER,
	CONF_DEFAULTS,		/* [defaults]: values every account inherits */
};

/* One "key = value" line, as read. */
struct conf_kv {
	char *key;		/* lower case */
	char *value;
	unsigned int line;
};

/* One [account NAME] or [provider NAME] section, as read. */
struct conf_section {
	enum conf_kind kind;
	char *name;
	unsigned int line;	/* of the [header] */
	struct conf_kv *kv;
	size_t n_kv;
	size_t cap_kv;
};

/* Sets *error_r to "FILE:LINE: " + the formatted text (LINE left out when
 * 0) and returns MO_ERR_CONFIG (MO_ERR_NOMEM when out of memory). */
int mo_conf_fail(char **error_r, const char *file, unsigned int line,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* True when key may appear in a section of this kind. */
int mo_conf_key_known(enum conf_kind kind, const char *key);

/* The keys of a section kind, for messages ("provider, tenant, ..."). */
const char *mo_conf_keys(enum conf_kind kind);

/* True when name (any case) is a built-in provider. */
int mo_conf_builtin_provider(const char *name);

/* The section being given meaning, for messages. */
struct conf_build {
	const char *file;
	char **error_r;
	struct mo_config *cfg;
	const struct conf_section *sec;
	const char *what;		/* "account" or "provider" */
	const struct conf_section *defaults;	/* [defaults], or NULL */
};

/* "FILE:LINE: account "NAME": ..." -> MO_ERR_CONFIG (or MO_ERR_NOMEM). */
#define CONF_FAIL(b, line, fmt, ...) \
	mo_conf_fail((b)->error_r, (b)->file, (line), "%s \"%s\": " fmt, \
		     (b)->what, (b)->sec->name, __VA_ARGS__)

/* The line that set key in s, or NULL. */
const struct conf_kv *mo_conf_get(const struct conf_section *s,
				  const char *key);

/* authority = https://... without trailing slashes; *out_r malloc'd. */
int mo_conf_get_authority(struct conf_build *b, const struct conf_kv *kv,
			  char **out_r);

/* pop3 / imap / smtp = HOST[:PORT]; srv->host malloc'd. */
int mo_conf_get_server(struct conf_build *b, const struct conf_kv *kv,
		       enum mo_proto p, struct mo_server *srv);

/* "scope_pop", "scope_imap", "scope_smtp". */
const char *mo_conf_scope_key(enum mo_proto p);

/*
 * The profile of the built-in provider p for cloud (global, usgov,
 * usgov-dod, china; any case) in *p_r.  Returns MO_OK, MO_ERR_NOENT when p
 * is not the built-in microsoft provider (only it has clouds), or
 * MO_ERR_INVAL for an unknown cloud.
 */
int mo_conf_cloud(const struct mo_provider *p, const char *cloud,
		  const struct mo_provider **p_r);

/* Builds a [provider NAME] section (b->sec) into p. */
int mo_conf_build_provider(struct conf_build *b, struct mo_provider *p);

/* A built-in provider or one of cfg->providers (any case), or NULL. */
const struct mo_provider *mo_conf_find_provider(const struct mo_config *cfg,
						const char *name);

/*
 * Gives meaning to the sections read from file: fills cfg->providers from
 * the [provider] sections, then cfg->accounts from the [account] sections
 * (in file order, so that errors come in a stable order).  Returns MO_OK,
 * MO_ERR_CONFIG or MO_ERR_NOMEM with *error_r set as for mo_config_load().
 * On failure cfg holds what was built so far; mo_config_free() frees it.
 */
int mo_conf_build(const char *file, const struct conf_section *sec,
		  size_t n_sec, struct mo_config *cfg, char **error_r);

#endif
