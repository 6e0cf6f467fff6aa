/* SPDX-License-Identifier: MIT */
/*
 * mailoauth: the front end.  It parses the global options and dispatches.
 *
 * It links only the network-free core (jansson, inih): `mailoauth token`
 * with a fresh token in the store is answered here without loading OpenSSL
 * or libcurl (doc/internals.md, start-up cost).  Every other command is carried
 * out by a back end in LIBEXECDIR, which this program exec()s with the same
 * arguments: mailoauth-net (talks to the identity provider) and
 * mailoauth-connect (talks to mail servers).
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "secret.h"
#include "frontend.h"
#include "tokenget.h"
#include "jsonalloc.h"

enum where { LOCAL, NET, CONNECT };

/* How connect and check pick TLS and read PORT. */
#define TLS_HELP \
	"PORT is a number or pop3, pop3s, imap, imaps.  --tls defaults from the\n" \
	"account's pop3/imap key for that server (pop3s:// implicit, pop3://\n" \
	"STARTTLS), else from the port: STARTTLS on 110, 143, 587 and 25, implicit\n" \
	"TLS on 995, 993 and 465.  On other ports implicit TLS is tried first and\n" \
	"STARTTLS when the server greets in plain text.  TLS cannot be turned off.\n"

/*
 * One row per command: `mailoauth --help` lists name, args and what;
 * `mailoauth COMMAND --help` adds help.  A "\n" in args continues the
 * synopsis on a line of its own; one in what, the description.
 */
static const struct command {
	const char *name;
	enum where where;
	const char *args;
	const char *what;
	const char *help;
} commands[] = {
	{ "token", LOCAL, "ACCOUNT", "print a fresh access token", NULL },
	{ "sasl", NET, "ACCOUNT [--mechanism xoauth2|oauthbearer] [--host H --port P]",
	  "print the base64 SASL initial response", NULL },
	{ "status", NET, "[ACCOUNT] [--json|--prometheus]",
	  "show what is stored and what to do next", NULL },
	{ "refresh", NET, "[ACCOUNT...|--all] [--if-expiring-within SECONDS]",
	  "refresh access tokens (cron, timers)", NULL },
	{ "authorize", NET, "ACCOUNT [--browser|--device|--no-open] [--timeout SECONDS]\n"
			    "[--force]",
	  "sign in and store the tokens",
	  "  --browser          sign in with a web browser (authorization code + PKCE)\n"
	  "  --device           sign in on another device with a code (device flow)\n"
	  "  --no-open          do not start a browser; just print the URL\n"
	  "  --timeout SECONDS  how long the browser flow waits (default 300)\n"
	  "  --force            store the grant even when the identity matches neither\n"
	  "                     user nor login_hint and a grant is stored already\n"
	  "Default: the account's `flow`, else the browser when $DISPLAY or\n"
	  "$WAYLAND_DISPLAY is set, else the device flow.  Exit status: 0 signed in\n"
	  "and stored; 1 cancelled (Ctrl-C); 64 usage; 65 another identity signed in\n"
	  "(the stored grant kept); 74 the redirect port is taken or the state\n"
	  "directory cannot be created; 75 timed out or temporary failure; 77\n"
	  "declined, expired or consent missing; 78 configuration, or a state\n"
	  "directory other users can reach.  The state directory is checked\n"
	  "before the sign-in starts.\n" },
	{ "import", NET, "ACCOUNT [--file FILE]", "take over an existing refresh token",
	  "The refresh token is read from FILE or standard input, never from the\n"
	  "command line; a terminal is asked without echo (Ctrl-C: exit 1).\n" },
	{ "logout", NET, "ACCOUNT", "remove the stored tokens", NULL },
	{ "reject", NET, "ACCOUNT EXPIRES_AT",
	  "the mail server refused the stored token:\nmake the next use refresh it", NULL },
	{ "notify-failure", NET, "UNIT",
	  "a refresh unit failed (its OnFailure=):\nrun notify_command once per failure", NULL },
	{ "consent-url", NET, "ACCOUNT", "print the tenant admin-consent URL", NULL },
	{ "connect", CONNECT, "[--account NAME] [--protocol pop3|imap]\n"
			      "[--tls implicit|starttls] [HOST PORT]",
	  "connection plugin for fetchmail, mutt, mbsync", TLS_HELP },
	{ "check", CONNECT, "ACCOUNT [--protocol pop3|imap|smtp] [--server HOST:PORT]\n"
			    "[--tls implicit|starttls] [--nagios]",
	  "prove that the mailbox can be used",
	  "  --nagios           one line and exit status for Nagios, Icinga, Zabbix\n"
	  TLS_HELP },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* text, each of its lines after the first indented by indent columns. */
static void
put_indented(FILE *f, const char *text, int indent)
{
	const char *nl;

	while ((nl = strchr(text, '\n')) != NULL) {
		fprintf(f, "%.*s\n%*s", (int)(nl - text), text, indent, "");
		text = nl + 1;
	}
	fputs(text, f);
}

/* "  NAME ARGS" and, from column 32, what it does. */
static void
list_command(FILE *f, const struct command *c)
{
	int n = fprintf(f, "  %s ", c->name);

	put_indented(f, c->args, 10);
	n += (int)strlen(c->args);
	if (strchr(c->args, '\n') != NULL || n > 30)
		fprintf(f, "\n%32s", "");
	else
		fprintf(f, "%*s", 32 - n, "");
	put_indented(f, c->what, 32);
	fputc('\n', f);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: mailoauth [--config FILE] [-v] COMMAND [ARGS]\n\n"
		   "OAuth 2.0 sign-in and tokens for mail clients (XOAUTH2, OAUTHBEARER).\n\n"
		   "Commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		list_command(f, &commands[i]);
	fprintf(f, "\nOptions:\n"
		   "  -c, --config FILE   configuration file (default: $MAILOAUTH_CONFIG,\n"
		   "                      $XDG_CONFIG_HOME/mailoauth/config, %s/mailoauth/config)\n"
		   "  -v, --verbose       more detail on stderr (secrets are never shown)\n"
		   "  -h, --help          this text\n"
		   "  -V, --version       version\n"
		   "\nExit status:\n"
		   "  0   success\n"
		   "  1   other failure (sign-in cancelled, out of memory)\n"
		   "  64  usage error\n"
		   "  65  bad input data (an import file, a server reply that makes no sense)\n"
		   "  69  the mail server refused the login or the mailbox\n"
		   "  70  internal error\n"
		   "  74  local file error\n"
		   "  75  temporary failure (network, identity provider outage): try again later\n"
		   "  77  sign-in needed: run `mailoauth authorize ACCOUNT`\n"
		   "  78  configuration error (the message names file and line)\n"
		   "\nSee mailoauth(1) and mailoauth.conf(5).\n",
		MAILOAUTH_SYSCONFDIR);
}

/* `mailoauth COMMAND --help`: answered here, before any configuration is
 * read, so that it works on a host with none. */
static void
command_usage(const struct command *c)
{
	printf("Usage: mailoauth [OPTIONS] %s ", c->name);
	put_indented(stdout, c->args, 10);
	fputs("\n\n", stdout);
	/* what, as a sentence. */
	putchar(toupper((unsigned char)c->what[0]));
	put_indented(stdout, c->what + 1, 0);
	fputs(".\n", stdout);
	if (c->help != NULL)
		printf("\n%s", c->help);
	printf("\nOPTIONS and exit statuses: mailoauth --help.  See mailoauth(1).\n");
}

/* -h or --help among a command's arguments (up to a "--"). */
static bool
asks_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

/* Replaces this process with the back end prog (mailoauth-net,
 * mailoauth-connect) in mo_libexec_dir(), with argv (argv[0] is replaced).
 * Returns an exit code only when that fails, after saying why on stderr. */
static int
run_backend(const char *prog, char **argv)
{
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", mo_libexec_dir(), prog);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "mailoauth: the back-end path is too long\n");
		return MO_EXIT_SOFTWARE;
	}
	argv[0] = path;
	execv(path, argv);
	fprintf(stderr, "mailoauth: cannot run %s: %s\n"
			"mailoauth: the installation is incomplete; reinstall mailoauth\n",
		path, strerror(errno));
	return MO_EXIT_SOFTWARE;
}

