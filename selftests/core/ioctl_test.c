// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_test: every vhost ioctl of the core, through /dev/vhost-test, with
 * the sequence QEMU uses and the abnormal ones; each check names the errno
 * it expects (upstream's where upstream defines one). TAP output.
 *
 *   ioctl_test [DEVICE]      (default /dev/vhost-test)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "uapi/linux/vhost_accel.h"
#include "core_lib.h"

static void t_owner(void)
{
	struct vhost_memory mem = { 0 };
	struct vhost_vring_state s = { .index = 0, .num = 64 };
	struct vhost_worker_state w = { 0 };
	uint64_t u = 0;
	int fd = open_dev();

	expect_err(fd, VHOST_SET_MEM_TABLE, &mem, EPERM,
		   "SET_MEM_TABLE before SET_OWNER");
	expect_err(fd, VHOST_SET_VRING_NUM, &s, EPERM,
		   "SET_VRING_NUM before SET_OWNER");
	expect_err(fd, VHOST_SET_LOG_BASE, &u, EPERM,
		   "SET_LOG_BASE before SET_OWNER");
	expect_err(fd, VHOST_NEW_WORKER, &w, EPERM,
		   "NEW_WORKER before SET_OWNER");
	expect_err(fd, VHOST_RESET_OWNER, NULL, EPERM,
		   "RESET_OWNER before SET_OWNER");
	expect_ok(fd, VHOST_SET_OWNER, NULL, "SET_OWNER");
	expect_err(fd, VHOST_SET_OWNER, NULL, EBUSY, "second SET_OWNER");
	expect_ok(fd, VHOST_SET_MEM_TABLE, &mem, "empty SET_MEM_TABLE");
	expect_ok(fd, VHOST_RESET_OWNER, NULL, "RESET_OWNER");
	expect_ok(fd, VHOST_SET_OWNER, NULL, "SET_OWNER after RESET_OWNER");
	close(fd);
}

static void t_features(void)
{
	uint64_t f = 0, g;
	int fd = open_dev();

	expect_ok(fd, VHOST_GET_FEATURES, &f, "GET_FEATURES");
	tap((f & (1ULL << VIRTIO_F_VERSION_1)) &&
	    (f & (1ULL << VHOST_F_LOG_ALL)) &&
	    (f & (1ULL << VIRTIO_RING_F_EVENT_IDX)),
	    "features offer VERSION_1, LOG_ALL, EVENT_IDX (0x%llx)",
	    (unsigned long long)f);
	expect_err(fd, VHOST_GET_FEATURES, (void *)8, EFAULT,
		   "GET_FEATURES to a bad pointer");
	g = f;
	expect_ok(fd, VHOST_SET_FEATURES, &g, "SET_FEATURES of all offered");
	g = f | (1ULL << 63);
	expect_err(fd, VHOST_SET_FEATURES, &g, EOPNOTSUPP,
		   "SET_FEATURES with an unoffered bit");
	expect_err(fd, VHOST_SET_FEATURES, (void *)8, EFAULT,
		   "SET_FEATURES from a bad pointer");
	expect_ok(fd, VHOST_GET_BACKEND_FEATURES, &f, "GET_BACKEND_FEATURES");
	tap(f == ((1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2) |
		  (1ULL << VHOST_BACKEND_F_IOTLB_BATCH)),
	    "backend features are IOTLB_MSG_V2|IOTLB_BATCH (0x%llx)",
	    (unsigned long long)f);
	g = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;
	expect_ok(fd, VHOST_SET_BACKEND_FEATURES, &g,
		  "SET_BACKEND_FEATURES MSG_V2");
	g = 1ULL << VHOST_BACKEND_F_IOTLB_ASID;
	expect_err(fd, VHOST_SET_BACKEND_FEATURES, &g, EOPNOTSUPP,
		   "SET_BACKEND_FEATURES with IOTLB_ASID");
	close(fd);
}

static void t_mem_table(void)
{
	static struct mem2 m;
	uint8_t *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open_dev(), i;

	ioctl(fd, VHOST_SET_OWNER, NULL);
	memset(&m, 0, sizeof(m));
	m.hdr.nregions = 2;
	m.r[0] = (struct vhost_memory_region){ 0x1000, 0x1000,
					       (uintptr_t)p, 0 };
	m.r[1] = (struct vhost_memory_region){ 0x0, 0x1000,
					       (uintptr_t)p + 0x1000, 0 };
	expect_ok(fd, VHOST_SET_MEM_TABLE, &m, "SET_MEM_TABLE, 2 regions");
	m.r[1].memory_size = 0x1001;
	expect_err(fd, VHOST_SET_MEM_TABLE, &m, EINVAL,
		   "SET_MEM_TABLE with overlapping regions");
	m.r[1] = (struct vhost_memory_region){ ~0ULL - 0xfff, 0x2000,
					       (uintptr_t)p, 0 };
	expect_err(fd, VHOST_SET_MEM_TABLE, &m, EFAULT,
		   "SET_MEM_TABLE with a region wrapping past 2^64");
	m.r[1] = (struct vhost_memory_region){ 0x8000, 0, (uintptr_t)p, 0 };
	expect_err(fd, VHOST_SET_MEM_TABLE, &m, EFAULT,
		   "SET_MEM_TABLE with an empty region");
	m.r[1] = (struct vhost_memory_region){ 0x8000, 0x1000,
					       0xffff888000000000ULL, 0 };
	expect_err(fd, VHOST_SET_MEM_TABLE, &m, EFAULT,
		   "SET_MEM_TABLE with a kernel userspace_addr");
	m.hdr.nregions = 1;
	m.hdr.padding = 1;
	expect_err(fd, VHOST_SET_MEM_TABLE, &m, EOPNOTSUPP,
		   "SET_MEM_TABLE with nonzero padding");
	m.hdr.padding = 0;
	for (i = 0; i < 66; i++)
		m.r[i] = (struct vhost_memory_region){ 0x10000ULL * i, 0x1000,
						       (uintptr_t)p, 0 };
	m.hdr.nregions = 64;
	expect_ok(fd, VHOST_SET_MEM_TABLE, &m,
		  "SET_MEM_TABLE with max_mem_regions (64) regions");
	m.hdr.nregions = 65;
	expect_err(fd, VHOST_SET_MEM_TABLE, &m, E2BIG,
		   "SET_MEM_TABLE with 65 regions");
	expect_err(fd, VHOST_SET_MEM_TABLE, (void *)8, EFAULT,
		   "SET_MEM_TABLE from a bad pointer");
	close(fd);
	munmap(p, 1 << 20);
}

static void t_log(void)
{
	struct vhost_vring_file f;
	uint64_t base = 0xffff888000000000ULL, feat;
	int fd = open_dev(), efd = eventfd(0, 0), nfd = open("/dev/null", O_RDWR);
	int v;

	ioctl(fd, VHOST_SET_OWNER, NULL);
	{
		struct mem2 m = { .hdr.nregions = 1 };
		void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		m.r[0] = (struct vhost_memory_region){ 0, 1 << 20,
						       (uintptr_t)p, 0 };
		ioctl(fd, VHOST_SET_MEM_TABLE, &m);
	}
	expect_ok(fd, VHOST_SET_LOG_BASE, &base,
		  "SET_LOG_BASE to a kernel address with no ring running");
	feat = base_features | (1ULL << VHOST_F_LOG_ALL);
	expect_err(fd, VHOST_SET_FEATURES, &feat, EFAULT,
		   "SET_FEATURES LOG_ALL with an unusable log");
	expect_err(fd, VHOST_SET_LOG_BASE, (void *)8, EFAULT,
		   "SET_LOG_BASE from a bad pointer");
	v = efd;
	expect_ok(fd, VHOST_SET_LOG_FD, &v, "SET_LOG_FD eventfd");
	v = -1;
	expect_ok(fd, VHOST_SET_LOG_FD, &v, "SET_LOG_FD -1 (unbind)");
	v = nfd;
	expect_err(fd, VHOST_SET_LOG_FD, &v, EINVAL, "SET_LOG_FD /dev/null");
	v = 1000;
	expect_err(fd, VHOST_SET_LOG_FD, &v, EBADF, "SET_LOG_FD closed fd");
	(void)f;
	close(fd);
	close(efd);
	close(nfd);
}

static void t_vring_num_base(void)
{
	struct vhost_vring_state s = { .index = 0 };
	struct vha_vt t;

	setup(&t, base_features, false);
	s.num = 256;
	expect_ok(t.fd, VHOST_SET_VRING_NUM, &s, "SET_VRING_NUM 256");
	s.num = 32768;
	expect_ok(t.fd, VHOST_SET_VRING_NUM, &s, "SET_VRING_NUM 32768");
	s.num = 0;
	expect_err(t.fd, VHOST_SET_VRING_NUM, &s, EINVAL, "SET_VRING_NUM 0");
	s.num = 100;
	expect_err(t.fd, VHOST_SET_VRING_NUM, &s, EINVAL,
		   "SET_VRING_NUM 100 (not a power of two)");
	s.num = 65536;
	expect_err(t.fd, VHOST_SET_VRING_NUM, &s, EINVAL,
		   "SET_VRING_NUM 65536 (over 32768)");
	s.index = 2;
	s.num = 64;
	expect_err(t.fd, VHOST_SET_VRING_NUM, &s, ENOBUFS,
		   "SET_VRING_NUM on queue 2 of 2");
	s.index = 0;
	expect_ok(t.fd, VHOST_SET_VRING_NUM, &s, "SET_VRING_NUM 64 again");
	s.num = 0x10000;
	expect_err(t.fd, VHOST_SET_VRING_BASE, &s, EINVAL,
		   "SET_VRING_BASE 0x10000 on a split ring");
	s.num = 0;
	expect_ok(t.fd, VHOST_SET_VRING_BASE, &s, "SET_VRING_BASE 0");
	tap(test_run(&t, 1) == 0, "VHOST_TEST_RUN starts the queue");
	s.num = 64;
	expect_err(t.fd, VHOST_SET_VRING_NUM, &s, EBUSY,
		   "SET_VRING_NUM while running");
	expect_err(t.fd, VHOST_SET_VRING_BASE, &s, EBUSY,
		   "SET_VRING_BASE while running");
	tap(echo_bufs(&t, 0, 10) == 10, "10 echo buffers complete");
	tap(test_run(&t, 0) == 0, "VHOST_TEST_RUN 0 stops it");
	s.num = 0;
	expect_ok(t.fd, VHOST_GET_VRING_BASE, &s, "GET_VRING_BASE");
	tap(s.num == 10 && s.index == 0, "GET_VRING_BASE is 10 (got %u)",
	    s.num);
	s.index = 7;
	expect_err(t.fd, VHOST_GET_VRING_BASE, &s, ENOBUFS,
		   "GET_VRING_BASE on queue 7");
	s.index = 0;
	expect_err(t.fd, VHOST_SET_VRING_ENDIAN, &s, ENOTTY,
		   "SET_VRING_ENDIAN (no cross-endian support)");
	expect_err(t.fd, VHOST_GET_VRING_ENDIAN, &s, ENOTTY,
		   "GET_VRING_ENDIAN (no cross-endian support)");
	s.num = 50;
	expect_ok(t.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s,
		  "SET_VRING_BUSYLOOP_TIMEOUT 50");
	s.num = 0;
	expect_ok(t.fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &s,
		  "GET_VRING_BUSYLOOP_TIMEOUT");
	tap(s.num == 50, "busyloop timeout reads back 50 (got %u)", s.num);
	s.index = 9;
	expect_err(t.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s, ENOBUFS,
		   "SET_VRING_BUSYLOOP_TIMEOUT on queue 9");
	expect_err(t.fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &s, ENOBUFS,
		   "GET_VRING_BUSYLOOP_TIMEOUT on queue 9");
	tap(test_run(&t, 1) == 0 && echo_bufs(&t, 0, 20) == 20,
	    "20 echo buffers with busy-polling on");
	test_run(&t, 0);
	vha_vt_close(&t);
}

static void t_vring_addr(void)
{
	struct vhost_vring_addr a = { .index = 0 };
	struct vha_vt t;
	uint64_t d, av, u;

	setup(&t, base_features, false);
	d = vha_vt_hva(&t, t.vq[0].drv.desc);
	av = vha_vt_hva(&t, t.vq[0].drv.avail);
	u = vha_vt_hva(&t, t.vq[0].drv.used);
	a = (struct vhost_vring_addr){ 0, 0, d, u, av, 0 };
	expect_ok(t.fd, VHOST_SET_VRING_ADDR, &a, "SET_VRING_ADDR");
	a.avail_user_addr = av + 1;
	expect_err(t.fd, VHOST_SET_VRING_ADDR, &a, EINVAL,
		   "SET_VRING_ADDR with an odd avail address");
	a.avail_user_addr = av;
	a.used_user_addr = u + 2;
	expect_err(t.fd, VHOST_SET_VRING_ADDR, &a, EINVAL,
		   "SET_VRING_ADDR with used not 4-aligned");
	a.used_user_addr = u;
	a.flags = 2;
	expect_err(t.fd, VHOST_SET_VRING_ADDR, &a, EOPNOTSUPP,
		   "SET_VRING_ADDR with an unknown flag");
	a.flags = 0;
	a.index = 5;
	expect_err(t.fd, VHOST_SET_VRING_ADDR, &a, ENOBUFS,
		   "SET_VRING_ADDR on queue 5");
	a.index = 0;
	a.used_user_addr = 0xffff888000000000ULL;
	expect_ok(t.fd, VHOST_SET_VRING_ADDR, &a,
		  "SET_VRING_ADDR to a kernel address with no backend (checked at start)");
	tap(test_run(&t, 1) == -EFAULT,
	    "VHOST_TEST_RUN with a kernel used address -> EFAULT");
	a.used_user_addr = 0x10000;	/* user range, unmapped */
	ioctl(t.fd, VHOST_SET_VRING_ADDR, &a);
	tap(test_run(&t, 1) == -EFAULT,
	    "VHOST_TEST_RUN with an unmapped used ring -> EFAULT");
	a.used_user_addr = u;
	ioctl(t.fd, VHOST_SET_VRING_ADDR, &a);
	tap(test_run(&t, 1) == 0, "VHOST_TEST_RUN with good addresses");
	a.used_user_addr = 0xffff888000000000ULL;
	expect_err(t.fd, VHOST_SET_VRING_ADDR, &a, EINVAL,
		   "SET_VRING_ADDR to a kernel address while running");
	tap(echo_bufs(&t, 0, 5) == 5, "ring still works after the refusal");
	test_run(&t, 0);
	vha_vt_close(&t);
}

static void eventfd_ioctls(unsigned long req, const char *name)
{
	struct vhost_vring_file f = { .index = 0 };
	int fd = open_dev(), efd = eventfd(0, 0), nfd = open("/dev/null", O_RDWR);
	char what[96];

	ioctl(fd, VHOST_SET_OWNER, NULL);
	f.fd = efd;
	snprintf(what, sizeof(what), "%s eventfd", name);
	expect_ok(fd, req, &f, what);
	f.fd = -1;
	snprintf(what, sizeof(what), "%s -1 (unbind)", name);
	expect_ok(fd, req, &f, what);
	f.fd = nfd;
	snprintf(what, sizeof(what), "%s /dev/null", name);
	expect_err(fd, req, &f, EINVAL, what);
	f.fd = 999;
	snprintf(what, sizeof(what), "%s closed fd", name);
	expect_err(fd, req, &f, EBADF, what);
	f.fd = efd;
	f.index = 2;
	snprintf(what, sizeof(what), "%s on queue 2", name);
	expect_err(fd, req, &f, ENOBUFS, what);
	close(fd);
	close(efd);
	close(nfd);
}

/* A broken ring (head out of range) signals the error eventfd. */
static void t_vring_err_signal(void)
{
	struct vha_vt t;

	setup(&t, base_features, false);
	test_run(&t, 1);
	vha_drv_raw_avail(&t.vq[0].drv, 1000);
	vha_vt_kick(&t, 0);
	tap(vha_vt_wait(&t, 0, 3000) == -EIO,
	    "a head index >= num signals the error eventfd");
	test_run(&t, 0);
	vha_vt_close(&t);
}

static void t_workers(void)
{
	struct vhost_worker_state w = { 0 }, w2 = { 0 };
	struct vhost_vring_worker vw = { .index = 1 };
	struct vha_vt_ring ring = { .num = 64 };
	struct vha_vt t;

	setup(&t, base_features, false);
	vha_vt_vq_setup(&t, 1, &ring);
	expect_ok(t.fd, VHOST_GET_VRING_WORKER, &vw, "GET_VRING_WORKER");
	tap(vw.worker_id == 0, "queues start on worker 0 (got %u)",
	    vw.worker_id);
	expect_ok(t.fd, VHOST_NEW_WORKER, &w, "NEW_WORKER");
	tap(w.worker_id != 0, "new worker has a new id (%u)", w.worker_id);
	expect_err(t.fd, VHOST_NEW_WORKER, &w2, ENOSPC,
		   "NEW_WORKER past one worker per queue (2 queues)");
	vw.worker_id = w.worker_id;
	expect_ok(t.fd, VHOST_ATTACH_VRING_WORKER, &vw,
		  "ATTACH_VRING_WORKER queue 1");
	vw.worker_id = 77;
	expect_ok(t.fd, VHOST_GET_VRING_WORKER, &vw, "GET_VRING_WORKER again");
	tap(vw.worker_id == w.worker_id, "queue 1 is on the new worker");
	vw.worker_id = 12345;
	expect_err(t.fd, VHOST_ATTACH_VRING_WORKER, &vw, ENODEV,
		   "ATTACH_VRING_WORKER to an unknown worker");
	vw.index = 2;
	vw.worker_id = 0;
	expect_err(t.fd, VHOST_ATTACH_VRING_WORKER, &vw, ENOBUFS,
		   "ATTACH_VRING_WORKER on queue 2");
	expect_err(t.fd, VHOST_GET_VRING_WORKER, &vw, ENOBUFS,
		   "GET_VRING_WORKER on queue 2");
	w2.worker_id = w.worker_id;
	expect_err(t.fd, VHOST_FREE_WORKER, &w2, EBUSY,
		   "FREE_WORKER of an attached worker");
	w2.worker_id = 4242;
	expect_err(t.fd, VHOST_FREE_WORKER, &w2, ENODEV,
		   "FREE_WORKER of an unknown worker");
	tap(test_run(&t, 1) == 0 && echo_bufs(&t, 0, 20) == 20 &&
	    echo_bufs(&t, 1, 20) == 20,
	    "both queues move data on their own workers");
	test_run(&t, 0);
	vw = (struct vhost_vring_worker){ .index = 1, .worker_id = 0 };
	expect_ok(t.fd, VHOST_ATTACH_VRING_WORKER, &vw,
		  "ATTACH_VRING_WORKER queue 1 back to worker 0");
	w2.worker_id = w.worker_id;
	expect_ok(t.fd, VHOST_FREE_WORKER, &w2, "FREE_WORKER once detached");
	expect_err(t.fd, VHOST_FREE_WORKER, &w2, ENODEV,
		   "FREE_WORKER twice");
	expect_ok(t.fd, VHOST_NEW_WORKER, &w2,
		  "NEW_WORKER again once one was freed");
	expect_ok(t.fd, VHOST_FREE_WORKER, &w2, "FREE_WORKER of it");
	vha_vt_close(&t);
}

/* A forked child shares the fd but not the mm: not the owner. */
static void t_fork(void)
{
	struct vhost_vring_state s = { .index = 0, .num = 64 };
	struct vha_vt t;
	int status;
	pid_t pid;

	setup(&t, base_features, false);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uint64_t f;
		int bad = 0;

		bad |= ioctl(t.fd, VHOST_SET_VRING_NUM, &s) != -1 ||
		       errno != EPERM;
		bad |= ioctl(t.fd, VHOST_SET_OWNER, NULL) != -1 ||
		       errno != EBUSY;
		bad |= ioctl(t.fd, VHOST_RESET_OWNER, NULL) != -1 ||
		       errno != EPERM;
		bad |= ioctl(t.fd, VHOST_GET_FEATURES, &f) != 0;
		_exit(bad);
	}
	waitpid(pid, &status, 0);
	tap(WIFEXITED(status) && !WEXITSTATUS(status),
	    "forked child: SET_VRING_NUM/RESET_OWNER -> EPERM, SET_OWNER -> EBUSY");
	tap(test_run(&t, 1) == 0 && echo_bufs(&t, 0, 5) == 5,
	    "parent still owns the device");
	test_run(&t, 0);
	vha_vt_close(&t);
}

