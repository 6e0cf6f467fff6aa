/* SPDX-License-Identifier: MIT */
/*
 * The least a fetchmail plugin can do, as a yardstick for
 * tests/bench/connect-fetchmail.sh (not installed, not run by make check):
 *
 *   baseline-relay PORT               plain TCP to 127.0.0.1:PORT
 *   baseline-relay --tls CAFILE PORT  TLS to 127.0.0.1:PORT, certificate
 *                                     checked against CAFILE for "localhost"
 *
 * It copies stdin to the server and the server to stdout with one poll()
 * loop and 256 KB reads, as `mailoauth connect` does after its login, but
 * with no login of its own (the client logs in with USER/PASS), no limits
 * and no error messages beyond an exit status.  Running fetchmail through
 * it separates what any plugin costs (one more process on the path of
 * every command and reply) and what TLS to the server costs from what
 * `mailoauth connect` adds.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#define BUF (256 * 1024)

static unsigned char buf[BUF];

static bool
write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static int
dial(const char *port)
{
	struct sockaddr_in sa;
	char *end;
	unsigned long n = strtoul(port, &end, 10);
	int fd, one = 1;

	if (*port == '\0' || *end != '\0' || n == 0 || n > 65535)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)n);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Server to stdout: false at the end of the stream or on an error. */
static bool
from_server(int fd, SSL *ssl)
{
	size_t n = 0;

	if (ssl != NULL) {
		if (SSL_read_ex(ssl, buf, sizeof(buf), &n) != 1)
			return false;
	} else {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			return true;
		if (r <= 0)
			return false;
		n = (size_t)r;
	}
	return write_all(STDOUT_FILENO, buf, n);
}

/* stdin to the server: false at the end of the stream or on an error. */
static bool
to_server(int fd, SSL *ssl)
{
	ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
	size_t done;

	if (r < 0 && errno == EINTR)
		return true;
	if (r <= 0)
		return false;
	if (ssl != NULL)
		return SSL_write_ex(ssl, buf, (size_t)r, &done) == 1;
	return write_all(fd, buf, (size_t)r);
}

int
main(int argc, char **argv)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	const char *ca = NULL, *port;
	int fd;

	if (argc == 4 && strcmp(argv[1], "--tls") == 0) {
		ca = argv[2];
		port = argv[3];
	} else if (argc == 2) {
		port = argv[1];
	} else {
		return 64;
	}
	if ((fd = dial(port)) < 0)
		return 69;
	if (ca != NULL) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
			return 70;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_read_ahead(ctx, 1);
		ssl = SSL_new(ctx);
		if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
		    SSL_set1_host(ssl, "localhost") != 1 || SSL_connect(ssl) != 1)
			return 69;
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{.fd = STDIN_FILENO, .events = POLLIN},
			{.fd = fd, .events = POLLIN},
		};

		/* What OpenSSL read ahead is not on the socket any more. */
		if (ssl == NULL || !SSL_has_pending(ssl)) {
			if (poll(pfd, 2, -1) < 0 && errno != EINTR)
				return 74;
		} else {
			pfd[1].revents = POLLIN;
		}
		if (pfd[0].revents != 0 && !to_server(fd, ssl))
			break;
		if (pfd[1].revents != 0 && !from_server(fd, ssl))
			break;
	}
	if (ssl != NULL)
		SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return 0;
}
