/* SPDX-License-Identifier: MIT */
/*
 * Microsoft's error replies -> a message that says what to do, and an error
 * code (idperrors.h).  The reply shape (doc/protocol.md, error replies;
 * RFC 6749 §5.2):
 *
 *   { "error": "invalid_grant",
 *     "error_description": "AADSTS70008: ...\r\nTrace ID: ...\r\n...",
 *     "error_codes": [70008], "timestamp": "...", "trace_id": "...",
 *     "correlation_id": "...", "error_uri": "...", "suberror": "..." }
 *
 * Microsoft warns that AADSTS texts change: we branch on the numbers (and
 * on `error` when there is none), and show the description only as
 * Microsoft's own words.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "assertion.h"
#include "errors.h"
#include "idperrors.h"
#include "secret.h"
#include "text.h"

#define DESC_MAX 400

/* The first line of s (Entra appends "\r\nTrace ID: ..." lines), as one
 * printable line of at most DESC_MAX bytes (text.h), malloc'd. */
static char *
clean_line(const char *s)
{
	size_t n = strcspn(s, "\r\n");
	char *d = malloc(n < DESC_MAX ? n + 1 : DESC_MAX + 1);

	return d != NULL ? mo_oneline(d, n < DESC_MAX ? n + 1 : DESC_MAX + 1, s, n) : NULL;
}

static char *
get_str(json_t *j, const char *key)
{
	json_t *v = json_object_get(j, key);

	return json_is_string(v) ? clean_line(json_string_value(v)) : NULL;
}

int
mo_oauth_error_parse(const char *body, size_t len, struct mo_oauth_error *e)
{
	json_t *j, *codes, *v;
	const char *d;
	size_t i;
	int ret = MO_ERR_PARSE;

	if (body == NULL)
		return MO_ERR_PARSE;
	j = json_loadb(body, len, 0, NULL);
	if (!json_is_object(j))
		goto out;
	e->error = get_str(j, "error");
	e->description = get_str(j, "error_description");
	e->suberror = get_str(j, "suberror");
	e->trace_id = get_str(j, "trace_id");
	e->correlation_id = get_str(j, "correlation_id");
	e->timestamp = get_str(j, "timestamp");
	e->error_uri = get_str(j, "error_uri");
	codes = json_object_get(j, "error_codes");
	json_array_foreach(codes, i, v) {
		if (e->n_codes < MO_OAUTH_MAX_CODES && json_is_integer(v))
			e->codes[e->n_codes++] = (long)json_integer_value(v);
	}
	/* No error_codes: take the number of "AADSTSnnnn:" in the text. */
	d = e->description;
	if (e->n_codes == 0 && d != NULL && strncmp(d, "AADSTS", 6) == 0 &&
	    isdigit((unsigned char)d[6]))
		e->codes[e->n_codes++] = strtol(d + 6, NULL, 10);
	if (e->error != NULL && *e->error != '\0')
		ret = MO_OK;
out:
	json_decref(j);
	return ret;
}

static bool
has_code(const struct mo_oauth_error *e, long code)
{
	unsigned int i;

	for (i = 0; i < e->n_codes; i++)
		if (e->codes[i] == code)
			return true;
	return false;
}

static bool
has_any(const struct mo_oauth_error *e, const long *codes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (has_code(e, codes[i]))
			return true;
	return false;
}

static bool
is_error(const struct mo_oauth_error *e, const char *what)
{
	return e->error != NULL && strcmp(e->error, what) == 0;
}

#define ANY(e, ...) has_any((e), (const long[]){ __VA_ARGS__ }, \
			    sizeof((const long[]){ __VA_ARGS__ }) / sizeof(long))

static const char *
secret_setting(const struct mo_account *a)
{
	if (a->client_secret_file != NULL)
		return "client_secret_file";
	if (a->client_secret_command != NULL)
		return "client_secret_command";
	if (a->client_certificate_file != NULL)
		return "client_certificate_file";
	return NULL;
}

/*
 * What the advice needs of the account, for the placeholders of the table
 * below: {account}, {client_id}, {tenant} ("?" when none), {secret} (the
 * setting that holds the secret, client_secret_file when none),
 * {token_url}, {cert_file} and {thumbprint} (of client_certificate_file,
 * "?" when it cannot be read; read only when a text names it).
 */
