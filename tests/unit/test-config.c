/* SPDX-License-Identifier: MIT */
/* The configuration: syntax, meaning, defaults, providers, search order. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "tap.h"

#define CID "11111111-2222-3333-4444-555555555555"
#define TID "72f988bf-86f1-41af-91ab-2d7cd011db47"

/* Lines 1-5. */
#define MS_ACC "[account a]\n" \
	"provider = microsoft\n" \
	"tenant = contoso.com\n" \
	"client_id = " CID "\n" \
	"user = alice@contoso.com\n"

#define MS_POP "https://outlook.office.com/POP.AccessAsUser.All"
#define MS_IMAP "https://outlook.office.com/IMAP.AccessAsUser.All"
#define MS_SMTP "https://outlook.office.com/SMTP.Send"
#define MS_EXTRA "offline_access openid profile email"
#define MS_AUTH "https://login.microsoftonline.com"

static const char *home;

static int
parse(const char *text, struct mo_config **cfg_r, char **err_r)
{
	*err_r = NULL;
	return mo_config_parse("t.conf", text, strlen(text), cfg_r, err_r);
}

static bool
starts_with(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ------------------------------------------------------------------ */

/* Every rejection: the message must start with "t.conf:LINE: " and say
 * what is wrong (and, where it matters, what to put there). */
static const struct {
	const char *what, *text;
	unsigned int line;
	const char *says;
} rejects[] = {
	/* syntax */
	{ "unknown section", "; c\n[foo]\nx = 1\n", 2,
	  "unknown section [foo]; the sections are [account NAME], [provider NAME] and [defaults]" },
	/* [defaults] and the notification keys */
	{ "[defaults] with a name", "[defaults x]\n", 1, "[defaults] takes no name" },
	{ "two [defaults]", "[defaults]\n[defaults]\n", 2, "duplicate [defaults] (already on line 1)" },
	{ "an account key in [defaults]", "[defaults]\nuser = a@b.example\n", 2,
	  "unknown key \"user\" in [defaults]; the keys are: notify_command, expiry_warning_days" },
	{ "relative notify_command", MS_ACC "notify_command = notify.sh\n", 6,
	  "notify_command = \"notify.sh\" must start with the absolute path of a program" },
	{ "relative notify_command in [defaults]", "[defaults]\nnotify_command = x\n" MS_ACC, 2,
	  "must start with the absolute path" },
	{ "expiry_warning_days out of range", MS_ACC "expiry_warning_days = 400\n", 6,
	  "expiry_warning_days = \"400\" is not a number of days from 0 to 365" },
	{ "client_secret_expires not a date", MS_ACC "client_secret_expires = 12/31/2027\n", 6,
	  "client_secret_expires = \"12/31/2027\" is not a date YYYY-MM-DD" },
	{ "unknown section kind with a name", "[accounts a]\n", 1, "unknown section" },
	{ "section without a name", "[account]\n", 1, "[account] needs a name" },
	{ "section name of two words", "[account a b]\n", 1, "one word" },
	{ "section header without ]", "[account a\n", 1, "no \"]\"" },
	{ "text after ]", "[account a] x\n", 1, "after \"]\"" },
	{ "key outside a section", "\n\nprovider = microsoft\n", 3,
	  "\"provider\" is outside a section" },
	{ "unknown key", MS_ACC "client_secret = s3cret\n", 6,
	  "unknown key \"client_secret\" in [account a]; the keys are: provider," },
	{ "unknown key in a provider", "[provider p]\ntoken_url = https://x.example/t\nfoo = 1\n",
	  3, "unknown key \"foo\" in [provider p]" },
	{ "malformed line", MS_ACC "flow browser\n", 6, "malformed line" },
	{ "line with no key", MS_ACC "= x\n", 6, "no key before \"=\"" },
	{ "key hidden by a comment", MS_ACC "flow ; = x\n", 6, "malformed line" },
	{ "duplicate key", MS_ACC "\nuser = bob@contoso.com\n", 7,
	  "duplicate key \"user\" in [account a] (already set on line 5)" },
	{ "duplicate key in another case", MS_ACC "USER = bob@contoso.com\n", 6,
	  "duplicate key \"user\"" },
	{ "duplicate account", MS_ACC "\n[account a]\n", 7,
	  "duplicate [account a] (already defined on line 1)" },
	{ "duplicate provider", "[provider p]\ntoken_url = https://x.example/t\n"
	  "[provider P]\ntoken_url = https://x.example/t\n", 3, "duplicate [provider P]" },
	{ "provider named like a built-in", "[provider Microsoft]\n", 1,
	  "is a built-in provider" },
	{ "empty value", MS_ACC "flow =\n", 6, "\"flow\" has no value" },
	{ "value emptied by a comment", MS_ACC "flow = ; browser\n", 6, "has no value" },
	{ "account name starting with a dot", "[account .a]\n", 1,
	  "invalid account name \".a\"" },
	{ "account name with a slash", "[account a/b]\n", 1, "invalid account name" },
	{ "account name of 65 characters",
	  "[account aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
	  1, "invalid account name" },
	{ "account name with a colon", "[account a:b]\n", 1, "invalid account name" },
	/* required keys, reported at the section header */
	{ "missing provider", "# x\n\n[account b]\nuser = b@example.com\n", 3,
	  "account \"b\": missing \"provider\" (microsoft, google, or the NAME of a [provider NAME] section)" },
	{ "missing client_id", "[account b]\nprovider = microsoft\ntenant = common\n"
	  "user = b@example.com\n", 1,
	  "account \"b\": missing \"client_id\" (the Application (client) ID" },
	{ "missing user", "[account b]\nprovider = microsoft\ntenant = common\n"
	  "client_id = x\n", 1, "account \"b\": missing \"user\" (the mailbox address" },
	{ "missing tenant", "\n[account b]\nprovider = microsoft\nclient_id = x\n"
	  "user = b@example.com\n", 2,
	  "account \"b\": missing \"tenant\" (the Directory (tenant) ID of your app "
	  "registration, a verified domain such as contoso.com, or organizations, "
	  "common or consumers)" },
	{ "missing token_url", "[provider p]\nauthorize_url = https://x.example/a\n", 1,
	  "provider \"p\": missing \"token_url\"" },
	/* values */
	{ "unknown provider", "[account b]\nprovider = yahoo\n", 2,
	  "account \"b\": unknown provider \"yahoo\" (microsoft, google, or the NAME" },
	{ "bad flow", MS_ACC "flow = browsr\n", 6,
	  "flow = \"browsr\" is not one of browser, device, client_credentials" },
	{ "refresh_margin not a number", MS_ACC "refresh_margin = 5m\n", 6,
	  "refresh_margin = \"5m\" is not a number of seconds from 0 to 86400" },
	{ "refresh_margin negative", MS_ACC "refresh_margin = -1\n", 6, "refresh_margin" },
	{ "refresh_margin too large", MS_ACC "refresh_margin = 86401\n", 6, "0 to 86400" },
	{ "refresh_margin with a sign", MS_ACC "refresh_margin = +5\n", 6, "refresh_margin" },
	{ "refresh_margin huge", MS_ACC "refresh_margin = 99999999999999999999\n", 6,
	  "refresh_margin" },
	{ "redirect_port too large", MS_ACC "redirect_port = 65536\n", 6,
	  "redirect_port = \"65536\" is not a port number from 0 to 65535" },
	{ "pop3 port 0", MS_ACC "pop3 = pop.example.com:0\n", 6,
	  "pop3 = \"pop.example.com:0\" is not HOST, HOST:PORT or a pop3s:// or "
	  "pop3:// URL" },
	{ "imap URL in the pop3 key", MS_ACC "pop3 = imaps://mail.example.com\n", 6,
	  "pop3 = \"imaps://mail.example.com\": imaps:// URLs belong in the imap key; "
	  "here write pop3s://HOST[:PORT] (implicit TLS) or pop3://HOST[:PORT] (STARTTLS)" },
	{ "smtp URL in the imap key", MS_ACC "imap = smtp://mail.example.com:587\n", 6,
	  "belong in the smtp key" },
	{ "unknown scheme", MS_ACC "imap = https://mail.example.com\n", 6,
	  "imap = \"https://mail.example.com\" is not HOST, HOST:PORT or a imaps:// or "
	  "imap:// URL" },
	{ "a mailbox path", MS_ACC "imap = imaps://mail.example.com/INBOX\n", 6, "imap = " },
	{ "a user in the URL", MS_ACC "imap = imap://me@mail.example.com\n", 6, "imap = " },
	{ "URL without a host", MS_ACC "pop3 = pop3s://:995\n", 6, "pop3 = " },
	{ "URL port 0", MS_ACC "pop3 = pop3://pop.example.com:0\n", 6, "pop3 = " },
	{ "two slashes at the end", MS_ACC "imap = imaps://mail.example.com//\n", 6, "imap = " },
	{ "imap port too large", MS_ACC "imap = imap.example.com:65536\n", 6, "imap = " },
	{ "smtp port not a number", MS_ACC "smtp = smtp.example.com:smtp\n", 6, "smtp = " },
	{ "empty port", MS_ACC "smtp = smtp.example.com:\n", 6, "smtp = " },
	{ "empty host", MS_ACC "imap = :993\n", 6, "imap = " },
	{ "IPv6 without brackets", MS_ACC "imap = ::1:993\n", 6, "[ADDRESS]:PORT" },
	{ "junk after brackets", MS_ACC "imap = [::1]x\n", 6, "imap = " },
	{ "authority over http", MS_ACC "authority = http://127.0.0.1:8080\n", 6,
	  "authority = \"http://127.0.0.1:8080\" is not an https:// URL" },
	{ "authority without a host", MS_ACC "authority = https:///\n", 6, "authority" },
	{ "unknown cloud", MS_ACC "cloud = usgov-high\n", 6,
	  "cloud = \"usgov-high\" is not one of global, usgov (GCC High), usgov-dod (DoD), "
	  "china (21Vianet)" },
	{ "cloud for google", "[account g]\nprovider = google\ncloud = usgov\n", 3,
	  "cloud is for provider microsoft; provider \"google\" takes its authority" },
	{ "cloud for a custom provider", "[provider p]\ntoken_url = https://x.example/t\n"
	  "[account a]\nprovider = p\ncloud = global\n", 5,
	  "cloud is for provider microsoft; provider \"p\"" },
	{ "tenant not a tenant", "[account b]\nprovider = microsoft\ntenant = contoso\n"
	  "client_id = x\nuser = u\n", 3,
	  "tenant = \"contoso\" is not a tenant ID (GUID), a domain, or organizations, "
	  "common or consumers" },
	{ "tenant with a bad GUID", "[account b]\nprovider = microsoft\n"
	  "tenant = 72f988bf-86f1-41af-91ab-2d7cd011db4g\nclient_id = x\nuser = u\n", 3,
	  "is not a tenant ID" },
	{ "tenant with a slash", "[account b]\nprovider = microsoft\n"
	  "tenant = contoso.com/x\nclient_id = x\nuser = u\n", 3, "is not a tenant ID" },
	{ "tenant for google", "[account g]\nprovider = google\ntenant = common\n"
	  "client_id = x\nuser = u@gmail.com\n", 3,
	  "provider \"google\" has no tenants; remove \"tenant\"" },
	{ "client_credentials over common",
	  "[account b]\nprovider = microsoft\ntenant = common\nclient_id = x\n"
	  "user = u@x.example\nflow = client_credentials\n"
	  "client_secret_file = /etc/secret\n", 3,
	  "flow = client_credentials needs your tenant's ID or domain" },
	{ "client_credentials over organizations",
	  "[account b]\nprovider = microsoft\ntenant = Organizations\nclient_id = x\n"
	  "user = u@x.example\nflow = client_credentials\nclient_secret_command = pass x\n",
	  3, "not \"Organizations\"" },
	{ "client_credentials without a secret", MS_ACC "flow = client_credentials\n", 6,
	  "flow = client_credentials needs the app's client secret: set "
	  "client_secret_file or client_secret_command" },
	{ "both secret sources", MS_ACC "client_secret_command = pass show x\n"
	  "client_secret_file = ~/secret\n", 7,
	  "client_secret_file and client_secret_command are both set; keep one" },
	{ "both store key sources", MS_ACC "store_key_command = cat /k\n"
	  "store_key_file = /etc/k\n", 7,
	  "store_key_file and store_key_command are both set; keep one" },
	{ "relative store_key_file", MS_ACC "store_key_file = k.key\n", 6,
	  "store_key_file = \"k.key\" is not an absolute path" },
	{ "certificate without its key", MS_ACC "client_certificate_file = /etc/a.crt\n", 6,
	  "client_certificate_file and client_key_file go together" },
	{ "certificate and a secret", MS_ACC "client_certificate_file = /etc/a.crt\n"
	  "client_key_file = /etc/a.key\nclient_secret_file = /etc/s\n", 6,
	  "client_certificate_file and a client secret are both set" },
	{ "passphrase without a key", MS_ACC "client_key_passphrase_file = /etc/p\n", 6,
	  "a client key passphrase without client_key_file" },
	{ "client_credentials with google", "[account g]\nprovider = google\n"
	  "client_id = x\nuser = u@gmail.com\nflow = client_credentials\n", 5,
	  "does not support flow = client_credentials" },
	{ "device flow with google", "[account g]\nprovider = google\n"
	  "client_id = x\nuser = u@gmail.com\nflow = device\n", 5,
	  "provider \"google\" has no device flow for mail; use flow = browser" },
	{ "user with a control character", "[account b]\nprovider = microsoft\n"
	  "tenant = common\nclient_id = x\nuser = a\x01" "b\n", 5, "user: " },
	{ "client_id with a space", "[account b]\nprovider = microsoft\n"
	  "tenant = common\nclient_id = a b\n", 4, "client_id is not printable ASCII" },
	{ "unknown scope", MS_ACC "scopes = imap imapp\n", 6,
	  "scopes: \"imapp\" is not a scope; use pop, imap, smtp, full scope URLs" },
	{ "short Graph scope name", MS_ACC "scopes = IMAP.AccessAsUser.All\n", 6,
	  "\"IMAP.AccessAsUser.All\" is not a scope" },
	{ "state_dir relative", MS_ACC "state_dir = tokens\n", 6,
	  "state_dir = \"tokens\" is not an absolute path" },
	{ "provider URL over http", "[provider p]\ntoken_url = http://x.example/t\n", 2,
	  "token_url = \"http://x.example/t\" is not an https:// URL" },
	{ "provider URL with an unknown placeholder",
	  "[provider p]\ntoken_url = {authority}/{tenantid}/t\n", 2, "token_url = " },
	{ "provider bool", "[provider p]\ntoken_url = https://x.example/t\n"
	  "rotates_refresh_tokens = maybe\n", 3,
	  "rotates_refresh_tokens = \"maybe\" is not yes or no" },
	{ "provider device_flow without device_url",
	  "[provider p]\ntoken_url = https://x.example/t\ndevice_flow = yes\n", 3,
	  "device_flow = yes needs device_url" },
	{ "provider scope with a space", "[provider p]\ntoken_url = https://x.example/t\n"
	  "scope_imap = a b\n", 3, "scope_imap = \"a b\" is not one scope" },
	{ "shorthand the provider lacks", "[provider p]\ntoken_url = https://x.example/t\n"
	  "authorize_url = https://x.example/a\nscope_imap = x:imap\n"
	  "[account b]\nprovider = p\nclient_id = x\nuser = u\nscopes = pop\n", 9,
	  "scopes: provider \"p\" has no scope for pop (scope_pop)" },
	{ "custom provider without any scope",
	  "[provider p]\ntoken_url = https://x.example/t\nauthorize_url = https://x.example/a\n"
	  "[account b]\nprovider = p\nclient_id = x\nuser = u\n", 4,
	  "set \"scopes\": provider \"p\" defines none of" },
	{ "custom provider with {authority} and no authority",
	  "[account b]\nprovider = p\nclient_id = x\nuser = u\nscopes = imap\n"
	  "[provider p]\ntoken_url = {authority}/t\nauthorize_url = {authority}/a\n"
	  "scope_imap = x:imap\n", 1,
	  "provider \"p\" URLs start with {authority}: set authority" },
	{ "custom provider without any sign-in URL",
	  "[provider p]\ntoken_url = https://x.example/t\nscope_imap = x:imap\n"
	  "[account b]\nprovider = p\nclient_id = x\nuser = u\n", 4,
	  "has neither authorize_url nor device_url" },
};

static void
test_rejects(void)
{
	size_t i;

	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		struct mo_config *cfg = (struct mo_config *)1;
		char *err = NULL, prefix[64];
		int ret = parse(rejects[i].text, &cfg, &err);

		snprintf(prefix, sizeof(prefix), "t.conf:%u: ", rejects[i].line);
		tap_is_int(ret, MO_ERR_CONFIG, "reject %s", rejects[i].what);
		tap_ok(cfg == NULL, "reject %s: no configuration", rejects[i].what);
		tap_ok(starts_with(err, prefix) && strstr(err, rejects[i].says) != NULL,
		       "reject %s: \"%s...%s\"", rejects[i].what, prefix,
		       rejects[i].says);
		if (!starts_with(err, prefix) || strstr(err, rejects[i].says) == NULL)
			tap_diag("got: %s", err != NULL ? err : "(null)");
		free(err);
	}
}

