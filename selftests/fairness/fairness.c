// SPDX-License-Identifier: GPL-2.0
/*
 * vha-fairness: does one device saturating its queues starve another
 * device of another owner on the same host? (issue 12 item 4)
 *
 *   vha-fairness [-t SECS] [-r ROUNDS] [-f FRACTION] [-p PAIRINGS]
 *                [-V VICTIM_DISK] [-A AGGRESSOR_DISK] [-l LABEL] [-c CPU]
 *                [--tap]
 *
 *   parent ---fork---> victim owner    guest rings <-> /dev/vhost-* (its
 *          |                           own fd and worker vhost-<pid>)
 *          `--fork---> aggressor owner guest rings <-> /dev/vhost-* (its
 *                                      own fd and worker vhost-<pid>)
 *
 * Victims (one owner process each, a fresh device per measurement):
 *   net  TX of 64-byte frames at a fixed rate, counted on its tap's
 *        rx_packets (pps); then one frame in flight, guest TX -> tap ->
 *        an AF_PACKET reflector -> tap -> guest RX, round trip (latency);
 *        the frame that comes back is checked byte for byte.
 *   blk  4 KiB random reads at iodepth 4 at a fixed rate (IOPS) from a
 *        disk the parent wrote a pattern to; every read is checked; then
 *        iodepth 1 back to back, the request's latency.
 * The fixed rate is FRACTION (default 0.3) of what the victim reaches
 * alone without a limit (measured once per victim kind at the start): a
 * guest with moderate traffic. Alone it reaches that rate; the question is
 * how much of that rate it keeps beside the aggressor.
 *
 * Aggressors (another owner process, its own device and worker, running
 * flat out for the whole victim measurement):
 *   net-tx   guest TX ring kept full of 64-byte frames (a TX flood).
 *   net-rx1  guest RX ring of 1-byte buffers (no MRG_RXBUF: no packet
 *            fits) while an AF_PACKET writer floods its tap with 64-byte
 *            frames: the device drops packet after packet on buffers too
 *            small, and never runs out of work.
 *   blk      4 KiB random reads at iodepth 128 on its own disk.
 *
 * CPU: every owner process and its device's worker run on CPU 0 (-c; -c
 * -1 leaves them where the scheduler puts them). One CPU shared by both
 * owners is the case where fairness decides anything (on two CPUs the
 * four threads rarely compete), and it keeps the victim's round trips on
 * one CPU alone as together: in the emulated test VM a wake-up across
 * vCPUs of an idle (halted) vCPU costs milliseconds (see vha-blk-bench
 * -c), which made the alone latency 50x the together latency.
 *
 * Each pairing (victim/aggressor) runs ROUNDS (3) rounds of an alone and a
 * together measurement, the order swapped every round. Per pairing: the
 * medians of throughput and latency alone and together, the ratio
 * together/alone of the medians and the median of the per-round ratios,
 * and whether the goal (throughput ratio >= 0.8) was met. Starvation: the
 * victim's completions are counted in 1 s windows of its throughput
 * phase; the smallest window is reported (0: starved for a second).
 *
 * --tap prints TAP, three points per pairing, none a timing judgement:
 * the victim moved checked data in every run, the aggressor moved data,
 * and the victim completed something in every 1 s window while the
 * aggressor ran; ratios are '#' diagnostics. Without --tap: "# result"
 * lines and the table. Output lines for scripts:
 *   # result label=L pairing=net/blk round=1 mode=alone tput=... lat_us=...
 *   # summary label=L pairing=net/blk tput_ratio=0.93 lat_ratio=1.4 ...
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#include "blk_client.h"
#include "net_lib.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
	MAX_ROUNDS = 15,
	BUCKETS_PER_S = 10,		/* completions counted per 100 ms */
	MAX_BUCKETS = 64 * BUCKETS_PER_S,
	WAIT_MS = 2000,			/* a device silent this long is stuck */
	BURST = 32,
	FRAME = 64,
	BLK_BS = 4096,
	BLK_RING = 256,
	VICTIM_DEPTH = 4,
	AGGR_DEPTH = 128,
	VICTIM_BLOCKS = 2048,		/* 8 MiB read by the blk victim */
	MAX_SAMPLES = 100000,
};

enum vkind { V_NET, V_BLK };
enum akind { A_NET_TX, A_NET_RX1, A_BLK };

static const char *const vname[] = { "net", "blk" };
static const char *const aname[] = { "net-tx", "net-rx1", "blk" };

struct opts {
	double secs;
	int rounds;
	double frac;
	const char *vdisk, *adisk;
	const char *label;
	bool tap;
	int cpu;		/* every owner and worker on it; -1: anywhere */
};

static struct opts o = { .secs = 2, .rounds = 3, .frac = 0.3,
			 .label = "ours", .cpu = 0 };

/* What a victim owner measured; sent to the parent through a pipe. */
struct vres {
	int err;
	double tput;		/* pps or IOPS over the throughput phase */
	double lat_us;		/* median */
	double done;		/* completions in the throughput phase */
	double min_win;		/* fewest completions in a 1 s window */
	int nwin;
	double wcpu;		/* its worker's CPU share of the phase */
	char msg[96];
};

/* What an aggressor owner did over its whole run. */
struct ares {
	int err;
	double done;		/* frames or requests the device took */
	double secs;
	double wcpu;		/* its worker's CPU share (parent fills in) */
	double ocpu;		/* its owner process's (parent fills in) */
	char msg[96];
};

static uint8_t frame[NT_MAX_FRAME], got[NT_MAX_FRAME];
static double samples[MAX_SAMPLES];
static int stop;		/* set by SIGUSR1 */

static bool stopped(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR && !stopped())
		;
}

