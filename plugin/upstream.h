/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_UPSTREAM_H
#define MAILOAUTH_PLUGIN_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "config.h"
#include "conn.h"
#include "report.h"
#include "tls.h"

/*
 * The client side of POP3, IMAP and SMTP toward the real mail server, as
 * `connect` and `check` both need it: connect, TLS (implicit or the
 * protocol's STARTTLS, which must be offered: no token crosses the wire in
 * clear), greeting, capabilities, AUTH XOAUTH2, and a few mailbox commands.
 *
 * Every function fills f on failure with what went wrong and what to do,
 * and returns the error code: MO_ERR_TEMP (network, server busy),
 * MO_ERR_TIMEOUT, MO_ERR_PROTO (the server does not speak the protocol,
 * offers no STARTTLS, breaks off), MO_ERR_AUTH (certificate refused, token
 * refused, mailbox refused), MO_ERR_NOMEM.
 */

#define MO_UPSTREAM_TIMEOUT_MS 60000
#define MO_UPSTREAM_LINE_MAX 8192

struct mo_target {
	const char *host;
	unsigned int port;
	enum mo_proto proto;
	enum mo_tls_mode tls;	/* never MO_TLS_DEFAULT here */
	/* The mode was guessed (implicit: a non-standard port and no --tls):
	 * when the server greets in plain text instead of a TLS handshake,
	 * mo_upstream_connect() reconnects and tls becomes STARTTLS -- still
	 * TLS before any token, never a plaintext fallback. */
	bool tls_guessed;
};

/* Fills f after a read/write failure on the server connection (rc, why
 * from conn.h) "doing" something ("after CAPA").  Returns f->err:
 * MO_ERR_TIMEOUT, MO_ERR_NOMEM or MO_ERR_TEMP. */
int mo_upstream_io_fail(struct mo_fail *f, const char *proto, int rc,
			const char *why, const char *doing);

/* After a failed write: the server may have said why it closed (Office
 * 365's "* BYE Connection closed. 14").  Reads one line within 2 s into
 * line; MO_OK when there was one. */
int mo_upstream_last_words(struct mo_conn *c, struct mo_buf *line);

/* TCP connection, then TLS at once when t->tls is implicit (see
 * tls_guessed: t may change to STARTTLS). */
int mo_upstream_connect(struct mo_conn *c, SSL_CTX *ctx,
			struct mo_target *t, struct mo_fail *f);

/* The TLS handshake after a STARTTLS/STLS the server accepted. */
int mo_upstream_tls(struct mo_conn *c, SSL_CTX *ctx, const struct mo_target *t,
		    struct mo_fail *f);

/* ---- POP3 (pop3up.c) ----------------------------------------------- */

#define MO_POP3_CAPA_MAX 64

struct mo_pop3_up {
	struct mo_buf greeting;		/* first line, no CRLF */
	char *capa[MO_POP3_CAPA_MAX];	/* CAPA lines after TLS */
	size_t ncapa;
	bool capa_ok;			/* the server answered CAPA */
	bool xoauth2;			/* SASL ... XOAUTH2 listed */
};

void mo_pop3_up_init(struct mo_pop3_up *up);
void mo_pop3_up_free(struct mo_pop3_up *up);

/* Connects, reads the greeting (+OK, else f has the server's words),
 * upgrades with STLS when t->tls says so, and reads CAPA. */
int mo_pop3_up_open(struct mo_conn *c, SSL_CTX *ctx, struct mo_target *t,
		    struct mo_pop3_up *up, struct mo_fail *f);

/*
 * RFC 5034 AUTH in the two-line form Office 365 requires (never an
 * initial response on the AUTH line):
 *     C: AUTH XOAUTH2      S: +      C: <b64>      S: +OK ...
 * An error challenge ("+ <base64 JSON>") is answered with an empty line
 * and the final -ERR reported.  On MO_OK reply holds the server's +OK line.
 */
