/* SPDX-License-Identifier: MIT */
/* `mailoauth connect` for IMAP clients (front.h). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "errors.h"
#include "front.h"
#include "imapparse.h"
#include "login.h"
#include "relay.h"
#include "saslplain.h"
#include "secret.h"

struct imap {
	struct mo_front *fr;
	struct mo_upstream up;
	const char *tag;	/* of the command being answered */
	int errors;
	bool done;
	bool logged_in;
	int exit_code;
};

static int
say(struct imap *s, const char *a, const char *b, const char *c)
{
	const char *why;

	mo_log(3, "P: %s%s%.200s", a, b != NULL ? b : "", c != NULL ? c : "");
	if (mo_conn_writestr(s->fr->client, a, &why) != MO_OK ||
	    (b != NULL && mo_conn_writestr(s->fr->client, b, &why) != MO_OK) ||
	    (c != NULL && mo_conn_writestr(s->fr->client, c, &why) != MO_OK) ||
	    mo_conn_writestr(s->fr->client, "\r\n", &why) != MO_OK) {
		s->done = true;
		return MO_ERR_IO;
	}
	return MO_OK;
}

/* "TAG NO [CODE] mailoauth: text" (or "* BYE" without a tag); RFC 5530
 * response codes: AUTHENTICATIONFAILED, UNAVAILABLE (try later),
 * CONTACTADMIN (configuration). */
static void
say_fail(struct imap *s, const char *tag, const struct mo_fail *f)
{
	const char *code;
	char head[MO_IMAP_TAG_MAX + 64];

	switch (f->err) {
	case MO_ERR_AUTH:
	case MO_ERR_REAUTH:
	case MO_ERR_NOENT:
	case MO_ERR_INVAL:
		code = "[AUTHENTICATIONFAILED]";
		break;
	case MO_ERR_TEMP:
	case MO_ERR_TIMEOUT:
	case MO_ERR_NOMEM:
	case MO_ERR_IO:
		code = "[UNAVAILABLE]";
		break;
	default:
		code = "[CONTACTADMIN]";
		break;
	}
	mo_fail_print(f);
	snprintf(head, sizeof(head), "%s %s %s mailoauth: ", tag != NULL ? tag : "*",
		 tag != NULL ? "NO" : "BYE", code);
	(void)say(s, head, f->msg, NULL);
	s->exit_code = mo_exit_code(f->err);
}

/* Untagged responses during our AUTHENTICATE go to the client. */
static int
forward_untagged(void *arg, const char *line, size_t len)
{
	struct imap *s = arg;
	struct mo_buf out;
	const char *why;
	int rc;

	mo_buf_init(&out, 512 * 1024);
	rc = mo_imap_rewrite_response(line, len, false, NULL, &out);
	if (rc == MO_OK)
		rc = mo_conn_write(s->fr->client, out.data, out.len, &why);
	mo_buf_free(&out);
	return rc;
}

static void
login(struct imap *s, const char *tag, const char *name)
{
	struct mo_front *fr = s->fr;
	const struct mo_account *acct = NULL;
	struct mo_buf b64, tagged, out;
	struct mo_fail f = { 0 };
	const char *why;
	int64_t stamp = 0;
	int rc;

	mo_buf_init(&b64, MO_XOAUTH2_B64_MAX);
	mo_buf_init(&tagged, 256 * 1024);
	mo_buf_init(&out, 256 * 1024);
	if ((rc = mo_login_find_account(fr->cfg, fr->forced, name, &acct, &f)) != MO_OK ||
	    (rc = mo_login_xoauth2_stamped(fr->cfg, acct, MO_PROTO_IMAP, fr->target.host, &b64, &stamp, &f)) != MO_OK) {
		say_fail(s, tag, &f);
		goto out;
	}
	mo_log(1, "logging in to %s as %s (account %s)", fr->target.host, acct->user, acct->name);
	s->up.u.imap.untagged = forward_untagged;
	s->up.u.imap.untagged_arg = s;
	rc = s->up.ops->authenticate(&s->up, acct, b64.data, &tagged, &f);
	/* Refused although it had not expired: one refresh, one more try on
	 * the same connection, before the client hears anything. */
	if (rc == MO_ERR_AUTH && !fr->server->eof) {
		int again = mo_login_renew(fr->cfg, acct, MO_PROTO_IMAP, &stamp, &b64, &f);

		if (again == MO_OK) {
			mo_buf_reset(&tagged);
			rc = s->up.ops->authenticate(&s->up, acct, b64.data, &tagged, &f);
		} else if (again != MO_ERR_AUTH) {
			rc = again;
		}
	}
	mo_buf_free(&b64);
	if (rc != MO_OK) {
		say_fail(s, tag, &f);
		if (rc != MO_ERR_AUTH || fr->server->eof)
			s->done = true;
		goto out;
	}
	/* The server's tagged OK, with the client's tag. */
	rc = mo_imap_rewrite_response(tagged.data, tagged.len, false, tag, &out);
	if (rc == MO_OK && mo_conn_write(fr->client, out.data, out.len, &why) == MO_OK) {
		s->logged_in = true;
		s->exit_code = 0;
		fr->acct = acct;
		fr->stamp = stamp;
	} else {
		s->done = true;
	}
out:
	mo_buf_free(&b64);
	mo_buf_free(&tagged);
	mo_buf_free(&out);
}

