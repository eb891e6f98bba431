// SPDX-License-Identifier: GPL-2.0
/*
 * The IOTLB message protocol on the device fd, as upstream: the device
 * reports misses by read() (struct vhost_msg, or struct vhost_msg_v2 once
 * VHOST_BACKEND_F_IOTLB_MSG_V2 is acked), userspace answers with UPDATE and
 * INVALIDATE messages by write(), optionally grouped by BATCH_BEGIN/END when
 * VHOST_BACKEND_F_IOTLB_BATCH is acked. A write of a bad message returns
 * -EINVAL (unparsable) or -EFAULT (rejected), as upstream.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vhost.h>

#include "dev.h"
#include "iotlb.h"

/* Misses queued per device at most; more are dropped until some are read. */
enum { VHA_IOTLB_MAX_MSGS = 256 };

struct msg_node {
	struct list_head link;
	struct vha_vq *vq;		/* the queue waiting for the answer */
	struct vhost_iotlb_msg msg;
};

static bool backend_has(struct vha_dev *dev, unsigned int bit)
{
	return dev->nvqs &&
	       (dev->vqs[0]->acked_backend_features & BIT_ULL(bit));
}

/*
 * Report a miss on @iova to userspace. Hold vq->mutex. Returns -EAGAIN for
 * the caller to stop; the queue is kicked again when an update covers @iova.
 */
int vha_iotlb_miss(struct vha_vq *vq, u64 iova, u8 perm)
{
	struct vha_dev *dev = vq->dev;
	struct msg_node *node;

	lockdep_assert_held(&vq->mutex);
	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node)
		return -ENOMEM;
	node->vq = vq;
	node->msg.iova = iova;
	node->msg.perm = perm;
	node->msg.type = VHOST_IOTLB_MISS;
	spin_lock(&dev->msg_lock);
	if (dev->nmsgs < VHA_IOTLB_MAX_MSGS) {
		list_add_tail(&node->link, &dev->read_list);
		dev->nmsgs++;
		node = NULL;
	}
	spin_unlock(&dev->msg_lock);
	kfree(node);
	wake_up_interruptible_poll(&dev->msg_wait, EPOLLIN | EPOLLRDNORM);
	return -EAGAIN;
}

/* Free every queued message (release, reset). */
void vha_iotlb_msgs_free(struct vha_dev *dev)
{
	struct msg_node *node, *next;
	LIST_HEAD(all);

	spin_lock(&dev->msg_lock);
	list_splice_init(&dev->read_list, &all);
	list_splice_init(&dev->pending_list, &all);
	dev->nmsgs = 0;
	spin_unlock(&dev->msg_lock);
	list_for_each_entry_safe(node, next, &all, link)
		kfree(node);
}

/*
 * Kick the queues whose pending miss is now mapped. Outside a batch this
 * runs after every update; inside one, at BATCH_END.
 */
static void notify_pending(struct vha_dev *dev)
{
	const struct vha_iotlb_map *map;
	struct msg_node *node, *next;

	spin_lock(&dev->msg_lock);
	list_for_each_entry_safe(node, next, &dev->pending_list, link) {
		if (!dev->iotlb ||
		    !vha_iotlb_lookup(dev->iotlb, node->msg.iova, &map))
			continue;
		vha_poll_queue(&node->vq->poll);
		list_del(&node->link);
		dev->nmsgs--;
		kfree(node);
	}
	spin_unlock(&dev->msg_lock);
}

static bool perm_ok(const struct vhost_iotlb_msg *m)
{
	if (!m->perm || (m->perm & ~VHOST_ACCESS_RW))
		return false;
	return (u64)(unsigned long)m->uaddr == m->uaddr &&
	       m->uaddr + m->size >= m->uaddr &&
	       access_ok((void __user *)(unsigned long)m->uaddr, m->size);
}

