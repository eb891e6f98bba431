// SPDX-License-Identifier: GPL-2.0
/*
 * vha-net-bench: speed of whatever module answers /dev/vhost-net (ours or
 * the distribution's), driven as a guest would drive it (tools/vhost-test),
 * or (-b user) of vnet_user (tools/vnet-user), a userspace device on the
 * same rings and the same tap doing what QEMU does with vhost=off.
 *
 *   vha-net-bench [-b vhost|user] [-r split|packed] [-t SECONDS]
 *                 [-m tx,rx,lat]
 *   vha-net-bench [-r split|packed] [-t SECONDS] [-m tx,rx] [-q PAIRS]
 *                 [-d DEVICES] [-P BUSYPOLL_US] [-s SIZE]
 *
 *   guest rings <-> /dev/vhost-net <-> tap fd | tap netdev <-> AF_PACKET
 *   guest rings <-> vnet_user threads (writev/readv) <-> tap fd | ...
 *
 * With -b user no /dev/vhost-net is opened: the rings live in this
 * process's memory as before, and vnet_user's two threads (RX, TX), woken
 * by the same kick eventfds, serve them and write the same call eventfds.
 *
 * Metrics, each on a fresh tap and a fresh device, ring of 256 entries,
 * VERSION_1 + MRG_RXBUF + EVENT_IDX, one descriptor per packet (header and
 * frame contiguous, as a modern Linux guest posts a linear skb):
 *
 *   tx_pps  guest TX ring kept full -> vhost -> tap -> host stack. Counted
 *           on the tap's rx_packets (frames the stack received), per second.
 *           Nobody reads them: the stack drops them (unknown ethertype).
 *           The guest asks for a used notification after 3/4 of what is in
 *           flight (as virtio-net's enable_cb_delayed). The 64000-byte
 *           point sends TCP frames with a TSO header (gso_size 1448) from
 *           a ring of 64 big buffers: what a guest's TCP stream sends; the
 *           stack drops them unsegmented (not addressed to it).
 *   rx_pps  an AF_PACKET writer (sendmmsg, 32 a call, qdisc bypassed) sends
 *           into the tap -> vhost -> guest RX ring, at most 128 frames in
 *           flight; counted as used RX entries the guest saw, per second.
 *   lat_us  one packet in flight, round trip: the guest posts a frame on TX
 *           and kicks; vhost sends it to the tap; an AF_PACKET socket reads
 *           it on the tap's network side and writes it back; vhost receives
 *           it into the guest RX ring and signals the call eventfd, which
 *           the guest waits on. Median of all round trips, microseconds.
 *   lat_tx_us  half of it: one packet posted on TX and kicked, until the
 *           guest, woken by the call eventfd, sees its used entry.
 *   lat_rx_us  the other half: one frame written into the tap (AF_PACKET,
 *           through the qdisc), until the guest, woken by the call eventfd,
 *           sees it in its RX ring.
 *
 * tx_pps and rx_pps also report the device's own cost: the CPU time its
 * worker thread (the kthread "vhost-<our pid>", named so by both modules;
 * with -b user vnet_user's two threads together) ran during the
 * measurement, per packet (tx_cpu_ns, rx_cpu_ns; from
 * /proc/<tid>/schedstat). Packets/s are paced by whichever side is slower,
 * often this program, and swing with the host's load; CPU time per packet
 * is what the device's code costs, and it is steadier.
 *
 * The sizes are Ethernet frame lengths (64 and 1500 bytes, without the
 * virtio-net header). Writer and guest run in one thread: the device's
 * worker gets the other CPU. Output, one line per point:
 *
 *   # result metric=tx_pps size=64 ring=split value=12345
 *
 * Scaling points (-q, -d, -P, -s; only tx_pps and rx_pps): -d D devices
 * (1..16) open at once, each in a process of its own (its owner) with a
 * tap of its own, each with -q Q queue pairs (1..4: Q vhost-net files on
 * one multiqueue tap, as QEMU gives a VIRTIO_NET_F_MQ guest), every
 * virtqueue on a worker of its own; -P the busy-poll timeout in us on
 * every queue (VHOST_SET_VRING_BUSYLOOP_TIMEOUT; default 0, notification
 * mode); -s the frame size (60..1514, default 64). Packets/s are summed
 * over the devices, worker CPU per packet over all workers of all devices:
 *
 *   # result metric=tx_pps size=64 ring=split queues=4 devices=1
 *     mode=notify|busypoll value=12345
 *   # result metric=tx_cpu_ns size=64 ring=split queues=4 devices=1
 *     mode=notify|busypoll value=1234.5
 *
 * Exit status 0 only if every point ran (a stuck ring or lost frames fail).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#include "bench_procs.h"
#include "net_lib.h"
#include "uapi/linux/vhost_accel.h"
#include "vnet_user.h"

enum {
	NB_TAP_HLEN = 12,
	NB_BURST = 32,		/* frames per kick / per sendmmsg */
	NB_RX_WINDOW = 128,	/* rx_pps: frames written, not yet received */
	NB_WAIT_MS = 1000,
	NB_MAX_SAMPLES = 200000,
	NB_GSO = 64000,		/* tx_pps of TCP frames this long (TSO) */
	NB_GSO_RING = 64,
	NB_GSO_BUF = 65536 + 128,
};

struct bench {
	struct nt_tap tap;
	struct nt_guest g;
	const char *ring;
	bool gso;		/* TX of 64 KB TCP frames: big buffers */
	struct vnet_user *vu;	/* -b user: the device, else NULL */
	int worker[2];		/* the device's threads, worker[0] 0 if none */
	double cpu_ns;		/* their CPU time per packet, < 0 if unknown */
};

