// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_test: the core under a hostile VMM and guest, through
 * /dev/vhost-test. Ioctls racing each other from two threads, ring
 * addresses changed under a running ring whose IOTLB was flushed, dirty
 * logging through an IOTLB and of memory mapped at two guest addresses,
 * IOTLB misses nobody answers, a kick eventfd in error. Each test is the
 * regression test of a defect found by review; the races run for a bounded
 * time, and what catches a use-after-free there is the VM runner (KASAN,
 * lockdep), not the program's own checks. TAP output.
 *
 *   hostile_test [SECONDS]    how long each race runs (default 3)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "uapi/linux/vhost_accel.h"
#include "core_lib.h"

static unsigned int race_seconds = 3;

static const uint64_t iotlb_features = (1ULL << VIRTIO_F_VERSION_1) |
				       (1ULL << VIRTIO_F_ACCESS_PLATFORM);

static bool stopped(const int *stop)
{
	return __atomic_load_n(stop, __ATOMIC_ACQUIRE);
}

static void stop_after(int *stop, unsigned int seconds)
{
	sleep(seconds);
	__atomic_store_n(stop, 1, __ATOMIC_RELEASE);
}

static int set_backend_features(struct vha_vt *t)
{
	uint64_t bf = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;

	return ioctl(t->fd, VHOST_SET_BACKEND_FEATURES, &bf) ? -errno : 0;
}

/* Point queue @q at its rings by I/O virtual address gpa + @off. */
static int set_iova_addr(struct vha_vt *t, unsigned int q, uint64_t off,
			 unsigned int flags)
{
	struct vha_drv *d = &t->vq[q].drv;
	struct vhost_vring_addr a = {
		.index = q, .flags = flags,
		.desc_user_addr = d->desc + off,
		.used_user_addr = d->used + off,
		.avail_user_addr = d->avail + off,
		.log_guest_addr = d->used + off,
	};

	return ioctl(t->fd, VHOST_SET_VRING_ADDR, &a) ? -errno : 0;
}

/* Map all guest memory in the IOTLB at I/O address gpa + @off. */
static int map_all(struct vha_vt *t, uint64_t off)
{
	return iotlb_write(t->fd, VHOST_IOTLB_UPDATE, t->gpa + off, t->size,
			   (uintptr_t)t->mem, VHOST_ACCESS_RW);
}

static bool log_bit(const uint8_t *log, uint64_t gpa)
{
	uint64_t pfn = gpa / 4096;

	return (log[pfn / 8] >> (pfn % 8)) & 1;
}

/* ---- vha_dev_flush() racing worker destruction ---- */

enum { FLUSHERS = 4 };

struct flush_race {
	struct vha_vt *t;
	int stop;
	unsigned long flushes, workers;
	bool reset;		/* RESET_OWNER instead of FREE_WORKER */
};