/* AUTHENTICATE PLAIN [ir]: RFC 9051 §6.2.2, RFC 4959 (SASL-IR). */
static void
authenticate_plain(struct imap *s, const char *tag, const char *ir)
{
	struct mo_buf resp, raw;
	const char *why = NULL;
	char *user = NULL;
	int rc;

	mo_buf_init(&resp, MO_IMAP_LINE_MAX);
	mo_buf_init(&raw, MO_PLAIN_MAX);
	if (ir != NULL) {
		rc = mo_buf_addstr(&resp, ir);
	} else {
		if (say(s, "+ ", NULL, NULL) != MO_OK)
			goto out;
		rc = mo_conn_readline(s->fr->client, &resp, MO_IMAP_LINE_MAX, NULL, &why);
		if (rc != MO_OK) {
			s->done = true;
			goto out;
		}
	}
	if (rc != MO_OK)
		goto out;
	if (strcmp(resp.data, "*") == 0) {
		(void)say(s, tag, " BAD AUTHENTICATE cancelled", NULL);
		goto out;
	}
	if (strcmp(resp.data, "=") == 0)
		mo_buf_reset(&resp);	/* RFC 4959: "=" is an empty response */
	if (mo_base64_decode(&raw, resp.data, resp.len) != MO_OK ||
	    mo_plain_parse(raw.data, raw.len, &user, &why) != MO_OK) {
		(void)say(s, tag, " BAD malformed AUTHENTICATE PLAIN response", NULL);
		s->errors++;
		goto out;
	}
	login(s, tag, user);
out:
	free(user);
	mo_buf_free(&resp);
	mo_buf_free(&raw);
}

static int
send_caps(struct imap *s, const char *prefix, const char *suffix, const char *suffix2)
{
	const struct mo_buf *caps = &s->up.u.imap.caps;
	struct mo_buf out;
	int rc;

	mo_buf_init(&out, MO_UPSTREAM_LINE_MAX + 64);
	rc = mo_buf_addstr(&out, prefix);
	if (rc == MO_OK)
		rc = mo_imap_caps_rewrite(caps->data != NULL ? caps->data : "", caps->len,
					  true, &out);
	if (rc == MO_OK)
		rc = say(s, out.data, suffix, suffix2);
	mo_buf_free(&out);
	return rc;
}