static void
test_reject_text(void)
{
	struct mo_config *cfg;
	char *err, *big;
	static const char nul_text[] = MS_ACC "flow = br\0wser\n";
	size_t n = 1024 * 1024 + 1;
	char line[300];

	err = NULL;
	tap_is_int(mo_config_parse("t.conf", nul_text, sizeof(nul_text) - 1, &cfg, &err),
		   MO_ERR_CONFIG, "a NUL byte is refused");
	tap_ok(starts_with(err, "t.conf:6: NUL byte"), "NUL byte: line 6 (%s)",
	       err ? err : "(null)");
	free(err);

	big = malloc(n);
	memset(big, '#', n);
	big[0] = ';';
	err = NULL;
	tap_is_int(mo_config_parse("t.conf", big, n, &cfg, &err), MO_ERR_CONFIG,
		   "a text over 1 MiB is refused");
	tap_ok(starts_with(err, "t.conf: larger than"), "too large: %s",
	       err ? err : "(null)");
	free(err);
	free(big);

	memset(line, 'x', sizeof(line));
	memcpy(line, "[account a]\nuser = ", 19);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	tap_is_int(parse(line, &cfg, &err), MO_ERR_CONFIG, "a long line is refused");
	tap_ok(starts_with(err, "t.conf:2: line longer than"), "long line: %s",
	       err ? err : "(null)");
	free(err);
}

