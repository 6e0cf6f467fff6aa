/* SPDX-License-Identifier: MIT */
/*
 * The connection plugin's IMAP text (plugin/imapparse.h, saslplain.h):
 * the input is taken two ways --
 *   - as what a client sends before login, read as imapfront.c reads it:
 *     a line at a time, "{N}"/"{N+}" literals taken as N raw bytes, the
 *     command parsed again after each piece; LOGIN and AUTHENTICATE PLAIN
 *     (SASL-IR, base64, the PLAIN message) looked at like the front end;
 *   - as a server's response lines: parsed (mo_imap_resp_parse), checked
 *     for literals, and rewritten for the client (mo_imap_rewrite_response,
 *     mo_imap_caps_rewrite), which must never offer STARTTLS,
 *     LOGINDISABLED or another AUTH= than PLAIN;
 *   - as everything a server sends, read by the connection plugin's own
 *     upstream code (the IMAP operations of upstream.h, as `connect` and
 *     `check` run them) from a descriptor: greeting, CAPABILITY,
 *     AUTHENTICATE XOAUTH2 with or without SASL-IR (continuations, error
 *     challenge, untagged data with literals passed on to the client),
 *     SELECT -- every failure explained in one printable line.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "b64.h"
#include "buf.h"
#include "errors.h"
#include "fuzz.h"
#include "imapparse.h"
#include "saslplain.h"
#include "secret.h"
#include "upstream.h"
#include "validate.h"

#define MAX_ERRORS 10	/* MO_FRONT_MAX_ERRORS */

struct input {
	const uint8_t *p, *end;
};

/* mo_conn_readline(): up to LF, a CR before it dropped; 1 at the end of
 * the input (or a last line without LF), -1 for a line over max. */
static int
read_line(struct input *in, struct mo_buf *line, size_t max)
{
	const uint8_t *lf = memchr(in->p, '\n', (size_t)(in->end - in->p));
	size_t n;

	mo_buf_reset(line);
	if (lf == NULL)
		return 1;
	n = (size_t)(lf - in->p);
	if (n > 0 && lf[-1] == '\r')
		n--;
	if (n > max)
		return -1;
	if (mo_buf_add(line, in->p, n) != MO_OK)
		return -1;
	in->p = lf + 1;
	return 0;
}

static void
plain(const char *resp, size_t len)
{
	struct mo_buf raw;
	const char *why = NULL;
	char *user = NULL;

	if (len == 1 && (resp[0] == '*' || resp[0] == '='))
		return;
	mo_buf_init(&raw, MO_PLAIN_MAX);
	if (mo_base64_decode(&raw, resp, len) == MO_OK &&
	    mo_plain_parse(raw.data != NULL ? raw.data : "", raw.len, &user, &why) == MO_OK) {
		(void)mo_valid_user(user, &why);
		free(user);
	}
	mo_buf_free(&raw);
}

static void
handle(struct input *in, struct mo_imap_cmd *cmd)
{
	struct mo_buf resp;
	const char *a0, *a1;
	size_t n0 = 0, n1 = 0, i;

	fuzz_assert(cmd->tag[0] != '\0' && cmd->name[0] != '\0');
	fuzz_assert(cmd->nargs <= MO_IMAP_MAX_ARGS);
	for (i = 0; i < cmd->nargs; i++) {
		size_t n = 0;
		const char *a = mo_imap_cmd_arg(cmd, i, &n);

		fuzz_assert(a != NULL && a[n] == '\0');
		fuzz_assert(cmd->args[i].type == MO_IMAP_LIST ||
			    cmd->args[i].off + n < cmd->strings.len);
	}
	a0 = mo_imap_cmd_arg(cmd, 0, &n0);
	a1 = mo_imap_cmd_arg(cmd, 1, &n1);
	if (strcmp(cmd->name, "LOGIN") == 0 && cmd->nargs == 2) {
		if (memchr(a0, '\0', n0) == NULL) {
			const char *why;

			(void)mo_valid_user(a0, &why);
		}
	} else if (strcmp(cmd->name, "AUTHENTICATE") == 0 && cmd->nargs >= 1 &&
		   cmd->args[0].type == MO_IMAP_ATOM && strcasecmp(a0, "PLAIN") == 0) {
		if (cmd->nargs == 2) {
			plain(a1, n1);
		} else {
			/* "+ " and the response on the next line. */
			mo_buf_init(&resp, MO_IMAP_LINE_MAX);
			if (read_line(in, &resp, MO_IMAP_LINE_MAX) == 0)
				plain(mo_buf_str(&resp), resp.len);
			mo_buf_free(&resp);
		}
	}
}

