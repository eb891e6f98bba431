// SPDX-License-Identifier: GPL-2.0
/*
 * The IOTLB message protocol on the device fd, as upstream: the device
 * reports misses by read() (struct vhost_msg, or struct vhost_msg_v2 once
 * VHOST_BACKEND_F_IOTLB_MSG_V2 is acked), userspace answers with UPDATE and
 * INVALIDATE messages by write(), optionally grouped by BATCH_BEGIN/END when
 * VHOST_BACKEND_F_IOTLB_BATCH is acked. A write of a bad message returns
 * -EINVAL (unparsable) or -EFAULT (rejected), as upstream.
 */
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vhost.h>

#include "dev.h"
#include "iotlb.h"

static bool backend_has(struct vha_dev *dev, unsigned int bit)
{
	return dev->nvqs &&
	       (dev->vqs[0]->acked_backend_features & BIT_ULL(bit));
}

/*
 * Misses are kept one per queue, not queued: a handler stops at the first
 * address that misses and finds the same one when it runs again, so only
 * the latest miss of a queue is worth an answer. Userspace that never
 * answers (a guest pointing at I/O addresses its vIOMMU does not map) thus
 * costs nothing and blocks nobody: the miss stays, read or not, until an
 * update maps it, the queue misses elsewhere, or the owner is reset; a
 * queue that misses again at an address already read re-sends it.
 */

/*
 * Report a miss on @iova to userspace. Hold vq->mutex. Returns -EAGAIN for
 * the caller to stop; the queue is kicked again when an update covers @iova.
 */
int vha_iotlb_miss(struct vha_vq *vq, u64 iova, u8 perm)
{
	struct vha_dev *dev = vq->dev;
	struct vha_vq_miss *m = &vq->miss;
	bool news = false;

	lockdep_assert_held(&vq->mutex);
	spin_lock(&dev->msg_lock);
	if (m->state != VHA_MISS_UNREAD || m->iova != iova ||
	    m->perm != perm) {
		m->iova = iova;
		m->perm = perm;
		m->state = VHA_MISS_UNREAD;
		m->seq = dev->msg_seq++;
		news = true;
	}
	spin_unlock(&dev->msg_lock);
	if (news)
		wake_up_interruptible_poll(&dev->msg_wait,
					   EPOLLIN | EPOLLRDNORM);
	return -EAGAIN;
}

/* Forget every miss (release, reset, IOTLB turned off). */
void vha_iotlb_misses_clear(struct vha_dev *dev)
{
	unsigned int i;

	spin_lock(&dev->msg_lock);
	for (i = 0; i < dev->nvqs; i++)
		dev->vqs[i]->miss.state = VHA_MISS_NONE;
	spin_unlock(&dev->msg_lock);
}

/*
 * Kick the queues whose miss is now mapped. Outside a batch this runs
 * after every update; inside one, at BATCH_END. Hold dev->mutex and every
 * vq mutex (the IOTLB is stable).
 */
static void notify_mapped(struct vha_dev *dev)
{
	const struct vha_iotlb_map *map;
	struct vha_vq_miss *m;
	unsigned int i;

	spin_lock(&dev->msg_lock);
	for (i = 0; i < dev->nvqs; i++) {
		m = &dev->vqs[i]->miss;
		if (m->state == VHA_MISS_NONE || !dev->iotlb ||
		    !vha_iotlb_lookup(dev->iotlb, m->iova, &map))
			continue;
		m->state = VHA_MISS_NONE;
		vha_poll_queue(&dev->vqs[i]->poll);
	}
	spin_unlock(&dev->msg_lock);
}

/*
 * An UPDATE maps [iova, iova + size) to owner memory [uaddr, uaddr + size):
 * neither range may wrap, and the second must be user memory.
 */
