// SPDX-License-Identifier: GPL-2.0
/*
 * vha-fault-test test|net|blk [BLOCKDEV]: systematic fault injection into
 * one device's set-up, steady state and tear-down (selftests/fault).
 *
 * Set-up: every open/ioctl/close this program makes on the device fd is a
 * numbered call (the wrappers below replace libc's for the test libraries
 * too). For call c and n = 1, 2, ... the Nth fault-injection check of that
 * one call fails (/proc/thread-self/fail-nth: failslab and fail_page_alloc,
 * every allocation counted, none failed otherwise) until the call makes
 * fewer than n allocations. Steady state: the same with fail-nth on the
 * device's worker kthreads ("vhost-<tid>") while frames or requests move.
 * blk also fails one request in the backend (FAIL_MAKE_REQUEST).
 *
 * Every round: each call returns 0 or a clean errno (ENOMEM, EINTR,
 * EAGAIN, ENFILE), traffic works or the queue stops, RESET_OWNER on the
 * same fd succeeds, and the device set up again on that fd moves data
 * (checked byte for byte). The kernel log's verdict (splats, leaks) is
 * the runner's; test_fault.sh counts the sites from the stack dumps.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_blk.h>

#include "uapi/linux/vhost_accel.h"
#include "uapi/linux/vhost_blk.h"
#include "blk_client.h"
#include "core_lib.h"
#include "net_lib.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
	MAX_NTH = 40,		/* injections per call, at most */
	MAX_WORKER_NTH = 24,	/* injections per steady state, at most */
	MAX_WORKERS = 4,
};

/* ---- the injection: one numbered call, or the workers ---- */

static int self_nth = -1;	/* our thread's fail-nth, opened once */
static int dev_fd = -1;		/* the device fd (one device at a time) */
static bool counting;		/* number calls on dev_fd now */
static bool keep_fd;		/* close(dev_fd) only forgets it */
static int reuse_fd = -1;	/* the next open of the device returns this */
static unsigned int call_no, target = ~0u, nth;
static bool reached, injected;
static char failed_call[64];	/* the target call and how it ended */
static int failed_errno;

static void nth_write(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fd, buf, len, 0) != len) {
		printf("Bail out! fail-nth write: %s\n", strerror(errno));
		exit(1);
	}
}

static unsigned int nth_read(int fd)
{
	char buf[16] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return ~0u;
	return strtoul(buf, NULL, 10);
}

static bool begin_call(void)
{
	if (!counting || call_no++ != target)
		return false;
	reached = true;
	nth_write(self_nth, nth);
	return true;
}

static unsigned int injections, bad_errnos, not_recovered;

static void end_call(const char *what, unsigned long req, long ret, int err)
{
	injected = nth_read(self_nth) == 0;
	injections += injected;
	nth_write(self_nth, 0);
	snprintf(failed_call, sizeof(failed_call), "%s %#lx", what, req);
	failed_errno = ret < 0 ? err : 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	bool hit;
	long ret;
	int err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	hit = fd == dev_fd && begin_call();
	ret = syscall(SYS_ioctl, fd, req, arg);
	err = errno;
	if (hit)
		end_call("ioctl", req, ret, err);
	errno = err;
	return ret;
}

int open(const char *path, int flags, ...)
{
	bool dev = !strncmp(path, "/dev/vhost-", 11);
	mode_t mode = 0;
	va_list ap;
	bool hit;
	long ret;
	int err;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (dev && reuse_fd >= 0) {
		dev_fd = reuse_fd;
		reuse_fd = -1;
		return dev_fd;
	}
	hit = dev && begin_call();
	ret = syscall(SYS_openat, AT_FDCWD, path, flags, mode);
	err = errno;
	if (hit)
		end_call("open", 0, ret, err);
	if (dev && ret >= 0)
		dev_fd = ret;
	errno = err;
	return ret;
}

int close(int fd)
{
	bool hit;
	long ret;
	int err;

	if (fd != dev_fd || fd < 0)
		return syscall(SYS_close, fd);
	if (keep_fd)
		return 0;
	hit = begin_call();
	ret = syscall(SYS_close, fd);
	err = errno;
	if (hit)
		end_call("close", 0, ret, err);
	dev_fd = -1;
	errno = err;
	return ret;
}