/* ------------------------------------------------------------------ */

static void
test_defaults(void)
{
	struct mo_config *cfg = NULL;
	const struct mo_account *a;
	char *err, want[256];
	int i;

	tap_is_int(parse(MS_ACC, &cfg, &err), MO_OK, "minimal microsoft account loads");
	if (cfg == NULL) {
		tap_diag("%s", err);
		free(err);
		return;
	}
	tap_is_str(cfg->path, "t.conf", "path is the name given");
	tap_is_int((long long)cfg->n_accounts, 1, "one account");
	tap_is_int((long long)cfg->n_providers, 0, "no custom providers");
	a = mo_config_account(cfg, "a");
	tap_ok(a == &cfg->accounts[0], "mo_config_account finds it");
	tap_ok(mo_config_account(cfg, "A") == NULL, "account names are case-sensitive");
	tap_ok(mo_config_account(cfg, "b") == NULL, "unknown account: NULL");
	if (a == NULL)
		goto out;
	tap_is_str(a->name, "a", "name");
	tap_is_str(a->file, "t.conf", "file");
	tap_is_int(a->line, 1, "line of the header");
	tap_is_str(a->provider->name, "microsoft", "provider");
	tap_is_str(a->tenant, "contoso.com", "tenant");
	tap_is_str(a->client_id, CID, "client_id");
	tap_ok(a->client_secret_file == NULL && a->client_secret_command == NULL,
	       "no client secret by default");
	tap_is_str(a->user, "alice@contoso.com", "user");
	tap_is_str(a->login_hint, "alice@contoso.com", "login_hint defaults to user");
	tap_is_str(a->scopes, MS_POP " " MS_IMAP " " MS_SMTP " " MS_EXTRA,
		   "scopes default to all three protocols plus the extras");
	for (i = 0; i < MO_PROTO_COUNT; i++)
		tap_ok(a->wants[i], "wants %s by default", mo_proto_name(i));
	tap_is_int(a->flow, MO_FLOW_DEFAULT, "flow not configured");
	tap_is_str(a->authority, MS_AUTH, "authority default");
	tap_ok(a->ca_file == NULL, "no ca_file");
	tap_is_int(a->refresh_margin, 300, "refresh_margin default 300");
	snprintf(want, sizeof(want), "%s/.local/state/mailoauth", home);
	tap_is_str(a->state_dir, want, "state_dir defaults to ~/.local/state/mailoauth");
	tap_is_int(a->redirect_port, 0, "redirect_port default 0");
	tap_is_str(a->server[MO_PROTO_POP3].host, "outlook.office365.com", "pop3 host");
	tap_is_int(a->server[MO_PROTO_POP3].port, 995, "pop3 port");
	tap_is_str(a->server[MO_PROTO_IMAP].host, "outlook.office365.com", "imap host");
	tap_is_int(a->server[MO_PROTO_IMAP].port, 993, "imap port");
	tap_is_str(a->server[MO_PROTO_SMTP].host, "smtp.office365.com", "smtp host");
	tap_is_int(a->server[MO_PROTO_SMTP].port, 587, "smtp port");
	tap_is_str(a->authorize_url, MS_AUTH "/contoso.com/oauth2/v2.0/authorize",
		   "authorize_url resolved");
	tap_is_str(a->token_url, MS_AUTH "/contoso.com/oauth2/v2.0/token",
		   "token_url resolved");
	tap_is_str(a->device_url, MS_AUTH "/contoso.com/oauth2/v2.0/devicecode",
		   "device_url resolved");
	tap_is_str(a->provider->consent_url, "{authority}/{tenant}/v2.0/adminconsent",
		   "consent template");
	tap_is_str(a->provider->app_scope, "https://outlook.office365.com/.default",
		   "app scope");
	tap_ok(a->provider->needs_tenant && a->provider->rotates_refresh_tokens &&
	       a->provider->device_flow_for_mail, "microsoft: tenant, rotation, device flow");
	tap_is_str(mo_account_scope_for(a, MO_PROTO_POP3), MS_POP, "scope for pop3");
	tap_is_str(mo_account_scope_for(a, MO_PROTO_IMAP), MS_IMAP, "scope for imap");
	tap_is_str(mo_account_scope_for(a, MO_PROTO_SMTP), MS_SMTP, "scope for smtp");
out:
	mo_config_free(cfg);
}

/* notify_command and expiry_warning_days: the account's own, else
 * [defaults], else none / 14; client_secret_expires: a date. */
static void
test_notify_keys(void)
{
	static const char text[] =
		"[defaults]\n"
		"notify_command = /usr/local/bin/notify --to root\n"
		"expiry_warning_days = 21\n"
		MS_ACC
		"\n[account b]\n"
		"provider = microsoft\n"
		"tenant = contoso.com\n"
		"client_id = " CID "\n"
		"user = bob@contoso.com\n"
		"notify_command = /bin/true\n"
		"expiry_warning_days = 0\n"
		"client_secret_expires = 2027-03-01\n";
	struct mo_config *cfg = NULL;
	const struct mo_account *a, *b;
	char *err;

	tap_is_int(parse(text, &cfg, &err), MO_OK, "[defaults] and two accounts load");
	if (cfg == NULL) {
		tap_diag("%s", err != NULL ? err : "?");
		free(err);
		return;
	}
	a = mo_config_account(cfg, "a");
	b = mo_config_account(cfg, "b");
	tap_is_int((long long)cfg->n_accounts, 2, "[defaults] is not an account");
	tap_is_int((long long)cfg->n_providers, 0, "... nor a provider");
	if (a != NULL && b != NULL) {
		tap_is_str(a->notify_command, "/usr/local/bin/notify --to root",
			   "notify_command from [defaults]");
		tap_is_int(a->expiry_warning_days, 21, "expiry_warning_days from [defaults]");
		tap_is_int((long long)a->client_secret_expires, 0, "no client_secret_expires");
		tap_is_str(b->notify_command, "/bin/true", "the account's own notify_command wins");
		tap_is_int(b->expiry_warning_days, 0, "the account's own expiry_warning_days wins");
		tap_is_int((long long)b->client_secret_expires, 1803859200LL,
			   "client_secret_expires 2027-03-01 is 00:00 UTC of that day");
	}
	mo_config_free(cfg);
	cfg = NULL;
	free(err);
	tap_is_int(parse(MS_ACC, &cfg, &err), MO_OK, "without them");
	if (cfg != NULL) {
		tap_ok(cfg->accounts[0].notify_command == NULL, "no notify_command by default");
		tap_is_int(cfg->accounts[0].expiry_warning_days, 14, "expiry_warning_days default 14");
	}
	mo_config_free(cfg);
	free(err);
}