struct facts {
	const struct mo_account *a;
	bool thumb_read;
	char thumb[41];
};

static const char *
thumbprint(struct facts *f)
{
	struct mo_cert_info ci;
	char *err = NULL;

	if (!f->thumb_read) {
		f->thumb_read = true;
		snprintf(f->thumb, sizeof(f->thumb), "?");
		if (f->a->client_certificate_file != NULL &&
		    mo_client_cert_info(f->a, &ci, &err) == MO_OK)
			memcpy(f->thumb, ci.sha1, sizeof(f->thumb));
		free(err);
	}
	return f->thumb;
}

static const char *
fact(struct facts *f, const char *name, size_t len)
{
	const struct mo_account *a = f->a;
	const char *sec = secret_setting(a);

#define IS(lit) (len == sizeof(lit) - 1 && memcmp(name, lit, len) == 0)
	if (IS("account"))
		return a->name;
	if (IS("client_id"))
		return a->client_id;
	if (IS("tenant"))
		return a->tenant ? a->tenant : "?";
	if (IS("secret"))
		return sec ? sec : "client_secret_file";
	if (IS("token_url"))
		return a->token_url;
	if (IS("cert_file"))
		return a->client_certificate_file;
	if (IS("thumbprint"))
		return thumbprint(f);
#undef IS
	return NULL;
}

/* Appends text with its {placeholders} replaced. */
static void
expand(struct mo_buf *m, const char *text, struct facts *f)
{
	const char *p = text, *open, *close, *v;

	while ((open = strchr(p, '{')) != NULL && (close = strchr(open, '}')) != NULL) {
		mo_buf_add(m, p, (size_t)(open - p));
		v = fact(f, open + 1, (size_t)(close - open - 1));
		if (v != NULL)
			mo_buf_addstr(m, v);
		else
			mo_buf_add(m, open, (size_t)(close - open + 1));
		p = close + 1;
	}
	mo_buf_addstr(m, p);
}

/*
 * Microsoft's error codes whose advice is one cause and one fix.  Sources:
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 * (every code), .../certificate-credentials (the client assertion),
 * doc/troubleshooting.md (each with cause and fix for users).  The first
 * row with one of the reply's codes (or its suberror) wins; the special
 * cases between them are code (a row with special set).
 */
struct advice {
	long codes[8];			/* 0-terminated */
	const char *suberror;		/* also matches this suberror */
	int ret;
	const char *cause;		/* "{placeholders}" (struct facts) */
	const char *fix;		/* after "What to do: " */
	/* instead of cause and fix: appends the advice and returns true, or
	 * returns false to let the next rows try */
	bool (*special)(const struct mo_oauth_error *e, struct facts *f, struct mo_buf *m);
};

#define CERT_CODES 700027, 700024, 7000274, 700023, 700021

/* A client assertion refused, but the account sends none. */
static bool
cert_without_cert(const struct mo_oauth_error *e, struct facts *f, struct mo_buf *m)
{
	(void)e;
	if (f->a->client_certificate_file != NULL)
		return false;
	mo_buf_printf(m, "the identity platform refused a client assertion, but "
			 "account %s has no client_certificate_file.\n"
			 "What to do: check the app registration's credentials", f->a->name);
	return true;
}

static bool
public_wants_secret(const struct mo_oauth_error *e, struct facts *f, struct mo_buf *m)
{
	const struct mo_account *a = f->a;

	(void)e;
	mo_buf_printf(m, "the app registration (client_id %s) treats the app as "
			 "confidential and wants a client secret, but account %s has %s.\n"
			 "What to do: in the app registration, Authentication, set \"Allow "
			 "public client flows\" to Yes (and register the redirect URI under "
			 "\"Mobile and desktop applications\", not \"Web\"); or create a "
			 "client secret and set client_secret_file for account %s",
		      a->client_id, a->name, secret_setting(a) ? "a secret that was not sent" :
		      "no client_secret_file or client_secret_command", a->name);
	return true;
}

