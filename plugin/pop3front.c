/* SPDX-License-Identifier: MIT */
/* `mailoauth connect` for POP3 clients (front.h). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "errors.h"
#include "front.h"
#include "login.h"
#include "pop3parse.h"
#include "relay.h"
#include "saslplain.h"
#include "secret.h"
#include "validate.h"

struct pop3 {
	struct mo_front *fr;
	struct mo_upstream up;
	char *user;		/* from USER, until PASS */
	int errors;
	bool done;		/* hang up after this reply */
	bool logged_in;
	int exit_code;
};

static int
say(struct pop3 *s, const char *text)
{
	const char *why;

	mo_log(3, "P: %.200s", text);
	if (mo_conn_writestr(s->fr->client, text, &why) != MO_OK ||
	    mo_conn_writestr(s->fr->client, "\r\n", &why) != MO_OK) {
		s->done = true;	/* the client is gone */
		return MO_ERR_IO;
	}
	return MO_OK;
}

/* "-ERR [code] mailoauth: text" to the client, the whole text to stderr.
 * RFC 2449 §8 / RFC 3206: [AUTH] = the credentials were refused,
 * [SYS/TEMP] = try again later, [SYS/PERM] = a lasting problem. */
static void
say_fail(struct pop3 *s, const struct mo_fail *f)
{
	char line[MO_FRONT_POP3_TEXT_MAX + 64], text[MO_FRONT_POP3_TEXT_MAX];
	const char *code;

	switch (f->err) {
	case MO_ERR_AUTH:
	case MO_ERR_REAUTH:
	case MO_ERR_NOENT:
	case MO_ERR_INVAL:
		code = "[AUTH] ";
		break;
	case MO_ERR_TEMP:
	case MO_ERR_TIMEOUT:
	case MO_ERR_NOMEM:
	case MO_ERR_IO:
		code = "[SYS/TEMP] ";
		break;
	default:
		code = "[SYS/PERM] ";
		break;
	}
	mo_fail_print(f);
	mo_oneline(text, sizeof(text), f->msg, strlen(f->msg));
	snprintf(line, sizeof(line), "-ERR %smailoauth: %s", code, text);
	(void)say(s, line);
	s->exit_code = mo_exit_code(f->err);
}

/* The client has told us who it is: log in upstream as that account. */
static void
login(struct pop3 *s, const char *name)
{
	struct mo_front *fr = s->fr;
	const struct mo_account *acct = NULL;
	struct mo_buf b64, reply;
	struct mo_fail f = { 0 };
	int64_t stamp = 0;
	int rc;

	mo_buf_init(&b64, MO_XOAUTH2_B64_MAX);
	mo_buf_init(&reply, MO_UPSTREAM_LINE_MAX);
	if ((rc = mo_login_find_account(fr->cfg, fr->forced, name, &acct, &f)) != MO_OK ||
	    (rc = mo_login_xoauth2_stamped(fr->cfg, acct, MO_PROTO_POP3, fr->target.host, &b64, &stamp, &f)) != MO_OK) {
		say_fail(s, &f);
		goto out;
	}
	mo_log(1, "logging in to %s as %s (account %s)", fr->target.host, acct->user, acct->name);
	rc = s->up.ops->authenticate(&s->up, acct, b64.data, &reply, &f);
	/* Refused although it had not expired: one refresh, one more try on
	 * the same connection, before the client hears anything. */
	if (rc == MO_ERR_AUTH && !fr->server->eof) {
		int again = mo_login_renew(fr->cfg, acct, MO_PROTO_POP3, &stamp, &b64, &f);

		if (again == MO_OK) {
			mo_buf_reset(&reply);
			rc = s->up.ops->authenticate(&s->up, acct, b64.data, &reply, &f);
		} else if (again != MO_ERR_AUTH) {
			rc = again;
		}
	}
	mo_buf_free(&b64);
	if (rc != MO_OK) {
		say_fail(s, &f);
		if (rc != MO_ERR_AUTH || fr->server->eof)
			s->done = true;	/* the server's state is unknown or gone */
		goto out;
	}
	if (say(s, reply.data) == MO_OK) {
		s->logged_in = true;
		s->exit_code = 0;
	}
out:
	mo_buf_free(&b64);
	mo_buf_free(&reply);
}