static bool update_ok(const struct vhost_iotlb_msg *m, u64 *last)
{
	u64 uend;

	if (!m->perm || (m->perm & ~VHOST_ACCESS_RW))
		return false;
	if (check_add_overflow(m->iova, m->size - 1, last) ||
	    check_add_overflow(m->uaddr, m->size - 1, &uend))
		return false;
	return (u64)(unsigned long)m->uaddr == m->uaddr &&
	       access_ok((void __user *)(unsigned long)m->uaddr, m->size);
}

static int update(struct vha_dev *dev, const struct vhost_iotlb_msg *m)
{
	u64 last;
	int ret;

	if (!dev->iotlb || !update_ok(m, &last))
		return -EFAULT;
	ret = vha_iotlb_add(dev->iotlb, m->iova, last, m->uaddr, m->perm);
	if (ret)
		return ret;
	if (!dev->iotlb_batch)
		notify_mapped(dev);
	return 0;
}

/* Apply one message. Hold dev->mutex and every vq mutex. */
static int apply_msg(struct vha_dev *dev, const struct vhost_iotlb_msg *m)
{
	u64 last;

	switch (m->type) {
	case VHOST_IOTLB_UPDATE:
		return update(dev, m);
	case VHOST_IOTLB_INVALIDATE:
		if (!dev->iotlb)
			return -EFAULT;
		/* A range past the end of the space ends there. */
		if (check_add_overflow(m->iova, m->size - 1, &last))
			last = U64_MAX;
		vha_iotlb_del(dev->iotlb, m->iova, last);
		return 0;
	case VHOST_IOTLB_BATCH_BEGIN:
	case VHOST_IOTLB_BATCH_END:
		if (!backend_has(dev, VHOST_BACKEND_F_IOTLB_BATCH))
			return -EINVAL;
		dev->iotlb_batch = m->type == VHOST_IOTLB_BATCH_BEGIN;
		if (!dev->iotlb_batch)
			notify_mapped(dev);
		return 0;
	}
	return -EINVAL;
}

static int process_msg(struct vha_dev *dev, const struct vhost_iotlb_msg *m)
{
	int ret;

	mutex_lock(&dev->mutex);
	vha_dev_lock_vqs(dev);
	ret = apply_msg(dev, m);
	vha_dev_unlock_vqs(dev);
	mutex_unlock(&dev->mutex);
	return ret;
}

/* Parse the header; returns the message size or -EINVAL. */
static ssize_t read_header(struct vha_dev *dev, struct iov_iter *from)
{
	u32 type, asid = 0;

	if (iov_iter_count(from) < offsetof(struct vhost_msg, iotlb))
		return -EINVAL;
	if (copy_from_iter(&type, sizeof(type), from) != sizeof(type))
		return -EINVAL;
	switch (type) {
	case VHOST_IOTLB_MSG:
		/* v1 has a hole between the int type and the union. */
		iov_iter_advance(from, offsetof(struct vhost_msg, iotlb) -
				 sizeof(type));
		return sizeof(struct vhost_msg);
	case VHOST_IOTLB_MSG_V2:
		if (copy_from_iter(&asid, sizeof(asid), from) != sizeof(asid))
			return -EINVAL;
		/* Address space ids other than 0 are not supported. */
		if (asid)
			return -EINVAL;
		return sizeof(struct vhost_msg_v2);
	}
	return -EINVAL;
}

/* write() on the device fd. */
ssize_t vha_dev_write_iter(struct vha_dev *dev, struct iov_iter *from)
{
	struct vhost_iotlb_msg m;
	ssize_t size;

	BUILD_BUG_ON(offsetof(struct vhost_msg_v2, iotlb) != 8);
	size = read_header(dev, from);
	if (size < 0)
		return size;
	if (copy_from_iter(&m, sizeof(m), from) != sizeof(m))
		return -EINVAL;
	if ((m.type == VHOST_IOTLB_UPDATE ||
	     m.type == VHOST_IOTLB_INVALIDATE) && !m.size)
		return -EINVAL;
	if (process_msg(dev, &m))
		return -EFAULT;
	return size;
}
EXPORT_SYMBOL_GPL(vha_dev_write_iter);

/*
 * Take the oldest miss not yet read, marking it read: 1 and *msg, or 0.
 * *idx and *seq say which, for put_back().
 */