static void
handle(struct imap *s, struct mo_imap_cmd *cmd)
{
	const char *tag = cmd->tag, *name = cmd->name;
	size_t n0 = 0, n1 = 0;
	const char *a0 = mo_imap_cmd_arg(cmd, 0, &n0);
	const char *a1 = mo_imap_cmd_arg(cmd, 1, &n1);

	mo_log(2, "client: %s %s", tag, name);
	if (strcmp(name, "CAPABILITY") == 0 && cmd->nargs == 0) {
		if (send_caps(s, "* CAPABILITY ", NULL, NULL) == MO_OK)
			(void)say(s, tag, " OK CAPABILITY completed", NULL);
	} else if (strcmp(name, "NOOP") == 0 && cmd->nargs == 0) {
		(void)say(s, tag, " OK NOOP completed", NULL);
	} else if (strcmp(name, "ID") == 0 && cmd->nargs == 1) {
		/* RFC 2971: allowed before login; we do not forward it. */
		if (say(s, "* ID NIL", NULL, NULL) == MO_OK)
			(void)say(s, tag, " OK ID completed", NULL);
	} else if (strcmp(name, "LOGOUT") == 0 && cmd->nargs == 0) {
		if (say(s, "* BYE mailoauth connect signing off", NULL, NULL) == MO_OK)
			(void)say(s, tag, " OK LOGOUT completed", NULL);
		s->up.ops->logout(&s->up);
		s->done = true;
		s->exit_code = 0;
	} else if (strcmp(name, "STARTTLS") == 0) {
		struct mo_fail f;

		mo_fail_set(&f, MO_ERR_CONFIG, "STARTTLS is not available on the local pipe to "
			    "mailoauth connect, which already uses TLS to %s; tell the client "
			    "not to use STARTTLS (fetchmail: sslproto '' in the poll entry)",
			    s->fr->target.host);
		mo_fail_print(&f);
		(void)say(s, tag, " BAD mailoauth: ", f.msg);
	} else if (strcmp(name, "LOGIN") == 0) {
		/* login = "LOGIN" SP userid SP password; the password is
		 * never used, and wiped with cmd. */
		if (cmd->nargs != 2 || cmd->args[0].type == MO_IMAP_LIST ||
		    cmd->args[1].type == MO_IMAP_LIST || memchr(a0, '\0', n0) != NULL) {
			(void)say(s, tag, " BAD LOGIN needs a user name and a password", NULL);
			s->errors++;
			return;
		}
		login(s, tag, a0);
	} else if (strcmp(name, "AUTHENTICATE") == 0 &&
		   (cmd->nargs == 1 || cmd->nargs == 2) && cmd->args[0].type == MO_IMAP_ATOM) {
		if (strcasecmp(a0, "PLAIN") != 0) {
			(void)say(s, tag, " NO [CANNOT] unsupported mechanism: mailoauth connect "
				  "takes LOGIN or AUTHENTICATE PLAIN and logs in with XOAUTH2 itself",
				  NULL);
			return;
		}
		if (cmd->nargs == 2 && cmd->args[1].type != MO_IMAP_ATOM) {
			(void)say(s, tag, " BAD malformed initial response", NULL);
			s->errors++;
			return;
		}
		authenticate_plain(s, tag, cmd->nargs == 2 ? a1 : NULL);
	} else {
		(void)say(s, tag, " BAD log in first (LOGIN or AUTHENTICATE PLAIN)", NULL);
		s->errors++;
	}
}

/* Reads one command, literals included.  Returns MO_OK with cmd parsed,
 * MO_ERR_PARSE after answering a malformed one (go on), or another error
 * (hang up). */