/* AUTH PLAIN (RFC 5034 §4): the initial response, or "+ " and one line. */
static void
auth_plain(struct pop3 *s, const char *ir, size_t ir_len)
{
	struct mo_buf resp, raw;
	const char *why = NULL;
	char *user = NULL;
	int rc;

	mo_buf_init(&resp, MO_POP3_LINE_MAX);
	mo_buf_init(&raw, MO_PLAIN_MAX);
	if (ir != NULL) {
		rc = mo_buf_add(&resp, ir, ir_len);
	} else {
		if (say(s, "+ ") != MO_OK)
			goto out;
		rc = mo_conn_readline(s->fr->client, &resp, MO_POP3_LINE_MAX, NULL, &why);
		if (rc != MO_OK) {
			s->done = true;
			goto out;
		}
	}
	if (rc != MO_OK) {
		(void)say(s, "-ERR out of memory");
		goto out;
	}
	if (strcmp(resp.data, "*") == 0) {
		(void)say(s, "-ERR AUTH cancelled");
		goto out;
	}
	if (strcmp(resp.data, "=") == 0)
		mo_buf_reset(&resp);	/* RFC 5034: "=" is an empty response */
	if (mo_base64_decode(&raw, resp.data, resp.len) != MO_OK ||
	    mo_plain_parse(raw.data, raw.len, &user, &why) != MO_OK) {
		(void)say(s, "-ERR malformed AUTH PLAIN response");
		s->errors++;
		goto out;
	}
	login(s, user);
out:
	free(user);
	mo_buf_free(&resp);	/* held the client's password: wiped */
	mo_buf_free(&raw);
}

/* CAPA: the server's capabilities as the client may use them here. */
static void
capa(struct pop3 *s)
{
	struct mo_buf out;
	const char *why = NULL;

	mo_buf_init(&out, 64 * 1024);
	if (mo_pop3_capa_rewrite((const char *const *)s->up.u.pop3.capa,
				 s->up.u.pop3.capa_ok ? s->up.u.pop3.ncapa : 0, &out) != MO_OK)
		(void)say(s, "-ERR out of memory");
	else if (mo_conn_write(s->fr->client, out.data, out.len, &why) != MO_OK)
		s->done = true;
	mo_buf_free(&out);
}

/* USER name: kept for PASS. */
static void
user(struct pop3 *s, const struct mo_pop3_cmd *cmd)
{
	const char *why = NULL;

	free(s->user);
	s->user = strndup(cmd->arg1, cmd->arg1_len);
	if (s->user == NULL) {
		(void)say(s, "-ERR out of memory");
		return;
	}
	if (mo_valid_user(s->user, &why) != MO_OK) {
		(void)say(s, "-ERR the user name is not usable");
		free(s->user);
		s->user = NULL;
		s->errors++;
		return;
	}
	(void)say(s, "+OK send PASS (any password: mailoauth logs in with OAuth2)");
}

/* AUTH: the listing, or PLAIN; no other mechanism. */
static void
auth(struct pop3 *s, const struct mo_pop3_cmd *cmd)
{
	if (cmd->arg1 == NULL) {
		/* RFC 1734 style listing (fetchmail probes with it). */
		(void)say(s, "+OK\r\nPLAIN\r\n.");
		return;
	}
	if (cmd->arg1_len != 5 || strncasecmp(cmd->arg1, "PLAIN", 5) != 0) {
		(void)say(s, "-ERR [AUTH] unsupported mechanism: mailoauth connect takes "
			  "USER/PASS or AUTH PLAIN and logs in with XOAUTH2 itself");
		return;
	}
	auth_plain(s, cmd->arg2, cmd->arg2_len);
}

