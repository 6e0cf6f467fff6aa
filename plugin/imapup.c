/* SPDX-License-Identifier: MIT */
/* IMAP toward the mail server (upstream.h). */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "challenge.h"
#include "errors.h"
#include "imapparse.h"
#include "login.h"
#include "upstream.h"

/* A response with its literals (a long CAPABILITY, an ID reply ...):
 * MO_IMAP_UP_RESP_MAX in all. */
#define RESP_LITERAL_MAX (64 * 1024)
#define RESP_PARTS_MAX 64

static void
imap_init(struct mo_upstream *u)
{
	struct mo_imap_up *up = &u->u.imap;

	memset(up, 0, sizeof(*up));
	mo_buf_init(&up->greeting, MO_IMAP_UP_RESP_MAX);
	mo_buf_init(&up->caps, MO_UPSTREAM_LINE_MAX);
}

static void
imap_free(struct mo_upstream *u)
{
	mo_buf_free(&u->u.imap.greeting);
	mo_buf_free(&u->u.imap.caps);
}

static int
io_fail(struct mo_fail *f, int rc, const char *why, const char *doing)
{
	return mo_upstream_io_fail(f, "IMAP", rc, why, doing);
}

/* Writes "a b" CRLF (b may be NULL) in one piece. */
static int
put(struct mo_conn *c, const char *a, const char *b, const char *doing,
    struct mo_fail *f)
{
	struct mo_buf out;
	const char *why = "out of memory";
	int rc;

	mo_buf_init(&out, MO_XOAUTH2_B64_MAX + 256);
	rc = mo_buf_addstr(&out, a);
	if (rc == MO_OK && b != NULL)
		rc = mo_buf_addc(&out, ' ');
	if (rc == MO_OK && b != NULL)
		rc = mo_buf_addstr(&out, b);
	if (rc == MO_OK)
		rc = mo_buf_addstr(&out, "\r\n");
	if (rc == MO_OK)
		rc = mo_conn_write(c, out.data, out.len, &why);
	mo_buf_free(&out);	/* may hold the token: wiped */
	return rc == MO_OK ? MO_OK : io_fail(f, rc, why, doing);
}

/* One response: a line, and for each "{N}" at its end N bytes and the
 * line that follows (RFC 9051 §4.3).  No CRLF at the end of resp. */
static int
read_resp(struct mo_conn *c, struct mo_buf *resp, const char *doing,
	  struct mo_fail *f)
{
	struct mo_buf line;
	const char *why = NULL;
	size_t n, parts;
	int rc = MO_OK;

	mo_buf_reset(resp);
	mo_buf_init(&line, MO_UPSTREAM_LINE_MAX);
	for (parts = 0;; parts++) {
		rc = mo_conn_readline(c, &line, MO_UPSTREAM_LINE_MAX, NULL, &why);
		if (rc != MO_OK) {
			io_fail(f, rc, why, doing);
			goto out;
		}
		if ((rc = mo_buf_add(resp, line.data, line.len)) != MO_OK)
			goto toobig;
		if (!mo_imap_line_literal(line.data, line.len, &n))
			break;
		if (n > RESP_LITERAL_MAX || parts >= RESP_PARTS_MAX)
			goto toobig;
		if ((rc = mo_buf_addstr(resp, "\r\n")) != MO_OK)
			goto toobig;
		rc = mo_conn_readn(c, resp, n, &why);
		if (rc == MO_ERR_TOOBIG || rc == MO_ERR_NOMEM)
			goto toobig;
		if (rc != MO_OK) {
			io_fail(f, rc, why, doing);
			goto out;
		}
	}
	mo_log(3, "S: %.200s", mo_buf_str(resp));
	goto out;
toobig:
	mo_fail_set(f, MO_ERR_PROTO, "the IMAP server sent an oversized response %s", doing);
	rc = MO_ERR_PROTO;
out:
	mo_buf_free(&line);
	return rc;
}

/* The capability list in "[CAPABILITY ...]" at the start of text. */
static bool
caps_from_code(const char *text, struct mo_buf *caps)
{
	const char *end;

	if (strncasecmp(text, "[CAPABILITY ", 12) != 0)
		return false;
	end = strchr(text + 12, ']');
	if (end == NULL)
		return false;
	mo_buf_reset(caps);
	return mo_buf_add(caps, text + 12, (size_t)(end - text - 12)) == MO_OK;
}

static bool
has_cap(const struct mo_buf *caps, const char *cap)
{
	const char *p = mo_buf_str(caps);
	size_t n = strlen(cap);

	while (*p != '\0') {
		size_t w = strcspn(p, " ");

		if (w == n && strncasecmp(p, cap, n) == 0)
			return true;
		p += w;
		while (*p == ' ')
			p++;
	}
	return false;
}

