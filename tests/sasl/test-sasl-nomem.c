/* SPDX-License-Identifier: MIT */
/*
 * The SASL plugin when memory runs out.  The plugin's sources are linked
 * into this program and driven directly through sasl_client_plug_init()
 * with a hand-made sasl_utils_t and sasl_client_params_t -- no libsasl --
 * so that every allocation can be counted and made to fail:
 *   - utils->malloc/calloc/realloc (what the plugin keeps);
 *   - malloc, calloc, realloc, reallocarray, strdup and strndup called by
 *     the plugin and lib/ (the link wraps them: -Wl,--wrap=malloc ...);
 *   - jansson's allocator (json_set_alloc_funcs).
 *
 * For each exchange (XOAUTH2 and OAUTHBEARER; initial response and the
 * two-step form; callbacks and prompts; the password as the token, a fresh
 * token from the store, a stale one from the helper; a server error
 * challenge), a first run without failures counts the allocations, T.
 * Then for every N in 1..T the exchange runs again with allocation N
 * failing (and again with every allocation from N on failing).  Each run
 * must end with SASL_NOMEM from the call that ran out, with "out of
 * memory" in seterror (or utils->log at init), or -- when the plugin could
 * do without that allocation -- exactly as the run without failures did;
 * and after mech_dispose and mech_free nothing allocated during the run
 * may be left (the tables below know every live pointer; ASan and
 * valgrind check the rest).
 */
#include "autoconfig.h"

#include <execinfo.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "errors.h"
#include "store.h"
#include "fixture.h"
#include "sasl-test.h"
#include "tap.h"

int sasl_client_plug_init(const sasl_utils_t *utils, int max_version,
			  int *out_version, sasl_client_plug_t **pluglist,
			  int *plugcount);

#define USER "user@contoso.example"
#define TOKEN_PASS "EwBPasswordToken.abc-123_XYZ~0123456789abcdef"
#define TOKEN_STORE "EwStoredToken.def-456"
#define TOKEN_HELPER "EwFromHelper-work"

/* ---- allocation accounting and failure injection -------------------- */

/* Live pointers handed out while armed, per allocator. */
#define LIVE_MAX 4096
struct table {
	const char *name;
	void *p[LIVE_MAX];
	size_t n;
	bool overflow;
};

static struct table libc_live = { .name = "libc" };
static struct table utils_live = { .name = "utils" };
static struct table json_live = { .name = "jansson" };

static bool armed;		/* count and inject */
static unsigned long calls;	/* allocation attempts while armed */
static unsigned long fail_at;	/* 0: never */
static bool fail_onwards;	/* every attempt from fail_at on fails */
static bool failed_one;		/* an injected failure happened */
static bool failed_json;	/* the first one was jansson's */
static char mismatch[256];	/* a pointer freed by the wrong allocator */

static bool trace;		/* $MO_NOMEM_TRACE: where each failure is */
static bool in_json;		/* the attempt comes from jansson */

static bool
inject(void)
{
	if (!armed)
		return false;
	calls++;
	if (fail_at != 0 && (calls == fail_at || (fail_onwards && calls > fail_at))) {
		failed_one = true;
		if (calls == fail_at)
			failed_json = in_json;
		if (trace && calls == fail_at) {
			void *frames[16];
			int n;

			armed = false;	/* backtrace() may allocate once */
			n = backtrace(frames, 16);
			fprintf(stderr, "allocation %lu fails here:\n", calls);
			backtrace_symbols_fd(frames, n, 2);
			armed = true;
		}
		return true;
	}
	return false;
}

static void
table_add(struct table *t, void *p)
{
	if (!armed || p == NULL)
		return;
	if (t->n == LIVE_MAX) {
		t->overflow = true;
		return;
	}
	t->p[t->n++] = p;
}

static bool
table_del(struct table *t, void *p)
{
	size_t i;

	for (i = t->n; i > 0; i--) {
		if (t->p[i - 1] == p) {
			t->p[i - 1] = t->p[--t->n];
			return true;
		}
	}
	return false;
}