static uint8_t frame[NT_MAX_FRAME], got[NT_MAX_FRAME];
static double samples[NB_MAX_SAMPLES];
static int failures;
static bool user;		/* -b user */
/* Notifications each way during a point: kicks we sent, calls we slept on. */
static unsigned long kicks, sleeps;

/* Publish what was added to queue @idx; kick if the device asked for it. */
static void kick(struct nt_guest *g, unsigned int idx)
{
	struct vha_drv *d = &g->vt.vq[idx].drv;

	vha_drv_publish(d);
	if (vha_drv_need_kick(d)) {
		kicks++;
		vha_vt_kick(&g->vt, idx);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void diag(const char *what, size_t len, const char *ring,
		 const char *fmt, double v)
{
	printf("# %s %zu %s: ", what, len, ring);
	printf(fmt, v);
	printf("\n");
	fflush(stdout);
}

/* The first number in the file at @path, or -1. */
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

/* The device's workers: the kthreads "vhost-<our pid>", at most @max. */
static unsigned int find_workers(int *tids, unsigned int max)
{
	char want[32], comm[32], path[300];
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;
	FILE *f;

	snprintf(want, sizeof(want), "vhost-%d\n", getpid());
	d = opendir("/proc");
	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want))
			tids[n++] = atoi(de->d_name);
		fclose(f);
	}
	closedir(d);
	return n;
}

/* The device's (first) worker, 0 if none. */
static int find_worker(void)
{
	int tid = 0;

	find_workers(&tid, 1);
	return tid;
}

/* CPU time threads @tids ran, in ns (schedstat's first field), or -1. */
static long long tids_ns(const int *tids, unsigned int n)
{
	long long ns, sum = 0;
	char path[64];
	unsigned int i;

	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/schedstat", tids[i]);
		ns = read_number(path);
		if (ns < 0)
			return -1;
		sum += ns;
	}
	return sum;
}

/* CPU time the device's threads ran, in ns, or -1. */
static long long worker_ns(const struct bench *b)
{
	if (!b->worker[0])
		return -1;
	return tids_ns(b->worker, b->worker[1] ? 2 : 1);
}

/* Worker CPU per packet since @ns0 (from worker_ns()) into b->cpu_ns. */
static void worker_cost(struct bench *b, long long ns0, double pkts)
{
	long long ns1 = worker_ns(b);

	b->cpu_ns = ns0 >= 0 && ns1 >= ns0 && pkts > 0 ? (ns1 - ns0) / pkts : -1;
}

/*
 * -b user: vnet_user on the guest's rings and the tap, with the features
 * the guest has (as QEMU's virtio-net offers them over vhost=off).
 */
static int user_start(struct bench *b)
{
	struct vha_vt *vt = &b->g.vt;
	struct vnet_user_region mem = { vt->gpa, vt->size, vt->mem };
	struct vnet_user_cfg cfg = {
		.regions = &mem, .nregions = 1,
		.packed = b->g.features & (1ULL << VIRTIO_F_RING_PACKED),
		.event_idx = true, .indirect = true,
		.mrg_rxbuf = b->g.features & (1ULL << VIRTIO_NET_F_MRG_RXBUF),
		.hdr_len = b->g.hlen, .tap = b->tap.fd[0],
	};
	struct vha_drv *drv;
	unsigned int q;
	int ret;

	for (q = 0; q < VNET_USER_QUEUES; q++) {
		drv = &vt->vq[q].drv;
		cfg.q[q] = (struct vnet_user_queue){
			.desc = vha_vt_hva(vt, drv->desc),
			.avail = vha_vt_hva(vt, drv->avail),
			.used = vha_vt_hva(vt, drv->used),
			.num = drv->cfg.num, .kick = vt->vq[q].kick,
			.call = vt->vq[q].call,
		};
	}
	ret = vnet_user_start(&b->vu, &cfg);
	if (ret)
		return ret;
	b->worker[0] = vnet_user_tid(b->vu, VNET_USER_RX);
	b->worker[1] = vnet_user_tid(b->vu, VNET_USER_TX);
	return 0;
}

static int backend_set(struct bench *b)
{
	int ret;

	if (user)
		return user_start(b);
	ret = nt_set_backend(&b->g, NT_RX, b->tap.fd[0]);
	if (!ret)
		ret = nt_set_backend(&b->g, NT_TX, b->tap.fd[0]);
	if (!ret)
		b->worker[0] = find_worker();
	return ret;
}

static int bench_open(struct bench *b, bool packed)
{
	struct nt_cfg cfg;
	int ret;

	nt_default_cfg(&cfg);
	cfg.packed = packed;
	cfg.no_device = user;
	if (b->gso) {
		cfg.num = NB_GSO_RING;
		cfg.tx_bufsz = NB_GSO_BUF;
	}
	ret = nt_tap_open(&b->tap, "vhab0", true, NB_TAP_HLEN, 1);
	if (ret)
		return ret;
	ret = nt_guest_open(&b->g, &cfg);
	if (ret) {
		nt_tap_close(&b->tap);
		return ret;
	}
	ret = backend_set(b);
	if (ret) {
		nt_guest_close(&b->g);
		nt_tap_close(&b->tap);
		return ret;
	}
	b->cpu_ns = -1;
	return 0;
}

