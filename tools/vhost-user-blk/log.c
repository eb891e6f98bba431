// SPDX-License-Identifier: GPL-2.0
/* Messages on stderr: see log.h. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

bool vub_verbose;

static void say(const char *fmt, va_list ap)
{
	char line[512];

	/* One write per line, so that lines never interleave in a log. */
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "vhost-user-blk: %s\n", line);
}

void vub_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void vub_debug(const char *fmt, ...)
{
	va_list ap;

	if (!vub_verbose)
		return;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}
