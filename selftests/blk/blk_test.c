// SPDX-License-Identifier: GPL-2.0
/*
 * vha-blk-test: /dev/vhost-blk against a real backend, as a guest's
 * virtio-blk driver would drive it (tools/vhost-test/blk_client), split
 * and packed rings. What the device wrote is checked from outside too:
 * the backend is read directly.
 *
 *   vha-blk-test BACKEND GROUP...
 *     GROUP: rw rules dwz flush getid mq inflight detach log ring ro
 *            iotlb ioerr owner stray
 *
 *   blk_client (guest rings) <-> /dev/vhost-blk <-> BACKEND
 *                                                     ^ pread/pwrite (test)
 *
 * Prints TAP (plan at the end); exit status 0 only if every point passed.
 */
#define _GNU_SOURCE		/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "uapi/linux/vhost_accel.h"
#include "uapi/linux/vhost_blk.h"
#include "blk_client.h"
#include "vq_counters.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int tap_count, tap_failed;
static const char *ring_name = "split";
static const char *backend_path;
static uint64_t capacity;		/* bytes */

static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" [%s]\n", ring_name);
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A pattern that says where it belongs: sector and a generation. */
static void fill(uint8_t *buf, uint64_t sector, uint32_t len, uint32_t gen)
{
	uint32_t i;

	for (i = 0; i < len; i += 4) {
		uint32_t v = (uint32_t)(sector * 512 + i) * 2654435761u ^ gen;

		memcpy(buf + i, &v, 4);
	}
}

static uint64_t backend_size(int fd)
{
	struct stat st;
	uint64_t size = 0;

	if (fstat(fd, &st))
		return 0;
	if (S_ISBLK(st.st_mode) && !ioctl(fd, BLKGETSIZE64, &size))
		return size;
	return st.st_size;
}

static void cfg_for(struct vbk_cfg *c, bool packed)
{
	memset(c, 0, sizeof(*c));
	c->queues = 1;
	c->num = 128;
	c->data_max = 128 << 10;
	c->packed = packed;
	c->event_idx = true;
	c->max_indirect = 32;
}

/* A device on BACKEND (opened with @flags). 0 or -errno. */
static int env_open(struct vbk_dev *d, const struct vbk_cfg *cfg, int flags,
		    int *befd)
{
	int ret;

	*befd = open(backend_path, flags | O_CLOEXEC);
	if (*befd < 0) {
		diag("open %s: %s", backend_path, strerror(errno));
		return -errno;
	}
	ret = vbk_open(d, cfg);
	if (!ret)
		ret = vbk_set_backend(d, *befd);
	if (ret) {
		diag("device: %s", strerror(-ret));
		vbk_close(d);
		close(*befd);
	}
	return ret;
}

static void env_close(struct vbk_dev *d, int befd)
{
	vbk_close(d);
	close(befd);
}

/* Read the backend directly: does [pos, pos + len) hold @want? */
static bool backend_has(int befd, uint64_t pos, const void *want,
			uint32_t len)
{
	uint8_t *got = malloc(len);
	bool ok;

	ok = got && pread(befd, got, len, pos) == (ssize_t)len &&
	     !memcmp(got, want, len);
	free(got);
	return ok;
}

/* ---- rw ---- */

/*
 * Write @n requests of random length at random places through queue @q
 * with @lay, read each back through the device and from the backend.
 */
static bool write_read(struct vbk_dev *d, int befd, unsigned int q,
		       unsigned int n, const struct vbk_layout *lay,
		       uint32_t max_len, uint32_t gen)
{
	uint8_t *buf = malloc(max_len), *back = malloc(max_len);
	uint64_t sector, sectors = capacity / 512;
	uint8_t status;
	uint32_t len, used;
	int slot, ret;
	bool ok = buf && back;
	unsigned int i;

	for (i = 0; i < n && ok; i++) {
		len = 512 * (1 + rnd() % (max_len / 512));
		sector = rnd() % (sectors - len / 512 + 1);
		fill(buf, sector, len, gen + i);
		slot = vbk_submit(d, q, VIRTIO_BLK_T_OUT, sector, buf, len,
				  lay);
		vbk_kick(d, q);
		ok = slot >= 0 &&
		     vbk_reap(d, q, &slot, &status, &used, 5000) == 1 &&
		     status == VIRTIO_BLK_S_OK && used == 1;
		if (!ok) {
			diag("write %u: sector %llu len %u: status %u", i,
			     (unsigned long long)sector, len, status);
			break;
		}
		slot = vbk_submit(d, q, VIRTIO_BLK_T_IN, sector, NULL, len,
				  lay);
		vbk_kick(d, q);
		ret = slot >= 0 ?
		      vbk_reap(d, q, &slot, &status, &used, 5000) : slot;
		ok = ret == 1 && status == VIRTIO_BLK_S_OK &&
		     used == len + 1 &&
		     !memcmp(vbk_data(d, q, slot), buf, len) &&
		     backend_has(befd, sector * 512, buf, len);
		if (!ok)
			diag("read %u: sector %llu len %u: ret %d status %u used %u",
			     i, (unsigned long long)sector, len, ret, status,
			     used);
	}
	free(buf);
	free(back);
	return ok;
}

/* Writes (each read back) per layout: random lengths up to 64 KiB. */
#define RW_WRITES 12