static void
test_every_key(void)
{
	static const char text[] =
		"\xef\xbb\xbf# every key\r\n"
		"[account full]\r\n"
		"  provider = Microsoft\r\n"
		"\ttenant = " TID "\n"
		"client_id = " CID "  ; an inline comment\n"
		"client_secret_command = pass show mail/app=prod\n"
		"user = shared@contoso.com\n"
		"login_hint = admin@contoso.com\n"
		"scopes = imap,smtp\n"
		"flow = device\n"
		"authority = https://login.microsoftonline.us/\n"
		"ca_file = ~/ca.pem\n"
		"refresh_margin = 86400\n"
		"state_dir = ~/tokens\n"
		"redirect_port = 65535\n"
		"pop3 = pop.example.com\n"
		"imap = [::1]:1993\n"
		"smtp: smtp.example.com:2525\n"
		"[account second]\n"
		"provider = microsoft\ntenant = common\nclient_id = x\nuser = b@x.example\n"
		"client_secret_file = /etc/mailoauth/secret\n"
		"flow = browser\nrefresh_margin = 0\nredirect_port = 0\n";
	struct mo_config *cfg = NULL;
	const struct mo_account *a;
	char *err, want[256];

	tap_is_int(parse(text, &cfg, &err), MO_OK, "every account key is accepted");
	if (cfg == NULL) {
		tap_diag("%s", err);
		free(err);
		return;
	}
	a = mo_config_account(cfg, "full");
	if (a == NULL) {
		tap_ok(0, "account full exists");
		goto out;
	}
	tap_is_int(a->line, 2, "header line counted after a BOM and CRLF");
	tap_is_str(a->provider->name, "microsoft", "provider name in any case");
	tap_is_str(a->tenant, TID, "tenant GUID (indented with a tab)");
	tap_is_str(a->client_id, CID, "inline ; comment stripped");
	tap_is_str(a->client_secret_command, "pass show mail/app=prod",
		   "value containing '=' kept whole");
	tap_is_str(a->login_hint, "admin@contoso.com", "login_hint");
	tap_is_str(a->scopes, MS_IMAP " " MS_SMTP " " MS_EXTRA, "imap,smtp expand");
	tap_ok(!a->wants[MO_PROTO_POP3] && a->wants[MO_PROTO_IMAP] &&
	       a->wants[MO_PROTO_SMTP], "wants imap and smtp only");
	tap_is_int(a->flow, MO_FLOW_DEVICE, "flow = device");
	tap_is_str(a->authority, "https://login.microsoftonline.us",
		   "authority: trailing slash stripped");
	tap_is_str(a->token_url,
		   "https://login.microsoftonline.us/" TID "/oauth2/v2.0/token",
		   "token_url uses the authority");
	snprintf(want, sizeof(want), "%s/ca.pem", home);
	tap_is_str(a->ca_file, want, "ca_file ~/ expanded");
	tap_is_int(a->refresh_margin, 86400, "refresh_margin 86400");
	snprintf(want, sizeof(want), "%s/tokens", home);
	tap_is_str(a->state_dir, want, "state_dir ~/ expanded");
	tap_is_int(a->redirect_port, 65535, "redirect_port 65535");
	tap_is_str(a->server[MO_PROTO_POP3].host, "pop.example.com", "pop3 host");
	tap_is_int(a->server[MO_PROTO_POP3].port, 995, "pop3 port defaults to 995");
	tap_is_str(a->server[MO_PROTO_IMAP].host, "::1", "imap IPv6 host");
	tap_is_int(a->server[MO_PROTO_IMAP].port, 1993, "imap port");
	tap_is_str(a->server[MO_PROTO_SMTP].host, "smtp.example.com", "smtp with ':'");
	tap_is_int(a->server[MO_PROTO_SMTP].port, 2525, "smtp port");

	a = mo_config_account(cfg, "second");
	if (a == NULL) {
		tap_ok(0, "account second exists");
		goto out;
	}
	tap_is_str(a->client_secret_file, "/etc/mailoauth/secret", "client_secret_file");
	tap_is_int(a->flow, MO_FLOW_BROWSER, "flow = browser");
	tap_is_int(a->refresh_margin, 0, "refresh_margin 0");
	tap_is_str(a->token_url, MS_AUTH "/common/oauth2/v2.0/token", "tenant common");
out:
	mo_config_free(cfg);
}

static void
test_client_credentials(void)
{
	static const char text[] =
		"[account b]\nprovider = microsoft\ntenant = " TID "\nclient_id = x\n"
		"user = u@x.example\nflow = client_credentials\n"
		"client_secret_command = cat /run/s\n"
		"[account c]\nprovider = microsoft\ntenant = contoso.com\n"
		"client_id = x\nuser = u@x.example\nflow = CLIENT_CREDENTIALS\n"
		"client_secret_file = /run/secret\nscopes = smtp\n";
	struct mo_config *cfg = NULL;
	const struct mo_account *a;
	char *err;
	int i;

	tap_is_int(parse(text, &cfg, &err), MO_OK,
		   "client_credentials with a GUID or domain tenant loads");
	if (cfg == NULL) {
		tap_diag("%s", err);
		free(err);
		return;
	}
	a = mo_config_account(cfg, "b");
	tap_is_int(a->flow, MO_FLOW_CLIENT_CREDENTIALS, "flow = client_credentials");
	tap_is_str(a->scopes, "https://outlook.office365.com/.default",
		   "client_credentials: the app scope only");
	for (i = 0; i < MO_PROTO_COUNT; i++)
		tap_ok(a->wants[i], "client_credentials wants %s", mo_proto_name(i));
	tap_is_str(mo_account_scope_for(a, MO_PROTO_IMAP),
		   "https://outlook.office365.com/.default", "scope_for: app scope");
	tap_is_str(a->client_secret_command, "cat /run/s", "client_secret_command");
	a = mo_config_account(cfg, "c");
	tap_is_str(a->scopes, "https://outlook.office365.com/.default",
		   "client_credentials: a shorthand means the app scope");
	tap_ok(a->wants[MO_PROTO_POP3], "client_credentials: wants all");
	mo_config_free(cfg);
}

/* cloud = presets: authority, scope resource, app scope and mail hosts
 * (mailoauth.conf(5), CLOUDS, names the Microsoft pages they come from). */
static const struct {
	const char *cloud, *authority, *resource, *app_scope;
	const char *host[MO_PROTO_COUNT];
} cloud_cases[] = {
	{ "global", "https://login.microsoftonline.com", "https://outlook.office.com/",
	  "https://outlook.office365.com/.default",
	  { "outlook.office365.com", "outlook.office365.com", "smtp.office365.com" } },
	{ "usgov", "https://login.microsoftonline.us", "https://outlook.office365.us/",
	  "https://outlook.office365.us/.default",
	  { "outlook.office365.us", "outlook.office365.us", "outlook.office365.us" } },
	{ "USGov-DoD", "https://login.microsoftonline.us",
	  "https://outlook-dod.office365.us/", "https://outlook-dod.office365.us/.default",
	  { "outlook-dod.office365.us", "outlook-dod.office365.us",
	    "outlook-dod.office365.us" } },
	{ "china", "https://login.partner.microsoftonline.cn", "https://partner.outlook.cn/",
	  "https://partner.outlook.cn/.default",
	  { "partner.outlook.cn", "partner.outlook.cn", "smtp.partner.outlook.cn" } },
};

