/* SPDX-License-Identifier: MIT */
/* What an [account NAME] section means: defaults, scopes, endpoints, and
 * the checks that give "FILE:LINE: what is wrong". */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "confint.h"
#include "config.h"
#include "confval.h"
#include "errmsg.h"
#include "errors.h"
#include "paths.h"
#include "validate.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SCOPES_MAX 4096
#define CLIENT_ID_MAX 256

static int
dup_into(char **dst, const char *src)
{
	*dst = strdup(src);
	return *dst != NULL ? MO_OK : MO_ERR_NOMEM;
}

/* Required keys, with what to put there. */
static const struct conf_kv *
require(struct conf_build *b, const char *key, const char *hint, int *ret)
{
	const struct conf_kv *kv = mo_conf_get(b->sec, key);

	if (kv == NULL)
		*ret = CONF_FAIL(b, b->sec->line, "missing \"%s\" (%s)", key, hint);
	return kv;
}

static int
proto_shorthand(const char *tok, size_t len)
{
	if ((len == 3 && strncasecmp(tok, "pop", 3) == 0) ||
	    (len == 4 && strncasecmp(tok, "pop3", 4) == 0))
		return MO_PROTO_POP3;
	if (len == 4 && strncasecmp(tok, "imap", 4) == 0)
		return MO_PROTO_IMAP;
	if (len == 4 && strncasecmp(tok, "smtp", 4) == 0)
		return MO_PROTO_SMTP;
	return -1;
}

/* A scope given in full: a URL-like scope ("https://...", "api://...") or
 * one of the OpenID Connect scopes.  Short Microsoft names such as
 * "IMAP.AccessAsUser.All" would mean Microsoft Graph: refused. */
static bool
full_scope(const char *tok, size_t len)
{
	static const char *const oidc[] = {
		"offline_access", "openid", "profile", "email"
	};
	size_t i;

	if (!mo_conf_scope_token(tok, len))
		return false;
	for (i = 0; i < N_ELEMS(oidc); i++)
		if (strlen(oidc[i]) == len && strncasecmp(tok, oidc[i], len) == 0)
			return true;
	for (i = 0; i + 3 <= len; i++)
		if (memcmp(tok + i, "://", 3) == 0)
			return i > 0;
	return false;
}

/* Every protocol whose provider scope is this one (any case) is wanted:
 * Google's one mail scope serves all three. */
static void
mark_wanted(struct mo_account *a, const char *scope, size_t len)
{
	const struct mo_provider *p = a->provider;
	int i;

	for (i = 0; i < MO_PROTO_COUNT; i++)
		if (p->scope[i] != NULL && strlen(p->scope[i]) == len &&
		    strncasecmp(p->scope[i], scope, len) == 0)
			a->wants[i] = true;
}

/*
 *   scopes = scope *( 1*( SP / HTAB / "," ) scope )
 *   scope  = "pop" / "pop3" / "imap" / "smtp" / full-scope
 *
 * Shorthands expand to the provider's scopes and mark the protocol wanted;
 * a full scope equal (any case) to a provider scope marks it too.  The
 * provider's extra scopes follow.  client_credentials uses the app scope.
 */
