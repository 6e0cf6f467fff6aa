/* SPDX-License-Identifier: MIT */
/*
 * mailoauth-net: the back end of `mailoauth` that talks to the identity
 * provider.  The front end (helper/main.c) exec()s it with its own argv:
 *
 *     mailoauth-net [-c FILE | --config FILE | --config=FILE] [-v]... COMMAND ARGS
 *
 * This file only parses the global options, loads the configuration and
 * dispatches (cmd.h).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "secret.h"
#include "cmd.h"
#include "http.h"
#include "log.h"
#include "jsonalloc.h"

static const struct {
	const char *name;
	int (*fn)(struct mo_net_ctx *ctx, int argc, char **argv);
	bool needs_http;
} commands[] = {
	{ "token", mo_cmd_token, true },
	{ "sasl", mo_cmd_sasl, true },
	{ "refresh", mo_cmd_refresh, true },
	{ "status", mo_cmd_status, false },
	{ "logout", mo_cmd_logout, false },
	{ "import", mo_cmd_import, true },
	{ "consent-url", mo_cmd_consent_url, false },
	{ "authorize", mo_cmd_authorize, true },
	{ "reject", mo_cmd_reject, false },
	{ "notify-failure", mo_cmd_notify_failure, false },
};

int
main(int argc, char **argv)
{
	struct mo_net_ctx ctx = { 0 };
	char *error = NULL;
	size_t c;
	int i, ret, code = MO_EXIT_USAGE;

	mo_no_core_dumps();
	/* Before jansson allocates anything (jsonalloc.h). */
	(void)mo_json_wipe_install();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			ctx.verbose++;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (++i >= argc) {
				mo_net_err("%s needs a file name", a);
				goto out;
			}
			ctx.config_path = argv[i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			ctx.config_path = a + 9;
		} else if (a[0] == '-') {
			mo_net_err("unknown option '%s'; see mailoauth --help", a);
			goto out;
		} else {
			break;
		}
	}
	mo_net_verbose = ctx.verbose;
	if (i >= argc) {
		mo_net_err("no command given; see mailoauth --help");
		goto out;
	}
	for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			break;
	if (c == sizeof(commands) / sizeof(commands[0])) {
		mo_net_err("unknown command '%s'; see mailoauth --help", argv[i]);
		goto out;
	}

	ret = mo_config_load(ctx.config_path, &ctx.cfg, &error);
	if (ret != MO_OK) {
		mo_net_err("%s", error ? error : mo_strerror(ret));
		code = ret == MO_ERR_NOENT ? MO_EXIT_CONFIG : mo_exit_code(ret);
		goto out;
	}
	mo_net_note(2, "configuration: %s", ctx.cfg->path);
	if (commands[c].needs_http) {
		ret = mo_http_new(ctx.verbose, &ctx.http, &error);
		if (ret != MO_OK) {
			mo_net_err("%s", error ? error : mo_strerror(ret));
			code = mo_exit_code(ret);
			goto out;
		}
	}
	code = commands[c].fn(&ctx, argc - i, argv + i);
out:
	free(error);
	mo_http_free(ctx.http);
	mo_config_free(ctx.cfg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		mo_net_err("cannot write to standard output");
		if (code == MO_EXIT_OK)
			code = MO_EXIT_IOERR;
	}
	return code;
}
