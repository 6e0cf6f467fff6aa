/* SPDX-License-Identifier: MIT */
/*
 * The regression driver of a fuzz harness (fuzz.h): runs the harness on
 * every file of its seed corpus, or on the files and directories named on
 * the command line (to replay a crash that `make fuzz` saved):
 *
 *     tests/fuzz/regress-store [FILE|DIR]...
 *
 * Each input runs in a child process, copied into a buffer of exactly its
 * size (as libFuzzer does, so that an over-read is caught by ASan or
 * valgrind), and gives one TAP line: a crash, an abort from a broken
 * promise, or a leak reported by the sanitizers at exit fails that input
 * only.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME must name the harness (its corpus directory)"
#endif
#ifndef FUZZ_CORPUS_DIR
#define FUZZ_CORPUS_DIR "tests/fuzz/corpus"
#endif

/* Most inputs are a few hundred bytes; the largest seeds stay well below. */
#define INPUT_MAX (1024 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int n_tests, n_failed;

static void
result(int ok, const char *path, const char *why)
{
	const char *shown = strstr(path, "tests/fuzz/corpus/");

	shown = shown != NULL ? shown + strlen("tests/fuzz/") : path;
	n_tests++;
	if (!ok)
		n_failed++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", n_tests, shown,
	       why != NULL ? ": " : "", why != NULL ? why : "");
	fflush(stdout);
}

static int
read_file(const char *path, uint8_t **data_r, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0;
	int c;

	if (f == NULL)
		return -1;
	data = malloc(INPUT_MAX);
	if (data == NULL) {
		fclose(f);
		return -1;
	}
	while (len < INPUT_MAX && (c = getc(f)) != EOF)
		data[len++] = (uint8_t)c;
	fclose(f);
	*data_r = data;
	*len_r = len;
	return 0;
}

static void
run_one(const char *path)
{
	uint8_t *buf, *exact;
	size_t len;
	pid_t pid;
	int status;
	char why[64];

	if (read_file(path, &buf, &len) != 0) {
		result(0, path, strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		free(buf);
		result(0, path, "fork failed");
		return;
	}
	if (pid == 0) {
		/* exit(), not _exit(): LeakSanitizer and valgrind report at
		 * exit and fail the child. */
		exact = malloc(len > 0 ? len : 1);
		if (exact == NULL)
			exit(2);
		memcpy(exact, buf, len);
		free(buf);
		(void)LLVMFuzzerTestOneInput(exact, len);
		free(exact);
		exit(0);
	}
	free(buf);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		result(1, path, NULL);
		return;
	}
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
	else
		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
	result(0, path, why);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order. */
static void
run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **tmp;
	size_t n = 0, cap = 0, i;

	if (d == NULL) {
		result(0, dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(names, cap * sizeof(*names));
			if (tmp == NULL)
				break;
			names = tmp;
		}
		if ((names[n] = strdup(path)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n == 0)
		result(0, dir, "no seed inputs");
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		run_one(names[i]);
		free(names[i]);
	}
	free(names);
}

static void
run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		run_dir(path);
	else
		run_one(path);
}

int
main(int argc, char **argv)
{
	int i;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			run_path(argv[i]);
	} else {
		run_dir(FUZZ_CORPUS_DIR "/" FUZZ_NAME);
	}
	printf("1..%d\n", n_tests);
	return n_failed == 0 ? 0 : 1;
}
