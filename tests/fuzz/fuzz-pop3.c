/* SPDX-License-Identifier: MIT */
/*
 * The connection plugin's POP3 text (plugin/pop3parse.h, saslplain.h):
 * the input is a stream of lines taken two ways --
 *   - as a client's commands before login, handled as pop3front.c does
 *     (USER name checks, AUTH PLAIN with an initial response or on the
 *     next line, base64 and the PLAIN message);
 *   - as a server's replies: status lines, and a CAPA list (after a +OK,
 *     dot-stuffed, up to ".") rewritten for the client, which must stay a
 *     well-formed multi-line reply;
 *   - as everything a server sends, read by the connection plugin's own
 *     upstream code (the POP3 operations of upstream.h, as `connect` and
 *     `check` run them) from a descriptor: greeting, CAPA, AUTH XOAUTH2
 *     (continuation, error challenge, verdict), STAT -- every failure must
 *     be explained in one printable line.
 * Every line is handed over in a buffer of exactly its size.
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
#include "pop3parse.h"
#include "saslplain.h"
#include "secret.h"
#include "upstream.h"
#include "validate.h"

#define MAX_LINES 256

struct line {
	char *s;	/* NUL-terminated copy (exact size + 1) */
	size_t len;
};

static size_t
split(const uint8_t *data, size_t size, struct line *lines)
{
	size_t n = 0, start = 0, i, len;

	for (i = 0; i <= size && n < MAX_LINES; i++) {
		if (i < size && data[i] != '\n')
			continue;
		len = i - start;
		if (len > 0 && data[start + len - 1] == '\r')
			len--;
		/* mo_conn_readline() refuses longer lines. */
		if (len <= MO_POP3_LINE_MAX && (i < size || len > 0)) {
			lines[n].s = malloc(len + 1);
			if (lines[n].s == NULL)
				break;
			memcpy(lines[n].s, data + start, len);
			lines[n].s[len] = '\0';
			lines[n].len = len;
			n++;
		}
		start = i + 1;
	}
	return n;
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
		fuzz_assert(user != NULL && strlen(user) <= raw.len);
		(void)mo_valid_user(user, &why);
		free(user);
	}
	mo_buf_free(&raw);
}

static size_t
client_command(struct line *lines, size_t n, size_t i)
{
	struct mo_pop3_cmd cmd;
	const char *why = NULL, *line;
	char *exact, *user;
	size_t len = lines[i].len;

	/* Exactly len bytes: no terminating NUL to lean on. */
	exact = malloc(len > 0 ? len : 1);
	if (exact == NULL)
		return i + 1;
	memcpy(exact, lines[i].s, len);
	line = exact;
	if (mo_pop3_parse(line, len, &cmd, &why) != MO_OK) {
		fuzz_assert(why != NULL);
		free(exact);
		return i + 1;
	}
	fuzz_assert(strlen(cmd.keyword) >= 3 && strlen(cmd.keyword) <= 4);
	fuzz_assert(cmd.arg1 == NULL || cmd.arg1_len == 0 ||
		    (cmd.arg1 >= line && cmd.arg1 + cmd.arg1_len <= line + len));
	fuzz_assert(cmd.arg2 == NULL ||
		    (cmd.arg2 >= line && cmd.arg2 + cmd.arg2_len <= line + len));
	switch (cmd.verb) {
	case MO_POP3_USER:
	case MO_POP3_APOP:
		fuzz_assert(cmd.arg1 != NULL);
		user = strndup(cmd.arg1, cmd.arg1_len);
		if (user != NULL)
			(void)mo_valid_user(user, &why);
		free(user);
		break;
	case MO_POP3_PASS:
		fuzz_assert(cmd.arg1 != NULL);
		break;
	case MO_POP3_AUTH:
		if (cmd.arg1 == NULL || cmd.arg1_len != 5 ||
		    strncasecmp(cmd.arg1, "PLAIN", 5) != 0)
			break;
		if (cmd.arg2 != NULL) {
			plain(cmd.arg2, cmd.arg2_len);
		} else if (i + 1 < n) {
			/* "+ " and the response on the next line. */
			i++;
			plain(lines[i].s, lines[i].len);
		}
		break;
	default:
		break;
	}
	mo_wipe(exact, len);
	free(exact);
	return i + 1;
}

