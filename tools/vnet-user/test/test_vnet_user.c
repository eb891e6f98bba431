// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of vnet_user, TAP. The guest side is tools/vhost-test's
 * vring_driver (written from the spec, sharing nothing with vringh/), the
 * tap a SOCK_SEQPACKET socketpair (one message = one frame, as a tap; the
 * test holds the other end, the "network side"), so it runs on a host
 * that cannot create taps. Every test runs on split and packed rings.
 *
 *   vring_driver <-> guest memory <-> vnet_user threads <-> sv[0] | sv[1]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vnet_user.h"
#include "vring_driver.h"

enum {
	GPA = 0x100000,
	MEM = 4 << 20,
	NUM = 64,
	BUFS = 0x40000,		/* buffer area, from GPA */
	HDR = 12,
	WAIT_MS = 2000,
};

struct fx {
	uint8_t *mem;
	struct vha_drv drv[VNET_USER_QUEUES];
	int kick[VNET_USER_QUEUES], call[VNET_USER_QUEUES];
	int sv[2];
	struct vnet_user *v;
	uint64_t brk;		/* next free buffer gpa */
};

static int tests, failed;
static uint8_t frame[70000], got[70000];

static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	failed += !cond;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

static void *ptr(struct fx *f, uint64_t gpa)
{
	return f->mem + (gpa - GPA);
}

static uint64_t hva(struct fx *f, uint64_t gpa)
{
	return (uintptr_t)ptr(f, gpa);
}

/* A buffer of @len bytes of guest memory (bump allocation). */
static uint64_t buf(struct fx *f, uint32_t len)
{
	uint64_t at = f->brk;

	f->brk += (len + 63) & ~63u;
	return at;
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static int fx_open(struct fx *f, bool packed, bool mrg)
{
	struct vnet_user_region r;
	struct vnet_user_cfg cfg;
	struct vha_drv_config dc;
	unsigned int q;
	int ret;

	memset(f, 0, sizeof(*f));
	f->mem = aligned_alloc(4096, MEM);
	if (!f->mem || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, f->sv))
		return -errno;
	memset(f->mem, 0, MEM);
	f->brk = GPA + BUFS;
	r = (struct vnet_user_region){ GPA, MEM, f->mem };
	cfg = (struct vnet_user_cfg){
		.regions = &r, .nregions = 1, .packed = packed,
		.event_idx = true, .indirect = true, .mrg_rxbuf = mrg,
		.hdr_len = HDR, .tap = f->sv[0],
	};
	for (q = 0; q < VNET_USER_QUEUES; q++) {
		dc = (struct vha_drv_config){
			.mem = { f->mem, GPA, MEM }, .num = NUM,
			.packed = packed, .event_idx = true,
			.ring_gpa = GPA + q * 0x10000,
			.table_gpa = GPA + 0x20000 + q * 0x8000,
			.max_indirect = 8,
		};
		ret = vha_drv_init(&f->drv[q], &dc);
		if (ret)
			return ret;
		f->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		f->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		cfg.q[q] = (struct vnet_user_queue){
			.desc = hva(f, f->drv[q].desc),
			.avail = hva(f, f->drv[q].avail),
			.used = hva(f, f->drv[q].used),
			.num = NUM, .kick = f->kick[q], .call = f->call[q],
		};
	}
	return vnet_user_start(&f->v, &cfg);
}

static void fx_close(struct fx *f)
{
	unsigned int q;

	if (f->v)
		vnet_user_stop(f->v);
	for (q = 0; q < VNET_USER_QUEUES; q++) {
		vha_drv_free(&f->drv[q]);
		close(f->kick[q]);
		close(f->call[q]);
	}
	close(f->sv[0]);
	close(f->sv[1]);
	free(f->mem);
}

static void kick(struct fx *f, unsigned int q)
{
	static const uint64_t one = 1;

	vha_drv_publish(&f->drv[q]);
	if (vha_drv_need_kick(&f->drv[q]) &&
	    write(f->kick[q], &one, sizeof(one)) != sizeof(one))
		abort();
}

