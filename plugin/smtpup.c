/* SPDX-License-Identifier: MIT */
/* SMTP toward the mail server, for `mailoauth check` (upstream.h). */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "challenge.h"
#include "errors.h"
#include "login.h"
#include "upstream.h"

#define REPLY_LINES_MAX 100

static void
smtp_init(struct mo_upstream *u)
{
	struct mo_smtp_up *up = &u->u.smtp;

	memset(up, 0, sizeof(*up));
	mo_buf_init(&up->greeting, 16 * 1024);
	mo_buf_init(&up->ehlo, 16 * 1024);
}

static void
smtp_free(struct mo_upstream *u)
{
	mo_buf_free(&u->u.smtp.greeting);
	mo_buf_free(&u->u.smtp.ehlo);
}

static int
io_fail(struct mo_fail *f, int rc, const char *why, const char *doing)
{
	return mo_upstream_io_fail(f, "SMTP", rc, why, doing);
}

static int
put(struct mo_conn *c, const char *text, const char *doing, struct mo_fail *f)
{
	const char *why = NULL;
	int rc = mo_conn_writestr(c, text, &why);

	if (rc == MO_OK)
		rc = mo_conn_writestr(c, "\r\n", &why);
	return rc == MO_OK ? MO_OK : io_fail(f, rc, why, doing);
}

/*
 * RFC 5321 §4.2:
 *     Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 *                  Reply-code [ SP textstring ] CRLF
 *     Reply-code = %x32-35 %x30-35 %x30-39
 * text gets the textstrings, one per line ("\n" separated).
 */
static int
read_reply(struct mo_conn *c, int *code_r, struct mo_buf *text, const char *doing,
	   struct mo_fail *f)
{
	struct mo_buf line;
	const char *why = NULL;
	int rc, code = -1, n;
	char said[300];

	mo_buf_reset(text);
	mo_buf_init(&line, MO_UPSTREAM_LINE_MAX);
	for (n = 0;; n++) {
		const char *l;
		int this;

		rc = mo_conn_readline(c, &line, MO_UPSTREAM_LINE_MAX, NULL, &why);
		if (rc != MO_OK) {
			io_fail(f, rc, why, doing);
			goto out;
		}
		l = mo_buf_str(&line);
		mo_log(3, "S: %.200s", l);
		if (n >= REPLY_LINES_MAX || line.len < 3 ||
		    l[0] < '2' || l[0] > '5' || !isdigit((unsigned char)l[1]) ||
		    !isdigit((unsigned char)l[2]) ||
		    (l[3] != '\0' && l[3] != ' ' && l[3] != '-')) {
			mo_oneline(said, sizeof(said), l, line.len);
			mo_fail_set(f, MO_ERR_PROTO, "the SMTP server sent a malformed reply %s: %s",
				    doing, said);
			rc = MO_ERR_PROTO;
			goto out;
		}
		this = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
		if (code >= 0 && this != code) {
			mo_fail_set(f, MO_ERR_PROTO, "the SMTP server mixed reply codes %s", doing);
			rc = MO_ERR_PROTO;
			goto out;
		}
		code = this;
		if (n > 0)
			(void)mo_buf_addc(text, '\n');
		if (line.len > 4)
			(void)mo_buf_add(text, l + 4, line.len - 4);
		if (l[3] != '-')
			break;
	}
	*code_r = code;
	rc = MO_OK;
out:
	mo_buf_free(&line);
	return rc;
}

static void
client_name(char *buf, size_t n)
{
	size_t i;

	if (gethostname(buf, n) != 0 || buf[0] == '\0')
		snprintf(buf, n, "localhost");
	buf[n - 1] = '\0';
	for (i = 0; buf[i] != '\0'; i++)
		if (!isalnum((unsigned char)buf[i]) && buf[i] != '-' && buf[i] != '.') {
			snprintf(buf, n, "localhost");
			return;
		}
}

/* EHLO (RFC 5321 §4.1.1.1); keeps the keyword lines (all but the first)
 * in up->ehlo. */
