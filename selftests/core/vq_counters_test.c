// SPDX-License-Identifier: GPL-2.0
/*
 * vha-core-counters-test: the per-device, per-queue counters in debugfs
 * (vhost_core/dev_debugfs.c) against what this process did to the device.
 *
 *   this process (the guest and the VMM) -> /dev/vhost-test, vhost-net,
 *   vhost-blk -> debugfs vhost-accel/<pid>-<type>-<seq>/{device,vq<N>}
 *
 * Each count is checked against its exact expected value where the
 * driver decides it (chains, bytes, batches, notifications, errors), and
 * the directory's life against SET_OWNER, RESET_OWNER and close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "core_lib.h"
#include "vq_counters.h"

static char dir[512];

static long long cnt(const char *file, const char *key)
{
	return vha_counter(dir, file, key);
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static long long sum_batches(const char *vq)
{
	static const char *const keys[] = { "batch_1", "batch_2_3",
		"batch_4_7", "batch_8_15", "batch_16_31", "batch_32_up", NULL };
	long long sum = 0;
	unsigned int i;

	for (i = 0; keys[i]; i++)
		sum += cnt(vq, keys[i]);
	return sum;
}

/* The directory appears at SET_OWNER with the owner's facts in "device". */
static long t_device(struct vha_vt *t)
{
	char comm[64] = "", self[64] = "", val[64];
	long seq;
	FILE *f;

	seq = vha_counters_dir(getpid(), "test", dir, sizeof(dir));
	tap(seq > 0, "SET_OWNER made %s (seq %ld)", seq > 0 ? dir : "no directory", seq);
	if (seq <= 0)
		return -1;
	f = fopen("/proc/self/comm", "r");
	if (f) {
		if (fgets(self, sizeof(self), f))
			self[strcspn(self, "\n")] = 0;
		fclose(f);
	}
	vha_counter_text(dir, "device", "comm", comm, sizeof(comm));
	vha_counter_text(dir, "device", "type", val, sizeof(val));
	tap(!strcmp(val, "test") && cnt("device", "owner") == getpid() &&
	    !strcmp(comm, self) && cnt("device", "seq") == seq &&
	    cnt("device", "nvqs") == 2,
	    "device: type %s, owner %lld, comm %s, seq %lld, nvqs %lld",
	    val, cnt("device", "owner"), comm, cnt("device", "seq"),
	    cnt("device", "nvqs"));
	tap(cnt("device", "features") == (long long)t->features,
	    "device: features %#llx as acked (%#llx)",
	    cnt("device", "features"), (unsigned long long)t->features);
	tap(cnt("vq0", "chains") == 0 && cnt("vq0", "kicks") == 0 &&
	    cnt("vq1", "worker") == 0 && cnt("vq0", "broken") == 0,
	    "vq0 and vq1 start at zero, on worker 0");
	return seq;
}