static void
test_clouds(void)
{
	static const unsigned int ports[MO_PROTO_COUNT] = { 995, 993, 587 };
	static const char *const perms[MO_PROTO_COUNT] = {
		"POP.AccessAsUser.All", "IMAP.AccessAsUser.All", "SMTP.Send"
	};
	struct mo_config *cfg = NULL;
	const struct mo_account *a;
	char text[1024], want[1024], *err;
	size_t i;
	int p;

	for (i = 0; i < sizeof(cloud_cases) / sizeof(cloud_cases[0]); i++) {
		snprintf(text, sizeof(text), MS_ACC "cloud = %s\n"
			 "[account cc]\nprovider = microsoft\ntenant = contoso.com\n"
			 "client_id = x\nuser = u@contoso.com\ncloud = %s\n"
			 "flow = client_credentials\nclient_secret_file = /run/s\n",
			 cloud_cases[i].cloud, cloud_cases[i].cloud);
		if (parse(text, &cfg, &err) != MO_OK) {
			tap_ok(false, "cloud = %s loads: %s", cloud_cases[i].cloud, err);
			free(err);
			continue;
		}
		a = mo_config_account(cfg, "a");
		tap_is_str(a->provider->name, "microsoft", "cloud = %s: still provider microsoft",
			   cloud_cases[i].cloud);
		tap_is_str(a->authority, cloud_cases[i].authority, "cloud = %s: authority",
			   cloud_cases[i].cloud);
		snprintf(want, sizeof(want), "%s/contoso.com/oauth2/v2.0/token",
			 cloud_cases[i].authority);
		tap_is_str(a->token_url, want, "cloud = %s: token_url", cloud_cases[i].cloud);
		snprintf(want, sizeof(want), "%s/contoso.com/oauth2/v2.0/devicecode",
			 cloud_cases[i].authority);
		tap_is_str(a->device_url, want, "cloud = %s: device_url", cloud_cases[i].cloud);
		snprintf(want, sizeof(want), "%sPOP.AccessAsUser.All %sIMAP.AccessAsUser.All "
			 "%sSMTP.Send " MS_EXTRA, cloud_cases[i].resource,
			 cloud_cases[i].resource, cloud_cases[i].resource);
		tap_is_str(a->scopes, want, "cloud = %s: scopes of the cloud's resource",
			   cloud_cases[i].cloud);
		for (p = 0; p < MO_PROTO_COUNT; p++) {
			snprintf(want, sizeof(want), "%s%s", cloud_cases[i].resource, perms[p]);
			tap_is_str(mo_account_scope_for(a, p), want, "cloud = %s: %s scope",
				   cloud_cases[i].cloud, mo_proto_name(p));
			tap_ok(a->wants[p], "cloud = %s: wants %s", cloud_cases[i].cloud,
			       mo_proto_name(p));
			tap_is_str(a->server[p].host, cloud_cases[i].host[p], "cloud = %s: %s host",
				   cloud_cases[i].cloud, mo_proto_name(p));
			tap_is_int(a->server[p].port, ports[p], "cloud = %s: %s port",
				   cloud_cases[i].cloud, mo_proto_name(p));
		}
		a = mo_config_account(cfg, "cc");
		tap_is_str(a->scopes, cloud_cases[i].app_scope,
			   "cloud = %s: client_credentials asks for the cloud's app scope",
			   cloud_cases[i].cloud);
		mo_config_free(cfg);
		cfg = NULL;
	}

	/* authority and the server keys still override the preset */
	snprintf(text, sizeof(text), "%s", MS_ACC "cloud = usgov\n"
		 "authority = https://127.0.0.1:8443\n"
		 "imap = 127.0.0.1:1993\nsmtp = mail.example.us\n");
	if (parse(text, &cfg, &err) != MO_OK) {
		tap_ok(false, "cloud with overrides loads: %s", err);
		free(err);
		return;
	}
	a = mo_config_account(cfg, "a");
	tap_is_str(a->authority, "https://127.0.0.1:8443", "authority overrides the cloud's");
	tap_is_str(a->token_url, "https://127.0.0.1:8443/contoso.com/oauth2/v2.0/token",
		   "token_url on the overriding authority");
	tap_is_str(mo_account_scope_for(a, MO_PROTO_IMAP),
		   "https://outlook.office365.us/IMAP.AccessAsUser.All",
		   "the scopes stay the cloud's with another authority");
	tap_is_str(a->server[MO_PROTO_IMAP].host, "127.0.0.1", "imap key overrides the host");
	tap_is_int(a->server[MO_PROTO_IMAP].port, 1993, "imap key overrides the port");
	tap_is_str(a->server[MO_PROTO_SMTP].host, "mail.example.us", "smtp key overrides");
	tap_is_int(a->server[MO_PROTO_SMTP].port, 587, "smtp key: default port 587");
	tap_is_str(a->server[MO_PROTO_POP3].host, "outlook.office365.us",
		   "pop3 not overridden: the cloud's host");
	mo_config_free(cfg);
}

/* The pop3/imap/smtp keys as URLs: the scheme says the TLS mode and the
 * default port; HOST[:PORT] leaves both to the port. */
static void
test_server_urls(void)
{
	static const struct {
		const char *key, *value, *host;
		enum mo_proto p;
		unsigned int port;
		enum mo_tls_mode tls;
	} c[] = {
		{ "pop3", "pop3s://pop.example.com", "pop.example.com", MO_PROTO_POP3, 995,
		  MO_TLS_IMPLICIT },
		{ "pop3", "pop3://pop.example.com", "pop.example.com", MO_PROTO_POP3, 110,
		  MO_TLS_STARTTLS },
		{ "pop3", "POP3://127.0.0.1:1110/", "127.0.0.1", MO_PROTO_POP3, 1110,
		  MO_TLS_STARTTLS },
		{ "pop3", "pop3s://[::1]:1995", "::1", MO_PROTO_POP3, 1995, MO_TLS_IMPLICIT },
		{ "imap", "imaps://127.0.0.1:1143", "127.0.0.1", MO_PROTO_IMAP, 1143,
		  MO_TLS_IMPLICIT },
		{ "imap", "imap://mail.example.com:1143", "mail.example.com", MO_PROTO_IMAP, 1143,
		  MO_TLS_STARTTLS },
		{ "imap", "imap://mail.example.com", "mail.example.com", MO_PROTO_IMAP, 143,
		  MO_TLS_STARTTLS },
		{ "smtp", "smtps://smtp.example.com", "smtp.example.com", MO_PROTO_SMTP, 465,
		  MO_TLS_IMPLICIT },
		{ "smtp", "smtp://smtp.example.com", "smtp.example.com", MO_PROTO_SMTP, 587,
		  MO_TLS_STARTTLS },
		{ "imap", "mail.example.com:1143", "mail.example.com", MO_PROTO_IMAP, 1143,
		  MO_TLS_DEFAULT },
		{ "pop3", "pop.example.com", "pop.example.com", MO_PROTO_POP3, 995,
		  MO_TLS_DEFAULT },
	};
	struct mo_config *cfg = NULL;
	const struct mo_account *a;
	char text[1024], *err = NULL;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(text, sizeof(text), MS_ACC "%s = %s\n", c[i].key, c[i].value);
		if (parse(text, &cfg, &err) != MO_OK) {
			tap_ok(false, "%s = %s loads: %s", c[i].key, c[i].value, err);
			free(err);
			err = NULL;
			continue;
		}
		a = mo_config_account(cfg, "a");
		tap_is_str(a->server[c[i].p].host, c[i].host, "%s = %s: host", c[i].key,
			   c[i].value);
		tap_is_int(a->server[c[i].p].port, c[i].port, "%s = %s: port", c[i].key,
			   c[i].value);
		tap_is_int(a->server[c[i].p].tls, c[i].tls, "%s = %s: TLS mode", c[i].key,
			   c[i].value);
		mo_config_free(cfg);
		cfg = NULL;
	}
}

static const struct {
	const char *scopes, *want;
	bool pop, imap, smtp;
} scope_cases[] = {
	{ "pop", MS_POP " " MS_EXTRA, true, false, false },
	{ "POP3", MS_POP " " MS_EXTRA, true, false, false },
	{ "imap pop imap", MS_IMAP " " MS_POP " " MS_EXTRA, true, true, false },
	{ "smtp,  imap", MS_SMTP " " MS_IMAP " " MS_EXTRA, false, true, true },
	{ "https://outlook.office.com/imap.accessasuser.all offline_access",
	  "https://outlook.office.com/imap.accessasuser.all offline_access openid profile email",
	  false, true, false },
	{ "imap " MS_IMAP, MS_IMAP " " MS_EXTRA, false, true, false },
	{ "api://app/x.y openid", "api://app/x.y openid offline_access profile email",
	  false, false, false },
};

static void
test_scopes(void)
{
	size_t i;

	for (i = 0; i < sizeof(scope_cases) / sizeof(scope_cases[0]); i++) {
		struct mo_config *cfg = NULL;
		char text[512], *err;

		snprintf(text, sizeof(text), MS_ACC "scopes = %s\n", scope_cases[i].scopes);
		tap_is_int(parse(text, &cfg, &err), MO_OK, "scopes = %s", scope_cases[i].scopes);
		if (cfg == NULL) {
			tap_diag("%s", err);
			free(err);
			continue;
		}
		tap_is_str(cfg->accounts[0].scopes, scope_cases[i].want,
			   "scopes = %s: expanded", scope_cases[i].scopes);
		tap_ok(cfg->accounts[0].wants[MO_PROTO_POP3] == scope_cases[i].pop &&
		       cfg->accounts[0].wants[MO_PROTO_IMAP] == scope_cases[i].imap &&
		       cfg->accounts[0].wants[MO_PROTO_SMTP] == scope_cases[i].smtp,
		       "scopes = %s: wants", scope_cases[i].scopes);
		mo_config_free(cfg);
	}
}

