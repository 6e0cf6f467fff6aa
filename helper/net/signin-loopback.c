/* SPDX-License-Identifier: MIT */
/* The loopback listener that receives the browser's sign-in redirect. */
#include "autoconfig.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "errmsg.h"
#include "errors.h"
#include "log.h"
#include "secret.h"
#include "signin-loopback.h"
#include "signin-pkce.h"

#include <openssl/crypto.h>

#define MAX_CLIENTS 16
#define CLIENT_IDLE_MS 15000	/* a connection that sends nothing is closed */
#define WRITE_TIMEOUT_MS 3000
#define SLICE_MS 250		/* how often Ctrl-C is noticed at the latest */
#define PAGE_MAX 16384
#define PORT_TRIES 32		/* ephemeral ports tried for a free pair */

struct client {
	int fd;			/* -1: slot free */
	size_t len;
	int64_t last;		/* monotonic ms of the last activity */
	char buf[MO_CB_MAX_HEAD];	/* may hold a code: wiped */
};

struct mo_loopback {
	int lfd[2];		/* 127.0.0.1 and [::1]; -1 when not listening */
	unsigned int port;
	int pending_fd;		/* the browser waiting for the final page */
	char start_path[MO_PKCE_B64_LEN + 2];	/* "/" + nonce; "" when none */
	char *start_location;	/* the authorization URL: holds the state */
	unsigned int start_served;	/* times the start page was asked for */
	struct client *clients[MAX_CLIENTS];
};

static int
listen_on(int family, unsigned int port, int *fd_r)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, err;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr = in6addr_loopback;
		sl = sizeof(*sin6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errno;
	/* A fixed redirect_port must be reusable right after the last run
	 * (TIME_WAIT); Linux still refuses a second listener on it. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 16) != 0) {
		err = errno;
		close(fd);
		return err;
	}
	*fd_r = fd;
	return 0;
}

/* The port a listening socket got. */
static unsigned int
port_of(int fd)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &sl) != 0)
		return 0;
	return ntohs(sin.sin_port);
}

/*
 * 127.0.0.1:port and [::1]:port, both or neither (doc/internals.md,
 * "The browser sign-in's listener"): the redirect goes to
 * http://localhost:PORT/, which a browser may send to either address, so
 * whoever holds the other one would receive the code.  [::1] may only be
 * missing when the system has no IPv6 loopback, where nobody can listen
 * on it either.  Returns 0, or the errno of the bind that failed with
 * *v6_r telling which family it was.
 */
static int
listen_pair(unsigned int port, struct mo_loopback *lb, bool *v6_r)
{
	int err;

	*v6_r = false;
	err = listen_on(AF_INET, port, &lb->lfd[0]);
	if (err != 0)
		return err;
	if (port == 0)
		port = port_of(lb->lfd[0]);
	err = listen_on(AF_INET6, port, &lb->lfd[1]);
	if (err == EAFNOSUPPORT || err == EADDRNOTAVAIL) {
		lb->lfd[1] = -1;
		err = 0;
	}
	if (err != 0) {
		close(lb->lfd[0]);
		lb->lfd[0] = -1;
		*v6_r = true;
		return err;
	}
	lb->port = port;
	return 0;
}

int
mo_loopback_open(unsigned int port, struct mo_loopback **lb_r, char **error_r)
{
	struct mo_loopback *lb;
	unsigned int tries;
	bool v6 = false;
	int err = 0;

	*lb_r = NULL;
	if (port > 65535)
		return mo_errorf(error_r, MO_ERR_CONFIG, "redirect_port %u is not a port number",
				 port);
	lb = calloc(1, sizeof(*lb));
	if (lb == NULL)
		return mo_errorf(error_r, MO_ERR_NOMEM, "out of memory");
	lb->lfd[0] = lb->lfd[1] = lb->pending_fd = -1;
	/* An ephemeral port whose [::1] twin is taken: another one. */
	for (tries = 0; tries < (port == 0 ? PORT_TRIES : 1); tries++) {
		err = listen_pair(port, lb, &v6);
		if (err == 0 || !v6 || err != EADDRINUSE)
			break;
	}
	if (err == 0 && lb->port == 0)
		err = EADDRNOTAVAIL;
	if (err != 0) {
		free(lb);
		if (v6 && port != 0)
			return mo_errorf(error_r, MO_ERR_IO, "cannot listen on [::1]:%u for the "
					 "sign-in redirect: %s.  Another program, perhaps another "
					 "user's, holds it: a browser going to localhost:%u could "
					 "hand it the sign-in code, so mailoauth does not start.  "
					 "Set redirect_port to a free port (or 0 for any) in the "
					 "account's section", port, strerror(err), port);
		if (v6)
			return mo_errorf(error_r, MO_ERR_IO, "cannot find a port free on both "
					 "127.0.0.1 and [::1] for the sign-in redirect (%u tries): %s",
					 PORT_TRIES, strerror(err));
		if (port != 0)
			return mo_errorf(error_r, MO_ERR_IO, "cannot listen on 127.0.0.1:%u for "
					 "the sign-in redirect: %s; is another sign-in running?  "
					 "Set redirect_port to a free port (or 0 for any) in the "
					 "account's section", port, strerror(err));
		return mo_errorf(error_r, MO_ERR_IO,
				 "cannot listen on 127.0.0.1 for the sign-in redirect: %s",
				 strerror(err));
	}
	*lb_r = lb;
	return MO_OK;
}

