// SPDX-License-Identifier: GPL-2.0
/*
 * The character device: open makes a queue pair (struct vha_net), release
 * tears it down; ioctls the net device owns are VHOST_NET_SET_BACKEND and
 * VHOST_RESET_OWNER (backends must go first). Everything else goes to the
 * core, which returns -ENOIOCTLCMD for what nobody knows; the header sizes
 * follow from the features in the core's SET_FEATURES (set_hlen()).
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "net.h"
#include "vhost_core/trace.h"

/*
 * What Linux 6.1's vhost_net offers (0x33d008000), plus packed rings,
 * which upstream never merged for vhost_net.
 */
#define VHA_NET_FEATURES (BIT_ULL(VIRTIO_F_NOTIFY_ON_EMPTY) |		\
			  BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) |	\
			  BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |		\
			  BIT_ULL(VHOST_F_LOG_ALL) |			\
			  BIT_ULL(VIRTIO_F_ANY_LAYOUT) |		\
			  BIT_ULL(VIRTIO_F_VERSION_1) |			\
			  BIT_ULL(VHOST_NET_F_VIRTIO_NET_HDR) |		\
			  BIT_ULL(VIRTIO_NET_F_MRG_RXBUF) |		\
			  BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |		\
			  BIT_ULL(VIRTIO_F_RING_PACKED))

#define VHA_NET_BACKEND_FEATURES BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2)

/*
 * Header sizes from the acked features (5.1.6). Hold vq.mutex: the core
 * calls this from SET_FEATURES, in the section that changes the features.
 */
static void set_hlen(struct vha_vq *vq)
{
	struct vha_net_vq *nvq = to_net_vq(vq);
	size_t hlen = sizeof(struct virtio_net_hdr);

	lockdep_assert_held(&vq->mutex);
	if (vha_vq_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF) ||
	    vha_vq_has_feature(vq, VIRTIO_F_VERSION_1))
		hlen = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	if (vha_vq_has_feature(vq, VHOST_NET_F_VIRTIO_NET_HDR)) {
		nvq->vhost_hlen = hlen;
		nvq->sock_hlen = 0;
	} else {
		nvq->vhost_hlen = 0;
		nvq->sock_hlen = hlen;
	}
}

/* Hold dev->mutex. */
static void set_hlens(struct vha_net *n)
{
	unsigned int i;

	lockdep_assert_held(&n->dev.mutex);
	for (i = 0; i < VHA_NET_NVQS; i++) {
		mutex_lock(&n->vqs[i].vq.mutex);
		set_hlen(&n->vqs[i].vq);
		mutex_unlock(&n->vqs[i].vq.mutex);
	}
}

static void free_queues(struct vha_net *n)
{
	unsigned int i;

	for (i = 0; i < VHA_NET_NVQS; i++) {
		if (n->vqs[i].txq)
			vha_net_txq_drain(n->vqs[i].txq);
		kfree(n->vqs[i].txq);
		kfree(n->vqs[i].rxq);
		kfree(n->vqs[i].heads);
		kfree(n->vqs[i].used);
	}
}

static int alloc_queues(struct vha_net *n)
{
	struct vha_net_vq *rx = &n->vqs[VHA_NET_RX], *tx = &n->vqs[VHA_NET_TX];
	unsigned int i;

	for (i = 0; i < VHA_NET_NVQS; i++) {
		n->vqs[i].used = kcalloc(VHA_NET_USED_MAX,
					 sizeof(*n->vqs[i].used),
					 GFP_KERNEL_ACCOUNT);
		if (!n->vqs[i].used)
			return -ENOMEM;
	}
	rx->rxq = kzalloc(sizeof(*rx->rxq), GFP_KERNEL_ACCOUNT);
	rx->heads = kcalloc(UIO_MAXIOV, sizeof(*rx->heads), GFP_KERNEL_ACCOUNT);
	tx->txq = kzalloc(sizeof(*tx->txq), GFP_KERNEL_ACCOUNT);
	if (!rx->rxq || !rx->heads || !tx->txq)
		return -ENOMEM;
	return 0;
}

static void init_vqs(struct vha_net *n)
{
	struct vha_net_vq *rx = &n->vqs[VHA_NET_RX], *tx = &n->vqs[VHA_NET_TX];
	unsigned int i;

	rx->vq.handle_kick = vha_net_handle_rx_kick;
	tx->vq.handle_kick = vha_net_handle_tx_kick;
	vha_poll_init(&rx->sock_poll, vha_net_handle_rx_sock, EPOLLIN, &rx->vq);
	vha_poll_init(&tx->sock_poll, vha_net_handle_tx_sock, EPOLLOUT,
		      &tx->vq);
	for (i = 0; i < VHA_NET_NVQS; i++)
		n->vq_ptrs[i] = &n->vqs[i].vq;
}

