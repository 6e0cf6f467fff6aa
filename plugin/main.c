/* SPDX-License-Identifier: MIT */
/*
 * mailoauth-connect: the back end of `mailoauth connect` and `mailoauth
 * check`.  The front end exec()s it with its own argv:
 *
 *   mailoauth [-c FILE|--config FILE|--config=FILE] [-v] connect
 *             [--account NAME] [--protocol pop3|imap]
 *             [--tls implicit|starttls] HOST PORT
 *   mailoauth [...] connect --account NAME [--protocol pop3|imap]
 *             [--tls implicit|starttls]
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
#include "ports.h"
#include "report.h"
#include "target.h"
#include "tls.h"
#include "validate.h"
#include "jsonalloc.h"

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
		"       mailoauth [--config FILE] [-v] connect --account NAME\n"
		"                 [--protocol pop3|imap] [--tls implicit|starttls]\n"
		"       mailoauth [--config FILE] [-v] check ACCOUNT [--protocol pop3|imap|smtp]\n"
		"                 [--server HOST:PORT] [--tls implicit|starttls] [--nagios]\n"
		"`mailoauth connect --help` explains PORT and how --tls defaults.\n");
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

/*
 * Where connect goes and how: HOST PORT from the command line (PORT a
 * number, or a service name as fetchmail's %p gives it when no port is
 * set: pop3, pop3s, imap, imaps), or with --account NAME alone the
 * account's one pop3 or imap server.  The account's pop3/imap key that
 * names the same host (and port) gives the protocol and the TLS mode of
 * its URL; --protocol and --tls override.
 */
struct where {
	const char *host;
	unsigned int port;		/* 0: the service name's, or the key's */
	const struct mo_mail_port *service;	/* PORT was a name, or NULL */
};

/* Parses HOST PORT; MO_ERR_USAGE with a message on stderr. */
static int
parse_where(const struct args *a, struct where *w)
{
	const char *why;
	char *end;
	unsigned long port;

	memset(w, 0, sizeof(*w));
	w->host = a->pos[0];
	port = strtoul(a->pos[1], &end, 10);
	if (a->pos[1][0] >= '0' && a->pos[1][0] <= '9' && *end == '\0' && port > 0 &&
	    port <= 65535) {
		w->port = (unsigned int)port;
	} else {
		w->service = mo_mail_scheme(a->pos[1], strlen(a->pos[1]));
		if (w->service != NULL && w->service->proto == MO_PROTO_SMTP)
			w->service = NULL;
	}
	if ((w->port == 0 && w->service == NULL) || mo_valid_host(w->host, &why) != MO_OK) {
		fprintf(stderr, "mailoauth: connect needs HOST PORT (PORT a number, or pop3, "
			"pop3s, imap, imaps), not '%s %s'\n", a->pos[0], a->pos[1]);
		return MO_ERR_USAGE;
	}
	return MO_OK;
}

/* The account's pop3 or imap key that names w's host (and port, when w
 * has one) for protocol want (-1: either): the forced account's, else any
 * account's.  NULL when none does, or when keys of both protocols do;
 * *proto_r gets the key's protocol. */
static const struct mo_server *
key_of_server(const struct mo_config *cfg, const struct mo_account *forced,
	      const struct where *w, int want, int *proto_r)
{
	static const enum mo_proto protos[] = { MO_PROTO_POP3, MO_PROTO_IMAP };
	const struct mo_server *found = NULL;
	size_t i, j, n = cfg != NULL ? cfg->n_accounts : 0;
	int fproto = -1;

	for (i = 0; i < n; i++) {
		const struct mo_account *acct = &cfg->accounts[i];

		if (forced != NULL && acct != forced)
			continue;
		for (j = 0; j < sizeof(protos) / sizeof(protos[0]); j++) {
			const struct mo_server *sv = &acct->server[protos[j]];

			if (want >= 0 && (int)protos[j] != want)
				continue;
			if ((w->port != 0 && sv->port != w->port) ||
			    strcasecmp(sv->host, w->host) != 0)
				continue;
			if (fproto >= 0 && fproto != (int)protos[j])
				return NULL;
			/* The first account's key; same protocol in another
			 * account: its TLS mode only if they agree. */
			if (found != NULL && found->tls != sv->tls)
				return NULL;
			if (found == NULL)
				found = sv;
			fproto = (int)protos[j];
		}
	}
	*proto_r = fproto;
	return found;
}

/* With --account NAME alone: the account's server for --protocol, or its
 * one POP3 or IMAP server (a protocol its scopes name, with a host).
 * MO_OK with *sv_r and *proto_r, else f says what to give. */