static void
test_google(void)
{
	static const char text[] =
		"[account g]\nprovider = google\nclient_id = x.apps.googleusercontent.com\n"
		"user = someone@gmail.com\n"
		"[account mock]\nprovider = google\nclient_id = x\nuser = m@gmail.com\n"
		"authority = https://127.0.0.1:8443/\nscopes = imap\n";
	struct mo_config *cfg = NULL;
	const struct mo_account *a;
	char *err;
	int i;

	tap_is_int(parse(text, &cfg, &err), MO_OK, "google accounts load");
	if (cfg == NULL) {
		tap_diag("%s", err);
		free(err);
		return;
	}
	a = mo_config_account(cfg, "g");
	tap_ok(a->tenant == NULL, "google: no tenant");
	tap_is_str(a->authorize_url, "https://accounts.google.com/o/oauth2/v2/auth",
		   "google authorize_url");
	tap_is_str(a->token_url, "https://oauth2.googleapis.com/token", "google token_url");
	tap_ok(a->device_url == NULL, "google: no device flow");
	tap_is_str(a->scopes, "https://mail.google.com/ openid email",
		   "google scopes: one mail scope plus openid email");
	for (i = 0; i < MO_PROTO_COUNT; i++)
		tap_ok(a->wants[i], "google wants %s", mo_proto_name(i));
	tap_is_str(a->server[MO_PROTO_POP3].host, "pop.gmail.com", "google pop3");
	tap_is_str(a->server[MO_PROTO_IMAP].host, "imap.gmail.com", "google imap");
	tap_is_str(a->server[MO_PROTO_SMTP].host, "smtp.gmail.com", "google smtp");
	tap_is_int(a->server[MO_PROTO_SMTP].port, 587, "google smtp port");
	tap_ok(!a->provider->rotates_refresh_tokens && !a->provider->needs_tenant &&
	       !a->provider->device_flow_for_mail, "google: no rotation, tenant, device");

	a = mo_config_account(cfg, "mock");
	tap_is_str(a->authorize_url, "https://127.0.0.1:8443/o/oauth2/v2/auth",
		   "google with authority: authorize_url on the mock");
	tap_is_str(a->token_url, "https://127.0.0.1:8443/token",
		   "google with authority: token_url on the mock");
	tap_is_str(a->scopes, "https://mail.google.com/ openid email",
		   "google imap shorthand");
	tap_ok(a->wants[MO_PROTO_POP3] && a->wants[MO_PROTO_IMAP] &&
	       a->wants[MO_PROTO_SMTP], "one google scope serves all protocols");
	mo_config_free(cfg);
}

static void
test_custom_provider(void)
{
	/* The account comes first: section order does not matter. */
	static const char text[] =
		"[account c]\nprovider = corp\nclient_id = x\nuser = u@corp.example\n"
		"tenant = corp.example\nscopes = imap, smtp\n"
		"[account d]\nprovider = CORP\nclient_id = y\nuser = v@corp.example\n"
		"tenant = corp.example\nauthority = https://mock.example:9443\n"
		"[account e]\nprovider = plain\nclient_id = z\nuser = w@plain.example\n"
		"[provider corp]\n"
		"authorize_url = {authority}/{tenant}/authorize\n"
		"token_url = {authority}/{tenant}/token\n"
		"device_url = {authority}/{tenant}/device\n"
		"consent_url = {authority}/{tenant}/consent\n"
		"authority = https://idp.corp.example/\n"
		"scope_pop = https://mail.corp.example/pop\n"
		"scope_imap = https://mail.corp.example/imap\n"
		"scope_smtp = https://mail.corp.example/smtp\n"
		"app_scope = https://mail.corp.example/.default\n"
		"extra_scopes = offline_access, openid\n"
		"rotates_refresh_tokens = no\n"
		"device_flow = yes\n"
		"pop3 = pop.corp.example:1995\nimap = imap.corp.example\n"
		"smtp = smtp.corp.example:465\n"
		"[provider plain]\n"
		"authorize_url = https://plain.example/oauth/authorize\n"
		"token_url = https://plain.example/oauth/token\n"
		"device_url = https://plain.example/oauth/device\n"
		"device_flow = false\n"
		"scope_imap = plain:imap\n";
	struct mo_config *cfg = NULL;
	const struct mo_account *a;
	char *err;

	tap_is_int(parse(text, &cfg, &err), MO_OK,
		   "custom providers load (defined after their accounts)");
	if (cfg == NULL) {
		tap_diag("%s", err);
		free(err);
		return;
	}
	tap_is_int((long long)cfg->n_providers, 2, "two custom providers");
	a = mo_config_account(cfg, "c");
	tap_is_str(a->provider->name, "corp", "account c uses corp");
	tap_is_str(a->authority, "https://idp.corp.example", "provider authority default");
	tap_is_str(a->authorize_url, "https://idp.corp.example/corp.example/authorize",
		   "custom authorize_url resolved");
	tap_is_str(a->token_url, "https://idp.corp.example/corp.example/token",
		   "custom token_url resolved");
	tap_is_str(a->device_url, "https://idp.corp.example/corp.example/device",
		   "custom device_url resolved");
	tap_is_str(a->scopes, "https://mail.corp.example/imap "
		   "https://mail.corp.example/smtp offline_access openid",
		   "custom shorthands and extra_scopes");
	tap_ok(!a->wants[MO_PROTO_POP3] && a->wants[MO_PROTO_IMAP] &&
	       a->wants[MO_PROTO_SMTP], "custom wants");
	tap_ok(a->provider->needs_tenant, "{tenant} in the templates: needs a tenant");
	tap_ok(!a->provider->rotates_refresh_tokens, "rotates_refresh_tokens = no");
	tap_ok(a->provider->device_flow_for_mail, "device_flow = yes");
	tap_is_str(a->provider->app_scope, "https://mail.corp.example/.default", "app_scope");
	tap_is_str(a->provider->consent_url, "{authority}/{tenant}/consent", "consent_url");
	tap_is_int(a->server[MO_PROTO_POP3].port, 1995, "provider pop3 default");
	tap_is_str(a->server[MO_PROTO_IMAP].host, "imap.corp.example", "provider imap default");
	tap_is_int(a->server[MO_PROTO_IMAP].port, 993, "provider imap default port");
	tap_is_int(a->server[MO_PROTO_SMTP].port, 465, "provider smtp default");

	a = mo_config_account(cfg, "d");
	tap_is_str(a->provider->name, "corp", "provider names match in any case");
	tap_is_str(a->token_url, "https://mock.example:9443/corp.example/token",
		   "account authority overrides the provider's");
	tap_is_str(a->scopes, "https://mail.corp.example/pop https://mail.corp.example/imap "
		   "https://mail.corp.example/smtp offline_access openid",
		   "custom default scopes: all three");

	a = mo_config_account(cfg, "e");
	tap_is_str(a->authority, "https://plain.example", "authority from token_url");
	tap_is_str(a->token_url, "https://plain.example/oauth/token", "plain token_url");
	tap_ok(a->device_url == NULL, "device_flow = false: no device_url");
	tap_is_str(a->scopes, "plain:imap", "only the scope the provider defines");
	tap_ok(a->wants[MO_PROTO_IMAP] && !a->wants[MO_PROTO_POP3], "plain wants imap");
	tap_is_str(a->server[MO_PROTO_POP3].host, "", "no default server: empty host");
	tap_is_int(a->server[MO_PROTO_POP3].port, 0, "no default server: port 0");
	tap_ok(a->provider->rotates_refresh_tokens, "rotation assumed by default");
	mo_config_free(cfg);
}

static void
test_find_user(void)
{
	static const char text[] =
		MS_ACC
		"[account b]\nprovider = microsoft\ntenant = common\nclient_id = x\n"
		"user = Bob@Contoso.com\n"
		"[account c]\nprovider = microsoft\ntenant = common\nclient_id = x\n"
		"user = bob@contoso.COM\n";
	struct mo_config *cfg = NULL;
	const struct mo_account *a = NULL;
	char *err;

	tap_is_int(parse(text, &cfg, &err), MO_OK, "three accounts load");
	if (cfg == NULL) {
		tap_diag("%s", err);
		free(err);
		return;
	}
	tap_is_int(mo_config_find_user(cfg, "ALICE@contoso.com", &a, &err), MO_OK,
		   "find_user: one match, any case");
	tap_ok(a != NULL && strcmp(a->name, "a") == 0, "find_user: account a");
	tap_ok(err == NULL, "find_user: no message on success");
	tap_is_int(mo_config_find_user(cfg, "carol@contoso.com", &a, &err),
		   MO_ERR_NOENT, "find_user: no match");
	tap_ok(a == NULL, "find_user: NULL when none");
	free(err);
	tap_is_int(mo_config_find_user(cfg, "bob@contoso.com", &a, &err),
		   MO_ERR_CONFIG, "find_user: two matches");
	tap_ok(err != NULL && strstr(err, "b, c") != NULL &&
	       starts_with(err, "t.conf: "), "find_user names both accounts (%s)",
	       err != NULL ? err : "(null)");
	free(err);
	mo_config_free(cfg);
}