/* Abnormal ends: RESET_OWNER and close with buffers in flight. */
static void t_inflight(void)
{
	struct vha_drv_buf out, in;
	struct vha_vt t;
	uint64_t buf;
	uint16_t id;
	int i;

	for (i = 0; i < 2; i++) {
		setup(&t, base_features, false);
		test_run(&t, 1);
		vha_vt_alloc(&t, 4096, 64, &buf);
		out = (struct vha_drv_buf){ buf, 1024 };
		in = (struct vha_drv_buf){ buf + 2048, 1024 };
		while (!vha_drv_add(&t.vq[0].drv, &out, 1, &in, 1, false, &id))
			;
		vha_drv_publish(&t.vq[0].drv);
		vha_vt_kick(&t, 0);
		if (i == 0) {
			expect_ok(t.fd, VHOST_RESET_OWNER, NULL,
				  "RESET_OWNER with buffers in flight");
			expect_ok(t.fd, VHOST_SET_OWNER, NULL,
				  "SET_OWNER after that");
		} else {
			tap(close(t.fd) == 0,
			    "close with buffers in flight");
			t.fd = -1;
		}
		vha_vt_close(&t);
	}
}

/* New memory table and feature writes while a ring runs. */
static void t_change_while_running(void)
{
	struct mem2 m = { .hdr.nregions = 1 };
	struct vha_vt t;
	uint64_t f = base_features | (1ULL << VIRTIO_RING_F_EVENT_IDX);

	setup(&t, base_features, false);
	test_run(&t, 1);
	tap(echo_bufs(&t, 0, 5) == 5, "ring runs");
	m.r[0] = (struct vhost_memory_region){ t.gpa, t.size,
					       (uintptr_t)t.mem, 0 };
	expect_ok(t.fd, VHOST_SET_MEM_TABLE, &m,
		  "SET_MEM_TABLE while running");
	tap(echo_bufs(&t, 0, 5) == 5, "ring runs on the new table");
	m.r[0].guest_phys_addr = 0x40000000;
	ioctl(t.fd, VHOST_SET_MEM_TABLE, &m);
	tap(echo_bufs(&t, 0, 1) <= 0 &&
	    vha_vt_drain(t.vq[0].err) > 0,
	    "a table no longer mapping the buffers breaks the ring (error eventfd)");
	expect_ok(t.fd, VHOST_SET_FEATURES, &f, "SET_FEATURES while running");
	test_run(&t, 0);
	vha_vt_close(&t);
}

