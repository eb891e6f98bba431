// SPDX-License-Identifier: GPL-2.0
/*
 * Running one program: a fresh device of the program's type, 4 MiB of
 * "guest memory" (two regions with a hole between, as the VMM would have
 * them), eventfds, the backends; FZ_THREADS threads issue the program's
 * operations (thread 0 the set-up, then all of them at once) while a
 * driver thread writes random chains into whatever rings the operations
 * configured and kicks them. Every choice comes from the program; what the
 * threads interleave does not, which is the point.
 *
 *   guest memory: region 0 gpa 0x100000, 2 MiB: rings at q * 64 KiB,
 *                   buffers from 512 KiB
 *                 (hole)
 *                 region 1 gpa 0x800000, 2 MiB: buffers
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "uapi/linux/vhost_accel.h"
#include "uapi/linux/vhost_blk.h"
#include "fuzz.h"

enum {
	MEM_SIZE = 4 << 20,
	REGION = 2 << 20,
	GPA0 = 0x100000,
	GPA1 = 0x800000,
	RING_AREA = 64 << 10,	/* per queue, at q * RING_AREA in region 0 */
	BUF_START = 512 << 10,
	NEFD = 6,
	MAX_WORKERS = 8,
};

static const char *const dev_paths[FZ_DEV_COUNT] = {
	"/dev/vhost-test", "/dev/vhost-net", "/dev/vhost-blk",
};

/* What the driver thread knows of a queue's ring (set by the operations). */
struct ring {
	uint32_t num;		/* 0: not set */
	uint32_t off;		/* of the ring area in guest memory */
};

struct env {
	const struct fz_prog *p;
	const struct fz_backends *be;
	struct fz_cov *cov;
	int fd;
	uint8_t *mem;
	uint8_t *log;
	int efd[NEFD];
	int tap[2];
	int pkt;
	int blk_rw, blk_ro;
	uint64_t features;	/* last SET_FEATURES that succeeded */
	struct ring ring[FZ_NVQS_MAX];
	uint32_t worker[MAX_WORKERS];
	unsigned int nworkers;
	int ready;		/* thread 0 finished the set-up */
	int stop;		/* driver thread: stop */
	pthread_mutex_t lock;	/* workers[], features, ring[] */
};

static int atomic_get(int *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static void atomic_set(int *v, int x)
{
	__atomic_store_n(v, x, __ATOMIC_RELEASE);
}

/* ---- the set-up the operations choose from ---- */

static uint64_t hva(const struct env *e, uint64_t off)
{
	return (uintptr_t)e->mem + off;
}

static void mem_table(struct env *e, unsigned int variant)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r[2];
	} m = { .hdr.nregions = 2 };

	m.r[0] = (struct vhost_memory_region){ GPA0, REGION, hva(e, 0), 0 };
	m.r[1] = (struct vhost_memory_region){ GPA1, REGION, hva(e, REGION), 0 };
	switch (variant % 8) {
	case 1:
		m.hdr.nregions = 1;
		break;
	case 2:
		m.r[1].guest_phys_addr = GPA0 + 4096;	/* overlap */
		break;
	case 3:
		m.r[1].memory_size = 0;
		break;
	case 4:
		m.r[1].guest_phys_addr = ~0ULL - 4095;	/* wraps */
		break;
	case 5:
		m.r[1].userspace_addr = 0xffff888000000000ULL;
		break;
	case 6:
		m.hdr.nregions = 0;
		break;
	case 7:
		m.r[1].userspace_addr = 0x10000;	/* nothing mapped */
		break;
	}
	ioctl(e->fd, VHOST_SET_MEM_TABLE, &m);
}

static uint32_t ring_size(uint32_t variant)
{
	static const uint32_t sizes[] = { 64, 1, 256, 0, 3, 32768, 65536, 128,
					  2, 1024, 16, 64, 64, 4, 512, 8 };

	return variant >= 16 ? (uint16_t)variant : sizes[variant];
}

static void vring_num(struct env *e, const struct fz_op *op)
{
	unsigned int q = op->a % FZ_NVQS_MAX;
	struct vhost_vring_state s = { q, ring_size(op->b % 17 == 16 ?
						    op->b : op->b % 16) };

	if (!ioctl(e->fd, VHOST_SET_VRING_NUM, &s) && s.num <= 1024) {
		pthread_mutex_lock(&e->lock);
		e->ring[q].num = s.num;
		e->ring[q].off = q * RING_AREA;
		pthread_mutex_unlock(&e->lock);
	}
}