static void test_rw(bool packed)
{
	static const struct {
		const char *what;
		struct vbk_layout lay;
	} layouts[] = {
		{ "one descriptor each", {} },
		{ "header in 7 + 9 bytes", { .hdr_split = true } },
		{ "data in 3 descriptors", { .data_segs = 3 } },
		{ "writes: status at the end of a 16-byte buffer",
		  { .status_len = 16 } },
		{ "status in the last data descriptor",
		  { .status_joined = true } },
		{ "indirect table", { .indirect = true, .data_segs = 4 } },
		{ "data not 512-byte aligned (buffered path)",
		  { .data_off = 100, .data_segs = 2 } },
	};
	struct vbk_dev d;
	struct vbk_cfg cfg;
	unsigned int i;
	int befd;

	cfg_for(&cfg, packed);
	if (env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "rw: set-up");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(layouts); i++)
		result(write_read(&d, befd, 0, RW_WRITES, &layouts[i].lay,
				  64 << 10, i * 1000),
		       "rw: %u writes read back through the device and from the backend: %s",
		       RW_WRITES, layouts[i].what);
	result(vha_vq_count(getpid(), "blk", 0, "packets") == 2 * RW_WRITES * ARRAY_SIZE(layouts) &&
	       vha_vq_count(getpid(), "blk", 0, "chains") == vha_vq_count(getpid(), "blk", 0, "packets") &&
	       vha_vq_count(getpid(), "blk", 0, "errors") == 0 && vha_vq_count(getpid(), "blk", 0, "inflight") == 0 &&
	       vha_vq_count(getpid(), "blk", 1, "packets") == 0,
	       "rw: queue 0 counted %lld requests in %lld chains, %lld errors, %lld in flight (queue 1: %lld)",
	       vha_vq_count(getpid(), "blk", 0, "packets"), vha_vq_count(getpid(), "blk", 0, "chains"),
	       vha_vq_count(getpid(), "blk", 0, "errors"), vha_vq_count(getpid(), "blk", 0, "inflight"),
	       vha_vq_count(getpid(), "blk", 1, "packets"));
	env_close(&d, befd);
}

/* ---- stray writes ---- */

struct stray_req {
	uint8_t *data;			/* where the device may write the data */
	uint8_t *status;		/* and the status */
	uint64_t sector;
	uint32_t len;
};

/* Let the device write [p, p + len) in this round. */
static void allow(uint8_t *mask, const struct vbk_dev *d, const void *p,
		  uint64_t len)
{
	memset(mask + ((const uint8_t *)p - d->vt.mem), 1, len);
}

/*
 * Rounds of 48 reads in flight at once, random sizes, sectors and layouts
 * (data in 1-4 descriptors, not 512-aligned, status joined to the data,
 * indirect tables), each slot's data area filled with random bytes first:
 * after the round every byte of guest memory the device wrote must be a
 * read's data (equal to the backend), a status byte or the ring. A device
 * writing beyond a request's buffers corrupts the guest silently; nothing
 * else in the suite would see it.
 */
static void test_stray(bool packed)
{
	const uint64_t span = 4 << 20;	/* the backend area read */
	struct stray_req req[48];
	struct vbk_layout lay;
	uint8_t *back, *snap, *mask, *base, status;
	uint64_t stray = 0, first = 0, bad_data = 0, rings, size;
	unsigned int round, i, n, k, bad_status = 0, total = 0;
	struct vbk_cfg cfg;
	struct vbk_dev d;
	uint32_t used;
	int befd, slot;

	cfg_for(&cfg, packed);
	cfg.num = 256;
	cfg.data_max = 64 << 10;
	back = malloc(span);
	if (!back || env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "stray: set-up");
		free(back);
		return;
	}
	for (i = 0; i < span; i += 8) {
		uint64_t v = rnd();

		memcpy(back + i, &v, 8);
	}
	size = d.vt.size;
	snap = malloc(size);
	mask = malloc(size);
	if (!snap || !mask || pwrite(befd, back, span, 0) != (ssize_t)span ||
	    fsync(befd)) {
		result(false, "stray: set-up (%s)", strerror(errno));
		goto out;
	}
	rings = vha_drv_ring_size(cfg.num, packed);
	for (round = 0; round < 12; round++) {
		memset(mask, 0, size);
		allow(mask, &d, vha_vt_ptr(&d.vt, d.vt.vq[0].drv.desc, rings),
		      rings);
		for (n = 0; n < ARRAY_SIZE(req); n++) {
			lay = (struct vbk_layout){
				.data_segs = 1 + rnd() % 4,
				.data_off = rnd() % 3 ? 0 : rnd() % 512,
				.status_joined = !(rnd() % 4),
				.indirect = !(rnd() % 3),
				.hdr_split = !(rnd() % 5),
			};
			req[n].len = 512 * (1 + rnd() % 128);
			req[n].sector = rnd() % ((span - req[n].len) / 512 + 1);
			slot = d.q[0].free[d.q[0].nfree - 1];
			base = (uint8_t *)vbk_data(&d, 0, slot) -
			       d.q[0].slot[slot].data_off;
			for (k = 0; k < cfg.data_max + 512; k++)
				base[k] = rnd();
			if (vbk_submit(&d, 0, VIRTIO_BLK_T_IN, req[n].sector,
				       NULL, req[n].len, &lay) != slot)
				break;	/* the ring is full */
			req[n].data = vbk_data(&d, 0, slot);
			req[n].status = lay.status_joined ?
				req[n].data + req[n].len :
				vha_vt_ptr(&d.vt, d.q[0].status + 64ULL * slot,
					   1);
			allow(mask, &d, req[n].data, req[n].len);
			allow(mask, &d, req[n].status, 1);
		}
		memcpy(snap, d.vt.mem, size);
		vbk_kick(&d, 0);
		for (i = 0; i < n; i++)
			if (vbk_reap(&d, 0, &slot, &status, &used, 5000) != 1)
				break;
		if (i < n || n < ARRAY_SIZE(req) / 2) {
			result(false, "stray: round %u: %u of %u requests completed",
			       round, i, n);
			goto out;
		}
		total += n;
		for (i = 0; i < n; i++) {
			bad_status += *req[i].status != VIRTIO_BLK_S_OK;
			bad_data += !!memcmp(req[i].data,
					     back + req[i].sector * 512,
					     req[i].len);
		}
		for (k = 0; k < size; k++) {
			if (mask[k] || snap[k] == d.vt.mem[k])
				continue;
			if (!stray++)
				first = d.vt.gpa + k;
		}
	}
	result(!stray && !bad_data && !bad_status,
	       "stray: %u random reads, up to 48 in flight: the device wrote nothing outside their data, status and the ring (%llu stray bytes, first at 0x%llx; %llu wrong data, %u bad status)",
	       total, (unsigned long long)stray, (unsigned long long)first,
	       (unsigned long long)bad_data, bad_status);
