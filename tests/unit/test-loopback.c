/* SPDX-License-Identifier: MIT */
/*
 * The sign-in listener's choice of port when [::1] is taken, which real
 * sockets cannot arrange (the kernel picks the ephemeral port): linked
 * with -Wl,--wrap=bind, so that the listener's bind() comes here first and
 * a [::1] bind can be made to fail.  An ephemeral port whose [::1] twin is
 * taken is given up for another one, up to 32 times; a fixed redirect_port
 * is never swapped; no IPv6 loopback at all means 127.0.0.1 alone.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"
#include "signin-loopback.h"
#include "tap.h"

int __real_bind(int fd, const struct sockaddr *sa, socklen_t len);
int __wrap_bind(int fd, const struct sockaddr *sa, socklen_t len);

static int v6_fail;  /* [::1] binds still to fail; -1: all */
static int v6_errno; /* with this errno */
static unsigned int v4_binds, v6_binds;

int
__wrap_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET6) {
		v6_binds++;
		if (v6_fail != 0) {
			if (v6_fail > 0)
				v6_fail--;
			errno = v6_errno;
			return -1;
		}
	}
	if (sa->sa_family == AF_INET)
		v4_binds++;
	return __real_bind(fd, sa, len);
}

static void
reset(int fail, int err)
{
	v6_fail = fail;
	v6_errno = err;
	v4_binds = v6_binds = 0;
}

/* Descriptors open in this process (below 1024: all a test opens). */
static unsigned int
open_count(void)
{
	unsigned int n = 0;
	int fd;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

/* Can a client connect to addr (a numeric address) on port? */
static int
reachable(const char *addr, unsigned int port)
{
	struct addrinfo hints, *ai = NULL;
	char serv[8];
	int fd, ok;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", port);
	if (getaddrinfo(addr, serv, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	ok = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return ok;
}

static int
have_v6_loopback(void)
{
	struct sockaddr_in6 sin6;
	int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = __real_bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

static void
test_ephemeral_retry(int v6)
{
	struct mo_loopback *lb = NULL;
	char *err = NULL;
	unsigned int fds = open_count(), port;

	reset(3, EADDRINUSE);
	tap_is_int(mo_loopback_open(0, &lb, &err), MO_OK,
		   "ephemeral port, [::1] taken three times: a fourth port is used");
	tap_is_int(v6_binds, 4, "four [::1] binds were tried");
	tap_is_int(v4_binds, 4, "127.0.0.1 was bound anew for each");
	if (lb == NULL) {
		tap_diag("%s", err != NULL ? err : "?");
		free(err);
		return;
	}
	port = mo_loopback_port(lb);
	tap_ok(port != 0, "it has a port");
	tap_is_int(reachable("127.0.0.1", port), 1, "127.0.0.1:%u listens", port);
	if (v6)
		tap_is_int(reachable("::1", port), 1, "[::1]:%u listens, the same port", port);
	else
		tap_ok(1, "# SKIP no IPv6 loopback here");
	mo_loopback_close(lb);
	tap_is_int(open_count(), fds, "the three given-up 127.0.0.1 sockets were closed");
}

static void
test_ephemeral_gives_up(void)
{
	struct mo_loopback *lb = NULL;
	char *err = NULL;
	unsigned int fds = open_count();

	reset(-1, EADDRINUSE);
	tap_is_int(mo_loopback_open(0, &lb, &err), MO_ERR_IO,
		   "[::1] taken on every ephemeral port: MO_ERR_IO");
	tap_ok(lb == NULL, "no listener");
	tap_is_int(v6_binds, 32, "after 32 ports");
	tap_ok(err != NULL && strstr(err, "free on both 127.0.0.1 and [::1]") != NULL &&
		       strstr(err, "32 tries") != NULL,
	       "the message says so: %s", err != NULL ? err : "(none)");
	tap_is_int(open_count(), fds, "no socket left open");
	free(err);
}

static void
test_fixed_port_not_swapped(void)
{
	struct mo_loopback *lb = NULL;
	char *err = NULL, want[64];
	unsigned int fds = open_count(), port;
	int probe;

	/* A port free on 127.0.0.1 right now. */
	reset(0, 0);
	if (mo_loopback_open(0, &lb, &err) != MO_OK) {
		tap_ok(0, "an ephemeral port to reuse: %s", err != NULL ? err : "?");
		free(err);
		return;
	}
	port = mo_loopback_port(lb);
	mo_loopback_close(lb);
	lb = NULL;
	reset(1, EADDRINUSE);
	tap_is_int(mo_loopback_open(port, &lb, &err), MO_ERR_IO,
		   "redirect_port %u with [::1] taken: MO_ERR_IO", port);
	tap_is_int(v6_binds, 1, "tried once, no other port");
	snprintf(want, sizeof(want), "[::1]:%u", port);
	tap_ok(err != NULL && strstr(err, want) != NULL && strstr(err, "redirect_port") != NULL,
	       "the message names %s and redirect_port", want);
	probe = reachable("127.0.0.1", port);
	tap_is_int(probe, 0, "127.0.0.1:%u is not left listening", port);
	tap_is_int(open_count(), fds, "no socket left open");
	free(err);
	mo_loopback_close(lb);
}

static void
test_no_v6_loopback(void)
{
	struct mo_loopback *lb = NULL;
	char *err = NULL;

	reset(-1, EADDRNOTAVAIL);
	tap_is_int(mo_loopback_open(0, &lb, &err), MO_OK,
		   "no IPv6 loopback (EADDRNOTAVAIL): 127.0.0.1 alone");
	tap_is_int(v6_binds, 1, "[::1] tried once");
	if (lb != NULL)
		tap_is_int(reachable("127.0.0.1", mo_loopback_port(lb)), 1, "127.0.0.1 listens");
	else
		tap_ok(0, "127.0.0.1 listens: %s", err != NULL ? err : "?");
	mo_loopback_close(lb);
	free(err);
}

int
main(void)
{
	int v6 = have_v6_loopback();

	test_ephemeral_retry(v6);
	test_ephemeral_gives_up();
	test_fixed_port_not_swapped();
	test_no_v6_loopback();
	return tap_done();
}
