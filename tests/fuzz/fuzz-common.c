/* SPDX-License-Identifier: MIT */
/* What every harness shares (fuzz.h). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "fuzz.h"

void
fuzz_fail_at(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: broken promise: %s\n", file, line, what);
	fflush(stderr);
	abort();
}

static const char config_text[] =
	"[account work]\n"
	"provider = microsoft\n"
	"tenant = contoso.onmicrosoft.com\n"
	"client_id = 9e5f94bc-e8a4-4e73-b8be-63364c29d753\n"
	"client_secret_file = /nonexistent/secret\n"
	"user = user@contoso.example\n"
	"scopes = pop imap smtp\n"
	"state_dir = /nonexistent/state\n";

const struct mo_account *
fuzz_account(void)
{
	static struct mo_config *cfg;	/* kept for the whole run */
	char *error = NULL;

	if (cfg == NULL && mo_config_parse("fuzz.conf", config_text,
					   sizeof(config_text) - 1, &cfg, &error) != MO_OK)
		fuzz_fail(error != NULL ? error : "the harness's configuration");
	return &cfg->accounts[0];
}

int
fuzz_peer_fd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-peer", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
fuzz_printable(const char *s, int nl)
{
	for (; *s != '\0'; s++) {
		if (nl && *s == '\n')
			continue;
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	}
	return 1;
}
