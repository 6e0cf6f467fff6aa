/* SPDX-License-Identifier: MIT */
/* IMAP command parser (literals included), capability rewriting and
 * response lines: good and hostile input. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "imapparse.h"
#include "tap.h"

#define L(s) s, sizeof(s) - 1

static const struct {
	const char *data;
	size_t len;
	int rc;
	const char *tag, *name;
	size_t nargs;
	const char *a0, *a1;
	size_t literal;		/* NEED_LITERAL / TOOBIG: expected size */
	int sync;
} cases[] = {
	{ L("a CAPABILITY\r\n"), MO_OK, "a", "CAPABILITY", 0, NULL, NULL, 0, 0 },
	{ L("A1 capability\r\n"), MO_OK, "A1", "CAPABILITY", 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN user@x secret\r\n"), MO_OK, "a", "LOGIN", 2, "user@x", "secret", 0, 0 },
	{ L("a002 LOGIN \"user@x\" \"pa ss\"\r\n"), MO_OK, "a002", "LOGIN", 2, "user@x", "pa ss", 0, 0 },
	{ L("t LOGIN \"a\\\"b\" \"c\\\\d\"\r\n"), MO_OK, "t", "LOGIN", 2, "a\"b", "c\\d", 0, 0 },
	{ L("t LOGIN \"\" \"\"\r\n"), MO_OK, "t", "LOGIN", 2, "", "", 0, 0 },
	{ L("t LOGIN \"j\xc3\xb6rg@x\" p\r\n"), MO_OK, "t", "LOGIN", 2, "j\xc3\xb6rg@x", "p", 0, 0 },
	{ L("t LOGIN {6}\r\n"), MO_IMAP_NEED_LITERAL, "t", "LOGIN", 0, NULL, NULL, 6, 1 },
	{ L("t LOGIN {6}\r\nuser@x {4+}\r\n"), MO_IMAP_NEED_LITERAL, "t", "LOGIN", 1, "user@x", NULL, 4, 0 },
	{ L("t LOGIN {6}\r\nuser@x {4+}\r\np\"ss\r\n"), MO_OK, "t", "LOGIN", 2, "user@x", "p\"ss", 0, 0 },
	{ L("t LOGIN {6}\r\nuser@x pass\r\n"), MO_OK, "t", "LOGIN", 2, "user@x", "pass", 0, 0 },
	{ L("t LOGIN {0}\r\n {0}\r\n\r\n"), MO_OK, "t", "LOGIN", 2, "", "", 0, 0 },
	{ L("t AUTHENTICATE PLAIN\r\n"), MO_OK, "t", "AUTHENTICATE", 1, "PLAIN", NULL, 0, 0 },
	{ L("t AUTHENTICATE PLAIN AHVAeABw\r\n"), MO_OK, "t", "AUTHENTICATE", 2, "PLAIN", "AHVAeABw", 0, 0 },
	{ L("t AUTHENTICATE PLAIN =\r\n"), MO_OK, "t", "AUTHENTICATE", 2, "PLAIN", "=", 0, 0 },
	{ L("t ID (\"name\" \"fetchmail\" \"version\" NIL)\r\n"), MO_OK, "t", "ID", 1, "", NULL, 0, 0 },
	{ L("t ID NIL\r\n"), MO_OK, "t", "ID", 1, "NIL", NULL, 0, 0 },
	{ L("t ID (\"x\" {3}\r\n"), MO_IMAP_NEED_LITERAL, "t", "ID", 0, NULL, NULL, 3, 1 },
	{ L("t ID (\"x\" {3}\r\nabc)\r\n"), MO_OK, "t", "ID", 1, "", NULL, 0, 0 },
	{ L("t LIST \"\" *\r\n"), MO_OK, "t", "LIST", 2, "", "*", 0, 0 },
	{ L("t SELECT [x]\r\n"), MO_OK, "t", "SELECT", 1, "[x]", NULL, 0, 0 },
	/* hostile or malformed */
	{ L("\r\n"), MO_ERR_PARSE, "", NULL, 0, NULL, NULL, 0, 0 },
	{ L(" a LOGIN x y\r\n"), MO_ERR_PARSE, "", NULL, 0, NULL, NULL, 0, 0 },
	{ L("+a LOGIN x y\r\n"), MO_ERR_PARSE, "", NULL, 0, NULL, NULL, 0, 0 },
	{ L("*a LOGIN x y\r\n"), MO_ERR_PARSE, "", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a\r\n"), MO_ERR_PARSE, "", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a \r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN  x y\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN x y \r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN x y"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN x y\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN x y\r\nb NOOP\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN \"x y\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN \"x\ry\" z\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN \"x\\y\" z\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN \"x\0y\" z\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN x\x01y z\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN x\x80y z\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN x\"y z\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN {4}x\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN {}\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN {-1}\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN {12345678901}\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN {4}\r\nab\0d x\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN {8}\r\nabc\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOGIN {99999}\r\n"), MO_ERR_TOOBIG, "a", NULL, 0, NULL, NULL, 99999, 1 },
	{ L("a LOGIN {99999+}\r\n"), MO_ERR_TOOBIG, "a", NULL, 0, NULL, NULL, 99999, 0 },
	{ L("a X 1 2 3 4 5 6 7 8 9\r\n"), MO_ERR_TOOBIG, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a ID ((((((((((x))))))))))\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a ID (x\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a ID x)\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a LOG-IN x y\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("a AVERYVERYVERYLONGCOMMANDNAME\r\n"), MO_ERR_PARSE, "a", NULL, 0, NULL, NULL, 0, 0 },
	{ L("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa NOOP\r\n"),
	  MO_ERR_PARSE, "", NULL, 0, NULL, NULL, 0, 0 },
};

