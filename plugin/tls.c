/* SPDX-License-Identifier: MIT */
/* OpenSSL client with mandatory verification (see tls.h). */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "errmsg.h"
#include "errors.h"
#include "ports.h"
#include "report.h"
#include "tls.h"

enum mo_tls_mode
mo_tls_mode_from_name(const char *name)
{
	if (strcasecmp(name, "implicit") == 0 || strcasecmp(name, "tls") == 0)
		return MO_TLS_IMPLICIT;
	if (strcasecmp(name, "starttls") == 0 || strcasecmp(name, "stls") == 0)
		return MO_TLS_STARTTLS;
	return MO_TLS_DEFAULT;
}

const char *
mo_tls_mode_name(enum mo_tls_mode m)
{
	switch (m) {
	case MO_TLS_IMPLICIT:	return "implicit TLS";
	case MO_TLS_STARTTLS:	return "STARTTLS";
	case MO_TLS_DEFAULT:	break;
	}
	return "default";
}

enum mo_tls_mode
mo_tls_mode_for_port(unsigned int port)
{
	const struct mo_mail_port *e = mo_mail_port(port);

	return e != NULL ? e->tls : MO_TLS_IMPLICIT;
}

bool
mo_tls_port_known(unsigned int port)
{
	return mo_mail_port(port) != NULL;
}

/* "what: OpenSSL's reason" (malloc'd). */
static char *
ssl_error_text(const char *what)
{
	char reason[256] = "";
	unsigned long e = ERR_peek_last_error();
	size_t n;
	char *s;

	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	n = strlen(what) + strlen(reason) + 4;
	s = malloc(n);
	if (s != NULL)
		snprintf(s, n, "%s%s%s", what, reason[0] ? ": " : "", reason);
	ERR_clear_error();
	return s;
}

int
mo_tls_add_ca(SSL_CTX *ctx, const char *ca_file, char **error_r)
{
	char *why;

	*error_r = NULL;
	if (ca_file[0] == '\0')
		return MO_OK;
	ERR_clear_error();
	if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) == 1)
		return MO_OK;
	why = ssl_error_text("");
	*error_r = mo_strdup_printf("cannot load the certificate authority file %s%s; "
			  "check ca_file in the configuration",
			  ca_file, why != NULL ? why : "");
	free(why);
	return *error_r != NULL ? MO_ERR_CONFIG : MO_ERR_NOMEM;
}

/*
 * The system's trust anchors, looked up when a chain needs them: the
 * hashed certificate directory (OpenSSL's default, /usr/lib/ssl/certs ->
 * /etc/ssl/certs on Debian; $SSL_CERT_DIR overrides it), whose files are
 * named after the subject hash, so that verifying a chain reads the one or
 * two certificates it needs instead of parsing the whole bundle for every
 * session (as the helper does for libcurl, helper/net/trust.c).  Without a
 * hashed directory (some minimal containers) OpenSSL's default paths,
 * bundle included; without any system store ca_file may still do.
 */
static void
system_trust(SSL_CTX *ctx)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());
	struct stat st;

	if (dir == NULL || dir[0] == '\0')
		dir = X509_get_default_cert_dir();
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    SSL_CTX_load_verify_dir(ctx, dir) == 1)
		return;
	(void)SSL_CTX_set_default_verify_paths(ctx);
}

int
mo_tls_context(const char *ca_file, SSL_CTX **ctx_r, char **error_r)
{
	SSL_CTX *ctx = NULL;
	int ret = MO_ERR_NOMEM;

	*ctx_r = NULL;
	*error_r = NULL;
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		*error_r = ssl_error_text("cannot create a TLS context");
		goto out;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		*error_r = ssl_error_text("cannot require TLS 1.2");
		ret = MO_ERR_INTERNAL;
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	system_trust(ctx);
	ERR_clear_error();
	if (ca_file != NULL && (ret = mo_tls_add_ca(ctx, ca_file, error_r)) != MO_OK)
		goto out;
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	/* Read whole socket buffers, not a record header and then its body:
	 * half the system calls in the relay.  Buffered records are drained
	 * by SSL_read before anyone polls (conn.c, relay.c). */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024);
	*ctx_r = ctx;
	ctx = NULL;
	ret = MO_OK;
out:
	SSL_CTX_free(ctx);
	if (ret != MO_OK && *error_r == NULL)
		ret = MO_ERR_NOMEM;
	return ret;
}

/* Sets SNI and the name check.  IP literals (v4, v6, "[v6]") are matched
 * against the certificate's iPAddress entries and get no SNI (RFC 6066 §3
 * forbids literal addresses there). */
static int
set_peer_name(SSL *ssl, const char *host)
{
	char bare[64];
	unsigned char addr[16];
	size_t len = strlen(host);

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof(bare)) {
		memcpy(bare, host + 1, len - 2);
		bare[len - 2] = '\0';
		host = bare;
	}
	if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -1;
	if (SSL_set_tlsext_host_name(ssl, host) != 1)
		return -1;
	return SSL_set1_host(ssl, host) == 1 ? 0 : -1;
}