/* n echo chains of 128 + 128 bytes, one kick and one used update each. */
static void t_traffic(struct vha_vt *t)
{
	const unsigned int n = 40;
	char path[600], comm[64] = "";
	long long pid;
	FILE *f;
	int got;

	test_run(t, 1);
	got = echo_bufs(t, 0, n);
	tap(got == (int)n, "the device echoed %d of %u chains", got, n);
	tap(cnt("vq0", "chains") == n && cnt("vq0", "packets") == n &&
	    cnt("vq0", "bytes") == n * 256,
	    "vq0: chains %lld, packets %lld, bytes %lld (want %u, %u, %u)",
	    cnt("vq0", "chains"), cnt("vq0", "packets"), cnt("vq0", "bytes"),
	    n, n, n * 256);
	tap(cnt("vq0", "batches") == n && cnt("vq0", "batch_1") == n &&
	    sum_batches("vq0") == n,
	    "vq0: %lld used-index updates, all of one entry (batch_1 %lld)",
	    cnt("vq0", "batches"), cnt("vq0", "batch_1"));
	/* No event index, interrupts on: every update notifies. */
	tap(cnt("vq0", "notifications") == n &&
	    cnt("vq0", "notifications_suppressed") == 0,
	    "vq0: %lld notifications, %lld suppressed",
	    cnt("vq0", "notifications"),
	    cnt("vq0", "notifications_suppressed"));
	tap(cnt("vq0", "kicks") == n, "vq0: %lld kicks for %u eventfd writes",
	    cnt("vq0", "kicks"), n);
	tap(cnt("vq1", "chains") == 0 && cnt("vq1", "kicks") == 0 &&
	    cnt("vq1", "bytes") == 0, "vq1 stayed idle");
	tap(cnt("vq0", "errors") == 0 && cnt("vq0", "broken") == 0 &&
	    cnt("vq0", "dropped") == 0 && cnt("vq0", "inflight") == 0,
	    "vq0: no errors, not broken, nothing dropped or in flight");
	pid = cnt("vq0", "worker_pid");
	snprintf(path, sizeof(path), "/proc/%lld/comm", pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	snprintf(path, sizeof(path), "vhost-%d", getpid());
	tap(cnt("vq0", "worker") == 0 && !strcmp(comm, path),
	    "vq0: worker 0 is thread %lld, %s", pid, comm);
	tap(cnt("vq0", "worker_cpu_ns") > 0, "vq0: the worker ran %lld ns",
	    cnt("vq0", "worker_cpu_ns"));
}

/* Wait up to @ms for a used entry on queue 0: true if one came. */
static bool used_within(struct vha_vt *t, int ms)
{
	struct timespec ms1 = { 0, 1000 * 1000 };
	unsigned int count;
	uint32_t len;
	uint16_t id;

	while (ms-- > 0) {
		if (vha_drv_get_used(&t->vq[0].drv, &id, &len, &count) == 1)
			return true;
		nanosleep(&ms1, NULL);
	}
	return false;
}

/*
 * Busy-polling: after a chain the worker keeps looking at the empty ring
 * for up to 200 ms. A chain posted meanwhile without a kick is a hit if
 * the poll finds it. If the poll gave up first (the CPU was wanted), the
 * worker enables notifications and looks once more: a chain posted just
 * before that look is found too, but is no hit; one posted after it waits
 * for its kick. On a loaded host the poll may give up, so up to 5 tries
 * for one hit; every try's hit count must match how its chain was found.
 */
static int busypoll_try(struct vha_vt *t, uint64_t buf, long long *hit)
{
	struct vha_drv_buf out = { buf, 128 }, in = { buf + 256, 128 };
	long long hits = cnt("vq0", "busypoll_hits");
	bool found;
	uint16_t id;

	if (echo_bufs(t, 0, 1) != 1 ||
	    vha_drv_add(&t->vq[0].drv, &out, 1, &in, 1, false, &id))
		return -1;
	vha_drv_publish(&t->vq[0].drv);
	found = used_within(t, 150);
	if (!found) {
		vha_vt_kick(t, 0);
		if (!used_within(t, 3000))
			return -1;
	}
	*hit = cnt("vq0", "busypoll_hits") - hits;
	return found;
}

static void t_busypoll(struct vha_vt *t)
{
	struct vhost_vring_state s = { .index = 0, .num = 200000 };
	int tries = 0, found = 0, hits = 0, wrong = 0, ret;
	long long spins, hit;
	uint64_t buf;

	if (ioctl(t->fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s) ||
	    vha_vt_alloc(t, 512, 64, &buf)) {
		tap(false, "busy-poll: set-up: %s", strerror(errno));
		return;
	}
	spins = cnt("vq0", "busypoll_spins");
	while (tries < 5 && hits == 0) {
		tries++;
		ret = busypoll_try(t, buf, &hit);
		if (ret < 0) {
			tap(false, "busy-poll: a chain echoed, another posted and used");
			return;
		}
		found += ret;
		hits += hit == 1;
		/* a hit is a chain found without its kick, and at most one */
		wrong += hit < 0 || hit > 1 || (hit && !ret);
	}
	tap(cnt("vq0", "busypoll_spins") > spins,
	    "busy-poll: the worker looked at the empty ring %lld times",
	    cnt("vq0", "busypoll_spins") - spins);
	tap(hits == 1 && !wrong,
	    "busy-poll: a chain posted without a kick was found by the poll (try %d of 5; %d found without a kick, %d hits, %d miscounted)",
	    tries, found, hits, wrong);
	s.num = 0;
	ioctl(t->fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s);
}

/*
 * Wait up to about @ms for queue 0's error eventfd. The call eventfd may
 * still be readable from the chains before (the tests above read the used
 * ring without draining it): that is no answer, wait on. On a loaded host
 * the worker takes the kick only after this thread has started to wait.
 */
static bool error_within(struct vha_vt *t, int ms)
{
	int ret;

	for (; ms > 0; ms -= 100) {
		ret = vha_vt_wait(t, 0, 100);
		if (ret == -EIO)
			return true;
		if (ret < 0)
			return false;
	}
	return false;
}

/* A head out of range: counted by its reason, the ring marked broken. */
static void t_error(struct vha_vt *t)
{
	vha_drv_raw_avail(&t->vq[0].drv, 1000);
	vha_vt_kick(t, 0);
	tap(error_within(t, 3000), "a head >= num: error eventfd");
	tap(cnt("vq0", "errors") == 1 && cnt("vq0", "err_head_range") == 1 &&
	    cnt("vq0", "err_next_range") == 0 && cnt("vq0", "broken") == 1,
	    "vq0: errors %lld, err_head_range %lld, broken %lld",
	    cnt("vq0", "errors"), cnt("vq0", "err_head_range"),
	    cnt("vq0", "broken"));
	test_run(t, 0);
}

/* RESET_OWNER removes the directory; a new owner gets a new, zeroed one. */
static void t_lifetime(struct vha_vt *t, long seq)
{
	char old[512];
	long seq2;

	snprintf(old, sizeof(old), "%s", dir);
	tap(!ioctl(t->fd, VHOST_RESET_OWNER, NULL) && !dir_exists(old),
	    "RESET_OWNER removed %s", old);
	tap(!ioctl(t->fd, VHOST_SET_OWNER, NULL), "SET_OWNER again");
	seq2 = vha_counters_dir(getpid(), "test", dir, sizeof(dir));
	tap(seq2 > seq && cnt("vq0", "chains") == 0 &&
	    cnt("vq0", "errors") == 0 && cnt("vq0", "broken") == 0,
	    "a new directory (seq %ld after %ld), its counters at zero", seq2,
	    seq);
	snprintf(old, sizeof(old), "%s", dir);
	vha_vt_close(t);
	tap(!dir_exists(old), "close removed %s", old);
}

/* Every device type: <pid>-<type>-<seq> with one vq file per queue. */
static void t_type(const char *path, const char *type, unsigned int nvqs)
{
	char vq[16];
	unsigned int i, have = 0;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		tap(false, "%s: open: %s", path, strerror(errno));
		return;
	}
	if (ioctl(fd, VHOST_SET_OWNER, NULL) ||
	    vha_counters_dir(getpid(), type, dir, sizeof(dir)) <= 0) {
		tap(false, "%s: SET_OWNER made a %d-%s-<seq> directory", path,
		    getpid(), type);
		close(fd);
		return;
	}
	for (i = 0; i < nvqs; i++) {
		snprintf(vq, sizeof(vq), "vq%u", i);
		have += cnt(vq, "worker") == 0 && cnt(vq, "chains") == 0;
	}
	snprintf(vq, sizeof(vq), "vq%u", nvqs);
	tap(have == nvqs && cnt(vq, "chains") == -1 &&
	    cnt("device", "nvqs") == nvqs,
	    "%s: %s has vq0..vq%u on worker 0, no more", path, dir, nvqs - 1);
	close(fd);
}

int main(void)
{
	struct vha_vt t;
	long seq;

	if (!dir_exists(VHA_COUNTERS_ROOT)) {
		printf("Bail out! no %s (debugfs not mounted, or the core lacks the counters)\n",
		       VHA_COUNTERS_ROOT);
		return 1;
	}
	setup(&t, base_features, false);
	seq = t_device(&t);
	if (seq > 0) {
		t_traffic(&t);
		t_busypoll(&t);
		t_error(&t);
		t_lifetime(&t, seq);
	} else {
		vha_vt_close(&t);
	}
	t_type("/dev/vhost-net", "net", 2);
	t_type("/dev/vhost-blk", "blk", 16);
	return tap_done();
}