static int
build_scopes(struct conf_build *b, struct mo_account *a)
{
	const struct mo_provider *p = a->provider;
	const struct conf_kv *kv = mo_conf_get(b->sec, "scopes");
	bool cc = a->flow == MO_FLOW_CLIENT_CREDENTIALS;
	struct mo_buf sb, def;
	const char *list, *tok;
	unsigned int line = kv != NULL ? kv->line : b->sec->line;
	size_t len, i;
	int ret = MO_OK, proto;

	mo_buf_init(&sb, SCOPES_MAX);
	mo_buf_init(&def, 64);
	if (kv != NULL) {
		list = kv->value;
	} else if (cc) {
		list = "imap";
	} else {
		for (i = 0; ret == MO_OK && i < MO_PROTO_COUNT; i++)
			if (p->scope[i] != NULL)
				ret = mo_buf_printf(&def, "%s ",
						    mo_proto_name((enum mo_proto)i));
		if (ret != MO_OK)
			goto out;
		if (def.len == 0) {
			ret = CONF_FAIL(b, line, "set \"scopes\": provider \"%s\" "
				   "defines none of scope_pop, scope_imap, "
				   "scope_smtp", p->name);
			goto out;
		}
		list = mo_buf_str(&def);
	}
	for (tok = mo_conf_next_scope(list, &len); len > 0;
	     tok = mo_conf_next_scope(tok + len, &len)) {
		proto = proto_shorthand(tok, len);
		if (proto >= 0 && cc) {
			ret = mo_conf_scope_add(&sb, p->app_scope, strlen(p->app_scope));
		} else if (proto >= 0) {
			if (p->scope[proto] == NULL) {
				ret = CONF_FAIL(b, line, "scopes: provider \"%s\" has "
					   "no scope for %.*s (%s); give the full "
					   "scope instead", p->name, (int)len, tok,
					   mo_conf_scope_key((enum mo_proto)proto));
				goto out;
			}
			mark_wanted(a, p->scope[proto], strlen(p->scope[proto]));
			ret = mo_conf_scope_add(&sb, p->scope[proto], strlen(p->scope[proto]));
		} else if (full_scope(tok, len)) {
			mark_wanted(a, tok, len);
			ret = mo_conf_scope_add(&sb, tok, len);
		} else {
			ret = CONF_FAIL(b, line, "scopes: \"%.*s\" is not a scope; use "
				   "pop, imap, smtp, full scope URLs (https://...) "
				   "or offline_access, openid, profile, email",
				   (int)(len > 80 ? 80 : len), tok);
			goto out;
		}
		if (ret != MO_OK)
			break;
	}
	for (tok = mo_conf_next_scope(!cc && p->extra_scopes != NULL ? p->extra_scopes :
			      "", &len);
	     ret == MO_OK && len > 0; tok = mo_conf_next_scope(tok + len, &len))
		ret = mo_conf_scope_add(&sb, tok, len);
	if (ret == MO_ERR_TOOBIG) {
		ret = CONF_FAIL(b, line, "scopes: too long (at most %d characters)",
			   SCOPES_MAX);
		goto out;
	}
	if (ret != MO_OK)
		goto out;
	if (cc)
		for (i = 0; i < MO_PROTO_COUNT; i++)
			a->wants[i] = true;
	a->scopes = mo_buf_steal(&sb);
	if (a->scopes == NULL)
		ret = MO_ERR_NOMEM;
out:
	mo_buf_free(&sb);
	mo_buf_free(&def);
	return ret;
}

/* A path that may start with "~/". */
static int
get_path(struct conf_build *b, const struct conf_kv *kv, bool absolute, char **out_r)
{
	int ret = mo_expand_home(kv->value, out_r);

	if (ret == MO_ERR_CONFIG)
		return CONF_FAIL(b, kv->line, "%s starts with \"~\" but $HOME is not set "
			    "to an absolute path; write the full path", kv->key);
	if (ret != MO_OK)
		return ret;
	if (absolute && (*out_r)[0] != '/')
		return CONF_FAIL(b, kv->line, "%s = \"%.80s\" is not an absolute path "
			    "(or one starting with ~/)", kv->key, kv->value);
	return MO_OK;
}

static int
build_state_dir(struct conf_build *b, struct mo_account *a)
{
	const struct conf_kv *kv = mo_conf_get(b->sec, "state_dir");
	const char *xdg, *home;

	if (kv != NULL)
		return get_path(b, kv, true, &a->state_dir);
	xdg = mo_env("XDG_STATE_HOME");
	home = mo_env("HOME");
	if (xdg != NULL && xdg[0] == '/')
		a->state_dir = mo_strdup_printf("%s/mailoauth", xdg);
	else if (home != NULL && home[0] == '/')
		a->state_dir = mo_strdup_printf("%s/.local/state/mailoauth", home);
	else
		return CONF_FAIL(b, b->sec->line, "%s", "cannot tell where to keep "
			    "the tokens: neither $XDG_STATE_HOME nor $HOME is "
			    "set; set state_dir");
	return a->state_dir != NULL ? MO_OK : MO_ERR_NOMEM;
}