/* imapfront.c's read_command(): 0 a command was parsed (or refused and
 * the session goes on), 1 the session ends. */
static int
read_command(struct input *in, struct mo_imap_cmd *cmd, struct mo_buf *data,
	     int *errors)
{
	struct mo_buf line;
	const char *why = NULL;
	size_t n;
	int rc, end = 1;

	mo_buf_reset(data);
	mo_buf_init(&line, MO_IMAP_LINE_MAX);
	for (;;) {
		if (read_line(in, &line, MO_IMAP_LINE_MAX) != 0)
			goto out;
		if (memchr(mo_buf_str(&line), '\0', line.len) != NULL) {
			(*errors)++;
			end = 0;
			goto out;
		}
		if (mo_buf_add(data, line.data != NULL ? line.data : "", line.len) != MO_OK ||
		    mo_buf_addstr(data, "\r\n") != MO_OK)
			goto out;
		rc = mo_imap_parse(data->data, data->len, cmd, &why);
		if (rc == MO_OK) {
			handle(in, cmd);
			end = 0;
			goto out;
		}
		if (rc == MO_IMAP_NEED_LITERAL) {
			n = cmd->literal_len;
			fuzz_assert(n <= MO_IMAP_LITERAL_MAX);
			if ((size_t)(in->end - in->p) < n)
				goto out;	/* the client went away */
			if (mo_buf_add(data, in->p, n) != MO_OK)
				goto out;	/* "* BYE command too long" */
			in->p += n;
			continue;
		}
		fuzz_assert(why != NULL);
		fuzz_assert(rc == MO_ERR_PARSE || rc == MO_ERR_TOOBIG || rc == MO_ERR_NOMEM);
		if (rc == MO_ERR_TOOBIG && !(cmd->literal_len > 0 && cmd->literal_sync))
			goto out;	/* cannot resynchronise */
		(*errors)++;
		end = 0;
		goto out;
	}
out:
	mo_buf_free(&line);
	return end;
}

/* Nothing the client sees may offer what the plugin does not do. */
static void
check_caps(const char *s, size_t len, int preauth, const char *seps)
{
	const char *p = s, *end = s + len;

	while (p < end) {
		size_t w = 0;

		/* A NUL is part of a word here, as for the parser. */
		while (p + w < end && (p[w] == '\0' || strchr(seps, p[w]) == NULL))
			w++;
		fuzz_assert(!(w == 8 && strncasecmp(p, "STARTTLS", 8) == 0));
		fuzz_assert(!(w == 13 && strncasecmp(p, "LOGINDISABLED", 13) == 0));
		if (w >= 5 && strncasecmp(p, "AUTH=", 5) == 0)
			fuzz_assert(preauth && w == 10 && strncasecmp(p, "AUTH=PLAIN", 10) == 0);
		p += w;
		if (p < end)
			p++;
	}
}

static void
server_line(const char *s, size_t len, int variant)
{
	struct mo_imap_resp r;
	struct mo_buf out;
	char *exact;
	size_t n;
	int preauth = variant & 1;

	if (mo_imap_resp_parse(s, &r) == MO_OK) {
		fuzz_assert(r.text != NULL);
		fuzz_assert(r.untagged || r.status == MO_IMAP_S_CONTINUE ||
			    (r.tag != NULL && r.tag_len > 0));
	}
	/* Exactly len bytes for the functions that take a length. */
	exact = malloc(len > 0 ? len : 1);
	if (exact == NULL)
		return;
	memcpy(exact, s, len);
	if (mo_imap_line_literal(exact, len, &n))
		fuzz_assert(n <= 0x7fffffffu);
	mo_buf_init(&out, 512 * 1024);
	if (mo_imap_rewrite_response(exact, len, preauth,
				     variant & 2 ? "A0001" : NULL, &out) == MO_OK) {
		fuzz_assert(out.len >= 2 && memcmp(out.data + out.len - 2, "\r\n", 2) == 0);
		if (strncasecmp(out.data, "* CAPABILITY ", 13) == 0)
			check_caps(out.data + 13, out.len - 15, preauth, " ");
	}
	mo_buf_reset(&out);
	if (mo_imap_caps_rewrite(exact, len, preauth, &out) == MO_OK)
		check_caps(mo_buf_str(&out), out.len, preauth, " ");
	mo_buf_free(&out);
	free(exact);
}

