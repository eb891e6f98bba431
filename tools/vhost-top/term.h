/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interactive terminal: keys read without echo or line buffering
 * while vhost-top redraws the screen, and the terminal's settings put back
 * at exit, also after SIGINT, SIGTERM or SIGHUP.
 */
#ifndef VTOP_TERM_H
#define VTOP_TERM_H

#include <stdbool.h>

bool vtop_term_start(void);
int vtop_term_wait(double secs);

#endif