/* Dirty log: pages the device wrote, used ring included, are marked. */
static void t_dirty_log(void)
{
	uint64_t f = base_features | (1ULL << VHOST_F_LOG_ALL);
	uint64_t bits = (4 << 20) / 4096, base, used_pfn, buf_pfn;
	uint8_t *log = calloc(1, (0x100000 + (4 << 20)) / 4096 / 8 + 8);
	struct vhost_vring_addr a = { .index = 0 };
	struct vha_vt t;
	int n, in_pfn_set, other = 0;
	uint64_t i;

	setup(&t, base_features, false);
	base = (uintptr_t)log;
	expect_ok(t.fd, VHOST_SET_LOG_BASE, &base, "SET_LOG_BASE");
	expect_ok(t.fd, VHOST_SET_FEATURES, &f, "SET_FEATURES LOG_ALL");
	a = (struct vhost_vring_addr){ 0, 1u << VHOST_VRING_F_LOG,
		vha_vt_hva(&t, t.vq[0].drv.desc),
		vha_vt_hva(&t, t.vq[0].drv.used),
		vha_vt_hva(&t, t.vq[0].drv.avail), t.vq[0].drv.used };
	expect_ok(t.fd, VHOST_SET_VRING_ADDR, &a,
		  "SET_VRING_ADDR with VHOST_VRING_F_LOG");
	test_run(&t, 1);
	n = echo_bufs(&t, 0, 3);
	test_run(&t, 0);
	/* echo_bufs put the writable buffer at its allocation + 256. */
	buf_pfn = (t.brk - 512 + 256) / 4096;
	used_pfn = t.vq[0].drv.used / 4096;
	in_pfn_set = (log[buf_pfn / 8] >> (buf_pfn % 8)) & 1;
	for (i = 0x100000 / 4096; i < 0x100000 / 4096 + bits; i++)
		if (((log[i / 8] >> (i % 8)) & 1) && i != buf_pfn &&
		    i != used_pfn)
			other++;
	tap(n == 3 && in_pfn_set, "the written buffer's page is logged");
	tap((log[used_pfn / 8] >> (used_pfn % 8)) & 1,
	    "the used ring's page is logged");
	tap(other == 0, "no other page is logged (%d)", other);
	vha_vt_close(&t);
	free(log);
}