/* Ring layout for num entries (split or packed), from the area's start. */
static void layout(const struct env *e, uint32_t num, uint64_t *desc,
		   uint64_t *avail, uint64_t *used)
{
	bool packed = e->features & (1ULL << VIRTIO_F_RING_PACKED);

	*desc = 0;
	*avail = 16ULL * num;
	*used = packed ? *avail + 4 : (*avail + 6 + 2ULL * num + 3) & ~3ULL;
}

static void vring_addr(struct env *e, const struct fz_op *op)
{
	unsigned int q = op->a % FZ_NVQS_MAX;
	bool iova = e->features & (1ULL << VIRTIO_F_ACCESS_PLATFORM);
	uint64_t base = iova ? GPA0 : hva(e, 0), d, av, u, off = q * RING_AREA;
	struct vhost_vring_addr a = { .index = q };
	uint32_t num = e->ring[q].num ? e->ring[q].num : 64;

	layout(e, num, &d, &av, &u);
	a.desc_user_addr = base + off + d;
	a.avail_user_addr = base + off + av;
	a.used_user_addr = base + off + u;
	a.log_guest_addr = GPA0 + off + u;
	a.flags = op->c & 1 ? 1u << VHOST_VRING_F_LOG : 0;
	switch (op->b % 16) {
	case 1:
		a.desc_user_addr += 8;			/* misaligned */
		break;
	case 2:
		a.used_user_addr = 0xffff888000000000ULL;
		break;
	case 3:
		a.avail_user_addr = 0x10000;		/* unmapped */
		break;
	case 4:
		a.used_user_addr = base + REGION - 8;	/* past region 0 */
		break;
	case 5:
		a.flags = op->c;
		break;
	case 6:
		a.log_guest_addr = op->c;
		break;
	case 7:
		a.desc_user_addr = base + (op->c % MEM_SIZE & ~15ULL);
		break;
	}
	ioctl(e->fd, VHOST_SET_VRING_ADDR, &a);
}

static void vring_base(struct env *e, const struct fz_op *op)
{
	bool packed = e->features & (1ULL << VIRTIO_F_RING_PACKED);
	struct vhost_vring_state s = { .index = op->a % FZ_NVQS_MAX };
	static const uint32_t values[] = { 0, 0x8000, 0xffff, 0x10000,
					   0x80008000, 0x7fff7fff, 1, 0 };

	s.num = op->b % 8 ? values[op->b % 8] : (packed ? 0x80008000 : 0);
	if (op->b % 16 == 15)
		s.num = op->c;
	ioctl(e->fd, VHOST_SET_VRING_BASE, &s);
}

/* An fd for a vring eventfd slot: the queue's own, another, none, bad. */
static int pick_fd(const struct env *e, unsigned int q, uint32_t choice)
{
	switch (choice % 4) {
	case 0:
		return e->efd[q % NEFD];
	case 1:
		return -1;
	case 2:
		return e->efd[choice % NEFD];
	}
	return choice & 4 ? 1000 : e->pkt;	/* closed, or not an eventfd */
}

static void vring_file(struct env *e, unsigned long req, const struct fz_op *op)
{
	struct vhost_vring_file f = { .index = op->a % FZ_NVQS_MAX };

	f.fd = pick_fd(e, f.index + (req == VHOST_SET_VRING_CALL ? 2 : 0) +
		       (req == VHOST_SET_VRING_ERR ? 4 : 0), op->b);
	if (req == VHOST_SET_VRING_KICK && op->b % 4 == 0)
		f.fd = e->efd[f.index % NEFD];
	ioctl(e->fd, req, &f);
}

static void features(struct env *e, const struct fz_op *op)
{
	uint64_t offered = 0, f;

	if (ioctl(e->fd, VHOST_GET_FEATURES, &offered))
		return;
	f = offered & (op->c | (1ULL << VIRTIO_F_VERSION_1));
	if (op->a & 1)
		f &= ~(1ULL << VIRTIO_F_ACCESS_PLATFORM);
	if (op->b & 1)
		f |= 1ULL << ((op->b >> 1) % 64);	/* maybe not offered */
	if (!ioctl(e->fd, VHOST_SET_FEATURES, &f)) {
		pthread_mutex_lock(&e->lock);
		e->features = f;
		pthread_mutex_unlock(&e->lock);
	}
}