static int
smtp_capabilities(struct mo_upstream *u, struct mo_fail *f)
{
	struct mo_smtp_up *up = &u->u.smtp;
	const struct mo_target *t = u->t;
	struct mo_conn *c = u->c;
	struct mo_buf text;
	char name[256], cmd[300], said[300];
	const char *nl, *p;
	int rc, code;

	mo_buf_init(&text, 16 * 1024);
	client_name(name, sizeof(name));
	snprintf(cmd, sizeof(cmd), "EHLO %s", name);
	mo_log(3, "C: %s", cmd);
	if ((rc = put(c, cmd, "while sending EHLO", f)) != MO_OK ||
	    (rc = read_reply(c, &code, &text, "after EHLO", f)) != MO_OK)
		goto out;
	if (code != 250) {
		mo_oneline(said, sizeof(said), text.data, text.len);
		mo_fail_set(f, MO_ERR_PROTO, "%s:%u refused EHLO: %d %s", t->host, t->port,
			    code, said);
		rc = MO_ERR_PROTO;
		goto out;
	}
	mo_buf_reset(&up->ehlo);
	nl = strchr(mo_buf_str(&text), '\n');
	if (nl != NULL && (rc = mo_buf_addstr(&up->ehlo, nl + 1)) != MO_OK) {
		mo_fail_set(f, rc, "the SMTP server's EHLO reply is too long");
		goto out;
	}
	up->xoauth2 = false;
	for (p = mo_buf_str(&up->ehlo); *p != '\0';) {
		size_t len = strcspn(p, "\n");

		if (len > 5 && strncasecmp(p, "AUTH ", 5) == 0) {
			const char *q = p + 4, *end = p + len;

			while (q < end) {
				size_t w;

				q++;
				w = strcspn(q, " \n");
				if (w == 7 && strncasecmp(q, "XOAUTH2", 7) == 0)
					up->xoauth2 = true;
				q += w;
			}
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	rc = MO_OK;
out:
	mo_buf_free(&text);
	return rc;
}

static bool
ehlo_has(const struct mo_smtp_up *up, const char *kw)
{
	const char *p = mo_buf_str(&up->ehlo);
	size_t n = strlen(kw);

	while (*p != '\0') {
		size_t len = strcspn(p, "\n");

		if (len >= n && strncasecmp(p, kw, n) == 0 && (len == n || p[n] == ' '))
			return true;
		p += len;
		if (*p == '\n')
			p++;
	}
	return false;
}

/* The 220 banner (RFC 5321 §4.3.1). */
static int
smtp_greet(struct mo_upstream *u, struct mo_fail *f)
{
	struct mo_smtp_up *up = &u->u.smtp;
	char said[300];
	int rc, code;

	if ((rc = read_reply(u->c, &code, &up->greeting, "before its greeting", f)) != MO_OK)
		return rc;
	if (code == 220)
		return MO_OK;
	mo_oneline(said, sizeof(said), up->greeting.data, up->greeting.len);
	mo_fail_set(f, MO_ERR_TEMP, "%s:%u does not accept mail sessions: %d %s",
		    u->t->host, u->t->port, code, said);
	return MO_ERR_TEMP;
}

/* RFC 3207: STARTTLS, listed in the EHLO reply; 220 to go ahead. */
static int
smtp_starttls(struct mo_upstream *u, struct mo_fail *f)
{
	struct mo_buf text;
	char said[300];
	int rc, code;

	if (!ehlo_has(&u->u.smtp, "STARTTLS"))
		return mo_upstream_no_starttls(u, f);
	mo_buf_init(&text, 16 * 1024);
	mo_log(3, "C: STARTTLS");
	if ((rc = put(u->c, "STARTTLS", "while sending STARTTLS", f)) != MO_OK ||
	    (rc = read_reply(u->c, &code, &text, "after STARTTLS", f)) != MO_OK)
		goto out;
	if (code != 220) {
		mo_oneline(said, sizeof(said), text.data, text.len);
		mo_fail_set(f, MO_ERR_PROTO, "%s:%u refused STARTTLS (%d %s), and mailoauth "
			    "never sends a token without TLS", u->t->host, u->t->port, code, said);
		rc = MO_ERR_PROTO;
	}
out:
	mo_buf_free(&text);
	return rc;
}

/* AUTH XOAUTH2 in two steps (334, then the response): RFC 4954 forbids an
 * initial response that makes the line too long.  235 is success. */
static int
smtp_authenticate(struct mo_upstream *u, const struct mo_account *acct,
		  const char *b64, struct mo_buf *reply, struct mo_fail *f)
{
	const struct mo_target *t = u->t;
	struct mo_conn *c = u->c;
	struct mo_challenge ch = { 0 };
	char said[300];
	int rc, code;

	mo_log(2, "C: AUTH XOAUTH2");
	if ((rc = put(c, "AUTH XOAUTH2", "while sending AUTH", f)) != MO_OK ||
	    (rc = read_reply(c, &code, reply, "after AUTH XOAUTH2", f)) != MO_OK)
		goto out;
	if (code != 334) {
		mo_oneline(said, sizeof(said), reply->data, reply->len);
		mo_fail_set(f, MO_ERR_AUTH, "%s does not accept AUTH XOAUTH2 (%d %s); the "
			    "server must support OAuth2 (SASL XOAUTH2) and SMTP AUTH must be "
			    "enabled for the mailbox", t->host, code, said);
		rc = MO_ERR_AUTH;
		goto out;
	}
	mo_log(2, "C: <hidden XOAUTH2 response>");
	if ((rc = put(c, b64, "while sending the token", f)) != MO_OK ||
	    (rc = read_reply(c, &code, reply, "after the token", f)) != MO_OK)
		goto out;
	if (code == 334) {
		(void)mo_login_challenge(mo_buf_str(reply), &ch);
		mo_log(2, "C: <empty response to the error challenge>");
		if ((rc = put(c, "", "after the error challenge", f)) != MO_OK ||
		    (rc = read_reply(c, &code, reply, "after the error challenge", f)) != MO_OK)
			goto out;
	}
	if (code == 235) {
		rc = MO_OK;
		goto out;
	}
	snprintf(said, sizeof(said), "%d %s", code, mo_buf_str(reply));
	mo_login_refused(f, acct, MO_PROTO_SMTP, t->host, said, ch.status ? &ch : NULL);
	rc = MO_ERR_AUTH;
out:
	mo_challenge_free(&ch);
	return rc;
}

int
mo_smtp_up_simple(struct mo_conn *c, const char *cmd, int *code_r,
		  struct mo_buf *reply, struct mo_fail *f)
{
	char said[300];
	int rc;

	mo_log(3, "C: %s", cmd);
	if ((rc = put(c, cmd, "while sending a command", f)) != MO_OK ||
	    (rc = read_reply(c, code_r, reply, "after a command", f)) != MO_OK)
		return rc;
	if (*code_r < 400)
		return MO_OK;
	mo_oneline(said, sizeof(said), reply->data, reply->len);
	mo_fail_set(f, MO_ERR_AUTH, "the server answered %s with: %d %s", cmd, *code_r, said);
	return MO_ERR_AUTH;
}

static const char *
smtp_reply_words(const char *reply)
{
	return reply;
}

/* MAIL FROM the account's address, then RSET: nothing is sent. */
static int
smtp_probe_mailbox(struct mo_upstream *u, const struct mo_account *acct, char *desc,
		   size_t n, struct mo_fail *f)
{
	struct mo_buf reply;
	char cmd[600];
	int rc, code;

	mo_buf_init(&reply, 256 * 1024);
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>", acct->user);
	rc = mo_smtp_up_simple(u->c, cmd, &code, &reply, f);
	if (rc == MO_OK)
		rc = mo_smtp_up_simple(u->c, "RSET", &code, &reply, f);
	if (rc == MO_OK)
		snprintf(desc, n, "MAIL FROM:<%s> accepted, then RSET (nothing sent)", acct->user);
	mo_buf_free(&reply);
	return rc;
}

static void
smtp_logout(struct mo_upstream *u)
{
	const char *why;

	(void)mo_conn_writestr(u->c, "QUIT\r\n", &why);
}

const struct mo_upstream_ops mo_smtp_upstream = {
	.proto = MO_PROTO_SMTP,
	.label = "SMTP",
	.starttls_verb = "STARTTLS",
	.mailbox_off = "SMTP AUTH is disabled for the mailbox or the tenant "
		       "(Set-CASMailbox -SmtpClientAuthenticationDisabled $false)",
	.sends_mail = true,
	.init = smtp_init,
	.free = smtp_free,
	.greet = smtp_greet,
	.capabilities = smtp_capabilities,
	.starttls = smtp_starttls,
	.authenticate = smtp_authenticate,
	.reply_words = smtp_reply_words,
	.probe_mailbox = smtp_probe_mailbox,
	.logout = smtp_logout,
};