/* VIRTIO_F_ACCESS_PLATFORM: misses by read(), updates by write(). */
static void t_iotlb(void)
{
	uint64_t f = base_features | (1ULL << VIRTIO_F_ACCESS_PLATFORM);
	uint64_t bf = (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2) |
		      (1ULL << VHOST_BACKEND_F_IOTLB_BATCH);
	struct vhost_vring_addr a = { .index = 0 };
	struct vhost_msg_v2 miss;
	struct vhost_msg v1 = { .type = VHOST_IOTLB_MSG };
	struct pollfd p;
	struct vha_vt t;
	int misses = 0, n, ret;

	setup(&t, base_features, false);
	tap(iotlb_write(t.fd, VHOST_IOTLB_UPDATE, 0, 4096,
			(uintptr_t)t.mem, VHOST_ACCESS_RW) == -EFAULT,
	    "IOTLB update without ACCESS_PLATFORM -> EFAULT");
	expect_ok(t.fd, VHOST_SET_FEATURES, &f,
		  "SET_FEATURES ACCESS_PLATFORM");
	expect_ok(t.fd, VHOST_SET_BACKEND_FEATURES, &bf,
		  "SET_BACKEND_FEATURES MSG_V2|BATCH");
	/* Rings and buffers by IOVA = guest-physical address. */
	a = (struct vhost_vring_addr){ 0, 0, t.vq[0].drv.desc,
		t.vq[0].drv.used, t.vq[0].drv.avail, 0 };
	ioctl(t.fd, VHOST_SET_VRING_ADDR, &a);
	tap(test_run(&t, 1) == -EFAULT,
	    "VHOST_TEST_RUN with the used ring not in the IOTLB -> EFAULT");
	tap(iotlb_write(t.fd, VHOST_IOTLB_UPDATE, t.vq[0].drv.used,
			6 + 8 * 64, vha_vt_hva(&t, t.vq[0].drv.used),
			VHOST_ACCESS_WO) == 0,
	    "UPDATE mapping the used ring write-only (as QEMU does)");
	tap(test_run(&t, 1) == 0, "VHOST_TEST_RUN once the used ring is mapped");
	fcntl(t.fd, F_SETFL, O_NONBLOCK);
	while (read(t.fd, &miss, sizeof(miss)) > 0)
		;
	tap(errno == EAGAIN, "nonblocking read() with no miss -> EAGAIN");
	p = (struct pollfd){ .fd = t.fd, .events = POLLIN };
	vha_vt_kick(&t, 0);
	tap(poll(&p, 1, 3000) == 1 && (p.revents & POLLIN),
	    "a kick with the descriptor table unmapped makes the fd readable");
	/* Nonblocking from here: a missing message fails, never hangs. */
	n = read(t.fd, &miss, sizeof(miss));
	tap(n == sizeof(miss) && miss.type == VHOST_IOTLB_MSG_V2 &&
	    miss.iotlb.type == VHOST_IOTLB_MISS,
	    "read() returns a v2 MISS message (iova 0x%llx)",
	    (unsigned long long)miss.iotlb.iova);
	tap(iotlb_write(t.fd, VHOST_IOTLB_BATCH_BEGIN, 0, 0, 0, 0) == 0,
	    "BATCH_BEGIN");
	tap(iotlb_write(t.fd, VHOST_IOTLB_UPDATE, t.gpa, t.size,
			(uintptr_t)t.mem, VHOST_ACCESS_RW) == 0,
	    "UPDATE mapping all guest memory");
	tap(iotlb_write(t.fd, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0) == 0,
	    "BATCH_END");
	ret = echo_bufs(&t, 0, 10);
	while (ret >= 0 && ret < 10 && misses++ < 5)
		ret = echo_bufs(&t, 0, 10);
	tap(ret == 10, "10 echo buffers through the IOTLB (%d)", ret);
	tap(iotlb_write(t.fd, VHOST_IOTLB_UPDATE, 0, 0, 0, 1) == -EINVAL,
	    "UPDATE of size 0 -> EINVAL");
	tap(iotlb_write(t.fd, 99, 0, 4096, 0, 1) == -EFAULT,
	    "unknown IOTLB message type -> EFAULT");
	tap(iotlb_write(t.fd, VHOST_IOTLB_UPDATE, 0, 4096,
			0xffff888000000000ULL, 1) == -EFAULT,
	    "UPDATE to a kernel address -> EFAULT");
	{
		uint32_t bad = 7;

		tap(write(t.fd, &bad, sizeof(bad)) == -1 && errno == EINVAL,
		    "a short message of unknown version -> EINVAL");
	}
	v1.iotlb = (struct vhost_iotlb_msg){ t.gpa, t.size, 0, 0,
					     VHOST_IOTLB_INVALIDATE };
	tap(write(t.fd, &v1, sizeof(v1)) == sizeof(v1),
	    "v1 INVALIDATE of everything");
	vha_vt_kick(&t, 0);
	p.revents = 0;
	tap(poll(&p, 1, 3000) == 1, "invalidated memory misses again");
	test_run(&t, 0);
	vha_vt_close(&t);
}

