/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_TEXT_H
#define MAILOAUTH_TEXT_H

#include <stddef.h>

/*
 * The one sanitiser for text that came from outside and is shown to a
 * person: mail server replies, identity provider errors and device-flow
 * messages, sign-in callback parameters, a helper's stderr.  Such text may
 * hold terminal escapes, several lines, or invalid UTF-8; after this it is
 * one printable line of bounded length.  The rules, in order:
 *
 *  1. The input is the len bytes at src (a NUL among them is a control
 *     character, rule 2).
 *  2. Every run of ASCII control characters (0x00-0x1F, 0x7F) and spaces
 *     becomes one space; spaces at the start and the end are dropped.  So
 *     CR, LF and TAB never survive, and several lines become one.
 *  3. A byte from 0x80 up is kept only as part of a well-formed UTF-8
 *     character (RFC 3629) that is not a C1 control (U+0080-U+009F, which
 *     terminals take as escapes); every other such byte (stray
 *     continuation byte, overlong form, surrogate, truncated sequence, C1
 *     control) becomes '?'.
 *  4. The result is at most n - 1 bytes and NUL-terminated.  When the
 *     input does not fit, the result ends in "..." (when n > 4) and is cut
 *     between characters, never inside one.
 *
 * The result is never longer than the input, so dst may be src.  Pure: no
 * allocation, no errors; the caller owns both buffers.
 */

/* Rules 1-4 into dst (n bytes; nothing happens when n is 0).  Returns dst. */
char *mo_oneline(char *dst, size_t n, const char *src, size_t len);

/*
 * The same in place on the string s (NULL is accepted), to at most max
 * bytes; the bytes it drops from the end are wiped, for strings that
 * count as secrets and are later freed with mo_free_secret().
 */
void mo_oneline_inplace(char *s, size_t max);

/*
 * For a whole message that goes to a terminal and may quote text from
 * outside (mailoauth-net's diagnostics, -v included): in place on the
 * string s (NULL is accepted), every ASCII control character except LF
 * and TAB (so CR, ESC, BEL, BS, NUL cannot occur: s ends at its first
 * NUL) and DEL becomes '?', and every byte from 0x80 up that is not part
 * of a well-formed UTF-8 character other than a C1 control becomes '?'
 * (rule 3 above).  Lines and spacing are kept: the message's own line
 * breaks stay.  The length never changes.  Pure, no errors.
 */
void mo_terminal_text(char *s);

#endif