/* A pointer freed through one allocator but owned by another. */
static void
check_owner(struct table *freeing, void *p)
{
	struct table *all[] = { &libc_live, &utils_live, &json_live };
	size_t i, j;

	for (i = 0; i < 3; i++) {
		if (all[i] == freeing)
			continue;
		for (j = 0; j < all[i]->n; j++) {
			if (all[i]->p[j] == p && mismatch[0] == '\0')
				snprintf(mismatch, sizeof(mismatch),
					 "a pointer from the %s allocator was freed through %s",
					 all[i]->name, freeing->name);
		}
	}
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_reallocarray(void *p, size_t n, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_reallocarray(void *p, size_t n, size_t size);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *
__wrap_malloc(size_t n)
{
	void *p;

	if (inject())
		return NULL;
	p = __real_malloc(n);
	table_add(&libc_live, p);
	return p;
}

void *
__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (inject())
		return NULL;
	p = __real_calloc(n, size);
	table_add(&libc_live, p);
	return p;
}

void *
__wrap_realloc(void *p, size_t n)
{
	void *q;

	if (inject())
		return NULL;
	q = __real_realloc(p, n);
	if (q != NULL || n == 0) {
		if (p != NULL)
			table_del(&libc_live, p);
		table_add(&libc_live, q);
	}
	return q;
}

void *
__wrap_reallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (inject())
		return NULL;
	q = __real_reallocarray(p, n, size);
	if (q != NULL) {
		if (p != NULL)
			table_del(&libc_live, p);
		table_add(&libc_live, q);
	}
	return q;
}

void
__wrap_free(void *p)
{
	if (p == NULL)
		return;
	if (!table_del(&libc_live, p))
		check_owner(&libc_live, p);
	__real_free(p);
}

char *
__wrap_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = __wrap_malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

char *
__wrap_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = __wrap_malloc(len + 1);

	if (d != NULL) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static void *
json_alloc(size_t n)
{
	void *p;
	bool fail;

	in_json = true;
	fail = inject();
	in_json = false;
	if (fail)
		return NULL;
	p = __real_malloc(n);
	table_add(&json_live, p);
	return p;
}

static void
json_release(void *p)
{
	if (p == NULL)
		return;
	if (!table_del(&json_live, p))
		check_owner(&json_live, p);
	__real_free(p);
}

/* ---- the hand-made libsasl --------------------------------------------- */

static void *
u_malloc(size_t n)
{
	void *p;

	if (inject())
		return NULL;
	p = __real_malloc(n);
	table_add(&utils_live, p);
	return p;
}

static void *
u_calloc(size_t n, size_t size)
{
	void *p;

	if (inject())
		return NULL;
	p = __real_calloc(n, size);
	table_add(&utils_live, p);
	return p;
}

static void *
u_realloc(void *p, size_t n)
{
	void *q;

	if (inject())
		return NULL;
	q = __real_realloc(p, n);
	if (q != NULL) {
		if (p != NULL)
			table_del(&utils_live, p);
		table_add(&utils_live, q);
	}
	return q;
}

static void
u_free(void *p)
{
	if (p == NULL)
		return;
	if (!table_del(&utils_live, p))
		check_owner(&utils_live, p);
	__real_free(p);
}

static char last_error[1024];
static char last_log[1024];