/* -b user: what vnet_user did per packet, and why a queue stopped. */
static void user_report(const struct bench *b, const char *metric,
			size_t len)
{
	static const char *const qname[] = { "rx", "tx" };
	struct vnet_user_stats st;
	const char *why;
	unsigned int q;
	double n;

	for (q = 0; q < VNET_USER_QUEUES; q++) {
		vnet_user_stats(b->vu, q, &st);
		n = st.packets ? st.packets : 1;
		if (st.packets || st.dropped || st.bad_chains)
			printf("# user %s %zu %s %s: %llu packets, %llu dropped, %llu bad chains; per packet %.3f wake-ups, %.3f kicks, %.3f used batches, %.3f calls\n",
			       metric, len, b->ring, qname[q],
			       (unsigned long long)st.packets,
			       (unsigned long long)st.dropped,
			       (unsigned long long)st.bad_chains,
			       st.wakeups / n, st.kicks / n, st.batches / n,
			       st.calls / n);
		why = vnet_user_failure(b->vu, q);
		if (why) {
			printf("# error metric=%s size=%zu ring=%s: vnet_user %s queue: %s\n",
			       metric, len, b->ring, qname[q], why);
			failures++;
		}
	}
}

/* vnet_user first: its threads use the memory nt_guest_close() unmaps. */
static void bench_close(struct bench *b, const char *metric, size_t len)
{
	if (b->vu) {
		user_report(b, metric, len);
		vnet_user_stop(b->vu);
		b->vu = NULL;
	}
	nt_guest_close(&b->g);
	nt_tap_close(&b->tap);
}

/*
 * Every TX buffer holds a header and the frame: posts copy nothing. A
 * frame of NB_GSO bytes is a TCP segment for the tap to offload, as a
 * guest's TSO sends it.
 */
static void tx_fill(struct nt_guest *g, size_t len)
{
	struct nt_queue *q = &g->q[NT_TX];
	struct virtio_net_hdr_mrg_rxbuf h = {};
	uint8_t *p;
	uint32_t bn;

	if (len == NB_GSO) {
		nt_tcp_gso_frame(frame, len - 54, 0);
		nt_tcp_gso_hdr(&h);
	} else {
		nt_frame(frame, len, 0, 0);
	}
	for (bn = 0; bn < q->num; bn++) {
		p = vha_vt_ptr(&g->vt, nt_buf_gpa(q, bn), g->hlen + len);
		memcpy(p, &h, g->hlen);
		memcpy(p + g->hlen, frame, len);
	}
}

/* Post up to @max free buffers, publishing every NB_BURST: number posted. */
static unsigned int post_many(struct nt_guest *g, unsigned int idx,
			      uint32_t len, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && !nt_post_buf(g, idx, len))
		if (++n % NB_BURST == 0)
			kick(g, idx);
	if (n % NB_BURST)
		kick(g, idx);
	return n;
}

/*
 * Take every used entry of queue @idx now, freeing their buffers: the
 * number taken, or -errno. With @want_len, each must be that long.
 */
static int reap(struct nt_guest *g, unsigned int idx, uint32_t want_len)
{
	struct vha_drv *d = &g->vt.vq[idx].drv;
	struct nt_queue *q = &g->q[idx];
	uint32_t len;
	uint16_t id;
	int n = 0, ret;

	for (;;) {
		ret = vha_drv_get_used(d, &id, &len, NULL);
		if (ret < 0)
			return ret;
		if (!ret)
			return n;
		if (want_len && len != want_len)
			return -EPROTO;
		q->free[q->nfree++] = q->buf_of_id[id];
		n++;
	}
}

/*
 * Sleep until the device signals queue @idx, asking for the signal after
 * @after more used entries: 1 (or used entries already there), 0 timeout.
 */
static int wait_used(struct nt_guest *g, unsigned int idx, uint16_t after)
{
	struct vha_drv *d = &g->vt.vq[idx].drv;
	int ret = 1;

	vha_drv_delay_cb(d, after ? after : 1);
	if (!nt_used_pending(g, idx)) {
		sleeps++;
		ret = vha_vt_wait(&g->vt, idx, NB_WAIT_MS);
	}
	vha_drv_disable_cb(d);
	return ret;
}

/* Counter @name of tap @tap (its statistics in sysfs), or -1. */
static long long tap_stat(const char *tap, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", tap,
		 name);
	return read_number(path);
}

static long long tap_counter(const struct bench *b, const char *name)
{
	return tap_stat(b->tap.name, name);
}

/* Wait for every TX buffer to come back (the ring quiet before close). */
static int tx_settle(struct nt_guest *g)
{
	struct nt_queue *q = &g->q[NT_TX];
	int r;

	while (q->nfree < q->num) {
		r = reap(g, NT_TX, 0);
		if (r < 0)
			return r;
		if (!r && wait_used(g, NT_TX, 1) <= 0)
			return -ETIMEDOUT;
	}
	return 0;
}

static int tx_pps(struct bench *b, size_t len, double secs, double *pps)
{
	struct nt_guest *g = &b->g;
	struct nt_queue *q = &g->q[NT_TX];
	long long rx0, rx1, ns0;
	double t0, t;
	unsigned long done = 0;
	int r;

	close(b->tap.pkt);	/* nobody reads the tap's network side */
	b->tap.pkt = -1;
	tx_fill(g, len);
	vha_drv_disable_cb(&g->vt.vq[NT_TX].drv);
	rx0 = tap_counter(b, "rx_packets");
	ns0 = worker_ns(b);
	t0 = now_s();
	do {
		post_many(g, NT_TX, g->hlen + len, q->num);
		r = reap(g, NT_TX, 0);
		if (r < 0)
			return r;
		if (!r && wait_used(g, NT_TX, (q->num - q->nfree) * 3 / 4) <= 0)
			return -ETIMEDOUT;
		done += r;
	} while (now_s() - t0 < secs);
	rx1 = tap_counter(b, "rx_packets");
	t = now_s() - t0;
	worker_cost(b, ns0, rx1 - rx0);
	if (rx0 < 0 || rx1 < 0 || rx1 - rx0 > (long long)(done + q->num))
		return -EPROTO;
	*pps = (rx1 - rx0) / t;
	diag("tx used entries", len, b->ring, "%.0f/s", done / t);
	return tx_settle(g);
}

