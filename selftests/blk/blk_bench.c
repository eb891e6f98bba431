// SPDX-License-Identifier: GPL-2.0
/*
 * vha-blk-bench: ring-level speed of a virtio-blk device. The same guest
 * rings (tools/vhost-test/blk_client) are served either by /dev/vhost-blk
 * (mode vhost) or by blk_uring, a userspace device on io_uring that works
 * the way QEMU's aio=io_uring does (mode uring, tools/blk-uring).
 *
 *   vha-blk-bench -m MODES [-t SECONDS] [-w SECONDS] [-p PATTERNS]
 *                 [-u defer|coop|plain] BACKEND
 *   vha-blk-bench -m vhost [-t SECONDS] [-w SECONDS] [-c] [-q QUEUES]
 *                 [-d DEVICES] [-P BUSYPOLL_US] BACKEND
 *   vha-blk-bench -l [-p PATTERNS]   the points: NAME RW BS DEPTH QUEUES
 *
 *   vhost: driver thread per queue <-> /dev/vhost-blk worker per queue
 *                                        <-> BACKEND
 *   uring: driver thread per queue <-> blk_uring thread per queue
 *                                        <-> io_uring <-> BACKEND (O_DIRECT)
 *
 * In uring mode /dev/vhost-blk still sets the rings up (the set-up code is
 * shared) but gets no backend, and its kick eventfds are taken away
 * (VHOST_SET_VRING_KICK -1): only blk_uring reads the kicks and writes the
 * call eventfds. -u picks how blk_uring sets its io_urings up (default
 * defer: single issuer, deferred task work; plain is QEMU 7.2's way).
 *
 * MODES is vhost, uring, or both comma-separated: then every point runs in
 * both, in that order, back to back (a host whose load drifts then
 * disturbs their ratio less).
 *
 * -c puts queue q's driver thread and device thread (vhost's worker,
 * blk_uring's thread) on CPU q. Why: in the emulated test VM a wake-up of
 * an idle (halted) vCPU goes through QEMU's global lock and, on a loaded
 * host, through the host's scheduler: up to milliseconds, against tens of
 * microseconds for the request itself. Left to the scheduler, driver and
 * device often sit on two vCPUs, and a device whose turnaround is longer
 * than the driver's way to sleep makes the driver's vCPU halt, and pay
 * that, on every request: blk_uring at iodepth 1 then fell from ~7000 to
 * ~200 IOPS while vhost stayed at ~5000, and pinned to one vCPU did
 * 17000-20000. With -c the figures are the devices' costs, not the
 * emulator's; two queues still use both vCPUs.
 *
 * Points (-l): 4 KiB random reads and writes at iodepth 1, 32 and 128 on
 * one queue and on two, 128 KiB sequential reads and writes at iodepth 32
 * on one queue; -p takes comma-separated shell patterns of point names.
 * Each point runs on a fresh device: split ring of 256 entries, EVENT_IDX
 * and INDIRECT_DESC (what a Linux guest negotiates with QEMU), every
 * request in one indirect descriptor (header, data, status), as Linux's
 * virtio_blk posts it. One driver thread per queue keeps DEPTH requests in
 * flight: it refills, publishes and kicks if the device asks for it, takes
 * the completions, and with none asks for a call after the next used entry
 * and sleeps on the call eventfd (Linux's virtio_blk keeps its callback on
 * while it waits). Random offsets are uniform over the backend, aligned
 * to the block size; sequential ones start at the queue's share of it.
 * Warm-up (-w, default 0.3 s), then -t seconds (default 2) are measured.
 *
 * Output, one line per point:
 *   # result mode=vhost point=randread-4k-d1-q1 rw=randread bs=4096 depth=1
 *     queues=1 iops=12345.6 mbs=50.6 cpu_ns=1234.5 drv_cpu_ns=2345.6
 * cpu_ns is the device's CPU time per request: the kthreads "vhost-<our
 * pid>" (one per queue), or blk_uring's queue threads (plus io_uring's
 * io-wq workers, if it made any); drv_cpu_ns the driver threads'. Both
 * from schedstat (the first field: ns on a CPU). Work done in interrupt
 * context (block completions) is nobody's here.
 *
 * Scaling points (-q, -d, -P; mode vhost only): 4 KiB random reads at
 * iodepth 32 with -q queues per device, each on a worker of its own, on
 * -d devices open at once (one owner process each), -P busy-poll timeout
 * in us (0, the default: notification mode). IOPS summed over the
 * devices, cpu_ns and drv_cpu_ns per request over all of them; the line
 * has two more keys:
 *   # result mode=vhost point=randread-4k-d32-q4 ... drv_cpu_ns=2345.6
 *     devices=16 poll=notify|busypoll
 * Exit status 0 only if every point ran and every request was OK.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/vhost.h>

#include "bench_procs.h"
#include "blk_client.h"
#include "blk_uring.h"
#include "uapi/linux/vhost_accel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
	RING = 256,		/* QEMU's default virtio-blk queue size */
	WAIT_MS = 2000,		/* a device silent this long is stuck */
	MAX_THREADS = 64,	/* device threads counted per point */
};

