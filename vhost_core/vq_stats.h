/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-virtqueue counters, shown read-only in debugfs (dev_debugfs.c) as
 * vhost-accel/<owner>-<type>-<seq>/vq<N>. Every counter but kicks is
 * written and read under the queue's mutex, which the data path holds
 * anyway: plain increments, no atomics on the hot path. They count from
 * SET_OWNER on.
 */
#ifndef _VHA_VQ_STATS_H
#define _VHA_VQ_STATS_H

#include <linux/atomic.h>
#include <linux/log2.h>
#include <linux/types.h>

#include "vringh/vringh.h"

/* Used entries per used-index update: 1, 2-3, 4-7, 8-15, 16-31, 32 up. */
#define VHA_VQ_BATCH_BUCKETS 6

struct vha_vq_stats {
	atomic64_t kicks;		/* kick eventfd wakeups; any context */
	u64 notifications;		/* call eventfd signalled */
	u64 notifications_suppressed;	/* not wanted (event index, flags) */
	u64 chains;			/* chains fetched from the ring */
	u64 packets;			/* device's unit: frames, requests */
	u64 bytes;			/* device's payload bytes */
	u64 batches;			/* used-index updates */
	u64 batch[VHA_VQ_BATCH_BUCKETS];
	u64 busypoll_spins;		/* busy-poll looks at an empty ring */
	u64 busypoll_hits;		/* busy-polls that found a chain */
	u64 errors;			/* reported on the error eventfd */
	u64 err_ring[VHA_ERR_COUNT];	/* those by vringh's reason */
	u64 err_backend;		/* socket or block device failures */
	u64 dropped;			/* frames the device did not deliver */
	bool broken;			/* an error since the ring started */
	bool polling;			/* busy-polling since the last chain */
};

/* @pkts units of the device's work, @bytes of payload. Hold vq->mutex. */
static inline void vha_vq_stats_add(struct vha_vq_stats *s, u64 pkts,
				    u64 bytes)
{
	s->packets += pkts;
	s->bytes += bytes;
}

static inline void vha_vq_stats_batch(struct vha_vq_stats *s, unsigned int n)
{
	s->batches++;
	s->batch[min_t(unsigned int, ilog2(n), VHA_VQ_BATCH_BUCKETS - 1)]++;
}

#endif
