// SPDX-License-Identifier: GPL-2.0
/*
 * An owner process of vha-vmm-race (see race.h): one /dev/vhost-net and
 * one /dev/vhost-blk, four traffic threads and two chaos threads.
 *
 * Each device has a rwlock. Traffic threads hold it for reading during one
 * step (post, kick, reap), and so do the chaos ioctls that leave the
 * driver's own state alone (backends, memory tables, workers, RESET_OWNER,
 * replacing the fd): those race the traffic inside the kernel and each
 * other. What rewrites the driver's state (new eventfds, the rings laid
 * out again after RESET_OWNER or a new fd) takes it for writing. A device
 * reset or reopened is "dirty" until someone holding the write lock has
 * set it up again; chaos ioctls on it meanwhile fail (EPERM), as they may.
 * Once the write lock is held no other thread is inside an ioctl on the
 * fd, so a file replaced by dup2() has been released (drained) by then
 * and nothing more is written into the rings being laid out again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <linux/vhost.h>
#include <linux/virtio_blk.h>

#include "uapi/linux/vhost_accel.h"
#include "uapi/linux/vhost_blk.h"
#include "blk_client.h"
#include "race.h"

enum {
	MAX_WORKERS = 8,
	BLK_DEPTH = 16,
	BLK_MAX_RUN = 4,		/* blocks per request */
	EXTRA_GPA = 0x80000000,		/* a region nothing uses */
	EXTRA_SIZE = 64 << 10,
	CHAOS_THREADS = 2,
};

struct rdev {
	const char *path;
	struct vha_vt *vt;
	unsigned int nvq;
	bool blk;
	pthread_rwlock_t lock;
	int dirty;			/* __atomic */
	pthread_mutex_t wmu;		/* workers[] */
	uint32_t workers[MAX_WORKERS];
	unsigned int nworkers;
	void *extra;			/* EXTRA_SIZE bytes, sometimes mapped */
};

/* A block request in flight, per vbk slot. */
struct breq {
	bool busy;
	bool write;
	uint32_t blk, n;
	uint32_t ver[BLK_MAX_RUN];
};

struct bqueue {
	uint32_t first, count;		/* this queue's blocks */
	struct breq *req;		/* per slot */
};

struct owner {
	const struct race_cfg *cfg;
	unsigned int slot;
	uint32_t gen;
	int stop;			/* __atomic */
	struct nt_guest net;
	struct vbk_dev blk;
	struct rdev dn, db;
	const struct nt_tap *tap;
	int disk[2];
	int pkt;
	struct bqueue bq[RACE_BLK_QUEUES];
	uint8_t *busy;			/* per block */
};

struct thr {
	struct owner *o;
	unsigned int q;
	uint64_t rnd;
};

static bool stopping(struct owner *o)
{
	return __atomic_load_n(&o->stop, __ATOMIC_ACQUIRE);
}

/* ---- set-up ---- */

static int vioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* The same memory as 1-4 regions cut at random pages, maybe one more. */
static int set_mem(struct rdev *d, uint64_t *rnd)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r[6];
	} m;
	struct vha_vt *t = d->vt;
	uint64_t pages = t->size / 4096, cut[5], tmp;
	unsigned int k = 1 + race_rnd(rnd) % 4, i, j;

	memset(&m, 0, sizeof(m));
	cut[0] = 0;
	for (i = 1; i < k; i++)
		cut[i] = 1 + race_rnd(rnd) % (pages - 1);
	cut[k] = pages;
	for (i = 1; i < k; i++)		/* sort; duplicates merge below */
		for (j = i + 1; j < k; j++)
			if (cut[j] < cut[i]) {
				tmp = cut[i];
				cut[i] = cut[j];
				cut[j] = tmp;
			}
	for (i = 0; i < k; i++) {
		if (cut[i + 1] == cut[i])
			continue;
		m.r[m.hdr.nregions++] = (struct vhost_memory_region){
			.guest_phys_addr = t->gpa + cut[i] * 4096,
			.memory_size = (cut[i + 1] - cut[i]) * 4096,
			.userspace_addr = (uintptr_t)t->mem + cut[i] * 4096,
		};
	}
	if (d->extra && race_rnd(rnd) % 4 == 0)
		m.r[m.hdr.nregions++] = (struct vhost_memory_region){
			.guest_phys_addr = EXTRA_GPA,
			.memory_size = EXTRA_SIZE,
			.userspace_addr = (uintptr_t)d->extra,
		};
	/* the kernel sorts: give them in any order */
	for (i = m.hdr.nregions - 1; i > 0; i--) {
		struct vhost_memory_region r = m.r[i];

		j = race_rnd(rnd) % (i + 1);
		m.r[i] = m.r[j];
		m.r[j] = r;
	}
	return vioctl(t->fd, VHOST_SET_MEM_TABLE, &m);
}

