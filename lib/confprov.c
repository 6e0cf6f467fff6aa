/* SPDX-License-Identifier: MIT */
/* Identity providers: the built-in profiles, [provider NAME] sections, and
 * the value helpers both kinds of section share. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "confint.h"
#include "config.h"
#include "confval.h"
#include "errors.h"

#define S(x) ((char *)(x))
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SCOPES_MAX 4096

static const unsigned int default_port[MO_PROTO_COUNT] = { 995, 993, 587 };
static const char *const scope_keys[MO_PROTO_COUNT] = {
	"scope_pop", "scope_imap", "scope_smtp"
};

const char *
mo_conf_scope_key(enum mo_proto p)
{
	return scope_keys[p];
}

/* Microsoft identity platform v2 endpoints and Exchange Online scopes, one
 * profile per cloud (mailoauth.conf(5), CLOUDS, names the public pages
 * every value comes from).  The URL templates are the same everywhere; the
 * clouds differ in the authority, the resource that names the scopes, and
 * the mail hosts. */
#define MS_TEMPLATES \
	.authorize_url = S("{authority}/{tenant}/oauth2/v2.0/authorize"), \
	.token_url = S("{authority}/{tenant}/oauth2/v2.0/token"), \
	.device_url = S("{authority}/{tenant}/oauth2/v2.0/devicecode"), \
	.consent_url = S("{authority}/{tenant}/v2.0/adminconsent"), \
	.extra_scopes = S("offline_access openid profile email"), \
	.needs_tenant = true, \
	.rotates_refresh_tokens = true, \
	.device_flow_for_mail = true

#define MS_SCOPES(res) { \
		S("https://" res "/POP.AccessAsUser.All"), \
		S("https://" res "/IMAP.AccessAsUser.All"), \
		S("https://" res "/SMTP.Send"), \
	}

static const struct mo_provider builtin_microsoft = {
	.name = S("microsoft"),
	MS_TEMPLATES,
	.default_authority = S("https://login.microsoftonline.com"),
	.scope = MS_SCOPES("outlook.office.com"),
	.app_scope = S("https://outlook.office365.com/.default"),
	.server = {
		{ S("outlook.office365.com"), 995 },
		{ S("outlook.office365.com"), 993 },
		{ S("smtp.office365.com"), 587 },
	},
};

/* Microsoft 365 GCC High (Azure Government). */
static const struct mo_provider microsoft_usgov = {
	.name = S("microsoft"),
	MS_TEMPLATES,
	.default_authority = S("https://login.microsoftonline.us"),
	.scope = MS_SCOPES("outlook.office365.us"),
	.app_scope = S("https://outlook.office365.us/.default"),
	.server = {
		{ S("outlook.office365.us"), 995 },
		{ S("outlook.office365.us"), 993 },
		{ S("outlook.office365.us"), 587 },
	},
};

/* Microsoft 365 DoD. */
static const struct mo_provider microsoft_usgov_dod = {
	.name = S("microsoft"),
	MS_TEMPLATES,
	.default_authority = S("https://login.microsoftonline.us"),
	.scope = MS_SCOPES("outlook-dod.office365.us"),
	.app_scope = S("https://outlook-dod.office365.us/.default"),
	.server = {
		{ S("outlook-dod.office365.us"), 995 },
		{ S("outlook-dod.office365.us"), 993 },
		{ S("outlook-dod.office365.us"), 587 },
	},
};

/* Microsoft 365 operated by 21Vianet. */
static const struct mo_provider microsoft_china = {
	.name = S("microsoft"),
	MS_TEMPLATES,
	.default_authority = S("https://login.partner.microsoftonline.cn"),
	.scope = MS_SCOPES("partner.outlook.cn"),
	.app_scope = S("https://partner.outlook.cn/.default"),
	.server = {
		{ S("partner.outlook.cn"), 995 },
		{ S("partner.outlook.cn"), 993 },
		{ S("smtp.partner.outlook.cn"), 587 },
	},
};

static const struct {
	const char *name;
	const struct mo_provider *profile;
} clouds[] = {
	{ "global", &builtin_microsoft },
	{ "usgov", &microsoft_usgov },
	{ "usgov-dod", &microsoft_usgov_dod },
	{ "china", &microsoft_china },
};