/* Next used entry of queue @q within WAIT_MS: 1, or 0. */
static int next_used(struct fx *f, unsigned int q, uint16_t *id,
		     uint32_t *len, int wait_ms)
{
	struct pollfd p = { .fd = f->call[q], .events = POLLIN };
	uint64_t v;
	int ret;

	for (;;) {
		ret = vha_drv_get_used(&f->drv[q], id, len, NULL);
		if (ret)
			return ret;
		vha_drv_enable_cb(&f->drv[q]);
		ret = vha_drv_get_used(&f->drv[q], id, len, NULL);
		if (ret)
			return ret;
		if (poll(&p, 1, wait_ms) != 1)
			return 0;
		if (read(f->call[q], &v, sizeof(v)) != sizeof(v))
			return -errno;
	}
}

/* Post one RX buffer of @len bytes: its id (and *gpa), or -1. */
static int rx_post(struct fx *f, uint64_t gpa, uint32_t len)
{
	struct vha_drv_buf b = { gpa, len };
	uint16_t id;

	memset(ptr(f, gpa), 0xee, len);
	if (vha_drv_add(&f->drv[VNET_USER_RX], NULL, 0, &b, 1, false, &id))
		return -1;
	return id;
}

/* Read one frame from the network side within WAIT_MS: its length. */
static ssize_t net_recv(struct fx *f, void *p, size_t size, int wait_ms)
{
	struct pollfd pf = { .fd = f->sv[1], .events = POLLIN };

	if (poll(&pf, 1, wait_ms) != 1)
		return 0;
	return recv(f->sv[1], p, size, MSG_DONTWAIT);
}

/* @len bytes (header included) into the "tap" from the network side. */
static bool net_send(struct fx *f, size_t len, unsigned int seed)
{
	memset(frame, 0, HDR);
	fill(frame + HDR, len - HDR, seed);
	return send(f->sv[1], frame, len, 0) == (ssize_t)len;
}

/* Queue @q's failure, waiting up to WAIT_MS for one (a loaded host). */
static const char *wait_failure(struct fx *f, unsigned int q)
{
	const char *why;
	int i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		why = vnet_user_failure(f->v, q);
		if (why)
			return why;
		usleep(10000);
	}
	return NULL;
}

static void stats(struct fx *f, unsigned int q, struct vnet_user_stats *st)
{
	vnet_user_stats(f->v, q, st);
}

/* TX: frames of many lengths, one or three segments, in order, intact. */
static void test_tx(bool packed)
{
	static const uint32_t lens[] = { 60, 64, 100, 1514, 4000, 9000, 65000 };
	const char *ring = packed ? "packed" : "split";
	unsigned int i, n = 40, sent = 0, bad = 0;
	struct vnet_user_stats st;
	struct vha_drv_buf b[3];
	uint32_t len, ulen;
	uint64_t gpa;
	struct fx f;
	uint16_t id;

	if (!ok(!fx_open(&f, packed, true), "%s tx: start", ring))
		return;
	for (i = 0; i < n; i++) {
		len = HDR + lens[i % 7];
		gpa = buf(&f, len);
		fill(ptr(&f, gpa), len, i);
		b[0] = (struct vha_drv_buf){ gpa, HDR };
		b[1] = (struct vha_drv_buf){ gpa + HDR, (len - HDR) / 2 };
		b[2] = (struct vha_drv_buf){ b[1].addr + b[1].len,
					     len - HDR - b[1].len };
		if (i % 2)
			b[0].len = len;
		if (vha_drv_add(&f.drv[VNET_USER_TX], b, i % 2 ? 1 : 3, NULL,
				0, i % 3 == 0, &id))
			break;
		kick(&f, VNET_USER_TX);
		if (net_recv(&f, got, sizeof(got), WAIT_MS) != len ||
		    memcmp(got, ptr(&f, gpa), len))
			bad++;
		else
			sent++;
		if (next_used(&f, VNET_USER_TX, &id, &ulen, WAIT_MS) != 1 ||
		    ulen)
			bad++;
	}
	stats(&f, VNET_USER_TX, &st);
	ok(sent == n && !bad && st.packets == n,
	   "%s tx: %u frames of 60-65000 bytes in 1 or 3 segments, direct and indirect, arrive intact (%u bad, %llu counted)",
	   ring, sent, bad, (unsigned long long)st.packets);
	ok(!vnet_user_failure(f.v, VNET_USER_TX), "%s tx: no failure", ring);
	fx_close(&f);
}

