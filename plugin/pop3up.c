/* SPDX-License-Identifier: MIT */
/* POP3 toward the mail server (upstream.h). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "challenge.h"
#include "errors.h"
#include "ports.h"
#include "login.h"
#include "pop3parse.h"
#include "secret.h"
#include "upstream.h"

/* Multi-line replies end within this many lines (CAPA is a dozen). */
#define MULTILINE_MAX 1000

static void
pop3_init(struct mo_upstream *u)
{
	struct mo_pop3_up *up = &u->u.pop3;

	memset(up, 0, sizeof(*up));
	mo_buf_init(&up->greeting, MO_UPSTREAM_LINE_MAX);
}

static void
pop3_free(struct mo_upstream *u)
{
	struct mo_pop3_up *up = &u->u.pop3;
	size_t i;

	mo_buf_free(&up->greeting);
	for (i = 0; i < up->ncapa; i++)
		free(up->capa[i]);
	memset(up, 0, sizeof(*up));
}

static int
io_fail(struct mo_fail *f, int rc, const char *why, const char *doing)
{
	return mo_upstream_io_fail(f, "POP3", rc, why, doing);
}

static int
get_line(struct mo_conn *c, struct mo_buf *line, const char *doing, struct mo_fail *f)
{
	const char *why = NULL;
	int rc = mo_conn_readline(c, line, MO_UPSTREAM_LINE_MAX, NULL, &why);

	if (rc != MO_OK)
		return io_fail(f, rc, why, doing);
	mo_log(3, "S: %.200s", mo_buf_str(line));
	return MO_OK;
}

static int
put_line(struct mo_conn *c, const char *text, const char *doing, struct mo_fail *f)
{
	const char *why = NULL;
	int rc = mo_conn_writestr(c, text, &why);

	if (rc == MO_OK)
		rc = mo_conn_writestr(c, "\r\n", &why);
	if (rc != MO_OK)
		return io_fail(f, rc, why, doing);
	return MO_OK;
}

/* CAPA (RFC 2449 §5): "+OK" then capability lines, then ".". */
static int
pop3_capabilities(struct mo_upstream *u, struct mo_fail *f)
{
	struct mo_pop3_up *up = &u->u.pop3;
	struct mo_conn *c = u->c;
	struct mo_buf line;
	size_t n;
	int rc;

	for (n = 0; n < up->ncapa; n++)
		free(up->capa[n]);
	up->ncapa = 0;
	up->capa_ok = false;
	up->xoauth2 = false;
	mo_buf_init(&line, MO_UPSTREAM_LINE_MAX);
	mo_log(3, "C: CAPA");
	if ((rc = put_line(c, "CAPA", "while sending CAPA", f)) != MO_OK ||
	    (rc = get_line(c, &line, "after CAPA", f)) != MO_OK)
		goto out;
	if (!mo_pop3_is_ok(line.data)) {
		rc = MO_OK;	/* a server without CAPA (RFC 1939 only) */
		goto out;
	}
	for (n = 0;; n++) {
		const char *l;

		if (n >= MULTILINE_MAX) {
			mo_fail_set(f, MO_ERR_PROTO, "the POP3 server's CAPA list does not end");
			rc = MO_ERR_PROTO;
			goto out;
		}
		if ((rc = get_line(c, &line, "in the CAPA list", f)) != MO_OK)
			goto out;
		l = mo_buf_str(&line);
		if (strcmp(l, ".") == 0)
			break;
		if (l[0] == '.')
			l++;	/* dot-stuffing, RFC 1939 §3 */
		if (up->ncapa < MO_POP3_CAPA_MAX) {
			up->capa[up->ncapa] = strdup(l);
			if (up->capa[up->ncapa] == NULL) {
				rc = MO_ERR_NOMEM;
				mo_fail_set(f, rc, "out of memory");
				goto out;
			}
			up->ncapa++;
		}
		if (strncasecmp(l, "SASL ", 5) == 0) {
			const char *p = l + 4;

			while (*p == ' ') {
				size_t w;

				p++;
				w = strcspn(p, " ");
				if (w == 7 && strncasecmp(p, "XOAUTH2", 7) == 0)
					up->xoauth2 = true;
				p += w;
			}
		}
	}
	up->capa_ok = true;
	rc = MO_OK;
out:
	mo_buf_free(&line);
	return rc;
}