struct point {
	const char *name;
	const char *rw;		/* as fio names it */
	uint32_t bs;
	unsigned int depth;
	unsigned int queues;
};

static const struct point points[] = {
	{ "randread-4k-d1-q1", "randread", 4096, 1, 1 },
	{ "randread-4k-d32-q1", "randread", 4096, 32, 1 },
	{ "randread-4k-d128-q1", "randread", 4096, 128, 1 },
	{ "randwrite-4k-d1-q1", "randwrite", 4096, 1, 1 },
	{ "randwrite-4k-d32-q1", "randwrite", 4096, 32, 1 },
	{ "randwrite-4k-d128-q1", "randwrite", 4096, 128, 1 },
	{ "randread-4k-d1-q2", "randread", 4096, 1, 2 },
	{ "randread-4k-d32-q2", "randread", 4096, 32, 2 },
	{ "randread-4k-d128-q2", "randread", 4096, 128, 2 },
	{ "randwrite-4k-d1-q2", "randwrite", 4096, 1, 2 },
	{ "randwrite-4k-d32-q2", "randwrite", 4096, 32, 2 },
	{ "randwrite-4k-d128-q2", "randwrite", 4096, 128, 2 },
	{ "read-128k-d32-q1", "read", 131072, 32, 1 },
	{ "write-128k-d32-q1", "write", 131072, 32, 1 },
};

/* One point on one device. */
struct bench {
	const struct point *p;
	bool uring;
	enum blk_uring_setup setup;	/* -u */
	bool colocate;			/* -c */
	int befd;
	uint64_t capacity;		/* bytes */
	struct vbk_dev d;
	struct blk_uring *bu;		/* uring mode */
	pid_t dev_tid[MAX_THREADS];	/* the device's threads */
	unsigned int ndev;
	/* scaling points (-q, -d, -P) */
	bool scale;			/* a worker per queue, made here */
	unsigned int poll_us;		/* busy-poll timeout, 0: notify */
	unsigned int cpu_base;		/* -c: queue q on CPU cpu_base + q */
	const char *path;		/* the backend, opened per device */
};

/* One queue's driver thread. */
struct driver {
	struct bench *b;
	unsigned int q;
	pthread_t thread;
	pid_t tid;
	uint64_t rnd;
	uint64_t next;			/* sequential: next block */
	unsigned int inflight;
	uint64_t done;			/* completions; read by main */
	uint64_t sleeps;		/* waits on the call eventfd */
	int err;
};

/* CPU time and completions at one moment of a point. */
struct snap {
	struct timespec t;
	uint64_t done;
	uint64_t sleeps;
	long long dev_ns;
	long long drv_ns;
};

static bool stop_drivers;
static int failures;

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ns thread @tid has run (schedstat's first field) via @dir, or -1. */
static long long thread_ns(const char *dir, pid_t tid)
{
	unsigned long long ns;
	char path[96];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/%d/schedstat", dir, tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%llu", &ns);
	fclose(f);
	return n == 1 ? (long long)ns : -1;
}

/*
 * Threads in @dir whose name is @comm (or starts with it, with @prefix)
 * appended to @tids, at most MAX_THREADS in all: the new count.
 */