/* TX: what a hostile guest may post; the queue goes on, or stops cleanly. */
static void test_tx_bad(bool packed)
{
	const char *ring = packed ? "packed" : "split";
	struct vha_drv *d;
	struct vnet_user_stats st;
	struct vha_drv_buf b[2];
	const char *why;
	uint32_t ulen;
	uint64_t gpa;
	unsigned int got_used = 0;
	struct fx f;
	uint16_t id;
	ssize_t n;

	if (!ok(!fx_open(&f, packed, true), "%s tx bad: start", ring))
		return;
	d = &f.drv[VNET_USER_TX];
	gpa = buf(&f, 2048);
	fill(ptr(&f, gpa), 2048, 1);
	/* shorter than header + Ethernet header */
	b[0] = (struct vha_drv_buf){ gpa, HDR + 13 };
	vha_drv_add(d, b, 1, NULL, 0, false, &id);
	/* longer than any frame, in guest memory */
	b[0] = (struct vha_drv_buf){ GPA + BUFS, HDR + 65536 + 19 };
	vha_drv_add(d, b, 1, NULL, 0, false, &id);
	/* a writable buffer in a TX chain */
	b[0] = (struct vha_drv_buf){ gpa, 100 };
	b[1] = (struct vha_drv_buf){ gpa + 100, 100 };
	vha_drv_add(d, b, 1, b + 1, 1, false, &id);
	/* then a good one */
	b[0] = (struct vha_drv_buf){ gpa, 200 };
	vha_drv_add(d, b, 1, NULL, 0, false, &id);
	kick(&f, VNET_USER_TX);
	n = net_recv(&f, got, sizeof(got), WAIT_MS);
	while (next_used(&f, VNET_USER_TX, &id, &ulen, 200) == 1)
		got_used++;
	stats(&f, VNET_USER_TX, &st);
	ok(n == 200 && got_used == 4 && st.dropped == 3 && st.packets == 1 &&
	   !vnet_user_failure(f.v, VNET_USER_TX),
	   "%s tx bad: too short, too long and writable chains dropped and returned, the next frame sent (%zd bytes, %u used, %llu dropped)",
	   ring, n, got_used, (unsigned long long)st.dropped);
	/* a buffer outside guest memory: the ring breaks, nothing is read */
	b[0] = (struct vha_drv_buf){ GPA + MEM - 100, 200 };
	vha_drv_add(d, b, 1, NULL, 0, false, &id);
	b[0] = (struct vha_drv_buf){ gpa, 200 };
	vha_drv_add(d, b, 1, NULL, 0, false, &id);
	kick(&f, VNET_USER_TX);
	why = wait_failure(&f, VNET_USER_TX);
	n = net_recv(&f, got, sizeof(got), 100);
	ok(n == 0 && next_used(&f, VNET_USER_TX, &id, &ulen, 100) == 0 &&
	   why && !strcmp(why, "buffer outside guest memory"),
	   "%s tx bad: a buffer beyond guest memory stops the queue (%s), nothing sent",
	   ring, why ?: "no failure");
	fx_close(&f);
}

/* RX: one packet per buffer, num_buffers 1, frames sent before buffers. */
static void test_rx(bool packed)
{
	const char *ring = packed ? "packed" : "split";
	unsigned int i, n = 100, good = 0;
	uint64_t gpa[NUM], g;	/* buffer of each id in flight */
	uint32_t ulen, len;
	struct fx f;
	uint16_t id, nb;
	int r;

	if (!ok(!fx_open(&f, packed, true), "%s rx: start", ring))
		return;
	for (i = 0; i < 8; i++)		/* waiting in the "tap" */
		net_send(&f, HDR + 60 + i, i);
	usleep(50000);
	for (i = 0; i < NUM / 2; i++) {
		g = buf(&f, 2048);
		r = rx_post(&f, g, 2048);
		if (r >= 0)
			gpa[r] = g;
	}
	kick(&f, VNET_USER_RX);
	for (i = 0; i < n; i++) {
		len = HDR + 60 + i % 8 + (i / 8) * 100;
		if (i >= 8)
			net_send(&f, len, i);
		else
			fill(frame + HDR, len - HDR, i);
		if (next_used(&f, VNET_USER_RX, &id, &ulen, WAIT_MS) != 1)
			break;
		g = gpa[id];
		memcpy(&nb, (uint8_t *)ptr(&f, g) + 10, 2);
		if (ulen == len && nb == 1 &&
		    !memcmp((uint8_t *)ptr(&f, g) + HDR, frame + HDR,
			    len - HDR))
			good++;
		r = rx_post(&f, g, 2048);
		if (r < 0)
			break;
		gpa[r] = g;
		kick(&f, VNET_USER_RX);
	}
	ok(good == n, "%s rx: %u of %u frames (8 queued before any buffer) intact, num_buffers 1",
	   ring, good, n);
	ok(!vnet_user_failure(f.v, VNET_USER_RX), "%s rx: no failure", ring);
	fx_close(&f);
}