/* The worker runs in the owner's cgroups and is named after it. */
static void t_worker_task(void)
{
	char path[64], comm[64] = "", want[64], cg1[256] = "", cg2[256] = "";
	struct vha_vt t;
	FILE *fp;
	int found = 0;
	pid_t tid;

	setup(&t, base_features, false);
	snprintf(want, sizeof(want), "vhost-%d", getpid());
	for (tid = 2; tid < 32768 && !found; tid++) {
		snprintf(path, sizeof(path), "/proc/%d/comm", tid);
		fp = fopen(path, "r");
		if (!fp)
			continue;
		if (fgets(comm, sizeof(comm), fp) &&
		    !strncmp(comm, want, strlen(want)))
			found = tid;
		fclose(fp);
	}
	tap(found, "a worker thread named %s exists", want);
	if (found) {
		snprintf(path, sizeof(path), "/proc/%d/cgroup", found);
		fp = fopen(path, "r");
		if (fp && fgets(cg1, sizeof(cg1), fp))
			fclose(fp);
		fp = fopen("/proc/self/cgroup", "r");
		if (fp && fgets(cg2, sizeof(cg2), fp))
			fclose(fp);
	}
	tap(found && !strcmp(cg1, cg2), "it is in the owner's cgroup (%s)",
	    cg1);
	vha_vt_close(&t);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		core_dev_path = argv[1];
	printf("TAP version 13\n");
	t_owner();
	t_features();
	t_mem_table();
	t_log();
	t_vring_num_base();
	t_vring_addr();
	eventfd_ioctls(VHOST_SET_VRING_KICK, "SET_VRING_KICK");
	eventfd_ioctls(VHOST_SET_VRING_CALL, "SET_VRING_CALL");
	eventfd_ioctls(VHOST_SET_VRING_ERR, "SET_VRING_ERR");
	t_vring_err_signal();
	t_workers();
	t_fork();
	t_inflight();
	t_change_while_running();
	t_dirty_log();
	t_iotlb();
	t_worker_task();
	return tap_done();
}
