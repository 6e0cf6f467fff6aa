/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_STOREFMT_H
#define MAILOAUTH_STOREFMT_H

/* Internal to the token store (store.c, storefmt.c). */

#include "store.h"

/* Checks that every member of t can be written and read back (the rules of
 * mo_store_parse()).  MO_OK, or MO_ERR_INVAL with *error_r set to a static
 * message naming the member (never its value). */
int mo_store_check(const struct mo_token *t, const char **error_r);

#endif
