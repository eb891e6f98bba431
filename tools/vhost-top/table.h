/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table: one row per virtqueue of the newer of two snapshots, with
 * rates over the time between them, and its sort order.
 *
 * A value that cannot be known is NAN (rates) or VTOP_NONE (integers), shown
 * as '-' and as null in JSON: a key missing from either snapshot, a queue
 * that appeared in between (no earlier sample), a counter that went
 * backwards, a worker that changed. Rows point into both snapshots, which
 * must outlive them.
 */
#ifndef VTOP_TABLE_H
#define VTOP_TABLE_H

#include "snapshot.h"

#define VTOP_NONE INT64_MIN

enum vtop_col {
	VTOP_COL_DEVICE,
	VTOP_COL_OWNER,
	VTOP_COL_Q,
	VTOP_COL_PKT,
	VTOP_COL_MB,
	VTOP_COL_KICK,
	VTOP_COL_NOTIF,
	VTOP_COL_BATCH,
	VTOP_COL_ERR,
	VTOP_COL_INFL,
	VTOP_COL_WORKER,
	VTOP_COL_CPU,
	VTOP_NCOLS,
};

struct vtop_row {
	const struct vtop_device *dev;
	const struct vtop_queue *vq;
	const struct vtop_queue *prev;	/* NULL if new since the last sample */
	int64_t owner;
	const char *comm;		/* "" if unknown */
	double pkt_s, bytes_s, kick_s, notif_s, suppressed_s, chain_s;
	double batch;			/* chains per batch over the interval */
	double cpu_pct;			/* the worker's CPU time / interval */
	int64_t err;			/* errors + err_backend + dropped, delta */
	bool broken;
	int64_t inflight, worker, worker_pid;
};

struct vtop_table {
	struct vtop_row *row;
	size_t n;
	double secs;			/* between the two snapshots */
};

int vtop_table_build(const struct vtop_snapshot *prev,
		     const struct vtop_snapshot *cur, struct vtop_table *t);
void vtop_table_free(struct vtop_table *t);
void vtop_table_sort(struct vtop_table *t, enum vtop_col col, bool reverse);

extern const char *const vtop_col_names[VTOP_NCOLS];
int vtop_col_parse(const char *name);

#endif