static int set_file(int fd, unsigned long req, unsigned int idx, int efd)
{
	struct vhost_vring_file f = { .index = idx, .fd = efd };

	return vioctl(fd, req, &f);
}

/* Lay queue @i out again from scratch and hand it to the device. */
static int vq_reinit(struct vha_vt *t, unsigned int i)
{
	struct vha_vt_vq *vq = &t->vq[i];
	struct vha_drv_config c = vq->drv.cfg;
	struct vhost_vring_state s = { .index = i, .num = c.num };
	struct vhost_vring_addr a = { .index = i };
	int ret;

	vha_drv_free(&vq->drv);
	ret = vha_drv_init(&vq->drv, &c);
	if (ret)
		return ret;
	close(vq->kick);
	close(vq->call);
	close(vq->err);
	vq->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vq->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vq->err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vq->kick < 0 || vq->call < 0 || vq->err < 0)
		return -EMFILE;
	if (vioctl(t->fd, VHOST_SET_VRING_NUM, &s))
		return -errno;
	s.num = c.packed ? 0x80008000 : 0;
	if (vioctl(t->fd, VHOST_SET_VRING_BASE, &s))
		return -errno;
	a.desc_user_addr = vha_vt_hva(t, vq->drv.desc);
	a.avail_user_addr = vha_vt_hva(t, vq->drv.avail);
	a.used_user_addr = vha_vt_hva(t, vq->drv.used);
	a.log_guest_addr = vq->drv.used;
	ret = vioctl(t->fd, VHOST_SET_VRING_ADDR, &a);
	if (!ret)
		ret = set_file(t->fd, VHOST_SET_VRING_KICK, i, vq->kick);
	if (!ret)
		ret = set_file(t->fd, VHOST_SET_VRING_CALL, i, vq->call);
	if (!ret)
		ret = set_file(t->fd, VHOST_SET_VRING_ERR, i, vq->err);
	return ret;
}

static void free_stack(uint64_t *free64, uint16_t *free16, uint32_t num,
		       uint32_t *nfree)
{
	uint32_t i;

	for (i = 0; i < num; i++) {
		if (free64)
			free64[i] = num - 1 - i;
		else
			free16[i] = num - 1 - i;
	}
	*nfree = num;
}

/* Forget every request in flight: the writes stay "may have landed". */
static void blk_forget(struct owner *o)
{
	struct vbk_queue *vq;
	unsigned int q, s, k;
	struct breq *r;

	for (q = 0; q < RACE_BLK_QUEUES; q++) {
		vq = &o->blk.q[q];
		for (s = 0; s < vq->num; s++) {
			r = &o->bq[q].req[s];
			for (k = 0; r->busy && k < r->n; k++)
				o->busy[r->blk + k] = 0;
			r->busy = false;
			vq->slot[s].busy = false;
		}
		free_stack(NULL, vq->free, vq->num, &vq->nfree);
		vq->inflight = 0;
	}
}

static int attach(struct owner *o, struct rdev *d)
{
	int ret;

	if (d->blk)
		return vbk_set_backend(&o->blk, o->disk[0]);
	ret = nt_set_backend(&o->net, NT_RX, o->tap->fd[0]);
	if (!ret)
		ret = nt_set_backend(&o->net, NT_TX, o->tap->fd[0]);
	return ret;
}