static int net_open(struct inode *inode, struct file *f)
{
	struct vha_dev_config cfg = {
		.name = "net",
		.iov_limit = UIO_MAXIOV,
		.weight_pkts = VHA_NET_WEIGHT_PKTS,
		.weight_bytes = VHA_NET_WEIGHT_BYTES,
		.features = VHA_NET_FEATURES,
		.backend_features = VHA_NET_BACKEND_FEATURES,
		.features_changed = set_hlen,
	};
	struct vha_net *n;
	int ret;

	n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	ret = alloc_queues(n);
	if (ret)
		goto err_queues;
	init_vqs(n);
	ret = vha_dev_init(&n->dev, n->vq_ptrs, VHA_NET_NVQS, &cfg);
	if (ret)
		goto err_queues;
	mutex_lock(&n->dev.mutex);
	set_hlens(n);
	mutex_unlock(&n->dev.mutex);
	f->private_data = n;
	vha_net_stat_add(VHA_NET_STAT_OPENS, 1);
	pr_debug("net %p created\n", n);
	return 0;
err_queues:
	free_queues(n);
	kfree(n);
	return ret;
}

/* Detach every backend; the caller flushes, then puts @socks. */
static void detach_all(struct vha_net *n, struct socket **socks)
{
	unsigned int i;

	for (i = 0; i < VHA_NET_NVQS; i++)
		socks[i] = vha_net_detach(&n->vqs[i]);
}

static void put_all(struct socket **socks)
{
	unsigned int i;

	for (i = 0; i < VHA_NET_NVQS; i++)
		vha_net_backend_put(socks[i]);
}

static int net_release(struct inode *inode, struct file *f)
{
	struct vha_net *n = f->private_data;
	struct socket *socks[VHA_NET_NVQS];

	detach_all(n, socks);
	vha_dev_stop(&n->dev);
	mutex_lock(&n->dev.mutex);
	vha_dev_flush(&n->dev);
	mutex_unlock(&n->dev.mutex);
	put_all(socks);
	vha_dev_cleanup(&n->dev);
	free_queues(n);
	pr_debug("net %p destroyed\n", n);
	kfree(n);
	return 0;
}

/* VHOST_NET_SET_BACKEND: fd -1 detaches queue @index, a tun/tap fd attaches. */
static long set_backend(struct vha_net *n, void __user *argp)
{
	struct socket *sock = NULL, *old = NULL;
	struct ptr_ring *ring = NULL;
	struct vhost_vring_file b;
	struct vha_net_vq *nvq;
	long ret;

	if (copy_from_user(&b, argp, sizeof(b)))
		return -EFAULT;
	mutex_lock(&n->dev.mutex);
	ret = vha_dev_check_owner(&n->dev);
	if (ret)
		goto out;
	if (b.index >= VHA_NET_NVQS) {
		ret = -ENOBUFS;
		goto out;
	}
	nvq = &n->vqs[array_index_nospec(b.index, VHA_NET_NVQS)];
	if (b.fd == VHOST_FILE_UNBIND) {
		old = vha_net_detach(nvq);
	} else {
		ret = vha_net_backend_get(b.fd, &sock, &ring);
		if (ret)
			goto out;
		ret = vha_net_attach(nvq, sock, ring, &old);
		if (ret)
			vha_net_backend_put(sock);
	}
	trace_vha_backend(&n->dev, b.index, b.fd != VHOST_FILE_UNBIND, b.fd,
			  ret);
	/* The old socket's handlers may still run: wait before putting it. */
	vha_dev_flush(&n->dev);
	vha_net_backend_put(old);
out:
	mutex_unlock(&n->dev.mutex);
	return ret;
}

static long reset_owner(struct vha_net *n)
{
	struct socket *socks[VHA_NET_NVQS] = {};
	long ret;

	mutex_lock(&n->dev.mutex);
	ret = vha_dev_check_owner(&n->dev);
	if (!ret) {
		detach_all(n, socks);
		ret = vha_dev_reset_owner(&n->dev);
		set_hlens(n);
	}
	mutex_unlock(&n->dev.mutex);
	put_all(socks);
	return ret;
}

static long net_ioctl(struct file *f, unsigned int ioctl, unsigned long arg)
{
	struct vha_net *n = f->private_data;
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case VHOST_NET_SET_BACKEND:
		return set_backend(n, argp);
	case VHOST_RESET_OWNER:
		return reset_owner(n);
	}
	return vha_dev_ioctl(&n->dev, ioctl, argp);
}

static ssize_t net_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct vha_net *n = iocb->ki_filp->private_data;

	return vha_dev_read_iter(&n->dev, to,
				 iocb->ki_filp->f_flags & O_NONBLOCK);
}

static ssize_t net_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vha_net *n = iocb->ki_filp->private_data;

	return vha_dev_write_iter(&n->dev, from);
}

static __poll_t net_poll(struct file *f, poll_table *wait)
{
	struct vha_net *n = f->private_data;

	return vha_dev_poll(&n->dev, f, wait);
}

static const struct file_operations net_fops = {
	.owner = THIS_MODULE,
	.open = net_open,
	.release = net_release,
	.unlocked_ioctl = net_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read_iter = net_read_iter,
	.write_iter = net_write_iter,
	.poll = net_poll,
	.llseek = noop_llseek,
};

static struct miscdevice net_misc = {
	.minor = VHOST_NET_MINOR,
	.name = "vhost-net",
	.fops = &net_fops,
	.mode = 0600,
};

int vha_net_misc_init(void)
{
	return misc_register(&net_misc);
}

void vha_net_misc_uninit(void)
{
	misc_deregister(&net_misc);
}
