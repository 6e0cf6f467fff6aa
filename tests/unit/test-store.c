/* SPDX-License-Identifier: MIT */
/* The token store: round trips, permissions, atomic replacement, corrupt
 * files, removal and the per-account lock. */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "clock.h"
#include "errors.h"
#include "paths.h"
#include "secret.h"
#include "store.h"
#include "tap.h"

static char base[64];
static char dir[128];

static void
fill(struct mo_token *t)
{
	memset(t, 0, sizeof(*t));
	t->refresh_token = mo_strdup("0.AAAA-refresh_token~with/chars+=");
	t->access_token = mo_strdup("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.sig");
	t->token_type = mo_strdup("Bearer");
	t->scope = mo_strdup("https://outlook.office.com/IMAP.AccessAsUser.All "
			     "offline_access");
	t->client_id = mo_strdup("11111111-2222-3333-4444-555555555555");
	t->identity = mo_strdup("alice@contoso.com");
	t->tenant_id = mo_strdup("72f988bf-86f1-41af-91ab-2d7cd011db47");
	t->object_id = mo_strdup("00000000-0000-0000-0000-0000000000aa");
	t->expires_at = INT64_C(5000000000);		/* > 2^32 */
	t->obtained_at = INT64_C(4294967297);		/* 2^32 + 1 */
	t->refresh_obtained_at = INT64_C(9007199254740993);	/* 2^53 + 1 */
}

static char *
slurp(const char *path, size_t *len_r)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	*len_r = 0;
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	*len_r = (size_t)n;
	return buf;
}

