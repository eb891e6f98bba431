// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-test: drive /dev/vhost-test (or any echoing vhost device) as a
 * virtio driver and check data integrity.
 *
 *   vhost-test [--dev PATH] [--packed] [--num N] [--bufs N] [--len BYTES]
 *              [--batch N] [--indirect] [--event-idx] [--queues 1|2]
 *              [--workers] [--poll]
 *
 * Each buffer is a chain of one readable buffer filled with a pattern that
 * depends on its sequence number and one writable buffer of the same size;
 * the test device copies the first into the second. Every used entry must
 * name a buffer in flight, report the full length, and carry the pattern.
 * --workers puts queue 1 on a second worker (VHOST_NEW_WORKER); --poll
 * busy-polls the used ring instead of waiting on the call eventfd.
 * Prints one line of results; exit status 0 only if all checks passed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "uapi/linux/vhost_accel.h"
#include "vhost_client.h"

struct opts {
	const char *dev;
	bool packed, indirect, event_idx, workers, poll;
	uint32_t num, len, batch, queues;
	uint64_t bufs;
};

struct inflight {
	uint64_t seq;
	uint64_t out, in;	/* guest addresses of the two buffers */
	bool busy;
};

struct queue {
	struct inflight *slot;	/* by buffer id */
	uint64_t data;		/* 2 * len bytes per ring slot */
	uint64_t started, done;
};

static uint8_t pattern(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 131 + i * 7 + (seq >> 8));
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "vhost-test: %s: %s\n", what, strerror(-err));
	return 1;
}

static int post(struct vha_vt *t, unsigned int q, struct queue *qs,
		const struct opts *o)
{
	struct vha_drv *d = &t->vq[q].drv;
	struct queue *qu = &qs[q];
	struct vha_drv_buf out, in;
	uint8_t *p;
	uint16_t id;
	uint64_t base;
	uint32_t i;
	int ret;

	base = qu->data + (qu->started % o->num) * 2ULL * o->len;
	out.addr = base;
	out.len = o->len;
	in.addr = base + o->len;
	in.len = o->len;
	ret = vha_drv_add(d, &out, 1, &in, 1, o->indirect, &id);
	if (ret)
		return ret;
	if (qu->slot[id].busy)
		return -EPROTO;
	p = vha_vt_ptr(t, out.addr, o->len);
	for (i = 0; i < o->len; i++)
		p[i] = pattern(qu->started, i);
	memset(vha_vt_ptr(t, in.addr, o->len), 0, o->len);
	qu->slot[id] = (struct inflight){ qu->started, out.addr, in.addr, 1 };
	qu->started++;
	return 0;
}

/* Collect used entries and check each; returns how many, or -errno. */
static int reap(struct vha_vt *t, unsigned int q, struct queue *qs,
		const struct opts *o)
{
	struct vha_drv *d = &t->vq[q].drv;
	struct queue *qu = &qs[q];
	unsigned int count;
	uint32_t len, i;
	uint8_t *p;
	uint16_t id;
	int ret, n = 0;

	while ((ret = vha_drv_get_used(d, &id, &len, &count)) == 1) {
		if (id >= o->num || !qu->slot[id].busy || len != o->len) {
			fprintf(stderr, "bad used entry id %u len %u\n", id, len);
			return -EPROTO;
		}
		p = vha_vt_ptr(t, qu->slot[id].in, o->len);
		for (i = 0; i < o->len; i++) {
			if (p[i] != pattern(qu->slot[id].seq, i)) {
				fprintf(stderr, "data mismatch buffer %llu byte %u\n",
					(unsigned long long)qu->slot[id].seq, i);
				return -EILSEQ;
			}
		}
		qu->slot[id].busy = false;
		qu->done++;
		n++;
	}
	return ret < 0 ? ret : n;
}

/* Make what was added visible and kick if the device asked for it. */
static int publish(struct vha_vt *t, unsigned int q)
{
	vha_drv_publish(&t->vq[q].drv);
	if (vha_drv_need_kick(&t->vq[q].drv))
		return vha_vt_kick(t, q);
	return 0;
}

/*
 * Post up to the batch size, publishing (and kicking if asked) every
 * VT_PUBLISH_EVERY chains so the device can start before the batch is full.
 */
enum { VT_PUBLISH_EVERY = 32 };

static int fill(struct vha_vt *t, unsigned int q, struct queue *qs,
		const struct opts *o)
{
	struct queue *qu = &qs[q];
	int ret, added = 0;

	while (qu->started < o->bufs && qu->started - qu->done < o->batch) {
		ret = post(t, q, qs, o);
		if (ret == -ENOSPC)
			break;
		if (ret)
			return ret;
		if (++added % VT_PUBLISH_EVERY == 0) {
			ret = publish(t, q);
			if (ret)
				return ret;
		}
	}
	if (added % VT_PUBLISH_EVERY == 0)
		return 0;
	return publish(t, q);
}