static bool
capa_has(const struct mo_pop3_up *up, const char *word)
{
	size_t i, n = strlen(word);

	for (i = 0; i < up->ncapa; i++)
		if (strncasecmp(up->capa[i], word, n) == 0 &&
		    (up->capa[i][n] == '\0' || up->capa[i][n] == ' '))
			return true;
	return false;
}

static int
pop3_greet(struct mo_upstream *u, struct mo_fail *f)
{
	struct mo_pop3_up *up = &u->u.pop3;
	char said[300];
	int rc;

	if ((rc = get_line(u->c, &up->greeting, "before its greeting", f)) != MO_OK)
		return rc;
	if (mo_pop3_is_ok(up->greeting.data))
		return MO_OK;
	mo_oneline(said, sizeof(said), up->greeting.data, up->greeting.len);
	mo_fail_set(f, MO_ERR_TEMP, "%s:%u does not greet like a POP3 server (it said: %s); "
		    "check the port and --protocol", u->t->host, u->t->port, said);
	return MO_ERR_TEMP;
}

/* RFC 2595 §4: STLS, listed in CAPA.  A server that does not offer it
 * gets no token: there is no plaintext fallback. */
static int
pop3_starttls(struct mo_upstream *u, struct mo_fail *f)
{
	struct mo_buf line;
	char said[300];
	int rc;

	if (u->u.pop3.capa_ok && !capa_has(&u->u.pop3, "STLS"))
		return mo_upstream_no_starttls(u, f);
	mo_buf_init(&line, MO_UPSTREAM_LINE_MAX);
	mo_log(3, "C: STLS");
	if ((rc = put_line(u->c, "STLS", "while sending STLS", f)) != MO_OK ||
	    (rc = get_line(u->c, &line, "after STLS", f)) != MO_OK)
		goto out;
	if (!mo_pop3_is_ok(line.data)) {
		mo_oneline(said, sizeof(said), line.data, line.len);
		mo_fail_set(f, MO_ERR_PROTO, "%s:%u refused STLS (%s), and mailoauth never "
			    "sends a token without TLS; use the server's TLS port "
			    "(%u, --tls implicit)", u->t->host, u->t->port, said,
			    mo_mail_port_of(u->ops->proto, MO_TLS_IMPLICIT));
		rc = MO_ERR_PROTO;
	}
out:
	mo_buf_free(&line);
	return rc;
}

/*
 * RFC 5034 AUTH in the two-line form Office 365 requires (never an
 * initial response on the AUTH line):
 *     C: AUTH XOAUTH2      S: +      C: <b64>      S: +OK ...
 */