static int
spew(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	fchmod(fd, mode);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Names in dir other than . and .. */
static int
count_entries(const char *d, const char *prefix)
{
	DIR *dh = opendir(d);
	struct dirent *de;
	int n = 0;

	if (dh == NULL)
		return -1;
	while ((de = readdir(dh)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dh);
	return n;
}

static bool
contains(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

/* ------------------------------------------------------------------ */

static void
test_path_and_fresh(void)
{
	struct mo_token t;
	char *p;

	p = mo_store_path("/s", "a");
	tap_is_str(p, "/s/a.json", "store path");
	free(p);
	p = mo_store_path("/s//", "a@b");
	tap_is_str(p, "/s/a@b.json", "store path: trailing slashes");
	free(p);

	memset(&t, 0, sizeof(t));
	tap_ok(!mo_token_fresh(&t, 1000, 300), "no access token: stale");
	t.access_token = mo_strdup("");
	t.expires_at = 5000;
	tap_ok(!mo_token_fresh(&t, 1000, 300), "empty access token: stale");
	mo_free_secret(t.access_token);
	t.access_token = mo_strdup("tok");
	t.expires_at = 1301;
	tap_ok(mo_token_fresh(&t, 1000, 300), "expires_at - margin = now + 1: fresh");
	t.expires_at = 1300;
	tap_ok(!mo_token_fresh(&t, 1000, 300), "expires_at - margin = now: stale");
	t.expires_at = 1001;
	tap_ok(mo_token_fresh(&t, 1000, 0), "margin 0, one second left: fresh");
	t.expires_at = 1000;
	tap_ok(!mo_token_fresh(&t, 1000, 0), "margin 0, expiring now: stale");
	t.expires_at = 0;
	tap_ok(!mo_token_fresh(&t, 1000, 0), "unknown expiry: stale");
	t.expires_at = INT64_MAX;
	tap_ok(mo_token_fresh(&t, INT64_C(5000000000), 86400), "far future: fresh");
	t.expires_at = INT64_MIN;
	tap_ok(!mo_token_fresh(&t, 0, 300), "no overflow on absurd expiry");
	t.expires_at = 1100;
	tap_ok(mo_token_fresh(&t, 1000, -50), "negative margin counts as 0");
	t.expires_at = 5000;
	t.refused_at = 900;
	tap_ok(!mo_token_fresh(&t, 1000, 300), "refused by a mail server: never fresh");
	t.refused_at = 0;
	{
		struct mo_token r;
		const char *why = NULL;
		char *text;

		t.refused_at = 1234;
		text = mo_store_serialise("a", &t);
		memset(&r, 0, sizeof(r));
		tap_ok(text != NULL && strstr(text, "\"refused_at\": 1234") != NULL &&
		       mo_store_parse(text, strlen(text), &r, &why) == MO_OK &&
		       r.refused_at == 1234, "refused_at is written and read back");
		mo_token_clear(&r);
		mo_free_secret(text);
		t.refused_at = 0;
		text = mo_store_serialise("a", &t);
		tap_ok(text != NULL && strstr(text, "refused_at") == NULL,
		       "refused_at 0 is not written");
		mo_free_secret(text);
		tap_ok(mo_store_parse("{\"version\": 1, \"refused_at\": -1}", 32, &r, &why)
		       == MO_ERR_PARSE && strstr(why, "refused_at") != NULL,
		       "a negative refused_at is refused, named");
	}
	mo_token_clear(&t);
	tap_ok(t.access_token == NULL && t.expires_at == 0, "mo_token_clear zeroes");
	mo_token_clear(NULL);
}

static void
test_round_trip(void)
{
	struct mo_token in, out;
	struct stat st;
	char *err = NULL, path[256];
	mode_t old_umask;

	fill(&in);
	old_umask = umask(0);	/* the store must not depend on the umask */
	tap_is_int(mo_store_save(dir, "a", &in, &err), MO_OK,
		   "save creates the directory and the file");
	umask(old_umask);
	if (err != NULL)
		tap_diag("%s", err);
	free(err);
	err = NULL;
	memset(&st, 0, sizeof(st));
	stat(dir, &st);
	tap_is_int(st.st_mode & 07777, 0700, "state dir is 0700");
	snprintf(path, sizeof(path), "%s/a.json", dir);
	memset(&st, 0, sizeof(st));
	stat(path, &st);
	tap_is_int(st.st_mode & 07777, 0600, "token file is 0600");

	tap_is_int(mo_store_load(dir, "a", &out, &err), MO_OK, "load");
	if (err != NULL)
		tap_diag("%s", err);
	free(err);
	tap_is_str(out.refresh_token, in.refresh_token, "refresh_token");
	tap_is_str(out.access_token, in.access_token, "access_token");
	tap_is_str(out.token_type, in.token_type, "token_type");
	tap_is_str(out.scope, in.scope, "scope");
	tap_is_str(out.client_id, in.client_id, "client_id");
	tap_is_str(out.identity, in.identity, "identity");
	tap_is_str(out.tenant_id, in.tenant_id, "tenant_id");
	tap_is_str(out.object_id, in.object_id, "object_id");
	tap_is_int(out.expires_at, INT64_C(5000000000), "expires_at > 2^32");
	tap_is_int(out.obtained_at, INT64_C(4294967297), "obtained_at 2^32 + 1");
	tap_is_int(out.refresh_obtained_at, INT64_C(9007199254740993),
		   "refresh_obtained_at 2^53 + 1");
	mo_token_clear(&out);

	/* Replace: a second save, no temporary file left behind. */
	mo_free_secret(in.access_token);
	in.access_token = mo_strdup("second-access-token");
	tap_is_int(mo_store_save(dir, "a", &in, NULL), MO_OK, "second save");
	tap_is_int(count_entries(dir, ".a.json."), 0, "no temporary file left");
	tap_is_int(count_entries(dir, "a.json"), 1, "one token file");
	tap_is_int(mo_store_load(dir, "a", &out, NULL), MO_OK, "load after replace");
	tap_is_str(out.access_token, "second-access-token", "replaced contents");
	mo_token_clear(&out);

	/* A token the file cannot hold is refused; the old file stays. */
	mo_free_secret(in.access_token);
	in.access_token = mo_strdup("bad\ntoken");
	err = NULL;
	tap_is_int(mo_store_save(dir, "a", &in, &err), MO_ERR_INVAL,
		   "a token with a newline is refused");
	tap_ok(err != NULL && strstr(err, "bad") == NULL, "... without echoing it");
	free(err);
	tap_is_int(mo_store_load(dir, "a", &out, NULL), MO_OK, "old file still loads");
	tap_is_str(out.access_token, "second-access-token", "old file untouched");
	mo_token_clear(&out);
	tap_is_int(count_entries(dir, ".a.json."), 0, "still no temporary file");

	tap_is_int(mo_store_save(dir, "../x", &in, NULL), MO_ERR_INVAL,
		   "an account name with a slash is refused");
	tap_is_int(mo_store_load(dir, ".x", &out, NULL), MO_ERR_INVAL,
		   "an account name starting with a dot is refused");
	mo_token_clear(&in);

	/* Only version and what is set. */
	memset(&in, 0, sizeof(in));
	in.refresh_token = mo_strdup("r");
	tap_is_int(mo_store_save(dir, "b", &in, NULL), MO_OK, "save a minimal token");
	tap_is_int(mo_store_load(dir, "b", &out, NULL), MO_OK, "load it");
	tap_ok(out.access_token == NULL && out.scope == NULL && out.expires_at == 0 &&
	       strcmp(out.refresh_token, "r") == 0, "absent members stay absent");
	mo_token_clear(&out);
	mo_token_clear(&in);
}

static void
test_serialise(void)
{
	struct mo_token t;
	char *s;

	memset(&t, 0, sizeof(t));
	t.access_token = mo_strdup("at");
	t.expires_at = INT64_C(4294967296);
	s = mo_store_serialise("acct", &t);
	tap_ok(contains(s, "\"version\": 1"), "serialised: version 1");
	tap_ok(contains(s, "\"account\": \"acct\""), "serialised: account");
	tap_ok(contains(s, "\"expires_at\": 4294967296"), "serialised: 64-bit integer");
	tap_ok(!contains(s, "refresh_token") && !contains(s, "obtained_at"),
	       "serialised: absent members left out");
	mo_free_secret(s);
	mo_token_clear(&t);
}

static const struct {
	const char *what, *json;
	const char *says;
} corrupt[] = {
	{ "empty file", "", "not valid JSON" },
	{ "truncated", "{\"version\": 1, \"access_token\": \"ab", "not valid JSON" },
	{ "not an object", "[1]", "not a JSON object" },
	{ "no version", "{}", "\"version\"" },
	{ "version as a string", "{\"version\": \"1\"}", "\"version\"" },
	{ "newer version", "{\"version\": 3}", "newer version" },
	{ "version 0", "{\"version\": 0}", "unknown \"version\"" },
	{ "duplicate member", "{\"version\": 1, \"scope\": \"a\", \"scope\": \"b\"}",
	  "not valid JSON" },
	{ "access_token a number", "{\"version\": 1, \"access_token\": 5}",
	  "\"access_token\" is not a token string" },
	{ "refresh_token an object", "{\"version\": 1, \"refresh_token\": {}}",
	  "\"refresh_token\"" },
	{ "token with a space", "{\"version\": 1, \"access_token\": \"a b\"}",
	  "\"access_token\"" },
	{ "token with a newline", "{\"version\": 1, \"refresh_token\": \"a\\nb\"}",
	  "\"refresh_token\"" },
	{ "scope with a control character", "{\"version\": 1, \"scope\": \"a\\u0001\"}",
	  "\"scope\"" },
	{ "NUL escape", "{\"version\": 1, \"identity\": \"a\\u0000b\"}", "" },
	{ "expires_at a string", "{\"version\": 1, \"expires_at\": \"5\"}",
	  "\"expires_at\" is not a non-negative integer" },
	{ "expires_at negative", "{\"version\": 1, \"expires_at\": -1}", "\"expires_at\"" },
	{ "expires_at fractional", "{\"version\": 1, \"expires_at\": 1.5}",
	  "\"expires_at\"" },
	{ "obtained_at true", "{\"version\": 1, \"obtained_at\": true}", "\"obtained_at\"" },
	{ "account a number", "{\"version\": 1, \"account\": 3}", "\"account\"" },
	{ "trailing garbage", "{\"version\": 1} x", "not valid JSON" },
};

static void
test_parse(void)
{
	struct mo_token t;
	const char *err;
	size_t i;
	static const char ok[] =
		"{\"version\": 1, \"access_token\": null, \"future\": [1, 2],"
		" \"scope\": \"a b\", \"expires_at\": null}";

	for (i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
		err = NULL;
		tap_is_int(mo_store_parse(corrupt[i].json, strlen(corrupt[i].json), &t,
					  &err), MO_ERR_PARSE, "corrupt: %s", corrupt[i].what);
		tap_ok(contains(err, corrupt[i].says), "corrupt: %s says %s (%s)",
		       corrupt[i].what, corrupt[i].says, err != NULL ? err : "(null)");
		tap_ok(t.access_token == NULL && t.refresh_token == NULL,
		       "corrupt: %s leaves nothing", corrupt[i].what);
	}
	err = NULL;
	tap_is_int(mo_store_parse(ok, strlen(ok), &t, &err), MO_OK,
		   "null members and unknown members are accepted");
	tap_ok(t.access_token == NULL && t.expires_at == 0 && contains(t.scope, "a b"),
	       "null means absent");
	mo_token_clear(&t);
}

static void
test_corrupt_files(void)
{
	struct mo_token t;
	char path[256], want[512], *err = NULL, *big;
	size_t n;

	snprintf(path, sizeof(path), "%s/c.json", dir);
	spew(path, "{\"version\": 1, \"access_token\": 42}",
	     strlen("{\"version\": 1, \"access_token\": 42}"), 0600);
	tap_is_int(mo_store_load(dir, "c", &t, &err), MO_ERR_PARSE, "wrong type in a file");
	snprintf(want, sizeof(want), "%s: \"access_token\" is not a token string: "
		 "corrupt token file; run `mailoauth authorize c` (or restore it)", path);
	tap_is_str(err, want, "corrupt file message");
	free(err);

	/* Larger than MO_STORE_MAX: refused before parsing. */
	n = MO_STORE_MAX + 2;
	big = malloc(n);
	memset(big, ' ', n);
	memcpy(big, "{\"version\": 1}", 14);
	spew(path, big, n, 0600);
	err = NULL;
	tap_is_int(mo_store_load(dir, "c", &t, &err), MO_ERR_PARSE, "huge file refused");
	tap_ok(contains(err, "larger than"), "huge file: says so (%s)",
	       err != NULL ? err : "(null)");
	free(err);
	tap_is_int(mo_store_parse(big, n, &t, NULL), MO_OK,
		   "(the same text parses when handed over directly)");
	mo_token_clear(&t);
	free(big);

	err = NULL;
	tap_is_int(mo_store_load(dir, "nobody", &t, &err), MO_ERR_NOENT,
		   "missing file: NOENT");
	tap_ok(contains(err, "mailoauth authorize nobody"), "missing file: what to do (%s)",
	       err != NULL ? err : "(null)");
	free(err);
	snprintf(want, sizeof(want), "%s/none", dir);
	err = NULL;
	tap_is_int(mo_store_load(want, "a", &t, &err), MO_ERR_NOENT,
		   "missing directory: NOENT");
	free(err);
	unlink(path);
}

static void
test_permissions(void)
{
	struct mo_token t, in;
	char path[256], want[512], other[256], *err = NULL;

	snprintf(path, sizeof(path), "%s/a.json", dir);
	chmod(path, 0644);
	tap_is_int(mo_store_load(dir, "a", &t, &err), MO_ERR_PERM, "0644 file refused");
	snprintf(want, sizeof(want), "chmod 600 %s", path);
	tap_ok(contains(err, want), "message has '%s' (%s)", want,
	       err != NULL ? err : "(null)");
	free(err);
	chmod(path, 0600);

	chmod(dir, 0755);
	err = NULL;
	tap_is_int(mo_store_load(dir, "a", &t, &err), MO_ERR_PERM, "0755 dir refused");
	snprintf(want, sizeof(want), "chmod 700 %s", dir);
	tap_ok(contains(err, want), "message has '%s' (%s)", want,
	       err != NULL ? err : "(null)");
	free(err);
	fill(&in);
	err = NULL;
	tap_is_int(mo_store_save(dir, "a", &in, &err), MO_ERR_PERM,
		   "save into a 0755 dir refused");
	tap_ok(contains(err, want), "save: message has '%s'", want);
	free(err);
	mo_token_clear(&in);
	chmod(dir, 0700);

	/* A symbolic link in place of the file. */
	snprintf(other, sizeof(other), "%s/target", base);
	spew(other, "{\"version\": 1}", 14, 0600);
	snprintf(path, sizeof(path), "%s/l.json", dir);
	if (symlink(other, path) != 0)
		tap_diag("symlink: %s", strerror(errno));
	err = NULL;
	tap_is_int(mo_store_load(dir, "l", &t, &err), MO_ERR_PERM, "symlink refused");
	tap_ok(contains(err, "symbolic link"), "symlink: says so (%s)",
	       err != NULL ? err : "(null)");
	free(err);
	tap_is_int(mo_store_remove(dir, "l", NULL), MO_ERR_PERM,
		   "remove does not follow a symlink");
	unlink(path);
	unlink(other);

	/* Owned by someone else (only testable as root). */
	snprintf(path, sizeof(path), "%s/a.json", dir);
	if (geteuid() == 0 && chown(path, 1, 1) == 0) {
		err = NULL;
		tap_is_int(mo_store_load(dir, "a", &t, &err), MO_ERR_PERM,
			   "file owned by another user refused");
		tap_ok(contains(err, "chown 0 ") && contains(err, "chmod 600"),
		       "owner: message has the fix (%s)", err != NULL ? err : "(null)");
		free(err);
		if (chown(path, 0, 0) != 0)
			tap_diag("chown back: %s", strerror(errno));
	} else {
		tap_ok(1, "# SKIP not root: cannot test foreign ownership");
		tap_ok(1, "# SKIP not root");
	}
	tap_is_int(mo_store_load(dir, "a", &t, NULL), MO_OK, "fixed file loads again");
	mo_token_clear(&t);
}

static void
test_load_at(void)
{
	struct mo_token t;
	char *err = NULL;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	tap_is_int(mo_store_load_at(dfd, dir, "a", &t, &err), MO_OK,
		   "load_at from an open directory");
	tap_ok(t.refresh_token != NULL, "load_at: tokens read");
	mo_token_clear(&t);
	tap_ok(fcntl(dfd, F_GETFD) >= 0, "load_at leaves the directory open");
	tap_is_int(mo_store_load_at(dfd, "/elsewhere", "zz", &t, &err), MO_ERR_NOENT,
		   "load_at: missing file");
	tap_ok(contains(err, "/elsewhere/zz.json"), "load_at: messages use dir (%s)",
	       err != NULL ? err : "(null)");
	free(err);
	chmod(dir, 0750);
	err = NULL;
	tap_is_int(mo_store_load_at(dfd, dir, "a", &t, &err), MO_ERR_PERM,
		   "load_at checks the directory's mode");
	tap_ok(contains(err, "chmod 700"), "load_at: the fix");
	free(err);
	chmod(dir, 0700);
	close(dfd);
}

static void
test_remove(void)
{
	struct mo_token in;
	char path[256], alias[256];
	const char *data;
	size_t len, i;
	bool zero = true;

	fill(&in);
	tap_is_int(mo_store_save(dir, "r", &in, NULL), MO_OK, "save r");
	mo_token_clear(&in);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	snprintf(alias, sizeof(alias), "%s/r-hardlink", base);
	/* A second name for the same inode shows what remove left in it. */
	if (link(path, alias) != 0)
		tap_diag("link: %s", strerror(errno));
	tap_is_int(mo_store_remove(dir, "r", NULL), MO_OK, "remove");
	tap_ok(access(path, F_OK) != 0 && errno == ENOENT, "file gone");
	data = slurp(alias, &len);
	for (i = 0; data != NULL && i < len; i++)
		zero &= data[i] == '\0';
	tap_ok(data != NULL && len > 0 && zero, "contents overwritten with zeros (%zu bytes)",
	       len);
	unlink(alias);
	tap_is_int(mo_store_remove(dir, "r", NULL), MO_ERR_NOENT, "remove again: NOENT");
}

static int
child_lock(const char *d, int timeout_s)
{
	pid_t pid = fork();
	int status, fd = -1;

	if (pid == 0) {
		int ret = mo_store_lock(d, "a", timeout_s, &fd, NULL);

		_exit(ret == MO_OK ? 0 : ret == MO_ERR_TIMEOUT ? 2 : 3);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static double
now_s(void)
{
	return (double)mo_now_ns() / 1e9;
}

static void
test_lock(void)
{
	struct stat st;
	char ldir[256], path[300], *err = NULL;
	int fd = -1, status;
	double t0;
	pid_t pid;

	snprintf(ldir, sizeof(ldir), "%s/lockdir", base);
	tap_is_int(mo_store_lock(ldir, "a", 0, &fd, &err), MO_OK,
		   "lock (creating the directory)");
	free(err);
	snprintf(path, sizeof(path), "%s/a.lock", ldir);
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "lock file 0600");
	tap_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "lock fd is close-on-exec");

	tap_is_int(child_lock(ldir, 0), 2, "held: another process times out at once");
	t0 = now_s();
	tap_is_int(child_lock(ldir, 1), 2, "held: another process times out after 1 s");
	tap_ok(now_s() - t0 >= 0.9 && now_s() - t0 < 1.9, "... after about 1 s (%.2f)",
	       now_s() - t0);

	/* A waiter gets the lock as soon as it is released. */
	pid = fork();
	if (pid == 0) {
		int cfd = -1;

		/* flock belongs to the open file: drop the inherited copy. */
		close(fd);
		_exit(mo_store_lock(ldir, "a", 5, &cfd, NULL) == MO_OK ? 0 : 1);
	}
	usleep(150 * 1000);
	t0 = now_s();
	mo_store_unlock(fd);
	tap_ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0, "a waiter gets the lock after unlock");
	tap_ok(now_s() - t0 < 0.5, "... promptly (%.3f s)", now_s() - t0);
	tap_is_int(child_lock(ldir, 0), 0, "unlocked: another process locks at once");

	chmod(path, 0644);
	err = NULL;
	tap_is_int(mo_store_lock(ldir, "a", 0, &fd, &err), MO_ERR_PERM,
		   "a lock file open to others is refused");
	tap_ok(contains(err, "chmod 600"), "lock: the fix (%s)", err ? err : "(null)");
	free(err);
	mo_store_unlock(-1);
}

/* A writer killed between mkostemp() and rename() leaves a temporary file
 * holding a refresh token: the next save of that account removes it once it
 * is clearly abandoned, and touches nothing else. */
static void
test_sweep_stale_tmp(void)
{
	static const char *names[] = { ".a.json.OLDOLD", ".a.json.NEWNEW",
				       ".b.json.OLDOLD" };
	struct timespec old[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };
	struct mo_token in;
	char *err = NULL, path[512];
	size_t i;

	fill(&in);
	tap_is_int(mo_store_save(dir, "a", &in, &err), MO_OK, "sweep: first save");
	free(err);
	err = NULL;
	for (i = 0; i < 3; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			if (write(fd, "{\"refresh_token\":\"x\"}", 21) < 0)
				tap_diag("write failed");
			close(fd);
		}
		if (i != 1)
			utimensat(AT_FDCWD, path, old, 0);
	}
	tap_is_int(mo_store_save(dir, "a", &in, &err), MO_OK, "sweep: second save");
	free(err);
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	tap_ok(access(path, F_OK) != 0, "an abandoned temporary file of the account is removed");
	snprintf(path, sizeof(path), "%s/%s", dir, names[1]);
	tap_ok(access(path, F_OK) == 0, "a recent temporary file (a live writer) is kept");
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, names[2]);
	tap_ok(access(path, F_OK) == 0, "another account's temporary file is not touched");
	unlink(path);
	mo_token_clear(&in);
}

