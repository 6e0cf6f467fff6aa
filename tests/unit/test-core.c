/* SPDX-License-Identifier: MIT */
/* Errors, secret wiping, the bounded buffer and base64. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "buf.h"
#include "errors.h"
#include "secret.h"
#include "tap.h"

static void
test_errors(void)
{
	static const struct { int err, exit; } map[] = {
		{ MO_OK, 0 }, { MO_ERR_USAGE, 64 }, { MO_ERR_TEMP, 75 },
		{ MO_ERR_TIMEOUT, 75 }, { MO_ERR_REAUTH, 77 }, { MO_ERR_NOENT, 77 },
		{ MO_ERR_CONFIG, 78 }, { MO_ERR_PERM, 78 }, { MO_ERR_AUTH, 69 },
		{ MO_ERR_PARSE, 65 }, { MO_ERR_IO, 74 }, { MO_ERR_INTERNAL, 70 },
		{ MO_ERR_NOMEM, 1 }, { -999, 1 },
	};
	size_t i;
	int e;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		tap_is_int(mo_exit_code(map[i].err), map[i].exit,
			   "exit code of %s", mo_strerror(map[i].err));
	for (e = MO_ERR_CANCELLED; e <= MO_OK; e++)
		tap_ok(strcmp(mo_strerror(e), "unknown error") != 0,
		       "error %d has a description", e);
	tap_is_str(mo_strerror(12345), "unknown error", "unknown codes are named so");
	tap_is_str(mo_strerror(MO_ERR_REAUTH), "sign-in required", "reauth text");
}

static void
test_secret(void)
{
	char buf[16] = "secret-secret-1";
	char *d;
	size_t i;
	int zero = 1;

	mo_wipe(buf, sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		zero &= buf[i] == 0;
	tap_ok(zero, "mo_wipe zeroes every byte");
	mo_wipe(NULL, 0);
	mo_freezero(NULL, 10);
	mo_free_secret(NULL);
	tap_ok(1, "wipe and free accept NULL");

	d = mo_strndup("abcdef", 3);
	tap_is_str(d, "abc", "mo_strndup copies n bytes");
	mo_free_secret(d);
	d = mo_strdup("xyz");
	tap_is_str(d, "xyz", "mo_strdup copies");
	mo_free_secret(d);
	tap_ok(mo_strdup(NULL) == NULL, "mo_strdup(NULL) is NULL");
	tap_ok(mo_memeq_ct("abc", "abc", 3) == 0, "constant-time compare: equal");
	tap_ok(mo_memeq_ct("abc", "abd", 3) != 0, "constant-time compare: differ");
}

static void
test_buf(void)
{
	struct mo_buf b;
	char *s;
	size_t i;

	mo_buf_init(&b, 10);
	tap_is_str(mo_buf_str(&b), "", "empty buffer reads as \"\"");
	tap_is_int(mo_buf_addstr(&b, "hello"), MO_OK, "append within the cap");
	tap_is_int(mo_buf_addstr(&b, "world!"), MO_ERR_TOOBIG, "append past the cap fails");
	tap_is_str(mo_buf_str(&b), "hello", "a failed append changes nothing");
	tap_is_int(mo_buf_addstr(&b, "world"), MO_OK, "append up to the cap exactly");
	tap_is_int((long long)b.len, 10, "length counts bytes");
	tap_is_int(mo_buf_addc(&b, 'x'), MO_ERR_TOOBIG, "one byte past the cap fails");
	mo_buf_consume(&b, 5);
	tap_is_str(mo_buf_str(&b), "world", "consume drops the front");
	mo_buf_truncate(&b, 2);
	tap_is_str(mo_buf_str(&b), "wo", "truncate cuts the tail");
	mo_buf_consume(&b, 99);
	tap_is_int((long long)b.len, 0, "consume past the end empties");
	tap_is_int(mo_buf_printf(&b, "%d-%s", 42, "x"), MO_OK, "printf appends");
	tap_is_str(mo_buf_str(&b), "42-x", "printf formats");
	tap_is_int(mo_buf_printf(&b, "%s", "0123456789"), MO_ERR_TOOBIG, "printf honours the cap");
	s = mo_buf_steal(&b);
	tap_is_str(s, "42-x", "steal hands over the contents");
	tap_ok(b.data == NULL && b.len == 0, "steal leaves the buffer empty");
	mo_free_secret(s);
	s = mo_buf_steal(&b);
	tap_is_str(s, "", "stealing an empty buffer gives \"\"");
	free(s);
	mo_buf_free(&b);

	/* Growth across many reallocations keeps the contents. */
	mo_buf_init(&b, 100000);
	for (i = 0; i < 10000; i++)
		if (mo_buf_addstr(&b, "0123456789") != MO_OK)
			break;
	tap_ok(i == 10000 && b.len == 100000, "grows to exactly its cap");
	tap_ok(memcmp(b.data + 99990, "0123456789", 10) == 0 && b.data[b.len] == '\0',
	       "contents survive growth and stay NUL-terminated");
	mo_buf_reset(&b);
	tap_ok(b.len == 0 && b.data[0] == '\0', "reset empties");
	mo_buf_free(&b);

	mo_buf_init(&b, SIZE_MAX);
	tap_is_int(mo_buf_add(&b, "x", SIZE_MAX), MO_ERR_NOMEM,
		   "an impossible allocation is MO_ERR_NOMEM, not a crash");
	mo_buf_free(&b);
}

