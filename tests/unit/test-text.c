/* SPDX-License-Identifier: MIT */
/* The sanitiser for text from outside (lib/text.h): each rule, the cases
 * of the four functions it replaced, and the in-place form. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "text.h"

#define S(lit) lit, sizeof(lit) - 1

static const struct {
	const char *in;
	size_t len;
	size_t n;		/* size of the output buffer */
	const char *want;
	const char *what;
} cases[] = {
	/* rule 2: controls and spaces */
	{ S("a\r\nb\x01\0c"), 16, "a b c", "controls (NUL too) become one space" },
	{ S("  lead  "), 16, "lead", "spaces trimmed" },
	{ S("ab\x1b]0;evil\x07" "cd\x7f"), 101, "ab ]0;evil cd", "terminal escapes neutralised" },
	{ S("AADSTS65004: User declined\r\nTrace ID: 1"), 1001,
	  "AADSTS65004: User declined Trace ID: 1", "an IdP description's lines joined" },
	{ S("-ERR x\r\n* injected"), 64, "-ERR x * injected", "a server reply's lines joined" },
	{ S("mailoauth: x\n  do this\n\n"), 64, "mailoauth: x do this",
	  "a helper's stderr: lines joined, indentation and the last newline dropped" },
	{ S("tab\there"), 16, "tab here", "a tab is a space" },
	{ S("\r\n\t "), 16, "", "only controls: empty" },
	{ S(""), 16, "", "empty" },
	/* rule 3: bytes from 0x80 up */
	{ S("B\xc3\xa4r \xe2\x82\xac \xf0\x9f\x93\xa7"), 32, "B\xc3\xa4r \xe2\x82\xac \xf0\x9f\x93\xa7",
	  "well-formed UTF-8 (2, 3 and 4 bytes) kept" },
	{ S("a\xc2\x9b" "31mb"), 16, "a??31mb", "a C1 control (U+009B CSI): each byte replaced" },
	{ S("a\x9b" "31mb"), 16, "a?31mb", "a bare 8-bit CSI byte replaced" },
	{ S("a\x80\xbf" "b"), 16, "a??b", "stray continuation bytes replaced" },
	{ S("a\xc0\xaf" "b"), 16, "a??b", "an overlong '/' replaced" },
	{ S("a\xed\xa0\x80" "b"), 16, "a???b", "a surrogate replaced" },
	{ S("a\xf4\x90\x80\x80" "b"), 16, "a????b", "above U+10FFFF replaced" },
	{ S("a\xe2\x82"), 16, "a??", "a truncated sequence replaced" },
	{ S("\xff\xfe"), 16, "??", "0xff and 0xfe replaced" },
	/* rule 4: the bound */
	{ S("0123456789abcdefXYZ"), 16, "0123456789ab...", "long text cut with ..." },
	{ S("0123456789abcde"), 16, "0123456789abcde", "exactly n - 1 bytes: not cut" },
	{ S("0123456789abcde   "), 16, "0123456789abcde", "trailing spaces do not count as a cut" },
	{ S("0123456789a\xc3\xa4\xc3\xa4\xc3\xa4"), 16, "0123456789a...",
	  "never cut inside a UTF-8 sequence" },
	{ S("abc defgh ijk"), 8, "abc...", "no space before the ..." },
	{ S("abc\xc3\xa9xyz"), 5, "a...", "a cut leaves room for the ..." },
	{ S("abcdef"), 4, "abc", "n <= 4: cut without ..." },
	{ S("abcdef"), 1, "", "n == 1: empty" },
};

static const struct {
	const char *in, *want, *what;
} term_cases[] = {
	{ "line one\n\tline two", "line one\n\tline two", "LF and TAB kept" },
	{ "ab\x1b]0;evil\x07" "cd\x7f", "ab?]0;evil?cd?", "ESC, BEL and DEL replaced" },
	{ "AADSTS1: x\r\nTrace ID: 1", "AADSTS1: x?\nTrace ID: 1", "CR replaced, LF kept" },
	{ "\x1b[2J\x1b[31mred\b\b", "?[2J?[31mred??", "screen-clearing and colour escapes" },
	{ "B\xc3\xa4r \xe2\x82\xac", "B\xc3\xa4r \xe2\x82\xac", "UTF-8 kept" },
	{ "a\xc2\x9b" "31mb", "a??31mb", "a C1 CSI replaced" },
	{ "a\x9b" "31m\xff", "a?31m?", "bare 8-bit bytes replaced" },
	{ "", "", "empty" },
};

int
main(void)
{
	char out[1024], *s;
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'Z', sizeof(out));
		tap_is_str(mo_oneline(out, cases[i].n, cases[i].in, cases[i].len), cases[i].want,
			   "%s", cases[i].what);
	}
	memset(out, 'Z', sizeof(out));
	mo_oneline(out, 0, "abc", 3);
	tap_ok(out[0] == 'Z', "n == 0: nothing written");

	/* In place (dst == src), as the callers with a string do. */
	s = strdup("  ab\x1b[2J\r\ncd\xc2\x9b  ");
	if (s == NULL)
		return 99;
	mo_oneline(s, strlen(s) + 1, s, strlen(s));
	tap_is_str(s, "ab [2J cd??", "dst == src");
	free(s);

	/* mo_oneline_inplace: the cut-off tail is wiped. */
	s = malloc(16);
	if (s == NULL)
		return 99;
	memcpy(s, "secret\r\n\r\nrest", 15);
	s[15] = '\0';
	mo_oneline_inplace(s, 10);
	tap_is_str(s, "secret...", "in place: to max bytes, with ...");
	for (k = strlen(s) + 1; k < 16 && s[k] == '\0'; k++)
		;
	tap_is_int((long long)k, 16, "in place: the dropped bytes are wiped");
	free(s);
	mo_oneline_inplace(NULL, 10);
	tap_ok(1, "in place: NULL is accepted");

	/* mo_terminal_text: lines and tabs kept, every other control gone. */
	for (i = 0; i < sizeof(term_cases) / sizeof(term_cases[0]); i++) {
		s = strdup(term_cases[i].in);
		if (s == NULL)
			return 99;
		mo_terminal_text(s);
		tap_is_str(s, term_cases[i].want, "terminal: %s", term_cases[i].what);
		free(s);
	}
	mo_terminal_text(NULL);
	tap_ok(1, "terminal: NULL is accepted");
	return tap_done();
}