out:
	free(snap);
	free(mask);
	free(back);
	env_close(&d, befd);
}

/* ---- rules ---- */

/* One request; its status (or -errno). */
static int one(struct vbk_dev *d, uint32_t type, uint64_t sector,
	       const void *data, uint32_t len, const struct vbk_layout *lay,
	       uint32_t *used)
{
	uint8_t status;
	uint32_t u;
	int slot, ret;

	slot = vbk_submit(d, 0, type, sector, data, len, lay);
	if (slot < 0)
		return slot;
	vbk_kick(d, 0);
	ret = vbk_reap(d, 0, &slot, &status, used ? used : &u, 5000);
	if (ret <= 0)
		return ret ? ret : -ETIMEDOUT;
	return status;
}

/* The backend's first and last 64 KiB, to prove a request left them. */
struct guard {
	uint8_t head[65536], tail[65536];
};

static void guard_set(struct guard *g, int befd)
{
	fill(g->head, 1, sizeof(g->head), 77);
	fill(g->tail, 2, sizeof(g->tail), 78);
	if (pwrite(befd, g->head, sizeof(g->head), 0) < 0 ||
	    pwrite(befd, g->tail, sizeof(g->tail),
		   capacity - sizeof(g->tail)) < 0)
		diag("guard: %s", strerror(errno));
	fsync(befd);
}

static bool guard_ok(const struct guard *g, int befd)
{
	return backend_has(befd, 0, g->head, sizeof(g->head)) &&
	       backend_has(befd, capacity - sizeof(g->tail), g->tail,
			   sizeof(g->tail));
}

static struct virtio_blk_discard_write_zeroes dwz_seg(uint64_t sector,
						       uint32_t num,
						       uint32_t flags)
{
	return (struct virtio_blk_discard_write_zeroes){
		.sector = sector, .num_sectors = num, .flags = flags,
	};
}

static void expect_rule(int befd, const struct guard *g, int want, int got,
			const char *what)
{
	result(got == want && guard_ok(g, befd),
	       "rule: %s -> status %d, backend untouched (got %d)", what,
	       want, got);
}

static void test_rules(bool packed)
{
	struct virtio_blk_discard_write_zeroes seg[20];
	uint64_t last = capacity / 512, huge = ~0ULL / 512 + 2;
	static uint8_t buf[65536];
	struct vbk_cfg cfg;
	struct vbk_dev d;
	struct guard *g = malloc(sizeof(*g));
	int befd, i;

	cfg_for(&cfg, packed);
	cfg.features = (1ULL << VIRTIO_BLK_F_DISCARD) |
		       (1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	if (!g || env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "rules: set-up");
		free(g);
		return;
	}
	guard_set(g, befd);
	fill(buf, 0, sizeof(buf), 99);
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_OUT, 0, buf, 1000, NULL, NULL),
	     "write of 1000 bytes (not a multiple of 512)");
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_IN, 0, NULL, 700, NULL, NULL),
	     "read of 700 bytes");
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_OUT, last - 1, buf, 1024, NULL, NULL),
	     "write of 2 sectors at the last sector (past the end)");
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_OUT, last, buf, 512, NULL, NULL),
	     "write at the sector after the last");
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_OUT, huge, buf, 512, NULL, NULL),
	     "write whose sector * 512 wraps 2^64");
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_OUT, ~0ULL, buf, 512, NULL, NULL),
	     "write at sector 2^64 - 1");
	expect_rule(befd, g, VIRTIO_BLK_S_UNSUPP,
	     one(&d, 77, 0, buf, 512, NULL, NULL), "unknown type 77");
	expect_rule(befd, g, VIRTIO_BLK_S_UNSUPP,
	     one(&d, VIRTIO_BLK_T_OUT | 0x80000000u, 0, buf, 512, NULL, NULL),
	     "legacy barrier flag on a write");
	seg[0] = dwz_seg(0, 8, 0);
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 15, NULL, NULL),
	     "write zeroes with 15 bytes of segments");
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 0, NULL, NULL),
	     "write zeroes with no segment");
	for (i = 0; i < 17; i++)
		seg[i] = dwz_seg(1000 + i * 8, 8, 0);
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 17 * sizeof(seg[0]),
		 NULL, NULL),
	     "write zeroes with 17 segments (limit 16)");
	seg[0] = dwz_seg(last - 4, 8, 0);
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, sizeof(seg[0]), NULL,
		 NULL),
	     "write zeroes past the end");
	seg[0] = dwz_seg(huge, 8, 0);
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_DISCARD, 0, seg, sizeof(seg[0]), NULL, NULL),
	     "discard whose sector * 512 wraps");
	seg[0] = dwz_seg(0, 0, 0);
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, sizeof(seg[0]), NULL,
		 NULL),
	     "write zeroes of 0 sectors");
	seg[0] = dwz_seg(0, VHOST_BLK_MAX_WRITE_ZEROES_SECTORS + 1, 0);
	expect_rule(befd, g, VIRTIO_BLK_S_IOERR,
	     one(&d, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, sizeof(seg[0]), NULL,
		 NULL),
	     "write zeroes over the sector limit");
	seg[0] = dwz_seg(0, 8, 2);
	expect_rule(befd, g, VIRTIO_BLK_S_UNSUPP,
	     one(&d, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, sizeof(seg[0]), NULL,
		 NULL),
	     "write zeroes with an unknown flag");
	seg[0] = dwz_seg(0, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	expect_rule(befd, g, VIRTIO_BLK_S_UNSUPP,
	     one(&d, VIRTIO_BLK_T_DISCARD, 0, seg, sizeof(seg[0]), NULL, NULL),
	     "discard with the UNMAP flag");
	env_close(&d, befd);

	/* Without the features negotiated, the commands are unsupported. */
	cfg.features = 0;
	if (env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "rules: set-up");
		free(g);
		return;
	}
	seg[0] = dwz_seg(0, 8, 0);
	expect_rule(befd, g, VIRTIO_BLK_S_UNSUPP,
	     one(&d, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, sizeof(seg[0]), NULL,
		 NULL),
	     "write zeroes without VIRTIO_BLK_F_WRITE_ZEROES");
	expect_rule(befd, g, VIRTIO_BLK_S_UNSUPP,
	     one(&d, VIRTIO_BLK_T_DISCARD, 0, seg, sizeof(seg[0]), NULL, NULL),
	     "discard without VIRTIO_BLK_F_DISCARD");
	expect_rule(befd, g, VIRTIO_BLK_S_OK,
	     one(&d, VIRTIO_BLK_T_IN, 0, NULL, 0, NULL, NULL),
	     "read of 0 bytes");
	env_close(&d, befd);
	free(g);
}

