// SPDX-License-Identifier: GPL-2.0
/*
 * Device lifetime: init at open, owner at SET_OWNER, cleanup at
 * RESET_OWNER and release. The owner is the mm of the process that called
 * SET_OWNER; only callers sharing that mm may configure the device (a forked
 * child gets -EPERM), as upstream.
 */
#include <linux/file.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vhost.h>

#include "dev.h"
#include "iotlb.h"
#include "memtable.h"

/*
 * Prepare @dev with @nvqs virtqueues. Each vq's handle_kick must be set.
 * Returns 0 or -ENOMEM. Pair with vha_dev_cleanup().
 */
int vha_dev_init(struct vha_dev *dev, struct vha_vq **vqs, unsigned int nvqs,
		 const struct vha_dev_config *cfg)
{
	struct vha_vq *vq;
	unsigned int i;

	static atomic_t next_id = ATOMIC_INIT(0);

	mutex_init(&dev->mutex);
	dev->id = atomic_inc_return(&next_id);
	dev->vqs = vqs;
	dev->nvqs = nvqs;
	dev->cfg = *cfg;
	dev->mm = NULL;
	dev->iotlb = NULL;
	dev->log_base = 0;
	dev->log_ctx = NULL;
	xa_init_flags(&dev->workers, XA_FLAGS_ALLOC);
	spin_lock_init(&dev->msg_lock);
	dev->msg_seq = 0;
	init_waitqueue_head(&dev->msg_wait);
	dev->nworkers = 0;
	dev->iotlb_batch = false;
	dev->umem = vha_umem_empty();
	if (!dev->umem)
		return -ENOMEM;
	for (i = 0; i < nvqs; i++) {
		vq = vqs[i];
		vq->dev = dev;
		vq->index = i;
		vq->iov = NULL;
		vq->log = NULL;
		vq->kick = NULL;
		vq->call_ctx = NULL;
		vq->error_ctx = NULL;
		vq->miss.state = VHA_MISS_NONE;
		RCU_INIT_POINTER(vq->worker, NULL);
		mutex_init(&vq->mutex);
		vha_poll_init(&vq->poll, vq->handle_kick, EPOLLIN, vq);
		mutex_lock(&vq->mutex);
		vha_vq_reset(vq);
		mutex_unlock(&vq->mutex);
	}
	pr_debug("dev %p created with %u vqs\n", dev, nvqs);
	return 0;
}
EXPORT_SYMBOL_GPL(vha_dev_init);

bool vha_dev_has_owner(struct vha_dev *dev)
{
	return dev->mm;
}
EXPORT_SYMBOL_GPL(vha_dev_has_owner);

/* 0 if the caller shares the owner's mm, else -EPERM. Hold dev->mutex. */
int vha_dev_check_owner(struct vha_dev *dev)
{
	lockdep_assert_held(&dev->mutex);
	return dev->mm == current->mm ? 0 : -EPERM;
}
EXPORT_SYMBOL_GPL(vha_dev_check_owner);

/* Point every vq at @worker. Hold dev->mutex. */
static void attach_all(struct vha_dev *dev, struct vha_worker *worker)
{
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		rcu_assign_pointer(dev->vqs[i]->worker, worker);
		worker->attached++;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
}

static int alloc_iovs(struct vha_dev *dev)
{
	struct vha_vq *vq;
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		vq = dev->vqs[i];
		vq->iov = kcalloc(dev->cfg.iov_limit, sizeof(*vq->iov),
				  GFP_KERNEL_ACCOUNT);
		vq->log = kcalloc(dev->cfg.iov_limit, sizeof(*vq->log),
				  GFP_KERNEL_ACCOUNT);
		if (!vq->iov || !vq->log)
			return -ENOMEM;
	}
	return 0;
}

static void free_iovs(struct vha_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		kfree(dev->vqs[i]->iov);
		dev->vqs[i]->iov = NULL;
		kfree(dev->vqs[i]->log);
		dev->vqs[i]->log = NULL;
	}
}

/*
 * Detach every vq from its worker and destroy all workers, after running
 * what they still had queued. Hold dev->mutex; no kick may be watched.
 */
static void destroy_workers(struct vha_dev *dev)
{
	struct vha_worker *worker;
	unsigned long id;
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		worker = rcu_dereference_protected(dev->vqs[i]->worker,
						   lockdep_is_held(&dev->mutex));
		if (worker)
			worker->attached--;
		RCU_INIT_POINTER(dev->vqs[i]->worker, NULL);
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	xa_for_each(&dev->workers, id, worker)
		vha_worker_destroy(dev, worker);
}

/* VHOST_SET_OWNER: -EBUSY if owned, else adopt the caller's mm. */
static int set_owner(struct vha_dev *dev)
{
	struct vha_worker *worker;
	int ret;

	lockdep_assert_held(&dev->mutex);
	if (vha_dev_has_owner(dev))
		return -EBUSY;
	dev->mm = get_task_mm(current);
	if (!dev->mm)
		return -EINVAL;
	ret = alloc_iovs(dev);
	if (ret)
		goto err_iovs;
	ret = vha_worker_create(dev, &worker);
	if (ret)
		goto err_iovs;
	attach_all(dev, worker);
	vha_dev_debugfs_add(dev);
	pr_debug("dev %p owned by pid %d\n", dev, current->pid);
	return 0;
err_iovs:
	free_iovs(dev);
	mmput(dev->mm);
	dev->mm = NULL;
	return ret;
}

/* Stop watching every kick eventfd. Work already queued may still run. */
void vha_dev_stop(struct vha_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		vha_poll_stop(&dev->vqs[i]->poll);
		mutex_unlock(&dev->vqs[i]->mutex);
	}
}
EXPORT_SYMBOL_GPL(vha_dev_stop);