static int
read_command(struct imap *s, struct mo_imap_cmd *cmd, struct mo_buf *data)
{
	struct mo_conn *c = s->fr->client;
	struct mo_buf line;
	const char *why = NULL;
	bool had_nul;
	int rc;

	mo_buf_reset(data);
	mo_buf_init(&line, MO_IMAP_LINE_MAX);
	for (;;) {
		rc = mo_conn_readline(c, &line, MO_IMAP_LINE_MAX, &had_nul, &why);
		if (rc == MO_ERR_TOOBIG) {
			(void)say(s, "* BYE line too long; closing", NULL, NULL);
			goto out;
		}
		if (rc == MO_ERR_TIMEOUT)
			(void)say(s, "* BYE timed out waiting for a command", NULL, NULL);
		if (rc != MO_OK)
			goto out;
		if (had_nul) {
			(void)say(s, "* BAD NUL byte in the command", NULL, NULL);
			rc = MO_ERR_PARSE;
			goto out;
		}
		if (mo_buf_add(data, line.data, line.len) != MO_OK ||
		    mo_buf_addstr(data, "\r\n") != MO_OK) {
			(void)say(s, "* BYE command too long; closing", NULL, NULL);
			rc = MO_ERR_TOOBIG;
			goto out;
		}
		rc = mo_imap_parse(data->data, data->len, cmd, &why);
		if (rc == MO_OK)
			goto out;
		if (rc == MO_IMAP_NEED_LITERAL) {
			if (cmd->literal_sync && say(s, "+ go ahead", NULL, NULL) != MO_OK) {
				rc = MO_ERR_IO;
				goto out;
			}
			rc = mo_conn_readn(c, data, cmd->literal_len, &why);
			if (rc == MO_ERR_TOOBIG || rc == MO_ERR_NOMEM) {
				(void)say(s, "* BYE command too long; closing", NULL, NULL);
				goto out;
			}
			if (rc != MO_OK)
				goto out;
			continue;	/* the rest of the command follows */
		}
		if (rc == MO_ERR_TOOBIG && cmd->literal_len > 0 && cmd->literal_sync) {
			/* RFC 9051 §7.5: refusing a synchronising literal
			 * ends the command; the client sends no data. */
			(void)say(s, cmd->tag, " BAD literal too long", NULL);
			rc = MO_ERR_PARSE;
			goto out;
		}
		if (rc == MO_ERR_TOOBIG) {
			/* The data of a non-synchronising literal is coming
			 * whatever we say: the stream cannot be resynchronised. */
			(void)say(s, "* BYE [TOOBIG] command too long; closing", NULL, NULL);
			goto out;
		}
		if (cmd->tag[0] != '\0' && rc == MO_ERR_PARSE) {
			char msg[128];

			snprintf(msg, sizeof(msg), " BAD %s", why);
			(void)say(s, cmd->tag, msg, NULL);
		} else {
			(void)say(s, "* BAD ", why, NULL);
		}
		goto out;
	}
out:
	mo_buf_free(&line);
	return rc;
}

/* The greeting for the client: the server's, with our capability list. */
static int
greet(struct imap *s)
{
	struct mo_imap_resp r;
	const char *text;

	if (mo_imap_resp_parse(s->up.u.imap.greeting.data, &r) != MO_OK)
		return say(s, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] mailoauth connect ready",
			   NULL, NULL);
	text = r.text;
	if (strncasecmp(text, "[CAPABILITY ", 12) == 0) {
		const char *close = strchr(text, ']');

		text = close != NULL ? close + 1 : "";
		while (*text == ' ')
			text++;
	}
	if (*text == '\0')
		text = "mailoauth connect ready";
	return send_caps(s, "* OK [CAPABILITY ", "] ", text);
}

int
mo_imap_serve(struct mo_front *fr)
{
	struct imap s = { 0 };
	struct mo_imap_cmd cmd;
	struct mo_buf data;
	int rc;

	s.fr = fr;
	mo_upstream_init(&s.up, fr->server, &fr->target);
	mo_imap_cmd_init(&cmd);
	mo_buf_init(&data, MO_IMAP_CMD_MAX);
	if (fr->setup.err != MO_OK) {
		say_fail(&s, NULL, &fr->setup);
		goto out;
	}
	if (mo_upstream_open(&s.up, fr->ctx, &fr->setup) != MO_OK) {
		say_fail(&s, NULL, &fr->setup);
		goto out;
	}
	if (greet(&s) != MO_OK)
		goto out;
	while (!s.done && !s.logged_in) {
		if (s.errors >= MO_FRONT_MAX_ERRORS) {
			(void)say(&s, "* BYE too many errors; closing", NULL, NULL);
			break;
		}
		rc = read_command(&s, &cmd, &data);
		if (rc == MO_ERR_PARSE) {
			s.errors++;
			continue;
		}
		if (rc != MO_OK)
			break;
		handle(&s, &cmd);
		mo_imap_cmd_free(&cmd);		/* wipes a password */
		mo_buf_reset(&data);
	}
	mo_imap_cmd_free(&cmd);
	mo_buf_free(&data);
	if (!s.logged_in)
		goto out;
	rc = mo_front_relay(fr);
	if (rc != 0)
		s.exit_code = rc;
out:
	mo_imap_cmd_free(&cmd);
	mo_buf_free(&data);
	mo_upstream_free(&s.up);
	return s.exit_code;
}