/* OpenSSL keeps no peer certificate from a failed handshake: the
 * verification callback saves the server's own (depth 0) certificate, so
 * that a host-name mismatch can say which names it carries. */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	X509 **leaf = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	X509 *cert = X509_STORE_CTX_get_current_cert(xs);

	if (leaf != NULL && *leaf == NULL && cert != NULL &&
	    X509_STORE_CTX_get_error_depth(xs) == 0 && X509_up_ref(cert) == 1)
		*leaf = cert;
	return ok;
}

/* Names in the peer certificate ("DNS:a, IP:b"), for a host mismatch. */
static void
peer_names(X509 *cert, char *buf, size_t n)
{
	GENERAL_NAMES *names;
	int i, count;
	size_t used = 0;

	buf[0] = '\0';
	if (cert == NULL)
		return;
	names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	count = names != NULL ? sk_GENERAL_NAME_num(names) : 0;
	for (i = 0; i < count && used + 1 < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		char ip[INET6_ADDRSTRLEN] = "";
		int w = 0;

		if (g->type == GEN_DNS) {
			const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
			int l = ASN1_STRING_length(g->d.dNSName);

			w = snprintf(buf + used, n - used, "%sDNS:%.*s", used ? ", " : "",
				     l > 200 ? 200 : l, (const char *)d);
		} else if (g->type == GEN_IPADD) {
			int l = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *d = ASN1_STRING_get0_data(g->d.iPAddress);

			if (l == 4)
				inet_ntop(AF_INET, d, ip, sizeof(ip));
			else if (l == 16)
				inet_ntop(AF_INET6, d, ip, sizeof(ip));
			w = snprintf(buf + used, n - used, "%sIP:%s", used ? ", " : "", ip);
		}
		if (w < 0)
			break;
		used += (size_t)w;
		if (used >= n)
			used = n - 1;
	}
	/* Printable only: a certificate is untrusted data. */
	for (used = 0; buf[used] != '\0'; used++)
		if ((unsigned char)buf[used] < 0x20 || (unsigned char)buf[used] > 0x7e)
			buf[used] = '?';
	GENERAL_NAMES_free(names);
}

int
mo_tls_start(struct mo_conn *c, SSL_CTX *ctx, const char *host, char **error_r)
{
	const unsigned char *junk;
	long long deadline = mo_deadline(c->timeout_ms);
	X509 *leaf = NULL;
	SSL *ssl = NULL;
	int ret = MO_ERR_NOMEM, r, e, rc;

	*error_r = NULL;
	if (mo_conn_pending(c, &junk) > 0) {
		*error_r = mo_strdup_printf("%s sent data before the TLS handshake (a possible "
				  "injection attack); giving up", c->what);
		ret = MO_ERR_PROTO;
		goto out;
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, c->rfd) != 1) {
		*error_r = ssl_error_text("cannot set up TLS");
		goto out;
	}
	SSL_set_app_data(ssl, &leaf);
	SSL_set_verify(ssl, SSL_VERIFY_PEER, verify_cb);
	if (set_peer_name(ssl, host) != 0) {
		*error_r = mo_strdup_printf("cannot check the certificate against '%s'", host);
		ret = MO_ERR_INVAL;
		goto out;
	}
	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = SSL_connect(ssl);
		if (r == 1)
			break;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			rc = mo_wait_fd(c->rfd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					deadline);
			if (rc != MO_OK) {
				*error_r = mo_strdup_printf("the TLS handshake with %s timed out", host);
				ret = rc;
				goto out;
			}
			continue;
		}
		if (SSL_get_verify_result(ssl) != X509_V_OK) {
			long v = SSL_get_verify_result(ssl);
			char names[512];

			if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH) {
				peer_names(leaf, names, sizeof(names));
				*error_r = mo_strdup_printf("the certificate of %s is not valid for that name "
						  "(it names %s); connect to a name the certificate "
						  "carries", host, names[0] ? names : "other hosts");
			} else {
				*error_r = mo_strdup_printf("the certificate of %s was refused: %s; if the "
						  "server uses a private CA, set ca_file in the "
						  "account and name %s in its pop3, imap or smtp "
						  "key (a ca_file is trusted only for its own "
						  "account's servers)", host,
						  X509_verify_cert_error_string(v), host);
			}
			ret = MO_ERR_AUTH;
			goto out;
		}
		{
			char what[300];

			snprintf(what, sizeof(what), "the TLS handshake with %s failed", host);
			if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
				*error_r = mo_strdup_printf("%s: the server closed the connection", what);
			else
				*error_r = ssl_error_text(what);
		}
		ret = MO_ERR_PROTO;
		goto out;
	}
	SSL_set_app_data(ssl, NULL);
	c->ssl = ssl;
	ssl = NULL;
	ret = MO_OK;
out:
	if (ssl != NULL)
		SSL_set_app_data(ssl, NULL);
	SSL_free(ssl);
	X509_free(leaf);
	ERR_clear_error();
	if (ret != MO_OK && *error_r == NULL)
		ret = MO_ERR_NOMEM;
	return ret;
}

const char *
mo_tls_describe(const struct mo_conn *c, char *buf, size_t n)
{
	if (c->ssl == NULL) {
		snprintf(buf, n, "no TLS");
		return buf;
	}
	snprintf(buf, n, "%s, %s", SSL_get_version(c->ssl),
		 SSL_CIPHER_get_name(SSL_get_current_cipher(c->ssl)));
	return buf;
}