/* Send up to @n copies of frame[0..len) into the tap: number sent. */
static int write_frames(struct bench *b, size_t len, unsigned int n)
{
	static struct mmsghdr m[NB_BURST];
	static struct iovec iov;
	static struct sockaddr_ll sll;
	unsigned int i;
	int r;

	iov = (struct iovec){ frame, len };
	sll = (struct sockaddr_ll){ .sll_family = AF_PACKET,
				    .sll_ifindex = b->tap.ifindex,
				    .sll_halen = 6 };
	for (i = 0; i < n && i < NB_BURST; i++)
		m[i].msg_hdr = (struct msghdr){ .msg_name = &sll,
						.msg_namelen = sizeof(sll),
						.msg_iov = &iov,
						.msg_iovlen = 1 };
	r = sendmmsg(b->tap.pkt, m, i, 0);
	if (r < 0)
		return errno == EAGAIN || errno == ENOBUFS ? 0 : -errno;
	return r;
}

static int rx_pps(struct bench *b, size_t len, double secs, double *pps)
{
	struct nt_guest *g = &b->g;
	struct nt_queue *q = &g->q[NT_RX];
	unsigned long sent = 0, recvd = 0, lost = 0;
	int one = 1, r, w;
	long long ns0;
	double t0, t;

	setsockopt(b->tap.pkt, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		   sizeof(one));
	nt_frame(frame, len, 0, 0);
	post_many(g, NT_RX, q->bufsz, q->num);
	vha_drv_disable_cb(&g->vt.vq[NT_RX].drv);
	ns0 = worker_ns(b);
	t0 = now_s();
	do {
		w = NB_RX_WINDOW - (int)(sent - recvd);
		if (w > 0) {
			r = write_frames(b, len, w);
			if (r < 0)
				return r;
			sent += r;
		}
		r = reap(g, NT_RX, g->hlen + len);
		if (r < 0)
			return r;
		recvd += r;
		post_many(g, NT_RX, q->bufsz, r);
		if (!r && sent - recvd >= NB_RX_WINDOW &&
		    !wait_used(g, NT_RX, 1)) {
			lost += sent - recvd;	/* dropped on the way */
			sent = recvd;
		}
	} while (now_s() - t0 < secs);
	t = now_s() - t0;
	worker_cost(b, ns0, recvd);
	*pps = recvd / t;
	if (lost)
		diag("rx frames lost", len, b->ring, "%.0f", lost);
	return lost > recvd / 100 ? -EPROTO : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One round trip guest TX -> tap -> reflector -> tap -> guest RX. */
static int round_trip(struct bench *b, size_t len)
{
	struct nt_guest *g = &b->g;
	int n, r;

	if (nt_post_buf(g, NT_TX, g->hlen + len))
		return -ENOSPC;
	kick(g, NT_TX);
	n = nt_tap_recv(&b->tap, got, sizeof(got), NB_WAIT_MS);
	if (n <= 0)
		return n ? n : -ETIMEDOUT;
	r = nt_tap_send(&b->tap, got, n);
	if (r)
		return r;
	while (!(r = reap(g, NT_RX, g->hlen + n)))
		if (wait_used(g, NT_RX, 1) <= 0)
			return -ETIMEDOUT;
	return r < 0 ? r : 0;
}

/* After a round trip: RX buffer back to the ring, TX buffer reaped. */
static int lat_recycle(struct bench *b)
{
	struct nt_guest *g = &b->g;
	int r;

	post_many(g, NT_RX, g->q[NT_RX].bufsz, 1);
	while (!(r = reap(g, NT_TX, 0)))
		if (wait_used(g, NT_TX, 1) <= 0)
			return -ETIMEDOUT;
	return r < 0 ? r : 0;
}

static int lat_us(struct bench *b, size_t len, double secs, double *us)
{
	struct nt_guest *g = &b->g;
	unsigned int n = 0, i;
	double t0, t;
	int r;

	tx_fill(g, len);
	post_many(g, NT_RX, g->q[NT_RX].bufsz, g->q[NT_RX].num);
	vha_drv_disable_cb(&g->vt.vq[NT_TX].drv);
	vha_drv_disable_cb(&g->vt.vq[NT_RX].drv);
	for (i = 0; i < 20; i++) {	/* warm-up */
		r = round_trip(b, len);
		if (!r)
			r = lat_recycle(b);
		if (r)
			return r;
	}
	t0 = now_s();
	do {
		t = now_s();
		r = round_trip(b, len);
		if (r)
			return r;
		samples[n++] = (now_s() - t) * 1e6;
		r = lat_recycle(b);
		if (r)
			return r;
	} while (now_s() - t0 < secs && n < NB_MAX_SAMPLES);
	qsort(samples, n, sizeof(samples[0]), cmp_double);
	*us = samples[n / 2];
	diag("lat round trips", len, b->ring, "%.0f", n);
	return 0;
}

/* One packet guest TX -> tap: from the kick to the used entry's call. */
static int lat_tx_us(struct bench *b, size_t len, double secs, double *us)
{
	struct nt_guest *g = &b->g;
	unsigned int n = 0;
	double t0, t;
	int r;

	close(b->tap.pkt);
	b->tap.pkt = -1;
	tx_fill(g, len);
	vha_drv_disable_cb(&g->vt.vq[NT_TX].drv);
	t0 = now_s();
	do {
		t = now_s();
		if (nt_post_buf(g, NT_TX, g->hlen + len))
			return -ENOSPC;
		kick(g, NT_TX);
		while (!(r = reap(g, NT_TX, 0)))
			if (wait_used(g, NT_TX, 1) <= 0)
				return -ETIMEDOUT;
		if (r < 0)
			return r;
		samples[n++] = (now_s() - t) * 1e6;
	} while (now_s() - t0 < secs && n < NB_MAX_SAMPLES);
	qsort(samples, n, sizeof(samples[0]), cmp_double);
	*us = samples[n / 2];
	return 0;
}

/* One packet tap -> guest RX: from the write to the used entry's call. */
static int lat_rx_us(struct bench *b, size_t len, double secs, double *us)
{
	struct nt_guest *g = &b->g;
	unsigned int n = 0;
	double t0, t;
	int r;

	nt_frame(frame, len, 0, 0);
	post_many(g, NT_RX, g->q[NT_RX].bufsz, g->q[NT_RX].num);
	vha_drv_disable_cb(&g->vt.vq[NT_RX].drv);
	t0 = now_s();
	do {
		t = now_s();
		r = nt_tap_send(&b->tap, frame, len);
		if (r)
			return r;
		while (!(r = reap(g, NT_RX, g->hlen + len)))
			if (wait_used(g, NT_RX, 1) <= 0)
				return -ETIMEDOUT;
		if (r < 0)
			return r;
		samples[n++] = (now_s() - t) * 1e6;
		post_many(g, NT_RX, g->q[NT_RX].bufsz, r);
	} while (now_s() - t0 < secs && n < NB_MAX_SAMPLES);
	qsort(samples, n, sizeof(samples[0]), cmp_double);
	*us = samples[n / 2];
	return 0;
}

typedef int (*bench_fn)(struct bench *b, size_t len, double secs,
			double *value);

/* One measurement; @cost names its worker-CPU-per-packet figure, or NULL. */
static void point(bool packed, const char *metric, const char *cost,
		  bench_fn fn, size_t len, double secs)
{
	struct bench b = { .ring = packed ? "packed" : "split",
			   .gso = len == NB_GSO };
	double v = 0;
	int ret;

	ret = bench_open(&b, packed);
	if (ret) {
		printf("# error metric=%s size=%zu ring=%s: set-up: %s\n",
		       metric, len, b.ring, strerror(-ret));
		failures++;
		return;
	}
	kicks = 0;
	sleeps = 0;
	ret = fn(&b, len, secs, &v);
	bench_close(&b, metric, len);
	printf("# %s %zu %s: %lu kicks sent, %lu sleeps on a call\n", metric,
	       len, b.ring, kicks, sleeps);
	if (ret) {
		printf("# error metric=%s size=%zu ring=%s: %s\n", metric, len,
		       b.ring, strerror(-ret));
		failures++;
		return;
	}
	printf("# result metric=%s size=%zu ring=%s value=%.1f\n", metric, len,
	       b.ring, v);
	if (cost && b.cpu_ns >= 0)
		printf("# result metric=%s size=%zu ring=%s value=%.1f\n", cost,
		       len, b.ring, b.cpu_ns);
	else if (cost)
		printf("# no worker CPU time for %s (worker thread %d)\n",
		       cost, b.worker[0]);
	fflush(stdout);
}

/*
 * ---- Scaling points (-q, -d, -P) ----
 *
 * D devices (separate /dev/vhost-net opens, -d), each in a process of its
 * own (its owner) with a tap of its own, each with Q queue pairs (-q).
 * A Linux vhost-net file is one queue pair; a multiqueue guest
 * (VIRTIO_NET_F_MQ) gets one file per pair, all on one IFF_MULTI_QUEUE
 * tap, as QEMU sets it up. Every virtqueue runs on a worker of its own:
 * the TX queue of each pair is moved to a new one (VHOST_NEW_WORKER,
 * VHOST_ATTACH_VRING_WORKER), RX keeps the one made at SET_OWNER. One
 * thread per device drives all of its pairs, as one vCPU would. RX frames
 * are UDP of NB_FLOWS flows, which tun spreads over its queues by hash.
 */
enum {
	NB_MAX_QUEUES = NT_TAP_MAX_QUEUES,	/* queue pairs of a device */
	NB_MAX_DEVICES = 16,
	NB_MAX_WORKERS = 2 * NB_MAX_QUEUES,	/* a device's: one per queue */
	NB_FLOWS = 64,
	NB_SCALE_FRAME = 1514,	/* fits a 2048-byte buffer with its header */
	NB_SETUP_S = 60,	/* set-up of all devices, at most */
};

struct scale {
	bool packed;
	bool tx;		/* tx_pps, else rx_pps */
	size_t len;
	double secs;
	unsigned int queues;	/* pairs per device */
	unsigned int devices;
	unsigned int poll_us;	/* busy-poll timeout, 0: notification mode */
};

/* One device, in its own process. */
struct sdev {
	struct nt_tap tap;
	struct nt_guest g[NB_MAX_QUEUES];
	unsigned int nq;	/* pairs opened */
	int worker[NB_MAX_WORKERS];
	unsigned int nworkers;
	bool shared;		/* no worker ioctls: RX and TX on one worker */
};

/* What a device's process measured, handed to the parent. */
struct sres {
	bool ready;		/* set up: a failure is the measurement's */
	bool shared;
	unsigned int workers;
	double pkts;
	double secs;
	double lost;		/* rx: frames that never arrived */
	long long worker_ns;	/* its workers' CPU time, -1 unknown */
};

static uint8_t flows[NB_FLOWS][NB_SCALE_FRAME];

/*
 * Pair @q: TX on a worker of its own (a module without the worker ioctls,
 * before Linux 6.5, keeps one per pair), busy-polling on both queues if
 * asked, then tap queue @q as both backends.
 */
static int pair_setup(struct sdev *s, unsigned int q, unsigned int poll_us)
{
	struct vhost_vring_worker vw = { .index = NT_TX };
	struct vhost_worker_state w = { 0 };
	struct nt_guest *g = &s->g[q];
	struct vhost_vring_state st;
	unsigned int i;
	int ret;

	if (!ioctl(g->vt.fd, VHOST_NEW_WORKER, &w)) {
		vw.worker_id = w.worker_id;
		if (ioctl(g->vt.fd, VHOST_ATTACH_VRING_WORKER, &vw))
			return -errno;
	} else if (errno == ENOTTY) {
		s->shared = true;
	} else {
		return -errno;
	}
	for (i = NT_RX; poll_us && i <= NT_TX; i++) {
		st = (struct vhost_vring_state){ .index = i, .num = poll_us };
		if (ioctl(g->vt.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &st))
			return -errno;
	}
	ret = nt_set_backend(g, NT_RX, s->tap.fd[q]);
	return ret ? ret : nt_set_backend(g, NT_TX, s->tap.fd[q]);
}

static void sdev_close(struct sdev *s)
{
	unsigned int q;

	for (q = 0; q < s->nq; q++)
		nt_guest_close(&s->g[q]);
	nt_tap_close(&s->tap);
}

/* Device @dev of point @sc: tap "vhsc<dev>", its pairs, their workers. */
static int sdev_open(struct sdev *s, const struct scale *sc, unsigned int dev)
{
	struct nt_cfg cfg;
	char name[16];
	int ret;

	memset(s, 0, sizeof(*s));
	nt_default_cfg(&cfg);
	cfg.packed = sc->packed;
	snprintf(name, sizeof(name), "vhsc%u", dev);
	ret = nt_tap_open(&s->tap, name, true, NB_TAP_HLEN, sc->queues);
	while (!ret && s->nq < sc->queues) {
		ret = nt_guest_open(&s->g[s->nq], &cfg);
		if (!ret)
			ret = pair_setup(s, s->nq++, sc->poll_us);
	}
	if (ret) {
		sdev_close(s);
		return ret;
	}
	s->nworkers = find_workers(s->worker, NB_MAX_WORKERS);
	return 0;
}

/*
 * Nothing came back on any pair: ask queue @idx of each for a call (TX
 * after 3/4 of what it has in flight, as tx_pps(); RX after the next
 * entry), look once more, then sleep on all their call eventfds. 1, 0
 * on a timeout, -errno.
 */
static int wait_pairs(struct sdev *s, unsigned int idx)
{
	struct pollfd p[NB_MAX_QUEUES];
	struct nt_queue *nq;
	unsigned int q, after;
	int ret = 1;

	for (q = 0; q < s->nq; q++) {
		nq = &s->g[q].q[idx];
		after = idx == NT_TX ? (nq->num - nq->nfree) * 3 / 4 : 1;
		vha_drv_delay_cb(&s->g[q].vt.vq[idx].drv, after ? after : 1);
		p[q] = (struct pollfd){ .fd = s->g[q].vt.vq[idx].call,
					.events = POLLIN };
	}
	for (q = 0; q < s->nq && !nt_used_pending(&s->g[q], idx); q++)
		;
	if (q == s->nq) {
		sleeps++;
		ret = poll(p, s->nq, NB_WAIT_MS);
		ret = ret < 0 ? -errno : ret > 0;
		for (q = 0; q < s->nq; q++)
			if (p[q].revents & POLLIN)
				vha_vt_drain(p[q].fd);
	}
	for (q = 0; q < s->nq; q++)
		vha_drv_disable_cb(&s->g[q].vt.vq[idx].drv);
	return ret;
}

/* Post every free TX buffer of every pair, take every used one: taken. */
static int tx_pass(struct sdev *s, size_t len)
{
	struct nt_guest *g;
	unsigned int q;
	int r, n = 0;

	for (q = 0; q < s->nq; q++) {
		g = &s->g[q];
		post_many(g, NT_TX, g->hlen + len, g->q[NT_TX].num);
		r = reap(g, NT_TX, 0);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

/* tx_pps over every pair of the device, counted on its tap. */
static int scale_tx(struct sdev *s, const struct scale *sc, struct sres *res)
{
	unsigned long done = 0, inflight = 0;
	long long rx0, rx1, ns0;
	unsigned int q;
	double t0;
	int r, w;

	close(s->tap.pkt);	/* nobody reads the tap's network side */
	s->tap.pkt = -1;
	for (q = 0; q < s->nq; q++) {
		tx_fill(&s->g[q], sc->len);
		vha_drv_disable_cb(&s->g[q].vt.vq[NT_TX].drv);
		inflight += s->g[q].q[NT_TX].num;
	}
	rx0 = tap_stat(s->tap.name, "rx_packets");
	ns0 = tids_ns(s->worker, s->nworkers);
	t0 = now_s();
	do {
		r = tx_pass(s, sc->len);
		if (r < 0)
			return r;
		w = r ? 1 : wait_pairs(s, NT_TX);
		if (w <= 0)
			return w ? w : -ETIMEDOUT;
		done += r;
	} while (now_s() - t0 < sc->secs);
	rx1 = tap_stat(s->tap.name, "rx_packets");
	res->secs = now_s() - t0;
	res->worker_ns = tids_ns(s->worker, s->nworkers);
	res->worker_ns = ns0 < 0 || res->worker_ns < ns0 ? -1 :
			 res->worker_ns - ns0;
	if (rx0 < 0 || rx1 < 0 || rx1 - rx0 > (long long)(done + inflight))
		return -EPROTO;
	res->pkts = rx1 - rx0;
	for (q = 0, r = 0; q < s->nq && !r; q++)
		r = tx_settle(&s->g[q]);
	return r;
}

/* Send up to @n frames of the next flows into the tap: number sent. */
static int write_flows(struct sdev *s, size_t len, unsigned int n,
		       unsigned int *next)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = s->tap.ifindex,
				   .sll_halen = 6 };
	static struct mmsghdr m[NB_BURST];
	static struct iovec iov[NB_BURST];
	unsigned int i;
	int r;

	for (i = 0; i < n && i < NB_BURST; i++) {
		iov[i] = (struct iovec){ flows[(*next + i) % NB_FLOWS], len };
		m[i].msg_hdr = (struct msghdr){ .msg_name = &sll,
						.msg_namelen = sizeof(sll),
						.msg_iov = &iov[i],
						.msg_iovlen = 1 };
	}
	r = sendmmsg(s->tap.pkt, m, i, 0);
	if (r < 0)
		return errno == EAGAIN || errno == ENOBUFS ? 0 : -errno;
	*next += r;
	return r;
}

/* Take every received frame of every pair, posting its buffer again. */
static int rx_pass(struct sdev *s, size_t len)
{
	struct nt_guest *g;
	unsigned int q;
	int r, n = 0;

	for (q = 0; q < s->nq; q++) {
		g = &s->g[q];
		r = reap(g, NT_RX, g->hlen + len);
		if (r < 0)
			return r;
		post_many(g, NT_RX, g->q[NT_RX].bufsz, r);
		n += r;
	}
	return n;
}

/*
 * rx_pps over every pair: as rx_pps(), at most NB_RX_WINDOW frames in
 * flight per pair, counted as used RX entries of all pairs.
 */
static int scale_rx(struct sdev *s, const struct scale *sc, struct sres *res)
{
	unsigned long sent = 0, recvd = 0, lost = 0, window;
	unsigned int q, flow = 0;
	long long ns0;
	int one = 1, r;
	double t0;

	setsockopt(s->tap.pkt, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		   sizeof(one));
	for (q = 0; q < NB_FLOWS; q++)
		nt_udp_frame(flows[q], sc->len, q, 1000 + q);
	for (q = 0; q < s->nq; q++) {
		post_many(&s->g[q], NT_RX, s->g[q].q[NT_RX].bufsz,
			  s->g[q].q[NT_RX].num);
		vha_drv_disable_cb(&s->g[q].vt.vq[NT_RX].drv);
	}
	window = NB_RX_WINDOW * s->nq;
	ns0 = tids_ns(s->worker, s->nworkers);
	t0 = now_s();
	do {
		r = sent - recvd < window ?
		    write_flows(s, sc->len, window - (sent - recvd), &flow) : 0;
		if (r < 0)
			return r;
		sent += r;
		r = rx_pass(s, sc->len);
		if (r < 0)
			return r;
		recvd += r;
		if (!r && sent - recvd >= window) {
			r = wait_pairs(s, NT_RX);
			if (r < 0)
				return r;
			if (!r) {
				lost += sent - recvd;	/* dropped on the way */
				sent = recvd;
			}
		}
	} while (now_s() - t0 < sc->secs);
	res->secs = now_s() - t0;
	res->worker_ns = tids_ns(s->worker, s->nworkers);
	res->worker_ns = ns0 < 0 || res->worker_ns < ns0 ? -1 :
			 res->worker_ns - ns0;
	res->pkts = recvd;
	res->lost = lost;
	return lost > recvd / 100 ? -EPROTO : 0;
}

/* A device's process (bench_procs): set up, wait for all, measure. */
static int sdev_body(void *arg, struct bp_sync *sync, void *out)
{
	const struct scale *sc = arg;
	struct sres *res = out;
	struct sdev s;
	int ret;

	memset(res, 0, sizeof(*res));
	res->worker_ns = -1;
	ret = sdev_open(&s, sc, sync->idx);
	if (ret)
		return ret;
	res->ready = true;
	res->shared = s.shared;
	res->workers = s.nworkers;
	ret = bp_ready(sync);
	if (!ret)
		ret = sc->tx ? scale_tx(&s, sc, res) : scale_rx(&s, sc, res);
	sdev_close(&s);
	return ret;
}

/* Every device's error, as "# error" lines: how many. */
static int scale_errors(const struct scale *sc, const char *metric,
			const struct sres *res, const int *errs)
{
	const char *ring = sc->packed ? "packed" : "split";
	unsigned int i;
	int n = 0;

	for (i = 0; i < sc->devices; i++) {
		if (!errs[i] || errs[i] == -ECANCELED)
			continue;
		printf("# error metric=%s size=%zu ring=%s queues=%u devices=%u: device %u: %s%s\n",
		       metric, sc->len, ring, sc->queues, sc->devices, i,
		       res[i].ready ? "" : "set-up: ", strerror(-errs[i]));
		n++;
	}
	return n;
}

/*
 * One scaling point: every device measures at once; packets/s summed over
 * the devices, worker CPU per packet over every worker of every device.
 */
static void scale_point(const struct scale *sc)
{
	static struct sres res[NB_MAX_DEVICES];
	const char *metric = sc->tx ? "tx_pps" : "rx_pps";
	const char *ring = sc->packed ? "packed" : "split";
	const char *mode = sc->poll_us ? "busypoll" : "notify";
	double pps = 0, pkts = 0, ns = 0, lost = 0;
	unsigned int i, workers = 0, shared = 0;
	int errs[NB_MAX_DEVICES], ret;
	bool cpu = true;

	ret = bp_run(sc->devices, sdev_body, (void *)sc, res, sizeof(res[0]),
		     NB_SETUP_S + sc->secs, errs);
	if (ret || scale_errors(sc, metric, res, errs)) {
		if (ret)
			printf("# error metric=%s size=%zu ring=%s queues=%u devices=%u: %s\n",
			       metric, sc->len, ring, sc->queues, sc->devices,
			       strerror(-ret));
		failures++;
		return;
	}
	for (i = 0; i < sc->devices; i++) {
		pps += res[i].pkts / res[i].secs;
		pkts += res[i].pkts;
		lost += res[i].lost;
		workers += res[i].workers;
		shared += res[i].shared;
		cpu = cpu && res[i].worker_ns >= 0;
		ns += res[i].worker_ns;
	}
	printf("# %s %zu %s queues=%u devices=%u %s: %u workers%s, busy-poll %u us, %.0f frames lost\n",
	       metric, sc->len, ring, sc->queues, sc->devices, mode, workers,
	       shared ? " (no worker ioctls: one per pair)" : "", sc->poll_us,
	       lost);
	printf("# result metric=%s size=%zu ring=%s queues=%u devices=%u mode=%s value=%.1f\n",
	       metric, sc->len, ring, sc->queues, sc->devices, mode, pps);
	if (cpu && pkts > 0)
		printf("# result metric=%s size=%zu ring=%s queues=%u devices=%u mode=%s value=%.1f\n",
		       sc->tx ? "tx_cpu_ns" : "rx_cpu_ns", sc->len, ring,
		       sc->queues, sc->devices, mode, ns / pkts);
	else
		printf("# no worker CPU time for %s (%u workers)\n", metric,
		       workers);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: vha-net-bench [-b vhost|user] [-r split|packed] [-t seconds] [-m tx,rx,lat]\n"
		"       vha-net-bench [-r split|packed] [-t seconds] [-m tx,rx]\n"
		"                     [-q pairs] [-d devices] [-P busypoll_us] [-s size]\n");
	exit(2);
}

