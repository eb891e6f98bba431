// SPDX-License-Identifier: GPL-2.0
/*
 * The character device /dev/vhost-blk: open makes a device of
 * VHA_BLK_NVQS request queues, release drains and tears it down. The blk
 * ioctls are VHOST_BLK_SET_BACKEND and VHOST_BLK_SET_SERIAL; this file
 * also takes VHOST_RESET_OWNER (the backend must be drained first).
 * Everything else goes to the core.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "blk.h"
#include "vhost_core/trace.h"

#define VHA_BLK_FEATURES (BIT_ULL(VIRTIO_F_VERSION_1) |			\
			  BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) |	\
			  BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |		\
			  BIT_ULL(VIRTIO_F_RING_PACKED) |		\
			  BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |		\
			  BIT_ULL(VHOST_F_LOG_ALL) |			\
			  BIT_ULL(VIRTIO_BLK_F_SIZE_MAX) |		\
			  BIT_ULL(VIRTIO_BLK_F_SEG_MAX) |		\
			  BIT_ULL(VIRTIO_BLK_F_GEOMETRY) |		\
			  BIT_ULL(VIRTIO_BLK_F_RO) |			\
			  BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) |		\
			  BIT_ULL(VIRTIO_BLK_F_TOPOLOGY) |		\
			  BIT_ULL(VIRTIO_BLK_F_MQ) |			\
			  BIT_ULL(VIRTIO_BLK_F_FLUSH) |			\
			  BIT_ULL(VIRTIO_BLK_F_DISCARD) |		\
			  BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES))

#define VHA_BLK_BACKEND_FEATURES (BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2) | \
				  BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH))

/* Requests taken from @vq's ring and not yet returned, for its counters. */
static unsigned int blk_inflight(struct vha_vq *vq)
{
	return atomic_read(&to_blk_vq(vq)->inflight);
}

static int blk_open(struct inode *inode, struct file *f)
{
	struct vha_dev_config cfg = {
		.name = "blk",
		.inflight = blk_inflight,
		.iov_limit = UIO_MAXIOV,
		.weight_pkts = VHA_BLK_WEIGHT_REQS,
		.weight_bytes = VHA_BLK_WEIGHT_BYTES,
		.features = VHA_BLK_FEATURES,
		.backend_features = VHA_BLK_BACKEND_FEATURES,
	};
	struct vha_blk_vq *bvq;
	struct vha_blk *b;
	unsigned int i;
	int ret;

	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	for (i = 0; i < VHA_BLK_NVQS; i++) {
		bvq = &b->vqs[i];
		bvq->vq.handle_kick = vha_blk_handle_kick;
		vha_work_init(&bvq->done_work, vha_blk_handle_done);
		init_llist_head(&bvq->done);
		init_waitqueue_head(&bvq->idle);
		atomic_set(&bvq->inflight, 0);
		b->vq_ptrs[i] = &bvq->vq;
	}
	ret = vha_dev_init(&b->dev, b->vq_ptrs, VHA_BLK_NVQS, &cfg);
	if (ret) {
		kfree(b);
		return ret;
	}
	f->private_data = b;
	vha_blk_stat_add(VHA_BLK_STAT_OPENS, 1);
	pr_debug("blk %p created\n", b);
	return 0;
}

/*
 * The last reference is gone (the owner closed it or died): every request
 * in flight completes into the owner's memory, still held by the device,
 * before the device lets go of it.
 */
static int blk_release(struct inode *inode, struct file *f)
{
	struct vha_blk *b = f->private_data;

	mutex_lock(&b->dev.mutex);
	vha_blk_detach(b);
	mutex_unlock(&b->dev.mutex);
	vha_dev_stop(&b->dev);
	mutex_lock(&b->dev.mutex);
	vha_dev_flush(&b->dev);
	mutex_unlock(&b->dev.mutex);
	vha_dev_cleanup(&b->dev);
	pr_debug("blk %p destroyed\n", b);
	kfree(b);
	return 0;
}

static long set_backend(struct vha_blk *b, void __user *argp)
{
	struct vhost_vring_file bf;
	long ret;

	if (copy_from_user(&bf, argp, sizeof(bf)))
		return -EFAULT;
	mutex_lock(&b->dev.mutex);
	ret = vha_dev_check_owner(&b->dev);
	if (!ret)
		ret = vha_blk_set_backend(b, bf.fd);
	trace_vha_backend(&b->dev, -1, bf.fd != VHOST_FILE_UNBIND, bf.fd, ret);
	mutex_unlock(&b->dev.mutex);
	return ret;
}

static long set_serial(struct vha_blk *b, void __user *argp)
{
	char serial[VIRTIO_BLK_ID_BYTES];
	long ret;

	if (copy_from_user(serial, argp, sizeof(serial)))
		return -EFAULT;
	mutex_lock(&b->dev.mutex);
	ret = vha_dev_check_owner(&b->dev);
	if (!ret) {
		vha_dev_lock_vqs(&b->dev);
		memcpy(b->serial, serial, sizeof(serial));
		vha_dev_unlock_vqs(&b->dev);
	}
	mutex_unlock(&b->dev.mutex);
	return ret;
}

static long reset_owner(struct vha_blk *b)
{
	long ret;

	mutex_lock(&b->dev.mutex);
	ret = vha_dev_check_owner(&b->dev);
	if (!ret) {
		vha_blk_detach(b);
		ret = vha_dev_reset_owner(&b->dev);
	}
	mutex_unlock(&b->dev.mutex);
	return ret;
}

static long blk_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
{
	struct vha_blk *b = f->private_data;
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case VHOST_BLK_SET_BACKEND:
		return set_backend(b, argp);
	case VHOST_BLK_SET_SERIAL:
		return set_serial(b, argp);
	case VHOST_RESET_OWNER:
		return reset_owner(b);
	}
	return vha_dev_ioctl(&b->dev, ioctl, argp);
}

static ssize_t blk_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct vha_blk *b = iocb->ki_filp->private_data;

	return vha_dev_read_iter(&b->dev, to,
				 iocb->ki_filp->f_flags & O_NONBLOCK);
}

static ssize_t blk_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vha_blk *b = iocb->ki_filp->private_data;

	return vha_dev_write_iter(&b->dev, from);
}

static __poll_t blk_poll(struct file *f, poll_table *wait)
{
	struct vha_blk *b = f->private_data;

	return vha_dev_poll(&b->dev, f, wait);
}

static const struct file_operations blk_fops = {
	.owner = THIS_MODULE,
	.open = blk_open,
	.release = blk_release,
	.unlocked_ioctl = blk_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read_iter = blk_read_iter,
	.write_iter = blk_write_iter,
	.poll = blk_poll,
	.llseek = noop_llseek,
};

static struct miscdevice blk_misc = {
	.minor = VHA_BLK_MINOR,
	.name = "vhost-blk",
	.fops = &blk_fops,
	.mode = 0600,
};

/*
 * A fixed minor lets /dev/vhost-blk exist before the module is loaded
 * (kmod static-nodes) and load it on open; if another driver of this
 * host took the minor, a dynamic one still gives the device.
 */
int vha_blk_misc_init(void)
{
	int ret = misc_register(&blk_misc);

	if (ret != -EBUSY)
		return ret;
	pr_warn("misc minor %d taken: /dev/vhost-blk gets a dynamic one (no autoload)\n",
		VHA_BLK_MINOR);
	blk_misc.minor = MISC_DYNAMIC_MINOR;
	return misc_register(&blk_misc);
}

void vha_blk_misc_uninit(void)
{
	misc_deregister(&blk_misc);
}