/* Only these errnos are what an allocation failure may turn into. */
static bool clean_errno(int e)
{
	return e == 0 || e == ENOMEM || e == EINTR || e == EAGAIN ||
	       e == ENFILE;
}

/* The device's workers: kthreads named after the owner thread. */
static int worker_fds(int *fds)
{
	char want[32], path[600], comm[32];
	struct dirent *de;
	int n = 0, fd;
	ssize_t len;
	DIR *d;

	snprintf(want, sizeof(want), "vhost-%ld\n", syscall(SYS_gettid));
	d = opendir("/proc");
	while (d && (de = readdir(d)) && n < MAX_WORKERS) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, comm, sizeof(comm) - 1);
		syscall(SYS_close, fd);
		if (len <= 0)
			continue;
		comm[len] = 0;
		if (strcmp(comm, want))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/fail-nth",
			 de->d_name, de->d_name);
		fd = syscall(SYS_openat, AT_FDCWD, path, O_RDWR);
		if (fd >= 0)
			fds[n++] = fd;
	}
	if (d)
		closedir(d);
	return n;
}

/* ---- the devices ---- */

struct env {
	struct vha_vt vt;		/* test */
	struct nt_tap tap;		/* net */
	struct nt_guest g;
	struct vbk_dev b;		/* blk */
	int befd;
	uint8_t buf[2][4096];
};

struct device {
	const char *name;
	int (*up)(struct env *e);
	/* 1 data moved intact, 0 it did not (queue stopped), -errno. */
	int (*traffic)(struct env *e, int timeout_ms);
	void (*down)(struct env *e);
};

static const char *blk_path;

/* Each device gets a second worker for queue 0 (VHOST_NEW_WORKER). */
static int new_worker(int fd)
{
	struct vhost_worker_state w = {};
	struct vhost_vring_worker vw = {};

	if (ioctl(fd, VHOST_NEW_WORKER, &w))
		return -errno;
	vw.worker_id = w.worker_id;
	return ioctl(fd, VHOST_ATTACH_VRING_WORKER, &vw) ? -errno : 0;
}

static int test_up(struct env *e)
{
	struct vha_vt_ring ring = { .num = 64 };
	int ret;

	ret = vha_vt_open(&e->vt, "/dev/vhost-test", 0x100000, 1 << 20);
	if (ret)
		return ret;
	ret = vha_vt_set_features(&e->vt, base_features);
	if (!ret)
		ret = vha_vt_vq_setup(&e->vt, 0, &ring);
	if (!ret)
		ret = new_worker(e->vt.fd);
	if (!ret)
		ret = test_run(&e->vt, 1);
	if (ret)
		vha_vt_close(&e->vt);
	return ret;
}

static int test_traffic(struct env *e, int timeout_ms)
{
	int ret = echo_bufs(&e->vt, 0, 4);

	(void)timeout_ms;
	return ret == 4 ? 1 : ret < 0 ? ret : 0;
}

static void test_down(struct env *e)
{
	vha_vt_close(&e->vt);
}

static void net_down(struct env *e)
{
	nt_guest_close(&e->g);
	nt_tap_close(&e->tap);
}

static int net_up(struct env *e)
{
	struct nt_cfg cfg;
	int ret;

	nt_default_cfg(&cfg);
	cfg.num = 64;
	ret = nt_tap_open(&e->tap, "vhaf0", true, 12, 1);
	if (ret)
		return ret;
	ret = nt_guest_open(&e->g, &cfg);
	if (ret) {
		nt_tap_close(&e->tap);
		return ret;
	}
	ret = nt_set_backend(&e->g, NT_RX, e->tap.fd[0]);
	if (!ret)
		ret = nt_set_backend(&e->g, NT_TX, e->tap.fd[0]);
	if (!ret)
		ret = new_worker(e->g.vt.fd);
	if (!ret)
		ret = nt_rx_post(&e->g, 16, 2048);
	if (ret)
		net_down(e);
	return ret;
}

