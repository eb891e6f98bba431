// SPDX-License-Identifier: GPL-2.0
/*
 * A request queue's two handlers, both on the queue's worker under
 * vq.mutex: the kick handler fetches chains and starts their requests (all
 * of one run submitted under one block plug); the done handler takes the
 * requests that completed, lock-free from any context, writes their status
 * bytes (after their data: they completed), logs what the device wrote,
 * and returns them with one used-index update and at most one guest
 * notification per batch. Requests are preallocated per queue when it
 * starts, at most VHOST_BLK_MAX_INFLIGHT; with none free the kick handler
 * stops, and the done handler restarts it once requests come back.
 */
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vhost_core/log.h"
#include "blk.h"
#include "trace.h"

/* Any context (a bio's completion included); @req is done with. */
void vha_blk_complete(struct vha_blk_req *req)
{
	struct vha_blk_vq *bvq = req->bvq;

	/* Queued once per batch: the first completion after an empty list. */
	if (llist_add(&req->node, &bvq->done))
		vha_vq_queue_work(&bvq->vq, &bvq->done_work);
}

/* The status of a request whose I/O finished (see io.c for res). */
static u8 status_of(struct vha_blk_req *req)
{
	switch (req->op) {
	case VHA_BLK_OP_NONE:
		return req->status_val;
	case VHA_BLK_OP_READ:
	case VHA_BLK_OP_WRITE:
		if (req->res < 0 || (size_t)req->res != req->len)
			return VIRTIO_BLK_S_IOERR;
		if (req->op == VHA_BLK_OP_READ)
			req->written = req->len;
		return VIRTIO_BLK_S_OK;
	}
	if (req->res == -EOPNOTSUPP)
		return VIRTIO_BLK_S_UNSUPP;
	return req->res ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/* Module-wide and the queue's counters (one request; its data bytes). */
static void count(struct vha_blk_vq *bvq, const struct vha_blk_req *req,
		  u8 st)
{
	static const u8 stat_of_op[] = {
		[VHA_BLK_OP_NONE] = VHA_BLK_STAT_GET_IDS,
		[VHA_BLK_OP_READ] = VHA_BLK_STAT_READS,
		[VHA_BLK_OP_WRITE] = VHA_BLK_STAT_WRITES,
		[VHA_BLK_OP_FLUSH] = VHA_BLK_STAT_FLUSHES,
		[VHA_BLK_OP_DISCARD] = VHA_BLK_STAT_DISCARDS,
		[VHA_BLK_OP_WRITE_ZEROES] = VHA_BLK_STAT_WRITE_ZEROES,
	};

	vha_vq_count(&bvq->vq, 1, st == VIRTIO_BLK_S_OK &&
		     (req->op == VHA_BLK_OP_READ ||
		      req->op == VHA_BLK_OP_WRITE) ? req->len : 0);
	if (st == VIRTIO_BLK_S_IOERR) {
		vha_blk_stat_add(VHA_BLK_STAT_IOERR, 1);
		vha_vq_count_backend_error(&bvq->vq);
		return;
	}
	if (st == VIRTIO_BLK_S_UNSUPP) {
		vha_blk_stat_add(VHA_BLK_STAT_UNSUPP, 1);
		return;
	}
	if (req->op != VHA_BLK_OP_NONE || req->written)
		vha_blk_stat_add(stat_of_op[req->op], 1);
	if (req->op == VHA_BLK_OP_READ)
		vha_blk_stat_add(VHA_BLK_STAT_READ_BYTES, req->len);
	if (req->op == VHA_BLK_OP_WRITE)
		vha_blk_stat_add(VHA_BLK_STAT_WRITE_BYTES, req->len);
}

/*
 * Dirty log: the data bytes the device wrote (the start of the writable
 * part), and the status byte (its end), at the guest addresses the chain
 * had. A no-op unless logging is on.
 */
static void log_req(struct vha_blk_vq *bvq, const struct vha_blk_req *req)
{
	struct vha_chain c = { .log = req->log, .nlog = req->nlog };
	const struct vha_log *last;
	struct vha_log st;

	if (!req->nlog)
		return;
	if (req->written)
		vha_vq_log_chain(&bvq->vq, &c, req->written);
	last = &req->log[req->nlog - 1];
	st = (struct vha_log){ .addr = last->addr + last->len - 1, .len = 1 };
	c.log = &st;
	c.nlog = 1;
	vha_vq_log_chain(&bvq->vq, &c, 1);
}

/* Status byte, dirty log and used entry of one finished request. */
static void finish(struct vha_blk_vq *bvq, struct vha_blk_req *req)
{
	u8 st = status_of(req);

	vha_blk_end_write(req);
	count(bvq, req, st);
	trace_vha_blk_complete(&bvq->vq, req->id, st, req->start_ns);
	/*
	 * After the data (the request completed); before the used entry
	 * (vringh orders the used entries before the index or flags that
	 * publish them). A status the guest unmapped meanwhile is lost.
	 */
	if (put_user(st, req->status))
		pr_debug("vq %u: status byte of request %u not writable\n",
			 bvq->vq.index, req->id);
	log_req(bvq, req);
	bvq->used[bvq->nused++] = (struct vha_used){
		.id = req->id, .ndesc = req->ndesc, .len = req->written + 1,
	};
	vha_blk_req_release(req);
	bvq->free[bvq->nfree++] = req;
}

/*
 * Return what completed: statuses, then one push of the used entries
 * (one index update, one notification decision). Hold vq.mutex.
 */
static void process_done(struct vha_blk_vq *bvq)
{
	struct vha_blk_req *req, *next;
	struct llist_node *node;
	unsigned int n = 0;

	lockdep_assert_held(&bvq->vq.mutex);
	node = llist_del_all(&bvq->done);
	if (!node)
		return;
	node = llist_reverse_order(node);
	llist_for_each_entry_safe(req, next, node, node) {
		if (vha_blk_retry(req))
			continue;
		finish(bvq, req);
		n++;
	}
	if (bvq->nused) {
		vha_vq_push(&bvq->vq, bvq->used, bvq->nused);
		vha_blk_stat_add(VHA_BLK_STAT_BATCHES, 1);
		bvq->nused = 0;
	}
	/* After the push: a detach waiting for this sees the used entries. */
	if (n && atomic_sub_and_test(n, &bvq->inflight))
		wake_up(&bvq->idle);
	if (bvq->want_req && bvq->nfree) {
		bvq->want_req = false;
		vha_poll_queue(&bvq->vq.poll);
	}
}

void vha_blk_handle_done(struct vha_work *work)
{
	struct vha_blk_vq *bvq = container_of(work, struct vha_blk_vq,
					      done_work);

	mutex_lock(&bvq->vq.mutex);
	process_done(bvq);
	mutex_unlock(&bvq->vq.mutex);
}

/*
 * The driver broke a rule the ring parser cannot see (a chain with no
 * header or no status byte): report it on the error eventfd and stop the
 * queue until it is started again (VHOST_BLK_SET_BACKEND), as the VIRTIO
 * spec lets a device do with a driver it cannot trust.
 */
static void break_queue(struct vha_blk_vq *bvq)
{
	pr_debug("vq %u: chain without header or status, queue stopped\n",
		 bvq->vq.index);
	bvq->broken = true;
	vha_vq_error(&bvq->vq);
}

/* The ring is empty: true if the loop should look again. */
static bool idle(struct vha_blk_vq *bvq, u64 *until)
{
	struct vha_vq *vq = &bvq->vq;

	if (vha_vq_busy_poll(vq, until))
		return true;
	if (vha_vq_enable_notify(vq) == 1) {
		vha_vq_disable_notify(vq);
		return true;
	}
	return false;
}

/* Fetch a chain into @c, with the writable buffers' guest addresses. */
static int get_chain(struct vha_vq *vq, struct vha_chain *c)
{
	vha_vq_chain_init(vq, c);
	/* Always: logging may be turned on before the request completes. */
	c->log = vq->log;
	c->log_max = vq->dev->cfg.iov_limit;
	return vha_vq_get_chain(vq, c);
}

static void fetch(struct vha_blk_vq *bvq)
{
	struct vha_vq *vq = &bvq->vq;
	unsigned int reqs = 0;
	struct vha_blk_req *req;
	struct blk_plug plug;
	struct vha_chain c;
	size_t bytes = 0;
	u64 until = 0;
	int ret;

	vha_vq_disable_notify(vq);
	blk_start_plug(&plug);
	for (;;) {
		if (!bvq->nfree) {
			bvq->want_req = true;
			break;
		}
		ret = get_chain(vq, &c);
		if (ret < 0)
			break;
		if (!ret) {
			if (idle(bvq, &until))
				continue;
			break;
		}
		req = bvq->free[--bvq->nfree];
		atomic_inc(&bvq->inflight);
		if (vha_blk_req_start(bvq, req, &c)) {
			atomic_dec(&bvq->inflight);
			bvq->free[bvq->nfree++] = req;
			vha_ring_unget(&vq->ring, &c);
			break_queue(bvq);
			break;
		}
		bytes += c.out_bytes + c.in_bytes;
		if (vha_vq_exceeds_weight(vq, ++reqs, bytes))
			break;
	}
	blk_finish_plug(&plug);
}

/* The guest kicked the queue, or requests came back after a shortage. */
void vha_blk_handle_kick(struct vha_work *work)
{
	struct vha_vq *vq = container_of(work, struct vha_vq, poll.work);
	struct vha_blk_vq *bvq = to_blk_vq(vq);

	mutex_lock(&vq->mutex);
	if (vha_blk_be(bvq) && !bvq->broken && !bvq->stopping &&
	    vha_vq_prefetch(vq) == 1)
		fetch(bvq);
	/* What completed meanwhile, refused requests included. */
	process_done(bvq);
	mutex_unlock(&vq->mutex);
}

/* Requests for a queue of vq.num entries, when it starts. Hold vq.mutex. */
int vha_blk_queue_alloc(struct vha_blk_vq *bvq)
{
	unsigned int i, n = min_t(u32, bvq->vq.num, VHOST_BLK_MAX_INFLIGHT);

	lockdep_assert_held(&bvq->vq.mutex);
	bvq->reqs = kvcalloc(n, sizeof(*bvq->reqs), GFP_KERNEL_ACCOUNT);
	bvq->free = kcalloc(n, sizeof(*bvq->free), GFP_KERNEL_ACCOUNT);
	bvq->used = kcalloc(n, sizeof(*bvq->used), GFP_KERNEL_ACCOUNT);
	if (!bvq->reqs || !bvq->free || !bvq->used) {
		vha_blk_queue_free(bvq);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		bvq->reqs[i].bvq = bvq;
		bvq->reqs[i].iov = bvq->reqs[i].iov_inline;
		bvq->reqs[i].log = bvq->reqs[i].log_inline;
		bvq->free[i] = &bvq->reqs[n - 1 - i];
	}
	bvq->nreq = n;
	bvq->nfree = n;
	bvq->nused = 0;
	bvq->want_req = false;
	bvq->broken = false;
	bvq->stopping = false;
	return 0;
}

/* Nothing in flight any more (the queue was drained). Hold vq.mutex. */
void vha_blk_queue_free(struct vha_blk_vq *bvq)
{
	lockdep_assert_held(&bvq->vq.mutex);
	WARN_ON_ONCE(atomic_read(&bvq->inflight));
	kvfree(bvq->reqs);
	kfree(bvq->free);
	kfree(bvq->used);
	bvq->reqs = NULL;
	bvq->free = NULL;
	bvq->used = NULL;
	bvq->nreq = 0;
	bvq->nfree = 0;
}