int
mo_conf_cloud(const struct mo_provider *p, const char *cloud,
	      const struct mo_provider **p_r)
{
	size_t i;

	if (p != &builtin_microsoft)
		return MO_ERR_NOENT;
	for (i = 0; i < N_ELEMS(clouds); i++) {
		if (strcasecmp(clouds[i].name, cloud) == 0) {
			*p_r = clouds[i].profile;
			return MO_OK;
		}
	}
	return MO_ERR_INVAL;
}

/* Google: one scope for all three protocols; the refresh token comes with
 * access_type=offline rather than a scope; no device flow for mail scopes
 * (doc/protocol.md, Google).  The templates are absolute: an account's
 * authority replaces their scheme://host part. */
static const struct mo_provider builtin_google = {
	.name = S("google"),
	.authorize_url = S("https://accounts.google.com/o/oauth2/v2/auth"),
	.token_url = S("https://oauth2.googleapis.com/token"),
	.device_url = NULL,
	.consent_url = NULL,
	.default_authority = S("https://accounts.google.com"),
	.scope = {
		S("https://mail.google.com/"),
		S("https://mail.google.com/"),
		S("https://mail.google.com/"),
	},
	.app_scope = NULL,
	.extra_scopes = S("openid email"),
	.server = {
		{ S("pop.gmail.com"), 995 },
		{ S("imap.gmail.com"), 993 },
		{ S("smtp.gmail.com"), 587 },
	},
	.needs_tenant = false,
	.rotates_refresh_tokens = false,
	.device_flow_for_mail = false,
};

static const struct mo_provider *const builtins[] = {
	&builtin_microsoft, &builtin_google,
};

static const char *const account_keys[] = {
	"provider", "tenant", "client_id", "client_secret_file",
	"client_secret_command", "user", "login_hint", "scopes", "flow",
	"authority", "cloud", "ca_file", "refresh_margin", "state_dir",
	"redirect_port", "store_key_file", "store_key_command",
	"client_certificate_file", "client_key_file", "client_key_passphrase_file",
	"client_key_passphrase_command", "pop3", "imap", "smtp",
	"notify_command", "client_secret_expires", "expiry_warning_days",
};

/* What [defaults] may give every account (an account's own value wins). */
static const char *const defaults_keys[] = {
	"notify_command", "expiry_warning_days",
};

static const char *const provider_keys[] = {
	"authorize_url", "token_url", "device_url", "consent_url", "authority",
	"scope_pop", "scope_imap", "scope_smtp", "app_scope", "extra_scopes",
	"rotates_refresh_tokens", "device_flow", "pop3", "imap", "smtp",
};

int
mo_conf_key_known(enum conf_kind kind, const char *key)
{
	const char *const *keys = kind == CONF_ACCOUNT ? account_keys :
				  kind == CONF_DEFAULTS ? defaults_keys : provider_keys;
	size_t i, n = kind == CONF_ACCOUNT ? N_ELEMS(account_keys) :
		kind == CONF_DEFAULTS ? N_ELEMS(defaults_keys) : N_ELEMS(provider_keys);

	for (i = 0; i < n; i++)
		if (strcasecmp(keys[i], key) == 0)
			return 1;
	return 0;
}

const char *
mo_conf_keys(enum conf_kind kind)
{
	if (kind == CONF_ACCOUNT)
		return "provider, tenant, client_id, client_secret_file, "
			"client_secret_command, user, login_hint, scopes, flow, "
			"authority, cloud, ca_file, refresh_margin, state_dir, "
			"redirect_port, store_key_file, store_key_command, "
			"client_certificate_file, client_key_file, "
			"client_key_passphrase_file, client_key_passphrase_command, "
			"pop3, imap, smtp, notify_command, "
			"client_secret_expires, expiry_warning_days";
	if (kind == CONF_DEFAULTS)
		return "notify_command, expiry_warning_days";
	return "authorize_url, token_url, device_url, consent_url, authority, "
		"scope_pop, scope_imap, scope_smtp, app_scope, extra_scopes, "
		"rotates_refresh_tokens, device_flow, pop3, imap, smtp";
}