static void
test_protos(void)
{
	tap_is_int(mo_proto_from_name("pop3"), MO_PROTO_POP3, "pop3");
	tap_is_int(mo_proto_from_name("IMAP"), MO_PROTO_IMAP, "IMAP");
	tap_is_int(mo_proto_from_name("smtp"), MO_PROTO_SMTP, "smtp");
	tap_is_int(mo_proto_from_name("nntp"), -1, "nntp unknown");
	tap_is_int(mo_proto_from_name(NULL), -1, "NULL unknown");
	tap_is_str(mo_proto_name(MO_PROTO_POP3), "pop3", "name of pop3");
	tap_is_str(mo_proto_name(MO_PROTO_SMTP), "smtp", "name of smtp");
}

/* ------------------------------------------------------------------ */

static void
test_state_dir_env(void)
{
	struct mo_config *cfg = NULL;
	char *err = NULL;

	setenv("XDG_STATE_HOME", "/srv/state", 1);
	tap_is_int(parse(MS_ACC, &cfg, &err), MO_OK, "loads with XDG_STATE_HOME");
	tap_is_str(cfg != NULL ? cfg->accounts[0].state_dir : NULL, "/srv/state/mailoauth",
		   "state_dir from $XDG_STATE_HOME");
	mo_config_free(cfg);
	unsetenv("XDG_STATE_HOME");

	unsetenv("HOME");
	err = NULL;
	tap_is_int(parse("\n" MS_ACC, &cfg, &err), MO_ERR_CONFIG,
		   "no HOME and no state_dir");
	tap_ok(starts_with(err, "t.conf:2: account \"a\": cannot tell where to keep "
			   "the tokens") && strstr(err, "set state_dir") != NULL,
	       "no HOME: says to set state_dir (%s)", err != NULL ? err : "(null)");
	free(err);
	tap_is_int(parse(MS_ACC "state_dir = ~/x\n", &cfg, &err), MO_ERR_CONFIG,
		   "~/ without HOME");
	tap_ok(starts_with(err, "t.conf:6: "), "~/ without HOME: line 6 (%s)",
	       err != NULL ? err : "(null)");
	free(err);
	tap_is_int(parse(MS_ACC "state_dir = /var/lib/mo\n", &cfg, &err), MO_OK,
		   "an absolute state_dir needs no HOME");
	tap_is_str(cfg != NULL ? cfg->accounts[0].state_dir : NULL, "/var/lib/mo",
		   "state_dir as given");
	mo_config_free(cfg);
	setenv("HOME", home, 1);
}

static char *
write_file(const char *dir, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f == NULL)
		return NULL;
	fputs(text, f);
	fclose(f);
	return strdup(path);
}

static const char *
first_name(const struct mo_config *cfg)
{
	return cfg != NULL && cfg->n_accounts > 0 ? cfg->accounts[0].name : "(none)";
}

static void
test_search_order(void)
{
	char tmpl[] = "/tmp/test-config.XXXXXX", buf[1024];
	char *dir = mkdtemp(tmpl), *env_file, *xdg_file, *home_file, *explicit;
	struct mo_config *cfg = NULL;
	char *err = NULL;

	if (dir == NULL) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	env_file = write_file(dir, "env.conf", "[account env]\nprovider = microsoft\n"
			      "tenant = common\nclient_id = x\nuser = e@x.example\n");
	xdg_file = write_file(dir, "xdg/mailoauth/config", "[account xdg]\n"
			      "provider = google\nclient_id = x\nuser = x@gmail.com\n");
	home_file = write_file(dir, "home/.config/mailoauth/config", "[account home]\n"
			       "provider = google\nclient_id = x\nuser = h@gmail.com\n");
	explicit = write_file(dir, "explicit.conf", "[account explicit]\n"
			      "provider = google\nclient_id = x\nuser = p@gmail.com\n"
			      "flow = sideways\n");

	snprintf(buf, sizeof(buf), "%s/home", dir);
	setenv("HOME", buf, 1);
	snprintf(buf, sizeof(buf), "%s/xdg", dir);
	setenv("XDG_CONFIG_HOME", buf, 1);
	setenv("MAILOAUTH_CONFIG", env_file, 1);

	tap_is_int(mo_config_load(NULL, &cfg, &err), MO_OK, "load via $MAILOAUTH_CONFIG");
	tap_is_str(first_name(cfg), "env", "$MAILOAUTH_CONFIG comes first");
	tap_is_str(cfg != NULL ? cfg->path : NULL, env_file, "cfg->path is that file");
	mo_config_free(cfg);

	tap_is_int(mo_config_load(explicit, &cfg, &err), MO_ERR_CONFIG,
		   "an explicit path beats $MAILOAUTH_CONFIG");
	snprintf(buf, sizeof(buf), "%s:5: account \"explicit\": flow = \"sideways\"",
		 explicit);
	tap_ok(starts_with(err, buf), "errors carry the real file name (%s)",
	       err != NULL ? err : "(null)");
	free(err);

	unsetenv("MAILOAUTH_CONFIG");
	tap_is_int(mo_config_load(NULL, &cfg, &err), MO_OK, "load via XDG_CONFIG_HOME");
	tap_is_str(first_name(cfg), "xdg", "$XDG_CONFIG_HOME/mailoauth/config next");
	mo_config_free(cfg);

	unsetenv("XDG_CONFIG_HOME");
	tap_is_int(mo_config_load(NULL, &cfg, &err), MO_OK, "load via HOME");
	tap_is_str(first_name(cfg), "home", "~/.config/mailoauth/config by default");
	mo_config_free(cfg);

	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	tap_is_int(mo_config_load(NULL, &cfg, &err), MO_OK,
		   "a relative XDG_CONFIG_HOME is ignored");
	tap_is_str(first_name(cfg), "home", "... and ~/.config is used");
	mo_config_free(cfg);
	unsetenv("XDG_CONFIG_HOME");

	unlink(home_file);
	cfg = NULL;
	if (access(MAILOAUTH_SYSCONFDIR "/mailoauth/config", F_OK) == 0) {
		tap_ok(1, "# SKIP " MAILOAUTH_SYSCONFDIR "/mailoauth/config exists");
		tap_ok(1, "# SKIP");
		tap_ok(1, "# SKIP");
	} else {
		tap_is_int(mo_config_load(NULL, &cfg, &err), MO_ERR_NOENT,
			   "no configuration anywhere");
		snprintf(buf, sizeof(buf), "%s/home/.config/mailoauth/config", dir);
		tap_ok(err != NULL && strstr(err, buf) != NULL &&
		       strstr(err, MAILOAUTH_SYSCONFDIR "/mailoauth/config") != NULL,
		       "NOENT lists where it looked (%s)", err != NULL ? err : "(null)");
		tap_ok(err != NULL && strstr(err, "mailoauth.conf(5)") != NULL,
		       "NOENT points at mailoauth.conf(5)");
		free(err);
	}

	snprintf(buf, sizeof(buf), "%s/missing.conf", dir);
	setenv("MAILOAUTH_CONFIG", buf, 1);
	tap_is_int(mo_config_load(NULL, &cfg, &err), MO_ERR_NOENT,
		   "$MAILOAUTH_CONFIG naming a missing file");
	tap_ok(err != NULL && strstr(err, buf) != NULL &&
	       strstr(err, "$MAILOAUTH_CONFIG") != NULL, "names it (%s)",
	       err != NULL ? err : "(null)");
	free(err);
	unsetenv("MAILOAUTH_CONFIG");
	tap_is_int(mo_config_load(buf, &cfg, &err), MO_ERR_NOENT,
		   "an explicit missing file");
	free(err);
	tap_is_int(mo_config_load(dir, &cfg, &err), MO_ERR_CONFIG,
		   "a directory is not a configuration");
	free(err);

	unlink(env_file);
	unlink(xdg_file);
	unlink(explicit);
	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	if (system(buf) != 0)
		tap_diag("could not remove %s", dir);
	free(env_file);
	free(xdg_file);
	free(home_file);
	free(explicit);
	setenv("HOME", home, 1);
}

/*
 * A configuration that names a command is refused (MO_ERR_CONFIG, exit 78)
 * when others can write it, when it belongs to another user than the
 * invoking one or root, or when its directory can be written by others
 * (and is not sticky); the message holds the chmod/chown that fixes it.
 */
