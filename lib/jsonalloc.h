/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_JSONALLOC_H
#define MAILOAUTH_JSONALLOC_H

#include <stdbool.h>
#include <stddef.h>

/*
 * jansson's own buffers, wiped when it frees them.  The parser keeps the
 * text of every string it reads (a token, a refresh token) in buffers of
 * its own, the lexer's growing buffer among them, which
 * mo_json_wipe_decref() never sees.  jansson's free function is given no
 * size, so mo_json_wipe_free() asks the C library for the size of the
 * block (malloc_usable_size(), glibc and musl) and overwrites all of it
 * before free().  The blocks are plain malloc() blocks, so what jansson
 * hands out (json_dumps()) is still freed with free() by its callers, and
 * a block allocated before the switch is freed correctly too.
 *
 * mo_json_wipe_install() hands the pair to json_set_alloc_funcs().  That
 * setting is global to the process: only our own programs call it
 * (mailoauth, mailoauth-net, mailoauth-connect), first thing in main().
 * The SASL plugin never does: it lives inside another program that may
 * use jansson itself and may unload the plugin, which would leave jansson
 * calling into unmapped code (doc/internals.md, "Secrets").
 */

/* malloc(n); when that fails, says "out of memory" on standard error and
 * ends the process with exit status 1 (MO_EXIT_FAILURE).  jansson's parser
 * does not survive a failed allocation: it loses a byte of a string and
 * may then read and write past its buffer (doc/internals.md, "JSON when
 * memory runs out"), so in our own programs it never sees one.  Stopping
 * loses nothing: every store write is atomic. */
void *mo_json_wipe_malloc(size_t n);

/* Overwrites all the usable bytes of the malloc() block p and returns
 * their number (0 for NULL).  The block stays allocated. */
size_t mo_json_wipe_block(void *p);

/* mo_json_wipe_block(), then free().  NULL is accepted. */
void mo_json_wipe_free(void *p);

/* json_set_alloc_funcs(mo_json_wipe_malloc, mo_json_wipe_free).  Returns
 * false (and changes nothing) where the C library cannot tell a block's
 * size. */
bool mo_json_wipe_install(void);

#endif