static void
test_commands(void)
{
	struct mo_imap_cmd cmd;
	size_t i;

	mo_imap_cmd_init(&cmd);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		int rc = mo_imap_parse(cases[i].data, cases[i].len, &cmd, &why);

		tap_is_int(rc, cases[i].rc, "case %zu: result", i);
		tap_is_str(cmd.tag, cases[i].tag, "case %zu: tag", i);
		if (rc == MO_ERR_PARSE || rc == MO_ERR_TOOBIG)
			tap_ok(why != NULL && why[0] != '\0', "case %zu: a reason", i);
		if (rc == MO_IMAP_NEED_LITERAL || (rc == MO_ERR_TOOBIG && cases[i].literal)) {
			tap_is_int((long long)cmd.literal_len, (long long)cases[i].literal,
				   "case %zu: literal size", i);
			tap_is_int(cmd.literal_sync, cases[i].sync, "case %zu: literal kind", i);
		}
		if (rc != MO_OK && rc != MO_IMAP_NEED_LITERAL)
			continue;
		tap_is_str(cmd.name, cases[i].name, "case %zu: name", i);
		if (rc != MO_OK)
			continue;
		tap_is_int((long long)cmd.nargs, (long long)cases[i].nargs, "case %zu: arguments", i);
		if (cases[i].a0 != NULL)
			tap_is_str(mo_imap_cmd_arg(&cmd, 0, NULL), cases[i].a0, "case %zu: first", i);
		if (cases[i].a1 != NULL)
			tap_is_str(mo_imap_cmd_arg(&cmd, 1, NULL), cases[i].a1, "case %zu: second", i);
	}
	mo_imap_cmd_free(&cmd);
}

/* Literal bytes may be anything but NUL, and their length is exact. */
static void
test_literal_bytes(void)
{
	struct mo_imap_cmd cmd;
	struct mo_buf b;
	const char *why, *a;
	size_t len = 0;
	int c, rc;

	mo_imap_cmd_init(&cmd);
	mo_buf_init(&b, 4096);
	mo_buf_addstr(&b, "x LOGIN {255}\r\n");
	for (c = 1; c < 256; c++)
		mo_buf_addc(&b, (char)c);
	mo_buf_addstr(&b, " p\r\n");
	rc = mo_imap_parse(b.data, b.len, &cmd, &why);
	tap_is_int(rc, MO_OK, "a literal with every byte but NUL parses");
	a = mo_imap_cmd_arg(&cmd, 0, &len);
	tap_ok(a != NULL && len == 255 && (unsigned char)a[0] == 1 && (unsigned char)a[254] == 255,
	       "its bytes are kept exactly");
	mo_buf_free(&b);
	mo_imap_cmd_free(&cmd);
}