/* ---- flush, discard, write zeroes ---- */

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/*
 * Does the backend discard: a file (a punched hole), or a block device
 * whose queue says so?
 */
static bool backend_discards(void)
{
	const char *name = strrchr(backend_path, '/');
	unsigned long long max = 0;
	char path[160];
	struct stat st;
	FILE *f;

	if (stat(backend_path, &st) || !S_ISBLK(st.st_mode))
		return true;
	snprintf(path, sizeof(path), "/sys/block/%s/queue/discard_max_bytes",
		 name ? name + 1 : backend_path);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &max) != 1)
			max = 0;
		fclose(f);
	}
	return max;
}

static void test_dwz(bool packed)
{
	struct virtio_blk_discard_write_zeroes seg[2];
	static uint8_t buf[65536], back[65536];
	uint64_t f = (1ULL << VIRTIO_BLK_F_DISCARD) |
		     (1ULL << VIRTIO_BLK_F_WRITE_ZEROES) |
		     (1ULL << VIRTIO_BLK_F_FLUSH);
	struct vbk_cfg cfg;
	struct vbk_dev d;
	int befd, st, i;
	bool ok;

	cfg_for(&cfg, packed);
	cfg.features = f;
	if (env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "dwz: set-up");
		return;
	}
	fill(buf, 64, sizeof(buf), 5);
	st = one(&d, VIRTIO_BLK_T_OUT, 64, buf, sizeof(buf), NULL, NULL);
	result(st == VIRTIO_BLK_S_OK &&
	       one(&d, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, NULL, NULL) ==
	       VIRTIO_BLK_S_OK,
	       "flush after a write completes OK");
	for (i = 0; i < 2; i++) {
		seg[0] = dwz_seg(64 + 8, 16, i ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0);
		seg[1] = dwz_seg(64 + 40, 8, i ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0);
		st = one(&d, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, sizeof(seg),
			 NULL, NULL);
		ok = st == VIRTIO_BLK_S_OK &&
		     vbk_io(&d, 0, VIRTIO_BLK_T_IN, 64, back, sizeof(back)) ==
		     VIRTIO_BLK_S_OK;
		ok = ok && !memcmp(back, buf, 8 * 512) &&
		     all_zero(back + 8 * 512, 16 * 512) &&
		     !memcmp(back + 24 * 512, buf + 24 * 512, 16 * 512) &&
		     all_zero(back + 40 * 512, 8 * 512) &&
		     !memcmp(back + 48 * 512, buf + 48 * 512, 16 * 512);
		result(ok, "write zeroes%s of 2 segments: those sectors read as zeroes, the rest is kept (status %d)",
		       i ? " with UNMAP" : "", st);
		/* put the pattern back for the next round */
		one(&d, VIRTIO_BLK_T_OUT, 64, buf, sizeof(buf), NULL, NULL);
	}
	seg[0] = dwz_seg(64, 8, 0);
	st = one(&d, VIRTIO_BLK_T_DISCARD, 0, seg, sizeof(seg[0]), NULL, NULL);
	i = backend_discards();
	result(st == (i ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_UNSUPP),
	       "discard: %s (status %d)",
	       i ? "OK, the backend discards" : "UNSUPP, the backend cannot", st);
	result(backend_has(befd, (64 + 8) * 512, buf + 8 * 512, 512),
	       "discard left the sectors around it alone");
	env_close(&d, befd);
}

/* ---- FLUSH durability (a block device backend) ---- */