static const char cmd_conf[] =
	"[account c]\nprovider = google\nclient_id = x\nuser = c@gmail.com\n"
	"notify_command = /bin/true\n";
static const char plain_conf[] =
	"[account p]\nprovider = google\nclient_id = x\nuser = p@gmail.com\n";

static void
trust_case(const char *path, int want, const char *fix, const char *what)
{
	struct mo_config *cfg = NULL;
	char *err = NULL;

	tap_is_int(mo_config_load(path, &cfg, &err), want, "%s", what);
	if (fix != NULL)
		tap_ok(err != NULL && strstr(err, fix) != NULL, "... the fix: %s (%s)",
		       fix, err != NULL ? err : "(null)");
	if (want == MO_ERR_CONFIG)
		tap_ok(cfg == NULL, "... and no configuration is returned");
	mo_config_free(cfg);
	free(err);
}

static void
test_trust(void)
{
	char tmpl[] = "/tmp/test-config.XXXXXX", buf[1024], fix[1200];
	char *dir = mkdtemp(tmpl), *f, *plain, *sub_f, *link_path;
	struct passwd *pw;

	if (dir == NULL) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	f = write_file(dir, "cmd.conf", cmd_conf);
	plain = write_file(dir, "plain.conf", plain_conf);
	chmod(f, 0644);
	trust_case(f, MO_OK, NULL, "0644, yours, with a command: accepted");
	chmod(f, 0600);
	trust_case(f, MO_OK, NULL, "0600, yours, with a command: accepted");
	chmod(f, 0664);
	snprintf(fix, sizeof(fix), "chmod go-w %s", f);
	trust_case(f, MO_ERR_CONFIG, fix, "group-writable with notify_command: refused");
	chmod(f, 0646);
	trust_case(f, MO_ERR_CONFIG, fix, "world-writable with notify_command: refused");
	chmod(f, 0644);

	chmod(plain, 0664);
	trust_case(plain, MO_OK, NULL, "group-writable without any command: accepted");
	chmod(plain, 0666);
	trust_case(plain, MO_OK, NULL, "world-writable without any command: accepted");

	/* Every key that names a program counts. */
	{
		static const char *const keys[][2] = {
			{ "client_secret_command", "/bin/echo secret" },
			{ "client_key_passphrase_command", "/bin/echo pass" },
			{ "store_key_command", "/bin/echo key" },
		};
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			char text[512], name[64], *k;

			snprintf(text, sizeof(text), "[account k]\nprovider = microsoft\n"
				 "tenant = common\nclient_id = x\nuser = k@x.example\n"
				 "%s%s = %s\n", i == 1 ? "client_certificate_file = /c.pem\n"
				 "client_key_file = /k.pem\n" : "", keys[i][0], keys[i][1]);
			snprintf(name, sizeof(name), "key%zu.conf", i);
			k = write_file(dir, name, text);
			chmod(k, 0644);
			snprintf(buf, sizeof(buf), "%s in a 0644 file: accepted", keys[i][0]);
			trust_case(k, MO_OK, NULL, buf);
			chmod(k, 0620);
			snprintf(buf, sizeof(buf), "%s in a group-writable file: refused",
				 keys[i][0]);
			snprintf(fix, sizeof(fix), "sets %s", keys[i][0]);
			trust_case(k, MO_ERR_CONFIG, fix, buf);
			free(k);
		}
	}
	snprintf(buf, sizeof(buf), "[defaults]\nnotify_command = /bin/true\n\n%s", plain_conf);
	free(plain);
	plain = write_file(dir, "defaults.conf", buf);
	chmod(plain, 0602);
	trust_case(plain, MO_ERR_CONFIG, "sets notify_command",
		   "notify_command from [defaults] counts too");

	/* Another user's file (needs root to make one). */
	pw = getpwuid(geteuid());
	if (geteuid() == 0 && chown(f, 1, 1) == 0) {
		snprintf(fix, sizeof(fix), "chown %s %s", pw != NULL ? pw->pw_name : "0", f);
		trust_case(f, MO_ERR_CONFIG, fix, "owned by another user: refused");
		if (chown(f, 0, 0) != 0)
			tap_diag("chown back: %s", strerror(errno));
	} else {
		tap_ok(1, "# SKIP not root: cannot make a file of another user");
		tap_ok(1, "# SKIP");
		tap_ok(1, "# SKIP");
	}

	/* The directory: writable by others without the sticky bit. */
	snprintf(buf, sizeof(buf), "%s/shared", dir);
	mkdir(buf, 0700);
	sub_f = write_file(dir, "shared/config", cmd_conf);
	chmod(sub_f, 0644);
	chmod(buf, 0777);
	snprintf(fix, sizeof(fix), "chmod go-w %s", buf);
	trust_case(sub_f, MO_ERR_CONFIG, fix, "in a world-writable directory: refused");
	chmod(buf, 0770);
	trust_case(sub_f, MO_ERR_CONFIG, fix, "in a group-writable directory: refused");
	chmod(buf, 01777);
	trust_case(sub_f, MO_OK, NULL, "in a sticky world-writable directory (as /tmp): accepted");
	chmod(buf, 0777);
	/* A link from a safe place into the unsafe directory: the real one counts. */
	snprintf(fix, sizeof(fix), "%s/via-link.conf", dir);
	link_path = strdup(fix);
	if (symlink(sub_f, link_path) != 0)
		tap_diag("symlink: %s", strerror(errno));
	snprintf(fix, sizeof(fix), "chmod go-w %s", buf);
	trust_case(link_path, MO_ERR_CONFIG, fix,
		   "a link to a file in a writable directory: refused");
	chmod(buf, 0755);
	trust_case(link_path, MO_OK, NULL, "... accepted once the directory is fixed");
	/* ... and the other way round: a link in a writable directory. */
	snprintf(fix, sizeof(fix), "%s/shared/link.conf", dir);
	if (symlink(f, fix) != 0)
		tap_diag("symlink: %s", strerror(errno));
	chmod(buf, 0777);
	chmod(f, 0644);
	{
		char want[1200];

		snprintf(want, sizeof(want), "chmod go-w %s", buf);
		trust_case(fix, MO_ERR_CONFIG, want,
			   "a link in a writable directory to a safe file: refused");
	}
	chmod(buf, 0755);

	/* Root's configuration is trusted by other users (Postfix as postfix
	 * reading /etc/mailoauth/config).  Needs root to arrange. */
	if (geteuid() == 0) {
		struct mo_config *cfg = NULL;
		int got;

		chmod(dir, 0755);
		chmod(f, 0644);
		/* seteuid(): geteuid() is what the rule looks at; the saved
		 * uid 0 lets the test become root again. */
		if (setegid(65534) != 0 || seteuid(65534) != 0)
			tap_diag("seteuid: %s", strerror(errno));
		got = mo_config_load(f, &cfg, NULL);
		mo_config_free(cfg);
		cfg = NULL;
		if (seteuid(0) != 0 || setegid(0) != 0)
			tap_diag("seteuid back: %s", strerror(errno));
		tap_is_int(got, MO_OK, "another user (nobody) accepts root's 0644 file "
			   "with a command");
		if (chown(f, 1, 1) == 0) {
			if (setegid(65534) != 0 || seteuid(65534) != 0)
				tap_diag("seteuid: %s", strerror(errno));
			got = mo_config_load(f, &cfg, NULL);
			mo_config_free(cfg);
			if (seteuid(0) != 0 || setegid(0) != 0)
				tap_diag("seteuid back: %s", strerror(errno));
			tap_is_int(got, MO_ERR_CONFIG, "... but not a third user's");
			if (chown(f, 0, 0) != 0)
				tap_diag("chown back: %s", strerror(errno));
		} else {
			tap_ok(0, "chown: %s", strerror(errno));
		}
		chmod(dir, 0700);
	} else {
		tap_ok(1, "# SKIP not root: cannot read root's file as another user");
		tap_ok(1, "# SKIP");
	}

	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	if (system(buf) != 0)
		tap_diag("could not remove %s", dir);
	free(f);
	free(plain);
	free(sub_f);
	free(link_path);
}

int
main(void)
{
	home = "/home/tester";
	setenv("HOME", home, 1);
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("MAILOAUTH_CONFIG");

	test_rejects();
	test_reject_text();
	test_defaults();
	test_every_key();
	test_notify_keys();
	test_client_credentials();
	test_clouds();
	test_server_urls();
	test_scopes();
	test_google();
	test_custom_provider();
	test_find_user();
	test_protos();
	test_state_dir_env();
	test_search_order();
	test_trust();
	return tap_done();
}
