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

#include <errno.h>
#include <limits.h>
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

static const struct command {
	const char *name;
	enum where where;
	const char *synopsis;
} commands[] = {
	{ "token", LOCAL, "token ACCOUNT                 print a fresh access token" },
	{ "sasl", NET, "sasl ACCOUNT [--mechanism xoauth2|oauthbearer] [--host H --port P]\n"
		       "                                print the base64 SASL initial response" },
	{ "status", NET, "status [ACCOUNT] [--json|--prometheus]\n"
			"                                show what is stored and what to do next" },
	{ "refresh", NET, "refresh [ACCOUNT...|--all] [--if-expiring-within SECONDS]\n"
			  "                                refresh access tokens (cron, timers)" },
	{ "authorize", NET, "authorize ACCOUNT [--browser|--device|--no-open] [--timeout SECONDS]\n"
			    "          [--force]\n"
			    "                                sign in and store the tokens" },
	{ "import", NET, "import ACCOUNT [--file FILE]  take over an existing refresh token" },
	{ "logout", NET, "logout ACCOUNT                remove the stored tokens" },
	{ "reject", NET, "reject ACCOUNT EXPIRES_AT     the mail server refused the stored token:\n"
			 "                                make the next use refresh it" },
	{ "notify-failure", NET, "notify-failure UNIT           a refresh unit failed (its OnFailure=):\n"
				 "                                run notify_command once per failure" },
	{ "consent-url", NET, "consent-url ACCOUNT           print the tenant admin-consent URL" },
	{ "connect", CONNECT, "connect [--account NAME] [--protocol pop3|imap]\n"
			      "          [--tls implicit|starttls] [HOST PORT]\n"
			      "                                connection plugin for fetchmail, mutt, mbsync" },
	{ "check", CONNECT, "check ACCOUNT [--protocol pop3|imap|smtp] [--server HOST:PORT]\n"
			    "          [--tls implicit|starttls]\n"
			    "                                prove that the mailbox can be used" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: mailoauth [--config FILE] [-v] COMMAND [ARGS]\n\n"
		   "OAuth 2.0 sign-in and tokens for mail clients (XOAUTH2, OAUTHBEARER).\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].synopsis);
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
	for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
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