/* Everything after open(): must hold d->lock for writing. */
static int setup_again(struct owner *o, struct rdev *d, uint64_t *rnd)
{
	struct vha_vt *t = d->vt;
	unsigned int i;
	int ret;

	ret = vioctl(t->fd, VHOST_SET_OWNER, NULL);
	if (!ret)
		ret = set_mem(d, rnd);
	if (!ret)
		ret = vioctl(t->fd, VHOST_SET_FEATURES, &t->features);
	for (i = 0; !ret && i < d->nvq; i++)
		ret = vq_reinit(t, i);
	if (d->blk) {
		blk_forget(o);
	} else {
		for (i = 0; i < 2; i++)
			free_stack(o->net.q[i].free, NULL, o->net.q[i].num,
				   &o->net.q[i].nfree);
	}
	pthread_mutex_lock(&d->wmu);
	d->nworkers = 0;
	pthread_mutex_unlock(&d->wmu);
	if (!ret)
		ret = attach(o, d);
	return ret;
}

/* Set @d up again if a reset or a new fd left it so. */
static int settle(struct owner *o, struct rdev *d, uint64_t *rnd)
{
	int ret = 0, fd;

	pthread_rwlock_wrlock(&d->lock);
	if (__atomic_exchange_n(&d->dirty, 0, __ATOMIC_ACQ_REL)) {
		ret = setup_again(o, d, rnd);
		if (ret) {
			/* a fresh fd, once */
			race_fail("gen %u: %s set up again after a reset: %s",
				  o->gen, d->path, strerror(-ret));
			fd = open(d->path, O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				dup2(fd, d->vt->fd);
				close(fd);
			}
			ret = setup_again(o, d, rnd);
		}
	}
	pthread_rwlock_unlock(&d->lock);
	if (ret)
		CNT_ADD(setup_err, 1);
	return ret;
}

/* ---- traffic ---- */

static void ring_error(struct owner *o, const char *what, int err)
{
	CNT_ADD(ring_err, 1);
	race_fail("gen %u: %s: %s", o->gen, what, strerror(-err));
}

static void net_tx_step(struct thr *th, uint8_t *frame, unsigned int *idle)
{
	struct owner *o = th->o;
	struct nt_guest *g = &o->net;
	uint8_t hdr[12] = {};
	unsigned int i, posted = 0;
	uint32_t id;
	size_t len;
	int n;

	pthread_rwlock_rdlock(&o->dn.lock);
	n = nt_tx_reap(g, g->q[NT_TX].num, 0);
	for (i = 0; n >= 0 && i < 16 && g->q[NT_TX].nfree; i++) {
		id = __atomic_fetch_add(&sh->next_tx_id, 1, __ATOMIC_RELAXED);
		if (id >= RACE_ID_MAX)
			break;
		len = RACE_FRAME_MIN + race_rnd(&th->rnd) %
		      (RACE_FRAME_MAX - RACE_FRAME_MIN + 1);
		race_frame(frame, len, RACE_KIND_TX, o->slot, id, o->gen);
		if (nt_tx_post(g, hdr, frame, len, 1 + race_rnd(&th->rnd) % 3))
			break;
		posted++;
	}
	if (posted)
		nt_kick(g, NT_TX);
	else if (n == 0)
		n = nt_tx_reap(g, 1, 20);
	if (n > 0) {
		*idle = 0;
		CNT_ADD(tx_used, n);
	} else if (n == 0 && !posted && ++*idle % 25 == 0) {
		vha_vt_kick(&g->vt, NT_TX);	/* its eventfd may be new */
	}
	CNT_ADD(tx_posted, posted);
	pthread_rwlock_unlock(&o->dn.lock);
	if (n < 0) {
		ring_error(o, "net TX ring", n);
		__atomic_store_n(&o->dn.dirty, 1, __ATOMIC_RELEASE);
		settle(o, &o->dn, &th->rnd);
	}
}

static void *net_tx(void *arg)
{
	struct thr *th = arg;
	uint8_t *frame = malloc(RACE_FRAME_MAX);
	unsigned int idle = 0;

	while (frame && !stopping(th->o)) {
		net_tx_step(th, frame, &idle);
		usleep(300);
	}
	free(frame);
	return NULL;
}