static int
account_server(const struct mo_account *acct, int want, const struct mo_server **sv_r,
	       int *proto_r, struct mo_fail *f)
{
	static const enum mo_proto protos[] = { MO_PROTO_POP3, MO_PROTO_IMAP };
	size_t j;
	int found = -1;

	for (j = 0; j < sizeof(protos) / sizeof(protos[0]); j++) {
		enum mo_proto p = protos[j];

		if (acct->server[p].host[0] == '\0' ||
		    (want >= 0 ? (int)p != want : !acct->wants[p]))
			continue;
		if (found >= 0) {
			mo_fail_set(f, MO_ERR_USAGE, "account %s has a POP3 server "
			     "(%s:%u) and an IMAP server (%s:%u); say --protocol "
			     "pop3 or --protocol imap, or give HOST PORT",
			     acct->name, acct->server[MO_PROTO_POP3].host,
			     acct->server[MO_PROTO_POP3].port,
			     acct->server[MO_PROTO_IMAP].host,
			     acct->server[MO_PROTO_IMAP].port);
			return MO_ERR_USAGE;
		}
		found = (int)p;
	}
	if (found < 0) {
		mo_fail_set(f, MO_ERR_USAGE, "account %s names no %s server; set %s "
			    "in [account %s] of %s, or give HOST PORT", acct->name,
			    want >= 0 ? mo_proto_label((enum mo_proto)want) : "POP3 or IMAP",
			    want >= 0 ? mo_proto_name((enum mo_proto)want) : "pop3 or imap",
			    acct->name, acct->file != NULL ? acct->file : "the configuration");
		return MO_ERR_USAGE;
	}
	*sv_r = &acct->server[found];
	*proto_r = found;
	return MO_OK;
}

/*
 * Where connect goes and how, into *t.  The protocol: --protocol, else the
 * account's key that names this server, else the service name, else the
 * port; returns it, or -1 when only the greeting can tell (t->proto is
 * then MO_PROTO_COUNT).  TLS: --tls, else the key's URL scheme, else the
 * service name, else the port; only an unknown port leaves it to a guess.
 */
static int
choose_target(const struct args *a, const struct where *w, const struct mo_server *key,
	      int key_proto, struct mo_target *t)
{
	enum mo_tls_mode tls = a->tls;
	int proto = a->proto;

	if (proto < 0)
		proto = key_proto;
	if (proto < 0 && w->service != NULL)
		proto = (int)w->service->proto;
	if (proto < 0)
		proto = mo_proto_for_port(w->port);
	if (tls == MO_TLS_DEFAULT && key != NULL)
		tls = key->tls;
	if (tls == MO_TLS_DEFAULT && key == NULL && w->service != NULL)
		tls = w->service->tls;
	t->host = w->host;
	t->port = w->port;
	t->tls = tls != MO_TLS_DEFAULT ? tls : mo_tls_mode_for_port(w->port);
	t->tls_guessed = tls == MO_TLS_DEFAULT && !mo_tls_port_known(w->port);
	t->proto = proto >= 0 ? (enum mo_proto)proto : MO_PROTO_COUNT;
	return proto;
}

/* The server: HOST PORT, else the --account's one server.  *key is the
 * account's pop3/imap key that names it (NULL: none), *key_proto its
 * protocol.  w->host stays NULL when there is none (fr->setup says why). */
static void
find_server(const struct args *a, struct mo_front *fr, struct where *w,
	    const struct mo_server **key, int *key_proto)
{
	if (a->npos == 0) {
		if (fr->setup.err == MO_OK &&
		    account_server(fr->forced, a->proto, key, key_proto, &fr->setup) == MO_OK) {
			w->host = (*key)->host;
			w->port = (*key)->port;
		}
		return;
	}
	*key = key_of_server(fr->cfg, fr->forced, w,
			     a->proto >= 0 ? a->proto :
			     w->service != NULL ? (int)w->service->proto : -1, key_proto);
	if (w->port == 0)	/* a service name: the key's port, or its own */
		w->port = *key != NULL ? (*key)->port : w->service->port;
}

static int
run_connect(const struct args *a)
{
	struct mo_config *cfg = NULL;
	struct mo_conn *client = NULL, *server = NULL;
	struct mo_front fr;
	struct where w;
	const struct mo_server *key = NULL;
	int proto, key_proto = -1, code = MO_EXIT_USAGE;

	memset(&fr, 0, sizeof(fr));
	memset(&w, 0, sizeof(w));
	if (a->server != NULL || !(a->npos == 2 || (a->npos == 0 && a->account != NULL))) {
		usage();
		return MO_EXIT_USAGE;
	}
	if (a->npos == 2 && parse_where(a, &w) != MO_OK)
		return MO_EXIT_USAGE;
	if (a->proto == MO_PROTO_SMTP) {
		fprintf(stderr, "mailoauth: connect serves POP3 and IMAP clients, not SMTP; "
			"say --protocol pop3 or --protocol imap\n");
		return MO_EXIT_USAGE;
	}

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
	find_server(a, &fr, &w, &key, &key_proto);
	if (w.host == NULL) {
		/* No server to go to (the account failed to load or names
		 * none): with --protocol the client hears it in its terms. */
		if (a->proto < 0) {
			mo_fail_print(&fr.setup);
			code = mo_exit_code(fr.setup.err);
			goto out;
		}
		w.host = "";
	}
	proto = choose_target(a, &w, key, key_proto, &fr.target);
	if (proto == MO_PROTO_SMTP) {
		fprintf(stderr, "mailoauth: connect serves POP3 and IMAP clients, and %u is an "
			"SMTP port; say --protocol pop3 or --protocol imap\n", w.port);
		code = MO_EXIT_USAGE;
		goto out;
	}
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
	/* Before jansson allocates anything (jsonalloc.h). */
	(void)mo_json_wipe_install();
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