/* Read the disk itself (O_DIRECT). */
static bool device_has(uint64_t pos, const void *want, uint32_t len)
{
	void *got = NULL;
	bool ok;
	int fd;

	fd = open(backend_path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0 || posix_memalign(&got, 4096, len)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	ok = pread(fd, got, len, pos) == (ssize_t)len && !memcmp(got, want, len);
	free(got);
	close(fd);
	return ok;
}

/* Sectors the disk under BACKEND has written (/sys/block/X/stat). */
static long long sectors_written(void)
{
	const char *name = strrchr(backend_path, '/');
	unsigned long long f[7];
	char path[128];
	FILE *fp;
	int n;

	snprintf(path, sizeof(path), "/sys/block/%s/stat",
		 name ? name + 1 : backend_path);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	n = fscanf(fp, "%llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1],
		   &f[2], &f[3], &f[4], &f[5], &f[6]);
	fclose(fp);
	return n == 7 ? (long long)f[6] : -1;
}

/*
 * A write the device makes through the page cache (buffers not aligned
 * for direct I/O) completes before it reaches the disk; FLUSH must put it
 * there (5.2.6.2: a flush makes completed writes durable). The disk's own
 * write counter shows when the data went down (a direct read would write
 * the page cache back itself).
 */
static void test_flush(bool packed)
{
	struct vbk_layout unaligned = { .data_off = 100 };
	static uint8_t data[65536];
	uint64_t sector = 4096 + packed * 256;
	long long w0, w1, w2;
	struct vbk_cfg cfg;
	struct vbk_dev d;
	int befd, st;

	cfg_for(&cfg, packed);
	cfg.features = 1ULL << VIRTIO_BLK_F_FLUSH;
	if (env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "flush: set-up");
		return;
	}
	fill(data, sector, sizeof(data), 2);
	w0 = sectors_written();
	st = one(&d, VIRTIO_BLK_T_OUT, sector, data, sizeof(data), &unaligned,
		 NULL);
	w1 = sectors_written();
	result(st == VIRTIO_BLK_S_OK && w0 >= 0 && w1 - w0 < 128,
	       "flush: an unaligned write completes into the page cache, not yet on the disk (%lld sectors written)",
	       w1 - w0);
	st = one(&d, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, NULL, NULL);
	w2 = sectors_written();
	result(st == VIRTIO_BLK_S_OK && w2 - w0 >= 128 &&
	       device_has(sector * 512, data, sizeof(data)),
	       "flush: after FLUSH the disk has it (%lld sectors written, status %d)",
	       w2 - w0, st);
	env_close(&d, befd);
}

/* ---- GET_ID ---- */

/* The data of the request reaped last on queue 0 (its slot is on top). */
static void *last_data(struct vbk_dev *d)
{
	return vbk_data(d, 0, d->q[0].free[d->q[0].nfree - 1]);
}

static void test_getid(bool packed)
{
	char serial[VIRTIO_BLK_ID_BYTES], got[64];
	struct vbk_cfg cfg;
	struct vbk_dev d;
	uint32_t used;
	int befd, st;

	cfg_for(&cfg, packed);
	if (env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "getid: set-up");
		return;
	}
	memset(got, 'x', sizeof(got));
	st = vbk_io(&d, 0, VIRTIO_BLK_T_GET_ID, 0, got, 20);
	result(st == VIRTIO_BLK_S_OK && all_zero((uint8_t *)got, 20),
	       "GET_ID before VHOST_BLK_SET_SERIAL: 20 zero bytes");
	memcpy(serial, "vha-serial-0123456789", sizeof(serial));
	result(vbk_set_serial(&d, serial) == 0, "VHOST_BLK_SET_SERIAL");
	st = one(&d, VIRTIO_BLK_T_GET_ID, 0, NULL, 20, NULL, &used);
	memcpy(got, last_data(&d), 20);
	result(st == VIRTIO_BLK_S_OK && !memcmp(got, serial, 20) &&
	       used == 21,
	       "GET_ID returns the 20 bytes, no NUL (used length %u)", used);
	st = one(&d, VIRTIO_BLK_T_GET_ID, 0, NULL, 8, NULL, &used);
	memcpy(got, last_data(&d), 8);
	result(st == VIRTIO_BLK_S_OK && !memcmp(got, serial, 8) && used == 9,
	       "GET_ID into an 8-byte buffer: its first 8 bytes");
	env_close(&d, befd);
}

/* ---- ring errors ---- */

static void test_ring(bool packed)
{
	struct vbk_layout short_hdr = { .hdr_len = 8 };
	struct vbk_layout no_status = { .no_status = true };
	static uint8_t buf[4096];
	struct vbk_cfg cfg;
	struct vbk_dev d;
	int befd, i, slot;
	uint8_t status;
	uint32_t used;

	for (i = 0; i < 2; i++) {
		cfg_for(&cfg, packed);
		cfg.queues = 2;
		if (env_open(&d, &cfg, O_RDWR, &befd)) {
			result(false, "ring: set-up");
			return;
		}
		/* the readable part is all header: 8 bytes of it */
		slot = vbk_submit(&d, 0, i ? VIRTIO_BLK_T_OUT :
				  VIRTIO_BLK_T_IN, 0, buf, 4096,
				  i ? &no_status : &short_hdr);
		vbk_kick(&d, 0);
		result(slot >= 0 &&
		       vbk_reap(&d, 0, &slot, &status, &used, 3000) == -EIO,
		       "ring: a chain %s: error eventfd, nothing returned",
		       i ? "without a writable status byte" :
			   "whose readable part is an 8-byte header");
		result(vbk_io(&d, 1, VIRTIO_BLK_T_OUT, 8, buf, 4096) ==
		       VIRTIO_BLK_S_OK,
		       "ring: the other queue goes on");
		env_close(&d, befd);
	}
}

/* ---- read-only ---- */

static void test_ro(bool packed)
{
	struct virtio_blk_discard_write_zeroes seg = dwz_seg(0, 8, 0);
	static uint8_t buf[4096];
	struct vbk_cfg cfg;
	struct vbk_dev d;
	int befd;

	cfg_for(&cfg, packed);
	cfg.features = 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	if (env_open(&d, &cfg, O_RDONLY, &befd)) {
		result(false, "ro: set-up");
		return;
	}
	result(vbk_io(&d, 0, VIRTIO_BLK_T_IN, 0, buf, 4096) ==
	       VIRTIO_BLK_S_OK, "ro backend: read OK");
	result(vbk_io(&d, 0, VIRTIO_BLK_T_OUT, 0, buf, 4096) ==
	       VIRTIO_BLK_S_IOERR, "ro backend: write -> IOERR");
	result(vbk_io(&d, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, &seg,
		      sizeof(seg)) == VIRTIO_BLK_S_IOERR,
	       "ro backend: write zeroes -> IOERR");
	env_close(&d, befd);

	cfg.features |= 1ULL << VIRTIO_BLK_F_RO;
	if (env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "ro: set-up");
		return;
	}
	result(vbk_io(&d, 0, VIRTIO_BLK_T_OUT, 0, buf, 4096) ==
	       VIRTIO_BLK_S_IOERR,
	       "VIRTIO_BLK_F_RO negotiated: write -> IOERR");
	env_close(&d, befd);
}