static void log_base(struct env *e, const struct fz_op *op)
{
	static const uint64_t bad[] = { 0xffff888000000000ULL, 0, 0x10000 };
	uint64_t base = (uintptr_t)e->log;

	if (op->a % 4)
		base = bad[op->a % 4 - 1];
	ioctl(e->fd, VHOST_SET_LOG_BASE, &base);
}

static void workers(struct env *e, const struct fz_op *op)
{
	struct vhost_worker_state w = { 0 };
	struct vhost_vring_worker vw = { .index = op->a % (FZ_NVQS_MAX + 1) };

	pthread_mutex_lock(&e->lock);
	if (e->nworkers)
		w.worker_id = e->worker[op->b % e->nworkers];
	if (op->b & 0x100)
		w.worker_id = op->b >> 9;
	pthread_mutex_unlock(&e->lock);
	vw.worker_id = w.worker_id;
	switch (op->kind) {
	case FZ_NEW_WORKER:
		if (!ioctl(e->fd, VHOST_NEW_WORKER, &w)) {
			pthread_mutex_lock(&e->lock);
			if (e->nworkers < MAX_WORKERS)
				e->worker[e->nworkers++] = w.worker_id;
			pthread_mutex_unlock(&e->lock);
		}
		break;
	case FZ_FREE_WORKER:
		ioctl(e->fd, VHOST_FREE_WORKER, &w);
		break;
	case FZ_ATTACH_WORKER:
		ioctl(e->fd, VHOST_ATTACH_VRING_WORKER, &vw);
		break;
	default:
		ioctl(e->fd, VHOST_GET_VRING_WORKER, &vw);
		break;
	}
}

static void iotlb(struct env *e, const struct fz_op *op)
{
	static const uint32_t types[] = { VHOST_IOTLB_UPDATE,
		VHOST_IOTLB_INVALIDATE, VHOST_IOTLB_BATCH_BEGIN,
		VHOST_IOTLB_BATCH_END, VHOST_IOTLB_MISS, 77 };
	struct vhost_msg_v2 m = { .type = VHOST_IOTLB_MSG_V2 };
	struct vhost_iotlb_msg *t = &m.iotlb;
	uint64_t bf = (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2) |
		      (1ULL << VHOST_BACKEND_F_IOTLB_BATCH);

	t->type = types[op->a % 6];
	t->perm = op->c % 4;
	switch (op->b % 5) {
	case 0:		/* both regions, identity */
		t->iova = GPA0;
		t->size = REGION;
		t->uaddr = hva(e, 0);
		break;
	case 1:
		t->iova = GPA1;
		t->size = REGION;
		t->uaddr = hva(e, REGION);
		break;
	case 2:		/* a page somewhere in region 0 */
		t->iova = GPA0 + (op->c % REGION & ~4095ULL);
		t->size = 4096;
		t->uaddr = hva(e, t->iova - GPA0);
		break;
	case 3:		/* wrapping */
		t->iova = ~0ULL - 4095;
		t->size = 8192;
		t->uaddr = hva(e, 0);
		break;
	default:
		t->iova = op->c;
		t->size = op->b;
		t->uaddr = op->c ^ op->b;
		break;
	}
	if (op->a & 8)
		ioctl(e->fd, VHOST_SET_BACKEND_FEATURES, &bf);
	if (write(e->fd, &m, sizeof(m)) < 0)
		return;
}

static void iotlb_read(struct env *e, const struct fz_op *op)
{
	struct vhost_msg_v2 m;
	int fl = fcntl(e->fd, F_GETFL);

	fcntl(e->fd, F_SETFL, fl | O_NONBLOCK);
	if (read(e->fd, op->a & 1 ? NULL : (void *)&m,
		 op->b & 1 ? 3 : sizeof(m)) < 0)
		return;
}