static int
build_flow(struct conf_build *b, struct mo_account *a)
{
	static const struct {
		const char *name;
		enum mo_flow flow;
	} flows[] = {
		{ "browser", MO_FLOW_BROWSER },
		{ "device", MO_FLOW_DEVICE },
		{ "client_credentials", MO_FLOW_CLIENT_CREDENTIALS },
	};
	const struct mo_provider *p = a->provider;
	const struct conf_kv *kv = mo_conf_get(b->sec, "flow"), *sf, *sc, *tn, *cf;
	unsigned int line = kv != NULL ? kv->line : b->sec->line;
	size_t i;

	a->flow = MO_FLOW_DEFAULT;
	if (kv != NULL) {
		for (i = 0; i < N_ELEMS(flows); i++)
			if (strcasecmp(kv->value, flows[i].name) == 0)
				a->flow = flows[i].flow;
		if (a->flow == MO_FLOW_DEFAULT)
			return CONF_FAIL(b, kv->line, "flow = \"%.80s\" is not one of "
				    "browser, device, client_credentials",
				    kv->value);
	}
	sf = mo_conf_get(b->sec, "client_secret_file");
	sc = mo_conf_get(b->sec, "client_secret_command");
	cf = mo_conf_get(b->sec, "client_certificate_file");
	if (sf != NULL && sc != NULL)
		return CONF_FAIL(b, sf->line > sc->line ? sf->line : sc->line,
			    "%s", "client_secret_file and client_secret_command "
			    "are both set; keep one");
	if (cf != NULL && (sf != NULL || sc != NULL))
		return CONF_FAIL(b, cf->line, "%s", "client_certificate_file and a "
			    "client secret are both set; the app signs in with one "
			    "credential: keep the certificate and remove the secret");
	switch (a->flow) {
	case MO_FLOW_CLIENT_CREDENTIALS:
		if (p->app_scope == NULL)
			return CONF_FAIL(b, line, "provider \"%s\" does not support "
				    "flow = client_credentials (it has no "
				    "app_scope)", p->name);
		if (sf == NULL && sc == NULL && cf == NULL)
			return CONF_FAIL(b, line, "%s", "flow = client_credentials "
				    "needs the app's client secret: set "
				    "client_secret_file or client_secret_command "
				    "(or client_certificate_file and client_key_file)");
		tn = mo_conf_get(b->sec, "tenant");
		if (tn != NULL && mo_conf_tenant_is_keyword(tn->value))
			return CONF_FAIL(b, tn->line, "flow = client_credentials needs "
				    "your tenant's ID or domain, not \"%s\" "
				    "(app-only tokens are issued per tenant)",
				    tn->value);
		break;
	case MO_FLOW_DEVICE:
		if (p->device_url == NULL || !p->device_flow_for_mail)
			return CONF_FAIL(b, line, "provider \"%s\" has no device flow "
				    "for mail; use flow = browser", p->name);
		break;
	case MO_FLOW_BROWSER:
		if (p->authorize_url == NULL)
			return CONF_FAIL(b, line, "provider \"%s\" has no authorize_url; "
				    "use another flow or set authorize_url in "
				    "[provider %s]", p->name, p->name);
		break;
	case MO_FLOW_DEFAULT:
		if (p->authorize_url == NULL &&
		    (p->device_url == NULL || !p->device_flow_for_mail))
			return CONF_FAIL(b, line, "provider \"%s\" has neither "
				    "authorize_url nor device_url; set flow = "
				    "client_credentials or add one", p->name);
		break;
	}
	return MO_OK;
}

