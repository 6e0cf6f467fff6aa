/* SPDX-License-Identifier: MIT */
/* jansson's buffers, wiped when freed (jsonalloc.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <unistd.h>
#ifdef HAVE_MALLOC_USABLE_SIZE
#include <malloc.h>
#endif

#include <jansson.h>

#include "errors.h"
#include "jsonalloc.h"
#include "secret.h"

void *
mo_json_wipe_malloc(size_t n)
{
	static const char msg[] = "mailoauth: out of memory; nothing stored was "
		"changed, try again when memory is available\n";
	void *p = malloc(n);

	if (p == NULL && n > 0) {
		/* jansson's parser cannot survive a failed allocation (see
		 * jsonalloc.h): stop here, as the store's atomic writes allow. */
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
			_exit(MO_EXIT_FAILURE);
		_exit(MO_EXIT_FAILURE);
	}
	return p;
}

size_t
mo_json_wipe_block(void *p)
{
#ifdef HAVE_MALLOC_USABLE_SIZE
	size_t n;

	if (p == NULL)
		return 0;
	n = malloc_usable_size(p);
	mo_wipe(p, n);
	return n;
#else
	(void)p;
	return 0;
#endif
}

void
mo_json_wipe_free(void *p)
{
	if (p == NULL)
		return;
	(void)mo_json_wipe_block(p);
	free(p);
}

bool
mo_json_wipe_install(void)
{
#ifdef HAVE_MALLOC_USABLE_SIZE
	json_set_alloc_funcs(mo_json_wipe_malloc, mo_json_wipe_free);
	return true;
#else
	return false;
#endif
}