int
mo_loopback_start_page(struct mo_loopback *lb, const char *location,
		       char *url, size_t url_len, char **error_r)
{
	char nonce[MO_PKCE_B64_LEN + 1];

	if (mo_random_b64url(nonce) != MO_OK)
		return mo_errorf(error_r, MO_ERR_INTERNAL, "OpenSSL's random generator failed");
	mo_free_secret(lb->start_location);
	lb->start_location = mo_strdup(location);
	if (lb->start_location == NULL)
		return mo_errorf(error_r, MO_ERR_NOMEM, "out of memory");
	(void)snprintf(lb->start_path, sizeof(lb->start_path), "/%s", nonce);
	lb->start_served = 0;
	(void)snprintf(url, url_len, "http://127.0.0.1:%u%s", lb->port, lb->start_path);
	mo_wipe(nonce, sizeof(nonce));
	return MO_OK;
}

unsigned int
mo_loopback_port(const struct mo_loopback *lb)
{
	return lb->port;
}

static void
client_close(struct mo_loopback *lb, size_t i)
{
	struct client *c = lb->clients[i];

	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	mo_freezero(c, sizeof(*c));
	lb->clients[i] = NULL;
}

void
mo_loopback_close(struct mo_loopback *lb)
{
	size_t i;

	if (lb == NULL)
		return;
	for (i = 0; i < MAX_CLIENTS; i++)
		client_close(lb, i);
	for (i = 0; i < 2; i++) {
		if (lb->lfd[i] >= 0)
			close(lb->lfd[i]);
	}
	if (lb->pending_fd >= 0)
		close(lb->pending_fd);
	mo_free_secret(lb->start_location);
	mo_freezero(lb, sizeof(*lb));
}

/* Writes all of data to the non-blocking socket fd, waiting at most
 * WRITE_TIMEOUT_MS for room; errors just end the answer. */
static void
send_all(int fd, const char *data, size_t len)
{
	int64_t deadline = mo_now_ms() + WRITE_TIMEOUT_MS;

	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
				     errno == EINTR)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int64_t left = deadline - mo_now_ms();

			if (left <= 0 || poll(&p, 1, (int)left) < 0)
				return;
		} else {
			return;
		}
	}
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 410: return "Gone";
	case 431: return "Request Header Fields Too Large";
	default: return "Error";
	}
}

static int
add_escaped(struct mo_buf *b, const char *s)
{
	int ret = MO_OK;

	for (; *s != '\0' && ret == MO_OK; s++) {
		switch (*s) {
		case '<': ret = mo_buf_addstr(b, "&lt;"); break;
		case '>': ret = mo_buf_addstr(b, "&gt;"); break;
		case '&': ret = mo_buf_addstr(b, "&amp;"); break;
		case '"': ret = mo_buf_addstr(b, "&quot;"); break;
		case '\'': ret = mo_buf_addstr(b, "&#39;"); break;
		default: ret = mo_buf_addc(b, *s); break;
		}
	}
	return ret;
}