/* Frames into the tap from its network side, for the guest's RX. */
static void rx_send(struct thr *th, uint8_t *frame)
{
	struct owner *o = th->o;
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = o->tap->ifindex,
		.sll_halen = 6,
	};
	unsigned int i;
	uint32_t id;
	size_t len;

	for (i = 0; i < 8; i++) {
		id = __atomic_fetch_add(&sh->next_rx_id, 1, __ATOMIC_RELAXED);
		if (id >= RACE_ID_MAX)
			return;
		len = RACE_FRAME_MIN + race_rnd(&th->rnd) %
		      (RACE_FRAME_MAX - RACE_FRAME_MIN + 1);
		race_frame(frame, len, RACE_KIND_RX, o->slot, id, o->gen);
		if (sendto(o->pkt, frame, len, MSG_DONTWAIT,
			   (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)len)
			CNT_ADD(rx_sent, 1);
	}
}

static void rx_check(struct owner *o, const uint8_t *buf, size_t len)
{
	size_t hlen = o->net.hlen;
	uint32_t id = ~0u;

	if (len < hlen || !race_frame_check(buf + hlen, len - hlen,
					    RACE_KIND_RX, &id) ||
	    id >= __atomic_load_n(&sh->next_rx_id, __ATOMIC_RELAXED)) {
		CNT_ADD(rx_bad, 1);
		race_fail("gen %u: RX frame corrupt (%zu bytes, id %u)",
			  o->gen, len, id);
	} else if (!race_first_seen(sh->rx_seen, id)) {
		CNT_ADD(rx_dup, 1);
		race_fail("gen %u: RX frame %u received twice", o->gen, id);
	} else {
		CNT_ADD(rx_seen, 1);
	}
}

static void net_rx_step(struct thr *th, uint8_t *frame, uint8_t *buf,
			unsigned int *idle)
{
	struct owner *o = th->o;
	struct nt_guest *g = &o->net;
	unsigned int nbufs, got = 0;
	size_t len;
	int ret;

	pthread_rwlock_rdlock(&o->dn.lock);
	if (g->q[NT_RX].nfree > g->q[NT_RX].num / 4) {
		nt_rx_post(g, g->q[NT_RX].nfree, 2048);
		nt_kick(g, NT_RX);
	}
	rx_send(th, frame);
	do {
		ret = nt_rx_get(g, buf, NT_MAX_FRAME, &len, &nbufs,
				got ? 0 : 20);
		if (ret == 1) {
			rx_check(o, buf, len);
			got++;
		}
	} while (ret == 1);
	if (got)
		*idle = 0;
	else if (!ret && ++*idle % 25 == 0)
		vha_vt_kick(&g->vt, NT_RX);
	pthread_rwlock_unlock(&o->dn.lock);
	if (ret < 0) {
		ring_error(o, "net RX ring", ret);
		__atomic_store_n(&o->dn.dirty, 1, __ATOMIC_RELEASE);
		settle(o, &o->dn, &th->rnd);
	}
}

static void *net_rx(void *arg)
{
	struct thr *th = arg;
	uint8_t *frame = malloc(RACE_FRAME_MAX), *buf = malloc(NT_MAX_FRAME);
	unsigned int idle = 0;

	while (frame && buf && !stopping(th->o)) {
		net_rx_step(th, frame, buf, &idle);
		usleep(300);
	}
	free(frame);
	free(buf);
	return NULL;
}

