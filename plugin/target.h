/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_TARGET_H
#define MAILOAUTH_PLUGIN_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "grantcheck.h"	/* mo_scope_granted(), shared with status and authorize */

/* Small pure helpers of connect and check, unit-tested in
 * tests/connect/test-target.c. */

/* Splits "HOST:PORT" / "[V6]:PORT"; host is copied into host (size n).
 * MO_OK or MO_ERR_USAGE. */
int mo_split_hostport(const char *s, char *host, size_t n, unsigned int *port_r);

/* Protocol a well-known port implies (ports.h: 995/110 POP3, 993/143
 * IMAP, 587/465/25 SMTP), or -1. */
int mo_proto_for_port(unsigned int port);

#endif