#define B64 "dXNlcj11c2VyQGNvbnRvc28uZXhhbXBsZQFhdXRoPUJlYXJlciB4AQE="

/* imapfront.c's forward_untagged(): what the client would be sent. */
static int
to_client(void *arg, const char *line, size_t len)
{
	struct mo_buf out;

	(void)arg;
	mo_buf_init(&out, 512 * 1024);
	if (mo_imap_rewrite_response(line, len, false, NULL, &out) == MO_OK)
		fuzz_assert(out.len >= 2 && memcmp(out.data + out.len - 2, "\r\n", 2) == 0);
	mo_buf_free(&out);
	return MO_OK;
}

static void
upstream(const uint8_t *data, size_t size)
{
	struct mo_target t = { "imap.example", 993, MO_PROTO_IMAP, MO_TLS_IMPLICIT, false };
	struct mo_upstream up;
	struct mo_conn c;
	struct mo_buf tagged;
	struct mo_fail f;
	int rfd, wfd, rc;

	rfd = fuzz_peer_fd(data, size);
	wfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (rfd < 0 || wfd < 0)
		fuzz_fail("cannot make the server's descriptors");
	mo_conn_init(&c, rfd, wfd, "the server", 5000);
	mo_upstream_init(&up, &c, &t);
	fuzz_assert(up.ops == &mo_imap_upstream);
	mo_buf_init(&tagged, MO_IMAP_UP_RESP_MAX);
	memset(&f, 0, sizeof(f));
	/* mo_upstream_open() once connected, then mailoauth connect/check. */
	rc = up.ops->greet(&up, &f);
	if (rc == MO_OK)
		rc = up.ops->capabilities(&up, &f);
	if (rc == MO_OK) {
		up.u.imap.untagged = to_client;
		rc = up.ops->authenticate(&up, fuzz_account(), B64, &tagged, &f);
	}
	if (rc == MO_OK)
		rc = mo_imap_up_simple(&up, "SELECT INBOX", to_client, NULL, &tagged, &f);
	if (getenv("FUZZ_VERBOSE") != NULL)	/* triage: how far it got */
		fprintf(stderr, "upstream: %d %s\n", rc, rc != MO_OK ? f.msg : "complete");
	if (rc != MO_OK) {
		fuzz_assert(f.err != MO_OK && f.msg[0] != '\0');
		fuzz_assert(fuzz_printable(f.msg, 0));
	}
	mo_buf_free(&tagged);
	mo_upstream_free(&up);
	mo_conn_close(&c, false, true);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, data + size };
	struct mo_imap_cmd cmd;
	struct mo_buf buf, line;
	int errors = 0, variant = 0;

	upstream(data, size);

	/* The client side. */
	mo_imap_cmd_init(&cmd);
	mo_buf_init(&buf, MO_IMAP_CMD_MAX);
	while (errors < MAX_ERRORS && in.p < in.end) {
		if (read_command(&in, &cmd, &buf, &errors) != 0)
			break;
		mo_imap_cmd_free(&cmd);
	}
	mo_imap_cmd_free(&cmd);
	mo_buf_free(&buf);

	/* The server side: every line a response. */
	in.p = data;
	mo_buf_init(&line, 64 * 1024);
	while (read_line(&in, &line, 64 * 1024) == 0)
		server_line(mo_buf_str(&line), line.len, variant++);
	mo_buf_free(&line);
	return 0;
}
