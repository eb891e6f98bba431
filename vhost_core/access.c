// SPDX-License-Identifier: GPL-2.0
/*
 * The core's side of vringh: which memory a ring uses (the memory table, or
 * the IOTLB through accessors), starting a ring from the vq configuration,
 * and the fetch/return helpers device handlers call. Everything here runs
 * with vq->mutex held.
 */
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "dev.h"
#include "iotlb.h"
#include "log.h"
#include "memtable.h"
#include "trace.h"

/*
 * Translate [iova, iova + len) through the IOTLB. A miss is reported to
 * userspace and returns -EAGAIN, which vringh treats as "retry later", not
 * as a broken ring. @perm 0 accepts any mapping: ring metadata is read
 * through whatever maps it (upstream reads the used index through a
 * write-only mapping of the used ring, as QEMU sets it up).
 */
static int iotlb_xlate(struct vha_vq *vq, u64 iova, u64 len, u8 perm,
		       struct iovec *iov, unsigned int max)
{
	const struct vha_iotlb_map *map;
	unsigned int n = 0;
	u64 seg;

	while (len) {
		if (!vha_iotlb_lookup(vq->dev->iotlb, iova, &map)) {
			vha_iotlb_miss(vq, iova, perm ?: VHOST_ACCESS_RO);
			return -EAGAIN;
		}
		if ((map->perm & perm) != perm)
			return -EFAULT;
		if (n == max)
			return -ENOBUFS;
		seg = min(len - 1, map->last - iova) + 1;
		iov[n].iov_base = u64_to_user_ptr(map->uaddr +
						  (iova - map->start));
		iov[n].iov_len = seg;
		n++;
		iova += seg;
		len -= seg;
	}
	return n;
}

enum { VHA_RING_SEGS = 4 };	/* mappings one ring field may span */

static int iotlb_read(void *priv, void *dst, u64 addr, u32 len)
{
	struct iovec iov[VHA_RING_SEGS];
	int n;

	n = iotlb_xlate(priv, addr, len, 0, iov, VHA_RING_SEGS);
	if (n < 0)
		return n == -EAGAIN ? n : -EFAULT;
	return vha_iov_copy_from(dst, iov, n, 0, len) ? -EFAULT : 0;
}

static int iotlb_write(void *priv, u64 addr, const void *src, u32 len)
{
	struct iovec iov[VHA_RING_SEGS];
	int n;

	n = iotlb_xlate(priv, addr, len, VHOST_ACCESS_WO, iov, VHA_RING_SEGS);
	if (n < 0)
		return n == -EAGAIN ? n : -EFAULT;
	return vha_iov_copy_to(iov, n, 0, src, len) ? -EFAULT : 0;
}

static int iotlb_buf_xlate(void *priv, u64 addr, u32 len, bool write,
			   struct iovec *iov, unsigned int max)
{
	return iotlb_xlate(priv, addr, len,
			   write ? VHOST_ACCESS_WO : VHOST_ACCESS_RO, iov, max);
}

static const struct vha_mem_ops iotlb_ops = {
	.read = iotlb_read,
	.write = iotlb_write,
	.xlate = iotlb_buf_xlate,
};

static void current_mem(struct vha_vq *vq, struct vha_mem *mem)
{
	memset(mem, 0, sizeof(*mem));
	if (vq->dev->iotlb) {
		mem->kind = VHA_MEM_OPS;
		mem->ops = &iotlb_ops;
		mem->priv = vq;
	} else {
		mem->kind = VHA_MEM_TABLE;
		mem->table = &vq->dev->umem->table;
	}
}

/*
 * The memory table or the IOTLB changed: point the ring at it. Hold
 * dev->mutex and every vq mutex.
 */
void vha_vq_update_mem(struct vha_vq *vq)
{
	struct vha_mem mem;

	lockdep_assert_held(&vq->mutex);
	current_mem(vq, &mem);
	vha_ring_set_mem(&vq->ring, &mem);
}

static bool packed(const struct vha_vq *vq)
{
	return vha_vq_has_feature(vq, VIRTIO_F_RING_PACKED);
}

/* Bytes of each ring area for a ring of vq->num entries. */
static void ring_sizes(const struct vha_vq *vq, u64 *desc, u64 *avail,
		       u64 *used)
{
	u64 event = vha_vq_has_feature(vq, VIRTIO_RING_F_EVENT_IDX) ? 2 : 0;

	*desc = (u64)vq->num * VHA_DESC_SIZE;
	if (packed(vq)) {
		*avail = sizeof(struct vha_event);
		*used = sizeof(struct vha_event);
		return;
	}
	*avail = 4 + 2 * (u64)vq->num + event;
	*used = 4 + sizeof(struct vha_used_le) * (u64)vq->num + event;
}

/*
 * Are the three ring areas at these addresses user memory? 0 or -EFAULT.
 * With an IOTLB they are IOVAs, checked on access instead (upstream).
 */
