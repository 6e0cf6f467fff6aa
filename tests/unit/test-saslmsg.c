/* SPDX-License-Identifier: MIT */
/* XOAUTH2 and OAUTHBEARER message builders, with published vectors. */
#include "autoconfig.h"

#include <string.h>

#include "b64.h"
#include "buf.h"
#include "errors.h"
#include "saslmsg.h"
#include "tap.h"

/* Microsoft, "Authenticate an IMAP, POP or SMTP connection using OAuth",
 * SASL XOAUTH2 example (doc/protocol.md, the XOAUTH2 string). */
#define MS_USER "test@contoso.onmicrosoft.com"
#define MS_TOKEN "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA"
#define MS_B64 "dXNlcj10ZXN0QGNvbnRvc28ub25taWNyb3NvZnQuY29tAWF1dGg9QmVhcmVy" \
	"IEV3QkFBbDNCQUFVRkZwVUFvN0ozVmUwYmpMQldaV0NjbFJDM0VvQUEBAQ=="

/* RFC 7628 §4.1, IMAP example on port 143. */
#define RFC_TOKEN "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
#define RFC_RAW "n,a=user@example.com,\x01host=server.example.com\x01" \
	"port=143\x01" "auth=Bearer " RFC_TOKEN "\x01\x01"
#define RFC_B64 "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29t" \
	"AXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1s" \
	"emRHRXVZMjl0Q2c9PQEB"

static void
test_xoauth2_vector(void)
{
	struct mo_buf raw, b64;
	const char *err = NULL;
	static const char want[] = "user=" MS_USER "\x01" "auth=Bearer " MS_TOKEN "\x01\x01";

	mo_buf_init(&raw, MO_SASLMSG_MAX);
	mo_buf_init(&b64, 2 * MO_SASLMSG_MAX);
	tap_is_int(mo_xoauth2_build(&raw, MS_USER, MS_TOKEN, &err), MO_OK,
		   "xoauth2: Microsoft example builds");
	tap_is_mem(raw.data, raw.len, want, sizeof(want) - 1,
		   "xoauth2: raw message matches user=U^Aauth=Bearer T^A^A");
	tap_is_int(mo_base64_encode(&b64, raw.data, raw.len), MO_OK,
		   "xoauth2: base64 encodes");
	tap_is_str(mo_buf_str(&b64), MS_B64,
		   "xoauth2: base64 matches Microsoft's published string");
	mo_buf_free(&raw);
	mo_buf_free(&b64);
}

static void
test_oauthbearer_vector(void)
{
	struct mo_buf raw, b64;
	const char *err = NULL;

	mo_buf_init(&raw, MO_SASLMSG_MAX);
	mo_buf_init(&b64, 2 * MO_SASLMSG_MAX);
	tap_is_int(mo_oauthbearer_build(&raw, "user@example.com",
					"server.example.com", 143, RFC_TOKEN, &err),
		   MO_OK, "oauthbearer: RFC 7628 §4.1 example builds");
	tap_is_mem(raw.data, raw.len, RFC_RAW, sizeof(RFC_RAW) - 1,
		   "oauthbearer: raw message matches RFC 7628 §4.1");
	tap_is_int(mo_base64_encode(&b64, raw.data, raw.len), MO_OK,
		   "oauthbearer: base64 encodes");
	tap_is_str(mo_buf_str(&b64), RFC_B64,
		   "oauthbearer: base64 matches RFC 7628 §4.1");
	mo_buf_free(&raw);
	mo_buf_free(&b64);
}

static const struct {
	const char *authzid, *host;
	unsigned int port;
	const char *want;
} bearer_cases[] = {
	{ "a,b=c@example.com", NULL, 0,
	  "n,a=a=2Cb=3Dc@example.com,\x01" "auth=Bearer T\x01\x01" },
	{ "=,", NULL, 0, "n,a==3D=2C,\x01" "auth=Bearer T\x01\x01" },
	{ "u@x", "imap.example.com", 0,
	  "n,a=u@x,\x01host=imap.example.com\x01" "auth=Bearer T\x01\x01" },
	{ "u@x", NULL, 993, "n,a=u@x,\x01port=993\x01" "auth=Bearer T\x01\x01" },
	{ "u@x", "127.0.0.1", 65535,
	  "n,a=u@x,\x01host=127.0.0.1\x01port=65535\x01" "auth=Bearer T\x01\x01" },
};