/* -q, -d, -P, -s: the scaling points of -m (tx, rx; lat has none). */
static int scale_main(struct scale *sc, const char *metrics)
{
	if (user || sc->queues < 1 || sc->queues > NB_MAX_QUEUES ||
	    sc->devices < 1 || sc->devices > NB_MAX_DEVICES ||
	    sc->len < 60 || sc->len > NB_SCALE_FRAME)
		usage();
	sc->tx = true;
	if (strstr(metrics, "tx"))
		scale_point(sc);
	sc->tx = false;
	if (strstr(metrics, "rx"))
		scale_point(sc);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct scale sc = { .queues = 1, .devices = 1, .len = 64 };
	const char *metrics = "tx,rx,lat";
	bool packed = false, scaling = false;
	double secs = 2;
	int opt;

	while ((opt = getopt(argc, argv, "b:r:t:m:q:d:P:s:")) != -1) {
		if (strchr("qdPs", opt))
			scaling = true;
		if (opt == 'q')
			sc.queues = atoi(optarg);
		else if (opt == 'd')
			sc.devices = atoi(optarg);
		else if (opt == 'P')
			sc.poll_us = atoi(optarg);
		else if (opt == 's')
			sc.len = atoi(optarg);
		else if (opt == 'b' && !strcmp(optarg, "user"))
			user = true;
		else if (opt == 'b' && strcmp(optarg, "vhost"))
			usage();
		else if (opt == 'r' && !strcmp(optarg, "packed"))
			packed = true;
		else if (opt == 'r' && strcmp(optarg, "split"))
			usage();
		else if (opt == 't')
			secs = atof(optarg);
		else if (opt == 'm')
			metrics = optarg;
		else if (opt != 'r' && opt != 'b' && !strchr("qdPs", opt))
			usage();
	}
	if (secs <= 0 || secs > 600)
		usage();
	if (scaling) {
		sc.packed = packed;
		sc.secs = secs;
		return scale_main(&sc, metrics);
	}
	if (strstr(metrics, "tx")) {
		point(packed, "tx_pps", "tx_cpu_ns", tx_pps, 64, secs);
		point(packed, "tx_pps", "tx_cpu_ns", tx_pps, 1500, secs);
		point(packed, "tx_pps", "tx_cpu_ns", tx_pps, NB_GSO, secs);
	}
	if (strstr(metrics, "rx")) {
		point(packed, "rx_pps", "rx_cpu_ns", rx_pps, 64, secs);
		point(packed, "rx_pps", "rx_cpu_ns", rx_pps, 1500, secs);
	}
	if (strstr(metrics, "lat")) {
		point(packed, "lat_us", NULL, lat_us, 64, secs);
		point(packed, "lat_tx_us", NULL, lat_tx_us, 64, secs);
		point(packed, "lat_rx_us", NULL, lat_rx_us, 64, secs);
	}
	return failures ? 1 : 0;
}
