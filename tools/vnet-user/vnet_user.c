// SPDX-License-Identifier: GPL-2.0
/*
 * vnet_user: see vnet_user.h. Rules from VIRTIO 1.2 5.1.6 (device
 * operation), checked as /dev/vhost-net checks them where the spec leaves
 * the device a choice, so that both do the same work per packet.
 *
 * Each queue's thread owns everything of its queue: the ring, the chains
 * it holds, the used batch. The two threads share only the tap fd, which
 * the kernel serialises, and the read-only memory table.
 *
 * TX: on a kick, fetch every chain the driver made available (kicks off
 * while it works), writev() each to the tap, return them in batches of
 * up to VNET_BATCH used entries with one index update and at most one
 * call; on an empty ring turn kicks on and look once more (2.7.10).
 *
 * RX: the thread keeps a FIFO of chains taken from the ring ("held")
 * whose writable segments lie end to end in one iovec array, so a frame
 * is read from the tap with one readv() straight into the next buffers.
 * With MRG_RXBUF it holds enough buffers for the largest frame (or all
 * the ring has) and a frame spans as many chains as it needs
 * (num_buffers); without, a frame goes into one chain. A bounce buffer
 * follows the guest's segments in every readv(): a frame larger than the
 * buffers held lands partly there instead of overflowing anything. With
 * MRG_RXBUF its tail waits there ("pending") until the driver adds
 * buffers, then is copied into them; without, or if it can never fit,
 * the frame is dropped and counted. The tap is watched only while the
 * thread holds buffers and no frame is pending; otherwise kicks are on
 * and the thread sleeps on the kick eventfd (as vhost_net: the packet
 * waits in the tap).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/uio.h>

#include "vnet_user.h"
#include "vringh/vringh.h"

enum {
	VNET_ETH_HLEN = 14,
	/* the largest frame a guest may send (vhost_net's TX limit) */
	VNET_FRAME_MAX = 65536 + 18,
	VNET_BATCH = 64,	/* used entries per index update */
	CHAIN_IOV = 1024,	/* segments of one chain (UIO_MAXIOV) */
	SEG_MAX = 1023,		/* RX held segments: + the bounce = IOV_MAX */
};

/* An RX chain taken from the ring, not yet filled. */
struct held {
	uint16_t id;
	uint16_t ndesc;
	uint32_t cap;		/* writable bytes */
	unsigned int nsegs;	/* its segments in queue.seg, in order */
};

struct queue {
	struct vnet_user *v;
	unsigned int idx;
	const struct vnet_user_queue *cfg;
	pthread_t thread;
	bool started;
	pid_t tid;
	struct vha_ring ring;
	struct iovec *iov;		/* one chain, as vha_ring_get() fills it */
	struct vha_used *used;		/* the batch being returned: num entries */
	unsigned int nused;
	/* RX only */
	struct held *held;		/* num entries; [hfront, hend) held */
	unsigned int hfront, hend;
	struct iovec *seg;		/* SEG_MAX + 1: [sfront, send) held */
	unsigned int sfront, send;
	uint64_t held_cap;		/* bytes of the held chains */
	uint8_t *bounce;
	size_t bounce_len;
	size_t pend_len;		/* a frame waiting for buffers, or 0 */
	size_t pend_in_guest;		/* its bytes already in held chains */
	const char *failure;		/* written once, by the thread */
	struct vnet_user_stats st;	/* written by the thread only */
};