static void
test_oauthbearer_escaping(void)
{
	size_t i;

	for (i = 0; i < sizeof(bearer_cases) / sizeof(bearer_cases[0]); i++) {
		struct mo_buf raw;
		const char *err = NULL;
		int ret;

		mo_buf_init(&raw, MO_SASLMSG_MAX);
		ret = mo_oauthbearer_build(&raw, bearer_cases[i].authzid,
					   bearer_cases[i].host,
					   bearer_cases[i].port, "T", &err);
		tap_is_int(ret, MO_OK, "oauthbearer case %zu builds", i);
		tap_is_mem(raw.data, raw.len, bearer_cases[i].want,
			   strlen(bearer_cases[i].want),
			   "oauthbearer case %zu: escaping and kvpairs", i);
		mo_buf_free(&raw);
	}
}

/* Every value that must be refused before a message is built. */
static const struct {
	const char *what, *user, *host, *token;
	unsigned int port;
	const char *errpart;
} rejects[] = {
	{ "0x01 in user", "a\x01" "b", NULL, "T", 0, "control character" },
	{ "CR in user", "a\rb", NULL, "T", 0, "control character" },
	{ "LF in user", "a\nb", NULL, "T", 0, "control character" },
	{ "tab in user", "a\tb", NULL, "T", 0, "control character" },
	{ "DEL in user", "a\x7f", NULL, "T", 0, "control character" },
	{ "empty user", "", NULL, "T", 0, "empty" },
	{ "NULL user", NULL, NULL, "T", 0, "empty" },
	{ "0x01 in token", "u", NULL, "a\x01" "b", 0, "control character" },
	{ "CR in token", "u", NULL, "a\rb", 0, "control character" },
	{ "LF in token", "u", NULL, "a\nb", 0, "control character" },
	{ "space in token", "u", NULL, "a b", 0, "space" },
	{ "non-ASCII token", "u", NULL, "a\xc3\xa9", 0, "non-ASCII" },
	{ "empty token", "u", NULL, "", 0, "empty" },
	{ "NULL token", "u", NULL, NULL, 0, "empty" },
	{ "CR in host", "u", "h\r", "T", 0, "host" },
	{ "LF in host", "u", "h\n", "T", 0, "host" },
	{ "0x01 in host", "u", "h\x01", "T", 0, "host" },
	{ "space in host", "u", "h h", "T", 0, "host" },
	{ "empty host", "u", "", "T", 0, "host" },
	{ "port out of range", "u", "h", "T", 65536, "port" },
};

static void
test_rejects(void)
{
	size_t i;

	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		struct mo_buf out;
		const char *err = NULL;
		int ret;

		mo_buf_init(&out, MO_SASLMSG_MAX);
		ret = mo_oauthbearer_build(&out, rejects[i].user, rejects[i].host,
					   rejects[i].port, rejects[i].token, &err);
		tap_is_int(ret, MO_ERR_INVAL, "oauthbearer refuses %s", rejects[i].what);
		tap_ok(out.len == 0, "oauthbearer leaves nothing behind for %s",
		       rejects[i].what);
		tap_ok(err != NULL && strstr(err, rejects[i].errpart) != NULL,
		       "oauthbearer error for %s says '%s' (%s)", rejects[i].what,
		       rejects[i].errpart, err ? err : "(none)");
		if (rejects[i].host == NULL && rejects[i].port == 0) {
			err = NULL;
			ret = mo_xoauth2_build(&out, rejects[i].user,
					       rejects[i].token, &err);
			tap_is_int(ret, MO_ERR_INVAL, "xoauth2 refuses %s",
				   rejects[i].what);
			tap_ok(out.len == 0 && err != NULL,
			       "xoauth2 leaves nothing and explains %s",
			       rejects[i].what);
		}
		mo_buf_free(&out);
	}
}