static void
note_caps(struct mo_imap_up *up)
{
	up->sasl_ir = has_cap(&up->caps, "SASL-IR");
	up->xoauth2 = has_cap(&up->caps, "AUTH=XOAUTH2");
}

/* Untagged "* CAPABILITY ..." updates up->caps; others go to cb. */
static int
untagged(struct mo_imap_up *up, const struct mo_imap_resp *r, const struct mo_buf *resp,
	 mo_imap_untagged_fn *cb, void *arg)
{
	if (r->status == MO_IMAP_S_OTHER && strncasecmp(r->text, "CAPABILITY ", 11) == 0) {
		mo_buf_reset(&up->caps);
		(void)mo_buf_addstr(&up->caps, r->text + 11);
		note_caps(up);
	} else if ((r->status == MO_IMAP_S_OK || r->status == MO_IMAP_S_NO) &&
		   caps_from_code(r->text, &up->caps)) {
		note_caps(up);
	}
	return cb != NULL ? cb(arg, resp->data, resp->len) : MO_OK;
}

/* Waits for the tagged reply to tag; untagged lines on the way go to
 * untagged(); a BYE means the server is closing. */
static int
wait_tagged(struct mo_conn *c, struct mo_imap_up *up, const char *tag,
	    mo_imap_untagged_fn *cb, void *arg, struct mo_buf *tagged,
	    struct mo_imap_resp *r, const char *doing, struct mo_fail *f)
{
	char said[300];
	int rc;

	for (;;) {
		if ((rc = read_resp(c, tagged, doing, f)) != MO_OK)
			return rc;
		if (mo_imap_resp_parse(tagged->data, r) != MO_OK) {
			mo_oneline(said, sizeof(said), tagged->data, tagged->len);
			mo_fail_set(f, MO_ERR_PROTO, "the IMAP server sent a malformed response "
				    "%s: %s", doing, said);
			return MO_ERR_PROTO;
		}
		if (r->status == MO_IMAP_S_CONTINUE)
			return MO_OK;	/* the caller decides */
		if (r->untagged) {
			if (r->status == MO_IMAP_S_BYE) {
				mo_oneline(said, sizeof(said), r->text, strlen(r->text));
				mo_fail_set(f, MO_ERR_PROTO, "the IMAP server closed the "
					    "connection %s: %s", doing, said);
				return MO_ERR_PROTO;
			}
			if ((rc = untagged(up, r, tagged, cb, arg)) != MO_OK) {
				mo_fail_set(f, rc, "the client went away");
				return rc;
			}
			continue;
		}
		if (r->tag_len == strlen(tag) && memcmp(r->tag, tag, r->tag_len) == 0) {
			if (r->status == MO_IMAP_S_OK && caps_from_code(r->text, &up->caps))
				note_caps(up);
			return MO_OK;
		}
		/* Someone else's tag: not ours to handle. */
	}
}

static void
next_tag(struct mo_imap_up *up, char *tag, size_t n)
{
	snprintf(tag, n, "mo%u", ++up->tagno);
}

int
mo_imap_up_simple(struct mo_upstream *u, const char *cmd, mo_imap_untagged_fn *cb,
		  void *arg, struct mo_buf *tagged, struct mo_fail *f)
{
	struct mo_imap_up *up = &u->u.imap;
	struct mo_conn *c = u->c;
	struct mo_imap_resp r;
	char tag[16], said[300];
	int rc;

	next_tag(up, tag, sizeof(tag));
	mo_log(3, "C: %s %s", tag, cmd);
	rc = put(c, tag, cmd, "while sending a command", f);
	if (rc != MO_OK) {
		/* The server may have said goodbye first ("* BYE ..."). */
		if (mo_upstream_last_words(c, tagged) == MO_OK) {
			mo_oneline(said, sizeof(said), tagged->data, tagged->len);
			mo_fail_set(f, MO_ERR_PROTO, "the IMAP server closed the connection "
				    "before %s: %s", cmd, said);
			return MO_ERR_PROTO;
		}
		return rc;
	}
	if ((rc = wait_tagged(c, up, tag, cb, arg, tagged, &r, "after a command", f)) != MO_OK)
		return rc;
	if (r.status == MO_IMAP_S_OK)
		return MO_OK;
	mo_oneline(said, sizeof(said), tagged->data, tagged->len);
	if (r.status == MO_IMAP_S_CONTINUE) {
		mo_fail_set(f, MO_ERR_PROTO, "the IMAP server asked for more data after "
			    "%s: %s", cmd, said);
		return MO_ERR_PROTO;
	}
	mo_fail_set(f, MO_ERR_AUTH, "the server answered %s with: %s", cmd, said);
	return MO_ERR_AUTH;
}