int vha_vq_addr_ok(struct vha_vq *vq, u64 desc, u64 avail, u64 used)
{
	u64 dsz, asz, usz;

	if (vq->dev->iotlb)
		return 0;
	ring_sizes(vq, &dsz, &asz, &usz);
	if (!access_ok(u64_to_user_ptr(desc), dsz) ||
	    !access_ok(u64_to_user_ptr(avail), asz) ||
	    !access_ok(u64_to_user_ptr(used), usz))
		return -EFAULT;
	return 0;
}

/* For devices before they start a ring: 0 or -EFAULT, as upstream. */
int vha_vq_access_ok(struct vha_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	if (vha_vq_logging(vq) &&
	    !vha_log_access_ok(vq->dev, vq->dev->log_base, vq->dev->umem))
		return -EFAULT;
	return vha_vq_addr_ok(vq, vq->desc_addr, vq->avail_addr,
			      vq->used_addr);
}
EXPORT_SYMBOL_GPL(vha_vq_access_ok);

static u32 ring_features(const struct vha_vq *vq)
{
	u32 f = 0;

	if (packed(vq))
		f |= VHA_RING_F_PACKED;
	if (vha_vq_has_feature(vq, VIRTIO_RING_F_EVENT_IDX))
		f |= VHA_RING_F_EVENT_IDX;
	if (vha_vq_has_feature(vq, VIRTIO_RING_F_INDIRECT_DESC))
		f |= VHA_RING_F_INDIRECT;
	if (vha_vq_has_feature(vq, VIRTIO_F_IN_ORDER))
		f |= VHA_RING_F_IN_ORDER;
	return f;
}

static u32 base_value(const struct vha_vq *vq)
{
	if (packed(vq))
		return vq->last_avail_idx | (u32)vq->last_used_idx << 16;
	return vq->last_avail_idx;
}

/*
 * Start the ring from the vq configuration, when a device attaches a backend
 * (upstream's vhost_vq_init_access). 0, -EINVAL (bad configuration or base)
 * or -EFAULT (ring not accessible). No-op without a backend.
 */
int vha_vq_init_access(struct vha_vq *vq)
{
	struct vha_ring_config cfg = {
		.desc = vq->desc_addr,
		.avail = vq->avail_addr,
		.used = vq->used_addr,
		.num = vq->num,
		.features = ring_features(vq),
	};
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (!vq->backend)
		return 0;
	vq->ring_started = false;
	current_mem(vq, &cfg.mem);
	ret = vha_ring_init(&vq->ring, &cfg);
	if (!ret)
		ret = vha_ring_set_base(&vq->ring, base_value(vq));
	if (ret)
		return -EINVAL;
	ret = vha_ring_start(&vq->ring);
	if (ret)
		return -EFAULT;
	/*
	 * Write the used flags / event as the driver expects them. This
	 * also peeks at the avail index: with an IOTLB that may miss, which
	 * is fine (the miss is queued; the next kick retries).
	 */
	ret = vha_ring_enable_notify(&vq->ring);
	if (ret < 0 && ret != -EAGAIN)
		return -EFAULT;
	vq->ring_started = true;
	vq->stats.broken = false;
	return 0;
}
EXPORT_SYMBOL_GPL(vha_vq_init_access);

/* Copy a started ring's position back for GET_VRING_BASE. */
void vha_vq_sync_base(struct vha_vq *vq)
{
	u32 base;

	lockdep_assert_held(&vq->mutex);
	if (!vq->ring_started)
		return;
	base = vha_ring_get_base(&vq->ring);
	vq->last_avail_idx = base & 0xffff;
	if (packed(vq))
		vq->last_used_idx = base >> 16;
}
EXPORT_SYMBOL_GPL(vha_vq_sync_base);

/*
 * With an IOTLB, make sure the ring areas are mapped before touching them,
 * so that only buffer translation can miss. 1 ready, -EAGAIN after a miss
 * was reported (the queue is kicked again when it is mapped), -EFAULT.
 */
int vha_vq_prefetch(struct vha_vq *vq)
{
	struct iovec iov[VHA_RING_SEGS];
	u64 addr[3] = { vq->desc_addr, vq->avail_addr, vq->used_addr };
	u8 perm[3] = { VHOST_ACCESS_RO, VHOST_ACCESS_RO, VHOST_ACCESS_WO };
	u64 size[3];
	int i, n;

	lockdep_assert_held(&vq->mutex);
	if (!vq->dev->iotlb)
		return 1;
	if (packed(vq))
		perm[0] = VHOST_ACCESS_RW;
	ring_sizes(vq, &size[0], &size[1], &size[2]);
	for (i = 0; i < 3; i++) {
		n = iotlb_xlate(vq, addr[i], size[i], perm[i], iov,
				VHA_RING_SEGS);
		if (n == -ENOBUFS)
			continue;	/* mapped, in many pieces: fine */
		if (n < 0)
			return n == -EAGAIN ? n : -EFAULT;
	}
	return 1;
}
EXPORT_SYMBOL_GPL(vha_vq_prefetch);

