// SPDX-License-Identifier: GPL-2.0
/*
 * blk_uring: see blk_uring.h. Request rules from VIRTIO 1.2 5.2.6, checked
 * as /dev/vhost-blk checks them (vhost_blk/request.c), so that both do the
 * same work per request.
 *
 * A queue's thread owns everything of its queue: ring, io_uring, requests.
 * Its loop: take every completion (and the kick, if it came), fetch the
 * chains the driver added, return the finished requests to the guest in
 * one batch, then one io_uring_enter submits the new requests and sleeps
 * until the next completion or kick.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_blk.h>

#include "blk_uring.h"
#include "vringh/vringh.h"

enum {
	HDR_SIZE = 16,		/* struct virtio_blk_outhdr */
	SECTOR = 512,
	SEG_MAX = 128,		/* data segments of one request */
	CHAIN_IOV = 1024,	/* segments of one chain (UIO_MAXIOV) */
	FD_BACKEND = 0,		/* registered files */
	FD_KICK = 1,
};

/* user_data of the kick read; a request's is its (aligned) address */
#define KICK_TAG 1ULL

enum op { OP_NONE, OP_READ, OP_WRITE, OP_FLUSH };

struct req {
	uint8_t *status;
	uint64_t pos;		/* bytes */
	uint32_t len;		/* data bytes */
	uint32_t written;	/* bytes written into the guest's buffers */
	uint16_t id;
	uint16_t ndesc;
	uint8_t op;
	unsigned int nseg;
	struct iovec seg[SEG_MAX];
};

/* Everything here belongs to the queue's thread, but st and failure. */
struct queue {
	struct blk_uring *b;
	const struct blk_uring_queue *cfg;
	pthread_t thread;
	bool started;
	pid_t tid;
	int setup_err;
	struct io_uring uring;
	struct vha_ring ring;
	struct req *reqs;
	struct req **free;		/* stack of free requests */
	unsigned int nfree;
	unsigned int inflight;		/* submitted to io_uring */
	struct vha_used *used;		/* the batch being returned */
	unsigned int nused;
	struct iovec *iov;		/* one chain's segments */
	bool kicked;
	bool want_req;			/* fetch stopped: no free request */
	const char *failure;		/* written once, by the thread */
	struct blk_uring_stats st;	/* written by the thread only */
};

struct blk_uring {
	struct blk_uring_cfg cfg;
	struct vha_region *regions;
	struct vha_memtable table;
	pthread_mutex_t lock;		/* nready */
	pthread_cond_t ready_cond;
	unsigned int nready;
	bool stopping;
	const char *setup;		/* flags the io_uring got */
	struct queue q[BLK_URING_MAX_QUEUES];
};

/* A counter the main thread may read while the queue's thread runs. */
static void bump(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static void fail(struct queue *q, const char *why)
{
	if (!q->failure)
		__atomic_store_n(&q->failure, why, __ATOMIC_RELEASE);
}

static bool stopping(const struct queue *q)
{
	return __atomic_load_n(&q->b->stopping, __ATOMIC_ACQUIRE);
}

/* An SQE; the SQ holds a queue's worth, so this only flushes if it must. */
static struct io_uring_sqe *get_sqe(struct queue *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->uring);

	if (!sqe) {
		io_uring_submit(&q->uring);
		sqe = io_uring_get_sqe(&q->uring);
	}
	return sqe;
}

/*
 * Kicks: a multishot poll on the eventfd, armed once, that posts a CQE
 * for every write the driver makes. The eventfd is never read, as vhost
 * never reads it either (its wake-up callback is all it uses): reading
 * and re-arming would take the eventfd's lock three times a kick, the
 * lock the driver's write holds, a contention vhost does not have.
 */
static int arm_kick(struct queue *q)
{
	struct io_uring_sqe *sqe = get_sqe(q);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_multishot(sqe, FD_KICK, POLLIN);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, KICK_TAG);
	return 0;
}