struct vnet_user {
	struct vnet_user_cfg cfg;
	struct vha_region *regions;
	struct vha_memtable table;
	int stop_fd;			/* eventfd: both threads poll it */
	bool stopping;
	pthread_mutex_t lock;		/* nready */
	pthread_cond_t ready_cond;
	unsigned int nready;
	struct queue q[VNET_USER_QUEUES];
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

static void fail_ring(struct queue *q)
{
	fail(q, vha_ring_error_name(vha_ring_error(&q->ring)));
}

static bool stopping(const struct queue *q)
{
	return __atomic_load_n(&q->v->stopping, __ATOMIC_ACQUIRE);
}

static unsigned int hdr_len(const struct queue *q)
{
	return q->v->cfg.hdr_len;
}

/* The batch back to the guest: one index update, at most one call. */
static int publish(struct queue *q)
{
	static const uint64_t one = 1;
	unsigned int n = q->nused;

	if (!n)
		return 0;
	q->nused = 0;
	if (vha_ring_push(&q->ring, q->used, n)) {
		fail_ring(q);
		return -EIO;
	}
	bump(&q->st.batches, 1);
	if (vha_ring_need_notify(&q->ring) != 1)
		return 0;
	bump(&q->st.calls, 1);
	if (write(q->cfg->call, &one, sizeof(one)) != sizeof(one)) {
		fail(q, "writing the call eventfd failed");
		return -EIO;
	}
	return 0;
}

static int add_used(struct queue *q, uint16_t id, uint16_t ndesc,
		    uint32_t len)
{
	q->used[q->nused++] = (struct vha_used){
		.id = id, .ndesc = ndesc, .len = len,
	};
	return q->nused >= VNET_BATCH ? publish(q) : 0;
}

/* Next chain of the ring into q->iov: 1, 0 if none, -errno (failed). */
static int get_chain(struct queue *q, struct vha_chain *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->iov = q->iov;
	c->iov_max = CHAIN_IOV;
	ret = vha_ring_get(&q->ring, c);
	if (ret < 0)
		fail_ring(q);
	return ret;
}

/*
 * Sleep until the kick eventfd, the stop eventfd or (@tap_events) the tap
 * is ready; a kick is read (cleared). 0, or -errno.
 */
static int sleep_on(struct queue *q, short tap_events)
{
	struct pollfd p[3] = {
		{ .fd = q->cfg->kick, .events = POLLIN },
		{ .fd = q->v->stop_fd, .events = POLLIN },
		{ .fd = q->v->cfg.tap, .events = tap_events },
	};
	uint64_t v;
	int n;

	n = poll(p, tap_events ? 3 : 2, -1);
	if (n < 0 && errno != EINTR) {
		fail(q, "poll failed");
		return -errno;
	}
	bump(&q->st.wakeups, 1);
	if (n > 0 && (p[0].revents & POLLIN) &&
	    read(q->cfg->kick, &v, sizeof(v)) == sizeof(v))
		bump(&q->st.kicks, 1);
	if (tap_events && (p[2].revents & (POLLHUP | POLLERR | POLLNVAL))) {
		fail(q, "the tap hung up");
		return -EPIPE;
	}
	return 0;
}

/*
 * TX: one chain to the tap. 0 done (sent or dropped), 1 the tap is full
 * (the chain is back on the ring), -errno: the queue failed.
 */
static int tx_one(struct queue *q, const struct vha_chain *c)
{
	size_t min = hdr_len(q) + VNET_ETH_HLEN;
	size_t max = hdr_len(q) + VNET_FRAME_MAX;
	ssize_t n;

	/* 5.1.6.2: TX buffers are device-readable only */
	if (c->in_segs || c->out_bytes < min || c->out_bytes > max) {
		bump(&q->st.dropped, 1);
		return add_used(q, c->id, c->ndesc, 0);
	}
	do {
		n = writev(q->v->cfg.tap, c->iov, c->out_segs);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN) {
		vha_ring_unget(&q->ring, c);
		return 1;
	}
	if (n < 0) {		/* EINVAL: a header tun refuses */
		bump(&q->st.dropped, 1);
	} else {
		bump(&q->st.packets, 1);
		bump(&q->st.bytes, c->out_bytes);
	}
	return add_used(q, c->id, c->ndesc, 0);
}

/*
 * TX: send everything the driver made available, kicks off meanwhile.
 * 0: the ring is empty and kicks are on; 1: the tap is full; -errno.
 */
static int tx_run(struct queue *q)
{
	struct vha_chain c;
	int ret;

	vha_ring_disable_notify(&q->ring);
	while (!stopping(q)) {
		ret = get_chain(q, &c);
		if (ret == 1) {
			ret = tx_one(q, &c);
			if (ret)
				return ret < 0 ? ret : publish(q) ?: 1;
			continue;
		}
		if (!ret)
			ret = publish(q);
		if (!ret)
			ret = vha_ring_enable_notify(&q->ring);
		if (ret < 0 && !q->failure)
			fail_ring(q);
		if (ret != 1)
			return ret;
		vha_ring_disable_notify(&q->ring);
	}
	return publish(q);
}

static void tx_serve(struct queue *q)
{
	int ret = 0;

	while (!stopping(q)) {
		ret = tx_run(q);
		if (ret < 0 || stopping(q))
			return;
		/* the tap refused a frame: wait until it takes one again */
		if (sleep_on(q, ret == 1 ? POLLOUT : 0))
			return;
	}
}

/* RX: move the held chains to the start of their arrays (room at the end). */
static void rx_compact(struct queue *q)
{
	unsigned int nh = q->hend - q->hfront, ns = q->send - q->sfront;

	if (!q->hfront)
		return;
	memmove(q->held, q->held + q->hfront, nh * sizeof(*q->held));
	memmove(q->seg, q->seg + q->sfront, ns * sizeof(*q->seg));
	q->hfront = 0;
	q->hend = nh;
	q->sfront = 0;
	q->send = ns;
}

/*
 * RX: a chain the driver made available goes to the end of the held
 * FIFO: 1 held, 0 returned at once (not a receive buffer), 2 no room
 * (back on the ring), -errno.
 */
static int rx_hold(struct queue *q, const struct vha_chain *c)
{
	struct held *h;

	/* 5.1.6.3.1: device-writable only, each at least a header long */
	if (c->out_segs || c->in_bytes < hdr_len(q) ||
	    c->in_segs > SEG_MAX) {
		bump(&q->st.bad_chains, 1);
		return add_used(q, c->id, c->ndesc, 0);
	}
	if (q->send + c->in_segs > SEG_MAX || q->hend == q->cfg->num)
		rx_compact(q);
	if (q->send + c->in_segs > SEG_MAX) {
		vha_ring_unget(&q->ring, c);
		return 2;
	}
	memcpy(q->seg + q->send, c->iov, c->in_segs * sizeof(*c->iov));
	q->send += c->in_segs;
	h = &q->held[q->hend++];
	*h = (struct held){ .id = c->id, .ndesc = c->ndesc,
			    .cap = c->in_bytes, .nsegs = c->in_segs };
	q->held_cap += c->in_bytes;
	return 1;
}

/* Bytes of buffers the RX thread wants to hold before it reads. */
static bool rx_enough(const struct queue *q)
{
	if (!q->v->cfg.mrg_rxbuf)
		return q->hend > q->hfront;
	return q->held_cap >= hdr_len(q) + VNET_FRAME_MAX &&
	       q->held_cap >= q->pend_len;
}

/*
 * RX: take chains from the ring until enough are held. 1 enough or no
 * room for more, 0 the ring ran dry first, -errno.
 */
static int rx_refill(struct queue *q)
{
	struct vha_chain c;
	int ret;

	while (!rx_enough(q)) {
		ret = get_chain(q, &c);
		if (ret <= 0)
			return ret;
		ret = rx_hold(q, &c);
		if (ret < 0)
			return ret;
		if (ret == 2)
			return 1;
	}
	return 1;
}

/*
 * RX: a frame of @len bytes (header included) sits in the held chains
 * from the first on: give them back, the last one partly filled.
 */
static int rx_complete(struct queue *q, size_t len)
{
	const struct held *first = &q->held[q->hfront];
	size_t left = len, take;
	uint16_t nbuf = 0;
	__le16 num;
	int ret;

	for (; left; nbuf++) {
		const struct held *h = &q->held[q->hfront + nbuf];

		take = min_t(size_t, left, h->cap);
		left -= take;
	}
	/* 5.1.6.4: num_buffers, which tun leaves alone (5.1.6.4.2: 1 w/o MRG) */
	num = cpu_to_le16(nbuf);
	if (hdr_len(q) == 12 &&
	    vha_iov_copy_to(q->seg + q->sfront, first->nsegs, 10, &num, 2))
		return -EFAULT;
	for (left = len; left; q->hfront++) {
		const struct held *h = &q->held[q->hfront];

		take = min_t(size_t, left, h->cap);
		left -= take;
		q->sfront += h->nsegs;
		q->held_cap -= h->cap;
		ret = add_used(q, h->id, h->ndesc, take);
		if (ret)
			return ret;
	}
	bump(&q->st.packets, 1);
	bump(&q->st.bytes, len);
	return 0;
}

/* RX: the pending frame, if the buffers held now take it: 0 or -errno. */
static int rx_pending(struct queue *q, bool full)
{
	size_t len = q->pend_len;

	if (q->held_cap < len) {
		if (full) {	/* it can never fit: drop it */
			q->pend_len = 0;
			bump(&q->st.dropped, 1);
		}
		return 0;
	}
	q->pend_len = 0;
	if (vha_iov_copy_to(q->seg + q->sfront, q->send - q->sfront,
			    q->pend_in_guest, q->bounce,
			    len - q->pend_in_guest))
		return -EFAULT;
	return rx_complete(q, len);
}

/*
 * RX: read one frame from the tap into the held chains (with the bounce
 * buffer after them). 1 read (delivered, pending or dropped), 0 the tap
 * is empty, -errno.
 */
static int rx_one(struct queue *q)
{
	bool mrg = q->v->cfg.mrg_rxbuf;
	const struct held *first = &q->held[q->hfront];
	unsigned int nsegs = mrg ? q->send - q->sfront : first->nsegs;
	size_t cap = mrg ? q->held_cap : first->cap;
	struct iovec *iov = q->seg + q->sfront;
	ssize_t n;

	iov[nsegs] = (struct iovec){ q->bounce, q->bounce_len };
	do {
		n = readv(q->v->cfg.tap, iov, nsegs + 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0) {
		fail(q, n ? "reading the tap failed" : "the tap was closed");
		return n ? -errno : -EPIPE;
	}
	/*
	 * Longer than any frame, or maybe cut short (a socket truncates to
	 * the iovec, tun returns the whole length): dropped. Shorter than
	 * the header: tun never does that, a stand-in might.
	 */
	if ((size_t)n > hdr_len(q) + VNET_FRAME_MAX ||
	    (size_t)n >= cap + q->bounce_len || (size_t)n < hdr_len(q) ||
	    ((size_t)n > cap && !mrg)) {
		bump(&q->st.dropped, 1);
		return 1;
	}
	if ((size_t)n <= cap)
		return rx_complete(q, n) ?: 1;
	q->pend_len = n;
	q->pend_in_guest = cap;
	return 1;
}

/*
 * RX: one pass: refill, finish the pending frame, read up to a batch of
 * frames. 1: wait for the tap; 0: wait for a kick (kicks are on); -errno.
 */
static int rx_run(struct queue *q)
{
	unsigned int i;
	int ret;

	vha_ring_disable_notify(&q->ring);
	for (;;) {
		ret = rx_refill(q);
		if (ret >= 0 && q->pend_len)
			ret = rx_pending(q, ret == 1) ?: ret;
		if (ret < 0)
			return ret;
		for (i = 0; i < VNET_BATCH && !q->pend_len &&
		     q->hend > q->hfront; i++) {
			ret = rx_one(q);
			if (ret < 0)
				return ret;
			if (!ret)
				return publish(q) ?: 1;
			if (q->held_cap < hdr_len(q) + VNET_FRAME_MAX)
				break;	/* take more buffers first */
		}
		if (stopping(q))
			return publish(q) ?: 1;
		if (i == VNET_BATCH)	/* a batch: back to the guest */
			ret = publish(q);
		if (ret < 0)
			return ret;
		if (i == VNET_BATCH || (!q->pend_len && q->hend > q->hfront))
			continue;
		/* no buffer, or not enough: the guest must kick */
		ret = publish(q);
		if (!ret)
			ret = vha_ring_enable_notify(&q->ring);
		if (ret < 0 && !q->failure)
			fail_ring(q);
		if (ret != 1)
			return ret;
		vha_ring_disable_notify(&q->ring);
	}
}

static void rx_serve(struct queue *q)
{
	int ret;

	while (!stopping(q)) {
		ret = rx_run(q);
		if (ret < 0 || stopping(q))
			return;
		if (sleep_on(q, ret == 1 ? POLLIN : 0))
			return;
	}
}

static void *queue_main(void *arg)
{
	struct queue *q = arg;
	struct vnet_user *v = q->v;

	pthread_mutex_lock(&v->lock);
	q->tid = gettid();
	v->nready++;
	pthread_cond_signal(&v->ready_cond);
	pthread_mutex_unlock(&v->lock);
	if (q->idx == VNET_USER_TX)
		tx_serve(q);
	else
		rx_serve(q);
	return NULL;
}

static int queue_init(struct vnet_user *v, unsigned int idx)
{
	const struct vnet_user_cfg *cfg = &v->cfg;
	struct queue *q = &v->q[idx];
	struct vha_ring_config rc = {
		.desc = cfg->q[idx].desc,
		.avail = cfg->q[idx].avail,
		.used = cfg->q[idx].used,
		.num = cfg->q[idx].num,
		.features = (cfg->event_idx ? VHA_RING_F_EVENT_IDX : 0) |
			    (cfg->indirect ? VHA_RING_F_INDIRECT : 0) |
			    (cfg->packed ? VHA_RING_F_PACKED : 0),
		.mem = { .kind = VHA_MEM_TABLE, .table = &v->table },
	};
	int ret;

	q->v = v;
	q->idx = idx;
	q->cfg = &cfg->q[idx];
	/* a new ring: position 0, wrap counters 1; checks size and layout */
	ret = vha_ring_init(&q->ring, &rc);
	if (!ret)
		ret = vha_ring_start(&q->ring);
	if (ret)
		return ret;
	q->iov = calloc(CHAIN_IOV, sizeof(*q->iov));
	q->used = calloc(rc.num, sizeof(*q->used));
	if (!q->iov || !q->used)
		return -ENOMEM;
	if (idx == VNET_USER_TX)
		return 0;
	q->held = calloc(rc.num, sizeof(*q->held));
	q->seg = calloc(SEG_MAX + 1, sizeof(*q->seg));
	q->bounce_len = cfg->hdr_len + VNET_FRAME_MAX + 1;
	q->bounce = malloc(q->bounce_len);
	return q->held && q->seg && q->bounce ? 0 : -ENOMEM;
}

static int table_init(struct vnet_user *v)
{
	const struct vnet_user_cfg *cfg = &v->cfg;
	unsigned int i;

	v->regions = calloc(cfg->nregions, sizeof(*v->regions));
	if (!v->regions)
		return -ENOMEM;
	for (i = 0; i < cfg->nregions; i++)
		v->regions[i] = (struct vha_region){
			.start = cfg->regions[i].gpa,
			.size = cfg->regions[i].size,
			.host = (uintptr_t)cfg->regions[i].host,
		};
	v->table.nr = cfg->nregions;
	v->table.regions = v->regions;
	return vha_memtable_check(&v->table);
}

/* Stop and join the threads that were started, free everything. */
static void teardown(struct vnet_user *v)
{
	static const uint64_t one = 1;
	struct queue *q;
	unsigned int i;

	__atomic_store_n(&v->stopping, true, __ATOMIC_RELEASE);
	if (v->stop_fd >= 0 && write(v->stop_fd, &one, sizeof(one)) < 0)
		abort();	/* an eventfd at 1 cannot refuse a write */
	for (i = 0; i < VNET_USER_QUEUES; i++) {
		q = &v->q[i];
		if (q->started)
			pthread_join(q->thread, NULL);
		free(q->iov);
		free(q->used);
		free(q->held);
		free(q->seg);
		free(q->bounce);
	}
	if (v->stop_fd >= 0)
		close(v->stop_fd);
	pthread_mutex_destroy(&v->lock);
	pthread_cond_destroy(&v->ready_cond);
	free(v->regions);
	free(v);
}

static int start_threads(struct vnet_user *v)
{
	unsigned int i, n = 0;
	int ret = 0;

	for (i = 0; i < VNET_USER_QUEUES && !ret; i++) {
		ret = -pthread_create(&v->q[i].thread, NULL, queue_main,
				      &v->q[i]);
		v->q[i].started = !ret;
		n += !ret;
	}
	pthread_mutex_lock(&v->lock);
	while (v->nready < n)
		pthread_cond_wait(&v->ready_cond, &v->lock);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

static bool cfg_valid(const struct vnet_user_cfg *cfg)
{
	/* 5.1.6.1: VERSION_1 or MRG_RXBUF make the header 12 bytes */
	return cfg->nregions && cfg->regions && cfg->tap >= 0 &&
	       (cfg->hdr_len == 12 || (cfg->hdr_len == 10 && !cfg->mrg_rxbuf));
}

int vnet_user_start(struct vnet_user **out, const struct vnet_user_cfg *cfg)
{
	struct vnet_user *v;
	unsigned int i;
	int fl, ret;

	if (!cfg_valid(cfg))
		return -EINVAL;
	fl = fcntl(cfg->tap, F_GETFL);
	if (fl < 0 || fcntl(cfg->tap, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->cfg = *cfg;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->ready_cond, NULL);
	v->stop_fd = eventfd(0, EFD_CLOEXEC);
	ret = v->stop_fd < 0 ? -errno : table_init(v);
	for (i = 0; !ret && i < VNET_USER_QUEUES; i++)
		ret = queue_init(v, i);
	if (!ret)
		ret = start_threads(v);
	if (ret) {
		teardown(v);
		return ret;
	}
	*out = v;
	return 0;
}

void vnet_user_stop(struct vnet_user *v)
{
	teardown(v);
}

pid_t vnet_user_tid(const struct vnet_user *v, unsigned int q)
{
	return v->q[q].tid;
}

void vnet_user_stats(const struct vnet_user *v, unsigned int q,
		     struct vnet_user_stats *st)
{
	const struct vnet_user_stats *s = &v->q[q].st;

	st->packets = __atomic_load_n(&s->packets, __ATOMIC_RELAXED);
	st->bytes = __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&s->dropped, __ATOMIC_RELAXED);
	st->bad_chains = __atomic_load_n(&s->bad_chains, __ATOMIC_RELAXED);
	st->wakeups = __atomic_load_n(&s->wakeups, __ATOMIC_RELAXED);
	st->kicks = __atomic_load_n(&s->kicks, __ATOMIC_RELAXED);
	st->batches = __atomic_load_n(&s->batches, __ATOMIC_RELAXED);
	st->calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
}

const char *vnet_user_failure(const struct vnet_user *v, unsigned int q)
{
	return __atomic_load_n(&v->q[q].failure, __ATOMIC_ACQUIRE);
}