/* Two frames each way; each must arrive whole or not at all. */
static int net_traffic(struct env *e, int timeout_ms)
{
	uint8_t hdr[12] = {}, *got = e->buf[1];
	unsigned int nbufs, i;
	size_t len, n;
	int ret;

	nt_tap_drain(&e->tap);
	for (i = 0; i < 2; i++) {
		len = nt_frame(e->buf[0], 200 + i * 100, i, 0);
		ret = nt_tx_post(&e->g, hdr, e->buf[0], len, 1);
		if (ret)
			return ret;
		nt_kick(&e->g, NT_TX);
		ret = nt_tap_recv(&e->tap, got, sizeof(e->buf[1]), timeout_ms);
		if (ret <= 0)
			return ret;
		if ((size_t)ret != len || memcmp(got, e->buf[0], len))
			return -EILSEQ;
		nt_tx_reap(&e->g, 1, timeout_ms);
	}
	for (i = 0; i < 2; i++) {
		len = nt_frame(e->buf[0], 300 + i * 100, 10 + i, 0);
		ret = nt_tap_send(&e->tap, e->buf[0], len);
		if (ret)
			return ret;
		ret = nt_rx_get(&e->g, got, sizeof(e->buf[1]), &n, &nbufs,
				timeout_ms);
		if (ret <= 0)
			return ret;
		if (n != len + 12 || memcmp(got + 12, e->buf[0], len))
			return -EILSEQ;
		nt_rx_post(&e->g, nbufs, 2048);
	}
	return 1;
}


static int blk_up(struct env *e)
{
	struct vbk_cfg cfg = { .queues = 1, .num = 16, .data_max = 8192 };
	int ret;

	if (e->befd < 0) {
		e->befd = syscall(SYS_openat, AT_FDCWD, blk_path,
				  O_RDWR | O_DIRECT | O_CLOEXEC, 0);
		if (e->befd < 0)
			return -errno;
	}
	ret = vbk_open(&e->b, &cfg);
	if (ret)
		return ret;
	ret = vbk_set_backend(&e->b, e->befd);
	if (!ret)
		ret = new_worker(e->b.vt.fd);
	if (ret)
		vbk_close(&e->b);
	return ret;
}

/* One request: its status, -ETIME if it did not complete in time. */
static int blk_req(struct env *e, uint32_t type, uint64_t sector, void *buf,
		   int timeout_ms)
{
	uint8_t status;
	uint32_t used;
	int slot, ret;

	slot = vbk_submit(&e->b, 0, type, sector, buf, 4096, NULL);
	if (slot < 0)
		return slot;
	vbk_kick(&e->b, 0);
	ret = vbk_reap(&e->b, 0, &slot, &status, &used, timeout_ms);
	if (ret <= 0)
		return ret ? ret : -ETIME;
	if (type == VIRTIO_BLK_T_IN && status == VIRTIO_BLK_S_OK)
		memcpy(buf, vbk_data(&e->b, 0, slot), 4096);
	return status;
}

/* Write a fresh pattern, read it back: 1 intact, 0 an IOERR, -errno. */
static int blk_traffic(struct env *e, int timeout_ms)
{
	static uint32_t seq;
	int ret;

	memset(e->buf[0], 'A' + seq++ % 26, 4096);
	ret = blk_req(e, VIRTIO_BLK_T_OUT, 8, e->buf[0], timeout_ms);
	if (ret != VIRTIO_BLK_S_OK)
		return ret == VIRTIO_BLK_S_IOERR ? 0 : ret < 0 ? ret : -EPROTO;
	memset(e->buf[1], 0, 4096);
	ret = blk_req(e, VIRTIO_BLK_T_IN, 8, e->buf[1], timeout_ms);
	if (ret != VIRTIO_BLK_S_OK)
		return ret == VIRTIO_BLK_S_IOERR ? 0 : ret < 0 ? ret : -EPROTO;
	return memcmp(e->buf[0], e->buf[1], 4096) ? -EILSEQ : 1;
}

static void blk_down(struct env *e)
{
	vbk_close(&e->b);
}

static const struct device devices[] = {
	{ "test", test_up, test_traffic, test_down },
	{ "net", net_up, net_traffic, net_down },
	{ "blk", blk_up, blk_traffic, blk_down },
};

/* ---- rounds ---- */

static int tap_points, tap_failed;

static void point(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_points);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

/*
 * After a round: RESET_OWNER on the same fd, set the device up again on it
 * and move data. Then the real close. False if the device is not usable.
 */