int
mo_loopback_page(struct mo_buf *out, int status, const char *title,
		 const char *text)
{
	struct mo_buf body;
	int ret;

	mo_buf_init(&body, PAGE_MAX);
	ret = mo_buf_addstr(&body, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
				   "<meta charset=\"utf-8\"><title>mailoauth: ");
	if (ret == MO_OK)
		ret = add_escaped(&body, title);
	if (ret == MO_OK)
		ret = mo_buf_addstr(&body, "</title></head>\n<body style=\"font-family: sans-serif;"
					   " margin: 3em\"><h1>");
	if (ret == MO_OK)
		ret = add_escaped(&body, title);
	if (ret == MO_OK)
		ret = mo_buf_addstr(&body, "</h1>\n");
	if (ret == MO_OK && text != NULL && text[0] != '\0') {
		ret = mo_buf_addstr(&body, "<p>");
		if (ret == MO_OK)
			ret = add_escaped(&body, text);
		if (ret == MO_OK)
			ret = mo_buf_addstr(&body, "</p>\n");
	}
	if (ret == MO_OK)
		ret = mo_buf_addstr(&body, "</body></html>\n");
	if (ret == MO_OK)
		ret = mo_buf_printf(out,
				    "HTTP/1.1 %d %s\r\n"
				    "Content-Type: text/html; charset=utf-8\r\n"
				    "Content-Length: %zu\r\n"
				    "Cache-Control: no-store\r\n"
				    "Referrer-Policy: no-referrer\r\n"
				    "X-Content-Type-Options: nosniff\r\n"
				    "%s"
				    "Connection: close\r\n\r\n",
				    status, status_text(status), body.len,
				    status == 405 ? "Allow: GET\r\n" : "");
	if (ret == MO_OK)
		ret = mo_buf_add(out, body.data, body.len);
	mo_buf_free(&body);
	return ret;
}

/* Sends a page and closes fd. */
static void
answer(int fd, int status, const char *title, const char *text)
{
	struct mo_buf b;

	mo_buf_init(&b, PAGE_MAX * 2);
	if (mo_loopback_page(&b, status, title, text) == MO_OK)
		send_all(fd, b.data, b.len);
	mo_buf_free(&b);
	(void)shutdown(fd, SHUT_WR);
	close(fd);
}

/* Sends the browser on to location (the authorization URL) and closes fd;
 * the copy of the URL in the buffer is wiped. */
static void
answer_redirect(int fd, const char *location)
{
	struct mo_buf b;

	mo_buf_init(&b, PAGE_MAX * 2);
	if (mo_buf_printf(&b, "HTTP/1.1 302 Found\r\n"
			      "Location: %s\r\n"
			      "Content-Length: 0\r\n"
			      "Cache-Control: no-store\r\n"
			      "Referrer-Policy: no-referrer\r\n"
			      "Connection: close\r\n\r\n", location) == MO_OK)
		send_all(fd, b.data, b.len);
	mo_buf_free(&b);
	(void)shutdown(fd, SHUT_WR);
	close(fd);
}

/* Is h a GET of the start page? */
static bool
is_start(const struct mo_loopback *lb, const struct mo_cb_head *h)
{
	size_t n = strlen(lb->start_path);

	return n > 0 && h->method_len == 3 && memcmp(h->method, "GET", 3) == 0 &&
	       h->path_len == n && CRYPTO_memcmp(h->path, lb->start_path, n) == 0;
}

void
mo_loopback_reply(struct mo_loopback *lb, bool ok, const char *text)
{
	if (lb == NULL || lb->pending_fd < 0)
		return;
	if (ok)
		answer(lb->pending_fd, 200, "Signed in \xe2\x80\x94 you can close this tab",
		       text != NULL ? text : "mailoauth has stored the tokens.");
	else
		answer(lb->pending_fd, 200, "Sign-in failed", text);
	lb->pending_fd = -1;
}

/* Accepts what waits on listener fd; evicts the idlest connection when
 * every slot is taken. */
static int
accept_clients(struct mo_loopback *lb, int lfd)
{
	for (;;) {
		size_t i, slot = MAX_CLIENTS, oldest = 0;
		struct client *c;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return MO_OK;	/* EAGAIN and the rest: try again later */
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (lb->clients[i] == NULL) {
				slot = i;
				break;
			}
			if (lb->clients[i]->last < lb->clients[oldest]->last)
				oldest = i;
		}
		if (slot == MAX_CLIENTS) {
			mo_net_note(1, "sign-in listener: too many connections, closing the "
				       "idlest");
			client_close(lb, oldest);
			slot = oldest;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return MO_ERR_NOMEM;
		}
		c->fd = fd;
		c->last = mo_now_ms();
		lb->clients[slot] = c;
	}
}

/*
 * Reads from client i and acts on a complete head.  Returns 1 when the
 * sign-in redirect arrived (r filled, the connection kept as pending_fd),
 * 2 when the start page was asked for a second time, 0 to go on, or
 * MO_ERR_NOMEM.
 */
static int
serve_client(struct mo_loopback *lb, size_t i, const char *state,
	     struct mo_cb_result *r)
{
	struct client *c = lb->clients[i];
	struct mo_cb_head h;
	const char *why = NULL;
	ssize_t n;
	int ret;

