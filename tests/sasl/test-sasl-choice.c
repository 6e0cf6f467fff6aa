/* SPDX-License-Identifier: MIT */
/*
 * No effect where mailoauth is not used: with no mailoauth configuration
 * that the process can read, a Cyrus SASL client chooses exactly the
 * mechanism it chose without libmailoauth.so, and sends the same first
 * message.
 *
 * The real libsasl2 loads its plugins through SASL_PATH (libsasl's own
 * default path callback, as every application gets it), once from a copy
 * of the system plugin directory without libmailoauth.so, once from that
 * plus a copy of the built plugin.  A Postfix-like client (authentication
 * name and password callbacks, no prompts) logs in with the security
 * options Postfix uses (noplaintext, noanonymous; and none at all, as
 * mbsync), with and without an external SSF (SASL_SSF_EXTERNAL, what a TLS
 * layer reports), against mechanism lists servers offer.  Every choice is
 * printed, before/after style.
 *
 * Twice: with no configuration file at all, and (as root) in a child that
 * has become user nobody and finds a configuration it may not read.
 */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "fixture.h"
#include "sasl-test.h"
#include "tap.h"

#define CB(f) ((sasl_callback_ft)(void (*)(void))(f))

static char tmpdir[256];
static char sys_copy[512];	/* system plugins without libmailoauth.so */
static char with_ours[1100];	/* sys_copy:ours */

static const char *const mechlists[] = {
	"PLAIN LOGIN XOAUTH2",
	"LOGIN XOAUTH2 OAUTHBEARER",
	"XOAUTH2",
	"OAUTHBEARER",
	"PLAIN XOAUTH2 OAUTHBEARER",
	"XOAUTH2 OAUTHBEARER",
};

static const struct {
	const char *name;
	unsigned flags;
	sasl_ssf_t ssf;
} options[] = {
	{ "noplaintext,noanonymous, no TLS", SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS, 0 },
	{ "noplaintext,noanonymous, external SSF 256",
	  SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS, 256 },
	{ "no options, no TLS", 0, 0 },
	{ "no options, external SSF 256", 0, 256 },
};

#define N_LISTS (sizeof(mechlists) / sizeof(mechlists[0]))
#define N_OPTS (sizeof(options) / sizeof(options[0]))

struct choice {
	int rc;
	char mech[32];
	char out[256];
	unsigned outlen;
};

static int
cb_log(void *context, int level, const char *message)
{
	(void)context;
	(void)level;
	(void)message;
	return SASL_OK;
}

static int
cb_simple(void *context, int id, const char **result, unsigned *len)
{
	(void)context;
	*result = id == SASL_CB_AUTHNAME ? "someone@example.org" : "";
	if (len != NULL)
		*len = (unsigned)strlen(*result);
	return SASL_OK;
}

static int
cb_pass(sasl_conn_t *conn, void *context, int id, sasl_secret_t **psecret)
{
	static union {
		sasl_secret_t s;
		char buf[sizeof(sasl_secret_t) + 64];
	} secret;
	static const char pw[] = "an-ordinary-password";

	(void)conn;
	(void)context;
	(void)id;
	secret.s.len = sizeof(pw) - 1;
	memcpy(secret.s.data, pw, sizeof(pw));
	*psecret = &secret.s;
	return SASL_OK;
}

