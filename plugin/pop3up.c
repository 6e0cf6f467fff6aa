/* SPDX-License-Identifier: MIT */
/* POP3 toward the mail server (upstream.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "challenge.h"
#include "errors.h"
#include "login.h"
#include "pop3parse.h"
#include "secret.h"
#include "upstream.h"

/* Multi-line replies end within this many lines (CAPA is a dozen). */
#define MULTILINE_MAX 1000

void
mo_pop3_up_init(struct mo_pop3_up *up)
{
	memset(up, 0, sizeof(*up));
	mo_buf_init(&up->greeting, MO_UPSTREAM_LINE_MAX);
}

void
mo_pop3_up_free(struct mo_pop3_up *up)
{
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
read_capa(struct mo_conn *c, struct mo_pop3_up *up, struct mo_fail *f)
{
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

int
mo_pop3_up_open(struct mo_conn *c, SSL_CTX *ctx, struct mo_target *t,
		struct mo_pop3_up *up, struct mo_fail *f)
{
	struct mo_buf line;
	char said[300];
	int rc;

	mo_buf_init(&line, MO_UPSTREAM_LINE_MAX);
	if ((rc = mo_upstream_connect(c, ctx, t, f)) != MO_OK)
		goto out;
	if ((rc = get_line(c, &up->greeting, "before its greeting", f)) != MO_OK)
		goto out;
	if (!mo_pop3_is_ok(up->greeting.data)) {
		mo_oneline(said, sizeof(said), up->greeting.data, up->greeting.len);
		mo_fail_set(f, MO_ERR_TEMP, "%s:%u does not greet like a POP3 server (it said: %s); "
			    "check the port and --protocol", t->host, t->port, said);
		rc = MO_ERR_TEMP;
		goto out;
	}
	if ((rc = read_capa(c, up, f)) != MO_OK)
		goto out;
	if (t->tls == MO_TLS_STARTTLS) {
		/* RFC 2595 §4: STLS, listed in CAPA.  A server that does not
		 * offer it gets no token: there is no plaintext fallback. */
		if (up->capa_ok && !capa_has(up, "STLS")) {
			mo_fail_set(f, MO_ERR_PROTO, "%s:%u does not offer STLS, and mailoauth never "
				    "sends a token without TLS; use the server's TLS port "
				    "(995, --tls implicit)", t->host, t->port);
			rc = MO_ERR_PROTO;
			goto out;
		}
		mo_log(3, "C: STLS");
		if ((rc = put_line(c, "STLS", "while sending STLS", f)) != MO_OK ||
		    (rc = get_line(c, &line, "after STLS", f)) != MO_OK)
			goto out;
		if (!mo_pop3_is_ok(line.data)) {
			mo_oneline(said, sizeof(said), line.data, line.len);
			mo_fail_set(f, MO_ERR_PROTO, "%s:%u refused STLS (%s), and mailoauth never "
				    "sends a token without TLS; use the server's TLS port "
				    "(995, --tls implicit)", t->host, t->port, said);
			rc = MO_ERR_PROTO;
			goto out;
		}
		if ((rc = mo_upstream_tls(c, ctx, t, f)) != MO_OK)
			goto out;
		/* RFC 2595 §4: forget what was learned before TLS. */
		if ((rc = read_capa(c, up, f)) != MO_OK)
			goto out;
	}
	rc = MO_OK;
out:
	mo_buf_free(&line);
	return rc;
}

int
mo_pop3_up_auth(struct mo_conn *c, const struct mo_target *t,
		const struct mo_account *acct, const char *b64,
		struct mo_buf *reply, struct mo_fail *f)
{
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
