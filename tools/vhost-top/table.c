// SPDX-License-Identifier: GPL-2.0
/* Rates from two snapshots, and sorting them: see table.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *const vtop_col_names[VTOP_NCOLS] = {
	[VTOP_COL_DEVICE] = "DEVICE",	[VTOP_COL_OWNER] = "OWNER",
	[VTOP_COL_Q] = "Q",		[VTOP_COL_PKT] = "PKT/s",
	[VTOP_COL_MB] = "MB/s",		[VTOP_COL_KICK] = "KICK/s",
	[VTOP_COL_NOTIF] = "NOTIF/s",	[VTOP_COL_BATCH] = "BATCH",
	[VTOP_COL_ERR] = "ERR",		[VTOP_COL_INFL] = "INFL",
	[VTOP_COL_WORKER] = "WORKER",	[VTOP_COL_CPU] = "CPU%",
};

/* A column by its heading, any case, with or without its "/s" or "%". */
int vtop_col_parse(const char *name)
{
	size_t len;
	int i;

	for (i = 0; i < VTOP_NCOLS; i++) {
		len = strcspn(vtop_col_names[i], "/%");
		if (!strcasecmp(name, vtop_col_names[i]) ||
		    (strlen(name) == len &&
		     !strncasecmp(name, vtop_col_names[i], len)))
			return i;
	}
	return -EINVAL;
}

/* @key's increase from @prev to @cur, false if it cannot be known. */
static bool delta(const struct vtop_queue *prev, const struct vtop_queue *cur,
		  const char *key, uint64_t *d)
{
	uint64_t a, b;

	if (!prev || !vtop_kv_u64(&prev->kvs, key, &a) ||
	    !vtop_kv_u64(&cur->kvs, key, &b) || b < a)
		return false;
	*d = b - a;
	return true;
}

static double rate(const struct vtop_row *r, const char *key, double secs)
{
	uint64_t d;

	if (secs <= 0 || !delta(r->prev, r->vq, key, &d))
		return NAN;
	return d / secs;
}

static int64_t s64_or_none(const struct vtop_kvs *kvs, const char *key)
{
	int64_t v;

	return vtop_kv_s64(kvs, key, &v) ? v : VTOP_NONE;
}

/* errors + err_backend + dropped: a missing one counts 0, all missing is -. */
static int64_t errors(const struct vtop_row *r)
{
	static const char *const keys[] = { "errors", "err_backend", "dropped" };
	bool known = false;
	uint64_t d, sum = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (delta(r->prev, r->vq, keys[i], &d)) {
			sum += d;
			known = true;
		}
	}
	return known && sum <= INT64_MAX ? (int64_t)sum : VTOP_NONE;
}

static double batch(const struct vtop_row *r)
{
	uint64_t entries, batches;

	if (!delta(r->prev, r->vq, "batches", &batches) || !batches)
		return NAN;
	if (!delta(r->prev, r->vq, "chains", &entries) &&
	    !delta(r->prev, r->vq, "packets", &entries))
		return NAN;
	return (double)entries / batches;
}

/* The worker's CPU time over the interval, if it is the same worker. */
static double cpu(const struct vtop_row *r, double secs)
{
	uint64_t ns;

	if (!r->prev || secs <= 0 || r->worker_pid == VTOP_NONE ||
	    s64_or_none(&r->prev->kvs, "worker_pid") != r->worker_pid ||
	    !delta(r->prev, r->vq, "worker_cpu_ns", &ns))
		return NAN;
	return ns / 1e9 / secs * 100.0;
}

static void fill(struct vtop_row *r, double secs)
{
	const struct vtop_kvs *kv = &r->vq->kvs;
	const struct vtop_kv *comm = vtop_kv_find(&r->dev->info, "comm");
	int64_t worker;

	r->owner = s64_or_none(&r->dev->info, "owner");
	r->comm = comm ? comm->text : "";
	r->pkt_s = rate(r, "packets", secs);
	r->bytes_s = rate(r, "bytes", secs);
	r->kick_s = rate(r, "kicks", secs);
	r->notif_s = rate(r, "notifications", secs);
	r->suppressed_s = rate(r, "notifications_suppressed", secs);
	r->chain_s = rate(r, "chains", secs);
	r->batch = batch(r);
	r->err = errors(r);
	r->broken = s64_or_none(kv, "broken") > 0;
	r->inflight = s64_or_none(kv, "inflight");
	worker = s64_or_none(kv, "worker");
	r->worker = worker < 0 ? VTOP_NONE : worker;
	r->worker_pid = s64_or_none(kv, "worker_pid");
	if (r->worker_pid <= 0)
		r->worker_pid = VTOP_NONE;
	r->cpu_pct = cpu(r, secs);
}

