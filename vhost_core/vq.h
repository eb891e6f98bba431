/* SPDX-License-Identifier: GPL-2.0 */
/* A virtqueue as the core sees it: configuration, eventfds, worker. */
#ifndef _VHA_VQ_H
#define _VHA_VQ_H

#include <linux/eventfd.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/uio.h>

#include "vringh/vringh.h"
#include "poll.h"
#include "vq_stats.h"
#include "worker.h"

struct vha_dev;

enum vha_miss_state {
	VHA_MISS_NONE,
	VHA_MISS_UNREAD,		/* for userspace to read() */
	VHA_MISS_READ,			/* read, awaiting an IOTLB update */
};

/* The IOTLB miss a queue waits on (iotlb_msg.c). */
struct vha_vq_miss {
	u64 iova;
	u64 seq;			/* misses are read oldest first */
	u8 perm;
	u8 state;			/* enum vha_miss_state */
};

/*
 * Embedded by devices; set handle_kick before vha_dev_init(). Lifetime: that
 * of the device. Lock order: dev->mutex, then vq->mutex in index order.
 */
struct vha_vq {
	struct vha_dev *dev;		/* const after init */
	unsigned int index;		/* const after init */
	vha_work_fn_t handle_kick;	/* const after init; NULL: no kick poll */

	/*
	 * Protects every field below except worker. Also, the device's memory
	 * table, IOTLB and log configuration change only with every vq mutex
	 * held, so holding this one is enough to read them.
	 */
	struct mutex mutex;

	u32 num;			/* ring size, power of two */
	u64 desc_addr;			/* user VA, or IOVA with an IOTLB */
	u64 avail_addr;			/* split: avail ring; packed: driver area */
	u64 used_addr;			/* split: used ring; packed: device area */
	u64 log_addr;			/* guest-physical address of used */
	bool log_used;			/* VHOST_VRING_F_LOG */
	/* SET/GET_VRING_BASE; packed: wrap counter in bit 15 of each. */
	u16 last_avail_idx;
	u16 last_used_idx;

	struct file *kick;		/* kick eventfd, watched by poll */
	struct eventfd_ctx *call_ctx;
	struct eventfd_ctx *error_ctx;
	struct vha_poll poll;

	void *backend;			/* device's; non-NULL while running */
	u64 acked_features;
	u64 acked_backend_features;
	u32 busyloop_timeout;		/* microseconds, 0: off */

	/*
	 * The ring itself, valid once a device started it (ring_started)
	 * until the configuration changes. All ring access goes through it.
	 */
	struct vha_ring ring;
	bool ring_started;

	/* Scratch for device handlers: iov_limit entries each. */
	struct iovec *iov;
	struct vha_log *log;

	/*
	 * Written under dev->mutex and this mutex; read under either or under
	 * RCU (wakeup callbacks).
	 */
	struct vha_worker __rcu *worker;

	struct vha_vq_miss miss;	/* dev->msg_lock */
	struct vha_vq_stats stats;	/* mutex, but stats.kicks */
};

static inline bool vha_vq_has_feature(const struct vha_vq *vq, unsigned int bit)
{
	return vq->acked_features & BIT_ULL(bit);
}

static inline void *vha_vq_get_backend(const struct vha_vq *vq)
{
	return vq->backend;
}

static inline void vha_vq_set_backend(struct vha_vq *vq, void *backend)
{
	lockdep_assert_held(&vq->mutex);
	vq->backend = backend;
}

/* Device's counters (vq_stats.h): @pkts frames or requests, @bytes. */
static inline void vha_vq_count(struct vha_vq *vq, u64 pkts, u64 bytes)
{
	lockdep_assert_held(&vq->mutex);
	vha_vq_stats_add(&vq->stats, pkts, bytes);
}

static inline void vha_vq_count_dropped(struct vha_vq *vq, u64 n)
{
	lockdep_assert_held(&vq->mutex);
	vq->stats.dropped += n;
}

static inline void vha_vq_count_backend_error(struct vha_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	vq->stats.err_backend++;
}

int vha_vq_addr_ok(struct vha_vq *vq, u64 desc, u64 avail, u64 used);
void vha_vq_sync_base(struct vha_vq *vq);
void vha_vq_update_mem(struct vha_vq *vq);
int vha_vq_prefetch(struct vha_vq *vq);
int vha_vq_get_chain(struct vha_vq *vq, struct vha_chain *chain);
int vha_vq_push(struct vha_vq *vq, const struct vha_used *used,
		unsigned int n);
int vha_vq_enable_notify(struct vha_vq *vq);
int vha_vq_enable_notify_at(struct vha_vq *vq, const struct vha_ring_pos *pos);
void vha_vq_disable_notify(struct vha_vq *vq);
bool vha_vq_busy_poll(struct vha_vq *vq, u64 *until);
void vha_vq_chain_init(struct vha_vq *vq, struct vha_chain *chain);
void vha_vq_queue_work(struct vha_vq *vq, struct vha_work *work);
void vha_vq_reset(struct vha_vq *vq);
void vha_vq_release_files(struct vha_vq *vq);
long vha_vring_ioctl(struct vha_dev *dev, unsigned int ioctl,
		     void __user *argp);
void vha_vq_signal(struct vha_vq *vq);
void vha_vq_error(struct vha_vq *vq);
bool vha_vq_exceeds_weight(struct vha_vq *vq, unsigned int pkts,
			   size_t bytes);

#endif