static void blk_done(struct owner *o, unsigned int q, int slot, uint8_t st)
{
	struct breq *r = &o->bq[q].req[slot];
	const uint8_t *data = vbk_data(&o->blk, q, slot);
	struct race_block *b;
	uint32_t k, ver;

	for (k = 0; k < r->n; k++) {
		b = &sh->blk[r->blk + k];
		if (r->write && st == VIRTIO_BLK_S_OK) {
			__atomic_store_n(&b->acked, r->ver[k], __ATOMIC_RELAXED);
		} else if (!r->write && st == VIRTIO_BLK_S_OK) {
			if (race_block_parse(data + k * RACE_BLOCK, r->blk + k,
					     &ver) || ver < b->acked ||
			    ver > b->maxsub) {
				CNT_ADD(r_bad, 1);
				race_fail("gen %u: read of block %u: version %u, want %u..%u",
					  o->gen, r->blk + k, ver, b->acked,
					  b->maxsub);
			}
		}
		o->busy[r->blk + k] = 0;
	}
	if (r->write)
		CNT_ADD(w_ok, st == VIRTIO_BLK_S_OK);
	else
		CNT_ADD(r_ok, st == VIRTIO_BLK_S_OK);
	if (st != VIRTIO_BLK_S_OK) {
		if (r->write)
			CNT_ADD(w_err, 1);
		else
			CNT_ADD(r_err, 1);
	}
	r->busy = false;
}

/* One request on blocks nobody has in flight: 1 queued, 0 none. */
static int blk_submit(struct thr *th, uint8_t *buf)
{
	struct owner *o = th->o;
	struct bqueue *bq = &o->bq[th->q];
	uint32_t n = 1 + race_rnd(&th->rnd) % BLK_MAX_RUN, first, k;
	bool write = race_rnd(&th->rnd) % 5 < 3;
	struct breq *r;
	int slot;

	first = bq->first + race_rnd(&th->rnd) % bq->count;
	if (first + n > bq->first + bq->count)
		n = bq->first + bq->count - first;
	for (k = 0; k < n; k++)
		if (o->busy[first + k])
			return 0;
	for (k = 0; write && k < n; k++) {
		/* counted as maybe written before the device can see it */
		uint32_t v = sh->blk[first + k].maxsub + 1;

		__atomic_store_n(&sh->blk[first + k].maxsub, v,
				 __ATOMIC_RELAXED);
		race_block_fill(buf + k * RACE_BLOCK, first + k, v);
	}
	slot = vbk_submit(&o->blk, th->q, write ? VIRTIO_BLK_T_OUT :
			  VIRTIO_BLK_T_IN, (uint64_t)first * (RACE_BLOCK / 512),
			  buf, n * RACE_BLOCK, NULL);
	if (slot < 0)
		return 0;
	r = &bq->req[slot];
	*r = (struct breq){ .busy = true, .write = write, .blk = first,
			    .n = n };
	for (k = 0; k < n; k++) {
		o->busy[first + k] = 1;
		r->ver[k] = sh->blk[first + k].maxsub;
	}
	return 1;
}

static void blk_step(struct thr *th, uint8_t *buf, unsigned int *idle)
{
	struct owner *o = th->o;
	struct vbk_dev *d = &o->blk;
	unsigned int q = th->q, done = 0, sub = 0, tries;
	uint32_t used;
	uint8_t st;
	int slot, ret;

	pthread_rwlock_rdlock(&o->db.lock);
	while ((ret = vbk_reap(d, q, &slot, &st, &used, 0)) == 1) {
		blk_done(o, q, slot, st);
		done++;
	}
	for (tries = 0; ret >= 0 && d->q[q].inflight < BLK_DEPTH &&
	     tries < 8 && !stopping(o); tries++)
		sub += blk_submit(th, buf);
	if (sub)
		vbk_kick(d, q);
	if (!done && !sub && ret == 0) {
		ret = vbk_reap(d, q, &slot, &st, &used, 20);
		if (ret == 1) {
			blk_done(o, q, slot, st);
			done++;
		}
	}
	if (done)
		*idle = 0;
	else if (!sub && ++*idle % 25 == 0)
		vha_vt_kick(&d->vt, q);
	pthread_rwlock_unlock(&o->db.lock);
	if (ret < 0) {
		ring_error(o, "blk ring", ret);
		__atomic_store_n(&o->db.dirty, 1, __ATOMIC_RELEASE);
		settle(o, &o->db, &th->rnd);
	}
}

