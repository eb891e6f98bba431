// SPDX-License-Identifier: GPL-2.0
/*
 * Submitting a request to the backend file, without waiting in the worker.
 *
 * Reads and writes whose buffers and offset suit the backend's direct I/O
 * go as asynchronous direct I/O straight from the guest's pages (a kiocb
 * with a completion callback, as io_uring does), issued by the worker with
 * IOCB_NOWAIT: the worker never sleeps on a full device queue or a file
 * system lock. Everything that may block goes to vha_blk_wq: a direct I/O
 * the backend refused with -EAGAIN (issued again without IOCB_NOWAIT), I/O
 * that cannot be direct (a file system without it, as tmpfs, or buffers
 * not aligned for it: buffered I/O), FLUSH (fsync), DISCARD (a discard
 * on a block device, a punched hole in a file) and WRITE_ZEROES
 * (fallocate, or writing zeroes where the backend has no such call). A
 * work item that touches the guest's buffers runs in the
 * owner's address space (kthread_use_mm), which outlives every request:
 * the device waits for all of them before it lets the mm go.
 *
 * Every completion ends in vha_blk_complete(), from any context.
 */
#include <linux/blkdev.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "blk.h"

static void rw_done(struct kiocb *iocb, long res)
{
	struct vha_blk_req *req = container_of(iocb, struct vha_blk_req, iocb);

	req->res = res;
	vha_blk_complete(req);
}

/* The request's kiocb at its offset: the file's own flags and @flags. */
static void prep_kiocb(struct vha_blk_req *req, struct file *file, int flags)
{
	struct kiocb *k = &req->iocb;

	init_sync_kiocb(k, file);
	k->ki_flags &= ~(IOCB_DIRECT | IOCB_NOWAIT | IOCB_APPEND);
	k->ki_flags |= flags;
	k->ki_pos = req->pos;
	k->ki_complete = (flags & IOCB_DIRECT) ? rw_done : NULL;
}

/*
 * Writes to a regular file hold the file system's freeze protection from
 * submission to completion; the completion may run elsewhere, so lockdep
 * is told the holder changes (as io_uring does). Ended in
 * vha_blk_end_write() by the done handler.
 */
static void start_write(struct vha_blk_req *req)
{
	struct inode *inode = file_inode(req->iocb.ki_filp);

	req->iocb.ki_flags |= IOCB_WRITE;
	if (!S_ISREG(inode->i_mode))
		return;
	sb_start_write(inode->i_sb);
	__sb_writers_release(inode->i_sb, SB_FREEZE_WRITE);
	req->end_write = true;
}

void vha_blk_end_write(struct vha_blk_req *req)
{
	struct super_block *sb;

	if (!req->end_write)
		return;
	sb = file_inode(req->iocb.ki_filp)->i_sb;
	__sb_writers_acquired(sb, SB_FREEZE_WRITE);
	sb_end_write(sb);
	req->end_write = false;
}

static bool dio_fits(const struct vha_blk_backend *be,
		     const struct vha_blk_req *req)
{
	return be->dio &&
	       !((req->pos | iov_iter_alignment(&req->iter)) & be->dio_mask);
}

/* Issue the read or write on req->iter; -EIOCBQUEUED if it went async. */
static long issue(struct vha_blk_req *req)
{
	struct file *file = req->iocb.ki_filp;

	if (req->op == VHA_BLK_OP_WRITE) {
		start_write(req);
		return call_write_iter(file, &req->iocb, &req->iter);
	}
	return call_read_iter(file, &req->iocb, &req->iter);
}

static void init_iter(struct vha_blk_req *req)
{
	iov_iter_init(&req->iter,
		      req->op == VHA_BLK_OP_WRITE ? ITER_SOURCE : ITER_DEST,
		      req->iov, req->nsegs, req->len);
}

/* READ / WRITE from the worker (in the owner's mm): direct if it can be. */
void vha_blk_submit_rw(struct vha_blk_req *req)
{
	const struct vha_blk_backend *be = req->be;
	long ret;

	init_iter(req);
	if (!dio_fits(be, req)) {
		vha_blk_submit_blocking(req);
		return;
	}
	vha_blk_stat_add(VHA_BLK_STAT_DIRECT, 1);
	req->nowait = true;
	prep_kiocb(req, be->file, IOCB_DIRECT | IOCB_NOWAIT);
	ret = issue(req);
	if (ret != -EIOCBQUEUED)
		rw_done(&req->iocb, ret);
}

/*
 * A direct I/O the backend refused for IOCB_NOWAIT (it would have had to
 * wait): issue it again where waiting is allowed. Done handler, vq.mutex.
 * True if the request went again.
 */
bool vha_blk_retry(struct vha_blk_req *req)
{
	if (!req->nowait || req->res != -EAGAIN)
		return false;
	vha_blk_end_write(req);
	req->nowait = false;
	vha_blk_stat_add(VHA_BLK_STAT_RETRIES, 1);
	vha_blk_submit_blocking(req);
	return true;
}

/* READ / WRITE on vha_blk_wq: direct and allowed to wait, or buffered. */
static void rw_blocking(struct vha_blk_req *req,
			const struct vha_blk_backend *be)
{
	struct mm_struct *mm = req->bvq->vq.dev->mm;
	long ret;

	init_iter(req);
	prep_kiocb(req, be->file, dio_fits(be, req) ? IOCB_DIRECT : 0);
	kthread_use_mm(mm);
	ret = issue(req);
	kthread_unuse_mm(mm);
	if (ret != -EIOCBQUEUED)
		rw_done(&req->iocb, ret);
}