/* RFC 9051 §9: greeting = "*" SP (resp-cond-auth / resp-cond-bye) CRLF;
 * its response code may carry the capabilities. */
static int
imap_greet(struct mo_upstream *u, struct mo_fail *f)
{
	struct mo_imap_up *up = &u->u.imap;
	const struct mo_target *t = u->t;
	struct mo_imap_resp r;
	char said[300];
	int rc;

	if ((rc = read_resp(u->c, &up->greeting, "before its greeting", f)) != MO_OK)
		return rc;
	mo_oneline(said, sizeof(said), up->greeting.data, up->greeting.len);
	if (mo_imap_resp_parse(up->greeting.data, &r) != MO_OK || !r.untagged ||
	    (r.status != MO_IMAP_S_OK && r.status != MO_IMAP_S_PREAUTH &&
	     r.status != MO_IMAP_S_BYE)) {
		mo_fail_set(f, MO_ERR_TEMP, "%s:%u does not greet like an IMAP server (it said: "
			    "%s); check the port and --protocol", t->host, t->port, said);
		return MO_ERR_TEMP;
	}
	if (r.status == MO_IMAP_S_BYE) {
		mo_fail_set(f, MO_ERR_TEMP, "%s:%u refuses connections: %s", t->host, t->port, said);
		return MO_ERR_TEMP;
	}
	if (r.status == MO_IMAP_S_PREAUTH) {
		mo_fail_set(f, MO_ERR_PROTO, "%s:%u logs every connection in without "
			    "authentication (PREAUTH); mailoauth cannot tell whose mailbox that "
			    "is and will not use it", t->host, t->port);
		return MO_ERR_PROTO;
	}
	up->caps_known = caps_from_code(r.text, &up->caps);
	return MO_OK;
}

/* CAPABILITY unless the greeting listed them. */
static int
imap_capabilities(struct mo_upstream *u, struct mo_fail *f)
{
	struct mo_imap_up *up = &u->u.imap;
	struct mo_buf tagged;
	int rc = MO_OK;

	mo_buf_init(&tagged, MO_IMAP_UP_RESP_MAX);
	if (!up->caps_known)
		rc = mo_imap_up_simple(u, "CAPABILITY", NULL, NULL, &tagged, f);
	if (rc == MO_OK) {
		note_caps(up);
		up->caps_known = true;
	}
	mo_buf_free(&tagged);
	return rc;
}

/* RFC 9051 §6.2.1: STARTTLS, advertised in CAPABILITY; what was learned
 * before TLS is discarded. */
static int
imap_starttls(struct mo_upstream *u, struct mo_fail *f)
{
	struct mo_imap_up *up = &u->u.imap;
	struct mo_imap_resp r;
	struct mo_buf tagged;
	char tag[16], said[300];
	int rc;

	if (!has_cap(&up->caps, "STARTTLS"))
		return mo_upstream_no_starttls(u, f);
	mo_buf_init(&tagged, MO_IMAP_UP_RESP_MAX);
	next_tag(up, tag, sizeof(tag));
	mo_log(3, "C: %s STARTTLS", tag);
	if ((rc = put(u->c, tag, "STARTTLS", "while sending STARTTLS", f)) != MO_OK ||
	    (rc = wait_tagged(u->c, up, tag, NULL, NULL, &tagged, &r, "after STARTTLS", f)) != MO_OK)
		goto out;
	if (r.status != MO_IMAP_S_OK) {
		mo_oneline(said, sizeof(said), tagged.data, tagged.len);
		mo_fail_set(f, MO_ERR_PROTO, "%s:%u refused STARTTLS (%s), and mailoauth "
			    "never sends a token without TLS", u->t->host, u->t->port, said);
		rc = MO_ERR_PROTO;
		goto out;
	}
	mo_buf_reset(&up->caps);
	up->caps_known = false;
out:
	mo_buf_free(&tagged);
	return rc;
}

/*
 * AUTHENTICATE XOAUTH2, with SASL-IR (RFC 4959) when the server offers it,
 * else with an empty continuation first; untagged responses on the way go
 * to up->untagged.
 */
