/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_FRONTEND_H
#define MAILOAUTH_FRONTEND_H

/* Global options shared by the front end and the back ends. */
struct mo_opts {
	const char *config;	/* --config FILE, or NULL */
	int verbose;		/* -v count */
};

/* Replaces this process with the back end prog (mailoauth-net,
 * mailoauth-connect) in mo_libexec_dir(), with argv (argv[0] is replaced).
 * Returns an exit code only when that fails, after saying why on stderr. */
int mo_frontend_exec(const char *prog, char **argv);

/*
 * `mailoauth token ACCOUNT`: prints the stored access token when it is
 * fresh; otherwise exec()s mailoauth-net with full_argv, which refreshes
 * under the account's lock.  argc/argv start at the command name.  Returns
 * an exit code (only when it did not exec).
 */
int mo_frontend_token(const struct mo_opts *opts, int argc, char **argv,
		      char **full_argv);

#endif