/* Finished: status byte, used entry into the batch, request free again. */
static void finish(struct queue *q, struct req *req, uint8_t st)
{
	if (req->op == OP_READ && st == VIRTIO_BLK_S_OK)
		req->written = req->len;
	/* before the used entry: vha_ring_push() fences ahead of the index */
	*req->status = st;
	q->used[q->nused++] = (struct vha_used){
		.id = req->id, .ndesc = req->ndesc, .len = req->written + 1,
	};
	q->free[q->nfree++] = req;
}

/* Done: all of it, or an error (a short transfer is one, as in vhost). */
static void complete(struct queue *q, struct req *req, int res)
{
	uint32_t want = req->op == OP_FLUSH ? 0 : req->len;

	q->inflight--;
	finish(q, req, res >= 0 && (uint32_t)res == want ?
		       VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR);
}

/* A kick; the poll stays armed while the CQE says MORE. */
static void kicked(struct queue *q, const struct io_uring_cqe *cqe)
{
	bump(&q->st.wakeups, 1);
	if (cqe->res < 0 && cqe->res != -ECANCELED && cqe->res != -EINTR) {
		fail(q, "polling the kick eventfd failed");
		return;
	}
	q->kicked = true;
	if (!(cqe->flags & IORING_CQE_F_MORE) && arm_kick(q))
		fail(q, "no SQE for the kick");
}

/* Take every completion there is. */
static void reap(struct queue *q)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(&q->uring, head, cqe) {
		n++;
		if (cqe->user_data == KICK_TAG)
			kicked(q, cqe);
		else
			complete(q, io_uring_cqe_get_data(cqe), cqe->res);
	}
	io_uring_cq_advance(&q->uring, n);
}

/*
 * Point req->seg at bytes [skip, skip + req->len) of @iov[0..n): false if
 * that takes more than SEG_MAX segments.
 */
static bool take_segs(struct req *req, const struct iovec *iov,
		      unsigned int n, size_t skip)
{
	size_t len = req->len, part;
	unsigned int i;

	req->nseg = 0;
	for (i = 0; i < n && len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		if (req->nseg == SEG_MAX)
			return false;
		part = min(len, iov[i].iov_len - skip);
		req->seg[req->nseg].iov_base = (uint8_t *)iov[i].iov_base + skip;
		req->seg[req->nseg++].iov_len = part;
		len -= part;
		skip = 0;
	}
	return true;
}

/* IN / OUT: whole sectors inside the backend, in at most SEG_MAX parts. */
static uint8_t rw(struct queue *q, struct req *req, const struct iovec *iov,
		  unsigned int n, size_t skip, uint64_t sector)
{
	uint64_t cap = q->b->cfg.capacity;

	if (req->len % SECTOR || sector > cap / SECTOR ||
	    req->len > cap - sector * SECTOR || !take_segs(req, iov, n, skip))
		return VIRTIO_BLK_S_IOERR;
	req->pos = sector * SECTOR;
	if (!req->len)
		req->op = OP_NONE;
	return VIRTIO_BLK_S_OK;
}

/* GET_ID: the serial is empty (all zero), as much as the buffer takes. */
static uint8_t get_id(struct req *req, const struct vha_chain *c)
{
	static const char serial[VIRTIO_BLK_ID_BYTES];
	size_t n = min((size_t)c->in_bytes - 1, sizeof(serial));

	req->op = OP_NONE;
	if (vha_iov_copy_to(c->iov + c->out_segs, c->in_segs, 0, serial, n))
		return VIRTIO_BLK_S_IOERR;
	req->written = n;
	return VIRTIO_BLK_S_OK;
}

/* What the request asks; its status if decided here, else OK. */
static uint8_t prepare(struct queue *q, struct req *req,
		       const struct vha_chain *c, uint32_t type,
		       uint64_t sector)
{
	switch (type) {
	case VIRTIO_BLK_T_IN:
		req->op = OP_READ;
		req->len = c->in_bytes - 1;
		return rw(q, req, c->iov + c->out_segs, c->in_segs, 0, sector);
	case VIRTIO_BLK_T_OUT:
		req->op = OP_WRITE;
		req->len = c->out_bytes - HDR_SIZE;
		return rw(q, req, c->iov, c->out_segs, HDR_SIZE, sector);
	case VIRTIO_BLK_T_FLUSH:
		req->op = OP_FLUSH;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		return get_id(req, c);
	}
	req->op = OP_NONE;
	return VIRTIO_BLK_S_UNSUPP;
}