static void u_seterror(sasl_conn_t *conn, unsigned flags, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void u_log(sasl_conn_t *conn, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
u_seterror(sasl_conn_t *conn, unsigned flags, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

static void
u_log(sasl_conn_t *conn, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

/* What the application answers (one scenario at a time). */
struct scenario {
	const char *name;
	int mech;		/* index into the plugin's table: 0 XOAUTH2 */
	bool initial_response;	/* first step from sasl_client_start */
	bool prompts;		/* SASL_INTERACT instead of callbacks */
	const char *password;	/* NULL: none registered */
	const char *config;	/* "work": the account; NULL: no config */
	int store;		/* 0 nothing, 1 fresh token, 2 stale (helper) */
	const char *challenge;	/* the server's error challenge, or NULL */
};

static const struct scenario *cur;

static int
cb_authname(void *context, int id, const char **result, unsigned *len)
{
	*result = USER;
	if (len != NULL)
		*len = (unsigned)strlen(USER);
	return SASL_OK;
}

static int
cb_pass(sasl_conn_t *conn, void *context, int id, sasl_secret_t **psecret)
{
	/* The application's secret: owned by it, never by the plugin. */
	static union {
		sasl_secret_t s;
		char buf[sizeof(sasl_secret_t) + 256];
	} secret;
	size_t n = strlen(cur->password);

	secret.s.len = n;
	memcpy(secret.s.data, cur->password, n + 1);
	*psecret = &secret.s;
	return SASL_OK;
}

static int
u_getcallback(sasl_conn_t *conn, unsigned long id, sasl_callback_ft *proc,
	      void **context)
{
	*context = NULL;
	*proc = NULL;
	if (cur->prompts) {
		if (id == SASL_CB_PASS && cur->password == NULL)
			return SASL_FAIL;
		return id == SASL_CB_AUTHNAME || id == SASL_CB_USER || id == SASL_CB_PASS ?
		       SASL_INTERACT : SASL_FAIL;
	}
	switch (id) {
	case SASL_CB_AUTHNAME:
		*proc = (sasl_callback_ft)(void (*)(void))cb_authname;
		return SASL_OK;
	case SASL_CB_PASS:
		if (cur->password == NULL)
			return SASL_FAIL;
		*proc = (sasl_callback_ft)(void (*)(void))cb_pass;
		return SASL_OK;
	default:
		return SASL_FAIL;
	}
}

/* libsasl's canon_user copies into the connection; so do we. */
static char canon_user_buf[256], canon_authid_buf[256];

static int
u_canon_user(sasl_conn_t *conn, const char *in, unsigned len, unsigned flags,
	     sasl_out_params_t *oparams)
{
	if (len == 0)
		len = (unsigned)strlen(in);
	if (len >= sizeof(canon_user_buf))
		return SASL_BADPROT;
	if (flags & SASL_CU_AUTHID) {
		memcpy(canon_authid_buf, in, len);
		canon_authid_buf[len] = '\0';
		oparams->authid = canon_authid_buf;
		oparams->alen = len;
	}
	if (flags & SASL_CU_AUTHZID) {
		memcpy(canon_user_buf, in, len);
		canon_user_buf[len] = '\0';
		oparams->user = canon_user_buf;
		oparams->ulen = len;
	}
	return SASL_OK;
}

static sasl_utils_t utils;
static sasl_client_params_t params;

static void
setup_sasl(void)
{
	memset(&utils, 0, sizeof(utils));
	utils.version = 4;
	utils.conn = (sasl_conn_t *)&utils;	/* opaque to the plugin */
	utils.malloc = u_malloc;
	utils.calloc = u_calloc;
	utils.realloc = u_realloc;
	utils.free = u_free;
	utils.getcallback = u_getcallback;
	utils.seterror = u_seterror;
	utils.log = u_log;
	memset(&params, 0, sizeof(params));
	params.service = "imap";
	params.serverFQDN = "outlook.office365.com";
	params.clientFQDN = "client.example";
	params.utils = &utils;
	params.ipremoteport = "127.0.0.1;993";
	params.iplocalport = "127.0.0.1;40000";
	params.canon_user = u_canon_user;
}

/* ---- one exchange -------------------------------------------------------- */

enum stage { ST_INIT, ST_NEW, ST_STEP1, ST_STEP2, ST_DONE };

static const char *const stage_names[] = { "plug_init", "mech_new", "first step",
					   "second step", "done" };

struct outcome {
	enum stage stage;	/* where it ended */
	int rc;			/* that call's result */
	char out1[1024];	/* first client response */
	unsigned out1_len;
	char out2[16];		/* second (the error acknowledgement) */
	unsigned out2_len;
	char error[1024];	/* last seterror (or log at init) */
	bool in_json;		/* the failure was inside jansson */
	unsigned long allocs;	/* allocation attempts */
	size_t leaked_libc, leaked_utils, leaked_json;
	char mismatch[256];
};

static void
fill_prompts(sasl_interact_t *p)
{
	for (; p->id != SASL_CB_LIST_END; p++) {
		const char *v = p->id == SASL_CB_AUTHNAME ? USER :
				p->id == SASL_CB_PASS ? cur->password : "";

		p->result = v;
		p->len = (unsigned)strlen(v);
	}
}

/* A step, answering prompts as mbsync does (the same server data again). */
static int
step(const sasl_client_plug_t *plug, void *ctx, const char *in, unsigned inlen,
     const char **out, unsigned *outlen, sasl_out_params_t *oparams)
{
	sasl_interact_t *prompts = NULL;
	int rc, rounds = 0;

	for (;;) {
		rc = plug->mech_step(ctx, &params, in, inlen, &prompts, out, outlen, oparams);
		if (rc != SASL_INTERACT || prompts == NULL || ++rounds > 4)
			return rc;
		fill_prompts(prompts);
	}
}

static void
run(const struct scenario *s, unsigned long fail, bool onwards, struct outcome *o)
{
	sasl_client_plug_t *plugs = NULL;
	sasl_out_params_t oparams;
	const sasl_client_plug_t *plug;
	void *ctx = NULL;
	const char *out = NULL;
	unsigned outlen = 0;
	int version = 0, n = 0, i, rc;

	memset(o, 0, sizeof(*o));
	memset(&oparams, 0, sizeof(oparams));
	last_error[0] = last_log[0] = mismatch[0] = '\0';
	cur = s;
	calls = 0;
	fail_at = fail;
	fail_onwards = onwards;
	failed_one = false;
	failed_json = false;
	armed = true;

	o->stage = ST_INIT;
	rc = sasl_client_plug_init(&utils, SASL_CLIENT_PLUG_VERSION, &version, &plugs, &n);
	if (rc != SASL_OK) {
		snprintf(o->error, sizeof(o->error), "%s", last_log);
		goto out;
	}
	if (n <= s->mech) {
		snprintf(o->error, sizeof(o->error), "the plugin offers %d mechanisms", n);
		goto out;
	}
	plug = &plugs[s->mech];
	o->stage = ST_NEW;
	rc = plug->mech_new(plug->glob_context, &params, &ctx);
	if (rc != SASL_OK)
		goto done;
	o->stage = ST_STEP1;
	/* Initial response: the step from sasl_client_start has no server
	 * data; the two-step form starts with the server's empty "+". */
	rc = step(plug, ctx, s->initial_response ? NULL : "", 0, &out, &outlen, &oparams);
	if (rc != SASL_CONTINUE)
		goto done;
	if (outlen < sizeof(o->out1)) {
		memcpy(o->out1, out, outlen);
		o->out1_len = outlen;
	}
	o->stage = ST_STEP2;
	rc = step(plug, ctx, s->challenge, s->challenge ? (unsigned)strlen(s->challenge) : 0,
		  &out, &outlen, &oparams);
	if (rc == SASL_CONTINUE && outlen < sizeof(o->out2)) {
		memcpy(o->out2, out, outlen);
		o->out2_len = outlen;
	}
	if ((s->challenge == NULL && rc == SASL_OK) || (s->challenge != NULL && rc == SASL_CONTINUE))
		o->stage = ST_DONE;
done:
	snprintf(o->error, sizeof(o->error), "%s", last_error);
	if (ctx != NULL)
		plug->mech_dispose(ctx, &utils);
	for (i = 0; i < n; i++)
		plugs[i].mech_free(plugs[i].glob_context, &utils);
out:
	armed = false;
	o->rc = rc;
	o->allocs = calls;
	o->in_json = failed_json;
	o->leaked_libc = libc_live.n;
	o->leaked_utils = utils_live.n;
	o->leaked_json = json_live.n;
	snprintf(o->mismatch, sizeof(o->mismatch), "%s", mismatch);
	/* Forget what leaked (reported by the caller; freed so that the
	 * next run starts clean). */
	while (libc_live.n > 0)
		__real_free(libc_live.p[--libc_live.n]);
	while (utils_live.n > 0)
		__real_free(utils_live.p[--utils_live.n]);
	while (json_live.n > 0)
		__real_free(json_live.p[--json_live.n]);
}

static bool
same_result(const struct outcome *a, const struct outcome *b)
{
	return a->stage == b->stage && a->rc == b->rc && a->out1_len == b->out1_len &&
	       memcmp(a->out1, b->out1, a->out1_len) == 0 && a->out2_len == b->out2_len &&
	       memcmp(a->out2, b->out2, a->out2_len) == 0;
}

/* Every N in 1..T: SASL_NOMEM said as such, or the reference result; no
 * leak.  Returns the number of bad runs (each reported as a diagnostic). */
static unsigned long
sweep(const struct scenario *s, const struct outcome *ref, bool onwards,
      unsigned long *nomem_r, unsigned long *absorbed_r, unsigned long *json_r)
{
	struct outcome o;
	unsigned long fail, bad = 0;

	*nomem_r = *absorbed_r = *json_r = 0;
	for (fail = 1; fail <= ref->allocs; fail++) {
		const char *why = NULL;

		run(s, fail, onwards, &o);
		if (o.leaked_libc || o.leaked_utils || o.leaked_json || libc_live.overflow)
			why = "leak";
		else if (o.mismatch[0] != '\0')
			why = o.mismatch;
		else if (o.rc == SASL_NOMEM && strstr(o.error, "out of memory") != NULL)
			(*nomem_r)++;
		else if (o.rc == SASL_NOMEM)
			why = "SASL_NOMEM without \"out of memory\" in the message";
		else if (same_result(&o, ref))
			(*absorbed_r)++;
		else if (o.in_json && o.rc != SASL_OK && o.rc != SASL_CONTINUE &&
			 o.error[0] != '\0')
			/* jansson reports a failed allocation inside its
			 * parser as a syntax error (2.14: "invalid token",
			 * json_error_code() not out_of_memory), so the file
			 * or challenge looks malformed: a clean failure with
			 * a message is all that can be asked. */
			(*json_r)++;
		else
			why = "neither SASL_NOMEM nor the result without failures";
		if (why != NULL) {
			bad++;
			tap_diag("%s, allocation %lu%s fails: %s: ended in %s with %d "
				 "(\"%s\"); leaked libc %zu, utils %zu, jansson %zu",
				 s->name, fail, onwards ? " onwards" : "", why,
				 stage_names[o.stage], o.rc, o.error, o.leaked_libc,
				 o.leaked_utils, o.leaked_json);
		}
	}
	return bad;
}

/* ---- fixtures ---------------------------------------------------------- */

static char tmpdir[256], cfg_path[512], state_dir[512], helper_path[512];

static int
setup_files(void)
{
	char text[2048];

	if (fx_tmpdir(tmpdir, sizeof(tmpdir), "mo-nomem", 0700) != 0)
		return -1;
	snprintf(cfg_path, sizeof(cfg_path), "%s/config", tmpdir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", tmpdir);
	snprintf(helper_path, sizeof(helper_path), "%s/helper", tmpdir);
	snprintf(text, sizeof(text),
		 "[account work]\n"
		 "provider = microsoft\n"
		 "tenant = contoso.example\n"
		 "client_id = 11111111-2222-3333-4444-555555555555\n"
		 "user = " USER "\n"
		 "scopes = imap pop\n"
		 "state_dir = %s\n\n"
		 "[account other]\n"
		 "provider = microsoft\n"
		 "tenant = contoso.example\n"
		 "client_id = 11111111-2222-3333-4444-555555555555\n"
		 "user = other@contoso.example\n"
		 "state_dir = %s\n", state_dir, state_dir);
	if (fx_write_file(cfg_path, text, 0600) != 0 ||
	    fx_write_file(helper_path, "#!/bin/sh\necho \"EwFromHelper-$4\"\n", 0755) != 0)
		return -1;
	setenv("MAILOAUTH_HELPER", helper_path, 1);
	return 0;
}

/* ---- the scenarios -------------------------------------------------------- */

static const struct scenario scenarios[] = {
	{ "XOAUTH2, two-step, the account's user, password is the token", 0, false,
	  false, TOKEN_PASS, "work", 1, NULL },
	{ "OAUTHBEARER, initial response, the account's user, password is the token",
	  1, true, false, TOKEN_PASS, "work", 1, NULL },
	{ "XOAUTH2, initial response, account by user, fresh stored token", 0, true,
	  false, NULL, "work", 1, NULL },
	{ "OAUTHBEARER, two-step, prompts, account by user", 1, false,
	  true, "work", "work", 1, NULL },
	{ "XOAUTH2, two-step, stale token: the helper runs", 0, false, false, NULL,
	  "work", 2, NULL },
	{ "XOAUTH2, error challenge acknowledged", 0, true, false, NULL, "work", 1,
	  "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}" },
	{ "OAUTHBEARER, error challenge acknowledged", 1, false, true, TOKEN_PASS, "work",
	  1, "{\"status\":\"invalid_token\",\"scope\":\"mail\","
	  "\"openid-configuration\":\"https://idp.example/.well-known/openid-configuration\"}" },
};

static bool
prepare(const struct scenario *s)
{
	char missing[600];

	if (s->config == NULL) {
		snprintf(missing, sizeof(missing), "%s/no-such-config", tmpdir);
		setenv("MAILOAUTH_CONFIG", missing, 1);
		return true;
	}
	setenv("MAILOAUTH_CONFIG", cfg_path, 1);
	return st_store(state_dir, "work", TOKEN_STORE,
			(int64_t)time(NULL) + (s->store == 1 ? 3600 : -60)) == MO_OK;
}

int
main(int argc, char **argv)
{
	struct outcome ref;
	unsigned long total = 0;
	size_t i;

	/* MO_NOMEM_TRACE=1 prints a backtrace at every injected failure
	 * (link with -rdynamic, or read it with addr2line). */
	trace = getenv("MO_NOMEM_TRACE") != NULL;
	json_set_alloc_funcs(json_alloc, json_release);
	setup_sasl();
	if (setup_files() != 0) {
		tap_ok(0, "set up the configuration, store and helper in a temporary directory");
		return tap_done();
	}
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *s = &scenarios[i];
		const char *want = s->mech == 0 ? "user=" USER "\x01" "auth=Bearer " :
				   "n,a=" USER ",\x01";
		/* With prompts the password is not asked for: the account
		 * matches its user. */
		const char *token = s->password != NULL && !s->prompts &&
				    strcmp(s->password, TOKEN_PASS) == 0 ? TOKEN_PASS :
				    s->store == 2 ? TOKEN_HELPER : TOKEN_STORE;
		unsigned long nomem, absorbed, json, bad;

		if (!prepare(s)) {
			tap_ok(0, "%s: prepare the store", s->name);
			continue;
		}
		run(s, 0, false, &ref);
		tap_ok(ref.stage == ST_DONE && ref.leaked_libc + ref.leaked_utils +
		       ref.leaked_json == 0 && ref.mismatch[0] == '\0' &&
		       ref.out1_len > strlen(want) && memcmp(ref.out1, want, strlen(want)) == 0 &&
		       memmem(ref.out1, ref.out1_len, token, strlen(token)) != NULL &&
		       (s->challenge == NULL || ref.out2_len == (s->mech == 0 ? 0u : 1u)),
		       "%s: succeeds without failures (%lu allocations)", s->name, ref.allocs);
		if (ref.stage != ST_DONE) {
			tap_diag("ended in %s with %d: %s", stage_names[ref.stage], ref.rc, ref.error);
			continue;
		}
		total += ref.allocs;
		bad = sweep(s, &ref, false, &nomem, &absorbed, &json);
		tap_ok(bad == 0, "%s: allocation N fails, N = 1..%lu: %lu SASL_NOMEM, "
		       "%lu done without it, %lu failed inside jansson, no leak", s->name,
		       ref.allocs, nomem, absorbed, json);
		bad = sweep(s, &ref, true, &nomem, &absorbed, &json);
		tap_ok(bad == 0, "%s: every allocation from N on fails, N = 1..%lu: "
		       "%lu SASL_NOMEM, %lu done without them, %lu failed inside jansson, "
		       "no leak", s->name, ref.allocs, nomem, absorbed, json);
	}
	tap_diag("%lu allocation points over %zu exchanges", total,
		 sizeof(scenarios) / sizeof(scenarios[0]));
	fx_rmtree(tmpdir);
	return tap_done();
}
