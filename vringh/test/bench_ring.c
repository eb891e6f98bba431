// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmark of vringh/: descriptor chains per second, split vs packed,
 * for used-batch sizes 1..64.  One thread plays both sides on a 256-entry
 * ring in plain memory: the driver (tools/vhost-test/vring_driver) adds
 * `batch` chains of one 64-byte readable and one 64-byte writable buffer and
 * publishes them; the device gets them, returns them with one vha_ring_push()
 * and asks vha_ring_need_notify(); the driver reaps them.
 *
 * "total" is the whole loop; "device" counts only the time in vha_ring_*
 * calls (measured per batch, so it includes one clock read per batch).
 * Usage: bench_ring [seconds per case, default 0.3]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vringh/test/fixture.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Device side of one batch; returns 0 or -1. */
static int device(struct fx *f, unsigned int batch)
{
	struct vha_used u[64];
	unsigned int k;

	for (k = 0; k < batch; k++) {
		f->chain.out_segs = 0;
		if (vha_ring_get(&f->ring, &f->chain) != 1)
			return -1;
		u[k] = (struct vha_used){ f->chain.id, f->chain.ndesc,
					  f->chain.in_bytes };
	}
	if (vha_ring_push(&f->ring, u, batch))
		return -1;
	return vha_ring_need_notify(&f->ring) < 0 ? -1 : 0;
}

static int driver_add(struct fx *f, unsigned int batch)
{
	struct vha_drv_buf out = { fx_buf(0), 64 }, in = { fx_buf(1), 64 };
	unsigned int k;
	uint16_t id;

	for (k = 0; k < batch; k++)
		if (vha_drv_add(&f->drv, &out, 1, &in, 1, false, &id))
			return -1;
	vha_drv_publish(&f->drv);
	return 0;
}

static int driver_reap(struct fx *f, unsigned int batch)
{
	unsigned int k, cnt;
	uint32_t len;
	uint16_t id;

	for (k = 0; k < batch; k++)
		if (vha_drv_get_used(&f->drv, &id, &len, &cnt) != 1)
			return -1;
	return 0;
}

static int run(bool packed, unsigned int batch, double secs, double *total,
	       double *dev)
{
	double start, t, in_dev = 0;
	unsigned long chains = 0;
	struct fx f;
	unsigned int k;

	if (fx_setup(&f, 256, packed ? VHA_RING_F_PACKED : 0))
		return -1;
	vha_drv_disable_cb(&f.drv);
	start = now();
	do {
		for (k = 0; k < 64; k++) {
			if (driver_add(&f, batch))
				goto fail;
			t = now();
			if (device(&f, batch))
				goto fail;
			in_dev += now() - t;
			if (driver_reap(&f, batch))
				goto fail;
			chains += batch;
		}
	} while (now() - start < secs);
	*total = chains / (now() - start);
	*dev = chains / in_dev;
	fx_teardown(&f);
	return 0;
fail:
	fprintf(stderr, "bench_ring: ring stopped (%s)\n",
		vha_ring_error_name(f.ring.error));
	fx_teardown(&f);
	return -1;
}

int main(int argc, char **argv)
{
	static const unsigned int batches[] = { 1, 2, 4, 8, 16, 32, 64 };
	double secs = argc > 1 ? atof(argv[1]) : 0.3;
	double st, sd, pt, pd;
	unsigned int i;

	printf("vringh chains/s (1 readable + 1 writable descriptor per chain, ring 256)\n");
	printf("%5s  %14s %14s  %14s %14s\n", "batch", "split total",
	       "split device", "packed total", "packed device");
	for (i = 0; i < ARRAY_SIZE(batches); i++) {
		if (run(false, batches[i], secs, &st, &sd) ||
		    run(true, batches[i], secs, &pt, &pd))
			return 1;
		printf("%5u  %14.0f %14.0f  %14.0f %14.0f\n", batches[i], st,
		       sd, pt, pd);
	}
	return 0;
}
