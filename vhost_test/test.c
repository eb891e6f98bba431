// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhost-test: a device that consumes buffers, to exercise the vhost core
 * without a network or a disk. Same ioctls as Linux's drivers/vhost/test.c
 * (VHOST_TEST_RUN, VHOST_TEST_SET_BACKEND), so tools/virtio/virtio_test
 * drives it unchanged.
 *
 * Differences from Linux's test device, all invisible to virtio_test:
 *   - two queues; VHOST_TEST_RUN starts the queues that have a kick eventfd;
 *   - a chain with writable buffers is not an error: the readable bytes are
 *     copied into the writable ones (an echo) and the used length says how
 *     many, so a driver can check data integrity;
 *   - it offers VIRTIO_F_RING_PACKED and VIRTIO_F_ACCESS_PLATFORM (IOTLB).
 */
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <uapi/linux/vhost_accel.h>

#include "vhost_core/dev.h"
#include "vhost_core/log.h"
#include "vhost_core/trace.h"

enum {
	VHA_TEST_NVQS = 2,
	VHA_TEST_WEIGHT_BYTES = 0x80000,	/* per kick, as upstream */
	VHA_TEST_WEIGHT_PKTS = 256,		/* per kick, as upstream */
	VHA_TEST_BOUNCE = 256,			/* echo copy chunk, bytes */
};

#define VHA_TEST_FEATURES (BIT_ULL(VIRTIO_F_NOTIFY_ON_EMPTY) |		\
			   BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) |	\
			   BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |		\
			   BIT_ULL(VHOST_F_LOG_ALL) |			\
			   BIT_ULL(VIRTIO_F_ANY_LAYOUT) |		\
			   BIT_ULL(VIRTIO_F_VERSION_1) |		\
			   BIT_ULL(VIRTIO_F_RING_PACKED) |		\
			   BIT_ULL(VIRTIO_F_ACCESS_PLATFORM))

#define VHA_TEST_BACKEND_FEATURES (BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2) | \
				   BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH))

struct vha_test {
	struct vha_dev dev;
	struct vha_vq vqs[VHA_TEST_NVQS];
	struct vha_vq *vq_ptrs[VHA_TEST_NVQS];
};

/* Copy the chain's readable bytes into its writable part; bytes copied. */
static int echo(struct vha_chain *c, u32 *written)
{
	const struct iovec *in = c->iov + c->out_segs;
	u32 total = min(c->out_bytes, c->in_bytes), done = 0, n;
	u8 buf[VHA_TEST_BOUNCE];

	while (done < total) {
		n = min_t(u32, total - done, sizeof(buf));
		if (vha_iov_copy_from(buf, c->iov, c->out_segs, done, n) ||
		    vha_iov_copy_to(in, c->in_segs, done, buf, n))
			return -EFAULT;
		done += n;
	}
	*written = done;
	return 0;
}

/* Consume one chain. 0, or -errno to stop the queue. */
static int consume(struct vha_vq *vq, struct vha_chain *c)
{
	struct vha_used used = { .id = c->id, .ndesc = c->ndesc };
	int ret;

	if (!c->out_bytes && !c->in_bytes) {
		vha_vq_error(vq);	/* upstream: "Unexpected 0 len" */
		return -EINVAL;
	}
	if (c->in_segs) {
		ret = echo(c, &used.len);
		if (ret) {
			vha_vq_error(vq);
			return ret;
		}
		vha_vq_log_chain(vq, c, used.len);
	}
	return vha_vq_push(vq, &used, 1);
}

/* The kick handler: the data-path loop of every vhost device. */
static void handle_kick(struct vha_work *work)
{
	struct vha_vq *vq = container_of(work, struct vha_vq, poll.work);
	unsigned int pkts = 0;
	struct vha_chain c;
	size_t bytes = 0;
	u64 until = 0;
	int ret;

	mutex_lock(&vq->mutex);
	if (!vha_vq_get_backend(vq) || vha_vq_prefetch(vq) != 1)
		goto out;
	vha_vq_disable_notify(vq);
	for (;;) {
		vha_vq_chain_init(vq, &c);
		ret = vha_vq_get_chain(vq, &c);
		if (ret < 0)
			break;
		if (!ret) {
			if (vha_vq_busy_poll(vq, &until))
				continue;
			if (vha_vq_enable_notify(vq) == 1) {
				vha_vq_disable_notify(vq);
				continue;
			}
			break;
		}
		if (consume(vq, &c))
			break;
		vha_vq_count(vq, 1, c.out_bytes + c.in_bytes);
		bytes += c.out_bytes + c.in_bytes;
		if (vha_vq_exceeds_weight(vq, ++pkts, bytes))
			break;
	}
out:
	mutex_unlock(&vq->mutex);
}

static int test_open(struct inode *inode, struct file *f)
{
	struct vha_dev_config cfg = {
		.name = "test",
		.iov_limit = UIO_MAXIOV,
		.weight_pkts = VHA_TEST_WEIGHT_PKTS,
		.weight_bytes = VHA_TEST_WEIGHT_BYTES,
		.features = VHA_TEST_FEATURES,
		.backend_features = VHA_TEST_BACKEND_FEATURES,
	};
	struct vha_test *t;
	int i, ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < VHA_TEST_NVQS; i++) {
		t->vqs[i].handle_kick = handle_kick;
		t->vq_ptrs[i] = &t->vqs[i];
	}
	ret = vha_dev_init(&t->dev, t->vq_ptrs, VHA_TEST_NVQS, &cfg);
	if (ret) {
		kfree(t);
		return ret;
	}
	f->private_data = t;
	return 0;
}

