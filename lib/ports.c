/* SPDX-License-Identifier: MIT */
/* The well-known mail ports (ports.h). */
#include "autoconfig.h"

#include <strings.h>

#include "ports.h"

/* In the order of ports.h; the first entry of a protocol and TLS mode is
 * the port mo_mail_port_of() gives. */
static const struct mo_mail_port mail_ports[] = {
	{ 995, MO_PROTO_POP3, MO_TLS_IMPLICIT, "pop3s" },
	{ 110, MO_PROTO_POP3, MO_TLS_STARTTLS, "pop3" },
	{ 993, MO_PROTO_IMAP, MO_TLS_IMPLICIT, "imaps" },
	{ 143, MO_PROTO_IMAP, MO_TLS_STARTTLS, "imap" },
	{ 465, MO_PROTO_SMTP, MO_TLS_IMPLICIT, "smtps" },
	{ 587, MO_PROTO_SMTP, MO_TLS_STARTTLS, "smtp" },
	{ 25, MO_PROTO_SMTP, MO_TLS_STARTTLS, NULL },
};

#define N_PORTS (sizeof(mail_ports) / sizeof(mail_ports[0]))

const struct mo_mail_port *
mo_mail_port(unsigned int port)
{
	size_t i;

	for (i = 0; i < N_PORTS; i++)
		if (mail_ports[i].port == port)
			return &mail_ports[i];
	return NULL;
}

const struct mo_mail_port *
mo_mail_scheme(const char *scheme, size_t len)
{
	size_t i;

	for (i = 0; i < N_PORTS; i++) {
		const char *s = mail_ports[i].scheme;

		if (s != NULL && strncasecmp(s, scheme, len) == 0 && s[len] == '\0')
			return &mail_ports[i];
	}
	return NULL;
}

static const struct mo_mail_port *
entry_of(enum mo_proto p, enum mo_tls_mode tls)
{
	size_t i;

	if (tls == MO_TLS_DEFAULT)
		tls = MO_TLS_IMPLICIT;
	for (i = 0; i < N_PORTS; i++)
		if (mail_ports[i].proto == p && mail_ports[i].tls == tls)
			return &mail_ports[i];
	return NULL;
}

unsigned int
mo_mail_port_of(enum mo_proto p, enum mo_tls_mode tls)
{
	const struct mo_mail_port *e = entry_of(p, tls);

	return e != NULL ? e->port : 0;
}

const char *
mo_mail_scheme_of(enum mo_proto p, enum mo_tls_mode tls)
{
	const struct mo_mail_port *e = entry_of(p, tls);

	return e != NULL ? e->scheme : "";
}
