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
 * Each protocol is one const table of operations (struct mo_upstream_ops,
 * found with mo_upstream_ops_for()) over one session (struct mo_upstream):
 * callers never switch on the protocol.  The protocols' well-known ports
 * and TLS modes are one table too (lib/ports.h).
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

/* ---- Per-protocol session state -------------------------------------- */

#define MO_POP3_CAPA_MAX 64

struct mo_pop3_up {
	struct mo_buf greeting;		/* first line, no CRLF */
	char *capa[MO_POP3_CAPA_MAX];	/* CAPA lines after TLS */
	size_t ncapa;
	bool capa_ok;			/* the server answered CAPA */
	bool xoauth2;			/* SASL ... XOAUTH2 listed */
};

/* Called with each untagged response that arrives while we wait for a
 * tagged one (the line without CRLF; literals embedded).  A result other
 * than MO_OK ends the wait with that error ("the client went away"). */
typedef int mo_imap_untagged_fn(void *arg, const char *line, size_t len);

/* Bound of one IMAP response with its literals (the greeting, a tagged
 * reply). */
#define MO_IMAP_UP_RESP_MAX (256 * 1024)

struct mo_imap_up {
	struct mo_buf greeting;	/* the greeting line, no CRLF */
	struct mo_buf caps;	/* capability list after TLS, space separated */
	bool caps_known;	/* caps is the server's current list */
	bool sasl_ir, xoauth2;
	unsigned int tagno;
	/* Untagged responses during AUTHENTICATE (connect hands them to
	 * its client); NULL: dropped. */
	mo_imap_untagged_fn *untagged;
	void *untagged_arg;
};

struct mo_smtp_up {
	struct mo_buf greeting;	/* the 220 banner, lines joined */
	struct mo_buf ehlo;	/* EHLO keywords after TLS, one per line */
	bool xoauth2;
};

/* ---- One session and the operations of its protocol ------------------ */

struct mo_upstream_ops;

struct mo_upstream {
	const struct mo_upstream_ops *ops;
	struct mo_conn *c;		/* not owned */
	struct mo_target *t;		/* not owned; see tls_guessed */
	union {
		struct mo_pop3_up pop3;
		struct mo_imap_up imap;
		struct mo_smtp_up smtp;
	} u;				/* the state of ops' protocol */
};

/*
 * Every operation fills f on failure and returns an error code as above.
 * Their order in a session: mo_upstream_open() (connect, greet,
 * capabilities, and with STARTTLS: starttls, the TLS handshake,
 * capabilities again), authenticate, then probe_mailbox or the relay,
 * logout.
 */
struct mo_upstream_ops {
	enum mo_proto proto;
	const char *label;		/* "POP3", "IMAP", "SMTP" */
	const char *starttls_verb;	/* "STLS" or "STARTTLS" */
	/* Office 365: how the protocol is turned off for a mailbox (the
	 * likely cause when the login works and the mailbox does not). */
	const char *mailbox_off;
	/* Sending mail: the user needs Send As rights on the mailbox. */
	bool sends_mail;

	void (*init)(struct mo_upstream *up);
	void (*free)(struct mo_upstream *up);
	/* Reads the greeting: MO_OK when the server is ready for a login
	 * (MO_ERR_TEMP when it does not speak the protocol or refuses). */
	int (*greet)(struct mo_upstream *up, struct mo_fail *f);
	/* Learns what the server offers (CAPA, CAPABILITY, EHLO); after
	 * TLS again, forgetting what was learned before. */
	int (*capabilities)(struct mo_upstream *up, struct mo_fail *f);
	/* Asks for the upgrade; MO_ERR_PROTO (never a plaintext fallback)
	 * when it is not offered or refused.  The caller runs the TLS
	 * handshake after MO_OK. */
	int (*starttls)(struct mo_upstream *up, struct mo_fail *f);
	/*
	 * AUTH XOAUTH2 with the base64 initial response b64.  An error
	 * challenge is answered with an empty response and the refusal
	 * explained (mo_login_refused(): MO_ERR_AUTH).  On MO_OK reply holds
	 * the server's success reply: the POP3 "+OK" line (appended), the
	 * IMAP tagged line, the SMTP text after "235 ".
	 */
	int (*authenticate)(struct mo_upstream *up, const struct mo_account *acct,
			    const char *b64, struct mo_buf *reply, struct mo_fail *f);
	/* The words of an authenticate reply for a person (inside reply). */
	const char *(*reply_words)(const char *reply);
	/* Proves that the mailbox can be used without changing it (POP3 STAT,
	 * IMAP EXAMINE INBOX, SMTP MAIL FROM and RSET); desc (n bytes) gets
	 * what the server said.  MO_ERR_AUTH when the server refuses. */
	int (*probe_mailbox)(struct mo_upstream *up, const struct mo_account *acct,
			     char *desc, size_t n, struct mo_fail *f);
	/* Says goodbye (QUIT, LOGOUT) without waiting; errors do not matter. */
	void (*logout)(struct mo_upstream *up);
};

