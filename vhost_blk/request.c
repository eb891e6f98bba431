// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio-blk request from a chain (VIRTIO 1.2 5.2.6): a 16-byte header
 * (type, ioprio, sector) at the start of the readable part, the status
 * byte at the end of the writable part, the data in between, each split
 * across descriptors any way the driver likes. Everything the guest wrote
 * is checked here, against the backend and the limits of the ABI header,
 * before anything touches the backend. Runs on the worker, vq.mutex held.
 */
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_config.h>

#include "blk.h"
#include "trace.h"

/*
 * Point req->iov at bytes [skip, skip + len) of the segments @iov[0..n):
 * in the request's own array, or, past VHOST_BLK_SEG_MAX segments, in an
 * allocated one. 0 or -ENOMEM.
 */
static int take_segs(struct vha_blk_req *req, const struct iovec *iov,
		     unsigned int n, size_t skip, size_t len)
{
	unsigned int i, count = 0;
	size_t at = 0, part;

	for (i = 0; i < n && at < skip + len; at += iov[i++].iov_len)
		if (at + iov[i].iov_len > skip)
			count++;
	req->iov = req->iov_inline;
	if (count > VHOST_BLK_SEG_MAX) {
		req->iov = kmalloc_array(count, sizeof(*req->iov),
					 GFP_KERNEL_ACCOUNT);
		if (!req->iov)
			return -ENOMEM;
	}
	req->nsegs = 0;
	for (i = 0; i < n && len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		part = min(len, iov[i].iov_len - skip);
		req->iov[req->nsegs].iov_base = iov[i].iov_base + skip;
		req->iov[req->nsegs].iov_len = part;
		req->nsegs++;
		len -= part;
		skip = 0;
	}
	return 0;
}

/*
 * Keep the guest addresses of the chain's writable buffers, for the dirty
 * log when the request completes (logging may be turned on meanwhile).
 */
static int take_log(struct vha_blk_req *req, const struct vha_chain *c)
{
	req->log = req->log_inline;
	req->nlog = c->nlog;
	if (c->nlog > ARRAY_SIZE(req->log_inline)) {
		req->log = kmalloc_array(c->nlog, sizeof(*req->log),
					 GFP_KERNEL_ACCOUNT);
		if (!req->log) {
			req->nlog = 0;
			return -ENOMEM;
		}
	}
	memcpy(req->log, c->log, c->nlog * sizeof(*req->log));
	return 0;
}

/*
 * Is [sector * 512, + len) inside the backend? Computed without overflow;
 * *pos is the byte offset.
 */
static bool inside(const struct vha_blk_backend *be, u64 sector, u64 len,
		     u64 *pos)
{
	u64 end;

	if (check_mul_overflow(sector, (u64)VHA_BLK_SECTOR, pos) ||
	    check_add_overflow(*pos, len, &end))
		return false;
	return end <= be->capacity;
}

static bool read_only(const struct vha_blk_vq *bvq)
{
	return vha_blk_be(bvq)->read_only ||
	       vha_vq_has_feature(&bvq->vq, VIRTIO_BLK_F_RO);
}

