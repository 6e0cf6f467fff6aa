/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_ERRORS_H
#define MAILOAUTH_ERRORS_H

/*
 * One error enum for the whole project.  Functions return MO_OK (0) or one of
 * these negative codes; human-readable detail travels separately through an
 * error_r out-parameter (or, in the SASL plugin, utils->seterror).
 */
enum mo_err {
	MO_OK = 0,
	MO_ERR_NOMEM = -1,	/* out of memory */
	MO_ERR_INVAL = -2,	/* invalid argument or input (bad characters ...) */
	MO_ERR_TOOBIG = -3,	/* input or output exceeds its bound */
	MO_ERR_PARSE = -4,	/* malformed data (JSON, base64, server reply) */
	MO_ERR_IO = -5,		/* local I/O failure (files, pipes) */
	MO_ERR_PERM = -6,	/* unsafe permissions on a file or directory */
	MO_ERR_CONFIG = -7,	/* configuration error */
	MO_ERR_NOENT = -8,	/* no such account, or nothing stored yet */
	MO_ERR_TEMP = -9,	/* temporary failure: network, IdP outage, busy */
	MO_ERR_REAUTH = -10,	/* grant revoked/expired: sign in again */
	MO_ERR_AUTH = -11,	/* a server refused the login or the mailbox */
	MO_ERR_TIMEOUT = -12,	/* an operation timed out */
	MO_ERR_PROTO = -13,	/* a peer violated the protocol */
	MO_ERR_USAGE = -14,	/* wrong command-line usage */
	MO_ERR_INTERNAL = -15,	/* a bug: should not happen */
	MO_ERR_CANCELLED = -16,	/* cancelled by the user (Ctrl-C) */
};

/* Exit codes of the mailoauth executables (sysexits.h values). */
enum mo_exit {
	MO_EXIT_OK = 0,
	MO_EXIT_FAILURE = 1,	/* anything not covered below */
	MO_EXIT_USAGE = 64,	/* EX_USAGE: wrong command line */
	MO_EXIT_DATAERR = 65,	/* EX_DATAERR: bad input data (import file ...) */
	MO_EXIT_UNAVAILABLE = 69, /* EX_UNAVAILABLE: the server refused login or mailbox */
	MO_EXIT_SOFTWARE = 70,	/* EX_SOFTWARE: internal error */
	MO_EXIT_IOERR = 74,	/* EX_IOERR: local file error */
	MO_EXIT_TEMPFAIL = 75,	/* EX_TEMPFAIL: try again later */
	MO_EXIT_NOPERM = 77,	/* EX_NOPERM: sign in again (mailoauth authorize) */
	MO_EXIT_CONFIG = 78,	/* EX_CONFIG: configuration error */
};

/* Returns a static, non-NULL description of err (any int is accepted). */
const char *mo_strerror(int err);

/* Maps an error code to the documented exit code. */
int mo_exit_code(int err);

#endif