extern const struct mo_upstream_ops mo_pop3_upstream;	/* pop3up.c */
extern const struct mo_upstream_ops mo_imap_upstream;	/* imapup.c */
extern const struct mo_upstream_ops mo_smtp_upstream;	/* smtpup.c */

/* The table of protocol p; NULL for MO_PROTO_COUNT or worse. */
const struct mo_upstream_ops *mo_upstream_ops_for(enum mo_proto p);

/* "POP3", "IMAP", "SMTP" ("?" for no protocol). */
const char *mo_proto_label(enum mo_proto p);

/* Sets up a session of t->proto over c (not yet connected: c from
 * mo_conn_init() with -1, or any readable descriptor for a test).  Never
 * fails; undo with mo_upstream_free(). */
void mo_upstream_init(struct mo_upstream *up, struct mo_conn *c, struct mo_target *t);
void mo_upstream_free(struct mo_upstream *up);

/* For a port that does not tell the protocol: connects (TLS as
 * mo_upstream_connect() does), waits for the greeting without taking it,
 * and sets t->proto to POP3 or IMAP by what it starts with.  MO_ERR_PROTO
 * (f says to give --protocol) when it is neither; connection failures as
 * mo_upstream_connect().  c stays connected for mo_upstream_open(). */
int mo_upstream_probe(struct mo_conn *c, SSL_CTX *ctx, struct mo_target *t,
		      struct mo_fail *f);

/* Connects (mo_upstream_connect(); not when c is connected already),
 * greets, learns the capabilities, and upgrades with the protocol's
 * STARTTLS when t->tls says so. */
int mo_upstream_open(struct mo_upstream *up, SSL_CTX *ctx, struct mo_fail *f);

/* Fills f for a server that does not offer STARTTLS (STLS) and returns
 * MO_ERR_PROTO. */
int mo_upstream_no_starttls(const struct mo_upstream *up, struct mo_fail *f);

/* ---- Single commands, for the operations and the fuzzers -------------- */

/* POP3: a one-line command (STAT, QUIT ...); reply gets the status line.
 * MO_OK for +OK, MO_ERR_AUTH for -ERR (f has the text). */
int mo_pop3_up_simple(struct mo_conn *c, const char *cmd,
		      struct mo_buf *reply, struct mo_fail *f);

/* IMAP: sends "TAG cmd" and waits for the tagged reply (into tagged, no
 * CRLF); untagged responses on the way go to cb (may be NULL).  MO_OK for
 * OK, MO_ERR_AUTH for NO/BAD (f has the text), MO_ERR_PROTO for BYE. */
int mo_imap_up_simple(struct mo_upstream *up, const char *cmd,
		      mo_imap_untagged_fn *cb, void *arg, struct mo_buf *tagged,
		      struct mo_fail *f);

/* SMTP: sends cmd, reads the reply; *code_r gets the code, reply the text.
 * MO_OK for 2xx/3xx, MO_ERR_AUTH for 4xx/5xx. */
int mo_smtp_up_simple(struct mo_conn *c, const char *cmd, int *code_r,
		      struct mo_buf *reply, struct mo_fail *f);

#endif