/* Resolves the endpoints: {authority} and {tenant} substituted. */
static int
build_urls(struct conf_build *b, struct mo_account *a, bool explicit_authority)
{
	const struct mo_provider *p = a->provider;
	const char *tmpl[] = { p->authorize_url, p->token_url,
			       p->device_flow_for_mail ? p->device_url : NULL };
	char **dst[] = { &a->authorize_url, &a->token_url, &a->device_url };
	size_t i;
	int ret;

	if (a->authority == NULL && p->default_authority != NULL &&
	    (ret = dup_into(&a->authority, p->default_authority)) != MO_OK)
		return ret;
	if (a->authority == NULL && strstr(p->token_url, "{authority}") == NULL &&
	    (a->authority = mo_conf_origin(p->token_url)) == NULL)
		return MO_ERR_NOMEM;
	for (i = 0; i < N_ELEMS(tmpl); i++) {
		if (tmpl[i] == NULL)
			continue;
		ret = mo_conf_expand(tmpl[i], a->authority, explicit_authority,
				     a->tenant, dst[i]);
		if (ret == MO_ERR_INVAL)
			return CONF_FAIL(b, b->sec->line, "provider \"%s\" URLs start "
				    "with {authority}: set authority (here or in "
				    "[provider %s])", p->name, p->name);
		if (ret != MO_OK)
			return ret;
	}
	return MO_OK;
}

/* The account's key, else the one of [defaults]. */
static const struct conf_kv *
get_or_default(const struct conf_build *b, const char *key)
{
	const struct conf_kv *kv = mo_conf_get(b->sec, key);

	if (kv == NULL && b->defaults != NULL)
		kv = mo_conf_get(b->defaults, key);
	return kv;
}

/*
 * notify_command = /ABSOLUTE/PROGRAM [ARG ...]   (split at blanks, no shell)
 * expiry_warning_days = 0..365                   (default 14)
 * client_secret_expires = YYYY-MM-DD             (the secret's "Expires" date
 *                                                 in the app registration)
 */