static int update(struct vha_dev *dev, const struct vhost_iotlb_msg *m)
{
	int ret;

	if (!dev->iotlb || !perm_ok(m))
		return -EFAULT;
	ret = vha_iotlb_add(dev->iotlb, m->iova, m->iova + m->size - 1,
			    m->uaddr, m->perm);
	if (ret)
		return ret;
	if (!dev->iotlb_batch)
		notify_pending(dev);
	return 0;
}

/* Apply one message. Hold dev->mutex and every vq mutex. */
static int apply_msg(struct vha_dev *dev, const struct vhost_iotlb_msg *m)
{
	switch (m->type) {
	case VHOST_IOTLB_UPDATE:
		return update(dev, m);
	case VHOST_IOTLB_INVALIDATE:
		if (!dev->iotlb)
			return -EFAULT;
		vha_iotlb_del(dev->iotlb, m->iova, m->iova + m->size - 1);
		return 0;
	case VHOST_IOTLB_BATCH_BEGIN:
	case VHOST_IOTLB_BATCH_END:
		if (!backend_has(dev, VHOST_BACKEND_F_IOTLB_BATCH))
			return -EINVAL;
		dev->iotlb_batch = m->type == VHOST_IOTLB_BATCH_BEGIN;
		if (!dev->iotlb_batch)
			notify_pending(dev);
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

static struct msg_node *dequeue(struct vha_dev *dev)
{
	struct msg_node *node;

	spin_lock(&dev->msg_lock);
	node = list_first_entry_or_null(&dev->read_list, struct msg_node,
					link);
	if (node)
		list_del(&node->link);
	spin_unlock(&dev->msg_lock);
	return node;
}

/* Wait for a message: 1 and *out, or -EAGAIN / -ERESTARTSYS / -EBADFD. */
static int wait_msg(struct vha_dev *dev, bool nonblock,
		    struct msg_node **out)
{
	DEFINE_WAIT(wait);
	int ret = 1;

	for (;;) {
		prepare_to_wait(&dev->msg_wait, &wait, TASK_INTERRUPTIBLE);
		*out = dequeue(dev);
		if (*out)
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
		ret = 1;
		schedule();
	}
	finish_wait(&dev->msg_wait, &wait);
	return ret;
}

/* read() on the device fd: one miss message per call. */
ssize_t vha_dev_read_iter(struct vha_dev *dev, struct iov_iter *to,
			  bool nonblock)
{
	struct vhost_msg_v2 v2 = {};
	struct vhost_msg v1 = {};
	struct msg_node *node;
	size_t size;
	void *start;
	int ret;

	ret = wait_msg(dev, nonblock, &node);
	if (ret < 0)
		return ret;
	if (backend_has(dev, VHOST_BACKEND_F_IOTLB_MSG_V2)) {
		v2.type = VHOST_IOTLB_MSG_V2;
		v2.iotlb = node->msg;
		start = &v2;
		size = sizeof(v2);
	} else {
		v1.type = VHOST_IOTLB_MSG;
		v1.iotlb = node->msg;
		start = &v1;
		size = sizeof(v1);
	}
	if (iov_iter_count(to) < size ||
	    copy_to_iter(start, size, to) != size) {
		spin_lock(&dev->msg_lock);
		dev->nmsgs--;
		spin_unlock(&dev->msg_lock);
		kfree(node);
		return -EINVAL;
	}
	spin_lock(&dev->msg_lock);
	list_add_tail(&node->link, &dev->pending_list);
	spin_unlock(&dev->msg_lock);
	return size;
}
EXPORT_SYMBOL_GPL(vha_dev_read_iter);

/* poll() on the device fd: readable when a miss waits, always writable. */
__poll_t vha_dev_poll(struct vha_dev *dev, struct file *file,
		      poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &dev->msg_wait, wait);
	spin_lock(&dev->msg_lock);
	if (!list_empty(&dev->read_list))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&dev->msg_lock);
	return mask;
}
EXPORT_SYMBOL_GPL(vha_dev_poll);