/*
 * Collect one mergeable packet of @nbuf buffers of @bsz bytes from buffers
 * whose gpa is @gpa[id]: true if its bytes are frame[0..len) after the
 * header and num_buffers is @nbuf.
 */
static bool rx_merged(struct fx *f, const uint64_t *gpa, uint32_t bsz,
		      size_t len, unsigned int nbuf)
{
	size_t off = 0;
	uint32_t ulen;
	unsigned int i;
	uint16_t id, nb = 0;

	for (i = 0; i < nbuf; i++) {
		if (next_used(f, VNET_USER_RX, &id, &ulen, WAIT_MS) != 1 ||
		    ulen > bsz || off + ulen > len)
			return false;
		if (!i)
			memcpy(&nb, (uint8_t *)ptr(f, gpa[id]) + 10, 2);
		memcpy(got + off, ptr(f, gpa[id]), ulen);
		off += ulen;
	}
	return off == len && nb == nbuf &&
	       !memcmp(got + HDR, frame + HDR, len - HDR);
}

/* RX: a frame over several buffers, and one that waits for buffers. */
static void test_rx_mrg(bool packed)
{
	const char *ring = packed ? "packed" : "split";
	uint64_t gpa[NUM], g;
	struct fx f;
	uint32_t ulen;
	uint16_t id;
	int i, r;

	if (!ok(!fx_open(&f, packed, true), "%s rx mrg: start", ring))
		return;
	for (i = 0; i < 8; i++) {
		g = buf(&f, 256);
		r = rx_post(&f, g, 256);
		gpa[r] = g;
	}
	kick(&f, VNET_USER_RX);
	net_send(&f, HDR + 1000, 7);
	ok(rx_merged(&f, gpa, 256, HDR + 1000, 4),
	   "%s rx mrg: a 1012-byte packet in 4 buffers of 256, num_buffers 4",
	   ring);
	/* 4 buffers left (1024 bytes): a 1500-byte frame has to wait */
	net_send(&f, HDR + 1500, 8);
	ok(next_used(&f, VNET_USER_RX, &id, &ulen, 200) == 0,
	   "%s rx mrg: a 1512-byte frame waits while 1024 bytes of buffers are posted",
	   ring);
	for (i = 0; i < 4; i++) {
		g = buf(&f, 256);
		r = rx_post(&f, g, 256);
		gpa[r] = g;
	}
	kick(&f, VNET_USER_RX);
	ok(rx_merged(&f, gpa, 256, HDR + 1500, 6),
	   "%s rx mrg: after more buffers it arrives whole in 6, num_buffers 6",
	   ring);
	ok(!vnet_user_failure(f.v, VNET_USER_RX), "%s rx mrg: no failure",
	   ring);
	fx_close(&f);
}

