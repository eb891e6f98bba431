// SPDX-License-Identifier: GPL-2.0
/*
 * bench_procs: a benchmark body in N child processes, set up apart and
 * measuring together (see bench_procs.h).
 *
 * Children talk to the parent with fixed-size messages on one pipe: a
 * write of at most PIPE_BUF bytes is atomic, so messages of several
 * children never mix, and a read of one message's size gets exactly one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_procs.h"

enum { BP_READY = 1, BP_DONE = 2 };

struct bp_msg {
	unsigned int idx;
	int kind;
	int err;
	unsigned char res[BP_MAX_RESULT];
};

_Static_assert(sizeof(struct bp_msg) <= PIPE_BUF, "bp_msg must be atomic");

static int send_msg(int fd, const struct bp_msg *m)
{
	return write(fd, m, sizeof(*m)) == sizeof(*m) ? 0 : -EIO;
}

int bp_ready(struct bp_sync *s)
{
	struct bp_msg m = { .idx = s->idx, .kind = BP_READY };
	char c;

	if (send_msg(s->up, &m) || read(s->go, &c, 1) != 1)
		return -EIO;
	return c == 'g' ? 0 : -ECANCELED;
}

/* A child: the body, its result to the parent, exit. */
static void child(bp_fn fn, void *arg, struct bp_sync *s)
{
	struct bp_msg m = { .idx = s->idx, .kind = BP_DONE };

	m.err = fn(arg, s, m.res);
	fflush(NULL);
	_exit(send_msg(s->up, &m) ? 1 : 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Read messages until every child is at least at @kind (a child that is
 * done is past ready too) or @timeout_s passed: 0 or -ETIMEDOUT.
 * state[i] is the last kind child i sent.
 */
static int collect(int up, unsigned int n, int kind, int *state, void *res,
		   size_t size, int *errs, double timeout_s)
{
	double end = now_s() + timeout_s;
	struct pollfd p = { .fd = up, .events = POLLIN };
	unsigned int i, have;
	struct bp_msg m;
	int left;

	for (;;) {
		for (i = 0, have = 0; i < n; i++)
			have += state[i] >= kind;
		if (have == n)
			return 0;
		left = (int)((end - now_s()) * 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -ETIMEDOUT;
		if (read(up, &m, sizeof(m)) != sizeof(m) || m.idx >= n)
			return -EIO;	/* every child is gone */
		state[m.idx] = m.kind;
		if (m.kind == BP_DONE) {
			memcpy((char *)res + m.idx * size, m.res, size);
			errs[m.idx] = m.err;
		}
	}
}

/* Children still running are killed; all are waited for. */
static void reap_children(const pid_t *pid, const int *state, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (state[i] != BP_DONE)
			kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
}

/* Fork @n children (after the pipes): how many started. */
static unsigned int start(unsigned int n, bp_fn fn, void *arg, int up[2],
			  int go[2], pid_t *pid)
{
	struct bp_sync s;
	unsigned int i;

	fflush(NULL);	/* or the children print it again */
	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			break;
		if (!pid[i]) {
			close(up[0]);
			close(go[1]);
			s = (struct bp_sync){ .up = up[1], .go = go[0], .idx = i };
			child(fn, arg, &s);
		}
	}
	return i;
}

int bp_run(unsigned int n, bp_fn fn, void *arg, void *res, size_t size,
	   double timeout_s, int *errs)
{
	int up[2], go[2], state[BP_MAX_PROCS] = { 0 }, ret;
	pid_t pid[BP_MAX_PROCS];
	unsigned int i, started;
	char c;

	if (!n || n > BP_MAX_PROCS || size > BP_MAX_RESULT)
		return -EINVAL;
	if (pipe2(up, O_CLOEXEC))
		return -errno;
	if (pipe2(go, O_CLOEXEC)) {
		ret = -errno;
		close(up[0]);
		close(up[1]);
		return ret;
	}
	started = start(n, fn, arg, up, go, pid);
	close(up[1]);
	close(go[0]);
	for (i = 0; i < n; i++)
		errs[i] = -ETIMEDOUT;
	ret = started < n ? -EAGAIN :
	      collect(up[0], n, BP_READY, state, res, size, errs, timeout_s);
	/* go only if every child is set up and waiting */
	for (i = 0, c = 'g'; i < n; i++)
		if (ret || state[i] != BP_READY)
			c = 's';
	for (i = 0; i < started; i++)
		if (write(go[1], &c, 1) != 1)
			break;
	collect(up[0], started, BP_DONE, state, res, size, errs, timeout_s);
	reap_children(pid, state, started);
	close(up[0]);
	close(go[1]);
	return started < n ? -EAGAIN : 0;
}
