// SPDX-License-Identifier: GPL-2.0
/*
 * The worker ioctls of Linux 6.5+ (VHOST_NEW_WORKER, VHOST_FREE_WORKER,
 * VHOST_ATTACH_VRING_WORKER, VHOST_GET_VRING_WORKER), with upstream's
 * numbers, structs and errnos: -ENODEV for an unknown worker id, -EBUSY to
 * free a worker still attached, -ENOBUFS for a bad vq index.
 *
 * A device has at most as many workers as virtqueues (the default one
 * included); VHOST_NEW_WORKER past that fails with -ENOSPC. Worker kthreads
 * count against neither RLIMIT_NPROC nor pids.max, so without a bound any
 * process that may open the device could fill the host with threads.
 */
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <uapi/linux/vhost_accel.h>

#include "dev.h"

static long new_worker(struct vha_dev *dev, void __user *argp)
{
	struct vhost_worker_state state = {};
	struct vha_worker *worker;
	int ret;

	if (dev->nworkers >= dev->nvqs)
		return -ENOSPC;
	ret = vha_worker_create(dev, &worker);
	if (ret)
		return ret;
	state.worker_id = worker->id;
	if (copy_to_user(argp, &state, sizeof(state)))
		return -EFAULT;	/* the worker stays; freed at release */
	return 0;
}

static long free_worker(struct vha_dev *dev, void __user *argp)
{
	struct vhost_worker_state state;
	struct vha_worker *worker;

	if (copy_from_user(&state, argp, sizeof(state)))
		return -EFAULT;
	worker = xa_load(&dev->workers, state.worker_id);
	if (!worker)
		return -ENODEV;
	if (worker->attached)
		return -EBUSY;
	vha_worker_destroy(dev, worker);
	return 0;
}

/*
 * Move @vq to @worker. Work the old worker already holds runs there (it is
 * flushed); handlers serialise on the vq mutex, so the two never overlap on
 * one queue.
 */
static void attach_vq(struct vha_dev *dev, struct vha_vq *vq,
		      struct vha_worker *worker)
{
	struct vha_worker *old;

	mutex_lock(&vq->mutex);
	old = rcu_dereference_protected(vq->worker,
					lockdep_is_held(&vq->mutex));
	rcu_assign_pointer(vq->worker, worker);
	worker->attached++;
	if (old)
		old->attached--;
	mutex_unlock(&vq->mutex);
	if (old && old != worker) {
		synchronize_rcu();
		vha_worker_flush(old);
	}
}

/*
 * Give @vq a worker of its own unless it has one (for devices that spread
 * their queues by default). 0, -ENOSPC at the limit, or -errno from
 * creating the worker. Hold dev->mutex; the caller is the owner.
 */
int vha_vq_own_worker(struct vha_dev *dev, struct vha_vq *vq)
{
	struct vha_worker *worker;
	int ret;

	lockdep_assert_held(&dev->mutex);
	worker = rcu_dereference_protected(vq->worker,
					   lockdep_is_held(&dev->mutex));
	if (worker && worker->attached == 1)
		return 0;
	if (dev->nworkers >= dev->nvqs)
		return -ENOSPC;
	ret = vha_worker_create(dev, &worker);
	if (ret)
		return ret;
	attach_vq(dev, vq, worker);
	return 0;
}
EXPORT_SYMBOL_GPL(vha_vq_own_worker);

static long vring_worker(struct vha_dev *dev, unsigned int ioctl,
			 void __user *argp)
{
	struct vhost_vring_worker rw;
	struct vha_worker *worker;
	struct vha_vq *vq;

	if (copy_from_user(&rw, argp, sizeof(rw)))
		return -EFAULT;
	if (rw.index >= dev->nvqs)
		return -ENOBUFS;
	vq = dev->vqs[array_index_nospec(rw.index, dev->nvqs)];
	if (ioctl == VHOST_ATTACH_VRING_WORKER) {
		worker = xa_load(&dev->workers, rw.worker_id);
		if (!worker)
			return -ENODEV;
		attach_vq(dev, vq, worker);
		return 0;
	}
	worker = rcu_dereference_protected(vq->worker,
					   lockdep_is_held(&dev->mutex));
	if (!worker)
		return -EINVAL;
	rw.worker_id = worker->id;
	return copy_to_user(argp, &rw, sizeof(rw)) ? -EFAULT : 0;
}

/* Hold dev->mutex; the caller is the owner. */
long vha_worker_ioctl(struct vha_dev *dev, unsigned int ioctl,
		      void __user *argp)
{
	lockdep_assert_held(&dev->mutex);
	switch (ioctl) {
	case VHOST_NEW_WORKER:
		return new_worker(dev, argp);
	case VHOST_FREE_WORKER:
		return free_worker(dev, argp);
	case VHOST_ATTACH_VRING_WORKER:
	case VHOST_GET_VRING_WORKER:
		return vring_worker(dev, ioctl, argp);
	}
	return -ENOIOCTLCMD;
}