/* Write zeroes the slow way, for a file system with no call for it. */
static int write_zero_pages(struct file *file, loff_t pos, u64 len)
{
	struct bio_vec bv[16];
	struct iov_iter iter;
	struct kiocb k;
	unsigned int i;
	size_t chunk;
	ssize_t ret;

	for (i = 0; i < ARRAY_SIZE(bv); i++)
		bv[i] = (struct bio_vec){ .bv_page = ZERO_PAGE(0),
					  .bv_len = PAGE_SIZE };
	while (len) {
		chunk = min_t(u64, len, ARRAY_SIZE(bv) * PAGE_SIZE);
		iov_iter_bvec(&iter, ITER_SOURCE, bv,
			      DIV_ROUND_UP(chunk, PAGE_SIZE), chunk);
		init_sync_kiocb(&k, file);
		k.ki_flags &= ~(IOCB_DIRECT | IOCB_APPEND);
		k.ki_pos = pos;
		file_start_write(file);
		ret = call_write_iter(file, &k, &iter);
		file_end_write(file);
		if (ret <= 0)
			return ret ? ret : -EIO;
		pos += ret;
		len -= ret;
	}
	return 0;
}

/*
 * Zeroes on [pos, pos + len): deallocating them if the driver allows it
 * and the backend can, else with the backend's zeroing call, else by
 * writing zero pages.
 */
static int zero_range(const struct vha_blk_backend *be, loff_t pos, u64 len,
		      bool unmap)
{
	int ret = -EOPNOTSUPP;

	if (unmap && be->can_discard)
		ret = vfs_fallocate(be->file, FALLOC_FL_PUNCH_HOLE |
				    FALLOC_FL_KEEP_SIZE, pos, len);
	if (ret == -EOPNOTSUPP)
		ret = vfs_fallocate(be->file, FALLOC_FL_ZERO_RANGE |
				    FALLOC_FL_KEEP_SIZE, pos, len);
	if (ret == -EOPNOTSUPP)
		ret = write_zero_pages(be->file, pos, len);
	return ret;
}

/*
 * Discard on a block device, as the BLKDISCARD ioctl does it: drop the
 * range from the device's page cache (the buffered path may hold it; its
 * data is undefined after a discard), then discard. vfs_fallocate() would
 * need FALLOC_FL_NO_HIDE_STALE, which it refuses from any caller.
 */
static int discard_bdev(const struct vha_blk_backend *be, loff_t pos, u64 len)
{
	struct address_space *mapping = be->file->f_mapping;
	int ret;

	if ((pos | len) & (bdev_logical_block_size(be->bdev) - 1))
		return -EINVAL;
	filemap_invalidate_lock(mapping);
	truncate_inode_pages_range(mapping, pos, pos + len - 1);
	ret = blkdev_issue_discard(be->bdev, pos >> SECTOR_SHIFT,
				   len >> SECTOR_SHIFT, GFP_KERNEL);
	filemap_invalidate_unlock(mapping);
	return ret;
}

/* A file discards by punching a hole; a block device as above. */
static int discard(const struct vha_blk_backend *be, loff_t pos, u64 len)
{
	if (be->bdev)
		return discard_bdev(be, pos, len);
	return vfs_fallocate(be->file, FALLOC_FL_PUNCH_HOLE |
			     FALLOC_FL_KEEP_SIZE, pos, len);
}

/* DISCARD / WRITE_ZEROES, segment by segment (checked in request.c). */
static int discard_or_zero(struct vha_blk_req *req,
			   const struct vha_blk_backend *be)
{
	unsigned int i;
	loff_t pos;
	u64 len;
	int ret;

	for (i = 0; i < req->nseg; i++) {
		pos = le64_to_cpu(req->dwz[i].sector) * VHA_BLK_SECTOR;
		len = (u64)le32_to_cpu(req->dwz[i].num_sectors) *
		      VHA_BLK_SECTOR;
		if (req->op == VHA_BLK_OP_DISCARD)
			ret = discard(be, pos, len);
		else
			ret = zero_range(be, pos, len, req->unmap);
		if (ret)
			return ret;
	}
	return 0;
}

static void blocking_fn(struct work_struct *work)
{
	struct vha_blk_req *req = container_of(work, struct vha_blk_req, work);
	const struct vha_blk_backend *be = req->be;

	switch (req->op) {
	case VHA_BLK_OP_READ:
	case VHA_BLK_OP_WRITE:
		rw_blocking(req, be);
		return;
	case VHA_BLK_OP_FLUSH:
		req->res = vfs_fsync(be->file, 0);
		break;
	default:
		req->res = discard_or_zero(req, be);
		break;
	}
	vha_blk_complete(req);
}

/*
 * Hand the request to vha_blk_wq. The backend cannot change before it
 * completes: the device stops and drains every queue first.
 */
void vha_blk_submit_blocking(struct vha_blk_req *req)
{
	vha_blk_stat_add(VHA_BLK_STAT_BLOCKING, 1);
	INIT_WORK(&req->work, blocking_fn);
	queue_work(vha_blk_wq, &req->work);
}