/*
 * A symbolic link in place of the state directory is refused by every
 * writer and reader (links in the parents are the user's business), and a
 * directory swapped for another after the check is never written into:
 * the write goes through the descriptor that was checked.
 */
static void
test_symlinked_dir(void)
{
	struct mo_token in, t;
	char real[256], link_[256], slash[260], moved[256], path[512];
	char *err = NULL;
	int dfd = -1, fd = -1;

	snprintf(real, sizeof(real), "%s/realstate", base);
	snprintf(link_, sizeof(link_), "%s/linkstate", base);
	snprintf(slash, sizeof(slash), "%s/", link_);
	mkdir(real, 0700);
	if (symlink(real, link_) != 0)
		tap_diag("symlink: %s", strerror(errno));
	fill(&in);
	tap_is_int(mo_store_save(link_, "s", &in, &err), MO_ERR_PERM,
		   "save: a symlinked state directory is refused");
	tap_ok(contains(err, "symbolic link") && contains(err, "state_dir"),
	       "save: says so and names state_dir (%s)", err != NULL ? err : "(null)");
	free(err);
	err = NULL;
	tap_is_int(mo_store_save(slash, "s", &in, &err), MO_ERR_PERM,
		   "save: ... with a trailing slash too");
	free(err);
	tap_is_int(count_entries(real, ""), 2, "nothing written through the link");
	tap_is_int(mo_store_save(real, "s", &in, NULL), MO_OK, "the real directory works");
	tap_is_int(mo_store_load(link_, "s", &t, NULL), MO_ERR_PERM,
		   "load: a symlinked state directory is refused");
	tap_is_int(mo_store_lock(link_, "s", 0, &fd, NULL), MO_ERR_PERM,
		   "lock: a symlinked state directory is refused");
	mo_store_unlock(fd);
	tap_is_int(mo_store_remove(link_, "s", NULL), MO_ERR_PERM,
		   "remove: a symlinked state directory is refused");
	snprintf(path, sizeof(path), "%s/s.json", real);
	tap_ok(access(path, F_OK) == 0, "... and removes nothing");

	/* Checked, then swapped: renamed away and a link put in its place. */
	tap_is_int(mo_private_dir_open(real, false, &dfd, NULL), MO_OK,
		   "open and check the directory");
	snprintf(moved, sizeof(moved), "%s/moved", base);
	mkdir(moved, 0700);
	snprintf(path, sizeof(path), "%s/checked", base);
	if (rename(real, path) != 0 || symlink(moved, real) != 0)
		tap_diag("swap: %s", strerror(errno));
	tap_is_int(mo_dir_replace(dfd, real, "x.json", "{}\n", 3, NULL), MO_OK,
		   "replace through the checked descriptor");
	tap_is_int(count_entries(moved, "x.json"), 0,
		   "swapped directory: nothing lands where the new link points");
	tap_is_int(count_entries(path, "x.json"), 1,
		   "... the file is in the directory that was checked");
	tap_is_int(count_entries(path, "."), 2, "... and no temporary file remains");
	close(dfd);
	mo_token_clear(&in);
}

int
main(void)
{
	char cmd[128];

	snprintf(base, sizeof(base), "/tmp/test-store.XXXXXX");
	if (mkdtemp(base) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/state/mailoauth", base);

	test_path_and_fresh();
	test_round_trip();
	test_sweep_stale_tmp();
	test_serialise();
	test_parse();
	test_corrupt_files();
	test_permissions();
	test_load_at();
	test_symlinked_dir();
	test_remove();
	test_lock();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", base);
	return tap_done();
}
