/* SPDX-License-Identifier: MIT */
/* The sanitiser for text from outside (text.h). */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "secret.h"
#include "text.h"

/* Length (2-4) of the well-formed UTF-8 character at s[0..len) that is not
 * a C1 control, or 0 (RFC 3629 §4: no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
static size_t
utf8_len(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

char *
mo_oneline(char *dst, size_t n, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;
	bool space = false, cut = false;

	if (n == 0)
		return dst;
	while (i < len) {
		unsigned char c = s[i];
		size_t k, w;

		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = o > 0;	/* written only before what follows */
			i++;
			continue;
		}
		k = c < 0x80 ? 1 : utf8_len(s + i, len - i);
		w = k > 0 ? k : 1;
		if (o + (space ? 1 : 0) + w > n - 1) {
			cut = true;
			break;
		}
		if (space)
			dst[o++] = ' ';
		space = false;
		if (k == 0) {
			dst[o++] = '?';
			i++;
		} else {
			while (k-- > 0)
				dst[o++] = (char)s[i++];
		}
	}
	if (cut && n > 4) {
		/* Room for "...": drop whole characters (dst is UTF-8 now). */
		if (o > n - 4) {
			o = n - 4;
			while (o > 0 && ((unsigned char)dst[o] & 0xc0) == 0x80)
				o--;
		}
		while (o > 0 && dst[o - 1] == ' ')
			o--;
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

void
mo_oneline_inplace(char *s, size_t max)
{
	size_t len, o;

	if (s == NULL)
		return;
	len = strlen(s);
	mo_oneline(s, max + 1, s, len);
	o = strlen(s);
	if (o < len)
		mo_wipe(s + o + 1, len - o);
}

void
mo_terminal_text(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t len, i = 0, k;

	if (s == NULL)
		return;
	len = strlen(s);
	while (i < len) {
		if (p[i] < 0x80) {
			if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7f)
				p[i] = '?';
			i++;
			continue;
		}
		k = utf8_len(p + i, len - i);
		if (k == 0)
			p[i++] = '?';
		else
			i += k;
	}
}
