// SPDX-License-Identifier: GPL-2.0
/*
 * Per-virtqueue ioctls (VHOST_SET_VRING_*, VHOST_GET_VRING_*), with
 * upstream's semantics and errnos, and small helpers for device handlers.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>

#include "dev.h"
#include "trace.h"

enum {
	VHA_VQ_MAX_NUM = 0x8000,	/* largest power of two below 0xffff */
	VHA_AVAIL_ALIGN = 2,		/* VIRTIO 1.1 2.6: avail ring align */
	VHA_USED_ALIGN = 4,		/* VIRTIO 1.1 2.6: used ring align */
};

/* Back to the state after init (upstream: num 1, everything else 0). */
void vha_vq_reset(struct vha_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	vq->num = 1;
	vq->desc_addr = 0;
	vq->avail_addr = 0;
	vq->used_addr = 0;
	vq->log_addr = 0;
	vq->log_used = false;
	vq->last_avail_idx = 0;
	vq->last_used_idx = 0;
	vq->backend = NULL;
	vq->ring_started = false;
	vq->acked_features = 0;
	vq->acked_backend_features = 0;
	vq->busyloop_timeout = 0;
	vq->stats.broken = false;
	vq->stats.polling = false;
}

/* Drop the kick file and eventfds. The kick must not be watched any more. */
void vha_vq_release_files(struct vha_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	if (vq->kick)
		fput(vq->kick);
	vq->kick = NULL;
	if (vq->call_ctx)
		eventfd_ctx_put(vq->call_ctx);
	vq->call_ctx = NULL;
	if (vq->error_ctx)
		eventfd_ctx_put(vq->error_ctx);
	vq->error_ctx = NULL;
}

