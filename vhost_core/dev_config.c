// SPDX-License-Identifier: GPL-2.0
/*
 * Device-wide configuration ioctls: features, memory table, dirty log.
 * Everything here that the data path reads is changed with dev->mutex and
 * every vq mutex held, so a worker holding its vq mutex sees it stable.
 */
#include <linux/eventfd.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>

#include "dev.h"
#include "iotlb.h"
#include "log.h"
#include "memtable.h"

/*
 * Take every vq mutex, in index order. Hold dev->mutex, which lockdep is
 * told nests them all (a device may have more queues than lockdep has
 * subclasses).
 */
void vha_dev_lock_vqs(struct vha_dev *dev)
{
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++)
		mutex_lock_nest_lock(&dev->vqs[i]->mutex, &dev->mutex);
}
EXPORT_SYMBOL_GPL(vha_dev_lock_vqs);

void vha_dev_unlock_vqs(struct vha_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++)
		mutex_unlock(&dev->vqs[i]->mutex);
}
EXPORT_SYMBOL_GPL(vha_dev_unlock_vqs);

/* Point every ring at the current memory table or IOTLB. */
static void update_mems(struct vha_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++)
		vha_vq_update_mem(dev->vqs[i]);
}

static bool any_backend(struct vha_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++)
		if (READ_ONCE(dev->vqs[i]->backend))
			return true;
	return false;
}

/*
 * VHOST_SET_FEATURES after the device checked @features against what it
 * offers. LOG_ALL needs a usable log (-EFAULT); ACCESS_PLATFORM turns the
 * IOTLB on (-ENOMEM), its absence turns it off.
 */
int vha_dev_set_features(struct vha_dev *dev, u64 features)
{
	struct vha_iotlb *iotlb = NULL, *old = NULL;
	unsigned int i;
	int ret = 0;

	mutex_lock(&dev->mutex);
	if ((features & BIT_ULL(VHOST_F_LOG_ALL)) &&
	    !vha_log_access_ok(dev, dev->log_base, dev->umem)) {
		ret = -EFAULT;
		goto out;
	}
	if ((features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)) && !dev->iotlb) {
		iotlb = vha_iotlb_alloc();
		if (!iotlb) {
			ret = -ENOMEM;
			goto out;
		}
	}
	vha_dev_lock_vqs(dev);
	if (iotlb) {
		dev->iotlb = iotlb;
	} else if (!(features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM))) {
		old = dev->iotlb;
		dev->iotlb = NULL;
	}
	for (i = 0; i < dev->nvqs; i++) {
		dev->vqs[i]->acked_features = features;
		if (dev->cfg.features_changed)
			dev->cfg.features_changed(dev->vqs[i]);
	}
	update_mems(dev);
	vha_dev_unlock_vqs(dev);
	if (old)
		vha_iotlb_misses_clear(dev);
	vha_iotlb_free(old);
out:
	mutex_unlock(&dev->mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(vha_dev_set_features);

/* VHOST_SET_BACKEND_FEATURES after the device checked @features. */
int vha_dev_set_backend_features(struct vha_dev *dev, u64 features)
{
	unsigned int i;

	mutex_lock(&dev->mutex);
	vha_dev_lock_vqs(dev);
	for (i = 0; i < dev->nvqs; i++)
		dev->vqs[i]->acked_backend_features = features;
	vha_dev_unlock_vqs(dev);
	mutex_unlock(&dev->mutex);
	return 0;
}
EXPORT_SYMBOL_GPL(vha_dev_set_backend_features);

static bool log_all(struct vha_dev *dev)
{
	return dev->nvqs && vha_vq_has_feature(dev->vqs[0], VHOST_F_LOG_ALL);
}

/* VHOST_SET_MEM_TABLE. */
static long set_mem_table(struct vha_dev *dev, void __user *argp)
{
	struct vha_umem *mt;
	int ret;

	ret = vha_umem_from_user(argp, &mt);
	if (ret)
		return ret;
	if (log_all(dev) && !vha_log_access_ok(dev, dev->log_base, mt)) {
		vha_umem_free(mt);
		return -EFAULT;
	}
	vha_dev_lock_vqs(dev);
	swap(mt, dev->umem);
	update_mems(dev);
	vha_dev_unlock_vqs(dev);
	vha_umem_free(mt);
	return 0;
}

/* VHOST_SET_LOG_BASE: checked now only if a ring runs (upstream rule). */
static long set_log_base(struct vha_dev *dev, void __user *argp)
{
	u64 base;

	if (copy_from_user(&base, argp, sizeof(base)))
		return -EFAULT;
	if ((u64)(unsigned long)base != base)
		return -EFAULT;
	if (any_backend(dev) && !vha_log_access_ok(dev, base, dev->umem))
		return -EFAULT;
	vha_dev_lock_vqs(dev);
	dev->log_base = base;
	vha_dev_unlock_vqs(dev);
	return 0;
}

/* VHOST_SET_LOG_FD: -1 unbinds; else an eventfd (-EBADF, -EINVAL). */
static long set_log_fd(struct vha_dev *dev, void __user *argp)
{
	struct eventfd_ctx *ctx = NULL;
	int fd;

	if (get_user(fd, (int __user *)argp))
		return -EFAULT;
	if (fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	vha_dev_lock_vqs(dev);
	swap(ctx, dev->log_ctx);
	vha_dev_unlock_vqs(dev);
	if (ctx)
		eventfd_ctx_put(ctx);
	return 0;
}

/* Hold dev->mutex; the caller is the owner. */
long vha_dev_config_ioctl(struct vha_dev *dev, unsigned int ioctl,
			  void __user *argp)
{
	lockdep_assert_held(&dev->mutex);
	switch (ioctl) {
	case VHOST_SET_MEM_TABLE:
		return set_mem_table(dev, argp);
	case VHOST_SET_LOG_BASE:
		return set_log_base(dev, argp);
	case VHOST_SET_LOG_FD:
		return set_log_fd(dev, argp);
	}
	return -ENOIOCTLCMD;
}
