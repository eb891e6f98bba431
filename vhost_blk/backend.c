// SPDX-License-Identifier: GPL-2.0
/*
 * The backend (VHOST_BLK_SET_BACKEND): one block device or regular file
 * for the whole device, what the data path needs to know about it, and
 * starting and stopping the queues on it.
 *
 * Stopping drains: the queues stop fetching, every request in flight
 * completes and is returned to the guest, and only then does the backend
 * go (or the owner's mm, at release). The backend of a running queue is
 * therefore stable for every request of it, without a reference each.
 */
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "blk.h"

/* What a block device backend offers. */
static void probe_bdev(struct vha_blk_backend *be, struct block_device *bdev)
{
	be->bdev = bdev;
	be->capacity = bdev_nr_bytes(bdev);
	be->dio = true;
	be->dio_mask = max(bdev_logical_block_size(bdev) - 1,
			   bdev_dma_alignment(bdev));
	be->read_only |= bdev_read_only(bdev);
	be->can_discard = bdev_max_discard_sectors(bdev);
}

/* What a regular file backend offers. */
static void probe_file(struct vha_blk_backend *be, struct file *file)
{
	struct inode *inode = file_inode(file);
	struct block_device *sb_bdev = inode->i_sb->s_bdev;

	be->capacity = i_size_read(inode);
	be->dio = file->f_mode & FMODE_CAN_ODIRECT;
	/* Direct I/O on a file: aligned as for the disk the file is on. */
	be->dio_mask = sb_bdev ? max(bdev_logical_block_size(sb_bdev) - 1,
				     bdev_dma_alignment(sb_bdev)) :
				 VHA_BLK_SECTOR - 1;
	be->read_only |= IS_RDONLY(inode);
	be->can_discard = file->f_op->fallocate;
}

/*
 * A backend on @file (whose reference it takes over on success): 0,
 * -EINVAL (not a block device or regular file), -ENOMEM.
 */
static int backend_open(struct file *file, struct vha_blk_backend **out)
{
	umode_t mode = file_inode(file)->i_mode;
	struct vha_blk_backend *be;

	if (!S_ISBLK(mode) && !S_ISREG(mode))
		return -EINVAL;
	be = kzalloc(sizeof(*be), GFP_KERNEL_ACCOUNT);
	if (!be)
		return -ENOMEM;
	be->file = file;
	be->read_only = !(file->f_mode & FMODE_WRITE);
	if (S_ISBLK(mode))
		probe_bdev(be, I_BDEV(file->f_mapping->host));
	else
		probe_file(be, file);
	be->capacity = round_down(be->capacity, VHA_BLK_SECTOR);
	*out = be;
	return 0;
}

static void backend_put(struct vha_blk_backend *be)
{
	if (!be)
		return;
	fput(be->file);
	kfree(be);
}

/*
 * Start @bvq on @be if it is configured (has a kick eventfd) and not
 * running yet. Hold dev->mutex.
 */
static int start_queue(struct vha_blk_vq *bvq, struct vha_blk_backend *be)
{
	struct vha_vq *vq = &bvq->vq;
	int ret = 0;

	mutex_lock(&vq->mutex);
	if (vha_blk_be(bvq) || !vq->kick)
		goto out;
	ret = vha_vq_access_ok(vq);
	if (ret)
		goto out;
	ret = vha_blk_queue_alloc(bvq);
	if (ret)
		goto out;
	vha_vq_set_backend(vq, be);
	ret = vha_vq_init_access(vq);
	if (!ret)
		ret = vha_poll_start(&vq->poll, vq->kick);
	if (ret) {
		vha_vq_set_backend(vq, NULL);
		vha_blk_queue_free(bvq);
		goto out;
	}
	/* Requests the driver posted before the queue started. */
	vha_poll_queue(&vq->poll);
out:
	mutex_unlock(&vq->mutex);
	return ret;
}

