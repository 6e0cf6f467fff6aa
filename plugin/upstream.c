/* SPDX-License-Identifier: MIT */
/* Connecting to the mail server, TLS on it, and the session that runs a
 * protocol's operations (upstream.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "ports.h"
#include "upstream.h"

static int
tcp(struct mo_conn *c, const struct mo_target *t, struct mo_fail *f)
{
	char *err = NULL;
	int fd = -1, rc;

	rc = mo_tcp_connect(t->host, t->port, MO_UPSTREAM_TIMEOUT_MS, &fd, &err);
	if (rc != MO_OK)
		mo_fail_set(f, rc == MO_ERR_NOMEM ? rc : MO_ERR_TEMP, "%s; check the host and "
			    "port, and that the network is up",
			    err != NULL ? err : mo_strerror(rc));
	else
		mo_conn_init(c, fd, fd, "the server", MO_UPSTREAM_TIMEOUT_MS);
	free(err);
	return rc;
}

int
mo_upstream_connect(struct mo_conn *c, SSL_CTX *ctx, struct mo_target *t,
		    struct mo_fail *f)
{
	int rc;

	mo_log(1, "connecting to %s:%u (%s, %s%s)", t->host, t->port,
	       (unsigned int)t->proto < MO_PROTO_COUNT ? mo_proto_name(t->proto) :
	       "protocol from the greeting", mo_tls_mode_name(t->tls),
	       t->tls_guessed ? " guessed" : "");
	if ((rc = tcp(c, t, f)) != MO_OK || t->tls != MO_TLS_IMPLICIT)
		return rc;
	rc = mo_upstream_tls(c, ctx, t, f);
	if (rc == MO_ERR_PROTO && t->tls_guessed) {
		/* Not a TLS port after all: most likely the protocol's
		 * plain port, which the caller upgrades with STARTTLS. */
		mo_log(1, "%s:%u does not start with TLS; trying STARTTLS", t->host, t->port);
		mo_conn_close(c, false, true);
		t->tls = MO_TLS_STARTTLS;
		t->tls_guessed = false;
		rc = tcp(c, t, f);
	}
	return rc;
}

int
mo_upstream_io_fail(struct mo_fail *f, const char *proto, int rc, const char *why,
		    const char *doing)
{
	if (rc == MO_ERR_TIMEOUT)
		mo_fail_set(f, MO_ERR_TIMEOUT, "the %s server did not answer %s within %d s; "
			    "try again later", proto, doing, MO_UPSTREAM_TIMEOUT_MS / 1000);
	else if (rc == MO_ERR_NOMEM)
		mo_fail_set(f, MO_ERR_NOMEM, "out of memory %s", doing);
	else if (rc == MO_ERR_TOOBIG)
		mo_fail_set(f, MO_ERR_TEMP, "the %s server sent a line longer than %d bytes %s; "
			    "giving up", proto, MO_UPSTREAM_LINE_MAX, doing);
	else
		mo_fail_set(f, MO_ERR_TEMP, "the connection to the %s server broke %s (%s); "
			    "try again later", proto, doing, why != NULL ? why : "I/O error");
	return f->err;
}

int
mo_upstream_last_words(struct mo_conn *c, struct mo_buf *line)
{
	const char *why;
	int saved = c->timeout_ms, rc;

	c->timeout_ms = 2000;
	c->eof = false;		/* a failed write says nothing about reading */
	rc = mo_conn_readline(c, line, MO_UPSTREAM_LINE_MAX, NULL, &why);
	c->timeout_ms = saved;
	return rc;
}

int
mo_upstream_tls(struct mo_conn *c, SSL_CTX *ctx, const struct mo_target *t,
		struct mo_fail *f)
{
	char *err = NULL, desc[128];
	int rc;

	rc = mo_tls_start(c, ctx, t->host, &err);
	if (rc != MO_OK) {
		if (rc == MO_ERR_PROTO && t->tls == MO_TLS_IMPLICIT && !t->tls_guessed)
			mo_fail_set(f, rc, "%s; if %s:%u expects STARTTLS, use --tls starttls",
				    err != NULL ? err : mo_strerror(rc), t->host, t->port);
		else
			mo_fail_set(f, rc, "%s", err != NULL ? err : mo_strerror(rc));
	} else {
		mo_log(1, "TLS with %s: %s, certificate verified", t->host,
		       mo_tls_describe(c, desc, sizeof(desc)));
	}
	free(err);
	return rc;
}