static void
server_replies(struct line *lines, size_t n)
{
	const char *capa[MO_POP3_CAPA_MAX];
	struct mo_buf out;
	size_t i, ncapa = 0;
	const char *p, *end;

	for (i = 0; i < n; i++)
		fuzz_assert(!(mo_pop3_is_ok(lines[i].s) && mo_pop3_is_err(lines[i].s)));
	/* A CAPA reply: "+OK", lines, "." (as the upstream side reads it). */
	for (i = 0; i < n && !mo_pop3_is_ok(lines[i].s); i++)
		;
	for (i++; i < n && strcmp(lines[i].s, ".") != 0; i++) {
		if (ncapa < MO_POP3_CAPA_MAX)
			capa[ncapa++] = lines[i].s[0] == '.' ? lines[i].s + 1 : lines[i].s;
	}
	mo_buf_init(&out, 64 * 1024);
	if (mo_pop3_capa_rewrite(ncapa > 0 ? capa : NULL, ncapa, &out) == MO_OK) {
		/* "+OK ..." CRLF, lines without control characters, "." CRLF. */
		p = mo_buf_str(&out);
		end = p + out.len;
		fuzz_assert(strncmp(p, "+OK", 3) == 0);
		fuzz_assert(out.len >= 3 && strcmp(end - 3, ".\r\n") == 0);
		fuzz_assert(strlen(p) == out.len);
		for (; p < end; p++) {
			unsigned char c = (unsigned char)*p;

			if (c == '\r')
				fuzz_assert(p + 1 < end && p[1] == '\n');
			else if (c == '\n')
				fuzz_assert(p > out.data && p[-1] == '\r');
			else
				fuzz_assert(c >= 0x20 && c != 0x7f);
		}
		/* The client must never be offered STLS. */
		for (p = strstr(out.data, "\r\n"); p != NULL; p = strstr(p, "\r\n")) {
			p += 2;
			fuzz_assert(!(strncasecmp(p, "STLS", 4) == 0 &&
				      (p[4] == '\r' || p[4] == ' ')));
		}
	}
	mo_buf_free(&out);
}

/* The XOAUTH2 response the plugin would send (user=...^Aauth=Bearer x^A^A). */
#define B64 "dXNlcj11c2VyQGNvbnRvc28uZXhhbXBsZQFhdXRoPUJlYXJlciB4AQE="

static void
upstream(const uint8_t *data, size_t size)
{
	struct mo_target t = { "pop.example", 995, MO_PROTO_POP3, MO_TLS_IMPLICIT, false };
	struct mo_upstream up;
	struct mo_conn c;
	struct mo_buf reply;
	struct mo_fail f;
	char desc[700];
	int rfd, wfd, rc;
	size_t i;

	rfd = fuzz_peer_fd(data, size);
	wfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (rfd < 0 || wfd < 0)
		fuzz_fail("cannot make the server's descriptors");
	mo_conn_init(&c, rfd, wfd, "the server", 5000);
	mo_upstream_init(&up, &c, &t);
	fuzz_assert(up.ops == &mo_pop3_upstream);
	mo_buf_init(&reply, MO_UPSTREAM_LINE_MAX);
	memset(&f, 0, sizeof(f));
	/* mo_upstream_open() once connected, then mailoauth check's steps. */
	rc = up.ops->greet(&up, &f);
	if (rc == MO_OK)
		rc = up.ops->capabilities(&up, &f);
	if (rc == MO_OK) {
		fuzz_assert(up.u.pop3.ncapa <= MO_POP3_CAPA_MAX);
		for (i = 0; i < up.u.pop3.ncapa; i++)
			fuzz_assert(up.u.pop3.capa[i] != NULL);
		rc = up.ops->authenticate(&up, fuzz_account(), B64, &reply, &f);
	}
	if (rc == MO_OK) {
		rc = up.ops->probe_mailbox(&up, fuzz_account(), desc, sizeof(desc), &f);
		if (rc == MO_OK)
			fuzz_assert(fuzz_printable(desc, 0));
	}
	if (getenv("FUZZ_VERBOSE") != NULL)	/* triage: how far it got */
		fprintf(stderr, "upstream: %d %s\n", rc, rc != MO_OK ? f.msg : "complete");
	if (rc != MO_OK) {
		fuzz_assert(f.err != MO_OK && f.msg[0] != '\0');
		fuzz_assert(fuzz_printable(f.msg, 0));
	}
	mo_buf_free(&reply);
	mo_upstream_free(&up);
	mo_conn_close(&c, false, true);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line lines[MAX_LINES];
	size_t n, i;

	upstream(data, size);
	n = split(data, size, lines);
	for (i = 0; i < n;)
		i = client_command(lines, n, i);
	server_replies(lines, n);
	for (i = 0; i < n; i++) {
		mo_wipe(lines[i].s, lines[i].len);
		free(lines[i].s);
	}
	return 0;
}