/*
 * With VIRTIO_BLK_F_MQ and the module parameter worker_per_queue, each
 * running queue gets a worker of its own: the first one keeps the worker
 * it has (the owner's, shared only with queues that do not run), each
 * other one gets a new one. A failure only costs speed.
 */
static void spread_workers(struct vha_blk *b)
{
	bool first = true;
	unsigned int i;

	if (!vha_blk_worker_per_queue ||
	    !vha_vq_has_feature(&b->vqs[0].vq, VIRTIO_BLK_F_MQ))
		return;
	for (i = 0; i < VHA_BLK_NVQS; i++) {
		if (!READ_ONCE(b->vqs[i].vq.backend))
			continue;
		if (!first)
			vha_vq_own_worker(&b->dev, &b->vqs[i].vq);
		first = false;
	}
}

static int start_queues(struct vha_blk *b, struct vha_blk_backend *be)
{
	unsigned int i;
	int ret;

	for (i = 0; i < VHA_BLK_NVQS; i++) {
		ret = start_queue(&b->vqs[i], be);
		if (ret)
			return ret;
	}
	spread_workers(b);
	return 0;
}

static bool drained(struct vha_blk_vq *bvq)
{
	return !atomic_read(&bvq->inflight);
}

/*
 * Stop every queue: no more fetching, wait for what is in flight to be
 * returned to the guest, then free the requests; the rings keep their
 * position for GET_VRING_BASE. Hold dev->mutex (not a vq mutex: the done
 * handlers take those).
 */
static void stop_queues(struct vha_blk *b)
{
	struct vha_blk_vq *bvq;
	unsigned int i;

	lockdep_assert_held(&b->dev.mutex);
	for (i = 0; i < VHA_BLK_NVQS; i++) {
		bvq = &b->vqs[i];
		mutex_lock(&bvq->vq.mutex);
		bvq->stopping = true;
		mutex_unlock(&bvq->vq.mutex);
	}
	/* A kick handler that started before stopping was set ends. */
	vha_dev_flush(&b->dev);
	for (i = 0; i < VHA_BLK_NVQS; i++)
		wait_event(b->vqs[i].idle, drained(&b->vqs[i]));
	/* The done handlers that returned the last requests end too. */
	vha_dev_flush(&b->dev);
	for (i = 0; i < VHA_BLK_NVQS; i++) {
		bvq = &b->vqs[i];
		mutex_lock(&bvq->vq.mutex);
		if (vha_blk_be(bvq)) {
			vha_vq_sync_base(&bvq->vq);
			vha_vq_set_backend(&bvq->vq, NULL);
			vha_blk_queue_free(bvq);
		}
		bvq->stopping = false;
		mutex_unlock(&bvq->vq.mutex);
	}
}

/* Stop the queues and drop the backend. Hold dev->mutex. */
void vha_blk_detach(struct vha_blk *b)
{
	lockdep_assert_held(&b->dev.mutex);
	stop_queues(b);
	backend_put(b->backend);
	b->backend = NULL;
}

/* VHOST_BLK_SET_BACKEND. Hold dev->mutex; the caller is the owner. */
int vha_blk_set_backend(struct vha_blk *b, int fd)
{
	struct vha_blk_backend *be;
	struct file *file;
	int ret;

	lockdep_assert_held(&b->dev.mutex);
	if (fd == VHOST_FILE_UNBIND) {
		vha_blk_detach(b);
		return 0;
	}
	file = fget(fd);
	if (!file)
		return -EBADF;
	if (b->backend && b->backend->file == file) {
		/* The same file again starts the queues configured since. */
		fput(file);
	} else {
		ret = backend_open(file, &be);
		if (ret) {
			fput(file);
			return ret;
		}
		vha_blk_detach(b);
		b->backend = be;
	}
	ret = start_queues(b, b->backend);
	if (ret)
		pr_debug("blk %p: a queue did not start (%d)\n", b, ret);
	return ret;
}