/* VHOST_TEST_RUN and VHOST_TEST_SET_BACKEND: each flushes the workers. */
static void *flusher(void *arg)
{
	struct flush_race *r = arg;
	struct vhost_vring_file b = { .index = 0 };

	while (!stopped(&r->stop)) {
		test_run(r->t, 1);
		b.fd = 0;
		ioctl(r->t->fd, VHOST_TEST_SET_BACKEND, &b);
		b.fd = -1;
		ioctl(r->t->fd, VHOST_TEST_SET_BACKEND, &b);
		test_run(r->t, 0);
		__atomic_add_fetch(&r->flushes, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Workers made and destroyed meanwhile. */
static void *destroyer(void *arg)
{
	struct flush_race *r = arg;
	struct vhost_worker_state w;

	while (!stopped(&r->stop)) {
		if (r->reset) {
			ioctl(r->t->fd, VHOST_RESET_OWNER, NULL);
			ioctl(r->t->fd, VHOST_SET_OWNER, NULL);
		} else {
			memset(&w, 0, sizeof(w));
			if (!ioctl(r->t->fd, VHOST_NEW_WORKER, &w))
				ioctl(r->t->fd, VHOST_FREE_WORKER, &w);
		}
		r->workers++;
	}
	return NULL;
}

/*
 * VHOST_TEST_RUN and VHOST_TEST_SET_BACKEND flushed the device's workers
 * after dropping the device mutex, while another thread could free one
 * (FREE_WORKER, RESET_OWNER): a use-after-free KASAN reports.
 */
static void t_flush_race(bool reset)
{
	struct flush_race r = { .reset = reset };
	pthread_t a[FLUSHERS], b;
	struct vha_vt t;
	int i;

	setup(&t, base_features, false);
	r.t = &t;
	/* More threads than CPUs: a flusher is preempted mid-walk more often. */
	for (i = 0; i < FLUSHERS; i++)
		pthread_create(&a[i], NULL, flusher, &r);
	pthread_create(&b, NULL, destroyer, &r);
	stop_after(&r.stop, race_seconds);
	for (i = 0; i < FLUSHERS; i++)
		pthread_join(a[i], NULL);
	pthread_join(b, NULL);
	tap(r.flushes && r.workers,
	    "%u s of TEST_RUN/TEST_SET_BACKEND flushes against %s: %lu and %lu rounds",
	    race_seconds, reset ? "RESET_OWNER/SET_OWNER" :
	    "NEW_WORKER/FREE_WORKER", r.flushes, r.workers);
	if (!reset)
		tap(test_run(&t, 1) == 0 && echo_bufs(&t, 0, 5) == 5,
		    "the device still moves data after the race");
	test_run(&t, 0);
	vha_vt_close(&t);
}

/* ---- SET_VRING_ADDR on a running ring ---- */

/*
 * QEMU sends SET_VRING_ADDR with VHOST_VRING_F_LOG to every running queue
 * when a migration starts. The ring restarted there and read its used
 * index; with the IOTLB flushed (a vIOMMU invalidated it) that missed, the
 * ioctl failed with EFAULT and the ring was left half set up, its used
 * position lost. It must keep its position and touch nothing.
 */
static void t_addr_running(bool packed)
{
	struct vhost_vring_state s = { .index = 0 };
	uint32_t want;
	struct vha_vt t;
	int n1, n2, r;

	setup(&t, iotlb_features, packed);
	if (set_backend_features(&t) || set_iova_addr(&t, 0, 0, 0) ||
	    map_all(&t, 0) || test_run(&t, 1)) {
		tap(false, "addr running: set-up");
		vha_vt_close(&t);
		return;
	}
	n1 = echo_bufs(&t, 0, 5);
	iotlb_write(t.fd, VHOST_IOTLB_INVALIDATE, t.gpa, t.size, 0, 0);
	r = set_iova_addr(&t, 0, 0, 1u << VHOST_VRING_F_LOG);
	tap(r == 0,
	    "SET_VRING_ADDR with VHOST_VRING_F_LOG on a running ring whose IOTLB was flushed succeeds (%d)",
	    r);
	map_all(&t, 0);
	n2 = echo_bufs(&t, 0, 10);
	test_run(&t, 0);
	ioctl(t.fd, VHOST_GET_VRING_BASE, &s);
	/* packed: 15 chains of 2 descriptors in a ring of 64, lap 1 */
	want = packed ? (30 | 1u << 15) * 0x10001u : 15;
	tap(n1 == 5 && n2 == 10 && s.num == want,
	    "the ring went on at its position: %d + %d chains, base 0x%x (want 0x%x)",
	    n1, n2, s.num, want);
	vha_vt_close(&t);
}

/* ---- dirty log ---- */

/* The page of the area the device writes when it returns buffers. */
static uint64_t used_area(const struct vha_vt *t, bool packed)
{
	return packed ? t->vq[0].drv.desc : t->vq[0].drv.used;
}

/*
 * With an IOTLB, ring addresses and QEMU's log_guest_addr are I/O virtual
 * addresses: the used ring was logged at its I/O address taken as a guest
 * address (a page past the end of memory, so none), never at the guest
 * page the migration must copy again.
 */
static void t_log_iotlb(bool packed)
{
	const uint64_t off = 0x40000000;	/* IOVA = gpa + off */
	uint64_t f = iotlb_features | (1ULL << VHOST_F_LOG_ALL), base, pfn;
	uint8_t *log = calloc(1, 4096);
	uint64_t buf, used = 0;
	int n, other = 0;
	struct vha_vt t;

	setup(&t, base_features, packed);
	base = (uintptr_t)log;
	if (packed)
		f |= 1ULL << VIRTIO_F_RING_PACKED;
	if (ioctl(t.fd, VHOST_SET_LOG_BASE, &base) ||
	    ioctl(t.fd, VHOST_SET_FEATURES, &f) || set_backend_features(&t) ||
	    set_iova_addr(&t, 0, off, 1u << VHOST_VRING_F_LOG) ||
	    map_all(&t, off) || test_run(&t, 1)) {
		tap(false, "log iotlb: set-up");
		goto out;
	}
	/* The buffers on a page of their own, apart from the rings. */
	vha_vt_alloc(&t, 4096, 4096, &buf);
	n = echo_bufs_at(&t, 0, 3, off);
	test_run(&t, 0);
	buf = t.brk - 512 + 256;	/* echo_bufs' writable buffer */
	used = used_area(&t, packed);
	for (pfn = t.gpa / 4096; pfn < (t.gpa + t.size) / 4096; pfn++)
		if (log_bit(log, pfn * 4096) && pfn != buf / 4096 &&
		    pfn != used / 4096)
			other++;
	tap(n == 3 && log_bit(log, buf),
	    "IOTLB: the written buffer's guest page is logged");
	tap(log_bit(log, used),
	    "IOTLB: the used ring's guest page is logged, not its I/O address");
	tap(other == 0, "IOTLB: no other page is logged (%d)", other);
out:
	vha_vt_close(&t);
	free(log);
}

/*
 * Memory mapped at two guest addresses (two regions, one host range): a
 * write the device makes through the host address is logged at both, or
 * the copy a migration makes of the second is stale.
 */
static void t_log_alias(bool packed)
{
	const uint64_t alias = 0x1000000;	/* second region's start */
	uint64_t f = base_features | (1ULL << VHOST_F_LOG_ALL), base, used;
	uint8_t *log = calloc(1, 4096);
	struct mem2 m = { .hdr.nregions = 2 };
	struct vha_vt t;
	int n;

	setup(&t, base_features, packed);
	m.r[0] = (struct vhost_memory_region){ t.gpa, t.size,
					       (uintptr_t)t.mem, 0 };
	m.r[1] = (struct vhost_memory_region){ alias, t.size,
					       (uintptr_t)t.mem, 0 };
	base = (uintptr_t)log;
	if (packed)
		f |= 1ULL << VIRTIO_F_RING_PACKED;
	if (ioctl(t.fd, VHOST_SET_MEM_TABLE, &m) ||
	    ioctl(t.fd, VHOST_SET_LOG_BASE, &base) ||
	    ioctl(t.fd, VHOST_SET_FEATURES, &f) || test_run(&t, 1)) {
		tap(false, "log alias: set-up");
		goto out;
	}
	n = echo_bufs(&t, 0, 3);
	test_run(&t, 0);
	used = used_area(&t, packed);
	tap(n == 3 && log_bit(log, used) && log_bit(log, used - t.gpa + alias),
	    "the used ring is logged at both guest addresses that map it (0x%llx, 0x%llx)",
	    (unsigned long long)used,
	    (unsigned long long)(used - t.gpa + alias));
out:
	vha_vt_close(&t);
	free(log);
}

/* ---- IOTLB misses ---- */

/* Read one miss within @ms: 1 and *iova, 0 if none. */
static int read_miss(struct vha_vt *t, uint64_t *iova, int ms)
{
	struct pollfd p = { .fd = t->fd, .events = POLLIN };
	struct vhost_msg_v2 m;

	if (poll(&p, 1, ms) != 1 || read(t->fd, &m, sizeof(m)) != sizeof(m))
		return 0;
	if (m.type != VHOST_IOTLB_MSG_V2 || m.iotlb.type != VHOST_IOTLB_MISS)
		return 0;
	*iova = m.iotlb.iova;
	return 1;
}

/* Plays QEMU: answers every miss inside guest memory, page by page. */
struct pump {
	struct vha_vt *t;
	int stop;
	unsigned int answered;
};

static void *pump_fn(void *arg)
{
	struct pump *p = arg;
	uint64_t iova, page;

	while (!stopped(&p->stop)) {
		if (!read_miss(p->t, &iova, 100))
			continue;
		if (iova < p->t->gpa || iova >= p->t->gpa + p->t->size)
			continue;
		page = iova & ~4095ULL;
		iotlb_write(p->t->fd, VHOST_IOTLB_UPDATE, page, 4096,
			    vha_vt_hva(p->t, page), VHOST_ACCESS_RW);
		p->answered++;
	}
	return NULL;
}

/* Map queue @q's three ring areas only. */
static int map_rings(struct vha_vt *t, unsigned int q)
{
	const struct vha_drv *d = &t->vq[q].drv;
	uint64_t size = vha_drv_ring_size(d->cfg.num, d->cfg.packed);

	return iotlb_write(t->fd, VHOST_IOTLB_UPDATE, d->desc, size,
			   vha_vt_hva(t, d->desc), VHOST_ACCESS_RW);
}

/*
 * A guest that points buffers at I/O addresses its vIOMMU does not map:
 * userspace reads each miss and never answers. Misses were queued until
 * 256 were outstanding, and every later one was dropped, for valid
 * addresses too and on every queue, until RESET_OWNER: the device wedged.
 */
static void t_iotlb_unanswered(void)
{
	struct vha_vt_ring ring = { .num = 64 };
	struct vha_drv_buf out;
	struct vha_drv *d;
	struct pump p = { 0 };
	unsigned int i, misses = 0, cnt;
	uint64_t iova, buf, bad;
	uint16_t id, head;
	uint32_t len;
	pthread_t th;
	struct vha_vt t;
	bool ok = false;
	int n0, n1;

	setup(&t, iotlb_features, false);
	if (vha_vt_vq_setup(&t, 1, &ring) || set_backend_features(&t) ||
	    set_iova_addr(&t, 0, 0, 0) || set_iova_addr(&t, 1, 0, 0) ||
	    map_rings(&t, 0) || map_rings(&t, 1) || test_run(&t, 1) ||
	    vha_vt_alloc(&t, 4096, 4096, &buf)) {
		tap(false, "unanswered misses: set-up");
		goto out;
	}
	fcntl(t.fd, F_SETFL, O_NONBLOCK);
	d = &t.vq[0].drv;
	/* One chain at the head; the guest rewrites its address each time. */
	out = (struct vha_drv_buf){ 0x7f0000000000ULL, 64 };
	vha_drv_add(d, &out, 1, NULL, 0, false, &head);
	vha_drv_publish(d);
	for (i = 0; i < 300; i++) {
		bad = 0x7f0000000000ULL + (uint64_t)i * 0x10000;
		vha_drv_raw_desc(d, vha_drv_desc_gpa(d, head), bad, 64, 0, 0);
		vha_vt_kick(&t, 0);
		if (read_miss(&t, &iova, 2000) && iova == bad)
			misses++;
	}
	tap(misses == 300,
	    "300 misses at unmapped I/O addresses, read and never answered: each reported (%u)",
	    misses);
	vha_drv_raw_desc(d, vha_drv_desc_gpa(d, head), buf, 64, 0, 0);
	vha_vt_kick(&t, 0);
	if (read_miss(&t, &iova, 2000) && iova == buf &&
	    !iotlb_write(t.fd, VHOST_IOTLB_UPDATE, buf, 4096,
			 vha_vt_hva(&t, buf), VHOST_ACCESS_RW)) {
		for (i = 0; i < 20 && !ok; i++) {
			ok = vha_drv_get_used(d, &id, &len, &cnt) == 1 &&
			     id == head;
			if (!ok)
				vha_vt_wait(&t, 0, 100);
		}
	}
	tap(ok, "then a miss at a valid address is reported, answered, and its chain completes");
	p.t = &t;
	pthread_create(&th, NULL, pump_fn, &p);
	n1 = echo_bufs(&t, 1, 5);
	n0 = echo_bufs(&t, 0, 5);
	__atomic_store_n(&p.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	tap(n0 == 5 && n1 == 5,
	    "both queues move data with misses answered (%d, %d; %u answers)",
	    n0, n1, p.answered);
	test_run(&t, 0);
out:
	vha_vt_close(&t);
}

struct read_race {
	struct vha_vt *t;
	int stop;
	unsigned long reads, resets;
};

/* read() misses, into a good buffer and into one that faults. */
static void *miss_reader(void *arg)
{
	struct read_race *r = arg;
	struct vhost_msg_v2 m;

	while (!stopped(&r->stop)) {
		if (read(r->t->fd, (r->reads & 1) ? (void *)&m : NULL,
			 sizeof(m)) < 0 && errno == EBADFD)
			usleep(100);
		r->reads++;
	}
	return NULL;
}

/*
 * Owner reset and set up again with the IOTLB on, queue 0 running on an
 * unmapped descriptor table, and kicked: a miss to read. 0 or -errno.
 */
static int rearm(struct vha_vt *t)
{
	struct vhost_vring_state s = { .index = 0 };
	struct vhost_vring_file f = { .index = 0 };
	const struct vha_drv *d = &t->vq[0].drv;
	struct mem2 m = { .hdr.nregions = 1 };
	uint64_t feat = iotlb_features;

	m.r[0] = (struct vhost_memory_region){ t->gpa, t->size,
					       (uintptr_t)t->mem, 0 };
	if (ioctl(t->fd, VHOST_RESET_OWNER, NULL) ||
	    ioctl(t->fd, VHOST_SET_OWNER, NULL) ||
	    ioctl(t->fd, VHOST_SET_MEM_TABLE, &m) ||
	    ioctl(t->fd, VHOST_SET_FEATURES, &feat) || set_backend_features(t))
		return -errno;
	s.num = d->cfg.num;
	if (ioctl(t->fd, VHOST_SET_VRING_NUM, &s))
		return -errno;
	s.num = 0;
	f.fd = t->vq[0].kick;
	if (ioctl(t->fd, VHOST_SET_VRING_BASE, &s) ||
	    set_iova_addr(t, 0, 0, 0) ||
	    ioctl(t->fd, VHOST_SET_VRING_KICK, &f))
		return -errno;
	/* Only the used ring is mapped: the next kick misses. */
	if (iotlb_write(t->fd, VHOST_IOTLB_UPDATE, d->used, 4096,
			vha_vt_hva(t, d->used), VHOST_ACCESS_RW) ||
	    test_run(t, 1))
		return -EIO;
	return vha_vt_kick(t, 0);
}

/*
 * read() took a miss off its list and put it back (or dropped it and
 * counted it down) without the device mutex, racing RESET_OWNER, which
 * freed the lists and zeroed the count: the count went below zero and
 * every later miss was dropped.
 */
static void t_iotlb_read_race(void)
{
	struct read_race r = { 0 };
	bool found = false;
	struct vha_vt t;
	uint64_t iova;
	pthread_t th;
	time_t end;
	int i, ret = 0;

	setup(&t, base_features, false);
	fcntl(t.fd, F_SETFL, O_NONBLOCK);
	r.t = &t;
	pthread_create(&th, NULL, miss_reader, &r);
	end = time(NULL) + race_seconds;
	while (time(NULL) < end && !ret) {
		ret = rearm(&t);
		r.resets++;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	tap(!ret && r.resets && r.reads,
	    "%u s of read() against RESET_OWNER and set-up again: %lu resets, %lu reads (%d)",
	    race_seconds, r.resets, r.reads, ret);
	ret = rearm(&t);
	for (i = 0, found = false; !ret && i < 5 && !found; i++)
		found = read_miss(&t, &iova, 1000) &&
			iova == t.vq[0].drv.desc;
	tap(found, "after the race a kick's miss is still reported (%d)", ret);
	test_run(&t, 0);
	vha_vt_close(&t);
}

/* ---- a kick eventfd in error ---- */

/*
 * An eventfd whose counter reached its maximum polls as an error: such a
 * kick was refused (EINVAL) but kept, so setting the same eventfd again,
 * once drained, "changed nothing" and the queue was never kicked again.
 */
static void t_kick_error(void)
{
	struct vhost_vring_file f = { .index = 0 };
	uint64_t v = ~0ULL - 1;
	struct vha_drv_buf out;
	struct pollfd p;
	struct vha_vt t;
	unsigned int cnt;
	uint64_t buf;
	uint32_t len;
	uint16_t id;
	int efd, r1, r2;

	setup(&t, base_features, false);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	test_run(&t, 1);
	/* The device's call signal takes the counter to its maximum. */
	if (write(efd, &v, sizeof(v)) != sizeof(v) ||
	    vha_vt_alloc(&t, 256, 64, &buf)) {
		tap(false, "kick error: set-up");
		goto out;
	}
	f.fd = efd;
	ioctl(t.fd, VHOST_SET_VRING_CALL, &f);
	out = (struct vha_drv_buf){ buf, 64 };
	vha_drv_add(&t.vq[0].drv, &out, 1, NULL, 0, false, &id);
	vha_drv_publish(&t.vq[0].drv);
	vha_vt_kick(&t, 0);
	p = (struct pollfd){ .fd = efd, .events = POLLIN };
	for (r1 = 0; r1 < 20 && !(p.revents & POLLERR); r1++) {
		usleep(100 * 1000);
		poll(&p, 1, 0);
	}
	f.fd = t.vq[0].call;
	ioctl(t.fd, VHOST_SET_VRING_CALL, &f);
	f.fd = efd;
	r1 = ioctl(t.fd, VHOST_SET_VRING_KICK, &f) ? errno : 0;
	vha_vt_drain(efd);
	r2 = ioctl(t.fd, VHOST_SET_VRING_KICK, &f) ? errno : 0;
	tap((p.revents & POLLERR) && r1 == EINVAL && r2 == 0,
	    "SET_VRING_KICK of an eventfd in error -> EINVAL, the same one drained -> 0 (%d, %d)",
	    r1, r2);
	close(t.vq[0].kick);
	t.vq[0].kick = efd;
	efd = -1;
	vha_drv_get_used(&t.vq[0].drv, &id, &len, &cnt);
	tap(echo_bufs(&t, 0, 3) == 3, "kicks on it reach the device");
	test_run(&t, 0);
out:
	if (efd >= 0)
		close(efd);
	vha_vt_close(&t);
}

int main(int argc, char **argv)
{
	int packed;

	if (argc > 1)
		race_seconds = atoi(argv[1]);
	printf("TAP version 13\n");
	t_flush_race(false);
	t_flush_race(true);
	for (packed = 0; packed < 2; packed++) {
		t_addr_running(packed);
		t_log_iotlb(packed);
		t_log_alias(packed);
	}
	t_iotlb_unanswered();
	t_iotlb_read_race();
	t_kick_error();
	return tap_done();
}
