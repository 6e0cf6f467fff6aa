/* SPDX-License-Identifier: MIT */
/* jansson's own buffers are wiped when it frees them (lib/jsonalloc.h):
 * the installed functions are ours, and every block that jansson frees
 * after parsing a token reply -- the lexer's buffer and the string copies
 * among them -- is all zeros before it goes back to malloc.  Without
 * malloc_usable_size() there is nothing to test: SKIP. */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <malloc.h>

#include "jsonalloc.h"
#include "tap.h"

#define TOKEN "RT-0123456789abcdefghijklmnopqrstuvwxyz-secret"

static size_t freed, held_token, not_zero;

/* jansson's free for the test: what mo_json_wipe_free() does, with a look
 * at the block between the wipe and the free. */
static void
checking_free(void *p)
{
	size_t n, i;

	if (p == NULL)
		return;
	freed++;
	n = malloc_usable_size(p);
	if (n >= strlen(TOKEN) && memmem(p, n, TOKEN, strlen(TOKEN)) != NULL)
		held_token++;
	if (mo_json_wipe_block(p) != n)
		not_zero++;
	for (i = 0; i < n; i++) {
		if (((unsigned char *)p)[i] != 0) {
			not_zero++;
			break;
		}
	}
	mo_json_wipe_free(p);
}

/* An allocation that cannot be served ends the process with status 1 and
 * says so, instead of handing jansson a NULL it does not survive. */
static void
test_fail_stop(void)
{
	char out[4096];
	int fds[2], status = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) != 0) {
		tap_ok(0, "pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		/* More than any address space holds. */
		(void)mo_json_wipe_malloc((size_t)-1 / 2);
		_exit(42);
	}
	close(fds[1]);
	/* All of it: a sanitizer may say something first. */
	while (pid > 0 && got < sizeof(out) - 1 &&
	       (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	if (pid > 0)
		waitpid(pid, &status, 0);
	close(fds[0]);
	out[got] = '\0';
	tap_ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 1,
	       "a failed allocation ends the process with status 1 (status %d)", status);
	tap_ok(strstr(out, "mailoauth: out of memory; nothing stored") != NULL,
	       "... and says so (%s)", out);
}

int
main(void)
{
	static const char reply[] = "{\"token_type\": \"Bearer\", \"expires_in\": 3599, "
				    "\"refresh_token\": \"" TOKEN "\", \"scope\": \"x y\"}";
	json_malloc_t m = NULL;
	json_free_t f = NULL;
	json_error_t err;
	json_t *j;
	void *p;

	if (!mo_json_wipe_install()) {
		printf("1..0 # SKIP no malloc_usable_size(): jansson's buffers cannot be wiped here\n");
		return 0;
	}
	json_get_alloc_funcs(&m, &f);
	tap_ok(m == mo_json_wipe_malloc && f == mo_json_wipe_free,
	       "mo_json_wipe_install() gives jansson the wiping pair");

	p = mo_json_wipe_malloc(40);
	if (p == NULL)
		return 99;
	memset(p, 'A', 40);
	tap_ok(mo_json_wipe_block(p) >= 40 && memchr(p, 'A', 40) == NULL,
	       "mo_json_wipe_block() overwrites the whole block");
	mo_json_wipe_free(p);
	mo_json_wipe_free(NULL);
	test_fail_stop();

	json_set_alloc_funcs(mo_json_wipe_malloc, checking_free);
	j = json_loads(reply, 0, &err);
	tap_ok(j != NULL && strcmp(json_string_value(json_object_get(j, "refresh_token")),
				   TOKEN) == 0, "the reply parses with the wiping allocator");
	json_decref(j);
	tap_ok(freed > 0, "jansson freed %zu blocks", freed);
	tap_ok(held_token > 0, "%zu of them held the refresh token", held_token);
	tap_is_int((long long)not_zero, 0, "every freed block was all zeros before free()");
	return tap_done();
}
