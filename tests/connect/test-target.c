/* SPDX-License-Identifier: MIT */
/* HOST:PORT, well-known ports, granted scopes and one-line messages. */
#include "autoconfig.h"

#include <string.h>

#include "config.h"
#include "errors.h"
#include "report.h"
#include "ports.h"
#include "target.h"
#include "tap.h"

#define POP "https://outlook.office.com/POP.AccessAsUser.All"

static void
test_hostport(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *host;
		unsigned int port;
	} c[] = {
		{ "outlook.office365.com:995", MO_OK, "outlook.office365.com", 995 },
		{ "127.0.0.1:1", MO_OK, "127.0.0.1", 1 },
		{ "[::1]:993", MO_OK, "::1", 993 },
		{ "host:65535", MO_OK, "host", 65535 },
		{ "host", MO_ERR_USAGE, NULL, 0 },
		{ "host:", MO_ERR_USAGE, NULL, 0 },
		{ ":995", MO_ERR_USAGE, NULL, 0 },
		{ "host:0", MO_ERR_USAGE, NULL, 0 },
		{ "host:65536", MO_ERR_USAGE, NULL, 0 },
		{ "host:99x", MO_ERR_USAGE, NULL, 0 },
		{ "host:-1", MO_ERR_USAGE, NULL, 0 },
		{ "::1:993", MO_ERR_USAGE, NULL, 0 },
		{ "[::1]993", MO_ERR_USAGE, NULL, 0 },
		{ "[::1:993", MO_ERR_USAGE, NULL, 0 },
	};
	char host[64];
	unsigned int port;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		port = 0;
		tap_is_int(mo_split_hostport(c[i].in, host, sizeof(host), &port), c[i].rc,
			   "hostport '%s'", c[i].in);
		if (c[i].rc == MO_OK) {
			tap_is_str(host, c[i].host, "hostport '%s': host", c[i].in);
			tap_is_int(port, c[i].port, "hostport '%s': port", c[i].in);
		}
	}
	tap_is_int(mo_split_hostport("averyveryveryverylonghostname.example:1", host, 8, &port),
		   MO_ERR_USAGE, "hostport: host longer than the buffer");
}

static void
test_ports(void)
{
	tap_ok(mo_proto_for_port(995) == MO_PROTO_POP3 && mo_proto_for_port(110) == MO_PROTO_POP3,
	       "995 and 110 are POP3");
	tap_ok(mo_proto_for_port(993) == MO_PROTO_IMAP && mo_proto_for_port(143) == MO_PROTO_IMAP,
	       "993 and 143 are IMAP");
	tap_ok(mo_proto_for_port(587) == MO_PROTO_SMTP && mo_proto_for_port(465) == MO_PROTO_SMTP &&
	       mo_proto_for_port(25) == MO_PROTO_SMTP, "587, 465 and 25 are SMTP");
	tap_is_int(mo_proto_for_port(10995), -1, "other ports need --protocol");

	/* The one table behind the ports, the TLS modes and the schemes. */
	tap_ok(mo_mail_port(110)->tls == MO_TLS_STARTTLS && mo_mail_port(143)->tls == MO_TLS_STARTTLS &&
	       mo_mail_port(587)->tls == MO_TLS_STARTTLS && mo_mail_port(25)->tls == MO_TLS_STARTTLS,
	       "110, 143, 587 and 25 upgrade with STARTTLS");
	tap_ok(mo_mail_port(995)->tls == MO_TLS_IMPLICIT && mo_mail_port(993)->tls == MO_TLS_IMPLICIT &&
	       mo_mail_port(465)->tls == MO_TLS_IMPLICIT, "995, 993 and 465 are implicit TLS");
	tap_ok(mo_mail_port(1143) == NULL && mo_mail_port(0) == NULL, "1143 is not well known");
	tap_is_int(mo_mail_scheme("pop3s", 5)->port, 995, "pop3s:// is 995");
	tap_is_int(mo_mail_scheme("POP3", 4)->port, 110, "pop3:// is 110, any case");
	tap_is_int(mo_mail_scheme("imaps", 5)->port, 993, "imaps:// is 993");
	tap_is_int(mo_mail_scheme("imap", 4)->tls, MO_TLS_STARTTLS, "imap:// is STARTTLS");
	tap_is_int(mo_mail_scheme("smtp", 4)->port, 587, "smtp:// is the submission port");
	tap_ok(mo_mail_scheme("smtps", 5)->proto == MO_PROTO_SMTP, "smtps:// is SMTP");
	tap_ok(mo_mail_scheme("imapx", 5) == NULL && mo_mail_scheme("ima", 3) == NULL &&
	       mo_mail_scheme("https", 5) == NULL, "other schemes are unknown");
	tap_is_int(mo_mail_port_of(MO_PROTO_IMAP, MO_TLS_IMPLICIT), 993, "IMAP's TLS port");
	tap_is_int(mo_mail_port_of(MO_PROTO_POP3, MO_TLS_DEFAULT), 995, "default: implicit");
	tap_is_int(mo_mail_port_of(MO_PROTO_SMTP, MO_TLS_STARTTLS), 587, "SMTP STARTTLS: 587");
	tap_is_str(mo_mail_scheme_of(MO_PROTO_POP3, MO_TLS_STARTTLS), "pop3", "POP3 STARTTLS scheme");
	tap_is_int(mo_mail_port_of(MO_PROTO_COUNT, MO_TLS_IMPLICIT), 0, "no protocol: no port");
}

static void
test_scopes(void)
{
	tap_ok(mo_scope_granted(POP " offline_access", POP), "full URL");
	tap_ok(mo_scope_granted("offline_access https://outlook.office.com/pop.accessasuser.all", POP),
	       "case-insensitive");
	tap_ok(mo_scope_granted("https%3A%2F%2Foutlook.office.com%2FPOP.AccessAsUser.All", POP),
	       "percent-encoded");
	tap_ok(mo_scope_granted("POP.AccessAsUser.All openid", POP), "short name");
	tap_ok(!mo_scope_granted("https://outlook.office.com/IMAP.AccessAsUser.All offline_access", POP),
	       "IMAP scope is not the POP scope");
	tap_ok(!mo_scope_granted("https://graph.microsoft.com/POP.AccessAsUser.All", POP),
	       "another resource's scope is not it");
	tap_ok(!mo_scope_granted("", POP), "empty grant");
	tap_ok(!mo_scope_granted("%", POP) && !mo_scope_granted("%4", POP), "stray percent signs");
}

static void
test_oneline(void)
{
	char out[16];
	struct mo_fail f;

	tap_is_str(mo_oneline(out, sizeof(out), "a\r\nb\x01\0c", 7), "a b c", "controls become one space");
	tap_is_str(mo_oneline(out, sizeof(out), "  lead  ", 8), "lead", "spaces trimmed");
	tap_is_str(mo_oneline(out, sizeof(out), "0123456789abcdefXYZ", 19), "0123456789ab...",
		   "long text cut with ...");
	tap_is_str(mo_oneline(out, sizeof(out), "0123456789a\xc3\xa4\xc3\xa4\xc3\xa4", 17),
		   "0123456789a...", "never cut inside a UTF-8 sequence");
	mo_fail_set(&f, MO_ERR_AUTH, "server said: %s", "-ERR x\r\n* injected");
	tap_is_str(f.msg, "server said: -ERR x * injected", "failure text is one line");
	tap_is_int(f.err, MO_ERR_AUTH, "failure code kept");
}

int
main(void)
{
	test_hostport();
	test_ports();
	test_scopes();
	test_oneline();
	return tap_done();
}