/* Queue @work to the vq's worker. Any context. */
void vha_vq_queue_work(struct vha_vq *vq, struct vha_work *work)
{
	struct vha_worker *worker;

	rcu_read_lock();
	worker = rcu_dereference(vq->worker);
	if (worker)
		vha_worker_queue(worker, work);
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(vha_vq_queue_work);

/* Signal the call eventfd. Hold vq->mutex. */
void vha_vq_signal(struct vha_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	trace_vha_notify(vq, true);
	vq->stats.notifications++;
	if (vq->call_ctx)
		eventfd_signal(vq->call_ctx, 1);
}
EXPORT_SYMBOL_GPL(vha_vq_signal);

/* Report a ring error on the error eventfd (never the kernel log). */
void vha_vq_error(struct vha_vq *vq)
{
	enum vha_ring_error why = vha_ring_error(&vq->ring);

	lockdep_assert_held(&vq->mutex);
	trace_vha_ring_error(vq);
	vq->stats.errors++;
	if (why != VHA_ERR_NONE && (unsigned int)why < VHA_ERR_COUNT)
		vq->stats.err_ring[why]++;
	vq->stats.broken = true;
	if (vq->error_ctx)
		eventfd_signal(vq->error_ctx, 1);
}
EXPORT_SYMBOL_GPL(vha_vq_error);

/*
 * Per-kick work limit: true, with the handler requeued, once @pkts buffers
 * or @bytes bytes were processed, so that one busy queue cannot starve the
 * others on its worker.
 */
bool vha_vq_exceeds_weight(struct vha_vq *vq, unsigned int pkts,
			   size_t bytes)
{
	const struct vha_dev_config *cfg = &vq->dev->cfg;

	if ((cfg->weight_bytes && bytes >= cfg->weight_bytes) ||
	    (cfg->weight_pkts && pkts >= cfg->weight_pkts)) {
		vha_poll_queue(&vq->poll);
		return true;
	}
	return false;
}
EXPORT_SYMBOL_GPL(vha_vq_exceeds_weight);

static long set_num(struct vha_vq *vq, void __user *argp)
{
	struct vhost_vring_state s;

	if (vq->backend)
		return -EBUSY;
	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (!s.num || s.num > VHA_VQ_MAX_NUM || !is_power_of_2(s.num))
		return -EINVAL;
	vha_vq_sync_base(vq);
	vq->ring_started = false;
	vq->num = s.num;
	return 0;
}

static bool addr_fits(u64 a)
{
	return (u64)(unsigned long)a == a;
}

/*
 * VHOST_SET_VRING_ADDR. A running ring moves to the new addresses at its
 * position (QEMU sends this with VHOST_VRING_F_LOG to every running queue
 * when a migration starts); nothing is read or written here, so nothing can
 * miss in the IOTLB. The handler runs once to write its notification state
 * at the new place and to pick up what the driver posted meanwhile; a miss
 * there is retried like any other.
 */
static long set_addr(struct vha_vq *vq, void __user *argp)
{
	struct vhost_vring_addr a;
	bool running;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~BIT(VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	if (!addr_fits(a.desc_user_addr) || !addr_fits(a.avail_user_addr) ||
	    !addr_fits(a.used_user_addr))
		return -EFAULT;
	if ((a.avail_user_addr & (VHA_AVAIL_ALIGN - 1)) ||
	    (a.used_user_addr & (VHA_USED_ALIGN - 1)) ||
	    (a.log_guest_addr & (VHA_USED_ALIGN - 1)))
		return -EINVAL;
	/* A running ring must stay accessible (checked at start otherwise). */
	if (vq->backend &&
	    vha_vq_addr_ok(vq, a.desc_user_addr, a.avail_user_addr,
			   a.used_user_addr))
		return -EINVAL;
	running = vq->backend && vq->ring_started;
	if (running && vha_ring_set_addr(&vq->ring, a.desc_user_addr,
					 a.avail_user_addr,
					 a.used_user_addr) == -EINVAL)
		return -EINVAL;
	vq->log_used = a.flags & BIT(VHOST_VRING_F_LOG);
	vq->desc_addr = a.desc_user_addr;
	vq->avail_addr = a.avail_user_addr;
	vq->used_addr = a.used_user_addr;
	vq->log_addr = a.log_guest_addr;
	if (running)
		vha_poll_queue(&vq->poll);
	return 0;
}

static long set_base(struct vha_vq *vq, void __user *argp)
{
	struct vhost_vring_state s;

	/* Moving the base under a running ring is refused (upstream). */
	if (vq->backend)
		return -EBUSY;
	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	vq->ring_started = false;
	if (vha_vq_has_feature(vq, VIRTIO_F_RING_PACKED)) {
		vq->last_avail_idx = s.num & 0xffff;
		vq->last_used_idx = s.num >> 16;
	} else {
		if (s.num > 0xffff)
			return -EINVAL;
		vq->last_avail_idx = s.num;
	}
	return 0;
}

static long get_base(struct vha_vq *vq, void __user *argp)
{
	struct vhost_vring_state s = { .index = vq->index };

	vha_vq_sync_base(vq);
	if (vha_vq_has_feature(vq, VIRTIO_F_RING_PACKED))
		s.num = vq->last_avail_idx | (u32)vq->last_used_idx << 16;
	else
		s.num = vq->last_avail_idx;
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

/* Replace *slot with the eventfd @fd names (-1: none). */
static long set_eventfd(struct eventfd_ctx **slot, void __user *argp)
{
	struct eventfd_ctx *ctx = NULL;
	struct vhost_vring_file f;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(f.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	swap(ctx, *slot);
	if (ctx)
		eventfd_ctx_put(ctx);
	return 0;
}

/*
 * SET_VRING_KICK. Sets *flush when the old kick stopped being watched, so
 * that the caller flushes after dropping the vq mutex. A kick that cannot
 * be watched is not kept (-EINVAL).
 */
static long set_kick(struct vha_vq *vq, void __user *argp, bool *flush)
{
	struct vhost_vring_file f;
	struct file *file = NULL;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.fd != VHOST_FILE_UNBIND) {
		file = eventfd_fget(f.fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	if (file == vq->kick) {
		if (file)
			fput(file);
		return 0;
	}
	if (vq->kick) {
		vha_poll_stop(&vq->poll);
		fput(vq->kick);
		*flush = true;
	}
	vq->kick = file;
	if (file && vq->handle_kick && vha_poll_start(&vq->poll, file)) {
		vq->kick = NULL;
		fput(file);
		return -EINVAL;
	}
	return 0;
}

static long busyloop(struct vha_vq *vq, unsigned int ioctl, void __user *argp)
{
	struct vhost_vring_state s;

	if (ioctl == VHOST_SET_VRING_BUSYLOOP_TIMEOUT) {
		if (copy_from_user(&s, argp, sizeof(s)))
			return -EFAULT;
		vq->busyloop_timeout = s.num;
		return 0;
	}
	s.index = vq->index;
	s.num = vq->busyloop_timeout;
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

/* Hold vq->mutex. Sets *flush when the device must be flushed after. */
static long vring_locked(struct vha_vq *vq, unsigned int ioctl,
			 void __user *argp, bool *flush)
{
	lockdep_assert_held(&vq->mutex);
	switch (ioctl) {
	case VHOST_SET_VRING_NUM:
		return set_num(vq, argp);
	case VHOST_SET_VRING_ADDR:
		return set_addr(vq, argp);
	case VHOST_SET_VRING_BASE:
		return set_base(vq, argp);
	case VHOST_GET_VRING_BASE:
		return get_base(vq, argp);
	case VHOST_SET_VRING_KICK:
		return set_kick(vq, argp, flush);
	case VHOST_SET_VRING_CALL:
		return set_eventfd(&vq->call_ctx, argp);
	case VHOST_SET_VRING_ERR:
		return set_eventfd(&vq->error_ctx, argp);
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		return busyloop(vq, ioctl, argp);
	}
	/*
	 * VHOST_SET/GET_VRING_ENDIAN: like a kernel built without
	 * CONFIG_VHOST_CROSS_ENDIAN_LEGACY (Debian's), the command is unknown.
	 */
	return -ENOIOCTLCMD;
}

static bool is_vring_ioctl(unsigned int ioctl)
{
	switch (ioctl) {
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_ADDR:
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE:
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
	case VHOST_SET_VRING_ENDIAN:
	case VHOST_GET_VRING_ENDIAN:
		return true;
	}
	return false;
}

/*
 * Every per-vq ioctl. Hold dev->mutex; the caller is the owner. The first
 * field of every argument is the vq index (-ENOBUFS if out of range).
 */
long vha_vring_ioctl(struct vha_dev *dev, unsigned int ioctl,
		     void __user *argp)
{
	bool flush = false;
	struct vha_vq *vq;
	u32 idx;
	long ret;

	lockdep_assert_held(&dev->mutex);
	if (!is_vring_ioctl(ioctl))
		return -ENOIOCTLCMD;
	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= dev->nvqs)
		return -ENOBUFS;
	vq = dev->vqs[array_index_nospec(idx, dev->nvqs)];
	mutex_lock(&vq->mutex);
	ret = vring_locked(vq, ioctl, argp, &flush);
	mutex_unlock(&vq->mutex);
	/* The old kick's handler may still be running: wait for it. */
	if (flush)
		vha_dev_flush(dev);
	return ret;
}