/* Detach every backend; handlers then do nothing. Flush afterwards. */
static void stop_backends(struct vha_test *t)
{
	int i;

	for (i = 0; i < VHA_TEST_NVQS; i++) {
		mutex_lock(&t->vqs[i].mutex);
		vha_vq_set_backend(&t->vqs[i], NULL);
		mutex_unlock(&t->vqs[i].mutex);
	}
}

static int test_release(struct inode *inode, struct file *f)
{
	struct vha_test *t = f->private_data;

	stop_backends(t);
	vha_dev_stop(&t->dev);
	mutex_lock(&t->dev.mutex);
	vha_dev_flush(&t->dev);
	mutex_unlock(&t->dev.mutex);
	vha_dev_cleanup(&t->dev);
	kfree(t);
	return 0;
}

/* Attach (t) or detach (NULL) one queue's backend. Hold dev->mutex. */
static int set_backend(struct vha_test *t, struct vha_vq *vq, void *backend)
{
	int ret = 0;

	mutex_lock(&vq->mutex);
	if (!backend) {
		vha_poll_stop(&vq->poll);
		vha_vq_sync_base(vq);
		vha_vq_set_backend(vq, NULL);
		goto out;
	}
	ret = vha_vq_access_ok(vq);
	if (ret)
		goto out;
	vha_vq_set_backend(vq, backend);
	ret = vha_vq_init_access(vq);
	if (!ret && vq->kick)
		ret = vha_poll_start(&vq->poll, vq->kick);
	if (ret)
		vha_vq_set_backend(vq, NULL);
out:
	mutex_unlock(&vq->mutex);
	return ret;
}

/* VHOST_TEST_RUN: 1 starts every queue with a kick eventfd, 0 stops all. */
static long test_run(struct vha_test *t, int test)
{
	struct vha_vq *vq;
	int i, ret;

	if (test < 0 || test > 1)
		return -EINVAL;
	mutex_lock(&t->dev.mutex);
	ret = vha_dev_check_owner(&t->dev);
	for (i = 0; !ret && i < VHA_TEST_NVQS; i++) {
		vq = &t->vqs[i];
		if (test && !vq->kick)
			continue;
		ret = set_backend(t, vq, test ? t : NULL);
		trace_vha_backend(&t->dev, i, test, -1, ret);
	}
	/* Under dev->mutex: the workers cannot go away during the flush. */
	vha_dev_flush(&t->dev);
	mutex_unlock(&t->dev.mutex);
	return ret;
}

/* VHOST_TEST_SET_BACKEND: fd -1 detaches queue @index, any other reattaches. */
static long test_set_backend(struct vha_test *t, void __user *argp)
{
	struct vhost_vring_file b;
	int ret;

	if (copy_from_user(&b, argp, sizeof(b)))
		return -EFAULT;
	mutex_lock(&t->dev.mutex);
	ret = vha_dev_check_owner(&t->dev);
	if (!ret && b.index >= VHA_TEST_NVQS)
		ret = -ENOBUFS;
	if (!ret) {
		ret = set_backend(t, &t->vqs[array_index_nospec(b.index,
								 VHA_TEST_NVQS)],
				  b.fd == -1 ? NULL : t);
		trace_vha_backend(&t->dev, b.index, b.fd != -1, b.fd, ret);
	}
	vha_dev_flush(&t->dev);
	mutex_unlock(&t->dev.mutex);
	return ret;
}

static long test_reset_owner(struct vha_test *t)
{
	int ret;

	mutex_lock(&t->dev.mutex);
	ret = vha_dev_check_owner(&t->dev);
	if (!ret) {
		stop_backends(t);
		ret = vha_dev_reset_owner(&t->dev);
	}
	mutex_unlock(&t->dev.mutex);
	return ret;
}

static long test_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
{
	struct vha_test *t = f->private_data;
	void __user *argp = (void __user *)arg;
	int test;

	switch (ioctl) {
	case VHOST_TEST_RUN:
		if (copy_from_user(&test, argp, sizeof(test)))
			return -EFAULT;
		return test_run(t, test);
	case VHOST_TEST_SET_BACKEND:
		return test_set_backend(t, argp);
	case VHOST_RESET_OWNER:
		return test_reset_owner(t);
	}
	return vha_dev_ioctl(&t->dev, ioctl, argp);
}

static ssize_t test_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct vha_test *t = iocb->ki_filp->private_data;

	return vha_dev_read_iter(&t->dev, to,
				 iocb->ki_filp->f_flags & O_NONBLOCK);
}

static ssize_t test_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vha_test *t = iocb->ki_filp->private_data;

	return vha_dev_write_iter(&t->dev, from);
}

static __poll_t test_poll(struct file *f, poll_table *wait)
{
	struct vha_test *t = f->private_data;

	return vha_dev_poll(&t->dev, f, wait);
}

static const struct file_operations test_fops = {
	.owner = THIS_MODULE,
	.open = test_open,
	.release = test_release,
	.unlocked_ioctl = test_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read_iter = test_read_iter,
	.write_iter = test_write_iter,
	.poll = test_poll,
	.llseek = noop_llseek,
};

static struct miscdevice test_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vhost-test",
	.fops = &test_fops,
	.mode = 0600,
};

module_misc_device(test_misc);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhost-accel test device: consumes virtio buffers");