/* ---- many in flight, detach, close ---- */

/* Submit @n random writes on queue 0 without waiting; the slots used. */
static unsigned int flood(struct vbk_dev *d, unsigned int n, uint32_t gen)
{
	static uint8_t buf[64 << 10];
	uint64_t sector;
	unsigned int i;
	uint32_t len;

	for (i = 0; i < n; i++) {
		len = 512 * (1 + rnd() % 128);
		sector = rnd() % (capacity / 512 - len / 512 + 1);
		fill(buf, sector, len, gen + i);
		if (vbk_submit(d, 0, VIRTIO_BLK_T_OUT, sector, buf, len,
			       NULL) < 0)
			break;
		if (i % 16 == 15)
			vbk_kick(d, 0);
	}
	vbk_kick(d, 0);
	return i;
}

/*
 * Detach with requests in flight: the call returns once every request the
 * device took is back, each OK; GET_VRING_BASE is then just past them;
 * attached again, the queue takes the ones it had not reached.
 */
static void test_detach(bool packed)
{
	struct vhost_vring_state s = { .index = 0 };
	unsigned int n, got1 = 0, got2 = 0, ok = 0, want;
	struct vbk_cfg cfg;
	struct vbk_dev d;
	uint8_t status;
	uint32_t used;
	int befd, slot, ret;

	cfg_for(&cfg, packed);
	cfg.num = 512;		/* 128 requests of 3 descriptors */
	if (env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "detach: set-up");
		return;
	}
	n = flood(&d, 128, 300);
	ret = vbk_set_backend(&d, -1);
	while (vbk_reap(&d, 0, &slot, &status, &used, 0) == 1) {
		got1++;
		ok += status == VIRTIO_BLK_S_OK;
	}
	ioctl(d.vt.fd, VHOST_GET_VRING_BASE, &s);
	/* packed: 3 descriptors per request (header, data, status) */
	want = packed ? (got1 * 3) % 512 : got1;
	if (ret || ok != got1)
		diag("detach: %d, %u of %u OK", ret, ok, got1);
	result(ret == 0 && n == 128 && got1 && ok == got1 &&
	       (s.num & 0x7fff) == want,
	       "detach with 128 writes queued: returns with the %u the device took completed OK, base 0x%x",
	       got1, s.num);
	ret = vbk_set_backend(&d, befd);
	while (got1 + got2 < n &&
	       vbk_reap(&d, 0, &slot, &status, &used, 3000) == 1) {
		got2++;
		ok += status == VIRTIO_BLK_S_OK;
	}
	result(ret == 0 && got1 + got2 == n && ok == n,
	       "attached again, the queue goes on where it stopped (%u more, %u OK in all)",
	       got2, ok);
	env_close(&d, befd);
}

static void test_inflight(bool packed)
{
	struct vbk_cfg cfg;
	struct vbk_dev d;
	unsigned int n;
	int befd, i;

	for (i = 0; i < 2; i++) {
		cfg_for(&cfg, packed);
		cfg.num = 512;
		if (env_open(&d, &cfg, O_RDWR, &befd)) {
			result(false, "inflight: set-up");
			return;
		}
		n = flood(&d, 128, 500);
		if (i)
			ioctl(d.vt.fd, VHOST_RESET_OWNER, NULL);
		result(n == 128,
		       "128 random writes in flight, then %s",
		       i ? "RESET_OWNER and close()" : "close()");
		env_close(&d, befd);
	}
	cfg_for(&cfg, packed);
	result(!env_open(&d, &cfg, O_RDWR, &befd) &&
	       vbk_io(&d, 0, VIRTIO_BLK_T_IN, 0, NULL, 4096) ==
	       VIRTIO_BLK_S_OK,
	       "a new device works after that");
	env_close(&d, befd);
}

/* The owner dies with requests in flight (SIGKILL). */
static void test_owner(bool packed)
{
	struct vbk_cfg cfg;
	int status, pfd[2];
	pid_t pid;
	char c = 0;

	cfg_for(&cfg, packed);
	cfg.num = 1024;
	if (pipe(pfd))
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		struct vbk_dev d;
		int befd;

		if (!env_open(&d, &cfg, O_RDWR, &befd))
			flood(&d, 200, 900);
		if (write(pfd[1], &c, 1) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) < 0)
		diag("owner: %s", strerror(errno));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(pfd[0]);
	result(WIFSIGNALED(status),
	       "the owner is killed with 200 writes in flight (the runner checks for leaks and splats)");
}

/* ---- multiqueue ---- */

struct mq_arg {
	struct vbk_dev *d;
	int befd;
	unsigned int q;
	bool ok;
};

enum { MQ_REGIONS = 32, MQ_LEN = 16384 };

/*
 * Each queue writes MQ_REGIONS regions of its own stripe over and over,
 * 16 in flight; then every region is read from the backend and one
 * through the device.
 */
