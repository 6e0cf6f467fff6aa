/* SPDX-License-Identifier: MIT */
/*
 * HTTPS to the identity provider: one libcurl multi handle, kept-alive
 * connections shared by every request, bounded replies, retries with
 * backoff.  The policy is described in http.h.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "clock.h"
#include "errmsg.h"
#include "errors.h"
#include "http.h"
#include "log.h"
#include "retry.h"
#include "trust.h"
#include "secret.h"

#define MIN_ATTEMPT_MS 1000		/* no retry with less time than this left */

struct xfer {
	struct xfer *next;
	struct mo_http *h;
	CURL *easy;
	char *url;
	char *form;		/* secret */
	char *what;
	const struct mo_trust *trust;
	mo_http_done_fn *done;
	void *arg;
	struct mo_http_reply reply;
	char errbuf[CURL_ERROR_SIZE];
	int64_t t_start;	/* first attempt, ms */
	int64_t t_attempt;
	int64_t not_before;	/* next attempt, ms */
	int64_t deadline;	/* t_start + retry budget */
	bool running;
	bool finished;
	bool too_big;
	int result;
	char *error;
};

struct mo_http {
	CURLM *multi;
	CURLSH *share;
	struct xfer *xfers;
	struct mo_trust *trusts;
	struct curl_slist *headers;
	int verbose;
	long connect_ms;
	long timeout_ms;
	long budget_ms;
	unsigned int seed;
	char user_agent[64];
};

/* An environment override in seconds (fractions allowed), as milliseconds. */
static long
env_ms(const char *name, long dflt)
{
	const char *v = getenv(name);
	char *end;
	double d;

	if (v == NULL || *v == '\0')
		return dflt;
	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || *end != '\0' || d < 0 || d > 86400) {
		mo_net_warn("ignoring %s='%s': not a number of seconds", name, v);
		return dflt;
	}
	return (long)(d * 1000);
}

void
mo_http_reply_init(struct mo_http_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	mo_buf_init(&reply->body, MO_HTTP_MAX_REPLY);
	reply->retry_after = -1;
}

void
mo_http_reply_free(struct mo_http_reply *reply)
{
	mo_buf_free(&reply->body);
	mo_http_reply_init(reply);
}

bool
mo_http_reply_is_json(const struct mo_http_reply *reply)
{
	const char *ct = reply->content_type;

	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/json", 16) == 0 &&
	       (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

int
mo_http_new(int verbose, struct mo_http **http_r, char **error_r)
{
	struct mo_http *h;

	*http_r = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*error_r = strdup("cannot initialise libcurl");
		return MO_ERR_INTERNAL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		curl_global_cleanup();
		return MO_ERR_NOMEM;
	}
	h->verbose = verbose;
	h->connect_ms = env_ms("MAILOAUTH_CONNECT_TIMEOUT", 10000);
	h->timeout_ms = env_ms("MAILOAUTH_HTTP_TIMEOUT", 30000);
	h->budget_ms = env_ms("MAILOAUTH_RETRY_BUDGET", MO_HTTP_RETRY_BUDGET * 1000L);
	h->seed = (unsigned int)getpid() ^ (unsigned int)mo_now_ms();
	snprintf(h->user_agent, sizeof(h->user_agent), "mailoauth/%s", PACKAGE_VERSION);
	h->multi = curl_multi_init();
	h->share = curl_share_init();
	h->headers = curl_slist_append(NULL, "Accept: application/json");
	if (h->multi == NULL || h->share == NULL || h->headers == NULL) {
		mo_http_free(h);
		*error_r = strdup("cannot initialise libcurl");
		return MO_ERR_NOMEM;
	}
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	/* One host, HTTP/1.1: a few connections, each kept alive and reused. */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 16L);
	*http_r = h;
	return MO_OK;
}