static unsigned int threads_named(const char *dir, const char *comm,
				  bool prefix, pid_t *tids, unsigned int n)
{
	char path[300], name[32];
	struct dirent *de;
	size_t len;
	DIR *d = opendir(dir);
	FILE *f;

	while (d && n < MAX_THREADS && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			len = strcspn(name, "\n");
			name[len] = 0;
			if (!strcmp(name, comm) ||
			    (prefix && !strncmp(name, comm, strlen(comm))))
				tids[n++] = atoi(de->d_name);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/* The device's threads' CPU time, ns (threads gone meanwhile: 0). */
static long long dev_ns(const struct bench *b)
{
	const char *dir = b->uring ? "/proc/self/task" : "/proc";
	long long sum = 0, ns;
	unsigned int i;

	for (i = 0; i < b->ndev; i++) {
		ns = thread_ns(dir, b->dev_tid[i]);
		sum += ns > 0 ? ns : 0;
	}
	return sum;
}

/* -c: thread @tid (0: the caller) on the CPU of queue @q only. */
static void pin_to_queue(pid_t tid, unsigned int q)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(q % (ncpu > 0 ? ncpu : 1), &set);
	if (sched_setaffinity(tid, sizeof(set), &set))
		printf("# cannot pin thread %d: %s\n", tid, strerror(errno));
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The sector of the next request of driver @dr. */
static uint64_t next_sector(struct driver *dr)
{
	const struct point *p = dr->b->p;
	uint64_t blocks = dr->b->capacity / p->bs;

	if (!strncmp(p->rw, "rand", 4))
		return rnd(&dr->rnd) % blocks * (p->bs / 512);
	if (dr->next >= blocks)
		dr->next = 0;
	return dr->next++ * (p->bs / 512);
}

static bool is_write(const struct point *p)
{
	return strstr(p->rw, "write");
}

/* Bring the requests in flight up to the depth, then publish and kick. */
static int fill(struct driver *dr)
{
	static const struct vbk_layout linux_like = { .indirect = true };
	const struct point *p = dr->b->p;
	uint32_t type = is_write(p) ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	unsigned int added = 0;
	int slot;

	while (dr->inflight < p->depth) {
		/* data: whatever the slot holds, the device copies it */
		slot = vbk_submit(&dr->b->d, dr->q, type, next_sector(dr), NULL,
				  p->bs, &linux_like);
		if (slot < 0)
			return slot;
		dr->inflight++;
		added++;
	}
	if (added)
		vbk_kick(&dr->b->d, dr->q);
	return 0;
}

/* Take every completion there is: how many, or -errno. */
static int reap_all(struct driver *dr)
{
	uint8_t status;
	uint32_t len;
	int slot, ret, n = 0;

	while ((ret = vbk_reap(&dr->b->d, dr->q, &slot, &status, &len,
			       0)) == 1) {
		if (status != VIRTIO_BLK_S_OK)
			return -EIO;
		dr->inflight--;
		n++;
	}
	if (ret < 0)
		return ret;
	__atomic_store_n(&dr->done, dr->done + n, __ATOMIC_RELAXED);
	return n;
}

/*
 * Nothing completed: ask for a call after the next used entry, look once
 * more (it may have come before the device saw the request), sleep.
 */
static int wait_call(struct driver *dr)
{
	struct vha_drv *drv = &dr->b->d.vt.vq[dr->q].drv;
	int n, ret;

	vha_drv_enable_cb(drv);
	n = reap_all(dr);
	if (!n) {
		__atomic_store_n(&dr->sleeps, dr->sleeps + 1,
				 __ATOMIC_RELAXED);
		ret = vha_vt_wait(&dr->b->d.vt, dr->q, WAIT_MS);
		n = ret > 0 ? reap_all(dr) : ret ? ret : -ETIMEDOUT;
	}
	vha_drv_disable_cb(drv);
	return n;
}

static bool stopped(void)
{
	return __atomic_load_n(&stop_drivers, __ATOMIC_ACQUIRE);
}

static void *driver_main(void *arg)
{
	struct driver *dr = arg;
	int ret = 0;

	dr->tid = gettid();
	if (dr->b->colocate)
		pin_to_queue(0, dr->b->cpu_base + dr->q);
	vha_drv_disable_cb(&dr->b->d.vt.vq[dr->q].drv);
	while (!stopped() && ret >= 0) {
		ret = fill(dr);
		if (!ret)
			ret = reap_all(dr);
		if (!ret)
			ret = wait_call(dr);
	}
	/* what is in flight comes back before the device is stopped */
	while (dr->inflight && ret >= 0) {
		ret = reap_all(dr);
		if (!ret)
			ret = wait_call(dr);
	}
	dr->err = ret < 0 ? ret : 0;
	return NULL;
}

/*
 * io_uring's io-wq workers of this process (made when a request has to
 * wait, e.g. for a tag of a full device queue) count as the device's.
 */
static void add_iowq(struct bench *b)
{
	pid_t found[MAX_THREADS];
	unsigned int n, i, k;

	n = threads_named("/proc/self/task", "iou-wrk-", true, found, 0);
	for (i = 0; i < n && b->ndev < MAX_THREADS; i++) {
		for (k = 0; k < b->ndev && b->dev_tid[k] != found[i]; k++)
			;
		if (k == b->ndev)
			b->dev_tid[b->ndev++] = found[i];
	}
}

static void take_snap(struct bench *b, const struct driver *dr,
		      struct snap *s)
{
	unsigned int q;
	long long ns;

	if (b->uring)
		add_iowq(b);
	clock_gettime(CLOCK_MONOTONIC, &s->t);
	s->done = 0;
	s->sleeps = 0;
	s->drv_ns = 0;
	s->dev_ns = dev_ns(b);
	for (q = 0; q < b->p->queues; q++) {
		s->done += __atomic_load_n(&dr[q].done, __ATOMIC_RELAXED);
		s->sleeps += __atomic_load_n(&dr[q].sleeps, __ATOMIC_RELAXED);
		ns = thread_ns("/proc/self/task", dr[q].tid);
		s->drv_ns += ns > 0 ? ns : 0;
	}
}

static void report(const struct bench *b, const struct snap *s0,
		   const struct snap *s1)
{
	const struct point *p = b->p;
	double n = s1->done - s0->done;
	double t = s1->t.tv_sec - s0->t.tv_sec +
		   (s1->t.tv_nsec - s0->t.tv_nsec) / 1e9;

	printf("# %s %s: %.0f requests, %.2f sleeps on a call per request\n",
	       b->uring ? "uring" : "vhost", p->name, n,
	       n ? (s1->sleeps - s0->sleeps) / n : 0);
	printf("# result mode=%s point=%s rw=%s bs=%u depth=%u queues=%u iops=%.1f mbs=%.2f cpu_ns=%.1f drv_cpu_ns=%.1f\n",
	       b->uring ? "uring" : "vhost", p->name, p->rw, p->bs, p->depth,
	       p->queues, n / t, n * p->bs / t / 1e6,
	       n ? (s1->dev_ns - s0->dev_ns) / n : 0,
	       n ? (s1->drv_ns - s0->drv_ns) / n : 0);
}

/*
 * Drive the device for warm-up + @secs; @s0 and @s1 are the start and the
 * end of the last @secs.
 */
static int drive(struct bench *b, double warm, double secs, struct snap *s0,
		 struct snap *s1)
{
	struct driver dr[VBK_MAX_QUEUES];
	unsigned int q, n;
	int err = 0;

	memset(dr, 0, sizeof(dr));
	__atomic_store_n(&stop_drivers, false, __ATOMIC_RELEASE);
	for (n = 0; n < b->p->queues; n++) {
		dr[n] = (struct driver){ .b = b, .q = n,
					 .rnd = 0x9e3779b97f4a7c15ULL * (n + 1),
					 .next = b->capacity / b->p->bs /
						 b->p->queues * n };
		if (pthread_create(&dr[n].thread, NULL, driver_main, &dr[n]))
			break;
	}
	if (n == b->p->queues) {
		sleep_s(warm);
		take_snap(b, dr, s0);
		sleep_s(secs);
		take_snap(b, dr, s1);
	}
	__atomic_store_n(&stop_drivers, true, __ATOMIC_RELEASE);
	for (q = 0; q < n; q++) {
		pthread_join(dr[q].thread, NULL);
		err = err ? err : dr[q].err;
	}
	return n < b->p->queues ? -EAGAIN : err;
}

/* Drive the device for warm-up + @secs; report the last @secs. */
static int run(struct bench *b, double warm, double secs)
{
	struct snap s0, s1;
	int err = drive(b, warm, secs, &s0, &s1);

	if (!err)
		report(b, &s0, &s1);
	return err;
}

/* uring: blk_uring on the rings blk_client laid out; the kernel's off. */
static int uring_attach(struct bench *b)
{
	struct vha_vt *vt = &b->d.vt;
	struct blk_uring_region mem = { vt->gpa, vt->size, vt->mem };
	struct blk_uring_cfg cfg = {
		.regions = &mem, .nregions = 1, .event_idx = true,
		.indirect = true, .fd = b->befd, .capacity = b->capacity,
		.setup = b->setup, .queues = b->p->queues,
	};
	struct vhost_vring_file f;
	struct vha_drv *drv;
	unsigned int q;
	int ret;

	for (q = 0; q < cfg.queues; q++) {
		f = (struct vhost_vring_file){ .index = q, .fd = -1 };
		if (ioctl(vt->fd, VHOST_SET_VRING_KICK, &f))
			return -errno;
		drv = &vt->vq[q].drv;
		cfg.q[q] = (struct blk_uring_queue){
			.desc = vha_vt_hva(vt, drv->desc),
			.avail = vha_vt_hva(vt, drv->avail),
			.used = vha_vt_hva(vt, drv->used),
			.num = RING, .kick = vt->vq[q].kick,
			.call = vt->vq[q].call,
		};
	}
	ret = blk_uring_start(&b->bu, &cfg);
	if (ret)
		return ret;
	for (q = 0; q < cfg.queues; q++)
		b->dev_tid[b->ndev++] = blk_uring_tid(b->bu, q);
	return 0;
}

static int cmp_tid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/*
 * -c: queue q's device thread on CPU q. vhost's workers are told apart by
 * age: with more than one queue the device makes a worker per queue, in
 * queue order, when the backend is attached, after the owner's first one
 * (which keeps only queues nobody runs).
 */
static void pin_device(struct bench *b)
{
	unsigned int q, n = b->p->queues, first;

	if (b->uring) {
		for (q = 0; q < n; q++)
			pin_to_queue(blk_uring_tid(b->bu, q), b->cpu_base + q);
		return;
	}
	qsort(b->dev_tid, b->ndev, sizeof(b->dev_tid[0]), cmp_tid);
	if (b->ndev < n) {
		printf("# %s: %u workers for %u queues, not pinned\n",
		       b->p->name, b->ndev, n);
		return;
	}
	first = b->ndev - n;
	for (q = 0; q < n; q++)
		pin_to_queue(b->dev_tid[first + q], b->cpu_base + q);
}

/*
 * Scaling points: queues 1.. each on a worker of its own (queue 0 keeps
 * the one made at SET_OWNER), made here with the worker ioctls rather
 * than left to the module's worker_per_queue; busy-polling on every
 * queue if asked.
 */
static int scale_setup(struct bench *b)
{
	struct vhost_vring_worker vw;
	struct vhost_worker_state w;
	struct vhost_vring_state st;
	int fd = b->d.vt.fd;
	unsigned int q;

	for (q = 1; q < b->p->queues; q++) {
		w = (struct vhost_worker_state){ 0 };
		if (ioctl(fd, VHOST_NEW_WORKER, &w))
			return -errno;
		vw = (struct vhost_vring_worker){ .index = q,
						  .worker_id = w.worker_id };
		if (ioctl(fd, VHOST_ATTACH_VRING_WORKER, &vw))
			return -errno;
	}
	for (q = 0; b->poll_us && q < b->p->queues; q++) {
		st = (struct vhost_vring_state){ .index = q,
						 .num = b->poll_us };
		if (ioctl(fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &st))
			return -errno;
	}
	return 0;
}

static int dev_open(struct bench *b)
{
	struct vbk_cfg cfg = {
		.queues = b->p->queues, .num = RING, .data_max = b->p->bs,
		.event_idx = true, .max_indirect = 4,
	};
	char comm[32];
	int ret;

	b->ndev = 0;
	b->bu = NULL;
	ret = vbk_open(&b->d, &cfg);
	if (ret)
		return ret;
	if (b->uring) {
		ret = uring_attach(b);
	} else {
		ret = b->scale ? scale_setup(b) : 0;
		if (!ret)
			ret = vbk_set_backend(&b->d, b->befd);
		snprintf(comm, sizeof(comm), "vhost-%d", getpid());
		b->ndev = threads_named("/proc", comm, false, b->dev_tid, 0);
	}
	if (ret)
		vbk_close(&b->d);
	else if (b->colocate)
		pin_device(b);
	return ret;
}

/* What blk_uring did per request over the whole point (warm-up too). */
static void uring_diag(const struct bench *b)
{
	struct blk_uring_stats st, sum = { 0 };
	unsigned int q;
	double n;

	for (q = 0; q < b->p->queues; q++) {
		blk_uring_stats(b->bu, q, &st);
		sum.requests += st.requests;
		sum.wakeups += st.wakeups;
		sum.enters += st.enters;
		sum.batches += st.batches;
		sum.calls += st.calls;
	}
	n = sum.requests ? sum.requests : 1;
	printf("# uring %s: io_uring %s, %u io-wq workers; per request: %.2f kicks, %.2f io_uring_enter, %.2f used batches, %.2f calls\n",
	       b->p->name, blk_uring_setup_name(b->bu),
	       b->ndev - b->p->queues, sum.wakeups / n, sum.enters / n,
	       sum.batches / n, sum.calls / n);
}

/* Stop blk_uring first: it writes into the memory vbk_close() unmaps. */
static void dev_close(struct bench *b)
{
	unsigned int q;
	const char *why;

	if (b->bu)
		uring_diag(b);
	for (q = 0; b->bu && q < b->p->queues; q++) {
		why = blk_uring_failure(b->bu, q);
		if (why) {
			printf("# error mode=uring point=%s: queue %u: %s\n",
			       b->p->name, q, why);
			failures++;
		}
	}
	if (b->bu)
		blk_uring_stop(b->bu);
	vbk_close(&b->d);
}


static void measure(struct bench *b, const struct point *p, double warm,
		  double secs)
{
	const char *mode = b->uring ? "uring" : "vhost";
	int ret;

	b->p = p;
	ret = dev_open(b);
	if (ret) {
		printf("# error mode=%s point=%s: set-up: %s\n", mode, p->name,
		       strerror(-ret));
		failures++;
		return;
	}
	if (!b->ndev)
		printf("# %s %s: no device thread found\n", mode, p->name);
	ret = run(b, warm, secs);
	dev_close(b);
	if (ret) {
		printf("# error mode=%s point=%s: %s\n", mode, p->name,
		       strerror(-ret));
		failures++;
	}
	fflush(stdout);
}

/* Is point @name in the comma-separated patterns @pats (NULL: all)? */
static bool wanted(const char *pats, const char *name)
{
	char buf[256], *tok, *save;

	if (!pats)
		return true;
	snprintf(buf, sizeof(buf), "%s", pats);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!fnmatch(tok, name, 0))
			return true;
	return false;
}

static int open_backend(struct bench *b, const char *path)
{
	b->befd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (b->befd < 0)
		return -errno;
	if (ioctl(b->befd, BLKGETSIZE64, &b->capacity) ||
	    b->capacity < 131072) {
		close(b->befd);
		return -EINVAL;
	}
	return 0;
}

/*
 * ---- Scaling points (-q, -d, -P) ----
 *
 * 4 KiB random reads at iodepth 32 on -d D devices (1..16) open at once,
 * each in a process of its own (its owner) with its own open of the
 * backend, each with -q Q queues (1..16), every queue on a worker of its
 * own (scale_setup()); -P the busy-poll timeout in us on every queue
 * (0: notification mode). With -c, queue q of device i runs on CPU
 * i * Q + q (modulo the CPUs). IOPS are summed over the devices, CPU per
 * request over every worker (cpu_ns) and driver thread (drv_cpu_ns) of
 * every device.
 */
enum { MAX_DEVICES = 16, SETUP_S = 60 };

struct scale_arg {
	struct bench *b;
	double warm, secs;
};

/* What a device's process measured, handed to the parent. */
struct bres {
	bool ready;		/* set up: a failure is the measurement's */
	unsigned int workers;
	double done, secs, sleeps;
	long long dev_ns, drv_ns;
};

/* A device's process (bench_procs): set up, wait for all, measure. */
static int scale_body(void *arg, struct bp_sync *sync, void *out)
{
	const struct scale_arg *a = arg;
	struct bench *b = a->b;	/* this process's copy */
	struct bres *res = out;
	struct snap s0, s1;
	int ret;

	memset(res, 0, sizeof(*res));
	b->cpu_base = sync->idx * b->p->queues;
	ret = open_backend(b, b->path);
	if (ret)
		return ret;
	ret = dev_open(b);
	if (ret) {
		close(b->befd);
		return ret;
	}
	res->ready = true;
	res->workers = b->ndev;
	ret = bp_ready(sync);
	if (!ret)
		ret = drive(b, a->warm, a->secs, &s0, &s1);
	dev_close(b);
	close(b->befd);
	if (ret)
		return ret;
	res->done = s1.done - s0.done;
	res->secs = s1.t.tv_sec - s0.t.tv_sec +
		    (s1.t.tv_nsec - s0.t.tv_nsec) / 1e9;
	res->sleeps = s1.sleeps - s0.sleeps;
	res->dev_ns = s1.dev_ns - s0.dev_ns;
	res->drv_ns = s1.drv_ns - s0.drv_ns;
	return 0;
}

/* Every device's error, as "# error" lines: how many. */
static int scale_errors(const struct bench *b, unsigned int devices,
			const struct bres *res, const int *errs)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < devices; i++) {
		if (!errs[i] || errs[i] == -ECANCELED)
			continue;
		printf("# error mode=vhost point=%s devices=%u: device %u: %s%s\n",
		       b->p->name, devices, i, res[i].ready ? "" : "set-up: ",
		       strerror(-errs[i]));
		n++;
	}
	return n;
}

