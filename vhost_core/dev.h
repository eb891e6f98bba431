/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vhost device: a set of virtqueues, an owner, workers, a memory table, an
 * optional IOTLB and a dirty log. Device modules embed struct vha_dev, pass
 * their virtqueues to vha_dev_init() and forward every ioctl they do not
 * handle to vha_dev_ioctl() (-ENOIOCTLCMD if nobody knows it).
 */
#ifndef _VHA_DEV_H
#define _VHA_DEV_H

#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "vq.h"

struct vha_umem;
struct vha_iotlb;

/* What a device module tells the core at vha_dev_init(). */
struct vha_dev_config {
	const char *name;		/* device type in tracepoints: "net" */
	unsigned int iov_limit;		/* iovec scratch entries per vq */
	unsigned int weight_pkts;	/* per-kick work limit, buffers */
	unsigned int weight_bytes;	/* per-kick work limit, bytes */
	u64 features;			/* what GET_FEATURES offers */
	u64 backend_features;		/* what GET_BACKEND_FEATURES offers */
	/*
	 * Optional: called for each vq, with its mutex held, right after
	 * SET_FEATURES changed its acked features, so that what the device
	 * derives from them changes in the same locked section.
	 */
	void (*features_changed)(struct vha_vq *vq);
	/* Optional: requests in flight on @vq, for its counters. */
	unsigned int (*inflight)(struct vha_vq *vq);
};

struct vha_dev {
	/*
	 * Protects owner (mm), workers, log_ctx, and, together with every vq
	 * mutex, umem, iotlb and log_base.
	 */
	struct mutex mutex;
	struct vha_vq **vqs;		/* const after init */
	unsigned int nvqs;		/* const after init */
	u32 id;				/* const after init: number in tracepoints */
	struct vha_dev_config cfg;	/* const after init */

	struct mm_struct *mm;		/* owner's, NULL: no owner */
	struct xarray workers;		/* id -> struct vha_worker */
	unsigned int nworkers;		/* in workers, at most nvqs */
	struct vha_umem *umem;		/* never NULL after init */
	struct vha_iotlb *iotlb;	/* with VIRTIO_F_ACCESS_PLATFORM */
	u64 log_base;			/* owner VA of the dirty bitmap */
	struct eventfd_ctx *log_ctx;

	/* IOTLB misses for userspace (read/write on the fd, iotlb_msg.c). */
	spinlock_t msg_lock;		/* protects msg_seq and every vq->miss */
	u64 msg_seq;			/* next miss's number */
	wait_queue_head_t msg_wait;	/* readers waiting for a miss */
	bool iotlb_batch;		/* dev->mutex: inside BATCH_BEGIN/END */

	/* The counters' debugfs directory while owned (dev_debugfs.c). */
	struct dentry *debugfs;		/* dev->mutex */
	pid_t owner_tgid;		/* dev->mutex: SET_OWNER's caller */
	char owner_comm[TASK_COMM_LEN];	/* dev->mutex */
	u32 debugfs_seq;		/* dev->mutex: N in <owner>-<type>-N */
};

int vha_dev_init(struct vha_dev *dev, struct vha_vq **vqs, unsigned int nvqs,
		 const struct vha_dev_config *cfg);
void vha_dev_cleanup(struct vha_dev *dev);
void vha_dev_stop(struct vha_dev *dev);
void vha_dev_flush(struct vha_dev *dev);
int vha_dev_check_owner(struct vha_dev *dev);
bool vha_dev_has_owner(struct vha_dev *dev);
int vha_dev_reset_owner(struct vha_dev *dev);
long vha_dev_ioctl(struct vha_dev *dev, unsigned int ioctl, void __user *argp);
int vha_dev_set_features(struct vha_dev *dev, u64 features);
int vha_dev_set_backend_features(struct vha_dev *dev, u64 features);
long vha_dev_config_ioctl(struct vha_dev *dev, unsigned int ioctl,
			  void __user *argp);
long vha_worker_ioctl(struct vha_dev *dev, unsigned int ioctl,
		      void __user *argp);
int vha_vq_own_worker(struct vha_dev *dev, struct vha_vq *vq);
void vha_dev_lock_vqs(struct vha_dev *dev);
void vha_dev_unlock_vqs(struct vha_dev *dev);
int vha_vq_access_ok(struct vha_vq *vq);
int vha_vq_init_access(struct vha_vq *vq);

void vha_debugfs_init(void);
void vha_debugfs_exit(void);
void vha_dev_debugfs_add(struct vha_dev *dev);
void vha_dev_debugfs_remove(struct vha_dev *dev);

ssize_t vha_dev_read_iter(struct vha_dev *dev, struct iov_iter *to,
			  bool nonblock);
ssize_t vha_dev_write_iter(struct vha_dev *dev, struct iov_iter *from);
__poll_t vha_dev_poll(struct vha_dev *dev, struct file *file,
		      poll_table *wait);

#endif