static void submit(struct queue *q, struct req *req)
{
	struct io_uring_sqe *sqe = get_sqe(q);
	void *one = req->seg[0].iov_base;

	if (!sqe) {
		fail(q, "no SQE");
		finish(q, req, VIRTIO_BLK_S_IOERR);
		return;
	}
	/* one segment (the usual 4 KiB request): no iovec to import */
	if (req->op == OP_READ && req->nseg == 1)
		io_uring_prep_read(sqe, FD_BACKEND, one, req->len, req->pos);
	else if (req->op == OP_READ)
		io_uring_prep_readv(sqe, FD_BACKEND, req->seg, req->nseg,
				    req->pos);
	else if (req->op == OP_WRITE && req->nseg == 1)
		io_uring_prep_write(sqe, FD_BACKEND, one, req->len, req->pos);
	else if (req->op == OP_WRITE)
		io_uring_prep_writev(sqe, FD_BACKEND, req->seg, req->nseg,
				     req->pos);
	else
		io_uring_prep_fsync(sqe, FD_BACKEND, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data(sqe, req);
	q->inflight++;
}

/*
 * Start the request a chain carries: 0, or -EINVAL if the chain has no
 * 16-byte readable header or no writable status byte (5.2.6.1: a driver
 * that does this cannot be served; the queue stops, as /dev/vhost-blk's).
 */
static int start(struct queue *q, const struct vha_chain *c)
{
	struct virtio_blk_outhdr hdr;
	const struct iovec *last;
	struct req *req;
	uint8_t st;

	if (c->out_bytes < HDR_SIZE || !c->in_bytes ||
	    vha_iov_copy_from(&hdr, c->iov, c->out_segs, 0, HDR_SIZE)) {
		vha_ring_unget(&q->ring, c);
		fail(q, "chain without header or status");
		return -EINVAL;
	}
	req = q->free[--q->nfree];
	last = &c->iov[c->out_segs + c->in_segs - 1];
	req->status = (uint8_t *)last->iov_base + last->iov_len - 1;
	req->id = c->id;
	req->ndesc = c->ndesc;
	req->written = 0;
	req->len = 0;
	st = prepare(q, req, c, le32toh((__force uint32_t)hdr.type),
		     le64toh((__force uint64_t)hdr.sector));
	if (st != VIRTIO_BLK_S_OK || req->op == OP_NONE) {
		req->op = OP_NONE;
		finish(q, req, st);
		return 0;
	}
	submit(q, req);
	return 0;
}

/*
 * Fetch every chain the driver made available, with its kicks off; on an
 * empty ring turn them on again and look once more (the race the spec
 * describes in 2.7.10). Stops early when every request is in flight: the
 * next completion resumes it.
 */
static void fetch(struct queue *q)
{
	struct vha_chain c;
	int ret;

	vha_ring_disable_notify(&q->ring);
	for (;;) {
		if (!q->nfree) {
			q->want_req = true;
			return;
		}
		memset(&c, 0, sizeof(c));
		c.iov = q->iov;
		c.iov_max = CHAIN_IOV;
		ret = vha_ring_get(&q->ring, &c);
		if (ret == 1 && start(q, &c))
			return;
		if (ret == 1)
			continue;
		if (!ret)
			ret = vha_ring_enable_notify(&q->ring);
		if (ret < 0)
			fail(q, vha_ring_error_name(vha_ring_error(&q->ring)));
		if (ret != 1)
			return;
		vha_ring_disable_notify(&q->ring);
	}
}

/* The batch back to the guest: one index update, at most one call. */
static void publish(struct queue *q)
{
	static const uint64_t one = 1;
	unsigned int n = q->nused;

	if (!n)
		return;
	q->nused = 0;
	if (vha_ring_push(&q->ring, q->used, n)) {
		fail(q, vha_ring_error_name(vha_ring_error(&q->ring)));
		return;
	}
	bump(&q->st.requests, n);
	bump(&q->st.batches, 1);
	if (vha_ring_need_notify(&q->ring) != 1)
		return;
	bump(&q->st.calls, 1);
	if (write(q->cfg->call, &one, sizeof(one)) != sizeof(one))
		fail(q, "writing the call eventfd failed");
}

static void serve(struct queue *q)
{
	int ret;

	q->kicked = true;	/* whatever the driver queued before we ran */
	for (;;) {
		reap(q);
		if (q->kicked || (q->want_req && q->nfree)) {
			q->kicked = false;
			q->want_req = false;
			if (!stopping(q) && !q->failure)
				fetch(q);
		}
		publish(q);
		if (stopping(q) && !q->inflight)
			return;
		ret = io_uring_submit_and_wait(&q->uring, 1);
		bump(&q->st.enters, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY && ret != -ETIME) {
			fail(q, "io_uring_enter failed");
			return;
		}
	}
}

/*
 * The io_uring, by default with the cheapest completion delivery the
 * kernel has: task work run only when the thread enters the kernel to
 * wait (6.1), else without interrupting it (5.19), else plain. The order
 * of setups[] is that of enum blk_uring_setup.
 */
static int uring_setup(struct queue *q, unsigned int entries)
{
	static const struct {
		unsigned int flags;
		const char *name;
	} setups[] = {
		{ IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		  "single-issuer,defer-taskrun" },
		{ IORING_SETUP_COOP_TASKRUN, "coop-taskrun" },
		{ 0, "plain" },
	};
	struct io_uring_params p;
	unsigned int i;
	int ret = -EINVAL;

	for (i = q->b->cfg.setup; i < ARRAY_SIZE(setups) && ret == -EINVAL;
	     i++) {
		memset(&p, 0, sizeof(p));
		p.flags = setups[i].flags;
		ret = io_uring_queue_init_params(entries, &q->uring, &p);
		if (!ret && q == &q->b->q[0])
			q->b->setup = setups[i].name;
	}
	return ret;
}

static int queue_setup(struct queue *q)
{
	int fds[2] = { q->b->cfg.fd, q->cfg->kick };
	int ret;

	ret = uring_setup(q, q->cfg->num + 1);
	if (ret)
		return ret;
	ret = io_uring_register_files(&q->uring, fds, 2);
	if (!ret)
		ret = arm_kick(q);
	if (ret)
		io_uring_queue_exit(&q->uring);
	return ret;
}

static void *queue_main(void *arg)
{
	struct queue *q = arg;
	struct blk_uring *b = q->b;

	q->tid = gettid();
	q->setup_err = queue_setup(q);
	pthread_mutex_lock(&b->lock);
	b->nready++;
	pthread_cond_signal(&b->ready_cond);
	pthread_mutex_unlock(&b->lock);
	if (q->setup_err)
		return NULL;
	serve(q);
	io_uring_queue_exit(&q->uring);
	return NULL;
}

static int queue_init(struct blk_uring *b, unsigned int idx)
{
	const struct blk_uring_cfg *cfg = &b->cfg;
	struct queue *q = &b->q[idx];
	struct vha_ring_config rc = {
		.desc = cfg->q[idx].desc,
		.avail = cfg->q[idx].avail,
		.used = cfg->q[idx].used,
		.num = cfg->q[idx].num,
		.features = (cfg->event_idx ? VHA_RING_F_EVENT_IDX : 0) |
			    (cfg->indirect ? VHA_RING_F_INDIRECT : 0) |
			    (cfg->packed ? VHA_RING_F_PACKED : 0),
		.mem = { .kind = VHA_MEM_TABLE, .table = &b->table },
	};
	uint32_t i, n = rc.num;
	int ret;

	q->b = b;
	q->cfg = &cfg->q[idx];
	q->reqs = calloc(n, sizeof(*q->reqs));
	q->free = calloc(n, sizeof(*q->free));
	q->used = calloc(n, sizeof(*q->used));
	q->iov = calloc(CHAIN_IOV, sizeof(*q->iov));
	if (!q->reqs || !q->free || !q->used || !q->iov)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		q->free[i] = &q->reqs[n - 1 - i];
	q->nfree = n;
	/* a new ring: position 0, wrap counters 1 (vha_ring_init) */
	ret = vha_ring_init(&q->ring, &rc);
	return ret ? ret : vha_ring_start(&q->ring);
}

static int table_init(struct blk_uring *b)
{
	const struct blk_uring_cfg *cfg = &b->cfg;
	unsigned int i;

	b->regions = calloc(cfg->nregions, sizeof(*b->regions));
	if (!b->regions)
		return -ENOMEM;
	for (i = 0; i < cfg->nregions; i++)
		b->regions[i] = (struct vha_region){
			.start = cfg->regions[i].gpa,
			.size = cfg->regions[i].size,
			.host = (uintptr_t)cfg->regions[i].host,
		};
	b->table.nr = cfg->nregions;
	b->table.regions = b->regions;
	return vha_memtable_check(&b->table);
}

/* Stop and join the threads that were started, free everything. */
static void teardown(struct blk_uring *b)
{
	static const uint64_t one = 1;
	unsigned int i;

	__atomic_store_n(&b->stopping, true, __ATOMIC_RELEASE);
	for (i = 0; i < b->cfg.queues; i++)
		if (b->q[i].started &&
		    write(b->cfg.q[i].kick, &one, sizeof(one)) < 0)
			b->q[i].failure = "cannot wake the thread";
	for (i = 0; i < b->cfg.queues; i++) {
		if (b->q[i].started)
			pthread_join(b->q[i].thread, NULL);
		free(b->q[i].reqs);
		free(b->q[i].free);
		free(b->q[i].used);
		free(b->q[i].iov);
	}
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->ready_cond);
	free(b->regions);
	free(b);
}