static void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL) {
		if (x->running)
			curl_multi_remove_handle(x->h->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	mo_http_reply_free(&x->reply);
	mo_free_secret(x->form);
	free(x->url);
	free(x->what);
	free(x->error);
	free(x);
}

void
mo_http_free(struct mo_http *h)
{
	struct xfer *x;

	if (h == NULL)
		return;
	while ((x = h->xfers) != NULL) {
		h->xfers = x->next;
		xfer_free(x);
	}
	mo_trust_free_all(&h->trusts);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	if (h->share != NULL)
		curl_share_cleanup(h->share);
	curl_slist_free_all(h->headers);
	free(h);
	curl_global_cleanup();	/* balances mo_http_new()'s init */
}

size_t
mo_http_pending(const struct mo_http *h)
{
	const struct xfer *x;
	size_t n = 0;

	for (x = h->xfers; x != NULL; x = x->next)
		n++;
	return n;
}

static void
copy_header_value(char *dst, size_t dstlen, const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	char val[128];

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue, or a new attempt). */
		x->reply.content_type[0] = '\0';
		x->reply.retry_after = -1;
	} else if (len > 13 && strncasecmp(data, "Content-Type:", 13) == 0) {
		copy_header_value(x->reply.content_type, sizeof(x->reply.content_type),
				  data + 13, len - 13);
	} else if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
		copy_header_value(val, sizeof(val), data + 12, len - 12);
		x->reply.retry_after = mo_retry_after_parse(val, time(NULL));
	}
	return len;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	if (mo_buf_add(&x->reply.body, data, len) != MO_OK) {
		x->too_big = true;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	return len;
}

static void
finish(struct xfer *x, int result, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
finish(struct xfer *x, int result, const char *fmt, ...)
{
	va_list ap;

	x->finished = true;
	x->result = result;
	if (fmt != NULL) {
		va_start(ap, fmt);
		x->error = mo_vstrdup_printf(fmt, ap);
		va_end(ap);
	}
}

/* Sets up and adds one attempt of x to the multi handle. */
static void
attempt_start(struct xfer *x)
{
	struct mo_http *h = x->h;
	int64_t now = mo_now_ms();
	long timeout = h->timeout_ms;
	CURL *e;

	if (x->easy == NULL) {
		x->easy = curl_easy_init();
		if (x->easy == NULL) {
			finish(x, MO_ERR_NOMEM, "out of memory");
			return;
		}
	}
	e = x->easy;
	curl_easy_reset(e);
	mo_buf_reset(&x->reply.body);
	x->reply.content_type[0] = '\0';
	x->reply.retry_after = -1;
	x->reply.status = 0;
	x->too_big = false;
	x->errbuf[0] = '\0';
	if (x->deadline - now < timeout)
		timeout = (long)(x->deadline - now);
	if (timeout < MIN_ATTEMPT_MS)
		timeout = MIN_ATTEMPT_MS;

	curl_easy_setopt(e, CURLOPT_URL, x->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	mo_trust_apply(x->trust, e);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MO_HTTP_MAX_REPLY);
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(e, CURLOPT_SHARE, h->share);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (x->form != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(x->form));
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->form);
	}
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		finish(x, MO_ERR_INTERNAL, "libcurl refused the request to %s", x->url);
		return;
	}
	x->running = true;
	x->t_attempt = now;
	x->reply.attempts++;
	/* A query string may carry a code or a token: never shown. */
	mo_net_note(1, "%s %.*s%s%s%s%s (attempt %u)", x->form != NULL ? "POST" : "GET",
		    (int)strcspn(x->url, "?#"), x->url,
		    x->url[strcspn(x->url, "?#")] != '\0' ? "?<hidden>" : "",
		    x->what ? " [" : "", x->what ? x->what : "",
		    x->what ? "]" : "", x->reply.attempts);
}

