/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages on stderr, one line each, prefixed with the program's name:
 * errors and events always, every vhost-user message with --verbose.
 */
#ifndef VUB_LOG_H
#define VUB_LOG_H

#include <stdbool.h>

/* The kernel's spelling, for userspace: format strings are checked. */
#define VUB_ATTRIBUTE(x) __attribute__(x)
#define __printf(a, b) VUB_ATTRIBUTE((format(printf, a, b)))

extern bool vub_verbose;

__printf(1, 2) void vub_say(const char *fmt, ...);
__printf(1, 2) void vub_debug(const char *fmt, ...);

#endif