static int run(struct vha_vt *t, struct queue *qs, const struct opts *o)
{
	unsigned int q, idle = 0;
	uint64_t left;
	int ret, got;

	for (;;) {
		left = 0;
		got = 0;
		for (q = 0; q < o->queues; q++) {
			vha_drv_disable_cb(&t->vq[q].drv);
			ret = fill(t, q, qs, o);
			if (ret < 0)
				return ret;
			ret = reap(t, q, qs, o);
			if (ret < 0)
				return ret;
			got += ret;
			left += o->bufs - qs[q].done;
		}
		if (!left)
			return 0;
		if (got || o->poll) {
			idle = 0;
			continue;
		}
		for (q = 0; q < o->queues; q++) {
			if (qs[q].done == o->bufs)
				continue;
			vha_drv_enable_cb(&t->vq[q].drv);
			ret = reap(t, q, qs, o);
			if (ret)
				break;	/* raced with the device: go on */
			ret = vha_vt_wait(t, q, 1000);
			if (ret < 0)
				return ret;
			if (!ret && ++idle > 30)
				return -ETIMEDOUT;
			break;
		}
	}
}

static int setup(struct vha_vt *t, struct queue *qs, const struct opts *o)
{
	struct vha_vt_ring ring = {
		.num = o->num, .packed = o->packed, .event_idx = o->event_idx,
		.max_indirect = o->indirect ? 2 : 0,
	};
	uint64_t f = 1ULL << VIRTIO_F_VERSION_1;
	unsigned int q;
	int ret;

	if (o->packed)
		f |= 1ULL << VIRTIO_F_RING_PACKED;
	if (o->event_idx)
		f |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	if (o->indirect)
		f |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	ret = vha_vt_open(t, o->dev, 0x100000,
			  (uint64_t)o->queues * (2ULL * o->len * o->num +
						 64ULL * o->num + 8192) + 65536);
	if (!ret)
		ret = vha_vt_set_features(t, f);
	for (q = 0; !ret && q < o->queues; q++) {
		ret = vha_vt_vq_setup(t, q, &ring);
		if (!ret)
			ret = vha_vt_alloc(t, 2ULL * o->len * o->num, 64,
					   &qs[q].data);
		qs[q].slot = calloc(o->num, sizeof(*qs[q].slot));
		if (!ret && !qs[q].slot)
			ret = -ENOMEM;
	}
	return ret;
}

static int spread_workers(struct vha_vt *t)
{
	struct vhost_worker_state w = { 0 };
	struct vhost_vring_worker vw = { .index = 1 };

	if (ioctl(t->fd, VHOST_NEW_WORKER, &w))
		return -errno;
	vw.worker_id = w.worker_id;
	if (ioctl(t->fd, VHOST_ATTACH_VRING_WORKER, &vw))
		return -errno;
	return 0;
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "dev", 1, NULL, 'd' }, { "packed", 0, NULL, 'p' },
		{ "num", 1, NULL, 'n' }, { "bufs", 1, NULL, 'b' },
		{ "len", 1, NULL, 'l' }, { "batch", 1, NULL, 'B' },
		{ "indirect", 0, NULL, 'i' }, { "event-idx", 0, NULL, 'e' },
		{ "queues", 1, NULL, 'q' }, { "workers", 0, NULL, 'w' },
		{ "poll", 0, NULL, 'P' }, { NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ "/dev/vhost-test", false, false, false, false,
			    false, 256, 64, 64, 1, 1000000 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'p':
			o->packed = true;
			break;
		case 'n':
			o->num = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			o->bufs = strtoull(optarg, NULL, 0);
			break;
		case 'l':
			o->len = strtoul(optarg, NULL, 0);
			break;
		case 'B':
			o->batch = strtoul(optarg, NULL, 0);
			break;
		case 'i':
			o->indirect = true;
			break;
		case 'e':
			o->event_idx = true;
			break;
		case 'q':
			o->queues = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			o->workers = true;
			break;
		case 'P':
			o->poll = true;
			break;
		default:
			exit(2);
		}
	}
	if (!o->num || o->num > 32768 || !o->len || !o->batch ||
	    !o->queues || o->queues > 2 || (o->workers && o->queues < 2)) {
		fprintf(stderr, "vhost-test: bad arguments\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct queue qs[2] = { 0 };
	struct timespec a, b;
	struct vha_vt t;
	struct opts o;
	int test = 1, ret;
	double s;

	parse(argc, argv, &o);
	ret = setup(&t, qs, &o);
	if (ret)
		return fail("setup", ret);
	if (o.workers) {
		ret = spread_workers(&t);
		if (ret)
			return fail("worker", ret);
	}
	if (ioctl(t.fd, VHOST_TEST_RUN, &test))
		return fail("VHOST_TEST_RUN", -errno);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ret = run(&t, qs, &o);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (ret)
		return fail("run", ret);
	test = 0;
	if (ioctl(t.fd, VHOST_TEST_RUN, &test))
		return fail("VHOST_TEST_RUN 0", -errno);
	s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("ok: %s ring, %u queue(s), %llu buffers of %u bytes each verified in %.1fs (%.0f/s)\n",
	       o.packed ? "packed" : "split", o.queues,
	       (unsigned long long)(qs[0].done + qs[1].done), o.len, s,
	       (qs[0].done + qs[1].done) / s);
	vha_vt_close(&t);
	return 0;
}