/* ---- The session, whatever the protocol ------------------------------ */

const struct mo_upstream_ops *
mo_upstream_ops_for(enum mo_proto p)
{
	static const struct mo_upstream_ops *const table[MO_PROTO_COUNT] = {
		[MO_PROTO_POP3] = &mo_pop3_upstream,
		[MO_PROTO_IMAP] = &mo_imap_upstream,
		[MO_PROTO_SMTP] = &mo_smtp_upstream,
	};

	return (unsigned int)p < MO_PROTO_COUNT ? table[p] : NULL;
}

const char *
mo_proto_label(enum mo_proto p)
{
	const struct mo_upstream_ops *ops = mo_upstream_ops_for(p);

	return ops != NULL ? ops->label : "?";
}

void
mo_upstream_init(struct mo_upstream *up, struct mo_conn *c, struct mo_target *t)
{
	memset(up, 0, sizeof(*up));
	up->ops = mo_upstream_ops_for(t->proto);
	up->c = c;
	up->t = t;
	up->ops->init(up);
}

void
mo_upstream_free(struct mo_upstream *up)
{
	if (up->ops != NULL)
		up->ops->free(up);
}

/*
 * The greetings (RFC 1939 §4: "+OK"; RFC 9051 §7.1: "* OK", "* PREAUTH",
 * "* BYE"); a POP3 server that refuses says "-ERR".
 */
int
mo_upstream_probe(struct mo_conn *c, SSL_CTX *ctx, struct mo_target *t,
		  struct mo_fail *f)
{
	const unsigned char *g;
	const char *why = NULL;
	size_t n;
	int rc;

	if ((rc = mo_upstream_connect(c, ctx, t, f)) != MO_OK)
		return rc;
	rc = mo_conn_peek(c, 4, &g, &n, &why);
	if (rc != MO_OK)
		return mo_upstream_io_fail(f, "mail", rc, why, "before its greeting");
	if ((n >= 3 && memcmp(g, "+OK", 3) == 0) || (n >= 4 && memcmp(g, "-ERR", 4) == 0)) {
		t->proto = MO_PROTO_POP3;
	} else if (n >= 2 && memcmp(g, "* ", 2) == 0) {
		t->proto = MO_PROTO_IMAP;
	} else {
		mo_fail_set(f, MO_ERR_PROTO, "the greeting of %s:%u is neither POP3's "
			    "(+OK) nor IMAP's (* OK); say --protocol pop3 or --protocol imap",
			    t->host, t->port);
		return MO_ERR_PROTO;
	}
	mo_log(1, "%s:%u greets as a%s %s server", t->host, t->port,
	       t->proto == MO_PROTO_IMAP ? "n" : "", mo_proto_label(t->proto));
	return MO_OK;
}

int
mo_upstream_open(struct mo_upstream *up, SSL_CTX *ctx, struct mo_fail *f)
{
	const struct mo_upstream_ops *ops = up->ops;
	int rc;

	/* Already connected when mo_upstream_probe() found the protocol. */
	if ((up->c->rfd < 0 && (rc = mo_upstream_connect(up->c, ctx, up->t, f)) != MO_OK) ||
	    (rc = ops->greet(up, f)) != MO_OK ||
	    (rc = ops->capabilities(up, f)) != MO_OK)
		return rc;
	if (up->t->tls != MO_TLS_STARTTLS)
		return MO_OK;
	/* RFC 2595 §4 (STLS), RFC 9051 §6.2.1, RFC 3207 §4.2: after the
	 * handshake the capabilities are learned again, those from before
	 * TLS forgotten. */
	if ((rc = ops->starttls(up, f)) != MO_OK ||
	    (rc = mo_upstream_tls(up->c, ctx, up->t, f)) != MO_OK)
		return rc;
	return ops->capabilities(up, f);
}

int
mo_upstream_no_starttls(const struct mo_upstream *up, struct mo_fail *f)
{
	mo_fail_set(f, MO_ERR_PROTO, "%s:%u does not offer %s, and mailoauth never sends a "
		    "token without TLS; use the server's TLS port (%u, --tls implicit)",
		    up->t->host, up->t->port, up->ops->starttls_verb,
		    mo_mail_port_of(up->ops->proto, MO_TLS_IMPLICIT));
	return MO_ERR_PROTO;
}
