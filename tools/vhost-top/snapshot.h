/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One reading of the modules' debugfs tree: every open device and the
 * counters of each of its virtqueues, as the kernel printed them.
 *
 *   <root>/<owner-tgid>-<type>-<seq>/device   type, owner, comm, seq, nvqs, features
 *   <root>/<owner-tgid>-<type>-<seq>/vq<N>    one "key value" line per counter
 *
 * Every "key value" line is kept, known or not, so that --json can show
 * them all; the table looks up only the keys it knows. A device whose
 * directory or files vanish while they are read (it was closed) is left
 * out of the snapshot: that is not an error.
 */
#ifndef VTOP_SNAPSHOT_H
#define VTOP_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum {
	VTOP_KEY_MAX = 48,	/* longest key kept, with its NUL */
	VTOP_VALUE_MAX = 64,	/* longest value kept (a comm, a features mask) */
	VTOP_NAME_MAX = 64,	/* longest device directory name */
};

/* One "key value" line. @num is valid if @is_num (decimal, maybe negative). */
struct vtop_kv {
	char key[VTOP_KEY_MAX];
	char text[VTOP_VALUE_MAX];
	bool is_num;
	bool neg;
	uint64_t num;		/* magnitude; the value is -num if @neg */
};

struct vtop_kvs {
	struct vtop_kv *kv;
	size_t n;
};

struct vtop_queue {
	unsigned int index;
	struct vtop_kvs kvs;
};

struct vtop_device {
	char name[VTOP_NAME_MAX];	/* the directory's name */
	struct vtop_kvs info;		/* the device file */
	struct vtop_queue *vq;		/* by ascending index */
	size_t nvq;
};

struct vtop_snapshot {
	struct vtop_device *dev;	/* by name */
	size_t ndev;
	uint64_t mono_ns;		/* CLOCK_MONOTONIC when it was taken */
	double wall;			/* CLOCK_REALTIME, seconds */
};

int vtop_snapshot_read(const char *root, struct vtop_snapshot *s);
void vtop_snapshot_free(struct vtop_snapshot *s);

int vtop_kvs_parse(const char *buf, struct vtop_kvs *kvs);
void vtop_kvs_free(struct vtop_kvs *kvs);
const struct vtop_kv *vtop_kv_find(const struct vtop_kvs *kvs, const char *key);
bool vtop_kv_u64(const struct vtop_kvs *kvs, const char *key, uint64_t *v);
bool vtop_kv_s64(const struct vtop_kvs *kvs, const char *key, int64_t *v);

const struct vtop_device *vtop_device_find(const struct vtop_snapshot *s,
					   const char *name);
const struct vtop_queue *vtop_queue_find(const struct vtop_device *d,
					 unsigned int index);

#endif