static void *mq_writer(void *p)
{
	struct mq_arg *a = p;
	uint64_t stripe = capacity / 512 / VBK_MAX_QUEUES, base, sector;
	uint8_t *buf = malloc(MQ_LEN);
	unsigned int i, inflight = 0, done = 0;
	uint8_t status;
	uint32_t used;
	int slot;

	base = stripe * a->q;
	a->ok = buf;
	for (i = 0; i < 8 * MQ_REGIONS && a->ok; i++) {
		sector = base + (i % MQ_REGIONS) * (MQ_LEN / 512);
		fill(buf, sector, MQ_LEN, a->q);
		if (vbk_submit(a->d, a->q, VIRTIO_BLK_T_OUT, sector, buf,
			       MQ_LEN, NULL) < 0) {
			a->ok = false;
			break;
		}
		inflight++;
		vbk_kick(a->d, a->q);
		while (inflight >= 16 || (i == 8 * MQ_REGIONS - 1 && inflight)) {
			if (vbk_reap(a->d, a->q, &slot, &status, &used,
				     5000) != 1 ||
			    status != VIRTIO_BLK_S_OK) {
				a->ok = false;
				break;
			}
			inflight--;
			done++;
		}
	}
	a->ok = a->ok && done == 8 * MQ_REGIONS;
	for (i = 0; i < MQ_REGIONS && a->ok; i++) {
		sector = base + i * (MQ_LEN / 512);
		fill(buf, sector, MQ_LEN, a->q);
		a->ok = backend_has(a->befd, sector * 512, buf, MQ_LEN);
	}
	a->ok = a->ok &&
		vbk_io(a->d, a->q, VIRTIO_BLK_T_IN, sector, NULL, MQ_LEN) ==
		VIRTIO_BLK_S_OK &&
		!memcmp(vbk_data(a->d, a->q,
				 a->d->q[a->q].free[a->d->q[a->q].nfree - 1]),
			buf, MQ_LEN);
	free(buf);
	return NULL;
}

static void test_mq(bool packed)
{
	struct vhost_vring_worker w;
	struct mq_arg a[4];
	pthread_t th[4];
	struct vbk_cfg cfg;
	struct vbk_dev d;
	unsigned int n, i, distinct;
	uint32_t ids[4];
	int befd;
	bool ok;

	for (n = 2; n <= 4; n += 2) {
		cfg_for(&cfg, packed);
		cfg.queues = n;
		cfg.data_max = MQ_LEN;
		if (env_open(&d, &cfg, O_RDWR, &befd)) {
			result(false, "mq: set-up");
			return;
		}
		for (i = 0, distinct = 0; i < n; i++) {
			w = (struct vhost_vring_worker){ .index = i };
			ids[i] = ioctl(d.vt.fd, VHOST_GET_VRING_WORKER, &w) ?
				 ~0u : w.worker_id;
			distinct += !i || ids[i] != ids[i - 1];
		}
		result(distinct == n,
		       "mq: %u queues, each on a worker of its own (worker_per_queue)",
		       n);
		for (i = 0; i < n; i++) {
			a[i] = (struct mq_arg){ &d, befd, i, false };
			pthread_create(&th[i], NULL, mq_writer, &a[i]);
		}
		for (i = 0, ok = true; i < n; i++) {
			pthread_join(th[i], NULL);
			ok = ok && a[i].ok;
		}
		result(ok,
		       "mq: %u queues, concurrent writers, 16 in flight each: all OK, data on the backend",
		       n);
		env_close(&d, befd);
	}
}

/* ---- dirty log ---- */

static bool log_bit(const uint8_t *log, uint64_t gpa)
{
	uint64_t pfn = gpa / 4096;

	return (log[pfn / 8] >> (pfn % 8)) & 1;
}

static void test_log(bool packed)
{
	uint64_t f = 1ULL << VHOST_F_LOG_ALL, base, data, st, used;
	struct vhost_vring_state vs = { .index = 0 };
	struct vhost_vring_addr a;
	struct vbk_cfg cfg;
	struct vbk_dev d;
	uint8_t *log;
	unsigned int missing = 0, i;
	int befd, slot;

	cfg_for(&cfg, packed);
	cfg.data_max = 65536;
	if (env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "log: set-up");
		return;
	}
	log = calloc(1, (d.vt.gpa + d.vt.size) / 4096 / 8 + 8);
	base = (uintptr_t)log;
	f |= d.vt.features;
	a = (struct vhost_vring_addr){ .index = 0, .flags = 1u << VHOST_VRING_F_LOG,
		.desc_user_addr = vha_vt_hva(&d.vt, d.vt.vq[0].drv.desc),
		.used_user_addr = vha_vt_hva(&d.vt, d.vt.vq[0].drv.used),
		.avail_user_addr = vha_vt_hva(&d.vt, d.vt.vq[0].drv.avail),
		.log_guest_addr = d.vt.vq[0].drv.used };
	/* Logging turned on while the queue runs, as at a migration. */
	if (ioctl(d.vt.fd, VHOST_SET_LOG_BASE, &base) ||
	    ioctl(d.vt.fd, VHOST_SET_FEATURES, &f) ||
	    ioctl(d.vt.fd, VHOST_SET_VRING_ADDR, &a)) {
		result(false, "log: set-up (%s)", strerror(errno));
		goto out;
	}
	slot = d.q[0].free[d.q[0].nfree - 1];
	if (vbk_io(&d, 0, VIRTIO_BLK_T_IN, 0, NULL, 65536) !=
	    VIRTIO_BLK_S_OK) {
		result(false, "log: read");
		goto out;
	}
	/*
	 * The worker logs the used ring after it publishes the entry the
	 * read above already saw: read the log once the queue's mutex has
	 * been through the worker, as a VMM reads it after GET_VRING_BASE.
	 */
	if (ioctl(d.vt.fd, VHOST_GET_VRING_BASE, &vs)) {
		result(false, "log: GET_VRING_BASE (%s)", strerror(errno));
		goto out;
	}
	data = (uint64_t)((uint8_t *)vbk_data(&d, 0, slot) - d.vt.mem) +
	       d.vt.gpa;
	for (i = 0; i < 16; i++)
		missing += !log_bit(log, data + i * 4096);
	st = d.q[0].status + 64ULL * slot;
	used = packed ? d.vt.vq[0].drv.desc : d.vt.vq[0].drv.used;
	result(!missing, "log: every page of a 64 KiB read is logged (%u missing)",
	       missing);
	result(log_bit(log, st), "log: the status byte's page is logged");
	result(log_bit(log, used), "log: the used ring's page is logged");