/* Prepare @chain to receive into the vq's scratch arrays. */
void vha_vq_chain_init(struct vha_vq *vq, struct vha_chain *chain)
{
	memset(chain, 0, sizeof(*chain));
	chain->iov = vq->iov;
	chain->iov_max = vq->dev->cfg.iov_limit;
	chain->log = vha_vq_logging(vq) ? vq->log : NULL;
	chain->log_max = vq->dev->cfg.iov_limit;
}
EXPORT_SYMBOL_GPL(vha_vq_chain_init);

/*
 * Fetch the next chain: 1 got one, 0 ring empty, -EAGAIN an IOTLB miss was
 * reported (retried on update), other -errno: the driver broke the ring
 * (reported on the error eventfd; the ring stays broken until restarted).
 */
int vha_vq_get_chain(struct vha_vq *vq, struct vha_chain *chain)
{
	int ret;

	lockdep_assert_held(&vq->mutex);
	ret = vha_ring_get(&vq->ring, chain);
	if (ret > 0) {
		trace_vha_chain(vq, chain);
		vq->stats.chains++;
		if (vq->stats.polling)
			vq->stats.busypoll_hits++;
		vq->stats.polling = false;
		return ret;
	}
	/* An IOTLB miss is not the driver's fault: retried after an update. */
	if (!ret || ret == -EAGAIN)
		return ret;
	pr_debug("vq %u: %s\n", vq->index,
		 vha_ring_error_name(vha_ring_error(&vq->ring)));
	vha_vq_error(vq);
	return ret;
}
EXPORT_SYMBOL_GPL(vha_vq_get_chain);

/*
 * Return @n used entries, log the used area, and signal the driver if it
 * wants to be told. 0 or -errno (ring broken, reported).
 */
int vha_vq_push(struct vha_vq *vq, const struct vha_used *used,
		unsigned int n)
{
	int ret;

	lockdep_assert_held(&vq->mutex);
	ret = vha_ring_push(&vq->ring, used, n);
	if (ret < 0)
		goto err;
	trace_vha_used_push(vq, n);
	if (n)
		vha_vq_stats_batch(&vq->stats, n);
	vha_vq_log_used(vq);
	ret = vha_ring_need_notify(&vq->ring);
	if (ret < 0)
		goto err;
	if (ret) {
		vha_vq_signal(vq);
	} else {
		trace_vha_notify(vq, false);
		vq->stats.notifications_suppressed++;
	}
	return 0;
err:
	vha_vq_error(vq);
	return ret;
}
EXPORT_SYMBOL_GPL(vha_vq_push);

/* 1: buffers arrived meanwhile (disable again and go on), 0, or -errno. */
int vha_vq_enable_notify(struct vha_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	return vha_ring_enable_notify(&vq->ring);
}
EXPORT_SYMBOL_GPL(vha_vq_enable_notify);

/* The same for buffers after @pos (see vha_ring_enable_notify_at()). */
int vha_vq_enable_notify_at(struct vha_vq *vq, const struct vha_ring_pos *pos)
{
	lockdep_assert_held(&vq->mutex);
	return vha_ring_enable_notify_at(&vq->ring, pos);
}
EXPORT_SYMBOL_GPL(vha_vq_enable_notify_at);

void vha_vq_disable_notify(struct vha_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	vha_ring_disable_notify(&vq->ring);
}
EXPORT_SYMBOL_GPL(vha_vq_disable_notify);

/* Does the vq's worker have other work waiting? */
static bool worker_busy(struct vha_vq *vq)
{
	struct vha_worker *worker;
	bool busy;

	rcu_read_lock();
	worker = rcu_dereference(vq->worker);
	busy = worker && !llist_empty(&worker->work_list);
	rcu_read_unlock();
	return busy;
}

/*
 * Busy-polling (VHOST_SET_VRING_BUSYLOOP_TIMEOUT): called when the ring is
 * empty; true means "look again" until the timeout passes, the CPU is
 * wanted elsewhere or other work waits. *until is the handler's deadline,
 * 0 at its start.
 */
bool vha_vq_busy_poll(struct vha_vq *vq, u64 *until)
{
	u64 now;

	lockdep_assert_held(&vq->mutex);
	if (!vq->busyloop_timeout)
		return false;
	now = ktime_get_ns();
	if (!*until)
		*until = now + (u64)vq->busyloop_timeout * NSEC_PER_USEC;
	if (now >= *until || need_resched() || signal_pending(current) ||
	    worker_busy(vq)) {
		vq->stats.polling = false;
		return false;
	}
	vq->stats.busypoll_spins++;
	vq->stats.polling = true;
	cpu_relax();
	return true;
}
EXPORT_SYMBOL_GPL(vha_vq_busy_poll);