/* The device's backend operation: attach, detach, swap, bad fds. */
static void backend(struct env *e, const struct fz_op *op)
{
	struct vhost_vring_file f = { .index = op->a % FZ_NVQS_MAX };
	int run = op->b % 2;

	switch (e->p->dev) {
	case FZ_DEV_TEST:
		if (op->b % 4 < 2) {
			ioctl(e->fd, VHOST_TEST_RUN, &run);
			return;
		}
		f.fd = op->b % 4 == 2 ? 0 : -1;
		ioctl(e->fd, VHOST_TEST_SET_BACKEND, &f);
		return;
	case FZ_DEV_NET: {
		const int fds[] = { e->tap[0], -1, e->tap[1], e->efd[0] };

		f.fd = fds[op->b % 4];
		ioctl(e->fd, VHOST_NET_SET_BACKEND, &f);
		return;
	}
	default: {
		const int fds[] = { e->blk_rw, -1, e->blk_ro, e->pkt };

		f.fd = fds[op->b % 4];
		ioctl(e->fd, VHOST_BLK_SET_BACKEND, &f);
		return;
	}
	}
}

static void reopen(struct env *e)
{
	int fd = open(dev_paths[e->p->dev], O_RDWR | O_CLOEXEC);

	/* dup2 swaps the file under the other threads' fd number at once */
	if (fd >= 0) {
		dup2(fd, e->fd);
		close(fd);
	}
}

static void run_op(struct env *e, const struct fz_op *op)
{
	struct vhost_vring_state s = { .index = op->a % FZ_NVQS_MAX };
	uint64_t one = 1, bf = op->b;
	char serial[VIRTIO_BLK_ID_BYTES];
	int v;

	switch (op->kind) {
	case FZ_OWNER:
		ioctl(e->fd, VHOST_SET_OWNER, NULL);
		break;
	case FZ_RESET_OWNER:
		ioctl(e->fd, VHOST_RESET_OWNER, NULL);
		break;
	case FZ_FEATURES:
		features(e, op);
		break;
	case FZ_BACKEND_FEATURES:
		ioctl(e->fd, VHOST_SET_BACKEND_FEATURES, &bf);
		break;
	case FZ_MEM_TABLE:
		mem_table(e, op->a);
		break;
	case FZ_LOG_BASE:
		log_base(e, op);
		break;
	case FZ_LOG_FD:
		v = pick_fd(e, 5, op->b);
		ioctl(e->fd, VHOST_SET_LOG_FD, &v);
		break;
	case FZ_VRING_NUM:
		vring_num(e, op);
		break;
	case FZ_VRING_ADDR:
		vring_addr(e, op);
		break;
	case FZ_VRING_BASE:
		vring_base(e, op);
		break;
	case FZ_GET_VRING_BASE:
		ioctl(e->fd, VHOST_GET_VRING_BASE, &s);
		break;
	case FZ_VRING_KICK:
		vring_file(e, VHOST_SET_VRING_KICK, op);
		break;
	case FZ_VRING_CALL:
		vring_file(e, VHOST_SET_VRING_CALL, op);
		break;
	case FZ_VRING_ERR:
		vring_file(e, VHOST_SET_VRING_ERR, op);
		break;
	case FZ_BUSYLOOP:
		s.num = op->b % 200;
		ioctl(e->fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s);
		break;
	case FZ_NEW_WORKER:
	case FZ_FREE_WORKER:
	case FZ_ATTACH_WORKER:
	case FZ_GET_WORKER:
		workers(e, op);
		break;
	case FZ_IOTLB:
		iotlb(e, op);
		break;
	case FZ_IOTLB_READ:
		iotlb_read(e, op);
		break;
	case FZ_BACKEND:
		backend(e, op);
		break;
	case FZ_SERIAL:
		memcpy(serial, &op->c, sizeof(op->c));
		memset(serial + 8, op->b, sizeof(serial) - 8);
		ioctl(e->fd, VHOST_BLK_SET_SERIAL, serial);
		break;
	case FZ_KICK:
		if (write(e->efd[op->a % NEFD], &one, sizeof(one)) < 0)
			break;
		break;
	case FZ_CLOSE:
		reopen(e);
		break;
	case FZ_SLEEP:
		usleep(op->a % 2000);
		break;
	}
}

/* ---- the driver thread: random chains in the configured rings ---- */

static uint64_t pick_addr(uint64_t *rng)
{
	static const uint64_t edges[] = {
		GPA0 + BUF_START, GPA0 + REGION - 16, GPA0 + REGION - 1,
		GPA0 + REGION, GPA1 - 4096, GPA1, GPA1 + REGION - 512, 0,
		~0ULL - 15, GPA0,
	};
	uint64_t r = fz_rand(rng);

	if (r % 4)
		return (r & 1 ? GPA1 : GPA0 + BUF_START) +
		       (r >> 8) % (REGION - BUF_START);
	return edges[(r >> 2) % 10];
}