/* RX without MRG_RXBUF: a frame bigger than the buffer is dropped. */
static void test_rx_nomrg(bool packed)
{
	const char *ring = packed ? "packed" : "split";
	struct vnet_user_stats st;
	uint64_t gpa[NUM], g;
	struct fx f;
	int i, r;

	if (!ok(!fx_open(&f, packed, false), "%s rx no mrg: start", ring))
		return;
	for (i = 0; i < 2; i++) {
		g = buf(&f, 256);
		r = rx_post(&f, g, 256);
		gpa[r] = g;
	}
	kick(&f, VNET_USER_RX);
	net_send(&f, HDR + 1000, 1);
	net_send(&f, HDR + 200, 2);
	ok(rx_merged(&f, gpa, 256, HDR + 200, 1),
	   "%s rx no mrg: the 212-byte frame after a 1012-byte one fills a 256-byte buffer",
	   ring);
	stats(&f, VNET_USER_RX, &st);
	ok(st.dropped == 1 && st.packets == 1,
	   "%s rx no mrg: the frame bigger than a buffer dropped and counted (%llu)",
	   ring, (unsigned long long)st.dropped);
	fx_close(&f);
}

/* RX: hostile chains. */
static void test_rx_bad(bool packed)
{
	const char *ring = packed ? "packed" : "split";
	struct vnet_user_stats st;
	struct vha_drv_buf b[2];
	struct vha_drv *d;
	const char *why;
	uint64_t g;
	uint32_t ulen;
	struct fx f;
	uint16_t id, bad_id[2];
	bool good;

	if (!ok(!fx_open(&f, packed, true), "%s rx bad: start", ring))
		return;
	d = &f.drv[VNET_USER_RX];
	g = buf(&f, 2048);
	/* readable, and shorter than the header */
	b[0] = (struct vha_drv_buf){ g, 64 };
	b[1] = (struct vha_drv_buf){ g + 64, 64 };
	vha_drv_add(d, b, 1, b + 1, 1, false, &bad_id[0]);
	b[0] = (struct vha_drv_buf){ g, HDR - 1 };
	vha_drv_add(d, NULL, 0, b, 1, false, &bad_id[1]);
	g = buf(&f, 2048);
	rx_post(&f, g, 2048);
	kick(&f, VNET_USER_RX);
	net_send(&f, HDR + 100, 3);
	good = next_used(&f, VNET_USER_RX, &id, &ulen, WAIT_MS) == 1 &&
	       id == bad_id[0] && !ulen;
	good = good && next_used(&f, VNET_USER_RX, &id, &ulen, WAIT_MS) == 1 &&
	       id == bad_id[1] && !ulen;
	good = good && next_used(&f, VNET_USER_RX, &id, &ulen, WAIT_MS) == 1 &&
	       ulen == HDR + 100;
	stats(&f, VNET_USER_RX, &st);
	ok(good && st.bad_chains == 2,
	   "%s rx bad: a readable chain and one shorter than the header come back empty, the next buffer gets the frame",
	   ring);
	/* a buffer wrapping around the address space */
	b[0] = (struct vha_drv_buf){ ~0ULL - 100, 2048 };
	vha_drv_add(d, NULL, 0, b, 1, false, &id);
	kick(&f, VNET_USER_RX);
	net_send(&f, HDR + 100, 4);
	why = wait_failure(&f, VNET_USER_RX);
	ok(why && next_used(&f, VNET_USER_RX, &id, &ulen, 100) == 0,
	   "%s rx bad: a buffer wrapping the address space stops the queue (%s)",
	   ring, why ?: "no failure");
	fx_close(&f);
}

static void test_cfg(void)
{
	struct vnet_user_region r = { GPA, MEM, NULL };
	struct vnet_user_cfg cfg = {
		.regions = &r, .nregions = 1, .mrg_rxbuf = true,
		.hdr_len = 10, .tap = 0,
	};
	struct vnet_user *v;

	ok(vnet_user_start(&v, &cfg) == -EINVAL,
	   "cfg: MRG_RXBUF with a 10-byte header refused");
	cfg.hdr_len = 12;
	cfg.q[0].num = 3;
	cfg.q[1].num = 3;
	ok(vnet_user_start(&v, &cfg) == -EINVAL,
	   "cfg: a queue size of 3 refused (vringh)");
}

int main(void)
{
	int packed;

	printf("TAP version 13\n1..42\n");
	for (packed = 0; packed < 2; packed++) {
		test_tx(packed);
		test_tx_bad(packed);
		test_rx(packed);
		test_rx_mrg(packed);
		test_rx_nomrg(packed);
		test_rx_bad(packed);
	}
	test_cfg();
	return failed ? 1 : 0;
}