/*
 * One row per queue of @cur, in @cur's order (device name, queue index).
 * @prev may be NULL (no rates). Returns 0 or -ENOMEM.
 */
int vtop_table_build(const struct vtop_snapshot *prev,
		     const struct vtop_snapshot *cur, struct vtop_table *t)
{
	const struct vtop_device *d, *pd;
	struct vtop_row *r;
	size_t i, j, n = 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < cur->ndev; i++)
		n += cur->dev[i].nvq;
	t->row = calloc(n ? n : 1, sizeof(*t->row));
	if (!t->row)
		return -ENOMEM;
	if (prev && cur->mono_ns > prev->mono_ns)
		t->secs = (cur->mono_ns - prev->mono_ns) / 1e9;
	for (i = 0; i < cur->ndev; i++) {
		d = &cur->dev[i];
		pd = prev ? vtop_device_find(prev, d->name) : NULL;
		for (j = 0; j < d->nvq; j++) {
			r = &t->row[t->n++];
			r->dev = d;
			r->vq = &d->vq[j];
			r->prev = pd ? vtop_queue_find(pd, d->vq[j].index) : NULL;
			fill(r, t->secs);
		}
	}
	return 0;
}

void vtop_table_free(struct vtop_table *t)
{
	free(t->row);
	t->row = NULL;
	t->n = 0;
}

/*
 * Numbers sort descending, names and ids ascending, and @dir -1 turns
 * that around; unknown values sort last either way.
 */
static int cmp_num(double a, double b, int dir)
{
	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return dir * ((a < b) - (a > b));
}

static int cmp_int(int64_t a, int64_t b, int dir)
{
	if (a == VTOP_NONE || b == VTOP_NONE)
		return (a == VTOP_NONE) - (b == VTOP_NONE);
	return dir * ((a < b) - (a > b));
}

static int cmp_col(const struct vtop_row *a, const struct vtop_row *b,
		   enum vtop_col col, int dir)
{
	switch (col) {
	case VTOP_COL_DEVICE:
		return dir * strcmp(a->dev->name, b->dev->name);
	case VTOP_COL_OWNER:
		return cmp_int(a->owner, b->owner, -dir);
	case VTOP_COL_Q:
		return cmp_int(a->vq->index, b->vq->index, -dir);
	case VTOP_COL_PKT:
		return cmp_num(a->pkt_s, b->pkt_s, dir);
	case VTOP_COL_MB:
		return cmp_num(a->bytes_s, b->bytes_s, dir);
	case VTOP_COL_KICK:
		return cmp_num(a->kick_s, b->kick_s, dir);
	case VTOP_COL_NOTIF:
		return cmp_num(a->notif_s, b->notif_s, dir);
	case VTOP_COL_BATCH:
		return cmp_num(a->batch, b->batch, dir);
	case VTOP_COL_ERR:
		if (a->broken != b->broken)
			return dir * (b->broken - a->broken);
		return cmp_int(a->err, b->err, dir);
	case VTOP_COL_INFL:
		return cmp_int(a->inflight, b->inflight, dir);
	case VTOP_COL_WORKER:
		return cmp_int(a->worker, b->worker, -dir);
	case VTOP_COL_CPU:
		return cmp_num(a->cpu_pct, b->cpu_pct, dir);
	default:
		return 0;
	}
}

/* qsort() has no context argument: the order of the sort in progress. */
static enum vtop_col sort_col;
static int sort_dir;

static int cmp_row(const void *pa, const void *pb)
{
	const struct vtop_row *a = pa, *b = pb;
	int c = cmp_col(a, b, sort_col, sort_dir);

	if (c)
		return c;
	/* Ties in a stable, readable order: by device, then queue. */
	c = strcmp(a->dev->name, b->dev->name);
	if (c)
		return c;
	return (a->vq->index > b->vq->index) - (a->vq->index < b->vq->index);
}

void vtop_table_sort(struct vtop_table *t, enum vtop_col col, bool reverse)
{
	sort_col = col;
	sort_dir = reverse ? -1 : 1;
	qsort(t->row, t->n, sizeof(*t->row), cmp_row);
}
