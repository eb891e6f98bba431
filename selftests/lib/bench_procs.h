/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_procs: one benchmark body run in N child processes at once, for
 * the points with N devices open together (vha-net-bench -d, vha-blk-bench
 * -d). A vhost device has exactly one owner, and its workers are named
 * after it, so each device needs a process of its own.
 *
 *   parent --fork--> child i: set up its device, bp_ready(), measure
 *          <--pipe-- READY i ... DONE i + its result
 *          --pipe--> one byte per child: go (every child is ready) or
 *                    stop (one failed to set up)
 *
 * Every child measures from the same moment, so their figures add up.
 */
#ifndef VHA_BENCH_PROCS_H
#define VHA_BENCH_PROCS_H

#include <stddef.h>

enum {
	BP_MAX_PROCS = 64,
	BP_MAX_RESULT = 512,	/* bytes a child hands back */
};

/* A child's ends of the pipes, and its number (0..n-1). */
struct bp_sync {
	int up;
	int go;
	unsigned int idx;
};

/*
 * The body, in child @s->idx: set up, bp_ready(), measure, write the
 * result into @res (BP_MAX_RESULT bytes at most), tear down; 0 or -errno.
 */
typedef int (*bp_fn)(void *arg, struct bp_sync *s, void *res);

/* In a child, once set up: wait for the others. 0 go, -ECANCELED stop. */
int bp_ready(struct bp_sync *s);

/*
 * Run @fn in @n children. Child i's result goes to @res + i * @size and
 * its return value to @errs[i] (-ETIMEDOUT if it had not finished within
 * @timeout_s of set-up, or then within @timeout_s of measuring: it is
 * killed). 0, or -errno if the children could not all be started.
 */
int bp_run(unsigned int n, bp_fn fn, void *arg, void *res, size_t size,
	   double timeout_s, int *errs);

#endif