static bool
public_sent_secret(const struct mo_oauth_error *e, struct facts *f, struct mo_buf *m)
{
	const struct mo_account *a = f->a;
	const char *sec = secret_setting(a);

	(void)e;
	mo_buf_printf(m, "the app registration (client_id %s) is a public client, but "
			 "account %s sends a client secret (%s).\n"
			 "What to do: remove %s from account %s, or turn \"Allow public "
			 "client flows\" off in the app registration if it is meant to be "
			 "confidential",
		      a->client_id, a->name, sec ? sec : "configured", sec ? sec : "the secret",
		      a->name);
	return true;
}

static bool
tenant_mismatch(const struct mo_oauth_error *e, struct facts *f, struct mo_buf *m)
{
	const struct mo_account *a = f->a;

	mo_buf_printf(m, "the tenant and the app registration of account %s do not fit "
			 "together (client_id %s, tenant %s): %s.\n"
			 "What to do: check client_id (the Application (client) ID) and "
			 "tenant (the Directory (tenant) ID or a verified domain) against the "
			 "app registration's overview and its Supported account types",
		      a->name, a->client_id, a->tenant ? a->tenant : "-",
		      has_code(e, 700016) ? "the app is not known in that tenant" :
		      has_code(e, 90002) ? "the tenant does not exist" :
		      has_code(e, 50020) ? "the user is not a member or guest of that tenant" :
		      "the app or grant is not allowed on that tenant path");
	return true;
}