int
main(int argc, char **argv)
{
	struct mo_opts opts = { 0 };
	const struct command *cmd = NULL;
	int i, first, code;
	size_t c;

	/* Global options come before the command. */
	mo_no_core_dumps();
	/* Before jansson allocates anything (jsonalloc.h). */
	(void)mo_json_wipe_install();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return MO_EXIT_OK;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("mailoauth %s\n", PACKAGE_VERSION);
			return MO_EXIT_OK;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			opts.verbose++;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (++i >= argc) {
				fprintf(stderr, "mailoauth: %s needs a file name\n", a);
				return MO_EXIT_USAGE;
			}
			opts.config = argv[i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			opts.config = a + 9;
		} else if (a[0] == '-') {
			fprintf(stderr, "mailoauth: unknown option '%s'; see mailoauth --help\n", a);
			return MO_EXIT_USAGE;
		} else {
			break;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return MO_EXIT_USAGE;
	}
	first = i;
	for (c = 0; c < N_COMMANDS; c++) {
		if (strcmp(argv[first], commands[c].name) == 0) {
			cmd = &commands[c];
			break;
		}
	}
	if (cmd == NULL) {
		fprintf(stderr, "mailoauth: unknown command '%s'; see mailoauth --help\n",
			argv[first]);
		return MO_EXIT_USAGE;
	}
	if (asks_help(argc - first, argv + first)) {
		command_usage(cmd);
		return MO_EXIT_OK;
	}

	switch (cmd->where) {
	case LOCAL:
		code = mo_fastpath_token(&opts, argc - first, argv + first);
		if (code != MO_FASTPATH_BACKEND)
			return code;
		return run_backend("mailoauth-net", argv);
	case NET:
		return run_backend("mailoauth-net", argv);
	case CONNECT:
		return run_backend("mailoauth-connect", argv);
	}
	return MO_EXIT_SOFTWARE;
}
