// SPDX-License-Identifier: GPL-2.0
/* Keys from the terminal while waiting: see term.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "term.h"

static struct termios saved;
static bool raw;		/* the terminal's settings are changed */
static bool keys;	/* and keys may still come */

static void restore(void)
{
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	raw = false;
}

static void on_signal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Keys one at a time, unechoed, if stdin is a terminal; false if not. */
bool vtop_term_start(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved))
		return false;
	t = saved;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return false;
	raw = true;
	keys = true;
	atexit(restore);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	return true;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Wait @secs, or until a key arrives on a terminal started above: returns
 * the key, or 0 when the time is up.
 */
int vtop_term_wait(double secs)
{
	double end = now() + secs, left;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	struct timespec ts;
	unsigned char c;

	while ((left = end - now()) > 0) {
		if (!keys) {
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
			if (!nanosleep(&ts, NULL))
				return 0;
			continue;
		}
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0 &&
		    read(STDIN_FILENO, &c, 1) == 1)
			return c;
		if (p.revents & (POLLHUP | POLLERR))
			keys = false;	/* no more keys: just sleep */
	}
	return 0;
}