static const struct advice advice[] = {
	/* Certificate credentials (RFC 7523 client assertions). */
	{ { CERT_CODES }, NULL, MO_ERR_CONFIG, NULL, NULL, cert_without_cert },
	{ { 700027 }, NULL, MO_ERR_CONFIG,
	  "the app registration (client_id {client_id}) does not accept the certificate "
	  "of account {account} (thumbprint {thumbprint}): it is not uploaded there, or "
	  "was removed, or the signature does not verify",
	  "upload {cert_file} (the certificate only, never the key) in the app "
	  "registration, Certificates & secrets, Certificates, and check that the "
	  "Thumbprint shown there is {thumbprint}", NULL },
	{ { 700024 }, NULL, MO_ERR_CONFIG,
	  "the client assertion of account {account} is outside its valid time range: "
	  "this machine's clock is wrong, or the certificate (thumbprint {thumbprint}) "
	  "has expired",
	  "set the clock right (timedatectl, chrony); check the certificate's expiry "
	  "with `mailoauth status {account}` and, if it has expired, make and upload a "
	  "new one", NULL },
	{ { 700023 }, NULL, MO_ERR_CONFIG,
	  "the client assertion of account {account} names a token endpoint "
	  "({token_url}) that is not the tenant's",
	  "set tenant to the Directory (tenant) ID or a verified domain of the app's "
	  "tenant, and check authority or cloud", NULL },
	{ { 700021 }, NULL, MO_ERR_CONFIG,
	  "the client assertion of account {account} is not for client_id {client_id}",
	  "check client_id against the app registration", NULL },
	{ { 7000274 }, NULL, MO_ERR_CONFIG,
	  "the identity platform refused the client assertion of account {account} "
	  "(certificate thumbprint {thumbprint})",
	  "try again (every request signs a new assertion); if it persists, compare the "
	  "certificate in the app registration, Certificates & secrets, with "
	  "`mailoauth status {account}`", NULL },
	/* The sign-in is over. */
	{ { 70043 }, NULL, MO_ERR_REAUTH,
	  "the sign-in of account {account} has ended: a Conditional Access sign-in "
	  "frequency policy of the tenant requires signing in again after a set time "
	  "(AADSTS70043), whatever mailoauth does",
	  "sign in again: mailoauth authorize {account}; to stop it recurring, ask the "
	  "tenant administrator to exclude this app or mailbox from the sign-in "
	  "frequency policy (or use app-only access, flow = client_credentials)", NULL },
	{ { 50078 }, NULL, MO_ERR_REAUTH,
	  "the multi-factor authentication that account {account} signed in with has "
	  "expired (AADSTS50078: a Conditional Access policy or the tenant's MFA "
	  "settings ask for it again)",
	  "sign in again, with MFA: mailoauth authorize {account}", NULL },
	{ { 700082 }, NULL, MO_ERR_REAUTH,
	  "the sign-in of account {account} has expired or was revoked (unused for too "
	  "long)",
	  "sign in again: mailoauth authorize {account}", NULL },
	{ { 50173 }, NULL, MO_ERR_REAUTH,
	  "the sign-in of account {account} has expired or was revoked (password changed "
	  "or sessions revoked)",
	  "sign in again: mailoauth authorize {account}", NULL },
	{ { 70008, 700084, 54005, 501481 }, NULL, MO_ERR_REAUTH,
	  "the sign-in of account {account} has expired or was revoked",
	  "sign in again: mailoauth authorize {account}", NULL },
	{ { 50079 }, NULL, MO_ERR_REAUTH,
	  "account {account} needs multi-factor authentication (the user must first "
	  "register security info): a Conditional Access policy or per-user MFA asks "
	  "for it, and a refresh cannot answer it",
	  "sign in again interactively, with MFA: mailoauth authorize {account}", NULL },
	{ { 50076 }, NULL, MO_ERR_REAUTH,
	  "account {account} needs multi-factor authentication (AADSTS50076): a "
	  "Conditional Access policy or per-user MFA asks for it, and a refresh cannot "
	  "answer it",
	  "sign in again interactively, with MFA: mailoauth authorize {account}", NULL },
	{ { 65001, 90094, 90095 }, "consent_required", MO_ERR_REAUTH,
	  "the app (client_id {client_id}) lacks consent for the requested permissions "
	  "in this tenant",
	  "a tenant administrator grants consent at the URL printed by `mailoauth "
	  "consent-url {account}`; then sign in again: mailoauth authorize {account}",
	  NULL },
	/* The app registration and the configuration disagree. */
	{ { 7000218 }, NULL, MO_ERR_CONFIG, NULL, NULL, public_wants_secret },
	{ { 700025 }, NULL, MO_ERR_CONFIG, NULL, NULL, public_sent_secret },
	{ { 7000215 }, NULL, MO_ERR_CONFIG,
	  "the client secret of account {account} is wrong",
	  "put the secret's Value (not its Secret ID) from the app registration, "
	  "Certificates & secrets, into {secret}", NULL },
	{ { 7000222 }, NULL, MO_ERR_CONFIG,
	  "the client secret of account {account} has expired",
	  "create a new client secret in the app registration (Certificates & secrets) "
	  "and put its Value into {secret}", NULL },
	{ { 50194 }, NULL, MO_ERR_CONFIG,
	  "the app (client_id {client_id}) is single-tenant, but account {account} uses "
	  "tenant = {tenant}",
	  "set tenant to the directory (tenant) ID or domain of the app, or make the app "
	  "multitenant (app registration, Supported account types)", NULL },
	{ { 9002332 }, NULL, MO_ERR_CONFIG,
	  "the app (client_id {client_id}) is for work or school accounts only, but "
	  "account {account} uses tenant = {tenant}",
	  "set tenant to organizations or the tenant ID, or allow personal Microsoft "
	  "accounts in the app registration (Supported account types)", NULL },
	{ { 700016, 90002, 50020, 9001023, 90130, 90124, 500208 }, NULL, MO_ERR_CONFIG,
	  NULL, NULL, tenant_mismatch },
	/* Policy. */
	{ { 53003, 530032, 530035, 53000, 53001, 53002 }, NULL, MO_ERR_AUTH,
	  "sign-in of account {account} is blocked by a Conditional Access or security "
	  "policy of the tenant",
	  "ask the tenant administrator to allow this app, device or location; they find "
	  "the sign-in in the Entra sign-in logs with the ids below.  Tenants often "
	  "block only the device code flow (Conditional Access, \"Authentication "
	  "flows\"): then sign in in a browser instead, mailoauth authorize {account} "
	  "--browser (over ssh: --no-open and a tunnel to redirect_port)", NULL },
};

static bool
row_matches(const struct advice *r, const struct mo_oauth_error *e)
{
	size_t i;

	for (i = 0; i < sizeof(r->codes) / sizeof(r->codes[0]) && r->codes[i] != 0; i++)
		if (has_code(e, r->codes[i]))
			return true;
	return r->suberror != NULL && e->suberror != NULL && strcmp(e->suberror, r->suberror) == 0;
}