static uint32_t pick_len(uint64_t *rng)
{
	static const uint32_t lens[] = { 0, 1, 12, 16, 17, 512, 4096, 65536,
					 0xffffffff, 0x80000000 };
	uint64_t r = fz_rand(rng);

	return r % 3 ? 1 + (r >> 8) % 8192 : lens[(r >> 2) % 10];
}

/* A virtio-blk header or a net header at the start of a buffer. */
static void fill_buffer(struct env *e, uint64_t gpa, uint64_t *rng)
{
	static const uint32_t types[] = { VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
		VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_DISCARD,
		VIRTIO_BLK_T_WRITE_ZEROES, 77 };
	uint64_t off, r = fz_rand(rng), v[4];

	if (gpa >= GPA0 && gpa + 32 <= GPA0 + REGION)
		off = gpa - GPA0;
	else if (gpa >= GPA1 && gpa + 32 <= GPA1 + REGION)
		off = REGION + gpa - GPA1;
	else
		return;
	v[0] = types[r % 7] | (uint64_t)(r >> 32) << 32;
	v[1] = r & 0x100 ? fz_rand(rng) : (r >> 9) % 4096;	/* sector */
	v[2] = fz_rand(rng);
	v[3] = r & 0x200 ? (r >> 16) % 64 : fz_rand(rng);
	memcpy(e->mem + off, v, sizeof(v));
}

static void put16(struct env *e, uint64_t off, uint16_t v)
{
	__atomic_store_n((uint16_t *)(e->mem + off), v, __ATOMIC_RELEASE);
}

/* One chain of 1-4 descriptors made available, split layout. */
static void spray_split(struct env *e, const struct ring *r, uint64_t *rng)
{
	uint64_t d, av, u, off;
	unsigned int i, n = 1 + fz_rand(rng) % 4;
	uint16_t head = fz_rand(rng) % r->num, idx;

	layout(e, r->num, &d, &av, &u);
	for (i = 0; i < n; i++) {
		uint64_t addr = pick_addr(rng), x = fz_rand(rng);
		uint16_t flags = (i + 1 < n ? 1 : 0) | (x & 2) |
				 (x % 16 == 0 ? 4 : 0);
		uint16_t next = x % 8 ? (head + i + 1) % r->num : x >> 16;

		off = r->off + d + 16ULL * ((head + i) % r->num);
		memcpy(e->mem + off, &addr, 8);
		*(uint32_t *)(e->mem + off + 8) = pick_len(rng);
		*(uint16_t *)(e->mem + off + 12) = flags;
		*(uint16_t *)(e->mem + off + 14) = next;
		if (!i)
			fill_buffer(e, addr, rng);
	}
	idx = *(uint16_t *)(e->mem + r->off + av + 2);
	*(uint16_t *)(e->mem + r->off + av + 4 + 2ULL * (idx % r->num)) = head;
	idx += fz_rand(rng) % 32 ? 1 : fz_rand(rng);	/* now and then a jump */
	put16(e, r->off + av + 2, idx);
}

/* Descriptors made available at random slots, packed layout. */
static void spray_packed(struct env *e, const struct ring *r, uint64_t *rng)
{
	unsigned int i, n = 1 + fz_rand(rng) % 4;
	uint16_t slot = fz_rand(rng) % r->num;
	uint64_t off;

	for (i = 0; i < n; i++) {
		uint64_t addr = pick_addr(rng), x = fz_rand(rng);
		uint16_t flags = (i + 1 < n ? 1 : 0) | (x & 2) |
				 (x % 16 == 0 ? 4 : 0) |
				 (x & 0x100 ? 1 << 7 : 0) |
				 (x & 0x200 ? 1 << 15 : 0);

		off = r->off + 16ULL * ((slot + i) % r->num);
		memcpy(e->mem + off, &addr, 8);
		*(uint32_t *)(e->mem + off + 8) = pick_len(rng);
		*(uint16_t *)(e->mem + off + 12) = x >> 16;
		if (!i)
			fill_buffer(e, addr, rng);
		put16(e, off + 14, flags);
	}
}