/*
 * Wait for all work queued so far on every worker of @dev. Hold dev->mutex,
 * which keeps the workers from being freed under the walk (release takes
 * it too). Never with a vq mutex held.
 */
void vha_dev_flush(struct vha_dev *dev)
{
	struct vha_worker *worker;
	unsigned long id;

	lockdep_assert_held(&dev->mutex);
	xa_for_each(&dev->workers, id, worker)
		vha_worker_flush(worker);
}
EXPORT_SYMBOL_GPL(vha_dev_flush);

static void reset_vqs(struct vha_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		vha_vq_release_files(dev->vqs[i]);
		vha_vq_reset(dev->vqs[i]);
		mutex_unlock(&dev->vqs[i]->mutex);
	}
}

/*
 * Return @dev to its state right after init: no owner, no workers, no
 * eventfds, empty memory table. Devices must have detached their backends
 * and called vha_dev_stop() first. Hold dev->mutex.
 */
static void dev_release_all(struct vha_dev *dev)
{
	lockdep_assert_held(&dev->mutex);
	vha_dev_debugfs_remove(dev);
	destroy_workers(dev);
	reset_vqs(dev);
	free_iovs(dev);
	vha_iotlb_misses_clear(dev);
	vha_iotlb_free(dev->iotlb);
	dev->iotlb = NULL;
	dev->iotlb_batch = false;
	dev->log_base = 0;
	if (dev->log_ctx)
		eventfd_ctx_put(dev->log_ctx);
	dev->log_ctx = NULL;
	if (dev->mm)
		mmput(dev->mm);
	dev->mm = NULL;
	/* Readers blocked in read() see the IOTLB gone and return. */
	wake_up_interruptible_poll(&dev->msg_wait, EPOLLIN | EPOLLRDNORM);
}

/*
 * VHOST_RESET_OWNER, for devices: -EPERM unless the caller is the owner.
 * The device has stopped its backends. Hold dev->mutex.
 */
int vha_dev_reset_owner(struct vha_dev *dev)
{
	struct vha_umem *umem;
	unsigned int i;
	int ret;

	ret = vha_dev_check_owner(dev);
	if (ret)
		return ret;
	umem = vha_umem_empty();
	if (!umem)
		return -ENOMEM;
	vha_dev_stop(dev);
	vha_dev_flush(dev);
	dev_release_all(dev);
	for (i = 0; i < dev->nvqs; i++)
		mutex_lock_nest_lock(&dev->vqs[i]->mutex, &dev->mutex);
	vha_umem_free(dev->umem);
	dev->umem = umem;
	for (i = 0; i < dev->nvqs; i++) {
		vha_vq_update_mem(dev->vqs[i]);
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	pr_debug("dev %p owner reset\n", dev);
	return 0;
}
EXPORT_SYMBOL_GPL(vha_dev_reset_owner);

/* At release: the device has stopped its backends; nobody else uses @dev. */
void vha_dev_cleanup(struct vha_dev *dev)
{
	vha_dev_stop(dev);
	mutex_lock(&dev->mutex);
	dev_release_all(dev);
	mutex_unlock(&dev->mutex);
	vha_umem_free(dev->umem);
	dev->umem = NULL;
	xa_destroy(&dev->workers);
	pr_debug("dev %p destroyed\n", dev);
}
EXPORT_SYMBOL_GPL(vha_dev_cleanup);

/* Ioctls that need no owner, as upstream's vhost_net. */
static long features_ioctl(struct vha_dev *dev, unsigned int ioctl,
			   void __user *argp)
{
	u64 features;

	switch (ioctl) {
	case VHOST_GET_FEATURES:
		features = dev->cfg.features;
		return copy_to_user(argp, &features, sizeof(features)) ?
			-EFAULT : 0;
	case VHOST_SET_FEATURES:
		if (copy_from_user(&features, argp, sizeof(features)))
			return -EFAULT;
		if (features & ~dev->cfg.features)
			return -EOPNOTSUPP;
		return vha_dev_set_features(dev, features);
	case VHOST_GET_BACKEND_FEATURES:
		features = dev->cfg.backend_features;
		return copy_to_user(argp, &features, sizeof(features)) ?
			-EFAULT : 0;
	case VHOST_SET_BACKEND_FEATURES:
		if (copy_from_user(&features, argp, sizeof(features)))
			return -EFAULT;
		if (features & ~dev->cfg.backend_features)
			return -EOPNOTSUPP;
		return vha_dev_set_backend_features(dev, features);
	}
	return -ENOIOCTLCMD;
}

/*
 * The core's ioctls; call without dev->mutex. Returns -ENOIOCTLCMD for
 * commands the core does not know (the VFS turns that into -ENOTTY).
 */
long vha_dev_ioctl(struct vha_dev *dev, unsigned int ioctl, void __user *argp)
{
	long ret;

	ret = features_ioctl(dev, ioctl, argp);
	if (ret != -ENOIOCTLCMD)
		return ret;
	mutex_lock(&dev->mutex);
	if (ioctl == VHOST_SET_OWNER) {
		ret = set_owner(dev);
		goto out;
	}
	ret = vha_dev_check_owner(dev);
	if (ret)
		goto out;
	ret = vha_dev_config_ioctl(dev, ioctl, argp);
	if (ret == -ENOIOCTLCMD)
		ret = vha_worker_ioctl(dev, ioctl, argp);
	if (ret == -ENOIOCTLCMD)
		ret = vha_vring_ioctl(dev, ioctl, argp);
out:
	mutex_unlock(&dev->mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(vha_dev_ioctl);