/* Start every queue's thread and wait for their io_urings. */
static int start_threads(struct blk_uring *b)
{
	unsigned int i, n = 0;
	int ret = 0;

	for (i = 0; i < b->cfg.queues && !ret; i++) {
		ret = -pthread_create(&b->q[i].thread, NULL, queue_main,
				      &b->q[i]);
		b->q[i].started = !ret;
		n += !ret;
	}
	pthread_mutex_lock(&b->lock);
	while (b->nready < n)
		pthread_cond_wait(&b->ready_cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	for (i = 0; i < n && !ret; i++)
		ret = b->q[i].setup_err;
	return ret;
}

int blk_uring_start(struct blk_uring **out, const struct blk_uring_cfg *cfg)
{
	struct blk_uring *b;
	unsigned int i;
	int ret;

	if (!cfg->queues || cfg->queues > BLK_URING_MAX_QUEUES ||
	    !cfg->nregions)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->ready_cond, NULL);
	ret = table_init(b);
	for (i = 0; !ret && i < cfg->queues; i++)
		ret = queue_init(b, i);
	if (!ret)
		ret = start_threads(b);
	if (ret) {
		teardown(b);
		return ret;
	}
	*out = b;
	return 0;
}

void blk_uring_stop(struct blk_uring *b)
{
	teardown(b);
}

pid_t blk_uring_tid(const struct blk_uring *b, unsigned int q)
{
	return b->q[q].tid;
}

void blk_uring_stats(const struct blk_uring *b, unsigned int q,
		     struct blk_uring_stats *st)
{
	const struct blk_uring_stats *s = &b->q[q].st;

	st->requests = __atomic_load_n(&s->requests, __ATOMIC_RELAXED);
	st->wakeups = __atomic_load_n(&s->wakeups, __ATOMIC_RELAXED);
	st->enters = __atomic_load_n(&s->enters, __ATOMIC_RELAXED);
	st->batches = __atomic_load_n(&s->batches, __ATOMIC_RELAXED);
	st->calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
}

const char *blk_uring_failure(const struct blk_uring *b, unsigned int q)
{
	return __atomic_load_n(&b->q[q].failure, __ATOMIC_ACQUIRE);
}

const char *blk_uring_setup_name(const struct blk_uring *b)
{
	return b->setup;
}
