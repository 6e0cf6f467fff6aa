/* SPDX-License-Identifier: MIT */
/* TLS trust anchors: the system's plus ca_file (trust.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "log.h"
#include "trust.h"

#define CA_MAX (8 * 1024 * 1024)	/* system bundle + ca_file */

struct mo_trust {
	struct mo_trust *next;
	char *path;		/* ca_file */
	const char *capath;	/* system CA directory, or NULL: use pem */
	struct mo_buf pem;	/* system bundle + ca_file (no capath) */
};

static int
read_file_into(struct mo_buf *b, const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return MO_ERR_IO;
	ret = mo_buf_read_fd(b, fd);
	close(fd);
	return ret;
}

/* The system bundle that libcurl uses by default. */
static const char *
system_bundle(void)
{
	static const char *const known[] = {
		"/etc/ssl/certs/ca-certificates.crt",
		"/etc/pki/tls/certs/ca-bundle.crt",
		"/etc/ssl/cert.pem",
	};
	const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
	size_t i;

	if (vi->age >= CURLVERSION_SEVENTH && vi->cainfo != NULL &&
	    access(vi->cainfo, R_OK) == 0)
		return vi->cainfo;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (access(known[i], R_OK) == 0)
			return known[i];
	return NULL;
}

/* The hashed system CA directory, when OpenSSL does the TLS. */
static const char *
system_capath(void)
{
	const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
	const char *dir = "/etc/ssl/certs";
	struct stat st;

	if (vi->ssl_version == NULL || strncmp(vi->ssl_version, "OpenSSL", 7) != 0)
		return NULL;
	if (vi->age >= CURLVERSION_SEVENTH && vi->capath != NULL)
		dir = vi->capath;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return dir;
}

static void
trust_free(struct mo_trust *t)
{
	mo_buf_free(&t->pem);
	free(t->path);
	free(t);
}

int
mo_trust_get(struct mo_trust **list, const char *ca_file,
	     const struct mo_trust **trust_r, char **error_r)
{
	struct mo_trust *t;
	const char *sys;
	int ret = MO_OK, fd, err = 0;

	*error_r = NULL;
	for (t = *list; t != NULL; t = t->next) {
		if (strcmp(t->path, ca_file) == 0) {
			*trust_r = t;
			return MO_OK;
		}
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->path = strdup(ca_file)) == NULL) {
		free(t);
		return MO_ERR_NOMEM;
	}
	mo_buf_init(&t->pem, CA_MAX);
	t->capath = system_capath();
	if (t->capath != NULL) {
		/* Fail early and clearly when ca_file cannot be read. */
		fd = open(ca_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			ret = MO_ERR_IO;
		} else {
			close(fd);
		}
		mo_net_note(2, "trust: system CA directory %s plus %s", t->capath, ca_file);
	} else {
		sys = system_bundle();
		if (sys != NULL) {
			ret = read_file_into(&t->pem, sys);
			if (ret == MO_OK)
				ret = mo_buf_addc(&t->pem, '\n');
			if (ret != MO_OK) {
				mo_net_warn("cannot read the system CA bundle %s; trusting only %s",
					    sys, ca_file);
				mo_buf_reset(&t->pem);
			}
		} else {
			mo_net_note(1, "no system CA bundle found; trusting only %s", ca_file);
		}
		ret = read_file_into(&t->pem, ca_file);
		err = errno;
		mo_net_note(2, "trust: system bundle %s plus %s", sys ? sys : "(none)", ca_file);
	}
	if (ret != MO_OK) {
		ret = mo_errorf(error_r, ret == MO_ERR_TOOBIG ? MO_ERR_TOOBIG : MO_ERR_IO,
				"cannot read ca_file %s: %s; fix the path in the configuration",
				ca_file, ret == MO_ERR_IO ? strerror(err) : mo_strerror(ret));
		trust_free(t);
		return ret;
	}
	t->next = *list;
	*list = t;
	*trust_r = t;
	return MO_OK;
}

void
mo_trust_apply(const struct mo_trust *t, CURL *e)
{
	if (t == NULL)
		return;
	if (t->capath != NULL) {
		curl_easy_setopt(e, CURLOPT_CAINFO, t->path);
		curl_easy_setopt(e, CURLOPT_CAPATH, t->capath);
		return;
	}
#if LIBCURL_VERSION_NUM >= 0x074d00
	{
		struct curl_blob blob = {
			.data = t->pem.data,
			.len = t->pem.len,
			.flags = CURL_BLOB_NOCOPY,
		};

		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
#else
	curl_easy_setopt(e, CURLOPT_CAINFO, t->path);
#endif
}

void
mo_trust_free_all(struct mo_trust **list)
{
	struct mo_trust *t;

	while ((t = *list) != NULL) {
		*list = t->next;
		trust_free(t);
	}
}