/* IN / OUT: the data is a whole number of sectors inside the backend. */
static u8 check_rw(struct vha_blk_vq *bvq, struct vha_blk_req *req,
		   u64 sector)
{
	if (req->len % VHA_BLK_SECTOR ||
	    !inside(vha_blk_be(bvq), sector, req->len, &req->pos))
		return VIRTIO_BLK_S_IOERR;
	if (req->op == VHA_BLK_OP_WRITE && read_only(bvq))
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

/*
 * DISCARD / WRITE_ZEROES (5.2.6, struct virtio_blk_discard_write_zeroes):
 * a whole number of 16-byte segments after the header, at most
 * VHA_BLK_DWZ_SEG_MAX, each of 1 to the documented maximum sectors inside
 * the backend; flags: none on DISCARD, only UNMAP on WRITE_ZEROES (else
 * UNSUPP, 5.2.6.2).
 */
static u8 check_dwz(struct vha_blk_vq *bvq, struct vha_blk_req *req,
		    const struct vha_chain *c)
{
	bool zeroes = req->op == VHA_BLK_OP_WRITE_ZEROES;
	u32 max = zeroes ? VHOST_BLK_MAX_WRITE_ZEROES_SECTORS :
			   VHOST_BLK_MAX_DISCARD_SECTORS;
	size_t len = c->out_bytes - VHA_BLK_HDR_SIZE;
	u32 flags, num;
	unsigned int i;
	u64 pos;

	if (!len || len % sizeof(req->dwz[0]) ||
	    len > sizeof(req->dwz))
		return VIRTIO_BLK_S_IOERR;
	req->nseg = len / sizeof(req->dwz[0]);
	if (vha_iov_copy_from(req->dwz, c->iov, c->out_segs,
			      VHA_BLK_HDR_SIZE, len))
		return VIRTIO_BLK_S_IOERR;
	req->unmap = zeroes;
	for (i = 0; i < req->nseg; i++) {
		flags = le32_to_cpu(req->dwz[i].flags);
		num = le32_to_cpu(req->dwz[i].num_sectors);
		if (flags & ~(zeroes ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0))
			return VIRTIO_BLK_S_UNSUPP;
		if (!(flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
			req->unmap = false;
		if (!num || num > max ||
		    !inside(vha_blk_be(bvq), le64_to_cpu(req->dwz[i].sector),
			      (u64)num * VHA_BLK_SECTOR, &pos))
			return VIRTIO_BLK_S_IOERR;
	}
	if (read_only(bvq))
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

/* GET_ID: the serial, as much of its 20 bytes as the buffer takes. */
static void get_id(struct vha_blk_vq *bvq, struct vha_blk_req *req,
		   const struct vha_chain *c)
{
	const struct iovec *in = c->iov + c->out_segs;
	size_t n = min_t(size_t, c->in_bytes - 1, VIRTIO_BLK_ID_BYTES);

	if (vha_iov_copy_to(in, c->in_segs, 0, vq_to_blk(&bvq->vq)->serial,
			    n)) {
		req->status_val = VIRTIO_BLK_S_IOERR;
		return;
	}
	req->written = n;
}

/* Which operation a request type is, and whether the driver may ask it. */
static u8 op_of(struct vha_blk_vq *bvq, u32 type, u8 *op)
{
	const struct vha_vq *vq = &bvq->vq;

	switch (type) {
	case VIRTIO_BLK_T_IN:
		*op = VHA_BLK_OP_READ;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT:
		*op = VHA_BLK_OP_WRITE;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		*op = VHA_BLK_OP_FLUSH;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		*op = VHA_BLK_OP_NONE;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_DISCARD:
		*op = VHA_BLK_OP_DISCARD;
		if (!vha_vq_has_feature(vq, VIRTIO_BLK_F_DISCARD) ||
		    !vha_blk_be(bvq)->can_discard)
			return VIRTIO_BLK_S_UNSUPP;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_WRITE_ZEROES:
		*op = VHA_BLK_OP_WRITE_ZEROES;
		if (!vha_vq_has_feature(vq, VIRTIO_BLK_F_WRITE_ZEROES))
			return VIRTIO_BLK_S_UNSUPP;
		return VIRTIO_BLK_S_OK;
	}
	*op = VHA_BLK_OP_NONE;
	return VIRTIO_BLK_S_UNSUPP;
}

/* Check the request; set up its data segments. A status byte or OK. */
static u8 prepare(struct vha_blk_vq *bvq, struct vha_blk_req *req,
		  const struct vha_chain *c, u32 type, u64 sector)
{
	u8 st = op_of(bvq, type, &req->op);

	if (st != VIRTIO_BLK_S_OK)
		return st;
	switch (req->op) {
	case VHA_BLK_OP_READ:
		req->len = c->in_bytes - 1;
		if (take_segs(req, c->iov + c->out_segs, c->in_segs, 0,
			      req->len))
			return VIRTIO_BLK_S_IOERR;
		return check_rw(bvq, req, sector);
	case VHA_BLK_OP_WRITE:
		req->len = c->out_bytes - VHA_BLK_HDR_SIZE;
		if (take_segs(req, c->iov, c->out_segs, VHA_BLK_HDR_SIZE,
			      req->len))
			return VIRTIO_BLK_S_IOERR;
		return check_rw(bvq, req, sector);
	case VHA_BLK_OP_DISCARD:
	case VHA_BLK_OP_WRITE_ZEROES:
		return check_dwz(bvq, req, c);
	case VHA_BLK_OP_NONE:
		get_id(bvq, req, c);
		return req->status_val;
	}
	return VIRTIO_BLK_S_OK;		/* FLUSH */
}

/*
 * Start the request a chain carries (virtio 1.x: the header is
 * little-endian). 0: it is under way, or already
 * complete (a refused request gets its status without touching the
 * backend); -EINVAL: the chain has no readable 16-byte header or no
 * writable status byte, a ring error (5.2.6.1: the driver MUST put them
 * there), the request not started.
 */
int vha_blk_req_start(struct vha_blk_vq *bvq, struct vha_blk_req *req,
		      const struct vha_chain *c)
{
	struct virtio_blk_outhdr hdr;
	const struct iovec *last;
	u32 type;
	u64 sector;
	u8 st;

	if (c->out_bytes < VHA_BLK_HDR_SIZE || !c->in_bytes)
		return -EINVAL;
	last = &c->iov[c->out_segs + c->in_segs - 1];
	BUILD_BUG_ON(sizeof(hdr) != VHA_BLK_HDR_SIZE);
	if (vha_iov_copy_from(&hdr, c->iov, c->out_segs, 0, sizeof(hdr)))
		return -EINVAL;
	req->be = vha_blk_be(bvq);
	req->id = c->id;
	req->ndesc = c->ndesc;
	req->status = (u8 __user *)last->iov_base + last->iov_len - 1;
	req->status_val = VIRTIO_BLK_S_OK;
	req->written = 0;
	req->len = 0;
	req->nsegs = 0;
	req->iov = req->iov_inline;
	req->res = 0;
	req->start_ns = trace_vha_blk_complete_enabled() ? ktime_get_ns() : 0;
	type = __virtio32_to_cpu(true, hdr.type);
	sector = __virtio64_to_cpu(true, hdr.sector);
	if (take_log(req, c))
		st = VIRTIO_BLK_S_IOERR;
	else
		st = prepare(bvq, req, c, type, sector);
	trace_vha_blk_submit(&bvq->vq, req->id, type, sector, req->len, st);
	if (st != VIRTIO_BLK_S_OK || req->op == VHA_BLK_OP_NONE ||
	    ((req->op == VHA_BLK_OP_READ || req->op == VHA_BLK_OP_WRITE) &&
	     !req->len)) {
		req->status_val = st;
		req->op = VHA_BLK_OP_NONE;
		vha_blk_complete(req);
		return 0;
	}
	if (req->op == VHA_BLK_OP_READ || req->op == VHA_BLK_OP_WRITE)
		vha_blk_submit_rw(req);
	else
		vha_blk_submit_blocking(req);
	return 0;
}

/* The request's resources go; it may be taken again. */
void vha_blk_req_release(struct vha_blk_req *req)
{
	if (req->iov != req->iov_inline)
		kfree(req->iov);
	req->iov = req->iov_inline;
	if (req->log != req->log_inline)
		kfree(req->log);
	req->log = req->log_inline;
	req->nlog = 0;
}