/* The point's line: sums over the devices, CPU per request over all. */
static void scale_report(const struct bench *b, unsigned int devices,
			 const struct bres *res)
{
	const struct point *p = b->p;
	double iops = 0, n = 0, sleeps = 0, dev = 0, drv = 0;
	unsigned int i, workers = 0;

	for (i = 0; i < devices; i++) {
		iops += res[i].secs > 0 ? res[i].done / res[i].secs : 0;
		n += res[i].done;
		sleeps += res[i].sleeps;
		dev += res[i].dev_ns;
		drv += res[i].drv_ns;
		workers += res[i].workers;
	}
	n = n ? n : 1;
	printf("# vhost %s devices=%u: %u workers, busy-poll %u us, %.2f sleeps on a call per request\n",
	       p->name, devices, workers, b->poll_us, sleeps / n);
	printf("# result mode=vhost point=%s rw=%s bs=%u depth=%u queues=%u iops=%.1f mbs=%.2f cpu_ns=%.1f drv_cpu_ns=%.1f devices=%u poll=%s\n",
	       p->name, p->rw, p->bs, p->depth, p->queues, iops,
	       iops * p->bs / 1e6, dev / n, drv / n, devices,
	       b->poll_us ? "busypoll" : "notify");
	fflush(stdout);
}