int
mo_conf_builtin_provider(const char *name)
{
	size_t i;

	for (i = 0; i < N_ELEMS(builtins); i++)
		if (strcasecmp(builtins[i]->name, name) == 0)
			return 1;
	return 0;
}

const struct conf_kv *
mo_conf_get(const struct conf_section *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n_kv; i++)
		if (strcmp(s->kv[i].key, key) == 0)
			return &s->kv[i];
	return NULL;
}

static int
dup_into(char **dst, const char *src)
{
	*dst = strdup(src);
	return *dst != NULL ? MO_OK : MO_ERR_NOMEM;
}

/* An https:// base URL without trailing slashes. */
int
mo_conf_get_authority(struct conf_build *b, const struct conf_kv *kv, char **out_r)
{
	size_t n = strlen(kv->value);

	while (n > 0 && kv->value[n - 1] == '/')
		n--;
	*out_r = strndup(kv->value, n);
	if (*out_r == NULL)
		return MO_ERR_NOMEM;
	if (!mo_conf_https_url(*out_r))
		return CONF_FAIL(b, kv->line, "authority = \"%.80s\" is not an https:// "
			    "URL (e.g. https://login.microsoftonline.com)",
			    kv->value);
	return MO_OK;
}

int
mo_conf_get_server(struct conf_build *b, const struct conf_kv *kv, enum mo_proto p,
	   struct mo_server *srv)
{
	const struct mo_mail_port *scheme;
	int ret = mo_conf_server(kv->value, default_port[p], &srv->host,
				 &srv->port, &scheme);

	if (ret == MO_ERR_INVAL)
		return CONF_FAIL(b, kv->line, "%s = \"%.80s\" is not HOST, HOST:PORT or "
			    "a %s:// or %s:// URL (PORT 1-65535; an IPv6 address as "
			    "[ADDRESS]:PORT)", kv->key, kv->value,
			    mo_mail_scheme_of(p, MO_TLS_IMPLICIT),
			    mo_mail_scheme_of(p, MO_TLS_STARTTLS));
	if (ret == MO_OK && scheme != NULL && scheme->proto != p) {
		free(srv->host);
		srv->host = NULL;
		return CONF_FAIL(b, kv->line, "%s = \"%.80s\": %s:// URLs belong in the %s "
			    "key; here write %s://HOST[:PORT] (implicit TLS) or "
			    "%s://HOST[:PORT] (STARTTLS)", kv->key, kv->value,
			    scheme->scheme, mo_proto_name(scheme->proto),
			    mo_mail_scheme_of(p, MO_TLS_IMPLICIT),
			    mo_mail_scheme_of(p, MO_TLS_STARTTLS));
	}
	if (ret == MO_OK)
		srv->tls = scheme != NULL ? scheme->tls : MO_TLS_DEFAULT;
	return ret;
}

/* A list of scope tokens separated by spaces or commas, normalised to
 * single spaces. */
static int
get_scope_list(struct conf_build *b, const struct conf_kv *kv, char **out_r)
{
	struct mo_buf sb;
	const char *p;
	size_t len;
	int ret = MO_OK;

	mo_buf_init(&sb, SCOPES_MAX);
	for (p = mo_conf_next_scope(kv->value, &len); ret == MO_OK && len > 0;
	     p = mo_conf_next_scope(p + len, &len)) {
		if (!mo_conf_scope_token(p, len)) {
			ret = CONF_FAIL(b, kv->line, "%s: \"%.*s\" is not a scope",
				   kv->key, (int)(len > 80 ? 80 : len), p);
			break;
		}
		ret = mo_conf_scope_add(&sb, p, len);
	}
	if (ret == MO_OK) {
		*out_r = mo_buf_steal(&sb);
		if (*out_r == NULL)
			ret = MO_ERR_NOMEM;
	} else if (ret == MO_ERR_TOOBIG) {
		ret = CONF_FAIL(b, kv->line, "%s: too long (at most %d characters)",
			   kv->key, SCOPES_MAX);
	}
	mo_buf_free(&sb);
	return ret;
}