static bool recover(const struct device *dev, struct env *e, const char *what)
{
	int fd = dev_fd, ret;

	if (fd < 0) {
		/* open itself failed: a fresh device must work */
		ret = dev->up(e);
		if (!ret) {
			ret = dev->traffic(e, 3000);
			dev->down(e);
		}
		if (ret != 1)
			printf("# %s: %s: a fresh device does not work (%d)\n",
			       dev->name, what, ret);
		return ret == 1;
	}
	/* EPERM: no owner (reset already, or SET_OWNER failed) */
	if (syscall(SYS_ioctl, fd, VHOST_RESET_OWNER, NULL) && errno != EPERM) {
		printf("# %s: %s: RESET_OWNER: %s\n", dev->name, what,
		       strerror(errno));
		keep_fd = false;
		close(fd);
		return false;
	}
	reuse_fd = fd;
	ret = dev->up(e);
	if (!ret) {
		ret = dev->traffic(e, 3000);
		dev->down(e);
	}
	keep_fd = false;
	counting = true;		/* the release may be the target */
	close(fd);
	counting = false;
	if (ret != 1)
		printf("# %s: %s: after RESET_OWNER: %d (%s)\n", dev->name,
		       what, ret, ret < 0 ? strerror(-ret) : "no data");
	return ret == 1;
}

/*
 * One round: set up with call @c failing at its @n-th allocation (or
 * @wn-th allocation of the workers during traffic), traffic, RESET_OWNER,
 * set up again, traffic, close. Returns whether the target was reached
 * (-1: the calls ran out) and sets injected.
 */
static int round_one(const struct device *dev, struct env *e, unsigned int c,
		     unsigned int n, unsigned int wn)
{
	int wfd[MAX_WORKERS], nw = 0, i, ret, t = 0;
	char what[96];
	bool winj = false;

	call_no = 0;
	target = c;
	nth = n;
	reached = injected = false;
	failed_errno = 0;
	keep_fd = true;
	counting = true;
	ret = dev->up(e);
	counting = false;
	if (!ret) {
		if (wn) {
			nw = worker_fds(wfd);
			for (i = 0; i < nw; i++)
				nth_write(wfd[i], wn);
		}
		t = dev->traffic(e, wn ? 500 : 3000);
		for (i = 0; i < nw; i++) {
			winj |= nth_read(wfd[i]) == 0;
			nth_write(wfd[i], 0);
			syscall(SYS_close, wfd[i]);
		}
		dev->down(e);
	}
	if (wn) {
		reached = true;
		injected = winj;
		snprintf(what, sizeof(what), "worker allocation %u", wn);
		if (!injected && t != 1)
			printf("# %s: traffic failed with no injection: %d\n",
			       dev->name, t);
		if (!injected && t != 1)
			not_recovered++;
	} else {
		snprintf(what, sizeof(what), "call %u (%s) allocation %u", c,
			 failed_call, n);
	}
	if (wn && injected)
		injections++;
	if (reached && !clean_errno(failed_errno)) {
		bad_errnos++;
		printf("# %s: %s: errno %d (%s)\n", dev->name, what,
		       failed_errno, strerror(failed_errno));
	}
	if (reached && !injected && !wn && failed_errno) {
		bad_errnos++;
		printf("# %s: %s failed with nothing injected: %s\n",
		       dev->name, what, strerror(failed_errno));
	}
	if (!ret && t < 0 && t != -EIO && t != -ETIME && !injected) {
		printf("# %s: %s: traffic %s\n", dev->name, what,
		       strerror(-t));
		not_recovered++;
	}
	/* counting again from here: RESET_OWNER and the release */
	counting = true;
	if (dev_fd >= 0) {
		/* RESET_OWNER as a numbered call, after the set-up's */
		bool hit = begin_call();
		long r = syscall(SYS_ioctl, dev_fd, VHOST_RESET_OWNER, NULL);
		int err = errno;

		if (hit) {
			end_call("ioctl RESET_OWNER", VHOST_RESET_OWNER, r,
				 err);
			if (!clean_errno(failed_errno)) {
				bad_errnos++;
				printf("# %s: RESET_OWNER allocation %u: %s\n",
				       dev->name, n, strerror(err));
			}
		}
	}
	counting = false;
	if (!recover(dev, e, what))
		not_recovered++;
	if (!reached)
		return -1;
	return injected;
}