/* One scaling point: @devices devices with @queues queues each. */
static int scale_main(struct bench *b, unsigned int queues,
		      unsigned int devices, double warm, double secs)
{
	static char name[32];
	static struct point p = { name, "randread", 4096, 32, 0 };
	static struct bres res[MAX_DEVICES];
	struct scale_arg a = { b, warm, secs };
	int errs[MAX_DEVICES], ret;

	snprintf(name, sizeof(name), "randread-4k-d32-q%u", queues);
	p.queues = queues;
	b->p = &p;
	b->scale = true;
	ret = bp_run(devices, scale_body, &a, res, sizeof(res[0]),
		     SETUP_S + warm + secs, errs);
	if (ret)
		printf("# error mode=vhost point=%s devices=%u: %s\n", name,
		       devices, strerror(-ret));
	if (ret || scale_errors(b, devices, res, errs))
		return 1;
	scale_report(b, devices, res);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: vha-blk-bench -m vhost|uring|vhost,uring|uring,vhost\n"
		"                     [-t s] [-w s] [-p patterns] [-c]\n"
		"                     [-u defer|coop|plain] BLOCKDEV\n"
		"       vha-blk-bench -m vhost [-t s] [-w s] [-c] [-q queues]\n"
		"                     [-d devices] [-P busypoll_us] BLOCKDEV\n"
		"       vha-blk-bench -l [-p patterns]\n");
	exit(2);
}

