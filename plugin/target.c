/* SPDX-License-Identifier: MIT */
/* Server addresses and well-known ports (target.h). */
#include "autoconfig.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "ports.h"
#include "target.h"

int
mo_proto_for_port(unsigned int port)
{
	const struct mo_mail_port *e = mo_mail_port(port);

	return e != NULL ? (int)e->proto : -1;
}

int
mo_split_hostport(const char *s, char *host, size_t n, unsigned int *port_r)
{
	const char *colon, *hend;
	char *end;
	unsigned long port;
	size_t hlen;

	if (s[0] == '[') {
		hend = strchr(s, ']');
		if (hend == NULL || hend[1] != ':')
			return MO_ERR_USAGE;
		colon = hend + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return MO_ERR_USAGE;
		hend = colon;
	}
	hlen = (size_t)(hend - s);
	if (hlen == 0 || hlen >= n || !isdigit((unsigned char)colon[1]))
		return MO_ERR_USAGE;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return MO_ERR_USAGE;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	*port_r = (unsigned int)port;
	return MO_OK;
}