/* The advice; returns the error code. */
static int
advise(const struct mo_oauth_error *e, const struct mo_account *a, struct mo_buf *m)
{
	struct facts f = { .a = a };
	const char *n = a->name, *sec = secret_setting(a);
	size_t i;

	for (i = 0; i < sizeof(advice) / sizeof(advice[0]); i++) {
		const struct advice *r = &advice[i];

		if (!row_matches(r, e))
			continue;
		if (r->special != NULL) {
			if (!r->special(e, &f, m))
				continue;
		} else {
			expand(m, r->cause, &f);
			mo_buf_addstr(m, ".\nWhat to do: ");
			expand(m, r->fix, &f);
		}
		return r->ret;
	}
	/* No code we know: by the error and the HTTP status. */
	if (ANY(e, 50196, 90055, 50033, 90024, 90006, 50087) ||
	    is_error(e, "temporarily_unavailable") || is_error(e, "server_error") ||
	    e->http_status == 429 || e->http_status >= 500) {
		mo_buf_printf(m, "the identity provider is busy or failing (HTTP %ld).\n"
				 "What to do: nothing is lost; try again later", e->http_status);
		return MO_ERR_TEMP;
	}
	if (has_code(e, 70011) || is_error(e, "invalid_scope")) {
		mo_buf_printf(m, "the identity provider rejects the scopes of account %s (%s).\n"
				 "What to do: fix scopes in the configuration (pop imap smtp, or "
				 "full https://outlook.office.com/... URLs of one resource)",
			      n, a->scopes ? a->scopes : "-");
		return MO_ERR_CONFIG;
	}
	if (is_error(e, "invalid_grant") || is_error(e, "interaction_required") ||
	    is_error(e, "login_required") || is_error(e, "consent_required") ||
	    is_error(e, "expired_token") || is_error(e, "access_denied") ||
	    is_error(e, "authorization_declined")) {
		mo_buf_printf(m, "the identity provider no longer accepts the sign-in of "
				 "account %s.\nWhat to do: sign in again: mailoauth authorize %s",
			      n, n);
		return MO_ERR_REAUTH;
	}
	if (is_error(e, "invalid_client") || is_error(e, "unauthorized_client")) {
		mo_buf_printf(m, "the identity provider rejects the app of account %s "
				 "(client_id %s%s).\n"
				 "What to do: check client_id, tenant and the client secret against "
				 "the app registration",
			      n, a->client_id, sec ? ", with a client secret" : ", no secret");
		return MO_ERR_CONFIG;
	}
	mo_buf_printf(m, "the identity provider refused the request for account %s.\n"
			 "What to do: read Microsoft's message above; the stored tokens are "
			 "unchanged", n);
	return MO_ERR_PROTO;
}

int
mo_oauth_explain(const struct mo_oauth_error *e, const struct mo_account *a,
		 struct mo_buf *m)
{
	unsigned int i;
	int ret;

	mo_buf_printf(m, "the identity provider answered %s", e->error ? e->error : "an error");
	for (i = 0; i < e->n_codes; i++)
		mo_buf_printf(m, "%sAADSTS%ld", i == 0 ? " (" : ", ", e->codes[i]);
	if (e->n_codes > 0)
		mo_buf_addc(m, ')');
	if (e->suberror != NULL)
		mo_buf_printf(m, ", suberror %s", e->suberror);
	mo_buf_printf(m, ", HTTP %ld", e->http_status);
	if (e->description != NULL)
		mo_buf_printf(m, "\nMicrosoft says: %s", e->description);
	mo_buf_addc(m, '\n');
	ret = advise(e, a, m);
	if (e->trace_id != NULL || e->correlation_id != NULL || e->timestamp != NULL)
		mo_buf_printf(m, "\nFor the tenant admin: trace_id %s, correlation_id %s, "
				 "timestamp %s",
			      e->trace_id ? e->trace_id : "-",
			      e->correlation_id ? e->correlation_id : "-",
			      e->timestamp ? e->timestamp : "-");
	if (e->error_uri != NULL)
		mo_buf_printf(m, "\nMore: %s", e->error_uri);
	return ret;
}