static int take_miss(struct vha_dev *dev, struct vhost_iotlb_msg *msg,
		     unsigned int *idx, u64 *seq)
{
	struct vha_vq_miss *m, *first = NULL;
	unsigned int i;

	spin_lock(&dev->msg_lock);
	for (i = 0; i < dev->nvqs; i++) {
		m = &dev->vqs[i]->miss;
		if (m->state == VHA_MISS_UNREAD &&
		    (!first || m->seq < first->seq)) {
			first = m;
			*idx = i;
		}
	}
	if (first) {
		first->state = VHA_MISS_READ;
		*seq = first->seq;
		memset(msg, 0, sizeof(*msg));
		msg->iova = first->iova;
		msg->perm = first->perm;
		msg->type = VHOST_IOTLB_MISS;
	}
	spin_unlock(&dev->msg_lock);
	return !!first;
}

/* The copy to the reader failed: unread again, if nothing replaced it. */
static void put_back(struct vha_dev *dev, unsigned int idx, u64 seq)
{
	struct vha_vq_miss *m = &dev->vqs[idx]->miss;

	spin_lock(&dev->msg_lock);
	if (m->state == VHA_MISS_READ && m->seq == seq)
		m->state = VHA_MISS_UNREAD;
	spin_unlock(&dev->msg_lock);
}

/* Wait for a miss: 1 and *msg, or -EAGAIN / -ERESTARTSYS / -EBADFD. */
static int wait_miss(struct vha_dev *dev, bool nonblock,
		     struct vhost_iotlb_msg *msg, unsigned int *idx, u64 *seq)
{
	DEFINE_WAIT(wait);
	int ret;

	for (;;) {
		prepare_to_wait(&dev->msg_wait, &wait, TASK_INTERRUPTIBLE);
		ret = take_miss(dev, msg, idx, seq);
		if (ret)
			break;
		ret = -EAGAIN;
		if (nonblock)
			break;
		ret = -ERESTARTSYS;
		if (signal_pending(current))
			break;
		ret = -EBADFD;
		if (!READ_ONCE(dev->iotlb))
			break;
		schedule();
	}
	finish_wait(&dev->msg_wait, &wait);
	return ret;
}

/* read() on the device fd: one miss message per call. */
ssize_t vha_dev_read_iter(struct vha_dev *dev, struct iov_iter *to,
			  bool nonblock)
{
	struct vhost_msg_v2 v2 = { .type = VHOST_IOTLB_MSG_V2 };
	struct vhost_msg v1 = { .type = VHOST_IOTLB_MSG };
	bool is_v2 = backend_has(dev, VHOST_BACKEND_F_IOTLB_MSG_V2);
	size_t size = is_v2 ? sizeof(v2) : sizeof(v1);
	struct vhost_iotlb_msg *msg = is_v2 ? &v2.iotlb : &v1.iotlb;
	void *start = is_v2 ? (void *)&v2 : (void *)&v1;
	unsigned int idx;
	u64 seq;
	int ret;

	if (iov_iter_count(to) < size)
		return -EINVAL;
	ret = wait_miss(dev, nonblock, msg, &idx, &seq);
	if (ret < 0)
		return ret;
	if (copy_to_iter(start, size, to) != size) {
		put_back(dev, idx, seq);
		return -EFAULT;
	}
	return size;
}
EXPORT_SYMBOL_GPL(vha_dev_read_iter);

/* poll() on the device fd: readable when a miss is unread, always writable. */
__poll_t vha_dev_poll(struct vha_dev *dev, struct file *file,
		      poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;
	unsigned int i;

	poll_wait(file, &dev->msg_wait, wait);
	spin_lock(&dev->msg_lock);
	for (i = 0; i < dev->nvqs; i++)
		if (dev->vqs[i]->miss.state == VHA_MISS_UNREAD)
			mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&dev->msg_lock);
	return mask;
}
EXPORT_SYMBOL_GPL(vha_dev_poll);
