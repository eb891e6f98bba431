// SPDX-License-Identifier: GPL-2.0
/*
 * Used entries are collected per queue and published in batches: one
 * vha_vq_push() (one used-index update, one notification decision with
 * event index) for up to VHA_NET_USED_BATCH packets, or fewer when the
 * queue runs dry. Everything here runs under vq.mutex.
 */
#include <linux/virtio_config.h>

#include "net.h"

/* Publish the pending used entries. 0, or -errno with the ring broken. */
int vha_net_flush_used(struct vha_net_vq *nvq)
{
	unsigned int n = nvq->nused;

	lockdep_assert_held(&nvq->vq.mutex);
	if (!n)
		return 0;
	nvq->nused = 0;
	return vha_vq_push(&nvq->vq, nvq->used, n);
}

/*
 * Make room for the @n used entries of one packet, publishing what is
 * pending first if they would not fit: the buffers of a mergeable RX packet
 * must become visible together (the driver reads num_buffers of them at
 * once). 0, or -errno with the ring broken.
 */
int vha_net_used_room(struct vha_net_vq *nvq, unsigned int n)
{
	lockdep_assert_held(&nvq->vq.mutex);
	if (nvq->nused + n <= VHA_NET_USED_MAX)
		return 0;
	return vha_net_flush_used(nvq);
}

/*
 * After a whole packet: is a batch worth publishing? Publishing every
 * VHA_NET_USED_BATCH entries (upstream's batch, too) rather than when the
 * queue runs dry lets the driver take its buffers back, refill the ring and
 * go on while the worker is still busy, instead of both taking turns.
 */
bool vha_net_used_due(const struct vha_net_vq *nvq)
{
	return nvq->nused >= VHA_NET_USED_BATCH;
}

/* Queue one used entry, publishing the batch first if it is full. */
int vha_net_add_used(struct vha_net_vq *nvq, u16 id, u16 ndesc, u32 len)
{
	struct vha_used *u;
	int ret;

	lockdep_assert_held(&nvq->vq.mutex);
	if (nvq->nused == VHA_NET_USED_MAX) {
		ret = vha_net_flush_used(nvq);
		if (ret)
			return ret;
	}
	u = &nvq->used[nvq->nused++];
	u->id = id;
	u->ndesc = ndesc;
	u->len = len;
	return 0;
}

/*
 * The driver broke a rule the ring parser cannot see (a chain of the wrong
 * direction): report it on the error eventfd and stop the queue until it is
 * restarted (VHOST_NET_SET_BACKEND), as the VIRTIO spec lets a device do
 * with a driver it cannot trust (2.1.1 DEVICE_NEEDS_RESET).
 */
void vha_net_break(struct vha_net_vq *nvq)
{
	lockdep_assert_held(&nvq->vq.mutex);
	pr_debug("vq %u: chain of the wrong direction, queue stopped\n",
		 nvq->vq.index);
	nvq->broken = true;
	vha_vq_error(&nvq->vq);
}

/*
 * The driver's ring ran empty: with VIRTIO_F_NOTIFY_ON_EMPTY (legacy
 * drivers) it wants a used buffer notification even if it suppressed them.
 */
void vha_net_notify_empty(struct vha_net_vq *nvq)
{
	lockdep_assert_held(&nvq->vq.mutex);
	if (vha_vq_has_feature(&nvq->vq, VIRTIO_F_NOTIFY_ON_EMPTY))
		vha_vq_signal(&nvq->vq);
}
