/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Worker threads: each device has one default worker, made at SET_OWNER,
 * and may add more with VHOST_NEW_WORKER. A worker runs queued work items
 * in the owner's address space and cgroups.
 */
#ifndef _VHA_WORKER_H
#define _VHA_WORKER_H

#include <linux/llist.h>
#include <linux/types.h>

struct vha_work;
struct vha_dev;

typedef void (*vha_work_fn_t)(struct vha_work *work);

enum vha_work_flags {
	VHA_WORK_QUEUED = 0,	/* bit: on a worker's list, not yet run */
};

struct vha_work {
	struct llist_node node;
	vha_work_fn_t fn;
	unsigned long flags;	/* enum vha_work_flags bits, atomic */
};

/*
 * Lifetime: created and freed under the device mutex. Freed only when no
 * virtqueue is attached (attached == 0) and after an RCU grace period, so
 * that a wakeup callback that read vq->worker under rcu_read_lock() may still
 * queue to it.
 */
struct vha_worker {
	struct task_struct *task;
	struct llist_head work_list;	/* lockless; consumer is task */
	struct mm_struct *mm;		/* owner mm, pinned by the device */
	u64 kcov_handle;		/* the owner's, for KCOV remote coverage */
	u32 id;				/* xarray index in dev->workers */
	unsigned int attached;		/* dev->mutex: vqs pointing here */
};

void vha_work_init(struct vha_work *work, vha_work_fn_t fn);
int vha_worker_create(struct vha_dev *dev, struct vha_worker **out);
void vha_worker_destroy(struct vha_dev *dev, struct vha_worker *worker);
bool vha_worker_queue(struct vha_worker *worker, struct vha_work *work);
void vha_worker_flush(struct vha_worker *worker);

#endif