static int
pop3_authenticate(struct mo_upstream *u, const struct mo_account *acct,
		  const char *b64, struct mo_buf *reply, struct mo_fail *f)
{
	const struct mo_target *t = u->t;
	struct mo_conn *c = u->c;
	struct mo_challenge ch = { 0 };
	struct mo_buf line;
	char said[300];
	int rc;

	mo_buf_init(&line, MO_UPSTREAM_LINE_MAX);
	mo_log(2, "C: AUTH XOAUTH2");
	if ((rc = put_line(c, "AUTH XOAUTH2", "while sending AUTH", f)) != MO_OK ||
	    (rc = get_line(c, &line, "after AUTH XOAUTH2", f)) != MO_OK)
		goto out;
	if (line.data[0] != '+' || (line.data[1] != '\0' && line.data[1] != ' ')) {
		mo_oneline(said, sizeof(said), line.data, line.len);
		mo_fail_set(f, MO_ERR_AUTH, "%s does not accept AUTH XOAUTH2 (it said: %s); "
			    "the server must support OAuth2 (SASL XOAUTH2) for POP3",
			    t->host, said);
		rc = MO_ERR_AUTH;
		goto out;
	}
	mo_log(2, "C: <hidden XOAUTH2 response, %zu bytes>", strlen(b64));
	if ((rc = put_line(c, b64, "while sending the token", f)) != MO_OK ||
	    (rc = get_line(c, &line, "after the token", f)) != MO_OK)
		goto out;
	if (line.data[0] == '+' && line.data[1] == ' ' && line.data[2] != '\0') {
		/* The error challenge (RFC 7628 §3.2.2 style): answer with an
		 * empty response, then the server fails the exchange. */
		(void)mo_login_challenge(line.data + 2, &ch);
		mo_log(2, "C: <empty response to the error challenge>");
		if ((rc = put_line(c, "", "after the error challenge", f)) != MO_OK ||
		    (rc = get_line(c, &line, "after the error challenge", f)) != MO_OK)
			goto out;
	}
	if (mo_pop3_is_ok(line.data)) {
		rc = mo_buf_add(reply, line.data, line.len);
		if (rc != MO_OK)
			mo_fail_set(f, rc, "out of memory");
		goto out;
	}
	mo_login_refused(f, acct, MO_PROTO_POP3, t->host, line.data, ch.status ? &ch : NULL);
	rc = MO_ERR_AUTH;
out:
	mo_challenge_free(&ch);
	mo_buf_free(&line);
	return rc;
}

int
mo_pop3_up_simple(struct mo_conn *c, const char *cmd, struct mo_buf *reply,
		  struct mo_fail *f)
{
	char said[300];
	int rc;

	mo_log(3, "C: %s", cmd);
	mo_buf_reset(reply);
	rc = put_line(c, cmd, "while sending a command", f);
	if (rc != MO_OK && mo_upstream_last_words(c, reply) == MO_OK) {
		mo_log(3, "S: %.200s", mo_buf_str(reply));
		rc = MO_OK;	/* the server's reason is better than ours */
	} else if (rc == MO_OK) {
		rc = get_line(c, reply, "after a command", f);
	}
	if (rc != MO_OK)
		return rc;
	if (mo_pop3_is_ok(reply->data))
		return MO_OK;
	mo_oneline(said, sizeof(said), reply->data, reply->len);
	mo_fail_set(f, MO_ERR_AUTH, "the server answered %s with: %s", cmd, said);
	return MO_ERR_AUTH;
}

static const char *
pop3_reply_words(const char *reply)
{
	return reply;
}

static int
pop3_probe_mailbox(struct mo_upstream *u, const struct mo_account *acct, char *desc,
		   size_t n, struct mo_fail *f)
{
	struct mo_buf reply;
	unsigned long msgs = 0, octets = 0;
	char said[300];
	int rc;

	(void)acct;
	mo_buf_init(&reply, MO_UPSTREAM_LINE_MAX);
	rc = mo_pop3_up_simple(u->c, "STAT", &reply, f);
	if (rc == MO_OK) {
		if (sscanf(reply.data, "+OK %lu %lu", &msgs, &octets) == 2)
			snprintf(desc, n, "STAT: %lu messages, %lu octets", msgs, octets);
		else
			snprintf(desc, n, "STAT: %s",
				 mo_oneline(said, sizeof(said), reply.data, reply.len));
	}
	mo_buf_free(&reply);
	return rc;
}

static void
pop3_logout(struct mo_upstream *u)
{
	const char *why;

	(void)mo_conn_writestr(u->c, "QUIT\r\n", &why);
}

const struct mo_upstream_ops mo_pop3_upstream = {
	.proto = MO_PROTO_POP3,
	.label = "POP3",
	.starttls_verb = "STLS",
	.mailbox_off = "POP3 is disabled for the mailbox (Set-CASMailbox -PopEnabled $true)",
	.sends_mail = false,
	.init = pop3_init,
	.free = pop3_free,
	.greet = pop3_greet,
	.capabilities = pop3_capabilities,
	.starttls = pop3_starttls,
	.authenticate = pop3_authenticate,
	.reply_words = pop3_reply_words,
	.probe_mailbox = pop3_probe_mailbox,
	.logout = pop3_logout,
};
