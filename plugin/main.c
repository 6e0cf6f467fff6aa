/* SPDX-License-Identifier: MIT */
/*
 * mailoauth-connect: the back end of `mailoauth connect` and `mailoauth
 * check`.  The front end exec()s it with its own argv:
 *
 *   mailoauth [-c FILE|--config FILE|--config=FILE] [-v] connect
 *             [--account NAME] [--protocol pop3|imap]
 *             [--tls implicit|starttls] HOST PORT
 *   mailoauth [...] check ACCOUNT [--protocol pop3|imap|smtp]
 *             [--server HOST:PORT] [--tls implicit|starttls]
 *
 * This file parses the arguments and dispatches; front.h, check.h.
 */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "check.h"
#include "config.h"
#include "errors.h"
#include "secret.h"
#include "front.h"
#include "login.h"
#include "report.h"
#include "target.h"
#include "tls.h"
#include "validate.h"

struct args {
	const char *config;
	int verbose;
	const char *command;
	const char *account;
	int proto;
	enum mo_tls_mode tls;
	const char *server;
	const char *pos[3];
	int npos;
	bool nagios;
};

static void
usage(void)
{
	fprintf(stderr,
		"Usage: mailoauth [--config FILE] [-v] connect [--account NAME]\n"
		"                 [--protocol pop3|imap] [--tls implicit|starttls] HOST PORT\n"
		"       mailoauth [--config FILE] [-v] check ACCOUNT [--protocol pop3|imap|smtp]\n"
		"                 [--server HOST:PORT] [--tls implicit|starttls] [--nagios]\n"
		"\n"
		"--tls defaults from the port: STARTTLS on 110, 143, 587 and 25, implicit\n"
		"TLS on 995, 993 and 465.  On other ports implicit TLS is tried first and\n"
		"STARTTLS when the server greets in plain text.  TLS cannot be turned off.\n");
}

/* The value of --NAME VALUE or --NAME=VALUE at argv[*i]. */
static const char *
opt_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "mailoauth: %s needs a value\n", name);
		exit(MO_EXIT_USAGE);
	}
	return argv[++*i];
}

static int
parse_args(int argc, char **argv, struct args *a)
{
	const char *v;
	int i;

	memset(a, 0, sizeof(*a));
	a->proto = -1;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (a->command == NULL && (strcmp(s, "-c") == 0)) {
			if (++i >= argc)
				return MO_ERR_USAGE;
			a->config = argv[i];
		} else if (a->command == NULL && (v = opt_value(argc, argv, &i, "--config")) != NULL) {
			a->config = v;
		} else if (strcmp(s, "-v") == 0 || strcmp(s, "--verbose") == 0) {
			a->verbose++;
		} else if (a->command == NULL && s[0] != '-') {
			a->command = s;
		} else if (a->command == NULL) {
			fprintf(stderr, "mailoauth: unknown option '%s'\n", s);
			return MO_ERR_USAGE;
		} else if ((v = opt_value(argc, argv, &i, "--account")) != NULL) {
			a->account = v;
		} else if ((v = opt_value(argc, argv, &i, "--protocol")) != NULL) {
			a->proto = mo_proto_from_name(v);
			if (a->proto < 0) {
				fprintf(stderr, "mailoauth: unknown protocol '%s' (pop3, imap, smtp)\n", v);
				return MO_ERR_USAGE;
			}
		} else if ((v = opt_value(argc, argv, &i, "--tls")) != NULL) {
			a->tls = mo_tls_mode_from_name(v);
			if (a->tls == MO_TLS_DEFAULT) {
				fprintf(stderr, "mailoauth: --tls takes implicit or starttls, not '%s' "
					"(TLS cannot be turned off)\n", v);
				return MO_ERR_USAGE;
			}
		} else if ((v = opt_value(argc, argv, &i, "--server")) != NULL) {
			a->server = v;
		} else if (strcmp(s, "--nagios") == 0) {
			a->nagios = true;
		} else if (strcmp(s, "--") == 0) {
			for (i++; i < argc && a->npos < 3; i++)
				a->pos[a->npos++] = argv[i];
			if (i < argc)
				return MO_ERR_USAGE;
		} else if (s[0] == '-' && s[1] != '\0') {
			fprintf(stderr, "mailoauth: unknown option '%s'\n", s);
			return MO_ERR_USAGE;
		} else {
			if (a->npos >= 3)
				return MO_ERR_USAGE;
			a->pos[a->npos++] = s;
		}
	}
	return a->command != NULL ? MO_OK : MO_ERR_USAGE;
}