static const struct { const char *raw, *b64; } b64_vectors[] = {
	/* RFC 4648 §10 */
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static void
test_b64(void)
{
	size_t i;
	struct mo_buf b;
	static const char *bad[] = { "Zg=", "Zg", "Z===", "Zm9v!A==", "=Zm9", "Zg==Zg==",
				     "Zm 9v", "Zm\n9v" };
	static const unsigned char bin[] = { 0xfb, 0xff, 0x00, 0x3e };

	for (i = 0; i < sizeof(b64_vectors) / sizeof(b64_vectors[0]); i++) {
		mo_buf_init(&b, 64);
		tap_is_int(mo_base64_encode(&b, b64_vectors[i].raw, strlen(b64_vectors[i].raw)),
			   MO_OK, "encode \"%s\"", b64_vectors[i].raw);
		tap_is_str(mo_buf_str(&b), b64_vectors[i].b64, "RFC 4648 vector \"%s\"",
			   b64_vectors[i].raw);
		mo_buf_reset(&b);
		tap_is_int(mo_base64_decode(&b, b64_vectors[i].b64, strlen(b64_vectors[i].b64)),
			   MO_OK, "decode \"%s\"", b64_vectors[i].b64);
		tap_is_mem(b.data, b.len, b64_vectors[i].raw, strlen(b64_vectors[i].raw),
			   "round trip \"%s\"", b64_vectors[i].raw);
		mo_buf_free(&b);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mo_buf_init(&b, 64);
		tap_is_int(mo_base64_decode(&b, bad[i], strlen(bad[i])), MO_ERR_PARSE,
			   "strict decoder refuses bad input %zu", i);
		tap_is_int((long long)b.len, 0, "nothing decoded from bad input %zu", i);
		mo_buf_free(&b);
	}
	mo_buf_init(&b, 64);
	mo_base64url_encode(&b, bin, sizeof(bin));
	tap_is_str(mo_buf_str(&b), "-_8APg", "base64url uses - and _ and no padding");
	mo_buf_reset(&b);
	tap_is_int(mo_base64url_decode(&b, "-_8APg", 6), MO_OK, "base64url decodes");
	tap_is_mem(b.data, b.len, bin, sizeof(bin), "base64url round trip");
	mo_buf_reset(&b);
	tap_is_int(mo_base64url_decode(&b, "+/8A", 4), MO_ERR_PARSE,
		   "base64url refuses the standard alphabet");
	tap_is_int(mo_base64url_decode(&b, "A", 1), MO_ERR_PARSE,
		   "base64url refuses an impossible length");
	mo_buf_free(&b);
	mo_buf_init(&b, 3);
	tap_is_int(mo_base64_encode(&b, "foo", 3), MO_ERR_TOOBIG,
		   "encoding honours the output cap");
	mo_buf_free(&b);
}

int
main(void)
{
	test_errors();
	test_secret();
	test_buf();
	test_b64();
	return tap_done();
}