int
mo_conf_build_provider(struct conf_build *b, struct mo_provider *p)
{
	const struct conf_section *s = b->sec;
	static const char *const url_keys[] = {
		"authorize_url", "token_url", "device_url", "consent_url"
	};
	char **url_dst[] = {
		&p->authorize_url, &p->token_url, &p->device_url, &p->consent_url
	};
	const struct conf_kv *kv;
	size_t i;
	int ret;

	if ((ret = dup_into(&p->name, s->name)) != MO_OK)
		return ret;
	for (i = 0; i < N_ELEMS(url_keys); i++) {
		kv = mo_conf_get(s, url_keys[i]);
		if (kv == NULL)
			continue;
		if (!mo_conf_url_template(kv->value))
			return CONF_FAIL(b, kv->line, "%s = \"%.80s\" is not an https:// "
				    "URL (it may start with {authority} and "
				    "contain {tenant})", kv->key, kv->value);
		if ((ret = dup_into(url_dst[i], kv->value)) != MO_OK)
			return ret;
		if (strstr(kv->value, "{tenant}") != NULL)
			p->needs_tenant = true;
	}
	if (p->token_url == NULL)
		return CONF_FAIL(b, s->line, "missing \"%s\" (%s)", "token_url",
			    "the URL of the token endpoint, e.g. "
			    "https://idp.example/oauth2/token");
	kv = mo_conf_get(s, "authority");
	if (kv != NULL && (ret = mo_conf_get_authority(b, kv, &p->default_authority)) != MO_OK)
		return ret;
	for (i = 0; i < MO_PROTO_COUNT; i++) {
		kv = mo_conf_get(s, scope_keys[i]);
		if (kv == NULL)
			continue;
		if (!mo_conf_scope_token(kv->value, strlen(kv->value)))
			return CONF_FAIL(b, kv->line, "%s = \"%.80s\" is not one scope "
				    "(no spaces)", kv->key, kv->value);
		if ((ret = dup_into(&p->scope[i], kv->value)) != MO_OK)
			return ret;
	}
	kv = mo_conf_get(s, "app_scope");
	if (kv != NULL) {
		if (!mo_conf_scope_token(kv->value, strlen(kv->value)))
			return CONF_FAIL(b, kv->line, "%s = \"%.80s\" is not one scope "
				    "(no spaces)", kv->key, kv->value);
		if ((ret = dup_into(&p->app_scope, kv->value)) != MO_OK)
			return ret;
	}
	kv = mo_conf_get(s, "extra_scopes");
	if (kv != NULL && (ret = get_scope_list(b, kv, &p->extra_scopes)) != MO_OK)
		return ret;
	p->rotates_refresh_tokens = true;
	kv = mo_conf_get(s, "rotates_refresh_tokens");
	if (kv != NULL && !mo_conf_bool(kv->value, &p->rotates_refresh_tokens))
		return CONF_FAIL(b, kv->line, "%s = \"%.80s\" is not yes or no",
			    kv->key, kv->value);
	p->device_flow_for_mail = p->device_url != NULL;
	kv = mo_conf_get(s, "device_flow");
	if (kv != NULL) {
		if (!mo_conf_bool(kv->value, &p->device_flow_for_mail))
			return CONF_FAIL(b, kv->line, "%s = \"%.80s\" is not yes or no",
				    kv->key, kv->value);
		if (p->device_flow_for_mail && p->device_url == NULL)
			return CONF_FAIL(b, kv->line, "%s = yes needs device_url",
				    kv->key);
	}
	for (i = 0; i < MO_PROTO_COUNT; i++) {
		kv = mo_conf_get(s, mo_proto_name((enum mo_proto)i));
		if (kv != NULL && (ret = mo_conf_get_server(b, kv, (enum mo_proto)i,
						    &p->server[i])) != MO_OK)
			return ret;
	}
	return MO_OK;
}

const struct mo_provider *
mo_conf_find_provider(const struct mo_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < N_ELEMS(builtins); i++)
		if (strcasecmp(builtins[i]->name, name) == 0)
			return builtins[i];
	for (i = 0; i < cfg->n_providers; i++)
		if (strcasecmp(cfg->providers[i].name, name) == 0)
			return &cfg->providers[i];
	return NULL;
}
