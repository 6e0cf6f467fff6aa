/* SPDX-License-Identifier: MIT */
/* A QR code on the terminal, two modules per character cell (libqrencode). */
#include "autoconfig.h"

#ifdef HAVE_QRENCODE

#include <stdio.h>
#include <string.h>

#include <qrencode.h>

#include "errors.h"
#include "signin.h"

#define QUIET 2		/* modules of light border around the code */
#define QR_TEXT_MAX 1024

/* Light modules are drawn as blocks on a forced dark background, so the
 * code reads the same on dark and light terminals. */
static const char *const cell[4] = {
	" ",			/* both dark */
	"\xe2\x96\x84",		/* U+2584 lower half: bottom light */
	"\xe2\x96\x80",		/* U+2580 upper half: top light */
	"\xe2\x96\x88",		/* U+2588 full block: both light */
};

static int
dark(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[y * qr->width + x] & 1;
}

int
mo_signin_print_qr(FILE *f, const char *text)
{
	QRcode *qr;
	int x, y;

	if (strlen(text) > QR_TEXT_MAX)
		return MO_ERR_TOOBIG;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (qr == NULL)
		return MO_ERR_NOMEM;
	for (y = -QUIET; y < qr->width + QUIET; y += 2) {
		fputs("\x1b[40;97m", f);
		for (x = -QUIET; x < qr->width + QUIET; x++) {
			int top = !dark(qr, x, y), bottom = !dark(qr, x, y + 1);

			if (y + 1 >= qr->width + QUIET)
				bottom = 0;
			fputs(cell[top * 2 + bottom], f);
		}
		fputs("\x1b[0m\n", f);
	}
	QRcode_free(qr);
	return MO_OK;
}

#endif