static void
choose(const char *mechs, unsigned flags, sasl_ssf_t ssf, struct choice *c)
{
	sasl_callback_t cbs[] = {
		{ SASL_CB_AUTHNAME, CB(&cb_simple), NULL },
		{ SASL_CB_PASS, CB(&cb_pass), NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	sasl_security_properties_t props;
	sasl_conn_t *conn = NULL;
	const char *out = NULL, *mech = NULL;
	unsigned outlen = 0;

	memset(c, 0, sizeof(*c));
	c->rc = sasl_client_new("smtp", "smtp.example.org", NULL, NULL, cbs, 0, &conn);
	if (c->rc != SASL_OK)
		return;
	memset(&props, 0, sizeof(props));
	props.security_flags = flags;
	sasl_setprop(conn, SASL_SEC_PROPS, &props);
	if (ssf != 0)
		sasl_setprop(conn, SASL_SSF_EXTERNAL, &ssf);
	c->rc = sasl_client_start(conn, mechs, NULL, &out, &outlen, &mech);
	/* libsasl names the chosen mechanism before its first step runs. */
	if (mech != NULL)
		snprintf(c->mech, sizeof(c->mech), "%s", mech);
	else
		snprintf(c->mech, sizeof(c->mech), "none");
	if (out != NULL && outlen < sizeof(c->out)) {
		memcpy(c->out, out, outlen);
		c->outlen = outlen;
	}
	sasl_dispose(&conn);
}

/* All choices with the plugins of path (SASL_PATH). */
static int
matrix(const char *path, struct choice res[N_OPTS][N_LISTS])
{
	static const sasl_callback_t global[] = {
		{ SASL_CB_LOG, CB(&cb_log), NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	size_t i, j;

	setenv("SASL_PATH", path, 1);
	if (sasl_client_init(global) != SASL_OK)
		return -1;
	for (i = 0; i < N_OPTS; i++)
		for (j = 0; j < N_LISTS; j++)
			choose(mechlists[j], options[i].flags, options[i].ssf, &res[i][j]);
	sasl_client_done();
	return 0;
}

static struct choice before[N_OPTS][N_LISTS], after[N_OPTS][N_LISTS];

/* Compares with and without the plugin; prints each choice.  Returns the
 * number of differences, or -1. */
static int
compare(const char *label)
{
	size_t i, j;
	int diffs = 0;

	if (matrix(sys_copy, before) != 0 || matrix(with_ours, after) != 0)
		return -1;
	for (i = 0; i < N_OPTS; i++) {
		for (j = 0; j < N_LISTS; j++) {
			const struct choice *b = &before[i][j], *a = &after[i][j];
			bool same = strcmp(b->mech, a->mech) == 0 && b->rc == a->rc &&
				    b->outlen == a->outlen &&
				    memcmp(b->out, a->out, b->outlen) == 0;

			printf("# %s: %-26s %-42s without: %-10s with: %s%s\n",
			       label, mechlists[j], options[i].name, b->mech,
			       a->mech, same ? "" : "  <-- differs");
			diffs += !same;
		}
	}
	fflush(stdout);
	return diffs;
}

static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = NULL;
	size_t n;
	int ret = -1;

	if (in == NULL)
		return -1;
	out = fopen(to, "wb");
	if (out == NULL)
		goto done;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			goto done;
	ret = ferror(in) ? -1 : 0;
done:
	if (out != NULL && fclose(out) != 0)
		ret = -1;
	fclose(in);
	return ret == 0 ? chmod(to, 0755) : -1;
}

/* sys_copy: links to the system's plugins except any libmailoauth.so and
 * KDE's libkdexoauth2.so, which calls an application's SASL_CB_PASS
 * callback as if it were a sasl_getsimple_t and so crashes any client that
 * registers one (Postfix does); test-sasl-plugin drives it with prompts.
 * ours: a copy of the built plugin (readable by nobody too). */
static int
setup(const char *built)
{
	char sysdir[512], from[1200], to[1200], ours[512];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (fx_tmpdir(tmpdir, sizeof(tmpdir), "mo-sasl-choice", 0755) != 0)
		return -1;
	snprintf(sys_copy, sizeof(sys_copy), "%s/system", tmpdir);
	snprintf(ours, sizeof(ours), "%s/ours", tmpdir);
	if (mkdir(sys_copy, 0755) != 0 || mkdir(ours, 0755) != 0)
		return -1;
	st_system_plugindir(sysdir, sizeof(sysdir));
	d = opendir(sysdir);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, "lib", 3) != 0 || len < 4 ||
		    strcmp(e->d_name + len - 3, ".so") != 0 ||
		    strncmp(e->d_name, "libmailoauth", 12) == 0 ||
		    strncmp(e->d_name, "libkdexoauth2", 13) == 0)
			continue;
		snprintf(from, sizeof(from), "%s/%s", sysdir, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", sys_copy, e->d_name);
		if (symlink(from, to) == 0)
			n++;
	}
	closedir(d);
	snprintf(from, sizeof(from), "%s/libmailoauth.so", built);
	snprintf(to, sizeof(to), "%s/libmailoauth.so", ours);
	if (copy_file(from, to) != 0)
		return -1;
	snprintf(with_ours, sizeof(with_ours), "%s:%s", sys_copy, ours);
	return n;
}

int
main(void)
{
	const char *builddir = getenv("top_builddir");
	char built[1024], path[1100], sysconf[600];
	struct passwd *pw;
	int n, diffs;

	snprintf(built, sizeof(built), "%s/sasl/.libs", builddir != NULL ? builddir : ".");
	snprintf(path, sizeof(path), "%s/libmailoauth.so", built);
	if (access(path, R_OK) != 0) {
		printf("1..0 # SKIP %s not built\n", path);
		return 0;
	}
	snprintf(sysconf, sizeof(sysconf), "%s/mailoauth/config", MAILOAUTH_SYSCONFDIR);
	if (access(sysconf, F_OK) == 0) {
		printf("1..0 # SKIP %s exists: this host has a mailoauth configuration\n",
		       sysconf);
		return 0;
	}
	n = setup(built);
	tap_ok(n >= 2, "%d system plugins linked into %s, the built plugin copied", n,
	       sys_copy);
	if (n < 2) {
		fx_rmtree(tmpdir);
		return tap_done();
	}

	/* No configuration at all: $MAILOAUTH_CONFIG unset, an empty
	 * XDG_CONFIG_HOME and HOME, no system file (checked above). */
	unsetenv("MAILOAUTH_CONFIG");
	snprintf(path, sizeof(path), "%s/home", tmpdir);
	mkdir(path, 0755);
	setenv("HOME", path, 1);
	setenv("XDG_CONFIG_HOME", path, 1);
	diffs = compare("no configuration");
	tap_is_int(diffs, 0, "no configuration: every choice and first message as "
		   "without libmailoauth.so (%zu lists x %zu security options)",
		   N_LISTS, N_OPTS);
	/* The comparison has teeth: the plugin is really loaded. */
	{
		struct choice c;
		static const sasl_callback_t global[] = {
			{ SASL_CB_LOG, CB(&cb_log), NULL },
			{ SASL_CB_LIST_END, NULL, NULL },
		};
		char cfg[600];
		FILE *f;

		snprintf(cfg, sizeof(cfg), "%s/config", tmpdir);
		f = fopen(cfg, "w");
		if (f != NULL) {
			fputs("[account work]\nprovider = microsoft\ntenant = contoso.example\n"
			      "client_id = 00000000-0000-0000-0000-00000000a001\n"
			      "user = someone@example.org\n", f);
			fclose(f);
		}
		setenv("MAILOAUTH_CONFIG", cfg, 1);
		setenv("MAILOAUTH_HELPER", "/nonexistent/mailoauth", 1);
		setenv("SASL_PATH", with_ours, 1);
		sasl_client_init(global);
		choose("OAUTHBEARER", 0, 0, &c);
		sasl_client_done();
		tap_is_str(c.mech, "OAUTHBEARER",
			   "self-check: with a configuration the built plugin offers "
			   "OAUTHBEARER (so it was loaded above)");

		/* A configuration this process may not read: as user nobody. */
		chmod(cfg, 0600);
		pw = getpwnam("nobody");
		if (geteuid() != 0 || pw == NULL) {
			tap_ok(1, "# SKIP an unreadable configuration needs root and user nobody");
		} else {
			pid_t pid;
			int st = 0;

			fflush(stdout);
			pid = fork();
			if (pid == 0) {
				if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
					_exit(100);
				if (access(cfg, R_OK) == 0)
					_exit(101);
				diffs = compare("unreadable configuration");
				_exit(diffs < 0 ? 102 : diffs > 90 ? 90 : diffs);
			}
			if (pid < 0 || waitpid(pid, &st, 0) != pid)
				st = -1;
			tap_ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
			       "a configuration user nobody cannot read: every choice as "
			       "without libmailoauth.so (status %d)",
			       st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		}
	}
	fx_rmtree(tmpdir);
	return tap_done();
}