static void *blk_traffic(void *arg)
{
	struct thr *th = arg;
	struct owner *o = th->o;
	uint8_t *buf = malloc(BLK_MAX_RUN * RACE_BLOCK);
	unsigned int idle = 0, i;

	while (buf && !stopping(o)) {
		blk_step(th, buf, &idle);
		usleep(300);
	}
	/* let what is in flight complete, to acknowledge it */
	for (i = 0; buf && i < 100 && o->blk.q[th->q].inflight; i++)
		blk_step(th, buf, &idle);
	free(buf);
	return NULL;
}

/* ---- chaos ---- */

static int op_backend(struct owner *o, struct rdev *d, uint64_t *rnd)
{
	int r = race_rnd(rnd) % 3, fd, ret;
	unsigned int idx = race_rnd(rnd) % 2;

	pthread_rwlock_rdlock(&d->lock);
	if (d->blk) {
		ret = vbk_set_backend(&o->blk, -1);
		usleep(race_rnd(rnd) % 2000);
		if (!ret)
			ret = vbk_set_backend(&o->blk, o->disk[r & 1]);
	} else {
		fd = r == 2 ? -1 : o->tap->fd[r];
		ret = nt_set_backend(&o->net, idx, fd);
		usleep(race_rnd(rnd) % 2000);
		fd = o->tap->fd[race_rnd(rnd) % 4 == 0];
		if (!ret)
			ret = nt_set_backend(&o->net, idx, fd);
	}
	pthread_rwlock_unlock(&d->lock);
	return ret;
}

static int op_mem(struct rdev *d, uint64_t *rnd)
{
	int ret;

	pthread_rwlock_rdlock(&d->lock);
	ret = set_mem(d, rnd);
	pthread_rwlock_unlock(&d->lock);
	return ret;
}

/* A queue's kick or call eventfd (or both) replaced by a fresh one. */
static int op_eventfd(struct rdev *d, uint64_t *rnd)
{
	unsigned int i = race_rnd(rnd) % d->nvq, which = race_rnd(rnd) % 3;
	struct vha_vt_vq *vq = &d->vt->vq[i];
	int ret = 0, efd;

	pthread_rwlock_wrlock(&d->lock);
	if (which != 1) {
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = set_file(d->vt->fd, VHOST_SET_VRING_KICK, i, efd);
		if (!ret) {
			close(vq->kick);
			vq->kick = efd;
			vha_vt_kick(d->vt, i);
		} else {
			close(efd);
		}
	}
	if (which != 0 && !ret) {
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = set_file(d->vt->fd, VHOST_SET_VRING_CALL, i, efd);
		if (!ret) {
			close(vq->call);
			vq->call = efd;
		} else {
			close(efd);
		}
	}
	pthread_rwlock_unlock(&d->lock);
	return ret;
}

static uint32_t pick_worker(struct rdev *d, uint64_t *rnd, bool *any)
{
	uint32_t id = 0;

	pthread_mutex_lock(&d->wmu);
	*any = d->nworkers;
	if (d->nworkers)
		id = d->workers[race_rnd(rnd) % d->nworkers];
	pthread_mutex_unlock(&d->wmu);
	return id;
}

static void note_worker(struct rdev *d, uint32_t id, bool add)
{
	unsigned int i;

	pthread_mutex_lock(&d->wmu);
	for (i = 0; i < d->nworkers && d->workers[i] != id; i++)
		;
	if (add && i == d->nworkers && i < MAX_WORKERS)
		d->workers[d->nworkers++] = id;
	if (!add && i < d->nworkers)
		d->workers[i] = d->workers[--d->nworkers];
	pthread_mutex_unlock(&d->wmu);
}