static long long read_number(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The worker of owner @pid: the kthread "vhost-<pid>", 0 if none. */
static int worker_of(pid_t pid)
{
	char want[32], comm[32], path[300];
	struct dirent *de;
	int tid = 0;
	DIR *d;
	FILE *f;

	snprintf(want, sizeof(want), "vhost-%d\n", pid);
	d = opendir("/proc");
	if (!d)
		return 0;
	while (!tid && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want))
			tid = atoi(de->d_name);
		fclose(f);
	}
	closedir(d);
	return tid;
}

/* Thread @tid (0: the caller) on o.cpu only, unless o.cpu < 0. */
static void pin(pid_t tid)
{
	cpu_set_t set;

	if (o.cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(o.cpu, &set);
	if (sched_setaffinity(tid, sizeof(set), &set))
		printf("# thread %d: no affinity to CPU %d: %s\n", tid, o.cpu,
		       strerror(errno));
}

/* The caller's worker, pinned with it. */
static int find_worker(void)
{
	int tid = worker_of(getpid());

	if (tid)
		pin(tid);
	return tid;
}

static long long worker_ns(int tid)
{
	char path[64];

	if (!tid)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", tid);
	return read_number(path);
}

static double cpu_share(long long ns0, long long ns1, double secs)
{
	return ns0 >= 0 && ns1 >= ns0 && secs > 0 ? (ns1 - ns0) / 1e9 / secs
						  : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	double a[MAX_ROUNDS];

	if (n <= 0)
		return 0;
	memcpy(a, v, n * sizeof(*a));
	qsort(a, n, sizeof(*a), cmp_double);
	return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Completions per 100 ms of a throughput phase, and 1 s windows. */
struct buckets {
	double t0;
	unsigned long n[MAX_BUCKETS];
};

static void bucket_add(struct buckets *b, unsigned long n)
{
	long i = (long)((now_s() - b->t0) * BUCKETS_PER_S);

	if (i >= 0 && i < MAX_BUCKETS)
		b->n[i] += n;
}

static void windows(const struct buckets *b, double secs, struct vres *r)
{
	int w, i, nwin = (int)secs;
	unsigned long c;

	r->nwin = nwin;
	r->min_win = -1;
	for (w = 0; w < nwin && (w + 1) * BUCKETS_PER_S <= MAX_BUCKETS; w++) {
		for (c = 0, i = 0; i < BUCKETS_PER_S; i++)
			c += b->n[w * BUCKETS_PER_S + i];
		if (r->min_win < 0 || c < r->min_win)
			r->min_win = c;
	}
}

/* How many more may start now to keep @rate per second since @t0. */
static long due(double rate, double t0, unsigned long started)
{
	if (rate <= 0)
		return 1L << 30;
	return (long)(rate * (now_s() - t0)) + 1 - (long)started;
}

/* ---- net guests ---- */

static void kick(struct nt_guest *g, unsigned int idx)
{
	struct vha_drv *d = &g->vt.vq[idx].drv;

	vha_drv_publish(d);
	if (vha_drv_need_kick(d))
		vha_vt_kick(&g->vt, idx);
}

/* Post up to @max buffers, publishing every BURST: number posted. */
static unsigned int post_many(struct nt_guest *g, unsigned int idx,
			      uint32_t len, unsigned long max)
{
	unsigned int n = 0;

	while (n < max && !nt_post_buf(g, idx, len))
		if (++n % BURST == 0)
			kick(g, idx);
	if (n % BURST)
		kick(g, idx);
	return n;
}

/* Take every used entry of @idx now: how many, or -errno. @last: its bn. */
static int reap(struct nt_guest *g, unsigned int idx, uint32_t *last_len,
		uint32_t *last_bn)
{
	struct nt_queue *q = &g->q[idx];
	uint32_t len;
	uint16_t id;
	int n = 0, ret;

	for (;;) {
		ret = vha_drv_get_used(&g->vt.vq[idx].drv, &id, &len, NULL);
		if (ret <= 0)
			return ret < 0 ? ret : n;
		q->free[q->nfree++] = q->buf_of_id[id];
		if (last_len)
			*last_len = len;
		if (last_bn)
			*last_bn = q->buf_of_id[id];
		n++;
	}
}

/* Sleep until queue @idx is signalled after @after more used entries. */
static int wait_used(struct nt_guest *g, unsigned int idx, uint16_t after,
		     int timeout_ms)
{
	struct vha_drv *d = &g->vt.vq[idx].drv;
	int ret = 1;

	vha_drv_delay_cb(d, after ? after : 1);
	if (!nt_used_pending(g, idx))
		ret = vha_vt_wait(&g->vt, idx, timeout_ms);
	vha_drv_disable_cb(d);
	return ret;
}

/* Every TX buffer holds a header and a 64-byte frame of @seq. */
static void tx_fill(struct nt_guest *g, uint32_t seq)
{
	struct nt_queue *q = &g->q[NT_TX];
	uint8_t *p;
	uint32_t bn;

	nt_frame(frame, FRAME, seq, 0);
	for (bn = 0; bn < q->num; bn++) {
		p = vha_vt_ptr(&g->vt, nt_buf_gpa(q, bn), g->hlen + FRAME);
		memset(p, 0, g->hlen);
		memcpy(p + g->hlen, frame, FRAME);
	}
}

static long long tap_counter(const struct nt_tap *tap, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s",
		 tap->name, name);
	return read_number(path);
}

/* A tap and a guest on it (both queues), 256 entries, split ring. */
static int net_open(struct nt_tap *tap, struct nt_guest *g, const char *pfx,
		    bool mrg)
{
	struct nt_cfg cfg;
	char name[16];
	int ret;

	snprintf(name, sizeof(name), "%s%d", pfx, getpid() % 100000);
	ret = nt_tap_open(tap, name, true, 12, 1);
	if (ret)
		return ret;
	nt_default_cfg(&cfg);
	cfg.mrg = mrg;
	ret = nt_guest_open(g, &cfg);
	if (!ret)
		ret = nt_set_backend(g, NT_RX, tap->fd[0]);
	if (!ret)
		ret = nt_set_backend(g, NT_TX, tap->fd[0]);
	if (ret) {
		nt_guest_close(g);
		nt_tap_close(tap);
	}
	return ret;
}

/* A test frame (our EtherType), not one the host's stack sent (IPv6 ND...). */
static bool is_test_frame(const uint8_t *f, size_t len)
{
	return len >= 14 && f[12] == NT_ETH_P_TEST >> 8 &&
	       f[13] == (NT_ETH_P_TEST & 0xff);
}

/*
 * Send the frame in flight (in @frame) back into the tap; frames that are
 * not it (the throughput phase's last ones, the host stack's own) are
 * skipped. 0 or -errno.
 */
static int reflect(struct nt_tap *tap)
{
	int k, skipped;

	for (skipped = 0; skipped < 4096; skipped++) {
		k = nt_tap_recv(tap, got, sizeof(got), WAIT_MS);
		if (k <= 0)
			return k ? k : -ETIMEDOUT;
		if (k == FRAME && !memcmp(got, frame, FRAME))
			return nt_tap_send(tap, got, k);
	}
	return -EPROTO;
}

/*
 * The next frame the guest received that is a test frame: its length and
 * buffer. Frames of the host's stack (the tap is an interface with IPv6
 * on it) are skipped, their buffers posted again. 1 or -errno.
 */
static int rx_own(struct nt_guest *g, uint32_t *len, uint32_t *bn)
{
	int ret, skipped;

	for (skipped = 0; skipped < 64; skipped++) {
		while (!(ret = reap(g, NT_RX, len, bn)))
			if (wait_used(g, NT_RX, 1, WAIT_MS) <= 0)
				return -ETIMEDOUT;
		if (ret < 0)
			return ret;
		if (*len >= g->hlen + 14 &&
		    is_test_frame(vha_vt_ptr(&g->vt, nt_buf_gpa(&g->q[NT_RX], *bn) +
					     g->hlen, 14), *len - g->hlen))
			return 1;
		post_many(g, NT_RX, g->q[NT_RX].bufsz, 1);
	}
	return -EPROTO;
}

/*
 * Round trips, one frame in flight, for @secs: the median into r->lat_us.
 * The frame that comes back into the guest must be the one sent.
 */
static int net_latency(struct nt_tap *tap, struct nt_guest *g, double secs,
		       struct vres *r)
{
	uint32_t seq = 1, len, bn;
	struct nt_queue *q;
	unsigned int n = 0;
	double t0, t;
	int ret, k;

	tx_fill(g, 0);
	/* the throughput phase's frames, counted but never read */
	nt_tap_drain(tap);
	post_many(g, NT_RX, g->q[NT_RX].bufsz, g->q[NT_RX].num);
	vha_drv_disable_cb(&g->vt.vq[NT_TX].drv);
	vha_drv_disable_cb(&g->vt.vq[NT_RX].drv);
	t0 = now_s();
	do {
		/* post() takes the buffer on top of the free stack */
		q = &g->q[NT_TX];
		nt_frame(frame, FRAME, seq, 0);
		memcpy(vha_vt_ptr(&g->vt, nt_buf_gpa(q, q->free[q->nfree - 1]) +
				  g->hlen, FRAME), frame, FRAME);
		t = now_s();
		if (nt_post_buf(g, NT_TX, g->hlen + FRAME))
			return -ENOSPC;
		kick(g, NT_TX);
		k = reflect(tap);
		if (k < 0)
			return k;
		ret = rx_own(g, &len, &bn);
		if (ret < 0)
			return ret;
		if (len != g->hlen + FRAME ||
		    memcmp(vha_vt_ptr(&g->vt, nt_buf_gpa(&g->q[NT_RX], bn) +
				      g->hlen, FRAME), frame, FRAME)) {
			snprintf(r->msg, sizeof(r->msg),
				 "round trip %u: frame came back changed", seq);
			return -EPROTO;
		}
		samples[n++] = (now_s() - t) * 1e6;
		post_many(g, NT_RX, g->q[NT_RX].bufsz, 1);
		while (!(ret = reap(g, NT_TX, NULL, NULL)))
			if (wait_used(g, NT_TX, 1, WAIT_MS) <= 0)
				return -ETIMEDOUT;
		if (ret < 0)
			return ret;
		seq++;
	} while (now_s() - t0 < secs && n < MAX_SAMPLES);
	qsort(samples, n, sizeof(samples[0]), cmp_double);
	r->lat_us = samples[n / 2];
	return 0;
}

/*
 * TX of 64-byte frames at @rate per second (0: flat out) for @secs,
 * counted on the tap; the guest asks for a call after 3/4 of what is in
 * flight, or sleeps until the next frame is due.
 */
static int net_tput(struct nt_tap *tap, struct nt_guest *g, double rate,
		    double secs, struct vres *r, struct buckets *b)
{
	struct nt_queue *q = &g->q[NT_TX];
	unsigned long started = 0, done = 0;
	long long rx0, rx1, dr0, dr1, ns0;
	int wtid = find_worker(), ret = 0, tmo;
	double last, t;
	long n;

	tx_fill(g, 0);
	vha_drv_disable_cb(&g->vt.vq[NT_TX].drv);
	rx0 = tap_counter(tap, "rx_packets");
	dr0 = tap_counter(tap, "rx_dropped");
	ns0 = worker_ns(wtid);
	b->t0 = last = now_s();
	while ((t = now_s()) - b->t0 < secs) {
		n = due(rate, b->t0, started);
		if (n > 0)
			started += post_many(g, NT_TX, g->hlen + FRAME, n);
		ret = reap(g, NT_TX, NULL, NULL);
		if (ret < 0)
			return ret;
		done += ret;
		bucket_add(b, ret);
		if (ret) {
			last = t;
			continue;
		}
		if (q->nfree == q->num) {
			sleep_s(rate > 0 ? 1 / rate : 0.001);
			continue;
		}
		if (t - last > WAIT_MS / 1000.0)
			return -ETIMEDOUT;
		tmo = rate > 0 ? 1 : WAIT_MS;
		ret = wait_used(g, NT_TX, (q->num - q->nfree) * 3 / 4, tmo);
		if (ret < 0)
			return ret;
	}
	t = now_s() - b->t0;
	rx1 = tap_counter(tap, "rx_packets");
	dr1 = tap_counter(tap, "rx_dropped");
	r->wcpu = cpu_share(ns0, worker_ns(wtid), t);
	r->done = done;
	r->tput = (rx1 - rx0) / t;
	if (rx0 < 0 || rx1 < 0 ||
	    (unsigned long long)(rx1 - rx0) > started ||
	    (unsigned long long)(rx1 - rx0 + dr1 - dr0) < done) {
		snprintf(r->msg, sizeof(r->msg),
			 "tap counted %lld frames, guest sent %lu, %lu used",
			 rx1 - rx0, started, done);
		return -EPROTO;
	}
	return 0;
}

static int net_victim(double rate, struct vres *r, struct buckets *b)
{
	struct nt_guest g;
	struct nt_tap tap;
	int ret;

	ret = net_open(&tap, &g, "vhafv", true);
	if (ret)
		return ret;
	find_worker();
	ret = net_latency(&tap, &g, o.secs / 2, r);
	/* nobody reads the tap's network side while TX floods it */
	close(tap.pkt);
	tap.pkt = -1;
	if (!ret)
		ret = net_tput(&tap, &g, rate, o.secs, r, b);
	nt_guest_close(&g);
	nt_tap_close(&tap);
	return ret;
}

/* ---- blk guests ---- */

struct blkrun {
	struct vbk_dev d;
	unsigned int depth;
	double rate;			/* 0: flat out */
	uint64_t blocks;		/* reads fall in [0, blocks) */
	bool check;			/* data is the parent's pattern */
	uint64_t seed;
	unsigned int inflight;
	unsigned long started, done;
	uint64_t blk_of_slot[BLK_RING];
	double t_of_slot[BLK_RING];
	unsigned int nlat;		/* latency samples taken */
	struct buckets *b;
	char *msg;
};

static int blk_open(struct blkrun *br, const char *disk, int *fd)
{
	struct vbk_cfg cfg = {
		.queues = 1, .num = BLK_RING, .data_max = BLK_BS,
		.event_idx = true, .max_indirect = 4,
	};
	off_t size;
	int ret;

	*fd = open(disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	size = lseek(*fd, 0, SEEK_END);
	if (!br->blocks)
		br->blocks = size / BLK_BS;
	if (size < (off_t)(br->blocks * BLK_BS) || !br->blocks) {
		close(*fd);
		return -ENOSPC;
	}
	ret = vbk_open(&br->d, &cfg);
	if (!ret) {
		ret = vbk_set_backend(&br->d, *fd);
		if (ret)
			vbk_close(&br->d);
	}
	if (ret)
		close(*fd);
	return ret;
}

/* The pattern the parent writes: block n begins with n, ends with ~n. */
static bool blk_data_ok(const uint8_t *p, uint64_t n)
{
	uint64_t a, z;

	memcpy(&a, p, 8);
	memcpy(&z, p + BLK_BS - 8, 8);
	return a == n && z == ~n;
}

static int blk_reap(struct blkrun *br)
{
	uint8_t status;
	uint32_t len;
	int slot, ret, n = 0;

	while ((ret = vbk_reap(&br->d, 0, &slot, &status, &len, 0)) == 1) {
		if (status != VIRTIO_BLK_S_OK) {
			snprintf(br->msg, 96, "read of block %llu: status %u",
				 (unsigned long long)br->blk_of_slot[slot],
				 status);
			return -EIO;
		}
		if (br->check && !blk_data_ok(vbk_data(&br->d, 0, slot),
					      br->blk_of_slot[slot])) {
			snprintf(br->msg, 96, "block %llu read wrong data",
				 (unsigned long long)br->blk_of_slot[slot]);
			return -EPROTO;
		}
		if (br->nlat < MAX_SAMPLES)
			samples[br->nlat++] = (now_s() - br->t_of_slot[slot]) *
					      1e6;
		br->inflight--;
		n++;
	}
	if (ret < 0)
		return ret;
	br->done += n;
	if (br->b)
		bucket_add(br->b, n);
	return n;
}

/* Reads up to the depth, as many as are due; publish and kick. */
static int blk_fill(struct blkrun *br)
{
	static const struct vbk_layout linux_like = { .indirect = true };
	long n = due(br->rate, br->b ? br->b->t0 : 0, br->started);
	unsigned int added = 0;
	uint64_t blk;
	int slot;

	while (br->inflight < br->depth && n-- > 0) {
		blk = rnd(&br->seed) % br->blocks;
		slot = vbk_submit(&br->d, 0, VIRTIO_BLK_T_IN,
				  blk * (BLK_BS / 512), NULL, BLK_BS,
				  &linux_like);
		if (slot < 0)
			return slot;
		br->blk_of_slot[slot] = blk;
		br->t_of_slot[slot] = now_s();
		br->inflight++;
		br->started++;
		added++;
	}
	if (added)
		vbk_kick(&br->d, 0);
	return 0;
}

/* Nothing completed: wait for a call (at most @tmo ms). */
static int blk_wait(struct blkrun *br, int tmo)
{
	struct vha_drv *drv = &br->d.vt.vq[0].drv;
	int n, ret;

	vha_drv_enable_cb(drv);
	n = blk_reap(br);
	if (!n) {
		ret = vha_vt_wait(&br->d.vt, 0, tmo);
		n = ret > 0 ? blk_reap(br) : ret;
	}
	vha_drv_disable_cb(drv);
	return n;
}

/* Run @br until @secs passed (or, secs < 0, until stop is set). */
static int blk_run(struct blkrun *br, double secs)
{
	double t0 = now_s(), last = t0, t;
	int ret = 0;

	if (br->b)
		br->b->t0 = t0;
	vha_drv_disable_cb(&br->d.vt.vq[0].drv);
	while (ret >= 0 && !stopped() && (secs < 0 || (t = now_s()) - t0 < secs)) {
		t = now_s();
		ret = blk_fill(br);
		if (!ret)
			ret = blk_reap(br);
		if (ret > 0)
			last = t;
		if (ret)
			continue;
		if (!br->inflight) {
			sleep_s(br->rate > 0 ? 1 / br->rate : 0.001);
			continue;
		}
		if (t - last > WAIT_MS / 1000.0)
			return -ETIMEDOUT;
		ret = blk_wait(br, br->rate > 0 ? 1 : 200);
		if (ret > 0)
			last = now_s();
	}
	if (ret == -EINTR && stopped())
		ret = 0;
	/* what is in flight comes back before the device closes */
	while (ret >= 0 && br->inflight) {
		ret = blk_wait(br, WAIT_MS);
		if (!ret)
			ret = -ETIMEDOUT;
	}
	return ret < 0 ? ret : 0;
}

static int blk_victim(double rate, struct vres *r, struct buckets *b)
{
	struct blkrun *br = calloc(1, sizeof(*br));
	long long ns0;
	int fd, ret, wtid;
	double t;

	if (!br)
		return -ENOMEM;
	br->blocks = VICTIM_BLOCKS;
	br->check = true;
	br->seed = 0x9e3779b97f4a7c15ULL ^ getpid();
	br->msg = r->msg;
	ret = blk_open(br, o.vdisk, &fd);
	if (ret) {
		free(br);
		return ret;
	}
	wtid = find_worker();
	/* latency: one request at a time, back to back */
	br->depth = 1;
	ret = blk_run(br, o.secs / 2);
	if (!ret && br->nlat) {
		qsort(samples, br->nlat, sizeof(samples[0]), cmp_double);
		r->lat_us = samples[br->nlat / 2];
	}
	/* throughput: iodepth 4 at the rate */
	br->depth = VICTIM_DEPTH;
	br->rate = rate;
	br->b = b;
	br->done = 0;
	br->started = 0;
	ns0 = worker_ns(wtid);
	t = now_s();
	if (!ret)
		ret = blk_run(br, o.secs);
	t = now_s() - t;
	r->wcpu = cpu_share(ns0, worker_ns(wtid), t);
	r->done = br->done;
	r->tput = br->done / t;
	vbk_close(&br->d);
	close(fd);
	free(br);
	return ret;
}

/* ---- aggressors: flat out until SIGUSR1 ---- */

static int aggr_net_tx(struct ares *a)
{
	struct nt_guest g;
	struct nt_tap tap;
	struct nt_queue *q = &g.q[NT_TX];
	double last = now_s();
	int ret;

	ret = net_open(&tap, &g, "vhafa", true);
	if (ret)
		return ret;
	close(tap.pkt);
	tap.pkt = -1;
	tx_fill(&g, 0);
	vha_drv_disable_cb(&g.vt.vq[NT_TX].drv);
	while (!stopped()) {
		post_many(&g, NT_TX, g.hlen + FRAME, q->nfree);
		ret = reap(&g, NT_TX, NULL, NULL);
		if (ret < 0)
			break;
		a->done += ret;
		if (ret) {
			last = now_s();
			continue;
		}
		if (now_s() - last > WAIT_MS / 1000.0) {
			ret = -ETIMEDOUT;
			break;
		}
		ret = wait_used(&g, NT_TX, (q->num - q->nfree) * 3 / 4, 200);
		if (ret < 0)
			break;
	}
	if (ret == -EINTR && stopped())
		ret = 0;
	nt_guest_close(&g);
	nt_tap_close(&tap);
	return ret < 0 ? ret : 0;
}

/*
 * 1-byte receive buffers and no MRG_RXBUF: no frame fits, and the device
 * has to take and drop every frame the writer floods the tap with.
 * Counted: frames the tap accepted beyond what its queue holds (the
 * device must have taken those).
 */
static int aggr_net_rx1(struct ares *a)
{
	static struct mmsghdr m[BURST];
	struct sockaddr_ll sll;
	struct iovec iov;
	struct nt_guest g;
	struct nt_tap tap;
	unsigned long sent = 0, it = 0;
	long long qlen;
	char path[96];
	int one = 1, i, ret;

	ret = net_open(&tap, &g, "vhafr", false);
	if (ret)
		return ret;
	setsockopt(tap.pkt, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		   sizeof(one));
	post_many(&g, NT_RX, 1, g.q[NT_RX].num);
	nt_frame(frame, FRAME, 0, 0);
	iov = (struct iovec){ frame, FRAME };
	sll = (struct sockaddr_ll){ .sll_family = AF_PACKET,
				    .sll_ifindex = tap.ifindex,
				    .sll_halen = 6 };
	for (i = 0; i < BURST; i++)
		m[i].msg_hdr = (struct msghdr){ .msg_name = &sll,
						.msg_namelen = sizeof(sll),
						.msg_iov = &iov,
						.msg_iovlen = 1 };
	while (!stopped()) {
		ret = sendmmsg(tap.pkt, m, BURST, 0);
		if (ret > 0)
			sent += ret;
		else if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
			break;
		/* a device that used a 1-byte buffer: give it back */
		if (++it % 64 == 0 && reap(&g, NT_RX, NULL, NULL) > 0)
			post_many(&g, NT_RX, 1, g.q[NT_RX].nfree);
	}
	ret = stopped() ? 0 : -errno;
	snprintf(path, sizeof(path), "/sys/class/net/%s/tx_queue_len",
		 tap.name);
	qlen = read_number(path);
	a->done = sent > (unsigned long)(qlen > 0 ? qlen : 0) ?
		  sent - (qlen > 0 ? qlen : 0) : 0;
	nt_guest_close(&g);
	nt_tap_close(&tap);
	return ret;
}

static int aggr_blk(struct ares *a)
{
	struct blkrun *br = calloc(1, sizeof(*br));
	int fd, ret;

	if (!br)
		return -ENOMEM;
	br->depth = AGGR_DEPTH;
	br->seed = 0x2545f4914f6cdd1dULL ^ getpid();
	br->msg = a->msg;
	ret = blk_open(br, o.adisk, &fd);
	if (ret) {
		free(br);
		return ret;
	}
	ret = blk_run(br, -1);
	a->done = br->done;
	vbk_close(&br->d);
	close(fd);
	free(br);
	return ret;
}

/* ---- owners ---- */

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

/* Fork an owner; the child runs @fn(@arg, write end) and exits. */
static pid_t owner(void (*fn)(int, int), int arg, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!pid) {
		close(p[0]);
		fn(arg, p[1]);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

static double g_rate;		/* the victim's rate, set before the fork */

static void victim_main(int kind, int wfd)
{
	struct buckets *b = calloc(1, sizeof(*b));
	struct vres r = { 0 };

	if (!b) {
		r.err = -ENOMEM;
	} else {
		r.err = kind == V_NET ? net_victim(g_rate, &r, b)
				      : blk_victim(g_rate, &r, b);
		windows(b, o.secs, &r);
	}
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
}

static void aggr_main(int kind, int wfd)
{
	struct ares a = { 0 };
	double t0;

	t0 = now_s();
	a.err = kind == A_NET_TX ? aggr_net_tx(&a) :
		kind == A_NET_RX1 ? aggr_net_rx1(&a) : aggr_blk(&a);
	a.secs = now_s() - t0;
	if (write(wfd, &a, sizeof(a)) != sizeof(a))
		_exit(1);
}

static int read_all(int fd, void *buf, size_t len)
{
	ssize_t n;
	size_t off = 0;

	while (off < len) {
		n = read(fd, (char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		off += n;
	}
	return 0;
}

static void run_victim(enum vkind v, double rate, struct vres *r)
{
	int fd, st;
	pid_t pid;

	g_rate = rate;
	memset(r, 0, sizeof(*r));
	pid = owner(victim_main, v, &fd);
	if (pid < 0) {
		r->err = -errno;
		return;
	}
	if (read_all(fd, r, sizeof(*r))) {
		memset(r, 0, sizeof(*r));
		r->err = -EPIPE;
		snprintf(r->msg, sizeof(r->msg), "victim owner died");
	}
	close(fd);
	waitpid(pid, &st, 0);
}

/*
 * Start aggressor @a; return once its device's worker exists and it ran
 * for a moment: its pid, or -1 with @r->err set.
 */
static pid_t start_aggr(enum akind a, int *fd, int *wtid, struct ares *r)
{
	pid_t pid = owner(aggr_main, a, fd);
	double t0 = now_s();

	*wtid = 0;
	if (pid < 0) {
		r->err = -errno;
		return -1;
	}
	while (!(*wtid = worker_of(pid)) && now_s() - t0 < 10)
		sleep_s(0.02);
	if (*wtid)
		pin(*wtid);
	sleep_s(0.3);
	return pid;
}

static void stop_aggr(pid_t pid, int fd, struct ares *r)
{
	int st;

	kill(pid, SIGUSR1);
	if (read_all(fd, r, sizeof(*r))) {
		memset(r, 0, sizeof(*r));
		r->err = -EPIPE;
		snprintf(r->msg, sizeof(r->msg), "aggressor owner died");
	}
	close(fd);
	waitpid(pid, &st, 0);
}

/* The victim once while aggressor @a runs. */
static void run_together(enum vkind v, enum akind a, double rate,
			 struct vres *r, struct ares *ar)
{
	long long w0, w1, p0, p1;
	char path[64];
	int fd, wtid;
	double t;
	pid_t pid;

	memset(ar, 0, sizeof(*ar));
	pid = start_aggr(a, &fd, &wtid, ar);
	if (pid < 0) {
		memset(r, 0, sizeof(*r));
		r->err = -EAGAIN;
		return;
	}
	if (!wtid)
		printf("# no worker thread found for aggressor %d\n", pid);
	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	w0 = worker_ns(wtid);
	p0 = read_number(path);
	t = now_s();
	run_victim(v, rate, r);
	t = now_s() - t;
	w1 = worker_ns(wtid);
	p1 = read_number(path);
	stop_aggr(pid, fd, ar);
	ar->wcpu = cpu_share(w0, w1, t);
	ar->ocpu = cpu_share(p0, p1, t);
}

/* ---- pairings ---- */

struct pairing {
	enum vkind v;
	enum akind a;
	int n;
	double tput[2][MAX_ROUNDS];	/* [alone, together] */
	double lat[2][MAX_ROUNDS];
	double vcpu[2][MAX_ROUNDS];
	double min_win;			/* smallest 1 s window, together */
	double aggr_rate[MAX_ROUNDS];
	double aggr_wcpu[MAX_ROUNDS];
	double aggr_ocpu[MAX_ROUNDS];
	bool victim_ok, aggr_ok;
	char why[160];
	/* the summary */
	double ratio, paired, lat_ratio;
};

static double target[2];		/* victims' rates, from calibration */
static double maxrate[2];
static int failures;

static const char *err_str(int err, const char *msg)
{
	return msg && msg[0] ? msg : strerror(-err);
}

static void calibrate(enum vkind v)
{
	struct vres r;

	if (maxrate[v] > 0)
		return;
	run_victim(v, 0, &r);
	if (r.err) {
		printf("# calibration of the %s victim failed: %s\n", vname[v],
		       err_str(r.err, r.msg));
		failures++;
		maxrate[v] = -1;
		return;
	}
	maxrate[v] = r.tput;
	target[v] = o.frac < 1 ? o.frac * r.tput : 0;
	printf("# %s victim alone, no limit: %.0f/s (worker CPU %.2f); its rate: %.0f/s\n",
	       vname[v], r.tput, r.wcpu, target[v]);
}

static void one_round(struct pairing *p, int round)
{
	struct vres r;
	struct ares ar;
	int k, mode, i = p->n;

	for (k = 0; k < 2; k++) {
		mode = round % 2 ? k : 1 - k;	/* odd rounds: alone first */
		if (mode)
			run_together(p->v, p->a, target[p->v], &r, &ar);
		else
			run_victim(p->v, target[p->v], &r);
		if (r.err || r.tput <= 0 || r.done <= 0) {
			p->victim_ok = false;
			snprintf(p->why, sizeof(p->why), "victim %s: %s",
				 mode ? "together" : "alone",
				 r.err ? err_str(r.err, r.msg) : "moved nothing");
		}
		p->tput[mode][i] = r.tput;
		p->lat[mode][i] = r.lat_us;
		p->vcpu[mode][i] = r.wcpu;
		printf("# result label=%s pairing=%s/%s round=%d mode=%s tput=%.1f lat_us=%.1f min_win=%.0f victim_wcpu=%.2f",
		       o.label, vname[p->v], aname[p->a], round,
		       mode ? "together" : "alone", r.tput, r.lat_us,
		       r.min_win, r.wcpu);
		if (mode) {
			if (p->min_win < 0 || r.min_win < p->min_win)
				p->min_win = r.min_win;
			p->aggr_rate[i] = ar.secs > 0 ? ar.done / ar.secs : 0;
			p->aggr_wcpu[i] = ar.wcpu;
			p->aggr_ocpu[i] = ar.ocpu;
			printf(" aggr_done=%.0f aggr_rate=%.1f aggr_wcpu=%.2f aggr_owner_cpu=%.2f",
			       ar.done, p->aggr_rate[i], ar.wcpu, ar.ocpu);
			if (ar.err || ar.done <= 0) {
				p->aggr_ok = false;
				snprintf(p->why, sizeof(p->why),
					 "aggressor: %s", ar.err ?
					 err_str(ar.err, ar.msg) :
					 "moved nothing");
			}
		}
		if (r.err)
			printf(" error=\"%s\"", err_str(r.err, r.msg));
		printf("\n");
		fflush(stdout);
	}
	p->n++;
}

static void summarize(struct pairing *p)
{
	double pr[MAX_ROUNDS];
	int i, n = 0;

	for (i = 0; i < p->n; i++)
		if (p->tput[0][i] > 0)
			pr[n++] = p->tput[1][i] / p->tput[0][i];
	p->paired = median(pr, n);
	p->ratio = median(p->tput[0], p->n) > 0 ?
		   median(p->tput[1], p->n) / median(p->tput[0], p->n) : 0;
	p->lat_ratio = median(p->lat[0], p->n) > 0 ?
		       median(p->lat[1], p->n) / median(p->lat[0], p->n) : 0;
	printf("# summary label=%s pairing=%s/%s rounds=%d tput_alone=%.1f tput_together=%.1f tput_ratio=%.2f tput_ratio_paired=%.2f lat_alone_us=%.1f lat_together_us=%.1f lat_ratio=%.2f min_win=%.0f aggr_rate=%.1f aggr_wcpu=%.2f aggr_owner_cpu=%.2f victim_wcpu_alone=%.2f victim_wcpu_together=%.2f goal=0.8 met=%s\n",
	       o.label, vname[p->v], aname[p->a], p->n, median(p->tput[0], p->n),
	       median(p->tput[1], p->n), p->ratio, p->paired,
	       median(p->lat[0], p->n), median(p->lat[1], p->n), p->lat_ratio,
	       p->min_win, median(p->aggr_rate, p->n),
	       median(p->aggr_wcpu, p->n), median(p->aggr_ocpu, p->n),
	       median(p->vcpu[0], p->n), median(p->vcpu[1], p->n),
	       p->paired >= 0.8 ? "yes" : "no");
}

static void table(struct pairing *ps, int np)
{
	int i;

	printf("# %-16s | %-9s %-9s %-6s %-6s | %-8s %-8s %-6s | %-7s | goal 0.8\n",
	       "victim/aggressor", "alone/s", "togeth/s", "ratio", "paired",
	       "lat us", "lat us", "ratio", "min 1s");
	for (i = 0; i < np; i++) {
		struct pairing *p = &ps[i];
		char name[32];

		snprintf(name, sizeof(name), "%s/%s", vname[p->v],
			 aname[p->a]);
		printf("# %-16s | %9.0f %9.0f %6.2f %6.2f | %8.0f %8.0f %6.2f | %7.0f | %s\n",
		       name, median(p->tput[0], p->n), median(p->tput[1], p->n),
		       p->ratio, p->paired, median(p->lat[0], p->n),
		       median(p->lat[1], p->n), p->lat_ratio, p->min_win,
		       p->paired >= 0.8 ? "met" : "missed");
	}
}

static void tap_points(struct pairing *p, int *n)
{
	char name[32];

	snprintf(name, sizeof(name), "%s/%s", vname[p->v], aname[p->a]);
	printf("%sok %d - %s: the victim moved checked data alone and together in %d rounds%s%s\n",
	       p->victim_ok ? "" : "not ", ++*n, name, p->n,
	       p->victim_ok ? "" : ": ", p->victim_ok ? "" : p->why);
	printf("%sok %d - %s: the aggressor moved data (median %.0f/s)%s%s\n",
	       p->aggr_ok ? "" : "not ", ++*n, name, median(p->aggr_rate, p->n),
	       p->aggr_ok ? "" : ": ", p->aggr_ok ? "" : p->why);
	printf("%sok %d - %s: the victim completed work in every 1 s window while the aggressor ran (fewest %.0f)\n",
	       p->min_win > 0 ? "" : "not ", ++*n, name, p->min_win);
	failures += !p->victim_ok + !p->aggr_ok + !(p->min_win > 0);
}

/* Block n of @disk: n, then zeros, then ~n (the victim checks both). */
static int write_pattern(const char *disk)
{
	uint8_t *buf;
	uint64_t n, z;
	int fd, ret = 0;

	fd = open(disk, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0 || posix_memalign((void **)&buf, 4096, BLK_BS))
		return -errno;
	memset(buf, 0, BLK_BS);
	for (n = 0; n < VICTIM_BLOCKS && !ret; n++) {
		z = ~n;
		memcpy(buf, &n, 8);
		memcpy(buf + BLK_BS - 8, &z, 8);
		if (pwrite(fd, buf, BLK_BS, n * BLK_BS) != BLK_BS)
			ret = -errno ? -errno : -EIO;
	}
	if (!ret && fsync(fd))
		ret = -errno;
	free(buf);
	close(fd);
	return ret;
}

static const struct {
	const char *name;
	enum vkind v;
	enum akind a;
} all_pairings[] = {
	{ "net/net-tx", V_NET, A_NET_TX },
	{ "net/net-rx1", V_NET, A_NET_RX1 },
	{ "net/blk", V_NET, A_BLK },
	{ "blk/net-tx", V_BLK, A_NET_TX },
	{ "blk/net-rx1", V_BLK, A_NET_RX1 },
	{ "blk/blk", V_BLK, A_BLK },
};

static void usage(void)
{
	fprintf(stderr,
		"Usage: vha-fairness [-t secs] [-r rounds] [-f fraction] [-p pairings]\n"
		"       [-V victim_disk] [-A aggressor_disk] [-l label] [-c cpu|-1] [--tap]\n"
		"pairings: comma-separated, of");
	for (size_t i = 0; i < ARRAY_SIZE(all_pairings); i++)
		fprintf(stderr, " %s", all_pairings[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "tap", no_argument, NULL, 'T' }, { 0 }
	};
	struct pairing ps[ARRAY_SIZE(all_pairings)];
	const char *sel = "net/net-tx,net/net-rx1,net/blk,blk/net-tx,blk/net-rx1,blk/blk";
	struct sigaction sa = { .sa_handler = on_usr1 };
	int opt, np = 0, n = 0, r, ret;
	size_t i;
	char *list, *tok, *save;

	while ((opt = getopt_long(argc, argv, "t:r:f:p:V:A:l:c:", lopts,
				  NULL)) != -1) {
		switch (opt) {
		case 't':
			o.secs = atof(optarg);
			break;
		case 'r':
			o.rounds = atoi(optarg);
			break;
		case 'f':
			o.frac = atof(optarg);
			break;
		case 'p':
			sel = optarg;
			break;
		case 'V':
			o.vdisk = optarg;
			break;
		case 'A':
			o.adisk = optarg;
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'T':
			o.tap = true;
			break;
		case 'c':
			o.cpu = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (o.secs < 1 || o.secs > 60 || o.rounds < 1 ||
	    o.rounds > MAX_ROUNDS || o.frac <= 0)
		usage();
	list = strdup(sel);
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_SIZE(all_pairings); i++)
			if (!strcmp(tok, all_pairings[i].name))
				break;
		if (i == ARRAY_SIZE(all_pairings))
			usage();
		memset(&ps[np], 0, sizeof(ps[np]));
		ps[np].v = all_pairings[i].v;
		ps[np].a = all_pairings[i].a;
		ps[np].min_win = -1;
		ps[np].victim_ok = ps[np].aggr_ok = true;
		if ((ps[np].v == V_BLK && !o.vdisk) ||
		    (ps[np].a == A_BLK && !o.adisk))
			usage();
		np++;
	}
	sigaction(SIGUSR1, &sa, NULL);
	pin(0);		/* the owners, forked from here, too */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.tap)
		printf("TAP version 13\n1..%d\n", 3 * np);
	printf("# label %s: %d pairings, %d rounds of %.1f s (+ %.1f s latency), victims at %.2f of their unlimited rate, %s\n",
	       o.label, np, o.rounds, o.secs, o.secs / 2, o.frac,
	       o.cpu < 0 ? "threads anywhere" : "all threads on one CPU");
	if (o.vdisk) {
		ret = write_pattern(o.vdisk);
		if (ret) {
			printf("# cannot write the victim disk %s: %s\n",
			       o.vdisk, strerror(-ret));
			return 1;
		}
	}
	for (i = 0; i < (size_t)np; i++) {
		calibrate(ps[i].v);
		if (maxrate[ps[i].v] < 0) {
			ps[i].victim_ok = false;
			snprintf(ps[i].why, sizeof(ps[i].why),
				 "calibration failed");
		} else {
			for (r = 1; r <= o.rounds; r++)
				one_round(&ps[i], r);
		}
		summarize(&ps[i]);
		if (o.tap)
			tap_points(&ps[i], &n);
	}
	table(ps, np);
	free(list);
	return failures ? 1 : 0;
}