int
mo_http_start(struct mo_http *h, const struct mo_http_request *req,
	      mo_http_done_fn *done, void *arg, char **error_r)
{
	struct xfer *x;
	int ret;

	*error_r = NULL;
	if (req->url == NULL || strncasecmp(req->url, "https://", 8) != 0) {
		if (asprintf(error_r, "refusing to talk to '%.*s': only https:// URLs are allowed",
			     req->url ? (int)strcspn(req->url, "?#") : 6,
			     req->url ? req->url : "(none)") < 0)
			*error_r = NULL;
		return MO_ERR_INVAL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return MO_ERR_NOMEM;
	x->h = h;
	x->done = done;
	x->arg = arg;
	mo_http_reply_init(&x->reply);
	x->url = strdup(req->url);
	x->what = req->what ? strdup(req->what) : NULL;
	x->form = req->form ? mo_strdup(req->form) : NULL;
	if (x->url == NULL || (req->what && x->what == NULL) ||
	    (req->form && x->form == NULL)) {
		xfer_free(x);
		return MO_ERR_NOMEM;
	}
	if (req->ca_file != NULL) {
		ret = mo_trust_get(&h->trusts, req->ca_file, &x->trust, error_r);
		if (ret != MO_OK) {
			xfer_free(x);
			return ret;
		}
	}
	x->t_start = mo_now_ms();
	x->deadline = x->t_start + h->budget_ms;
	x->not_before = 0;
	x->next = h->xfers;
	h->xfers = x;
	return MO_OK;
}

static bool
retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

const char *
mo_url_host(const char *url, char *buf, size_t len)
{
	const char *p = strstr(url, "://"), *e;
	size_t n;

	p = p ? p + 3 : url;
	e = strpbrk(p, "/?#");
	n = e ? (size_t)(e - p) : strlen(p);
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* Decides what to do with a finished attempt. */
static void
attempt_done(struct xfer *x, CURLcode rc)
{
	struct mo_http *h = x->h;
	int64_t now = mo_now_ms(), delay;
	long status = 0, conns = 0;
	char host[256], why[CURL_ERROR_SIZE + 64];
	bool retry = false;

	curl_multi_remove_handle(h->multi, x->easy);
	x->running = false;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &conns);
	x->reply.status = rc == CURLE_OK ? status : 0;
	mo_url_host(x->url, host, sizeof(host));

	if (rc == CURLE_OK) {
		mo_net_note(1, "HTTP %ld from %s in %.3f s (%s connection)", status, host,
			    (double)(now - x->t_attempt) / 1000.0,
			    conns > 0 ? "new" : "reused");
		snprintf(why, sizeof(why), "HTTP %ld", status);
		retry = status == 429 || (status >= 500 && status <= 599);
	} else {
		mo_net_note(1, "request to %s failed after %.3f s: %s", host,
			    (double)(now - x->t_attempt) / 1000.0,
			    x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		snprintf(why, sizeof(why), "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		retry = retryable_curl(rc);
	}

	if (retry && x->reply.attempts < MO_HTTP_MAX_ATTEMPTS) {
		if (x->reply.retry_after >= 0 && rc == CURLE_OK) {
			delay = (int64_t)x->reply.retry_after * 1000;
		} else {
			delay = mo_backoff_ms(x->reply.attempts, &h->seed);
		}
		if (now + delay + MIN_ATTEMPT_MS <= x->deadline) {
			mo_net_note(1, "%s: retrying in %.1f s (attempt %u of %d%s)", why,
				    (double)delay / 1000.0, x->reply.attempts + 1,
				    MO_HTTP_MAX_ATTEMPTS,
				    x->reply.retry_after >= 0 && rc == CURLE_OK ?
					    ", as Retry-After asks" : "");
			x->not_before = now + delay;
			return;
		}
		mo_net_note(1, "%s: not retrying: %s%.1f s would exceed the retry budget of %.0f s",
			    why, x->reply.retry_after >= 0 ? "Retry-After " : "waiting ",
			    (double)delay / 1000.0, (double)h->budget_ms / 1000.0);
	} else if (retry) {
		mo_net_note(1, "%s: giving up after %u attempts", why, x->reply.attempts);
	}

	x->reply.seconds = (double)(now - x->t_start) / 1000.0;
	if (rc == CURLE_OK) {
		finish(x, MO_OK, NULL);
	} else if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		finish(x, MO_ERR_TOOBIG,
		       "the reply from %s is larger than %d bytes; refusing it", host,
		       MO_HTTP_MAX_REPLY);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		finish(x, MO_ERR_TIMEOUT,
		       "%s did not answer in time (%u attempt%s, %.1f s): %s; "
		       "the stored tokens are unchanged, try again later",
		       host, x->reply.attempts, x->reply.attempts == 1 ? "" : "s",
		       x->reply.seconds, why);
	} else if (rc == CURLE_PEER_FAILED_VERIFICATION ||
		   rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM) {
		finish(x, MO_ERR_CONFIG,
		       "cannot verify the TLS certificate of %s: %s; if it is signed by "
		       "a private CA, set ca_file in the account's configuration", host, why);
	} else {
		finish(x, retryable_curl(rc) ? MO_ERR_TEMP : MO_ERR_PROTO,
		       "cannot reach %s (%u attempt%s): %s; "
		       "the stored tokens are unchanged, try again later",
		       host, x->reply.attempts, x->reply.attempts == 1 ? "" : "s", why);
	}
}

/* Hands finished transfers to their callbacks, one at a time (a callback
 * may queue new transfers). */
static void
reap(struct mo_http *h)
{
	struct xfer **pp, *x;

	for (;;) {
		for (pp = &h->xfers; *pp != NULL && !(*pp)->finished; pp = &(*pp)->next)
			;
		x = *pp;
		if (x == NULL)
			return;
		*pp = x->next;
		x->done(x->arg, x->result, &x->reply,
			x->error ? x->error : mo_strerror(x->result));
		xfer_free(x);
	}
}

int
mo_http_run(struct mo_http *h)
{
	struct xfer *x;
	CURLMsg *msg;
	int still, left, timeout;
	long ct;
	int64_t now, wake;
	bool any;

	for (;;) {
		now = mo_now_ms();
		wake = -1;
		any = false;
		for (x = h->xfers; x != NULL; x = x->next) {
			if (x->finished || x->running) {
				any = true;
				continue;
			}
			if (x->not_before <= now) {
				attempt_start(x);
			} else if (wake < 0 || x->not_before < wake) {
				wake = x->not_before;
			}
			any = true;
		}
		reap(h);
		if (!any)
			break;
		if (curl_multi_perform(h->multi, &still) != CURLM_OK)
			return MO_ERR_INTERNAL;
		while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			x = NULL;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			if (x != NULL)
				attempt_done(x, msg->data.result);
		}
		reap(h);
		if (h->xfers == NULL)
			break;
		timeout = 1000;
		if (curl_multi_timeout(h->multi, &ct) == CURLM_OK && ct >= 0 && ct < timeout)
			timeout = (int)ct;
		if (wake >= 0) {
			now = mo_now_ms();
			if (wake - now < timeout)
				timeout = wake > now ? (int)(wake - now) : 0;
		}
		if (still > 0 || timeout > 0)
			curl_multi_poll(h->multi, NULL, 0, timeout, NULL);
	}
	return MO_OK;
}

struct sync_result {
	int result;
	struct mo_http_reply *reply;
	char *error;
};

static void
sync_done(void *arg, int result, struct mo_http_reply *reply, const char *error)
{
	struct sync_result *s = arg;

	s->result = result;
	if (result == MO_OK) {
		/* Move the reply out; the layer frees what is left. */
		*s->reply = *reply;
		mo_http_reply_init(reply);
	} else {
		s->error = strdup(error);
	}
}

int
mo_http_perform(struct mo_http *h, const struct mo_http_request *req,
		struct mo_http_reply *reply, char **error_r)
{
	struct sync_result s = { .result = MO_ERR_INTERNAL, .reply = reply };
	int ret;

	*error_r = NULL;
	mo_http_reply_init(reply);
	ret = mo_http_start(h, req, sync_done, &s, error_r);
	if (ret != MO_OK)
		return ret;
	ret = mo_http_run(h);
	if (ret != MO_OK) {
		free(s.error);
		*error_r = strdup("libcurl failed");
		return ret;
	}
	*error_r = s.error;
	return s.result;
}