static int
build_notify(struct conf_build *b, struct mo_account *a)
{
	const struct conf_kv *kv;
	const char *p;
	long n;

	kv = get_or_default(b, "notify_command");
	if (kv != NULL) {
		if (kv->value[0] != '/')
			return CONF_FAIL(b, kv->line, "notify_command = \"%.80s\" must start "
				    "with the absolute path of a program (it is run without "
				    "a shell)", kv->value);
		for (p = kv->value; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return CONF_FAIL(b, kv->line, "%s", "notify_command contains "
					    "a control character");
		if ((a->notify_command = strdup(kv->value)) == NULL)
			return MO_ERR_NOMEM;
	}
	a->expiry_warning_days = 14;
	kv = get_or_default(b, "expiry_warning_days");
	if (kv != NULL) {
		if (!mo_conf_long(kv->value, 0, 365, &n))
			return CONF_FAIL(b, kv->line, "expiry_warning_days = \"%.80s\" is not "
				    "a number of days from 0 to 365", kv->value);
		a->expiry_warning_days = n;
	}
	kv = mo_conf_get(b->sec, "client_secret_expires");
	if (kv != NULL) {
		struct tm tm;
		char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(kv->value, "%Y-%m-%d", &tm);
		if (end == NULL || *end != '\0' || tm.tm_year < 70)
			return CONF_FAIL(b, kv->line, "client_secret_expires = \"%.80s\" is "
				    "not a date YYYY-MM-DD (the secret's \"Expires\" column "
				    "in the app registration)", kv->value);
		a->client_secret_expires = (int64_t)timegm(&tm);
	}
	return MO_OK;
}

/* The account's identity: name, provider and cloud, client_id, user, tenant. */
static int
build_identity(struct conf_build *b, struct mo_account *a)
{
	const struct conf_section *s = b->sec;
	const struct conf_kv *kv;
	const char *verr = NULL;
	int ret = MO_OK;

	if ((ret = dup_into(&a->name, s->name)) != MO_OK ||
	    (ret = dup_into(&a->file, b->file)) != MO_OK)
		return ret;
	a->line = s->line;

	if ((kv = require(b, "provider", "microsoft, google, or the NAME of a "
			  "[provider NAME] section", &ret)) == NULL)
		return ret;
	a->provider = mo_conf_find_provider(b->cfg, kv->value);
	if (a->provider == NULL)
		return CONF_FAIL(b, kv->line, "unknown provider \"%.80s\" (microsoft, "
			    "google, or the NAME of a [provider NAME] section)",
			    kv->value);
	kv = mo_conf_get(s, "cloud");
	if (kv != NULL) {
		ret = mo_conf_cloud(a->provider, kv->value, &a->provider);
		if (ret == MO_ERR_NOENT)
			return CONF_FAIL(b, kv->line, "cloud is for provider microsoft; "
				    "provider \"%s\" takes its authority, scopes "
				    "and servers from its own keys", a->provider->name);
		if (ret != MO_OK)
			return CONF_FAIL(b, kv->line, "cloud = \"%.80s\" is not one of "
				    "global, usgov (GCC High), usgov-dod (DoD), "
				    "china (21Vianet)", kv->value);
	}

	if ((kv = require(b, "client_id", "the Application (client) ID of "
			  "your app registration", &ret)) == NULL)
		return ret;
	if (strlen(kv->value) > CLIENT_ID_MAX ||
	    !mo_is_printable_ascii(kv->value, strlen(kv->value)))
		return CONF_FAIL(b, kv->line, "client_id is not printable ASCII "
			    "without spaces (at most %d characters)", CLIENT_ID_MAX);
	if ((ret = dup_into(&a->client_id, kv->value)) != MO_OK)
		return ret;

	if ((kv = require(b, "user", "the mailbox address, e.g. "
			  "user@contoso.com", &ret)) == NULL)
		return ret;
	if (mo_valid_user(kv->value, &verr) != MO_OK)
		return CONF_FAIL(b, kv->line, "user: %s", verr);
	if ((ret = dup_into(&a->user, kv->value)) != MO_OK)
		return ret;

	if (a->provider->needs_tenant) {
		if ((kv = require(b, "tenant", "the Directory (tenant) ID of your "
				  "app registration, a verified domain such as "
				  "contoso.com, or organizations, common or "
				  "consumers", &ret)) == NULL)
			return ret;
		if (!mo_conf_tenant(kv->value))
			return CONF_FAIL(b, kv->line, "tenant = \"%.80s\" is not a tenant "
				    "ID (GUID), a domain, or organizations, "
				    "common or consumers", kv->value);
		if ((ret = dup_into(&a->tenant, kv->value)) != MO_OK)
			return ret;
	} else if ((kv = mo_conf_get(s, "tenant")) != NULL) {
		return CONF_FAIL(b, kv->line, "provider \"%s\" has no tenants; remove "
			    "\"tenant\"", a->provider->name);
	}
	return MO_OK;
}

/* How the app proves itself: the flow, a client secret (file or command), a
 * certificate and its key, the key's passphrase (file or command). */
static int
build_credentials(struct conf_build *b, struct mo_account *a)
{
	const struct conf_section *s = b->sec;
	const struct conf_kv *kv, *sf, *sc;
	const char *verr = NULL;
	int ret;

	if ((ret = build_flow(b, a)) != MO_OK)
		return ret;
	kv = mo_conf_get(s, "client_secret_file");
	if (kv != NULL && (ret = get_path(b, kv, false, &a->client_secret_file)) != MO_OK)
		return ret;
	kv = mo_conf_get(s, "client_secret_command");
	if (kv != NULL) {
		if (mo_valid_user(kv->value, &verr) != MO_OK)
			return CONF_FAIL(b, kv->line, "client_secret_command: %s", verr);
		if ((ret = dup_into(&a->client_secret_command, kv->value)) != MO_OK)
			return ret;
	}
	sf = mo_conf_get(s, "client_certificate_file");
	sc = mo_conf_get(s, "client_key_file");
	if ((sf == NULL) != (sc == NULL))
		return CONF_FAIL(b, sf != NULL ? sf->line : sc->line, "%s",
			    "client_certificate_file and client_key_file go together: "
			    "set both (the certificate and its private key)");
	if (sf != NULL && ((ret = get_path(b, sf, false, &a->client_certificate_file)) != MO_OK ||
			   (ret = get_path(b, sc, false, &a->client_key_file)) != MO_OK))
		return ret;
	sf = mo_conf_get(s, "client_key_passphrase_file");
	sc = mo_conf_get(s, "client_key_passphrase_command");
	if (sf != NULL && sc != NULL)
		return CONF_FAIL(b, sf->line > sc->line ? sf->line : sc->line, "%s",
			    "client_key_passphrase_file and client_key_passphrase_command "
			    "are both set; keep one");
	if ((sf != NULL || sc != NULL) && a->client_key_file == NULL)
		return CONF_FAIL(b, sf != NULL ? sf->line : sc->line, "%s",
			    "a client key passphrase without client_key_file");
	if (sf != NULL && (ret = get_path(b, sf, false, &a->client_key_passphrase_file)) != MO_OK)
		return ret;
	if (sc != NULL) {
		if (mo_valid_user(sc->value, &verr) != MO_OK)
			return CONF_FAIL(b, sc->line, "client_key_passphrase_command: %s", verr);
		if ((ret = dup_into(&a->client_key_passphrase_command, sc->value)) != MO_OK)
			return ret;
	}
	return MO_OK;
}

/* The store key: store_key_file or store_key_command, not both. */
static int
build_store_key(struct conf_build *b, struct mo_account *a)
{
	const struct conf_section *s = b->sec;
	const struct conf_kv *sf, *sc;
	const char *verr = NULL;
	int ret;

	sf = mo_conf_get(s, "store_key_file");
	sc = mo_conf_get(s, "store_key_command");
	if (sf != NULL && sc != NULL)
		return CONF_FAIL(b, sf->line > sc->line ? sf->line : sc->line, "%s",
			    "store_key_file and store_key_command are both set; "
			    "keep one");
	if (sf != NULL && (ret = get_path(b, sf, true, &a->store_key_file)) != MO_OK)
		return ret;
	if (sc != NULL) {
		if (mo_valid_user(sc->value, &verr) != MO_OK)
			return CONF_FAIL(b, sc->line, "store_key_command: %s", verr);
		if ((ret = dup_into(&a->store_key_command, sc->value)) != MO_OK)
			return ret;
	}
	return MO_OK;
}

/* The identity provider: login_hint, authority and endpoints, scopes,
 * ca_file. */
static int
build_idp(struct conf_build *b, struct mo_account *a)
{
	const struct conf_section *s = b->sec;
	const struct conf_kv *kv;
	const char *verr = NULL;
	int ret;

	kv = mo_conf_get(s, "login_hint");
	if (kv != NULL && mo_valid_user(kv->value, &verr) != MO_OK)
		return CONF_FAIL(b, kv->line, "login_hint: %s", verr);
	if ((ret = dup_into(&a->login_hint, kv != NULL ? kv->value : a->user)) != MO_OK)
		return ret;

	kv = mo_conf_get(s, "authority");
	if (kv != NULL && (ret = mo_conf_get_authority(b, kv, &a->authority)) != MO_OK)
		return ret;
	if ((ret = build_urls(b, a, kv != NULL)) != MO_OK)
		return ret;
	if ((ret = build_scopes(b, a)) != MO_OK)
		return ret;

	kv = mo_conf_get(s, "ca_file");
	if (kv != NULL && (ret = get_path(b, kv, false, &a->ca_file)) != MO_OK)
		return ret;
	return MO_OK;
}

/* Local settings: refresh_margin, state_dir, redirect_port. */
static int
build_local(struct conf_build *b, struct mo_account *a)
{
	const struct conf_section *s = b->sec;
	const struct conf_kv *kv;
	long n;
	int ret;

	a->refresh_margin = 300;
	kv = mo_conf_get(s, "refresh_margin");
	if (kv != NULL) {
		if (!mo_conf_long(kv->value, 0, 86400, &n))
			return CONF_FAIL(b, kv->line, "refresh_margin = \"%.80s\" is not "
				    "a number of seconds from 0 to 86400", kv->value);
		a->refresh_margin = n;
	}
	if ((ret = build_state_dir(b, a)) != MO_OK)
		return ret;
	kv = mo_conf_get(s, "redirect_port");
	if (kv != NULL) {
		if (!mo_conf_long(kv->value, 0, 65535, &n))
			return CONF_FAIL(b, kv->line, "redirect_port = \"%.80s\" is not "
				    "a port number from 0 to 65535 (0: any free "
				    "port)", kv->value);
		a->redirect_port = (unsigned int)n;
	}
	return MO_OK;
}

/* The mail servers: the pop3, imap and smtp keys, else the provider's. */
static int
build_servers(struct conf_build *b, struct mo_account *a)
{
	const struct conf_section *s = b->sec;
	const struct conf_kv *kv;
	size_t i;
	int ret;

	for (i = 0; i < MO_PROTO_COUNT; i++) {
		const struct mo_server *def = &a->provider->server[i];

		kv = mo_conf_get(s, mo_proto_name((enum mo_proto)i));
		if (kv != NULL) {
			ret = mo_conf_get_server(b, kv, (enum mo_proto)i, &a->server[i]);
		} else {
			ret = dup_into(&a->server[i].host,
				       def->host != NULL ? def->host : "");
			a->server[i].port = def->host != NULL ? def->port : 0;
			a->server[i].tls = def->tls;
		}
		if (ret != MO_OK)
			return ret;
	}
	return MO_OK;
}

/* One [account NAME] section, in steps by key group; the first problem
 * found is reported (the order of the steps is the order of the checks). */
static int
build_account(struct conf_build *b, struct mo_account *a)
{
	int ret;

	if ((ret = build_identity(b, a)) != MO_OK ||
	    (ret = build_credentials(b, a)) != MO_OK ||
	    (ret = build_store_key(b, a)) != MO_OK ||
	    (ret = build_idp(b, a)) != MO_OK ||
	    (ret = build_local(b, a)) != MO_OK ||
	    (ret = build_notify(b, a)) != MO_OK ||
	    (ret = build_servers(b, a)) != MO_OK)
		return ret;
	return MO_OK;
}

int
mo_conf_build(const char *file, const struct conf_section *sec, size_t n_sec,
	      struct mo_config *cfg, char **error_r)
{
	struct conf_build b = { .file = file, .error_r = error_r, .cfg = cfg };
	size_t i, n_acc = 0, n_prov = 0;
	int ret;

	for (i = 0; i < n_sec; i++) {
		if (sec[i].kind == CONF_ACCOUNT)
			n_acc++;
		else if (sec[i].kind == CONF_PROVIDER)
			n_prov++;
		else
			b.defaults = &sec[i];
	}
	/* Both arrays get their final size first: accounts point into
	 * providers. */
	if (n_prov > 0 && (cfg->providers = calloc(n_prov, sizeof(*cfg->providers))) == NULL)
		return MO_ERR_NOMEM;
	if (n_acc > 0 && (cfg->accounts = calloc(n_acc, sizeof(*cfg->accounts))) == NULL)
		return MO_ERR_NOMEM;
	b.what = "provider";
	for (i = 0; i < n_sec; i++) {
		if (sec[i].kind != CONF_PROVIDER)
			continue;
		b.sec = &sec[i];
		ret = mo_conf_build_provider(&b, &cfg->providers[cfg->n_providers++]);
		if (ret != MO_OK)
			return ret;
	}
	b.what = "account";
	for (i = 0; i < n_sec; i++) {
		if (sec[i].kind != CONF_ACCOUNT)
			continue;
		b.sec = &sec[i];
		ret = build_account(&b, &cfg->accounts[cfg->n_accounts++]);
		if (ret != MO_OK)
			return ret;
	}
	return MO_OK;
}