static void
test_bounds(void)
{
	static char big[70000];
	struct mo_buf out;
	const char *err = NULL;

	memset(big, 'A', sizeof(big) - 1);
	mo_buf_init(&out, MO_SASLMSG_MAX);
	tap_is_int(mo_xoauth2_build(&out, "u", big, &err), MO_ERR_INVAL,
		   "xoauth2 refuses a token over 64 KiB");
	mo_buf_free(&out);

	/* A buffer too small for the message: nothing partial is left. */
	mo_buf_init(&out, 20);
	tap_is_int(mo_xoauth2_build(&out, "user@example.com", "TOKEN-TOKEN", &err),
		   MO_ERR_TOOBIG, "xoauth2 reports a full buffer");
	tap_is_int((long long)out.len, 0, "xoauth2 rolls back a partial message");
	tap_is_int(mo_oauthbearer_build(&out, "user@example.com", "h", 1,
					"TOKEN-TOKEN", &err),
		   MO_ERR_TOOBIG, "oauthbearer reports a full buffer");
	tap_is_int((long long)out.len, 0, "oauthbearer rolls back a partial message");
	mo_buf_free(&out);

	/* Appending after existing content keeps that content. */
	mo_buf_init(&out, MO_SASLMSG_MAX);
	mo_buf_addstr(&out, "X");
	tap_is_int(mo_xoauth2_build(&out, "u", "t", &err), MO_OK,
		   "xoauth2 appends to a buffer");
	tap_is_mem(out.data, out.len, "Xuser=u\x01" "auth=Bearer t\x01\x01", 23,
		   "xoauth2 appends after existing content");
	mo_buf_free(&out);
}

/* The length limits and callers that want no message. */
static void
test_limits(void)
{
	static char user[514], host[257];
	struct mo_buf out;
	const char *err = NULL;

	memset(user, 'u', 513);
	memset(host, 'h', 256);
	mo_buf_init(&out, MO_SASLMSG_MAX);
	tap_is_int(mo_xoauth2_build(&out, user, "T", &err), MO_ERR_INVAL,
		   "a user name over 512 bytes is refused");
	tap_ok(err != NULL && strstr(err, "512") != NULL, "... and the limit is named");
	user[512] = '\0';
	tap_is_int(mo_xoauth2_build(&out, user, "T", &err), MO_OK,
		   "a user name of exactly 512 bytes is accepted");
	mo_buf_reset(&out);
	tap_is_int(mo_oauthbearer_build(&out, "u", host, 0, "T", &err), MO_ERR_INVAL,
		   "a host name over 255 bytes is refused");
	tap_ok(err != NULL && strstr(err, "255") != NULL, "... and the limit is named");
	host[255] = '\0';
	tap_is_int(mo_oauthbearer_build(&out, "u", host, 0, "T", &err), MO_OK,
		   "a host name of exactly 255 bytes is accepted");
	mo_buf_reset(&out);
	tap_is_int(mo_xoauth2_build(&out, "a\nb", "T", NULL), MO_ERR_INVAL,
		   "a rejection without an error_r pointer still fails cleanly");
	tap_is_int(mo_oauthbearer_build(&out, "u", NULL, 0, "a\rb", NULL), MO_ERR_INVAL,
		   "oauthbearer without an error_r pointer");
	mo_buf_free(&out);
}

int
main(void)
{
	test_limits();
	test_xoauth2_vector();
	test_oauthbearer_vector();
	test_oauthbearer_escaping();
	test_rejects();
	test_bounds();
	tap_is_str(MO_OAUTHBEARER_ERROR_ACK, "\x01",
		   "oauthbearer error acknowledgement is a single kvsep");
	return tap_done();
}