static enum blk_uring_setup setup_of(const char *name)
{
	if (!strcmp(name, "defer"))
		return BLK_URING_DEFER_TASKRUN;
	if (!strcmp(name, "coop"))
		return BLK_URING_COOP_TASKRUN;
	if (strcmp(name, "plain"))
		usage();
	return BLK_URING_PLAIN;
}

/* -l: the points -p selects, for a script to run the same with fio. */
static int list(const char *pats)
{
	const struct point *p;

	for (p = points; p < points + ARRAY_SIZE(points); p++)
		if (wanted(pats, p->name))
			printf("%s %s %u %u %u\n", p->name, p->rw, p->bs,
			       p->depth, p->queues);
	return 0;
}

/* -m: "vhost", "uring" or both, comma-separated: 0 vhost, 1 uring each. */
static unsigned int modes_of(const char *arg, bool uring[2])
{
	char buf[32], *tok, *save;
	unsigned int n = 0;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok && n < 2;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "vhost") && strcmp(tok, "uring"))
			usage();
		uring[n++] = !strcmp(tok, "uring");
	}
	if (tok || !n)
		usage();
	return n;
}

static void run_all(struct bench *b, const char *pats, const bool *uring,
		    unsigned int nmodes, double warm, double secs)
{
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(points); i++) {
		if (!wanted(pats, points[i].name))
			continue;
		for (k = 0; k < nmodes; k++) {
			b->uring = uring[k];
			measure(b, &points[i], warm, secs);
		}
	}
}

