/* SPDX-License-Identifier: MIT */
/* POP3 command parser, CAPA rewrite and SASL PLAIN: good and hostile input. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "pop3parse.h"
#include "saslplain.h"
#include "tap.h"

#define L(s) s, sizeof(s) - 1

static const struct {
	const char *line;
	size_t len;
	int rc;
	enum mo_pop3_verb verb;
	const char *arg1, *arg2;	/* NULL: absent */
} cases[] = {
	{ L("CAPA"), MO_OK, MO_POP3_CAPA, NULL, NULL },
	{ L("capa"), MO_OK, MO_POP3_CAPA, NULL, NULL },
	{ L("USER user@contoso.example"), MO_OK, MO_POP3_USER, "user@contoso.example", NULL },
	{ L("user Bob Smith"), MO_OK, MO_POP3_USER, "Bob Smith", NULL },
	{ L("PASS secret with spaces"), MO_OK, MO_POP3_PASS, "secret with spaces", NULL },
	{ L("PASS"), MO_OK, MO_POP3_PASS, "", NULL },
	{ L("PASS "), MO_OK, MO_POP3_PASS, "", NULL },
	{ L("PASS p\xc3\xa4ss"), MO_OK, MO_POP3_PASS, "p\xc3\xa4ss", NULL },
	{ L("AUTH"), MO_OK, MO_POP3_AUTH, NULL, NULL },
	{ L("AUTH PLAIN"), MO_OK, MO_POP3_AUTH, "PLAIN", NULL },
	{ L("AUTH PLAIN AHVzZXIAcGFzcw=="), MO_OK, MO_POP3_AUTH, "PLAIN", "AHVzZXIAcGFzcw==" },
	{ L("AUTH PLAIN ="), MO_OK, MO_POP3_AUTH, "PLAIN", "=" },
	{ L("AUTH XOAUTH2"), MO_OK, MO_POP3_AUTH, "XOAUTH2", NULL },
	{ L("APOP mrose c4c9334bac560ecc979e58001b3e22fb"), MO_OK, MO_POP3_APOP, "mrose",
	  "c4c9334bac560ecc979e58001b3e22fb" },
	{ L("STLS"), MO_OK, MO_POP3_STLS, NULL, NULL },
	{ L("QUIT"), MO_OK, MO_POP3_QUIT, NULL, NULL },
	{ L("STAT"), MO_OK, MO_POP3_UNKNOWN, NULL, NULL },
	{ L("RETR 1"), MO_OK, MO_POP3_UNKNOWN, NULL, NULL },
	/* hostile or malformed */
	{ L(""), MO_ERR_PARSE, 0, NULL, NULL },
	{ L(" "), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("US"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("USERS x"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("U5ER x"), MO_OK, MO_POP3_UNKNOWN, NULL, NULL },
	{ L("UTF8"), MO_OK, MO_POP3_UTF8, NULL, NULL },
	{ L("UTF8 x"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("US@R x"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("USER"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("USER "), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("USER  x"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("USER a\rb"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("USER a\nPASS b"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("USER a\x01" "auth=Bearer x"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("USER a\0b"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("PASS a\tb"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("CAPA x"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("QUIT now"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("AUTH "), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("AUTH PL@IN"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("AUTH PLAIN not*base64"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("AUTH PLAIN "), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("AUTH AVERYVERYVERYLONGMECHANISMNAME"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("APOP mrose"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("APOP mrose c4c9"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("APOP  c4c9334bac560ecc979e58001b3e22fb"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("APOP mrose zzc9334bac560ecc979e58001b3e22fb"), MO_ERR_PARSE, 0, NULL, NULL },
	{ L("\x7f\x7f\x7f\x7f"), MO_ERR_PARSE, 0, NULL, NULL },
};

static void
test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mo_pop3_cmd cmd;
		const char *why = NULL;
		int rc = mo_pop3_parse(cases[i].line, cases[i].len, &cmd, &why);

		tap_is_int(rc, cases[i].rc, "parse case %zu: result", i);
		if (rc != MO_OK) {
			tap_ok(why != NULL && strlen(why) > 0 && strstr(why, "\r") == NULL,
			       "parse case %zu: a one-line reason", i);
			continue;
		}
		tap_is_int(cmd.verb, cases[i].verb, "parse case %zu: verb", i);
		if (cases[i].arg1 == NULL)
			tap_ok(cmd.arg1 == NULL || cases[i].verb == MO_POP3_PASS,
			       "parse case %zu: no argument", i);
		else
			tap_is_mem(cmd.arg1, cmd.arg1_len, cases[i].arg1, strlen(cases[i].arg1),
				   "parse case %zu: first argument", i);
		if (cases[i].arg2 == NULL)
			tap_ok(cmd.arg2 == NULL, "parse case %zu: no second argument", i);
		else
			tap_is_mem(cmd.arg2, cmd.arg2_len, cases[i].arg2, strlen(cases[i].arg2),
				   "parse case %zu: second argument", i);
	}
}

/* Every byte value at every position of a short command: never a crash,
 * never a control character accepted. */
static void
test_parse_all_bytes(void)
{
	char line[16];
	int c, bad = 0;
	size_t pos;

	for (pos = 0; pos < 10; pos++) {
		for (c = 0; c < 256; c++) {
			struct mo_pop3_cmd cmd;
			const char *why;
			int rc;

			memcpy(line, "USER ab@cd", 10);
			line[pos] = (char)c;
			rc = mo_pop3_parse(line, 10, &cmd, &why);
			if (rc == MO_OK && (c < 0x20 || c == 0x7f))
				bad++;
		}
	}
	tap_is_int(bad, 0, "no control byte is ever accepted (2560 variants)");
}

static void
test_long_line(void)
{
	size_t n = 1 << 20;
	char *line = malloc(n);
	struct mo_pop3_cmd cmd;
	const char *why;

	memset(line, 'A', n);
	memcpy(line, "PASS ", 5);
	tap_is_int(mo_pop3_parse(line, n, &cmd, &why), MO_OK, "a 1 MiB PASS parses (bounded by the reader)");
	tap_is_int((long long)cmd.arg1_len, (long long)(n - 5), "its argument is the rest of the line");
	memcpy(line, "USER ", 5);
	line[n / 2] = '\r';
	tap_is_int(mo_pop3_parse(line, n, &cmd, &why), MO_ERR_PARSE, "a CR deep inside a long USER is refused");
	free(line);
}

static void
test_capa(void)
{
	static const char *const upstream[] = {
		"TOP", "UIDL", "STLS", "SASL PLAIN XOAUTH2", "USER", "RESP-CODES",
		"PIPELINING", "UTF8", "IMPLEMENTATION Dovecot", ".weird", "bad\x01line",
		"stls", "sasl xoauth2",
	};
	struct mo_buf out;

	mo_buf_init(&out, 64 * 1024);
	tap_is_int(mo_pop3_capa_rewrite(upstream, sizeof(upstream) / sizeof(upstream[0]), &out),
		   MO_OK, "capa: rewrite works");
	tap_is_str(mo_buf_str(&out),
		   "+OK Capability list follows\r\n"
		   "TOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nIMPLEMENTATION Dovecot\r\n"
		   "..weird\r\nUSER\r\nSASL PLAIN\r\n.\r\n",
		   "capa: STLS, SASL, USER, UTF8 and control lines dropped; USER and SASL PLAIN "
		   "added; dot-stuffed");
	mo_buf_reset(&out);
	tap_is_int(mo_pop3_capa_rewrite(NULL, 0, &out), MO_OK, "capa: server without CAPA");
	tap_is_str(mo_buf_str(&out), "+OK Capability list follows\r\nUSER\r\nSASL PLAIN\r\n.\r\n",
		   "capa: minimal list");
	mo_buf_free(&out);
	tap_ok(mo_pop3_is_ok("+OK") && mo_pop3_is_ok("+OK Logged in.") && !mo_pop3_is_ok("+OKAY") &&
	       !mo_pop3_is_ok("+ ") && !mo_pop3_is_ok("-ERR"), "status: +OK recognised");
	tap_ok(mo_pop3_is_err("-ERR") && mo_pop3_is_err("-ERR [AUTH] no") && !mo_pop3_is_err("-ERRx"),
	       "status: -ERR recognised");
}

static void
test_plain(void)
{
	static const struct {
		const char *msg;
		size_t len;
		int rc;
		const char *user;
	} pc[] = {
		{ L("\0user@x\0pass"), MO_OK, "user@x" },
		{ L("shared@x\0user@x\0pass"), MO_OK, "shared@x" },
		{ L("\0user@x\0"), MO_OK, "user@x" },
		{ L("\0\0pass"), MO_ERR_PARSE, NULL },
		{ L("user@x\0pass"), MO_ERR_PARSE, NULL },
		{ L("user@x"), MO_ERR_PARSE, NULL },
		{ L(""), MO_ERR_PARSE, NULL },
		{ L("\0a\0b\0c"), MO_ERR_PARSE, NULL },
	};
	char big[MO_PLAIN_MAX + 10];
	char *user;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
		user = NULL;
		tap_is_int(mo_plain_parse(pc[i].msg, pc[i].len, &user, &why), pc[i].rc,
			   "plain case %zu: result", i);
		if (pc[i].user != NULL)
			tap_is_str(user, pc[i].user, "plain case %zu: login name", i);
		else
			tap_ok(user == NULL, "plain case %zu: no name", i);
		free(user);
	}
	memset(big, 'a', sizeof(big));
	big[0] = '\0';
	big[5] = '\0';
	tap_is_int(mo_plain_parse(big, sizeof(big), &user, &why), MO_ERR_TOOBIG,
		   "plain: over MO_PLAIN_MAX refused");
}

int
main(void)
{
	test_parse();
	test_parse_all_bytes();
	test_long_line();
	test_capa();
	test_plain();
	return tap_done();
}