	if (c == NULL)
		return 0;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n <= 0) {
		client_close(lb, i);
		return 0;
	}
	c->len += (size_t)n;
	c->last = mo_now_ms();
	ret = mo_cb_head_parse(c->buf, c->len, &h, &why);
	if (ret == MO_CB_MORE)
		return 0;
	if (ret == MO_ERR_TOOBIG) {
		mo_net_note(1, "sign-in listener: request head over 8 KiB refused");
		answer(c->fd, 431, "Request too large", NULL);
		c->fd = -1;
		client_close(lb, i);
		return 0;
	}
	if (ret != MO_OK) {
		mo_net_note(1, "sign-in listener: bad request (%s)", why);
		answer(c->fd, 400, "Bad request", why);
		c->fd = -1;
		client_close(lb, i);
		return 0;
	}
	if (is_start(lb, &h)) {
		/* The first request gets the authorization URL; a second one
		 * means that someone else read the start address, too. */
		if (lb->start_served++ == 0) {
			mo_net_note(1, "sign-in listener: start page: on to the identity "
				       "provider");
			answer_redirect(c->fd, lb->start_location);
		} else {
			answer(c->fd, 410, "This sign-in link was already used",
			       "Nothing was stored; see the terminal.");
		}
		c->fd = -1;
		client_close(lb, i);
		return lb->start_served > 1 ? 2 : 0;
	}
	ret = mo_cb_evaluate(&h, "/", state, r);
	if (ret != MO_OK)
		return ret;
	if (r->kind == MO_CB_CODE || r->kind == MO_CB_ERROR) {
		lb->pending_fd = c->fd;
		c->fd = -1;
		client_close(lb, i);
		return 1;
	}
	mo_net_note(1, "sign-in listener: %.*s %.*s refused with %d (%s)",
		    (int)(h.method_len > 16 ? 16 : h.method_len), h.method,
		    (int)(h.path_len > 64 ? 64 : h.path_len), h.path, r->status, r->why);
	if (r->kind == MO_CB_BAD_STATE)
		mo_net_warn("ignored a sign-in redirect for another attempt (%s); still waiting",
			    r->why);
	answer(c->fd, r->status,
	       r->kind == MO_CB_NOT_FOUND ? "Not found" : "Not this sign-in", r->why);
	c->fd = -1;
	client_close(lb, i);
	mo_cb_result_clear(r);
	return 0;
}

int
mo_loopback_wait(struct mo_loopback *lb, const char *state, int timeout_s,
		 volatile sig_atomic_t *cancel, struct mo_cb_result *r,
		 char **error_r)
{
	struct pollfd pfd[2 + MAX_CLIENTS];
	size_t map[2 + MAX_CLIENTS];
	int64_t deadline = mo_now_ms() + (int64_t)timeout_s * 1000;
	size_t i, n;
	int ret;

	memset(r, 0, sizeof(*r));
	for (;;) {
		int64_t now = mo_now_ms(), wait;

		if (cancel != NULL && *cancel)
			return mo_errorf(error_r, MO_ERR_CANCELLED, "sign-in cancelled");
		if (now >= deadline)
			return mo_errorf(error_r, MO_ERR_TIMEOUT,
					 "no sign-in redirect arrived within %d seconds",
					 timeout_s);
		n = 0;
		for (i = 0; i < 2; i++) {
			if (lb->lfd[i] >= 0) {
				pfd[n].fd = lb->lfd[i];
				pfd[n].events = POLLIN;
				map[n++] = SIZE_MAX;
			}
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = lb->clients[i];

			if (c == NULL)
				continue;
			if (now - c->last > CLIENT_IDLE_MS) {
				client_close(lb, i);
				continue;
			}
			pfd[n].fd = c->fd;
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		wait = deadline - now;
		if (wait > SLICE_MS)
			wait = SLICE_MS;
		if (poll(pfd, (nfds_t)n, (int)wait) < 0) {
			if (errno == EINTR)
				continue;
			return mo_errorf(error_r, MO_ERR_IO, "poll: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (map[i] == SIZE_MAX) {
				ret = accept_clients(lb, pfd[i].fd);
			} else {
				ret = serve_client(lb, map[i], state, r);
				if (ret == 1)
					return MO_OK;
				if (ret == 2)
					return mo_errorf(error_r, MO_ERR_PROTO,
							 "the browser start page was asked for a "
							 "second time: another program on this machine "
							 "may have read its address from the browser's "
							 "command line and learnt this sign-in's state, "
							 "so this attempt is abandoned and nothing was "
							 "stored");
			}
			if (ret == MO_ERR_NOMEM)
				return mo_errorf(error_r, MO_ERR_NOMEM, "out of memory");
		}
	}
}