int mo_pop3_up_auth(struct mo_conn *c, const struct mo_target *t,
		    const struct mo_account *acct, const char *b64,
		    struct mo_buf *reply, struct mo_fail *f);

/* A one-line command (STAT, QUIT ...); reply gets the status line.
 * MO_OK for +OK, MO_ERR_AUTH for -ERR (f has the text). */
int mo_pop3_up_simple(struct mo_conn *c, const char *cmd,
		      struct mo_buf *reply, struct mo_fail *f);

/* ---- IMAP (imapup.c) ----------------------------------------------- */

/* Called with each untagged response that arrives while we wait for a
 * tagged one (the line without CRLF; literals embedded). */
typedef int mo_imap_untagged_fn(void *arg, const char *line, size_t len);

struct mo_imap_up {
	struct mo_buf greeting;	/* the greeting line, no CRLF */
	struct mo_buf caps;	/* capability list after TLS, space separated */
	bool sasl_ir, xoauth2;
	unsigned int tagno;
};

void mo_imap_up_init(struct mo_imap_up *up);
void mo_imap_up_free(struct mo_imap_up *up);

/* Connects, reads "* OK" (BYE/PREAUTH refused), STARTTLS when t->tls says
 * so, then the capabilities (from the greeting or CAPABILITY). */
int mo_imap_up_open(struct mo_conn *c, SSL_CTX *ctx, struct mo_target *t,
		    struct mo_imap_up *up, struct mo_fail *f);

/*
 * AUTHENTICATE XOAUTH2, with SASL-IR (RFC 4959) when the server offers it,
 * else with an empty continuation first; an error challenge is answered
 * with an empty line.  tagged gets the final tagged line (no CRLF).
 * MO_OK when it is OK.
 */
int mo_imap_up_auth(struct mo_conn *c, struct mo_imap_up *up,
		    const struct mo_target *t, const struct mo_account *acct,
		    const char *b64, mo_imap_untagged_fn *cb, void *arg,
		    struct mo_buf *tagged, struct mo_fail *f);

/* Sends "TAG cmd" and waits for the tagged reply.  MO_OK for OK,
 * MO_ERR_AUTH for NO/BAD (f has the text), MO_ERR_PROTO for BYE. */
int mo_imap_up_simple(struct mo_conn *c, struct mo_imap_up *up, const char *cmd,
		      mo_imap_untagged_fn *cb, void *arg, struct mo_buf *tagged,
		      struct mo_fail *f);

/* ---- SMTP (smtpup.c) ----------------------------------------------- */

struct mo_smtp_up {
	struct mo_buf greeting;	/* the 220 banner, lines joined */
	struct mo_buf ehlo;	/* EHLO keywords after TLS, one per line */
	bool xoauth2;
};

void mo_smtp_up_init(struct mo_smtp_up *up);
void mo_smtp_up_free(struct mo_smtp_up *up);

/* Connects, reads the 220 banner, EHLO, STARTTLS when t->tls says so
 * (refused when not offered), EHLO again. */
int mo_smtp_up_open(struct mo_conn *c, SSL_CTX *ctx, struct mo_target *t,
		    struct mo_smtp_up *up, struct mo_fail *f);

/* AUTH XOAUTH2 in two steps (334, then the response): RFC 4954 forbids an
 * initial response that makes the line too long.  235 is success. */
int mo_smtp_up_auth(struct mo_conn *c, const struct mo_target *t,
		    const struct mo_account *acct, const char *b64,
		    struct mo_buf *reply, struct mo_fail *f);

/* Sends cmd, reads the reply; *code_r gets the code, reply the text.
 * MO_OK for 2xx/3xx, MO_ERR_AUTH for 4xx/5xx. */
int mo_smtp_up_simple(struct mo_conn *c, const char *cmd, int *code_r,
		      struct mo_buf *reply, struct mo_fail *f);

#endif