int main(int argc, char **argv)
{
	unsigned int nmodes = 0, queues = 1, devices = 1;
	bool listing = false, scaling = false, uring[2];
	double secs = 2, warm = 0.3;
	const char *pats = NULL;
	struct bench b = { 0 };
	int opt, ret;

	while ((opt = getopt(argc, argv, "m:t:w:p:u:clq:d:P:")) != -1) {
		if (strchr("qdP", opt))
			scaling = true;
		if (opt == 'q')
			queues = atoi(optarg);
		else if (opt == 'd')
			devices = atoi(optarg);
		else if (opt == 'P')
			b.poll_us = atoi(optarg);
		else if (opt == 'c')
			b.colocate = true;
		else if (opt == 'm')
			nmodes = modes_of(optarg, uring);
		else if (opt == 'u')
			b.setup = setup_of(optarg);
		else if (opt == 't')
			secs = atof(optarg);
		else if (opt == 'w')
			warm = atof(optarg);
		else if (opt == 'p')
			pats = optarg;
		else if (opt == 'l')
			listing = true;
		else
			usage();
	}
	if (listing)
		return list(pats);
	if (!nmodes || optind != argc - 1 || secs <= 0 || secs > 600 ||
	    warm < 0)
		usage();
	if (scaling && (nmodes != 1 || uring[0] || queues < 1 ||
			queues > VBK_MAX_QUEUES || devices < 1 ||
			devices > MAX_DEVICES))
		usage();
	ret = open_backend(&b, argv[optind]);
	if (ret) {
		printf("# error: %s: %s\n", argv[optind], strerror(-ret));
		return 1;
	}
	if (scaling) {
		close(b.befd);
		b.path = argv[optind];
		return scale_main(&b, queues, devices, warm, secs);
	}
	run_all(&b, pats, uring, nmodes, warm, secs);
	close(b.befd);
	return failures ? 1 : 0;
}
