/* SPDX-License-Identifier: MIT */
/* PKCE (RFC 7636) verifier, S256 challenge and state. */
#include "autoconfig.h"

#include <string.h>

#include "errors.h"
#include "signin-pkce.h"
#include "tap.h"

static int
all_unreserved(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789-._~") == strlen(s);
}

static void
test_vector(void)
{
	char out[MO_PKCE_B64_LEN + 1];

	/* RFC 7636 Appendix B. */
	tap_is_int(mo_pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out), MO_OK,
		   "RFC 7636 App. B verifier accepted");
	tap_is_str(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		   "RFC 7636 App. B challenge");
}

static void
test_grammar(void)
{
	char out[MO_PKCE_B64_LEN + 1];
	char v[200];

	memset(v, 'a', sizeof(v));
	v[42] = '\0';
	tap_is_int(mo_pkce_s256(v, out), MO_ERR_INVAL, "42 characters: too short");
	v[42] = 'a';
	v[43] = '\0';
	tap_is_int(mo_pkce_s256(v, out), MO_OK, "43 characters: shortest allowed");
	v[43] = 'a';
	v[128] = '\0';
	tap_is_int(mo_pkce_s256(v, out), MO_OK, "128 characters: longest allowed");
	v[128] = 'a';
	v[129] = '\0';
	tap_is_int(mo_pkce_s256(v, out), MO_ERR_INVAL, "129 characters: too long");
	v[43] = '\0';
	v[10] = '+';
	tap_is_int(mo_pkce_s256(v, out), MO_ERR_INVAL, "'+' is not unreserved");
	v[10] = '=';
	tap_is_int(mo_pkce_s256(v, out), MO_ERR_INVAL, "'=' (padding) refused");
	v[10] = '~';
	tap_is_int(mo_pkce_s256(v, out), MO_OK, "'~' is unreserved");
}

static void
test_fresh(void)
{
	struct mo_pkce a, b;
	char again[MO_PKCE_B64_LEN + 1];
	size_t i;
	int zero = 1;

	tap_is_int(mo_pkce_init(&a), MO_OK, "init");
	tap_is_int(mo_pkce_init(&b), MO_OK, "init again");
	tap_is_int((long long)strlen(a.verifier), 43, "verifier: 32 octets -> 43 characters");
	tap_ok(all_unreserved(a.verifier), "verifier only has unreserved characters");
	tap_is_int((long long)strlen(a.state), 43, "state: 43 characters");
	tap_ok(all_unreserved(a.state), "state is URL-safe");
	tap_is_int(mo_pkce_s256(a.verifier, again), MO_OK, "challenge recomputed");
	tap_is_str(a.challenge, again, "challenge is S256 of the verifier");
	tap_ok(strcmp(a.verifier, b.verifier) != 0, "two verifiers differ");
	tap_ok(strcmp(a.state, b.state) != 0, "two states differ");
	tap_ok(strcmp(a.state, a.verifier) != 0, "state is not the verifier");
	mo_pkce_clear(&a);
	for (i = 0; i < sizeof(a); i++)
		zero &= ((unsigned char *)&a)[i] == 0;
	tap_ok(zero, "clear wipes everything");
	mo_pkce_clear(&b);
}

int
main(void)
{
	test_vector();
	test_grammar();
	test_fresh();
	return tap_done();
}