/* Every byte at every position of a short command: no crash; no control
 * byte accepted outside a quoted string, and NUL, CR and LF not even there
 * (RFC 9051: QUOTED-CHAR is any TEXT-CHAR; the user name is checked again
 * before it is used). */
static void
test_all_bytes(void)
{
	static const char base[] = "t LOGIN \"u@x\" pw\r\n";
	struct mo_imap_cmd cmd;
	char line[sizeof(base)];
	size_t pos, n = sizeof(base) - 1;
	int c, bad = 0, rc;

	mo_imap_cmd_init(&cmd);
	for (pos = 0; pos < n - 2; pos++) {
		for (c = 0; c < 256; c++) {
			const char *why;

			memcpy(line, base, n);
			line[pos] = (char)c;
			rc = mo_imap_parse(line, n, &cmd, &why);
			if (rc == MO_OK && (c == 0 || c == '\r' || c == '\n'))
				bad++;
			else if (rc == MO_OK && (c < 0x20 || c == 0x7f) && (pos < 9 || pos > 11))
				bad++;
		}
	}
	tap_is_int(bad, 0, "no forbidden byte accepted in %zu x 256 variants", n - 2);
	mo_imap_cmd_free(&cmd);
}

static void
test_caps(void)
{
	static const char caps[] = "IMAP4rev1 SASL-IR  STARTTLS LOGINDISABLED AUTH=PLAIN "
				   "auth=xoauth2 ID LITERAL+";
	struct mo_buf out;

	mo_buf_init(&out, 4096);
	tap_is_int(mo_imap_caps_rewrite(caps, strlen(caps), true, &out), MO_OK, "caps: rewrite");
	tap_is_str(mo_buf_str(&out), "IMAP4rev1 SASL-IR ID LITERAL+ AUTH=PLAIN",
		   "caps: STARTTLS, LOGINDISABLED, AUTH= dropped, AUTH=PLAIN added");
	mo_buf_reset(&out);
	mo_imap_caps_rewrite(caps, strlen(caps), false, &out);
	tap_is_str(mo_buf_str(&out), "IMAP4rev1 SASL-IR ID LITERAL+", "caps: after login nothing added");
	mo_buf_reset(&out);
	mo_imap_caps_rewrite("", 0, true, &out);
	tap_is_str(mo_buf_str(&out), "AUTH=PLAIN", "caps: empty list");

	mo_buf_reset(&out);
	mo_imap_rewrite_response(L("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=XOAUTH2] Dovecot ready."),
				 true, NULL, &out);
	tap_is_str(mo_buf_str(&out), "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready.\r\n",
		   "response: greeting code rewritten");
	mo_buf_reset(&out);
	mo_imap_rewrite_response(L("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED"), true, NULL, &out);
	tap_is_str(mo_buf_str(&out), "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n",
		   "response: untagged CAPABILITY rewritten");
	mo_buf_reset(&out);
	mo_imap_rewrite_response(L("mo1 OK [CAPABILITY IMAP4rev1 AUTH=X IDLE] Logged in"), false,
				 "a001", &out);
	tap_is_str(mo_buf_str(&out), "a001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n",
		   "response: tagged OK re-tagged, code rewritten");
	mo_buf_reset(&out);
	mo_imap_rewrite_response(L("mo1 NO [AUTHENTICATIONFAILED] Authentication failed."), false,
				 "x", &out);
	tap_is_str(mo_buf_str(&out), "x NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
		   "response: tagged NO re-tagged");
	mo_buf_reset(&out);
	mo_imap_rewrite_response(L("* 3 EXISTS"), false, "x", &out);
	tap_is_str(mo_buf_str(&out), "* 3 EXISTS\r\n", "response: data untouched");
	mo_buf_reset(&out);
	mo_imap_rewrite_response(L("* OK [CAPABILITY IMAP4rev1 unterminated"), true, NULL, &out);
	tap_is_str(mo_buf_str(&out), "* OK [CAPABILITY IMAP4rev1 unterminated\r\n",
		   "response: unterminated code copied as is");
	mo_buf_free(&out);
}

