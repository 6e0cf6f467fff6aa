/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_JSONLOAD_H
#define MAILOAUTH_JSONLOAD_H

/*
 * Parsing JSON that holds credentials, without trusting jansson's parser
 * to notice that memory ran out.
 *
 * jansson's lexer copies each byte of a token into a growing buffer and
 * ignores a failed append (load.c, lex_save(), up to 2.14 at least).  When
 * an allocation fails in the middle of a string or a number, the document
 * still parses, with that byte missing: a token one character short, an
 * expiry one digit short -- sent to a server, or saved over the good one.
 * So after parsing, every key and string value made only of printable
 * ASCII other than '"' and '\' must occur in the text between double
 * quotes (a '/' may be written "\/"), and every integer must occur in it
 * as a whole number.  No writer escapes other such characters, so a miss
 * means a lost byte and the text is refused as out of memory.  Strings
 * with other bytes are not checked: they are not credentials.
 */

#include <stddef.h>

#include <jansson.h>

/* json_loadb(text, len, flags) into *root_r.  Returns MO_OK; MO_ERR_PARSE
 * for text that is not JSON (jansson reports most failed allocations that
 * way too); MO_ERR_NOMEM when jansson said so or lost a byte.  jansson's
 * error text, which may quote the input, is wiped. */
int mo_json_load(const char *text, size_t len, size_t flags, json_t **root_r);

/* jansson keeps its own copy of every string: drops a reference to j and,
 * when it was the last one, first wipes every string in j.  NULL is
 * ignored. */
void mo_json_wipe_decref(json_t *j);

#endif