static void
handle(struct pop3 *s, char *line, size_t len)
{
	struct mo_pop3_cmd cmd;
	const char *why = NULL;
	char *name;

	if (mo_pop3_parse(line, len, &cmd, &why) != MO_OK) {
		char msg[128];

		snprintf(msg, sizeof(msg), "-ERR %s", why);
		(void)say(s, msg);
		s->errors++;
		return;
	}
	mo_log(2, "client: %s", cmd.keyword);
	switch (cmd.verb) {
	case MO_POP3_CAPA:
		capa(s);
		return;
	case MO_POP3_STLS: {
		struct mo_fail f;

		/* RFC 2595 §4 lets a server refuse STLS.  We must: the
		 * pipe to us is local, and we cannot present a certificate
		 * the client would trust.  The server leg is TLS already. */
		mo_fail_set(&f, MO_ERR_CONFIG, "STLS is not available on the local pipe to "
			    "mailoauth connect, which already uses TLS to %s; tell the client "
			    "not to use STLS (fetchmail: sslproto '' in the poll entry)",
			    s->fr->target.host);
		say_fail(s, &f);
		return;
	}
	case MO_POP3_USER:
		user(s, &cmd);
		return;
	case MO_POP3_PASS:
		/* The password is never used or forwarded: the caller
		 * wipes the line. */
		if (s->user == NULL) {
			(void)say(s, "-ERR USER first");
			s->errors++;
			return;
		}
		name = s->user;
		s->user = NULL;
		login(s, name);
		free(name);
		return;
	case MO_POP3_APOP:
		name = strndup(cmd.arg1, cmd.arg1_len);
		if (name == NULL) {
			(void)say(s, "-ERR out of memory");
			return;
		}
		login(s, name);
		free(name);
		return;
	case MO_POP3_AUTH:
		auth(s, &cmd);
		return;
	case MO_POP3_QUIT:
		(void)say(s, "+OK mailoauth connect signing off");
		s->up.ops->logout(&s->up);
		s->done = true;
		s->exit_code = 0;
		return;
	case MO_POP3_UTF8:
	case MO_POP3_NOOP:
	case MO_POP3_UNKNOWN:
		(void)say(s, "-ERR log in first (USER/PASS or AUTH PLAIN)");
		s->errors++;
		return;
	}
}

int
mo_pop3_serve(struct mo_front *fr)
{
	struct pop3 s = { 0 };
	struct mo_buf line;
	const char *why = NULL;
	bool had_nul;
	int rc;

	s.fr = fr;
	s.exit_code = 0;
	mo_upstream_init(&s.up, fr->server, &fr->target);
	mo_buf_init(&line, MO_POP3_LINE_MAX);
	if (fr->setup.err != MO_OK) {
		say_fail(&s, &fr->setup);
		goto out;
	}
	if (mo_upstream_open(&s.up, fr->ctx, &fr->setup) != MO_OK) {
		say_fail(&s, &fr->setup);
		goto out;
	}
	if (say(&s, s.up.u.pop3.greeting.data) != MO_OK)
		goto out;
	while (!s.done && !s.logged_in) {
		if (s.errors >= MO_FRONT_MAX_ERRORS) {
			(void)say(&s, "-ERR too many errors; closing");
			break;
		}
		rc = mo_conn_readline(fr->client, &line, MO_POP3_LINE_MAX, &had_nul, &why);
		if (rc == MO_ERR_TOOBIG) {
			(void)say(&s, "-ERR line too long; closing");
			break;
		}
		if (rc != MO_OK) {
			if (rc == MO_ERR_TIMEOUT)
				(void)say(&s, "-ERR [SYS/TEMP] timed out waiting for a command");
			s.up.ops->logout(&s.up);
			break;	/* the client went away */
		}
		if (had_nul) {
			(void)say(&s, "-ERR NUL byte in the command");
			s.errors++;
			continue;
		}
		handle(&s, line.data, line.len);
		mo_buf_reset(&line);	/* a PASS line: wipe at once */
	}
	if (!s.logged_in)
		goto out;
	mo_buf_free(&line);
	rc = mo_front_relay(fr);
	if (rc != 0)
		s.exit_code = rc;
out:
	mo_buf_free(&line);
	free(s.user);
	mo_upstream_free(&s.up);
	return s.exit_code;
}