static int op_worker(struct rdev *d, uint64_t *rnd)
{
	struct vhost_vring_worker vw = { .index = race_rnd(rnd) % d->nvq };
	struct vhost_worker_state w = {};
	int fd = d->vt->fd, ret;
	bool any;

	pthread_rwlock_rdlock(&d->lock);
	switch (race_rnd(rnd) % 4) {
	case 0:
		ret = vioctl(fd, VHOST_NEW_WORKER, &w);
		if (!ret)
			note_worker(d, w.worker_id, true);
		break;
	case 1:
		vw.worker_id = pick_worker(d, rnd, &any);
		ret = vioctl(fd, VHOST_ATTACH_VRING_WORKER, &vw);
		break;
	case 2:
		w.worker_id = pick_worker(d, rnd, &any);
		ret = vioctl(fd, VHOST_FREE_WORKER, &w);
		if (!ret || ret == -EINVAL || ret == -ENOENT)
			note_worker(d, w.worker_id, false);
		break;
	default:
		ret = vioctl(fd, VHOST_GET_VRING_WORKER, &vw);
		if (!ret)
			note_worker(d, vw.worker_id, true);
		break;
	}
	pthread_rwlock_unlock(&d->lock);
	return ret;
}

static int op_reset(struct owner *o, struct rdev *d, bool reopen,
		    uint64_t *rnd)
{
	int ret, fd;

	pthread_rwlock_rdlock(&d->lock);
	if (reopen) {
		fd = open(d->path, O_RDWR | O_CLOEXEC);
		ret = fd < 0 ? -errno : 0;
		if (fd >= 0) {
			/* the old file goes when its last ioctl returns */
			if (dup2(fd, d->vt->fd) < 0)
				ret = -errno;
			close(fd);
		}
	} else {
		ret = vioctl(d->vt->fd, VHOST_RESET_OWNER, NULL);
	}
	__atomic_store_n(&d->dirty, 1, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(&d->lock);
	usleep(race_rnd(rnd) % 1000);
	if (settle(o, d, rnd))
		return -EIO;
	return ret;
}

static int chaos_op(struct owner *o, enum race_op op, uint64_t *rnd)
{
	struct rdev *d = op % 2 ? &o->db : &o->dn;

	switch (op) {
	case OP_NET_BACKEND:
	case OP_BLK_BACKEND:
		return op_backend(o, d, rnd);
	case OP_NET_MEM:
	case OP_BLK_MEM:
		return op_mem(d, rnd);
	case OP_NET_EVENTFD:
	case OP_BLK_EVENTFD:
		return op_eventfd(d, rnd);
	case OP_NET_WORKER:
	case OP_BLK_WORKER:
		return op_worker(d, rnd);
	case OP_NET_RESET:
	case OP_BLK_RESET:
		return op_reset(o, d, false, rnd);
	case OP_NET_REOPEN:
	case OP_BLK_REOPEN:
		return op_reset(o, d, true, rnd);
	default:
		return -EINVAL;
	}
}

/* Relative weights: the heavy operations more rarely. */
static const unsigned int weight[OP_COUNT] = {
	[OP_NET_BACKEND] = 4, [OP_BLK_BACKEND] = 4,
	[OP_NET_MEM] = 3, [OP_BLK_MEM] = 3,
	[OP_NET_EVENTFD] = 3, [OP_BLK_EVENTFD] = 3,
	[OP_NET_WORKER] = 4, [OP_BLK_WORKER] = 4,
	[OP_NET_RESET] = 1, [OP_BLK_RESET] = 1,
	[OP_NET_REOPEN] = 1, [OP_BLK_REOPEN] = 1,
};

static int pick_op(uint32_t mask, uint64_t *rnd)
{
	unsigned int total = 0, i, x;

	for (i = 0; i < OP_KILL; i++)
		total += mask & (1u << i) ? weight[i] : 0;
	if (!total)
		return -1;
	x = race_rnd(rnd) % total;
	for (i = 0; i < OP_KILL; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (x < weight[i])
			return i;
		x -= weight[i];
	}
	return -1;
}

static void *chaos(void *arg)
{
	struct thr *th = arg;
	struct owner *o = th->o;
	int op;

	while (!stopping(o)) {
		usleep(200 + race_rnd(&th->rnd) % 3000);
		op = pick_op(o->cfg->ops, &th->rnd);
		if (op < 0 || stopping(o))
			continue;
		CNT_ADD(op_try[op], 1);
		if (!chaos_op(o, op, &th->rnd))
			CNT_ADD(op_ok[op], 1);
	}
	return NULL;
}

/* ---- the owner ---- */

static int rdev_init(struct rdev *d, const char *path, struct vha_vt *vt,
		     unsigned int nvq, bool blk)
{
	pthread_rwlockattr_t a;

	d->path = path;
	d->vt = vt;
	d->nvq = nvq;
	d->blk = blk;
	pthread_rwlockattr_init(&a);
	/* the chaos threads' write lock must not starve */
	pthread_rwlockattr_setkind_np(&a,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&d->lock, &a);
	pthread_mutex_init(&d->wmu, NULL);
	d->extra = mmap(NULL, EXTRA_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (d->extra == MAP_FAILED)
		d->extra = NULL;
	return 0;
}

static int open_net(struct owner *o, uint64_t *rnd)
{
	struct nt_cfg cfg;
	int ret;

	nt_default_cfg(&cfg);
	cfg.packed = race_rnd(rnd) & 1;
	ret = nt_guest_open(&o->net, &cfg);
	if (!ret)
		ret = attach(o, &o->dn);
	return ret;
}

static int open_blk(struct owner *o, uint64_t *rnd)
{
	struct vbk_cfg cfg = {
		.queues = RACE_BLK_QUEUES,
		.num = 64,
		.data_max = BLK_MAX_RUN * RACE_BLOCK,
		.packed = race_rnd(rnd) & 1,
		.event_idx = race_rnd(rnd) % 4 != 0,
		.max_indirect = race_rnd(rnd) & 1 ? 16 : 0,
	};
	uint32_t per = o->cfg->blocks / o->cfg->owners / RACE_BLK_QUEUES;
	unsigned int q;
	int ret;

	for (q = 0; q < RACE_BLK_QUEUES; q++) {
		o->bq[q].first = (o->slot * RACE_BLK_QUEUES + q) * per;
		o->bq[q].count = per;
		o->bq[q].req = calloc(cfg.num, sizeof(struct breq));
		if (!o->bq[q].req)
			return -ENOMEM;
	}
	o->busy = calloc(o->cfg->blocks, 1);
	o->disk[0] = open(o->cfg->disk, O_RDWR | O_CLOEXEC);
	o->disk[1] = open(o->cfg->disk, O_RDWR | O_CLOEXEC);
	if (!o->busy || o->disk[0] < 0 || o->disk[1] < 0)
		return -errno;
	ret = vbk_open(&o->blk, &cfg);
	if (!ret)
		ret = attach(o, &o->db);
	return ret;
}

void race_owner(const struct race_cfg *cfg, unsigned int slot, uint32_t gen)
{
	static void *(*const fn[4 + CHAOS_THREADS])(void *) = {
		net_tx, net_rx, blk_traffic, blk_traffic, chaos, chaos };
	uint64_t rnd = race_mix(cfg->seed ^ ((uint64_t)gen << 32));
	static struct owner o;
	struct thr th[4 + CHAOS_THREADS];
	pthread_t t[4 + CHAOS_THREADS];
	unsigned int i;
	int ret;

	o.cfg = cfg;
	o.slot = slot;
	o.gen = gen;
	o.tap = &cfg->tap[slot];
	o.pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	ret = open_net(&o, &rnd);
	if (!ret)
		ret = open_blk(&o, &rnd);
	if (ret || o.pkt < 0) {
		CNT_ADD(setup_err, 1);
		race_fail("gen %u: owner set-up: %s", gen,
			  strerror(ret ? -ret : errno));
		_exit(1);
	}
	rdev_init(&o.dn, "/dev/vhost-net", &o.net.vt, 2, false);
	rdev_init(&o.db, "/dev/vhost-blk", &o.blk.vt, RACE_BLK_QUEUES, true);
	for (i = 0; i < 4 + CHAOS_THREADS; i++) {
		th[i] = (struct thr){ .o = &o, .q = i == 3,
				      .rnd = race_mix(rnd + i + 1) };
		pthread_create(&t[i], NULL, fn[i], &th[i]);
	}
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
		usleep(20000);
	__atomic_store_n(&o.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 4 + CHAOS_THREADS; i++)
		pthread_join(t[i], NULL);
	nt_guest_close(&o.net);
	vbk_close(&o.blk);
	_exit(0);
}