static void *driver(void *arg)
{
	struct env *e = arg;
	uint64_t rng = e->p->seed, one = 1;
	unsigned int q;
	struct ring r;
	bool packed;
	char frame[128] = { [12] = 0x88, [13] = 0xb5 };

	while (!atomic_get(&e->stop)) {
		q = fz_rand(&rng) % FZ_NVQS_MAX;
		pthread_mutex_lock(&e->lock);
		r = e->ring[q];
		packed = e->features & (1ULL << VIRTIO_F_RING_PACKED);
		pthread_mutex_unlock(&e->lock);
		if (r.num) {
			if (packed)
				spray_packed(e, &r, &rng);
			else
				spray_split(e, &r, &rng);
			if (write(e->efd[q], &one, sizeof(one)) < 0)
				break;
		}
		if (e->pkt >= 0 && fz_rand(&rng) % 4 == 0 &&
		    send(e->pkt, frame, 14 + fz_rand(&rng) % 100, 0) < 0)
			usleep(10);
		usleep(50);
	}
	return NULL;
}

/* ---- threads and the whole run ---- */

struct thread_arg {
	struct env *e;
	unsigned int id;
};

/* Thread 0 runs the set-up first: up to the first backend operation. */
static void *op_thread(void *arg)
{
	struct thread_arg *t = arg;
	struct env *e = t->e;
	unsigned int i;
	int cov = fz_cov_thread_start(e->cov, t->id);

	for (i = 0; i < e->p->n; i++) {
		const struct fz_op *op = &e->p->op[i];

		if (t->id && !atomic_get(&e->ready)) {
			i--;
			usleep(100);
			continue;
		}
		if (op->thread == t->id)
			run_op(e, op);
		if (!t->id && (op->kind == FZ_BACKEND || i >= 24))
			atomic_set(&e->ready, 1);
	}
	atomic_set(&e->ready, 1);
	if (!cov)
		fz_cov_thread_stop(e->cov, t->id);
	return NULL;
}

static int env_open(struct env *e, const struct fz_prog *p,
		    const struct fz_backends *be, struct fz_cov *cov)
{
	int i;

	memset(e, 0, sizeof(*e));
	e->p = p;
	e->be = be;
	e->cov = cov;
	pthread_mutex_init(&e->lock, NULL);
	e->fd = open(dev_paths[p->dev], O_RDWR | O_CLOEXEC);
	if (e->fd < 0)
		return -errno;
	e->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	e->log = calloc(1, (GPA1 + REGION) / 4096 / 8 + 64);
	if (e->mem == MAP_FAILED || !e->log)
		return -ENOMEM;
	for (i = 0; i < NEFD; i++)
		e->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->tap[0] = e->tap[1] = e->pkt = e->blk_rw = e->blk_ro = -1;
	return 0;
}

static void env_close(struct env *e)
{
	int i;

	/* The device first: its release drains before the memory goes. */
	if (e->fd >= 0)
		close(e->fd);
	for (i = 0; i < NEFD; i++)
		if (e->efd[i] >= 0)
			close(e->efd[i]);
	if (e->mem && e->mem != MAP_FAILED)
		munmap(e->mem, MEM_SIZE);
	free(e->log);
	pthread_mutex_destroy(&e->lock);
}

int fz_exec(const struct fz_prog *p, const struct fz_backends *be,
	    struct fz_cov *cov)
{
	struct thread_arg ta[FZ_THREADS];
	pthread_t th[FZ_THREADS], drv;
	struct env e;
	unsigned int i;
	int ret;

	ret = env_open(&e, p, be, cov);
	if (ret) {
		env_close(&e);
		return ret;
	}
	/* The backends live across runs (fuzz.c); a run borrows them. */
	e.tap[0] = be->tap[0];
	e.tap[1] = be->tap[1];
	e.pkt = be->pkt;
	e.blk_rw = be->blk_rw;
	e.blk_ro = be->blk_ro;
	pthread_create(&drv, NULL, driver, &e);
	for (i = 0; i < FZ_THREADS; i++) {
		ta[i] = (struct thread_arg){ &e, i };
		pthread_create(&th[i], NULL, op_thread, &ta[i]);
	}
	for (i = 0; i < FZ_THREADS; i++)
		pthread_join(th[i], NULL);
	usleep(1000);
	atomic_set(&e.stop, 1);
	pthread_join(drv, NULL);
	env_close(&e);
	return 0;
}