out:
	free(log);
	env_close(&d, befd);
}

/* ---- IOTLB ---- */

static void test_iotlb(bool packed)
{
	uint64_t bf = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;
	struct vhost_msg_v2 m = { .type = VHOST_IOTLB_MSG_V2 };
	struct vhost_vring_addr a;
	struct vbk_cfg cfg;
	struct vbk_dev d;
	int befd;
	bool ok;

	cfg_for(&cfg, packed);
	cfg.features = 1ULL << VIRTIO_F_ACCESS_PLATFORM;
	if (vbk_open(&d, &cfg)) {
		result(false, "iotlb: set-up");
		return;
	}
	befd = open(backend_path, O_RDWR | O_CLOEXEC);
	a = (struct vhost_vring_addr){ .index = 0,
		.desc_user_addr = d.vt.vq[0].drv.desc,
		.used_user_addr = d.vt.vq[0].drv.used,
		.avail_user_addr = d.vt.vq[0].drv.avail };
	m.iotlb = (struct vhost_iotlb_msg){ .iova = d.vt.gpa,
		.size = d.vt.size, .uaddr = (uintptr_t)d.vt.mem,
		.perm = VHOST_ACCESS_RW, .type = VHOST_IOTLB_UPDATE };
	ok = !ioctl(d.vt.fd, VHOST_SET_BACKEND_FEATURES, &bf) &&
	     !ioctl(d.vt.fd, VHOST_SET_VRING_ADDR, &a) &&
	     write(d.vt.fd, &m, sizeof(m)) == sizeof(m) &&
	     !vbk_set_backend(&d, befd);
	result(ok && write_read(&d, befd, 0, 8, NULL, 16384, 4000),
	       "iotlb: writes and reads through an IOTLB (identity map)");
	vbk_close(&d);
	close(befd);
}

/* ---- backend I/O errors (a null_blk with bad blocks 0-7) ---- */

static void test_ioerr(bool packed)
{
	static uint8_t buf[4096];
	struct vbk_cfg cfg;
	struct vbk_dev d;
	int befd;

	cfg_for(&cfg, packed);
	if (env_open(&d, &cfg, O_RDWR, &befd)) {
		result(false, "ioerr: set-up");
		return;
	}
	result(vbk_io(&d, 0, VIRTIO_BLK_T_IN, 0, buf, 4096) ==
	       VIRTIO_BLK_S_IOERR, "ioerr: a read of bad sectors -> IOERR");
	result(vbk_io(&d, 0, VIRTIO_BLK_T_OUT, 0, buf, 4096) ==
	       VIRTIO_BLK_S_IOERR, "ioerr: a write of bad sectors -> IOERR");
	result(vbk_io(&d, 0, VIRTIO_BLK_T_OUT, 64, buf, 4096) ==
	       VIRTIO_BLK_S_OK &&
	       vbk_io(&d, 0, VIRTIO_BLK_T_IN, 64, buf, 4096) ==
	       VIRTIO_BLK_S_OK,
	       "ioerr: the requests after it, elsewhere, are OK");
	result(vha_vq_count(getpid(), "blk", 0, "err_backend") == 2 && vha_vq_count(getpid(), "blk", 0, "packets") == 4 &&
	       vha_vq_count(getpid(), "blk", 0, "bytes") == 2 * 4096 && vha_vq_count(getpid(), "blk", 0, "errors") == 0,
	       "ioerr: queue 0 counted %lld backend errors, %lld requests, %lld bytes done, %lld ring errors",
	       vha_vq_count(getpid(), "blk", 0, "err_backend"), vha_vq_count(getpid(), "blk", 0, "packets"),
	       vha_vq_count(getpid(), "blk", 0, "bytes"), vha_vq_count(getpid(), "blk", 0, "errors"));
	env_close(&d, befd);
}

static void run_group(const char *grp)
{
	int p;

	for (p = 0; p < 2; p++) {
		ring_name = p ? "packed" : "split";
		if (!strcmp(grp, "rw"))
			test_rw(p);
		else if (!strcmp(grp, "rules"))
			test_rules(p);
		else if (!strcmp(grp, "dwz"))
			test_dwz(p);
		else if (!strcmp(grp, "flush"))
			test_flush(p);
		else if (!strcmp(grp, "getid"))
			test_getid(p);
		else if (!strcmp(grp, "ring"))
			test_ring(p);
		else if (!strcmp(grp, "ro"))
			test_ro(p);
		else if (!strcmp(grp, "detach"))
			test_detach(p);
		else if (!strcmp(grp, "inflight"))
			test_inflight(p);
		else if (!strcmp(grp, "owner"))
			test_owner(p);
		else if (!strcmp(grp, "mq"))
			test_mq(p);
		else if (!strcmp(grp, "log"))
			test_log(p);
		else if (!strcmp(grp, "iotlb"))
			test_iotlb(p);
		else if (!strcmp(grp, "ioerr"))
			test_ioerr(p);
		else if (!strcmp(grp, "stray"))
			test_stray(p);
		else {
			result(false, "unknown group %s", grp);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	int fd, i;

	printf("TAP version 13\n");
	if (argc < 3) {
		printf("1..1\nnot ok 1 - usage: %s BACKEND GROUP...\n", argv[0]);
		return 1;
	}
	backend_path = argv[1];
	fd = open(backend_path, O_RDONLY | O_CLOEXEC);
	capacity = fd < 0 ? 0 : backend_size(fd) / 512 * 512;
	if (fd >= 0)
		close(fd);
	diag("backend %s, %llu bytes", backend_path,
	     (unsigned long long)capacity);
	if (capacity < (16 << 20)) {
		printf("1..1\nnot ok 1 - backend %s: less than 16 MiB\n",
		       backend_path);
		return 1;
	}
	for (i = 2; i < argc; i++)
		run_group(argv[i]);
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