static void run_device(const struct device *dev)
{
	struct env e = { .befd = -1 };
	unsigned int c, n, calls = 0, before = injections;
	unsigned int bad = bad_errnos, lost = not_recovered;
	int r = 0;

	for (c = 0; r >= 0 && c < 64; c++) {
		for (n = 1; n <= MAX_NTH; n++) {
			r = round_one(dev, &e, c, n, 0);
			if (r <= 0)
				break;
		}
		if (r >= 0)
			calls++;
	}
	point(injections > before, "%s: set-up and release: %u calls, %u injected failures",
	      dev->name, calls, injections - before);
	before = injections;
	for (n = 1; n <= MAX_WORKER_NTH; n++) {
		r = round_one(dev, &e, ~0u, 0, n);
		if (r <= 0)
			break;
	}
	point(true, "%s: steady state: %u injected failures in the workers",
	      dev->name, injections - before);
	point(bad_errnos == bad, "%s: every failed call returned a clean errno",
	      dev->name);
	point(not_recovered == lost,
	      "%s: after each failure RESET_OWNER and a new set-up on the same fd move data",
	      dev->name);
	if (e.befd >= 0)
		syscall(SYS_close, e.befd);
}

static int write_str(const char *path, const char *val)
{
	int fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	syscall(SYS_close, fd);
	return ret;
}

/* FAIL_MAKE_REQUEST on the backend: one IOERR, then the device works. */
static void blk_make_request(const char *sysfs)
{
	const char *fmr = "/sys/kernel/debug/fail_make_request";
	char path[256];
	struct env e = { .befd = -1 };
	int first = -1, next = -1, ret;

	ret = blk_up(&e);
	if (!ret)
		ret = blk_traffic(&e, 3000) == 1 ? 0 : -EIO;
	if (ret) {
		point(false, "blk: FAIL_MAKE_REQUEST: set-up: %s", strerror(-ret));
		return;
	}
	snprintf(path, sizeof(path), "%s/make-it-fail", sysfs);
	if (write_str(path, "1") ||
	    write_str("/sys/kernel/debug/fail_make_request/times", "1") ||
	    write_str("/sys/kernel/debug/fail_make_request/verbose", "1") ||
	    write_str("/sys/kernel/debug/fail_make_request/probability", "100")) {
		point(false, "blk: FAIL_MAKE_REQUEST: cannot arm %s, %s", path, fmr);
	} else {
		memset(e.buf[0], 'z', 4096);
		first = blk_req(&e, VIRTIO_BLK_T_OUT, 16, e.buf[0], 3000);
		next = blk_traffic(&e, 3000);
		point(first == VIRTIO_BLK_S_IOERR && next == 1,
		      "blk: FAIL_MAKE_REQUEST: the failed bio's request gets IOERR (%d), the next ones are OK (%d)",
		      first, next);
	}
	write_str("/sys/kernel/debug/fail_make_request/probability", "0");
	write_str(path, "0");
	blk_down(&e);
	syscall(SYS_close, e.befd);
}

int main(int argc, char **argv)
{
	const struct device *dev = NULL;
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc > 1 && i < ARRAY_SIZE(devices); i++)
		if (!strcmp(argv[1], devices[i].name))
			dev = &devices[i];
	if (!dev || (!strcmp(argv[1], "blk") && argc < 4)) {
		fprintf(stderr, "usage: %s test|net|blk [BLOCKDEV SYSFSDIR]\n",
			argv[0]);
		return 2;
	}
	blk_path = argc > 2 ? argv[2] : NULL;
	self_nth = syscall(SYS_openat, AT_FDCWD, "/proc/thread-self/fail-nth",
			   O_RDWR);
	if (self_nth < 0) {
		printf("Bail out! /proc/thread-self/fail-nth: %s\n",
		       strerror(errno));
		return 1;
	}
	run_device(dev);
	if (!strcmp(dev->name, "blk"))
		blk_make_request(argv[3]);
	printf("# %s: %u injected failures\n", dev->name, injections);
	printf("1..%d\n", tap_points);
	return tap_failed ? 1 : 0;
}