static int
imap_authenticate(struct mo_upstream *u, const struct mo_account *acct,
		  const char *b64, struct mo_buf *tagged, struct mo_fail *f)
{
	struct mo_imap_up *up = &u->u.imap;
	mo_imap_untagged_fn *cb = up->untagged;
	void *arg = up->untagged_arg;
	const struct mo_target *t = u->t;
	struct mo_conn *c = u->c;
	struct mo_challenge ch = { 0 };
	struct mo_imap_resp r;
	char tag[16], cmd[64];
	bool sent = false;
	int rc, rounds;

	next_tag(up, tag, sizeof(tag));
	if (up->sasl_ir) {
		/* RFC 4959: the initial response on the command line. */
		snprintf(cmd, sizeof(cmd), "%s AUTHENTICATE XOAUTH2", tag);
		mo_log(2, "C: %s <hidden XOAUTH2 response>", cmd);
		rc = put(c, cmd, b64, "while sending AUTHENTICATE", f);
		sent = true;
	} else {
		mo_log(2, "C: %s AUTHENTICATE XOAUTH2", tag);
		rc = put(c, tag, "AUTHENTICATE XOAUTH2", "while sending AUTHENTICATE", f);
	}
	if (rc != MO_OK)
		goto out;
	for (rounds = 0;; rounds++) {
		if ((rc = wait_tagged(c, up, tag, cb, arg, tagged, &r, "during AUTHENTICATE", f)) != MO_OK)
			goto out;
		if (r.status != MO_IMAP_S_CONTINUE)
			break;
		if (rounds >= 2) {
			mo_fail_set(f, MO_ERR_PROTO, "the IMAP server keeps asking for more "
				    "during AUTHENTICATE XOAUTH2");
			rc = MO_ERR_PROTO;
			goto out;
		}
		if (!sent) {
			mo_log(2, "C: <hidden XOAUTH2 response>");
			rc = put(c, b64, NULL, "while sending the token", f);
			sent = true;
		} else {
			/* The error challenge: an empty response ends it. */
			mo_challenge_free(&ch);
			(void)mo_login_challenge(r.text, &ch);
			mo_log(2, "C: <empty response to the error challenge>");
			rc = put(c, "", NULL, "after the error challenge", f);
		}
		if (rc != MO_OK)
			goto out;
	}
	if (r.status == MO_IMAP_S_OK) {
		rc = MO_OK;
		goto out;
	}
	mo_login_refused(f, acct, MO_PROTO_IMAP, t->host, r.text, ch.status ? &ch : NULL);
	rc = MO_ERR_AUTH;
out:
	mo_challenge_free(&ch);
	return rc;
}

/* The words of a tagged reply without its tag, status and response code. */
static const char *
imap_reply_words(const char *s)
{
	s += strcspn(s, " ");		/* tag */
	while (*s == ' ')
		s++;
	s += strcspn(s, " ");		/* OK */
	while (*s == ' ')
		s++;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close != NULL)
			s = close + 1;
	}
	while (*s == ' ')
		s++;
	return s;
}

/* The untagged "* N EXISTS" of the EXAMINE reply (RFC 9051 §6.3.3). */
static int
count_exists(void *arg, const char *line, size_t len)
{
	long *messages = arg;
	char *end;
	long n;

	(void)len;
	if (strncmp(line, "* ", 2) != 0 || !isdigit((unsigned char)line[2]))
		return MO_OK;
	n = strtol(line + 2, &end, 10);
	if (strcasecmp(end, " EXISTS") == 0)
		*messages = n;
	return MO_OK;
}

static int
imap_probe_mailbox(struct mo_upstream *u, const struct mo_account *acct, char *desc,
		   size_t n, struct mo_fail *f)
{
	struct mo_buf tagged;
	long messages = -1;
	int rc;

	(void)acct;
	mo_buf_init(&tagged, MO_IMAP_UP_RESP_MAX);
	rc = mo_imap_up_simple(u, "EXAMINE INBOX", count_exists, &messages, &tagged, f);
	if (rc == MO_OK && messages >= 0)
		snprintf(desc, n, "EXAMINE INBOX (read-only SELECT): %ld messages", messages);
	else if (rc == MO_OK)
		snprintf(desc, n, "EXAMINE INBOX (read-only SELECT) succeeded");
	mo_buf_free(&tagged);
	return rc;
}

/* Tag "mo0" is never used by a command of ours (next_tag() starts at 1). */
static void
imap_logout(struct mo_upstream *u)
{
	const char *why;

	(void)mo_conn_writestr(u->c, "mo0 LOGOUT\r\n", &why);
}

const struct mo_upstream_ops mo_imap_upstream = {
	.proto = MO_PROTO_IMAP,
	.label = "IMAP",
	.starttls_verb = "STARTTLS",
	.mailbox_off = "IMAP is disabled for the mailbox (Set-CASMailbox -ImapEnabled $true)",
	.sends_mail = false,
	.init = imap_init,
	.free = imap_free,
	.greet = imap_greet,
	.capabilities = imap_capabilities,
	.starttls = imap_starttls,
	.authenticate = imap_authenticate,
	.reply_words = imap_reply_words,
	.probe_mailbox = imap_probe_mailbox,
	.logout = imap_logout,
};
