/* SPDX-License-Identifier: MIT */
/*
 * No escape from a chroot: a host that loads the plugin as root, then
 * chroots and drops privileges (Postfix's smtp(8)), holds no descriptor of
 * a directory outside its new root, and still finds a token store that lies
 * inside the root (doc/postfix.md: in the queue directory).
 *
 * A child process initialises the real libsasl2 with the built plugin
 * (SASL_PATH) as root, chroots into a temporary directory, becomes user
 * nobody and logs in twice: for an account whose state directory is inside
 * the root (its stored token must be sent) and for one whose state
 * directory is outside (nothing can be sent; the error says to refresh from
 * a timer).  The parent then reads the child's /proc/PID/fd: every
 * directory among them must be inside the root.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "errors.h"
#include "store.h"
#include "fixture.h"
#include "sasl-test.h"
#include "tap.h"

#define CB(f) ((sasl_callback_ft)(void (*)(void))(f))
#define TOKEN "EwBInsideTheChroot.abc-123_XYZ~"
#define XO(u, t) "user=" u "\x01" "auth=Bearer " t "\x01\x01"

static char tmpdir[256];

struct creds {
	const char *user, *pass;
	union {
		sasl_secret_t s;
		char buf[sizeof(sasl_secret_t) + 64];
	} secret;
};

static int
cb_simple(void *context, int id, const char **result, unsigned *len)
{
	struct creds *c = context;

	(void)id;
	*result = c->user;
	if (len != NULL)
		*len = (unsigned)strlen(c->user);
	return SASL_OK;
}

static int
cb_pass(sasl_conn_t *conn, void *context, int id, sasl_secret_t **psecret)
{
	struct creds *c = context;

	(void)conn;
	(void)id;
	c->secret.s.len = strlen(c->pass);
	memcpy(c->secret.s.data, c->pass, strlen(c->pass) + 1);
	*psecret = &c->secret.s;
	return SASL_OK;
}

/* One Postfix-like login; writes "rc|message|errdetail" to buf. */
static void
login(const char *user, const char *pass, char *buf, size_t n)
{
	struct creds c = { .user = user, .pass = pass };
	sasl_callback_t cbs[] = {
		{ SASL_CB_AUTHNAME, CB(&cb_simple), &c },
		{ SASL_CB_PASS, CB(&cb_pass), &c },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	sasl_security_properties_t props;
	sasl_conn_t *conn = NULL;
	const char *out = NULL, *mech = NULL, *d;
	unsigned outlen = 0;
	int rc;

	if (sasl_client_new("smtp", "smtp.example.org", NULL, NULL, cbs, 0,
			    &conn) != SASL_OK) {
		snprintf(buf, n, "sasl_client_new failed");
		return;
	}
	memset(&props, 0, sizeof(props));
	props.security_flags = SASL_SEC_NOANONYMOUS;
	sasl_setprop(conn, SASL_SEC_PROPS, &props);
	rc = sasl_client_start(conn, "XOAUTH2", NULL, &out, &outlen, &mech);
	d = sasl_errdetail(conn);
	snprintf(buf, n, "%d|%.*s|%s", rc, out != NULL ? (int)outlen : 0,
		 out != NULL ? out : "", d != NULL ? d : "");
	sasl_dispose(&conn);
}

/* chown -R uid:gid dir (one level: a state directory). */
static int
chown_dir(const char *dir, uid_t uid, gid_t gid)
{
	char path[1024];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL || chown(dir, uid, gid) != 0)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lchown(path, uid, gid) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

static ssize_t
read_all(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n - 1) {
		ssize_t r = read(fd, buf + got, n - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

int
main(void)
{
	const char *builddir = getenv("top_builddir");
	char plugdir[1024], root[512], inside[600], outside[600], cfg[600];
	char text[2048], result[8192], fdpath[64], target[4096], rootslash[520];
	static const sasl_callback_t global[] = { { SASL_CB_LIST_END, NULL, NULL } };
	int to_parent[2], to_child[2], st = 0, outside_dirs = 0, dirs = 0;
	struct passwd *pw;
	struct dirent *e;
	char *p, *q;
	pid_t pid;
	DIR *d;
	FILE *f;

	snprintf(plugdir, sizeof(plugdir), "%s/sasl/.libs", builddir != NULL ? builddir : ".");
	snprintf(text, sizeof(text), "%s/libmailoauth.so", plugdir);
	if (access(text, R_OK) != 0) {
		printf("1..0 # SKIP %s not built\n", text);
		return 0;
	}
	pw = getpwnam("nobody");
	if (geteuid() != 0 || pw == NULL) {
		printf("1..0 # SKIP chroot and dropping privileges need root and user nobody\n");
		return 0;
	}
	if (fx_tmpdir(tmpdir, sizeof(tmpdir), "mo-sasl-chroot", 0755) != 0) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	snprintf(root, sizeof(root), "%s/root", tmpdir);
	snprintf(inside, sizeof(inside), "%s/state", root);
	snprintf(outside, sizeof(outside), "%s/outside", tmpdir);
	snprintf(cfg, sizeof(cfg), "%s/config", tmpdir);
	snprintf(text, sizeof(text),
		 "[account inside]\nprovider = microsoft\ntenant = contoso.example\n"
		 "client_id = 00000000-0000-0000-0000-00000000a001\n"
		 "user = in@contoso.example\nsmtp = smtp.example.org\nstate_dir = %s\n\n"
		 "[account outside]\nprovider = microsoft\ntenant = contoso.example\n"
		 "client_id = 00000000-0000-0000-0000-00000000a001\n"
		 "user = out@contoso.example\nsmtp = smtp.example.org\nstate_dir = %s\n",
		 inside, outside);
	f = fopen(cfg, "w");
	if (mkdir(root, 0755) != 0 || f == NULL || fputs(text, f) < 0 ||
	    fclose(f) != 0 || chmod(cfg, 0644) != 0 ||
	    st_store(inside, "inside", TOKEN, (int64_t)time(NULL) + 3600) != MO_OK ||
	    st_store(outside, "outside", "EwBOutside", (int64_t)time(NULL) + 3600) != MO_OK ||
	    chown_dir(inside, pw->pw_uid, pw->pw_gid) != 0 ||
	    chown_dir(outside, pw->pw_uid, pw->pw_gid) != 0) {
		tap_ok(0, "fixtures in %s: %s", tmpdir, strerror(errno));
		fx_rmtree(tmpdir);
		return tap_done();
	}
	setenv("MAILOAUTH_CONFIG", cfg, 1);
	setenv("MAILOAUTH_HELPER", "/nonexistent/bin/mailoauth", 1);
	setenv("SASL_PATH", plugdir, 1);

	if (pipe(to_parent) != 0 || pipe(to_child) != 0) {
		tap_ok(0, "pipe: %s", strerror(errno));
		fx_rmtree(tmpdir);
		return tap_done();
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char r1[4096], r2[4096], all[8300], c;

		close(to_parent[0]);
		close(to_child[1]);
		/* As Postfix's smtp(8): libsasl and its plugins are set up as
		 * root, then chroot and the drop to the unprivileged user. */
		if (sasl_client_init(global) != SASL_OK)
			_exit(2);
		if (chroot(root) != 0 || chdir("/") != 0 ||
		    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
			_exit(3);
		login("in@contoso.example", "inside", r1, sizeof(r1));
		login("out@contoso.example", "outside", r2, sizeof(r2));
		snprintf(all, sizeof(all), "%s\n%s\n", r1, r2);
		if (write(to_parent[1], all, strlen(all)) < 0)
			_exit(4);
		close(to_parent[1]);
		/* Wait until the parent has looked at our descriptors. */
		if (read(to_child[0], &c, 1) < 0)
			_exit(5);
		sasl_client_done();
		_exit(0);
	}
	close(to_parent[1]);
	close(to_child[0]);
	if (pid < 0) {
		tap_ok(0, "fork: %s", strerror(errno));
		fx_rmtree(tmpdir);
		return tap_done();
	}
	read_all(to_parent[0], result, sizeof(result));
	close(to_parent[0]);

	/* The child's descriptors, seen from outside. */
	snprintf(rootslash, sizeof(rootslash), "%s/", root);
	snprintf(fdpath, sizeof(fdpath), "/proc/%ld/fd", (long)pid);
	d = opendir(fdpath);
	while (d != NULL && (e = readdir(d)) != NULL) {
		char link[400];
		struct stat sb;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", fdpath, e->d_name);
		if (stat(link, &sb) != 0 || !S_ISDIR(sb.st_mode))
			continue;
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		dirs++;
		if (strcmp(target, root) != 0 &&
		    strncmp(target, rootslash, strlen(rootslash)) != 0) {
			outside_dirs++;
			tap_diag("fd %s: directory %s, outside the root %s", e->d_name,
				 target, root);
		}
	}
	tap_ok(d != NULL, "the child's descriptors are listed in %s", fdpath);
	if (d != NULL)
		closedir(d);
	if (write(to_child[1], "x", 1) < 0)
		tap_diag("write to child: %s", strerror(errno));
	close(to_child[1]);
	if (waitpid(pid, &st, 0) != pid)
		st = -1;
	tap_ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "the child initialised libsasl, chrooted into %s, became nobody (status %d)",
	       root, st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	tap_is_int(outside_dirs, 0, "after the chroot no directory descriptor leads "
		   "outside the new root (%d directories open)", dirs);

	/* Line 1: the account inside the root. */
	p = strchr(result, '\n');
	if (p != NULL)
		*p++ = '\0';
	snprintf(text, sizeof(text), "%d|%s|", SASL_CONTINUE, XO("in@contoso.example", TOKEN));
	tap_ok(strncmp(result, text, strlen(text)) == 0,
	       "inside the chroot, as nobody: the token is read from the store "
	       "inside the root (%.300s)", result);
	q = p != NULL ? strchr(p, '\n') : NULL;
	if (q != NULL)
		*q = '\0';
	tap_ok(p != NULL && strncmp(p, "-", 1) == 0 && strstr(p, "|auth=") == NULL &&
	       strstr(p, "cannot run here (chroot?)") != NULL &&
	       strstr(p, "mailoauth-refresh@nobody.timer") != NULL,
	       "a store outside the root: nothing sent, the error says to refresh "
	       "from the timer (%.400s)", p != NULL ? p : "");
	fx_rmtree(tmpdir);
	return tap_done();
}