static void
test_responses(void)
{
	struct mo_imap_resp r;
	size_t n = 0;

	tap_ok(mo_imap_resp_parse("+ ", &r) == MO_OK && r.status == MO_IMAP_S_CONTINUE &&
	       strcmp(r.text, "") == 0, "resp: empty continuation");
	tap_ok(mo_imap_resp_parse("+", &r) == MO_OK && r.status == MO_IMAP_S_CONTINUE,
	       "resp: bare +");
	tap_ok(mo_imap_resp_parse("+ eyJzdGF0dXMiOiI0MDEifQ==", &r) == MO_OK &&
	       strcmp(r.text, "eyJzdGF0dXMiOiI0MDEifQ==") == 0, "resp: challenge text");
	tap_ok(mo_imap_resp_parse("* OK ready", &r) == MO_OK && r.untagged &&
	       r.status == MO_IMAP_S_OK && strcmp(r.text, "ready") == 0, "resp: * OK");
	tap_ok(mo_imap_resp_parse("* BYE bye", &r) == MO_OK && r.status == MO_IMAP_S_BYE,
	       "resp: * BYE");
	tap_ok(mo_imap_resp_parse("* PREAUTH hi", &r) == MO_OK && r.status == MO_IMAP_S_PREAUTH,
	       "resp: * PREAUTH");
	tap_ok(mo_imap_resp_parse("* 3 EXISTS", &r) == MO_OK && r.status == MO_IMAP_S_OTHER &&
	       strcmp(r.text, "3 EXISTS") == 0, "resp: data");
	tap_ok(mo_imap_resp_parse("mo1 ok done", &r) == MO_OK && !r.untagged && r.tag_len == 3 &&
	       r.status == MO_IMAP_S_OK, "resp: tagged ok (any case)");
	tap_ok(mo_imap_resp_parse("mo1 NO", &r) == MO_OK && r.status == MO_IMAP_S_NO,
	       "resp: tagged NO without text");
	tap_ok(mo_imap_resp_parse("mo1 BAD User is authenticated but not connected.", &r) == MO_OK &&
	       r.status == MO_IMAP_S_BAD, "resp: tagged BAD");
	tap_ok(mo_imap_resp_parse("garbage", &r) == MO_ERR_PARSE, "resp: garbage refused");
	tap_ok(mo_imap_resp_parse("mo1 FOO x", &r) == MO_ERR_PARSE, "resp: tagged without status");
	tap_ok(mo_imap_resp_parse(" OK", &r) == MO_ERR_PARSE, "resp: empty tag");
	tap_ok(mo_imap_resp_parse("", &r) == MO_ERR_PARSE, "resp: empty line");

	tap_ok(mo_imap_line_literal(L("* ID (\"name\" {5}"), &n) && n == 5, "literal: {5}");
	tap_ok(mo_imap_line_literal(L("x {12+}"), &n) && n == 12, "literal: {12+}");
	tap_ok(!mo_imap_line_literal(L("x {}"), &n), "literal: {} is none");
	tap_ok(!mo_imap_line_literal(L("x {1234567890}"), &n), "literal: absurd size refused");
	tap_ok(!mo_imap_line_literal(L("x 5}"), &n), "literal: no brace");
	tap_ok(!mo_imap_line_literal(L("}"), &n), "literal: lone brace");

	tap_ok(mo_imap_bye_token_expired(L("* BYE Session invalidated - AccessTokenExpired")),
	       "bye: Office 365's expired-token BYE");
	tap_ok(mo_imap_bye_token_expired(L("* bye [ALERT] Session invalidated - AccessTokenExpired")),
	       "bye: any case, a response code before the text");
	tap_ok(!mo_imap_bye_token_expired(L("* BYE Connection closed. 14")), "bye: another BYE");
	tap_ok(!mo_imap_bye_token_expired(L("a1 BYE Session invalidated - AccessTokenExpired")),
	       "bye: a tagged line is not it");
	tap_ok(!mo_imap_bye_token_expired(L("* OK AccessTokenExpired")), "bye: not a BYE");
	tap_ok(!mo_imap_bye_token_expired(L("Subject: * BYE AccessTokenExpired")),
	       "bye: mail text is not it");
	tap_ok(!mo_imap_bye_token_expired("* BYE AccessTokenExpired\0x", 26), "bye: NUL refused");
}

int
main(void)
{
	test_commands();
	test_literal_bytes();
	test_all_bytes();
	test_caps();
	test_responses();
	return tap_done();
}