static int
load_config(const struct args *a, struct mo_config **cfg, struct mo_fail *f)
{
	char *err = NULL;
	int rc = mo_config_load(a->config, cfg, &err);

	if (rc != MO_OK)
		mo_fail_set(f, rc, "%s", err != NULL ? err : mo_strerror(rc));
	free(err);
	return rc;
}

/* The protocol of the account's pop3 or imap key that names host:port
 * (the forced account's, else any account's), -1 when none or both do. */
static int
proto_of_server(const struct mo_config *cfg, const struct mo_account *forced,
		const char *host, unsigned int port)
{
	static const enum mo_proto protos[] = { MO_PROTO_POP3, MO_PROTO_IMAP };
	size_t i, j, n = cfg != NULL ? cfg->n_accounts : 0;
	int found = -1;

	for (i = 0; i < n; i++) {
		const struct mo_account *acct = &cfg->accounts[i];

		if (forced != NULL && acct != forced)
			continue;
		for (j = 0; j < sizeof(protos) / sizeof(protos[0]); j++) {
			const struct mo_server *sv = &acct->server[protos[j]];

			if (sv->port != port || strcasecmp(sv->host, host) != 0)
				continue;
			if (found >= 0 && found != (int)protos[j])
				return -1;
			found = (int)protos[j];
		}
	}
	return found;
}

