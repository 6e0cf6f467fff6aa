/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_FRONTEND_H
#define MAILOAUTH_FRONTEND_H

/* Global options shared by the front end and the back ends. */
struct mo_opts {
	const char *config;	/* --config FILE, or NULL */
	int verbose;		/* -v count */
};

/* What mo_fastpath_token() returns when it did not serve the token. */
#define MO_FASTPATH_BACKEND (-1)

/*
 * `mailoauth token ACCOUNT` when the store holds a fresh token: prints it
 * and returns MO_EXIT_OK (or another exit code after saying on stderr what
 * went wrong: usage, configuration, store, stdout).  When the token is
 * stale or nothing is stored it prints nothing and returns
 * MO_FASTPATH_BACKEND: the caller then runs mailoauth-net with the same
 * arguments, which refreshes under the account's lock.  argc/argv start at
 * the command name.  Loads nothing that links OpenSSL or libcurl.
 */
int mo_fastpath_token(const struct mo_opts *opts, int argc, char **argv);

#endif