static int
run_connect(const struct args *a)
{
	struct mo_config *cfg = NULL;
	struct mo_conn *client = NULL, *server = NULL;
	struct mo_front fr;
	char *end;
	const char *why;
	unsigned long port;
	int proto, code = MO_EXIT_USAGE;

	memset(&fr, 0, sizeof(fr));
	if (a->npos != 2 || a->server != NULL) {
		usage();
		return MO_EXIT_USAGE;
	}
	port = strtoul(a->pos[1], &end, 10);
	if (*end != '\0' || port == 0 || port > 65535 || mo_valid_host(a->pos[0], &why) != MO_OK) {
		fprintf(stderr, "mailoauth: connect needs HOST PORT, not '%s %s'\n",
			a->pos[0], a->pos[1]);
		return MO_EXIT_USAGE;
	}
	if (a->proto == MO_PROTO_SMTP) {
		fprintf(stderr, "mailoauth: connect serves POP3 and IMAP clients, not SMTP; "
			"say --protocol pop3 or --protocol imap\n");
		return MO_EXIT_USAGE;
	}
	fr.target.host = a->pos[0];
	fr.target.port = (unsigned int)port;
	fr.target.tls = a->tls != MO_TLS_DEFAULT ? a->tls : mo_tls_mode_for_port((unsigned int)port);
	fr.target.tls_guessed = a->tls == MO_TLS_DEFAULT && !mo_tls_port_known((unsigned int)port);

	client = malloc(sizeof(*client));
	server = malloc(sizeof(*server));
	if (client == NULL || server == NULL) {
		fprintf(stderr, "mailoauth: out of memory\n");
		code = MO_EXIT_FAILURE;
		goto out;
	}
	mo_conn_init(client, STDIN_FILENO, STDOUT_FILENO, "the client", MO_FRONT_CLIENT_TIMEOUT_MS);
	mo_conn_init(server, -1, -1, "the server", MO_UPSTREAM_TIMEOUT_MS);
	fr.client = client;
	fr.server = server;

	/* A failure here is told to the client in place of the greeting. */
	if (load_config(a, &cfg, &fr.setup) == MO_OK) {
		fr.cfg = cfg;
		if (a->account != NULL) {
			fr.forced = mo_config_account(cfg, a->account);
			if (fr.forced == NULL)
				mo_fail_set(&fr.setup, MO_ERR_CONFIG, "no account '%s' in %s",
					    a->account, cfg->path);
		}
	}
	/* The protocol: --protocol, else the account's pop3/imap key that
	 * names this host and port, else the port, else the greeting. */
	proto = a->proto;
	if (proto < 0)
		proto = proto_of_server(cfg, fr.forced, fr.target.host, fr.target.port);
	if (proto < 0)
		proto = mo_proto_for_port(fr.target.port);
	if (proto == MO_PROTO_SMTP) {
		fprintf(stderr, "mailoauth: connect serves POP3 and IMAP clients, and %u is an "
			"SMTP port; say --protocol pop3 or --protocol imap\n", fr.target.port);
		code = MO_EXIT_USAGE;
		goto out;
	}
	fr.target.proto = proto >= 0 ? (enum mo_proto)proto : MO_PROTO_COUNT;
	if (fr.setup.err == MO_OK)
		(void)mo_login_tls_context(cfg, fr.forced,
					   proto >= 0 ? fr.target.proto : MO_PROTO_POP3,
					   fr.target.host, &fr.ctx, &fr.setup);
	if (proto < 0) {
		/* Without a protocol there is no way to tell the client what
		 * failed in its own terms: stderr and the exit status say it. */
		if (fr.setup.err == MO_OK &&
		    mo_upstream_probe(server, fr.ctx, &fr.target, &fr.setup) == MO_OK)
			/* A guessed TLS that fell back to STARTTLS left its
			 * failure here. */
			memset(&fr.setup, 0, sizeof(fr.setup));
		if (fr.setup.err != MO_OK) {
			mo_fail_print(&fr.setup);
			code = mo_exit_code(fr.setup.err);
			goto out;
		}
	}
	if (fr.target.proto == MO_PROTO_POP3)
		code = mo_pop3_serve(&fr);
	else
		code = mo_imap_serve(&fr);
out:
	if (server != NULL)
		mo_conn_close(server, true, true);
	if (client != NULL)
		mo_conn_close(client, false, false);
	free(client);
	free(server);
	SSL_CTX_free(fr.ctx);
	mo_config_free(cfg);
	return code;
}

static int
run_check(const struct args *a)
{
	struct mo_check_opts o;
	struct mo_config *cfg = NULL;
	struct mo_fail f = { 0 };
	int code;

	memset(&o, 0, sizeof(o));
	if (a->npos != 1 || a->account != NULL) {
		if (a->nagios) {
			printf("MAILOAUTH UNKNOWN - usage: mailoauth check ACCOUNT --nagios "
			       "[--protocol pop3|imap|smtp] [--server HOST:PORT]\n");
			return 3;
		}
		usage();
		return MO_EXIT_USAGE;
	}
	o.account = a->pos[0];
	o.proto = a->proto;
	o.server = a->server;
	o.tls = a->tls;
	if (load_config(a, &cfg, &f) != MO_OK) {
		if (a->nagios)
			return mo_check_nagios(NULL, f.msg, &o);
		mo_fail_print(&f);
		return mo_exit_code(f.err);
	}
	code = a->nagios ? mo_check_nagios(cfg, NULL, &o) : mo_check_run(cfg, &o);
	mo_config_free(cfg);
	return code;
}

int
main(int argc, char **argv)
{
	struct args a;

	mo_no_core_dumps();
	/* A client or server that goes away must not kill us mid-write. */
	signal(SIGPIPE, SIG_IGN);
	if (parse_args(argc, argv, &a) != MO_OK) {
		usage();
		return MO_EXIT_USAGE;
	}
	mo_set_verbose(a.verbose);
	if (strcmp(a.command, "connect") == 0)
		return run_connect(&a);
	if (strcmp(a.command, "check") == 0)
		return run_check(&a);
	fprintf(stderr, "mailoauth-connect: unknown command '%s' (connect, check)\n", a.command);
	return MO_EXIT_USAGE;
}
