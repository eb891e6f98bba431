// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vringh/ against the driver in tools/vhost-test/vring_driver,
 * both ring layouts.  Prints TAP; exit status 1 if any test failed.
 *
 * Each hostile-input test writes one broken structure and checks the exact
 * errno and reason; the comment names the rule (VIRTIO 1.2 section).
 */
#include <stdio.h>
#include <stdlib.h>

#include "vringh/test/fixture.h"
#include "vringh/internal.h"

static int vha_table_xlate_for_test(const struct vha_memtable *t, u64 addr,
				    u32 len, bool write, struct iovec *iov,
				    unsigned int max)
{
	(void)write;
	return vha_table_xlate(t, addr, len, iov, max);
}

/*
 * A failed check is reported and counted; the test goes on (every test is
 * bounded) and main() marks it "not ok".
 */
static unsigned int check_failures;

static bool check_at(bool ok, const char *what, const char *fn, int line)
{
	if (!ok) {
		printf("# %s:%d: CHECK(%s) failed\n", fn, line, what);
		check_failures++;
	}
	return ok;
}

#define CHECK(cond) check_at(!!(cond), #cond, __func__, __LINE__)

enum { SPLIT = 1, PACKED = 2, BOTH = 3 };

static uint32_t layout(bool packed)
{
	return packed ? VHA_RING_F_PACKED : 0;
}

static int get(struct fx *f)
{
	fx_chain_reset(f);
	return vha_ring_get(&f->ring, &f->chain);
}

/* get() must fail with err and reason why, and the ring must stay broken. */
static bool expect_err(struct fx *f, int err, enum vha_ring_error why)
{
	int ret = get(f);

	if (ret != -err || f->ring.error != why) {
		printf("# got %d (%s), want %d (%s)\n", ret,
		       vha_ring_error_name(f->ring.error), -err,
		       vha_ring_error_name(why));
		return false;
	}
	return get(f) == -EIO;
}

/* Hostile descriptor at table index / ring slot i, made available. */
static void raw(struct fx *f, uint32_t i, uint64_t addr, uint32_t len,
		uint16_t flags, uint16_t next_or_id)
{
	if (f->drv.cfg.packed)
		flags |= vha_drv_avail_flags(&f->drv);
	vha_drv_raw_desc(&f->drv, vha_drv_desc_gpa(&f->drv, i), addr, len,
			 flags, next_or_id);
}

/* Publish split head 0 (packed: slot 0 was made available by raw()). */
static void raw_publish(struct fx *f)
{
	if (!f->drv.cfg.packed)
		vha_drv_raw_avail(&f->drv, 0);
}

/* Write entry k of the indirect table at FX_TABLES. */
static void raw_table(struct fx *f, uint32_t k, uint64_t addr, uint32_t len,
		      uint16_t flags, uint16_t next)
{
	vha_drv_raw_desc(&f->drv, FX_GPA + FX_TABLES + 16ULL * k, addr, len,
			 flags, next);
}

static bool setup(struct fx *f, bool packed, uint32_t num, uint32_t feat)
{
	return !fx_setup(f, num, layout(packed) | feat);
}

/* ---- well-formed traffic ---------------------------------------------- */

static bool t_basic(bool packed)
{
	struct fx f;
	uint16_t id;
	bool ok;

	ok = setup(&f, packed, 16, 0);
	if (!CHECK(ok))
		return false;
	CHECK(get(&f) == 0);
	CHECK(fx_add(&f, 2, 1, false, &id) == 0);
	CHECK(get(&f) == 0);		/* not published yet */
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1);
	CHECK(f.chain.id == id);
	CHECK(f.chain.out_segs == 2 && f.chain.in_segs == 1);
	CHECK(f.chain.out_bytes == 128 && f.chain.in_bytes == 64);
	CHECK(f.chain.ndesc == (packed ? 3 : 1));
	CHECK(fx_segs_inside(&f));
	CHECK(f.chain.nlog == 1 && f.log[0].len == 64);
	CHECK(get(&f) == 0);
	fx_teardown(&f);
	return true;
}

/* Data goes through the segments and the used length comes back. */
static bool roundtrip(bool packed, bool indirect)
{
	struct vha_drv_buf out = { fx_buf(3), 100 }, in[2] = {
		{ fx_buf(10) + 4000, 200 },	/* crosses into buffer 11 */
		{ fx_buf(20), 50 } };
	struct vha_used u;
	char msg[100], got[250], echo[250];
	uint32_t len;
	uint16_t id, uid;
	unsigned int i, cnt;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_INDIRECT)))
		return false;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (char)(i * 7 + 1);
	memcpy(f.mem + (out.addr - FX_GPA), msg, sizeof(msg));
	CHECK(vha_drv_add(&f.drv, &out, 1, in, 2, indirect, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1);
	CHECK(f.chain.out_bytes == 100 && f.chain.in_bytes == 250);
	CHECK(vha_iov_copy_from(got, f.iov, f.chain.out_segs, 0, 100) == 0);
	CHECK(memcmp(got, msg, 100) == 0);
	for (i = 0; i < sizeof(echo); i++)
		echo[i] = (char)(255 - i);
	CHECK(vha_iov_copy_to(f.iov + f.chain.out_segs, f.chain.in_segs, 0,
			      echo, 250) == 0);
	CHECK(vha_iov_length(f.iov + f.chain.out_segs, f.chain.in_segs) ==
	      250);
	CHECK(vha_iov_copy_to(f.iov + f.chain.out_segs, f.chain.in_segs, 250,
			      echo, 1) == -EINVAL);
	CHECK(vha_iov_copy_from(got, f.iov, f.chain.out_segs, 1, 100) ==
	      -EINVAL);
	u = (struct vha_used){ f.chain.id, f.chain.ndesc, 250 };
	CHECK(vha_ring_push(&f.ring, &u, 1) == 0);
	CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1);
	CHECK(uid == id && len == 250 && cnt == 1);
	CHECK(memcmp(f.mem + (in[0].addr - FX_GPA), echo, 200) == 0);
	CHECK(memcmp(f.mem + (in[1].addr - FX_GPA), echo + 200, 50) == 0);
	CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 0);
	fx_teardown(&f);
	return true;
}

static bool t_roundtrip(bool packed)
{
	return roundtrip(packed, false);
}

static bool t_indirect(bool packed)
{
	return roundtrip(packed, true);
}

/* A buffer across the boundary of two memory regions gives two segments. */
static bool t_region_span(bool packed)
{
	struct vha_drv_buf b = { FX_GPA + FX_SPLIT - 10, 30 };
	uint16_t id;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(vha_drv_add(&f.drv, &b, 1, NULL, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1);
	CHECK(f.chain.out_segs == 2);
	CHECK(f.iov[0].iov_len == 10 && f.iov[1].iov_len == 20);
	CHECK((uint64_t)(uintptr_t)f.iov[0].iov_base ==
	      fx_host(&f, b.addr));
	CHECK((uint64_t)(uintptr_t)f.iov[1].iov_base ==
	      fx_host(&f, FX_GPA + FX_SPLIT));
	fx_teardown(&f);
	return true;
}

/* Many laps around a small ring: indices and wrap counters roll over. */
static bool t_wrap(bool packed)
{
	unsigned int lap, k, cnt, n = 0;
	struct vha_used u[3];
	uint16_t id, uid;
	uint32_t len;
	struct fx f;

	/* packed: 7 slots, chains of 3 descriptors, so slots misalign */
	if (!CHECK(setup(&f, packed, packed ? 7 : 8, 0)))
		return false;
	for (lap = 0; lap < 200; lap++) {
		for (k = 0; k < 2; k++)
			CHECK(fx_add(&f, 2, 1, false, &id) == 0);
		vha_drv_publish(&f.drv);
		for (k = 0; k < 2; k++) {
			CHECK(get(&f) == 1);
			CHECK(f.chain.out_segs == 2 && f.chain.in_segs == 1);
			u[k] = (struct vha_used){ f.chain.id, f.chain.ndesc,
						  lap + k };
		}
		CHECK(get(&f) == 0);
		CHECK(vha_ring_push(&f.ring, u, 2) == 0);
		for (k = 0; k < 2; k++) {
			CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1);
			CHECK(uid == u[k].id && len == lap + k);
			n++;
		}
	}
	CHECK(n == 400);
	fx_teardown(&f);
	return true;
}

/* Batches of 1..num used entries, published with one index/flags write. */
static bool t_batch(bool packed)
{
	struct vha_used u[32];
	unsigned int b, k, cnt;
	uint16_t id, uid;
	uint32_t len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 32, 0)))
		return false;
	for (b = 1; b <= 32; b++) {
		for (k = 0; k < b; k++)
			CHECK(fx_add(&f, 1, 0, false, &id) == 0);
		vha_drv_publish(&f.drv);
		for (k = 0; k < b; k++) {
			CHECK(get(&f) == 1);
			u[k] = (struct vha_used){ f.chain.id, f.chain.ndesc,
						  k };
		}
		CHECK(vha_ring_push(&f.ring, u, b) == 0);
		for (k = 0; k < b; k++) {
			CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1);
			CHECK(uid == u[k].id && len == k);
		}
		CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 0);
	}
	fx_teardown(&f);
	return true;
}

/* Out-of-order completion (packed: skipping by each chain's length). */
static bool t_out_of_order(bool packed)
{
	struct vha_used u[3];
	unsigned int k, cnt;
	uint16_t id[3], uid;
	uint32_t len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	for (k = 0; k < 3; k++)
		CHECK(fx_add(&f, k + 1, 0, false, &id[k]) == 0);
	vha_drv_publish(&f.drv);
	for (k = 0; k < 3; k++) {
		CHECK(get(&f) == 1);
		u[2 - k] = (struct vha_used){ f.chain.id, f.chain.ndesc, k };
	}
	CHECK(vha_ring_push(&f.ring, u, 1) == 0);
	CHECK(vha_ring_push(&f.ring, u + 1, 2) == 0);
	for (k = 0; k < 3; k++) {
		CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1);
		CHECK(uid == id[2 - k]);
	}
	/* the ring is whole again: fill it completely */
	for (k = 0; k < 8; k++)
		CHECK(fx_add(&f, 1, 0, false, &id[0]) == 0);
	CHECK(fx_add(&f, 1, 0, false, &id[0]) == -ENOSPC);
	fx_teardown(&f);
	return true;
}

/* 2.8.8: in order, a batch whose earlier entries wrote nothing is one entry */
static bool t_in_order(bool packed)
{
	struct vha_used u[4];
	unsigned int k, cnt;
	uint16_t id, uid;
	uint32_t len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_IN_ORDER)))
		return false;
	for (k = 0; k < 4; k++)
		CHECK(fx_add(&f, 1, 1, false, &id) == 0);
	vha_drv_publish(&f.drv);
	for (k = 0; k < 4; k++) {
		CHECK(get(&f) == 1);
		u[k] = (struct vha_used){ f.chain.id, f.chain.ndesc,
					  k == 3 ? 9 : 0 };
	}
	CHECK(vha_ring_push(&f.ring, u, 4) == 0);
	/* packed writes one entry for all four; split writes four */
	for (k = 0; k < (packed ? 1u : 4u); k++) {
		CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1);
		CHECK(uid == u[packed ? 3 : k].id && cnt == (packed ? 4 : 1));
	}
	CHECK(uid == id && len == 9);
	CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 0);
	fx_teardown(&f);
	return true;
}

static bool t_unget(bool packed)
{
	uint16_t id[2];
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(fx_add(&f, 2, 0, false, &id[0]) == 0);
	CHECK(fx_add(&f, 1, 0, false, &id[1]) == 0);
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1 && f.chain.id == id[0]);
	vha_ring_unget(&f.ring, &f.chain);
	CHECK(get(&f) == 1 && f.chain.id == id[0]);
	CHECK(get(&f) == 1 && f.chain.id == id[1]);
	CHECK(get(&f) == 0);
	fx_teardown(&f);
	return true;
}

/*
 * Split heads are read ahead in runs (r->heads): a run stops at the ring's
 * end and at the published index, and a position that unget moved back
 * before the current run is read again, not taken from the run.
 */
static bool t_heads_ahead(bool packed)
{
	unsigned int k, cnt;
	uint16_t id[5], uid;
	struct vha_used u;
	uint32_t len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	for (k = 0; k < 6; k++) {	/* to position 6, two before the end */
		CHECK(fx_add(&f, 1, 0, false, &id[0]) == 0);
		vha_drv_publish(&f.drv);
		CHECK(get(&f) == 1 && f.chain.id == id[0]);
		u = (struct vha_used){ f.chain.id, f.chain.ndesc, 0 };
		CHECK(vha_ring_push(&f.ring, &u, 1) == 0);
		CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1);
	}
	for (k = 0; k < 3; k++)		/* slots 6, 7 and 0 */
		CHECK(fx_add(&f, 1, 0, false, &id[k]) == 0);
	vha_drv_publish(&f.drv);
	for (k = 0; k < 3; k++)
		CHECK(get(&f) == 1 && f.chain.id == id[k]);
	for (k = 3; k < 5; k++)		/* published after that run was read */
		CHECK(fx_add(&f, 1, 0, false, &id[k]) == 0);
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1 && f.chain.id == id[3]);
	vha_ring_unget(&f.ring, &f.chain);	/* id[3], then id[2] */
	vha_ring_unget(&f.ring, &f.chain);
	for (k = 2; k < 5; k++)
		CHECK(get(&f) == 1 && f.chain.id == id[k]);
	CHECK(get(&f) == 0);
	fx_teardown(&f);
	return true;
}

/* VHOST_GET/SET_VRING_BASE: a new ring continues where the old one was. */
static bool t_base(bool packed)
{
	unsigned int k, cnt;
	struct vha_used u;
	uint16_t id, uid;
	uint32_t base, len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 5 + !packed * 3, 0)))
		return false;
	for (k = 0; k < 13; k++) {	/* 13 two-slot chains: wraps */
		CHECK(fx_add(&f, 1, 1, false, &id) == 0);
		vha_drv_publish(&f.drv);
		CHECK(get(&f) == 1);
		u = (struct vha_used){ f.chain.id, f.chain.ndesc, 1 };
		CHECK(vha_ring_push(&f.ring, &u, 1) == 0);
		CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1);
	}
	CHECK(fx_add(&f, 1, 1, false, &id) == 0);
	vha_drv_publish(&f.drv);
	base = vha_ring_get_base(&f.ring);
	if (packed) {	/* 26 slots of 5: slot 1, wrap flipped 5 times */
		CHECK(base == (1 | 0u << 15 | 1u << 16 | 0u << 31));
	} else {
		CHECK(base == 13);
	}
	CHECK(fx_ring_init(&f) == 0);
	CHECK(vha_ring_set_base(&f.ring, base) == 0);
	CHECK(vha_ring_start(&f.ring) == 0);
	CHECK(vha_ring_get_base(&f.ring) == base);
	CHECK(get(&f) == 1 && f.chain.id == id);
	u = (struct vha_used){ f.chain.id, f.chain.ndesc, 7 };
	CHECK(vha_ring_push(&f.ring, &u, 1) == 0);
	CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1);
	CHECK(uid == id && len == 7);
	fx_teardown(&f);
	return true;
}

/*
 * The driver's own new descriptor, not yet published, is not a used one:
 * on the second lap a zero flags word would read as "used" (found by the
 * fuzzer's clean-run oracle in vring_driver).
 */
static bool t_driver_pending_head(bool packed)
{
	struct vha_used u[2];
	unsigned int k, cnt;
	uint16_t id, uid;
	uint32_t len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 4, 0)))
		return false;
	for (k = 0; k < 2; k++)
		CHECK(fx_add(&f, 1, 1, false, &id) == 0);
	vha_drv_publish(&f.drv);
	for (k = 0; k < 2; k++) {
		CHECK(get(&f) == 1);
		u[k] = (struct vha_used){ f.chain.id, f.chain.ndesc, 0 };
	}
	CHECK(vha_ring_push(&f.ring, u, 2) == 0);
	for (k = 0; k < 2; k++)
		CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1);
	CHECK(fx_add(&f, 1, 1, false, &id) == 0);
	CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 0);
	CHECK(get(&f) == 0);
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1 && f.chain.id == id);
	fx_teardown(&f);
	return true;
}

/* ---- notifications ------------------------------------------------------ */

static int push_one(struct fx *f)
{
	struct vha_used u;
	uint16_t id;

	if (fx_add(f, 1, 0, false, &id))
		return -1;
	vha_drv_publish(&f->drv);
	if (get(f) != 1)
		return -1;
	u = (struct vha_used){ f->chain.id, f->chain.ndesc, 0 };
	if (vha_ring_push(&f->ring, &u, 1))
		return -1;
	return vha_ring_need_notify(&f->ring);
}

static bool drain(struct fx *f)
{
	unsigned int cnt;
	uint16_t id;
	uint32_t len;

	while (vha_drv_get_used(&f->drv, &id, &len, &cnt) == 1)
		;
	return true;
}

/* 2.7.7 / 2.8.10 without event index: a flag turns interrupts off. */
static bool t_notify_flags(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(push_one(&f) == 1);
	vha_drv_disable_cb(&f.drv);
	CHECK(push_one(&f) == 0);
	CHECK(push_one(&f) == 0);
	vha_drv_enable_cb(&f.drv);
	CHECK(push_one(&f) == 1);
	drain(&f);
	fx_teardown(&f);
	return true;
}

/* 2.7.7.2 / 2.8.10 with event index: notify when the event is passed. */
static bool t_notify_event(bool packed)
{
	unsigned int k;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_EVENT_IDX)))
		return false;
	CHECK(push_one(&f) == 1);	/* first time: always */
	drain(&f);
	for (k = 0; k < 20; k++) {
		vha_drv_delay_cb(&f.drv, 3);
		CHECK(push_one(&f) == 0);
		CHECK(push_one(&f) == 0);
		CHECK(push_one(&f) == 1);
		CHECK(push_one(&f) == 0);
		drain(&f);
	}
	vha_drv_disable_cb(&f.drv);
	for (k = 0; k < 20; k++) {
		CHECK(push_one(&f) == 0);
		drain(&f);
	}
	fx_teardown(&f);
	return true;
}

/*
 * Device-side kick suppression and the re-check after enabling.  Split with
 * the event index: "disabled" means avail_event stops moving, so the driver
 * kicks once more when it passes the old value and never after that.
 * Packed always has the DISABLE flag.
 */
static bool notify_enable(bool packed, uint32_t feat)
{
	bool event = feat & VHA_RING_F_EVENT_IDX;
	uint16_t id;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, feat)))
		return false;
	CHECK(vha_ring_disable_notify(&f.ring) == 0);
	CHECK(fx_add(&f, 1, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(vha_drv_need_kick(&f.drv) == (event && !packed));
	CHECK(fx_add(&f, 1, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(!vha_drv_need_kick(&f.drv));
	/* published while disabled: enabling must report it (race check) */
	CHECK(vha_ring_enable_notify(&f.ring) == 1);
	CHECK(get(&f) == 1 && get(&f) == 1);
	CHECK(vha_ring_enable_notify(&f.ring) == 0);
	CHECK(fx_add(&f, 1, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(vha_drv_need_kick(&f.drv));
	CHECK(vha_ring_disable_notify(&f.ring) == 0);
	CHECK(get(&f) == 1);
	CHECK(fx_add(&f, 1, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(!vha_drv_need_kick(&f.drv));
	fx_teardown(&f);
	return true;
}

static bool t_enable_flags(bool packed)
{
	return notify_enable(packed, 0);
}

static bool t_enable_event(bool packed)
{
	return notify_enable(packed, VHA_RING_F_EVENT_IDX);
}

/*
 * The driver's kick decision covers everything published since the last
 * decision, even when it published by itself on the way (packed: after 64
 * pending heads): the device's event position lies in the early part.
 */
static bool t_kick_after_auto_publish(bool packed)
{
	uint16_t id;
	struct fx f;
	int k;

	if (!CHECK(setup(&f, packed, 128, VHA_RING_F_EVENT_IDX)))
		return false;
	CHECK(vha_ring_enable_notify(&f.ring) == 0);
	for (k = 0; k < 70; k++)
		CHECK(fx_add(&f, 1, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(vha_drv_need_kick(&f.drv));
	CHECK(fx_add(&f, 1, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(!vha_drv_need_kick(&f.drv));
	fx_teardown(&f);
	return true;
}

/*
 * Too few buffers for a packet: the device gives back what it took and
 * waits for more.  The plain re-check sees the given-back chain again (a
 * device that retried on it would spin); enabling at the end of what it
 * saw reports only new buffers, and the driver is asked to kick for them.
 */
static bool t_enable_at(bool packed)
{
	struct vha_ring_pos end;
	struct vha_chain back;
	uint16_t id;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_EVENT_IDX)))
		return false;
	CHECK(fx_add(&f, 1, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	vha_drv_need_kick(&f.drv);
	CHECK(get(&f) == 1);
	back = f.chain;
	CHECK(get(&f) == 0);
	vha_ring_avail_pos(&f.ring, &end);
	vha_ring_unget(&f.ring, &back);
	CHECK(vha_ring_enable_notify(&f.ring) == 1);
	CHECK(vha_ring_enable_notify_at(&f.ring, &end) == 0);
	CHECK(fx_add(&f, 1, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(vha_drv_need_kick(&f.drv));
	CHECK(vha_ring_enable_notify_at(&f.ring, &end) == 1);
	CHECK(get(&f) == 1 && get(&f) == 1 && get(&f) == 0);
	fx_teardown(&f);
	return true;
}

/* ---- configuration rules -------------------------------------------------- */

static bool init_fails(struct fx *f, uint64_t desc, uint64_t avail,
		       uint64_t used, uint32_t num, enum vha_ring_error why)
{
	struct vha_ring_config c = f->cfg;
	struct vha_ring r;

	c.desc += desc;
	c.avail += avail;
	c.used += used;
	c.num = num;
	return vha_ring_init(&r, &c) == -EINVAL && r.error == why &&
	       vha_ring_get(&r, &f->chain) == -EIO;
}

/* 2.7 / 2.8.10.1: alignment of the three areas; queue size limits. */
static bool t_config(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(init_fails(&f, 8, 0, 0, 8, VHA_ERR_ALIGN));
	CHECK(init_fails(&f, 0, packed ? 2 : 1, 0, 8, VHA_ERR_ALIGN));
	CHECK(init_fails(&f, 0, 0, 2, 8, VHA_ERR_ALIGN));
	CHECK(init_fails(&f, 0, 0, 0, 0, VHA_ERR_CONFIG));
	CHECK(init_fails(&f, 0, 0, 0, 32769, VHA_ERR_CONFIG));
	if (!packed)
		CHECK(init_fails(&f, 0, 0, 0, 6, VHA_ERR_CONFIG));
	f.cfg.features |= 1u << 20;
	CHECK(init_fails(&f, 0, 0, 0, 8, VHA_ERR_CONFIG));
	fx_teardown(&f);
	return true;
}

/*
 * A packed base with only the avail half (the vhost-user convention DPDK's
 * and SPDK's virtio_user use with /dev/vhost-net: 0x8000 for a new ring)
 * puts used where avail is; read literally, the used wrap counter would be
 * 0 and the driver would never see a used descriptor.  Three laps of
 * traffic, then a restart from the avail half of a saved base.
 */
static bool t_base_avail_half(bool packed)
{
	struct vha_used u;
	unsigned int k, cnt;
	uint16_t id, uid;
	uint32_t base, len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(vha_ring_set_base(&f.ring, 1u << VHA_PACKED_WRAP_SHIFT) == 0);
	CHECK(vha_ring_start(&f.ring) == 0);
	for (k = 0; k < 3 * 8 + 3; k++) {
		if (k == 20) {	/* restart as DPDK would: avail half only */
			base = vha_ring_get_base(&f.ring);
			CHECK(base >> 16 == (base & 0xffff));
			CHECK(fx_ring_init(&f) == 0);
			CHECK(vha_ring_set_base(&f.ring, base & 0xffff) == 0);
			CHECK(vha_ring_start(&f.ring) == 0);
			CHECK(vha_ring_get_base(&f.ring) == base);
		}
		CHECK(fx_add(&f, 1, 0, false, &id) == 0);
		vha_drv_publish(&f.drv);
		CHECK(get(&f) == 1 && f.chain.id == id);
		u = (struct vha_used){ f.chain.id, f.chain.ndesc, 0 };
		CHECK(vha_ring_push(&f.ring, &u, 1) == 0);
		CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1 &&
		      uid == id);
	}
	fx_teardown(&f);
	return true;
}

/*
 * VHOST_SET_VRING_ADDR on a running ring (QEMU turning on the used-ring
 * log at a migration's start) keeps the position: chains taken before are
 * returned at the right slots, the next one is found.  A misaligned
 * address is refused and changes nothing.
 */
static bool t_set_addr_running(bool packed)
{
	struct vha_used u[2];
	unsigned int cnt;
	uint16_t id[3], uid;
	uint32_t base, len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(fx_add(&f, 1, 1, false, &id[0]) == 0);
	CHECK(fx_add(&f, 1, 1, false, &id[1]) == 0);
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1);
	u[0] = (struct vha_used){ f.chain.id, f.chain.ndesc, 3 };
	CHECK(get(&f) == 1);
	u[1] = (struct vha_used){ f.chain.id, f.chain.ndesc, 4 };
	base = vha_ring_get_base(&f.ring);
	CHECK(vha_ring_set_addr(&f.ring, f.cfg.desc + 8, f.cfg.avail,
				f.cfg.used) == -EINVAL);
	CHECK(vha_ring_set_addr(&f.ring, f.cfg.desc, f.cfg.avail,
				f.cfg.used) == 0);
	CHECK(f.ring.error == VHA_ERR_NONE);
	CHECK(vha_ring_get_base(&f.ring) == base);
	CHECK(get(&f) == 0);
	CHECK(vha_ring_push(&f.ring, u, 2) == 0);
	CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1 &&
	      uid == id[0] && len == 3);
	CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1 &&
	      uid == id[1] && len == 4);
	CHECK(fx_add(&f, 1, 1, false, &id[2]) == 0);
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1 && f.chain.id == id[2]);
	fx_teardown(&f);
	return true;
}

/* Base values the ring cannot hold are refused (packed: slot >= num). */
static bool t_bad_base(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	if (packed) {
		CHECK(vha_ring_set_base(&f.ring, 8) == -EINVAL);
		CHECK(fx_ring_init(&f) == 0);
		CHECK(vha_ring_set_base(&f.ring, 9u << 16) == -EINVAL);
	} else {
		CHECK(vha_ring_set_base(&f.ring, 0x10000) == -EINVAL);
	}
	CHECK(f.ring.error == VHA_ERR_CONFIG);
	fx_teardown(&f);
	return true;
}

/* ---- hostile descriptors ---------------------------------------------------- */

/* 2.7.5.2: loops are forbidden (split: a cycle through next). */
static bool t_loop(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	if (packed) {	/* 2.8.17: a chain longer than the ring */
		uint32_t k;

		for (k = 1; k < 8; k++)
			raw(&f, k, fx_buf(k), 8, VHA_DESC_F_NEXT, 0);
		raw(&f, 0, fx_buf(0), 8, VHA_DESC_F_NEXT, 0);
	} else {
		raw(&f, 0, fx_buf(0), 8, VHA_DESC_F_NEXT, 1);
		raw(&f, 1, fx_buf(1), 8, VHA_DESC_F_NEXT, 0);
		raw_publish(&f);
	}
	CHECK(expect_err(&f, ELOOP, VHA_ERR_CHAIN_LOOP));
	fx_teardown(&f);
	return true;
}

/* Loop inside an indirect table (2.7.5.3 entries chain by next). */
static bool t_indirect_loop(bool packed)
{
	struct fx f;

	(void)packed;
	if (!CHECK(setup(&f, false, 8, VHA_RING_F_INDIRECT)))
		return false;
	raw_table(&f, 0, fx_buf(0), 8, VHA_DESC_F_NEXT, 1);
	raw_table(&f, 1, fx_buf(1), 8, VHA_DESC_F_NEXT, 0);
	raw(&f, 0, FX_GPA + FX_TABLES, 32, VHA_DESC_F_INDIRECT, 0);
	raw_publish(&f);
	CHECK(expect_err(&f, ELOOP, VHA_ERR_CHAIN_LOOP));
	fx_teardown(&f);
	return true;
}

/* 2.7.5.3.1 / 2.8.19: an indirect table longer than the queue size. */
static bool t_indirect_long(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 4, VHA_RING_F_INDIRECT)))
		return false;
	raw(&f, 0, FX_GPA + FX_TABLES, 5 * 16, VHA_DESC_F_INDIRECT, 0);
	raw_publish(&f);
	CHECK(expect_err(&f, ELOOP, VHA_ERR_CHAIN_LOOP));
	fx_teardown(&f);
	return true;
}

/* 2.7.5: next is an index into the descriptor table. */
static bool t_next_range(bool packed)
{
	struct fx f;

	(void)packed;
	if (!CHECK(setup(&f, false, 8, 0)))
		return false;
	raw(&f, 0, fx_buf(0), 8, VHA_DESC_F_NEXT, 8);
	raw_publish(&f);
	CHECK(expect_err(&f, ERANGE, VHA_ERR_NEXT_RANGE));
	fx_teardown(&f);
	return true;
}

static bool t_indirect_next_range(bool packed)
{
	struct fx f;

	(void)packed;
	if (!CHECK(setup(&f, false, 8, VHA_RING_F_INDIRECT)))
		return false;
	raw_table(&f, 0, fx_buf(0), 8, VHA_DESC_F_NEXT, 2);
	raw_table(&f, 1, fx_buf(1), 8, 0, 0);
	raw(&f, 0, FX_GPA + FX_TABLES, 32, VHA_DESC_F_INDIRECT, 0);
	raw_publish(&f);
	CHECK(expect_err(&f, ERANGE, VHA_ERR_NEXT_RANGE));
	fx_teardown(&f);
	return true;
}

/* 2.7.6: avail ring entries are heads inside the table. */
static bool t_head_range(bool packed)
{
	struct fx f;

	(void)packed;
	if (!CHECK(setup(&f, false, 8, 0)))
		return false;
	vha_drv_raw_avail(&f.drv, 9);
	CHECK(expect_err(&f, ERANGE, VHA_ERR_HEAD_RANGE));
	fx_teardown(&f);
	return true;
}

/* Packed: buffer ids are below the queue size (see packed.c). */
static bool t_id_range(bool packed)
{
	struct fx f;

	(void)packed;
	if (!CHECK(setup(&f, true, 8, 0)))
		return false;
	raw(&f, 0, fx_buf(0), 8, 0, 8);
	CHECK(expect_err(&f, ERANGE, VHA_ERR_ID_RANGE));
	fx_teardown(&f);
	return true;
}

/* 2.7.6 / 2.7.13.3: avail->idx never runs more than num ahead. */
static bool t_avail_idx(bool packed)
{
	struct fx f;

	(void)packed;
	if (!CHECK(setup(&f, false, 8, 0)))
		return false;
	vha_drv_raw_avail_idx(&f.drv, 8);	/* exactly num: fine */
	CHECK(get(&f) == 1);
	CHECK(fx_ring_init(&f) == 0);
	vha_drv_raw_avail_idx(&f.drv, 9);
	CHECK(expect_err(&f, EOVERFLOW, VHA_ERR_AVAIL_IDX));
	CHECK(fx_ring_init(&f) == 0);
	vha_drv_raw_avail_idx(&f.drv, 0xffff);	/* "behind": also corrupt */
	CHECK(vha_ring_enable_notify(&f.ring) == -EOVERFLOW);
	fx_teardown(&f);
	return true;
}

/* 2.8.1 / 2.8.21.1: a later chain descriptor with the wrong wrap bits. */
static bool t_wrap_counter(bool packed)
{
	struct fx f;

	(void)packed;
	if (!CHECK(setup(&f, true, 8, 0)))
		return false;
	/* head looks used (AVAIL == USED == 1): not available, not an error */
	vha_drv_raw_desc(&f.drv, vha_drv_desc_gpa(&f.drv, 0), fx_buf(0), 8,
			 VHA_DESC_F_AVAIL | VHA_DESC_F_USED, 0);
	CHECK(get(&f) == 0);
	/* second descriptor carries the previous lap's bits */
	vha_drv_raw_desc(&f.drv, vha_drv_desc_gpa(&f.drv, 1), fx_buf(1), 8,
			 VHA_DESC_F_USED, 0);
	raw(&f, 0, fx_buf(0), 8, VHA_DESC_F_NEXT, 0);
	CHECK(expect_err(&f, EINVAL, VHA_ERR_WRAP));
	fx_teardown(&f);
	return true;
}

static bool indirect_err(bool packed, uint32_t feat, uint32_t len,
			 uint16_t flags, int err, enum vha_ring_error why)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, feat)))
		return false;
	raw_table(&f, 0, fx_buf(0), 8, 0, 0);
	raw_table(&f, 1, fx_buf(1), 8, 0, 0);
	raw(&f, 0, FX_GPA + FX_TABLES, len, VHA_DESC_F_INDIRECT | flags, 1);
	raw(&f, 1, fx_buf(2), 8, 0, 0);
	raw_publish(&f);
	CHECK(expect_err(&f, err, why));
	fx_teardown(&f);
	return true;
}

/* 2.7.5.3 / 2.8.7: table length is a non-zero multiple of 16. */
static bool t_indirect_len(bool packed)
{
	return indirect_err(packed, VHA_RING_F_INDIRECT, 0, 0, EINVAL,
			    VHA_ERR_INDIRECT_LEN) &&
	       indirect_err(packed, VHA_RING_F_INDIRECT, 24, 0, EINVAL,
			    VHA_ERR_INDIRECT_LEN);
}

/* 2.7.5.3.1 / 2.8.19: INDIRECT and NEXT together. */
static bool t_indirect_next(bool packed)
{
	return indirect_err(packed, VHA_RING_F_INDIRECT, 32, VHA_DESC_F_NEXT,
			    EINVAL, VHA_ERR_INDIRECT_NEXT);
}

/*
 * Direct descriptors followed by an indirect one: valid for split
 * (2.7.5.3.2 the device must handle it), forbidden for packed (2.8.19).
 */
static bool t_indirect_after_direct(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_INDIRECT)))
		return false;
	raw_table(&f, 0, fx_buf(1), 8, VHA_DESC_F_WRITE, 0);
	raw(&f, 1, FX_GPA + FX_TABLES, 16, VHA_DESC_F_INDIRECT, 0);
	raw(&f, 0, fx_buf(0), 8, VHA_DESC_F_NEXT, 1);
	raw_publish(&f);
	if (packed) {
		CHECK(expect_err(&f, EINVAL, VHA_ERR_INDIRECT_NEXT));
	} else {
		CHECK(get(&f) == 1);
		CHECK(f.chain.out_segs == 1 && f.chain.in_segs == 1);
	}
	fx_teardown(&f);
	return true;
}

/* 2.7.5.3.1 / 2.8.19: INDIRECT only when negotiated. */
static bool t_indirect_feature(bool packed)
{
	return indirect_err(packed, 0, 32, 0, EINVAL,
			    VHA_ERR_INDIRECT_FEATURE);
}

/* 2.7.5.3.1 / 2.8.19: no indirect table inside an indirect table. */
static bool t_indirect_nested(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_INDIRECT)))
		return false;
	raw_table(&f, 0, FX_GPA + FX_TABLES, 16, VHA_DESC_F_INDIRECT, 0);
	raw(&f, 0, FX_GPA + FX_TABLES, 16, VHA_DESC_F_INDIRECT, 0);
	raw_publish(&f);
	CHECK(expect_err(&f, EINVAL, VHA_ERR_INDIRECT_NESTED));
	fx_teardown(&f);
	return true;
}

/* 2.7.4.2 / 2.8.17: writable descriptors come after readable ones. */
static bool t_write_order(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	raw(&f, 1, fx_buf(1), 8, 0, 0);
	raw(&f, 0, fx_buf(0), 8, VHA_DESC_F_WRITE | VHA_DESC_F_NEXT, 1);
	raw_publish(&f);
	CHECK(expect_err(&f, EINVAL, VHA_ERR_WRITE_ORDER));
	fx_teardown(&f);
	return true;
}

static bool t_write_order_indirect(bool packed)
{
	uint16_t chain = packed ? 0 : VHA_DESC_F_NEXT;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_INDIRECT)))
		return false;
	raw_table(&f, 0, fx_buf(0), 8, VHA_DESC_F_WRITE | chain, 1);
	raw_table(&f, 1, fx_buf(1), 8, 0, 0);
	raw(&f, 0, FX_GPA + FX_TABLES, 32, VHA_DESC_F_INDIRECT, 0);
	raw_publish(&f);
	CHECK(expect_err(&f, EINVAL, VHA_ERR_WRITE_ORDER));
	fx_teardown(&f);
	return true;
}

static bool one_buf_err(bool packed, uint32_t feat, uint64_t addr,
			uint32_t len, int err, enum vha_ring_error why)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, feat)))
		return false;
	raw(&f, 0, addr, len, 0, 0);
	raw_publish(&f);
	CHECK(expect_err(&f, err, why));
	fx_teardown(&f);
	return true;
}

/* 2.7.5 / 2.8.4: a buffer may not wrap the 64-bit address space. */
static bool t_addr_overflow(bool packed)
{
	return one_buf_err(packed, 0, ~0ULL - 15, 32, EFAULT,
			   VHA_ERR_ADDR_OVERFLOW);
}

/* Buffers outside the memory table: below, above, straddling the end. */
static bool t_unmapped(bool packed)
{
	return one_buf_err(packed, 0, 0x1000, 8, EFAULT,
			   VHA_ERR_ADDR_UNMAPPED) &&
	       one_buf_err(packed, 0, FX_GPA + FX_SIZE, 8, EFAULT,
			   VHA_ERR_ADDR_UNMAPPED) &&
	       one_buf_err(packed, 0, FX_GPA + FX_SIZE - 4, 8, EFAULT,
			   VHA_ERR_ADDR_UNMAPPED) &&
	       one_buf_err(packed, 0, FX_GPA - 4, 8, EFAULT,
			   VHA_ERR_ADDR_UNMAPPED);
}

/* An indirect table that lies outside guest memory. */
static bool t_indirect_unmapped(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_INDIRECT)))
		return false;
	raw(&f, 0, FX_GPA + FX_SIZE - 16, 32, VHA_DESC_F_INDIRECT, 0);
	raw_publish(&f);
	CHECK(expect_err(&f, EFAULT, VHA_ERR_ADDR_UNMAPPED));
	fx_teardown(&f);
	return true;
}

/* Zero-length buffers: skipped by default, refused when the device says. */
static bool t_zero_len(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	raw(&f, 1, fx_buf(1), 8, VHA_DESC_F_WRITE, 0);
	raw(&f, 0, fx_buf(0), 0, VHA_DESC_F_NEXT, 1);
	raw_publish(&f);
	CHECK(get(&f) == 1);
	CHECK(f.chain.out_segs == 0 && f.chain.in_segs == 1);
	fx_teardown(&f);
	return one_buf_err(packed, VHA_RING_F_NO_ZERO_LEN, fx_buf(0), 0,
			   EINVAL, VHA_ERR_ZERO_LEN);
}

/* 2.7.5.2 / 2.8.16: a chain is at most 4 GiB (table maps a huge range). */
static bool t_chain_bytes(bool packed)
{
	struct vha_region huge = { 0, 1ULL << 40, 0x1000 };
	struct vha_memtable t = { 1, &huge };
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	raw(&f, 1, 1ULL << 32, 0x80000000u, 0, 0);
	raw(&f, 0, 0, 0x80000000u, VHA_DESC_F_NEXT, 1);
	raw_publish(&f);
	f.ring.mem.table = &t;
	CHECK(expect_err(&f, EMSGSIZE, VHA_ERR_CHAIN_BYTES));
	fx_teardown(&f);
	return true;
}

/* More segments than the caller's array; more writable than log room. */
static bool t_iov_full(bool packed)
{
	struct fx f;
	uint16_t id;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(fx_add(&f, 3, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	fx_chain_reset(&f);
	f.chain.iov_max = 2;
	CHECK(vha_ring_get(&f.ring, &f.chain) == -ENOBUFS);
	CHECK(f.ring.error == VHA_ERR_IOV_FULL);
	fx_teardown(&f);

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(fx_add(&f, 0, 2, false, &id) == 0);
	vha_drv_publish(&f.drv);
	fx_chain_reset(&f);
	f.chain.log_max = 1;
	CHECK(vha_ring_get(&f.ring, &f.chain) == -ENOBUFS);
	fx_teardown(&f);
	return true;
}

/* A used entry the driver never made available is the caller's bug. */
static bool t_bad_used(bool packed)
{
	struct vha_used u = { 8, 1, 0 };
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(vha_ring_push(&f.ring, &u, 1) == -EINVAL);
	CHECK(f.ring.error == VHA_ERR_USED);
	CHECK(vha_ring_push(&f.ring, &u, 0) == -EIO);
	fx_teardown(&f);
	return true;
}

/* ---- the ops accessor (IOTLB-like) ---------------------------------------- */

struct ops_ctx {
	struct fx *f;
	bool fail_read;
	unsigned int again_read;	/* answer -EAGAIN this many times */
	unsigned int again_xlate;
	unsigned int calls;
};

static int op_read(void *priv, void *dst, u64 addr, u32 len)
{
	struct ops_ctx *c = priv;

	c->calls++;
	if (c->again_read && c->again_read--)
		return -EAGAIN;
	if (c->fail_read)
		return -EFAULT;
	memcpy(dst, (void *)(uintptr_t)addr, len);
	return 0;
}

static int op_write(void *priv, u64 addr, const void *src, u32 len)
{
	struct ops_ctx *c = priv;

	c->calls++;
	memcpy((void *)(uintptr_t)addr, src, len);
	return 0;
}

/* Like an IOTLB that maps only the first region. */
static int op_xlate(void *priv, u64 addr, u32 len, bool write,
		    struct iovec *iov, unsigned int max)
{
	struct ops_ctx *c = priv;

	(void)write;
	c->calls++;
	if (c->again_xlate && c->again_xlate--)
		return -EAGAIN;
	if (addr < FX_GPA || addr + len > FX_GPA + FX_SPLIT)
		return -EFAULT;
	if (!max)
		return -ENOBUFS;
	iov[0].iov_base = (void *)(uintptr_t)fx_host(c->f, addr);
	iov[0].iov_len = len;
	return 1;
}

static const struct vha_mem_ops test_ops = {
	.read = op_read, .write = op_write, .xlate = op_xlate,
};

static bool t_ops(bool packed)
{
	struct ops_ctx c = { 0 };
	struct vha_mem m = { VHA_MEM_OPS, NULL, &test_ops, &c };
	struct vha_used u;
	unsigned int cnt;
	uint16_t id, uid;
	uint32_t len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_INDIRECT)))
		return false;
	c.f = &f;
	vha_ring_set_mem(&f.ring, &m);
	CHECK(fx_add(&f, 2, 1, true, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1 && f.chain.id == id && f.chain.in_segs == 1);
	u = (struct vha_used){ f.chain.id, f.chain.ndesc, 3 };
	CHECK(vha_ring_push(&f.ring, &u, 1) == 0);
	CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1 && len == 3);
	CHECK(c.calls > 0);
	/* -EAGAIN from the accessor: not an error, the chain is still there */
	CHECK(fx_add(&f, 1, 1, false, &id) == 0);
	vha_drv_publish(&f.drv);
	c.again_xlate = 1;
	CHECK(get(&f) == -EAGAIN && f.ring.error == VHA_ERR_NONE);
	c.again_read = 1;
	CHECK(get(&f) == -EAGAIN && f.ring.error == VHA_ERR_NONE);
	CHECK(get(&f) == 1 && f.chain.id == id);
	u = (struct vha_used){ f.chain.id, f.chain.ndesc, 0 };
	c.again_read = 100;
	CHECK(vha_ring_need_notify(&f.ring) == -EAGAIN);
	c.again_read = 0;
	CHECK(vha_ring_push(&f.ring, &u, 1) == 0);
	CHECK(vha_drv_get_used(&f.drv, &uid, &len, &cnt) == 1 && uid == id);
	/* outside what the "IOTLB" maps */
	raw(&f, f.drv.next_avail, FX_GPA + FX_SPLIT, 8, 0, 0);
	if (!packed)
		vha_drv_raw_avail(&f.drv, 0);
	CHECK(expect_err(&f, EFAULT, VHA_ERR_ADDR_UNMAPPED));
	/* ring metadata not accessible */
	CHECK(fx_ring_init(&f) == 0);
	vha_ring_set_mem(&f.ring, &m);
	c.fail_read = true;
	CHECK(expect_err(&f, EFAULT, VHA_ERR_RING_ACCESS));
	fx_teardown(&f);
	return true;
}

/* Binary search over many regions: every region found, every gap refused. */
static bool t_memtable_lookup(bool packed)
{
	struct vha_region r[65];
	struct vha_memtable t = { 65, r };
	struct iovec iov[2];
	unsigned int i;

	(void)packed;
	for (i = 0; i < 65; i++)
		r[i] = (struct vha_region){ i * 0x10000, 0x8000, 0x100000 + i * 0x8000 };
	CHECK(vha_memtable_check(&t) == 0);
	for (i = 0; i < 65; i++) {
		CHECK(vha_table_xlate_for_test(&t, i * 0x10000 + 0x10, 16, false,
					       iov, 2) == 1);
		CHECK((u64)(uintptr_t)iov[0].iov_base == 0x100000 + i * 0x8000 + 0x10);
		CHECK(vha_table_xlate_for_test(&t, i * 0x10000 + 0x8000, 1, false,
					       iov, 2) == -EFAULT);
	}
	/* a buffer running off the end of a region into a gap */
	CHECK(vha_table_xlate_for_test(&t, 0x7ff0, 0x20, false, iov, 2) == -EFAULT);
	CHECK(vha_table_xlate_for_test(&t, 65 * 0x10000, 1, false, iov, 2) == -EFAULT);
	return true;
}

static bool t_memtable_check(bool packed)
{
	struct vha_region r[2] = { { 0, 100, 0 }, { 50, 100, 1000 } };
	struct vha_memtable t = { 2, r };

	(void)packed;
	CHECK(vha_memtable_check(&t) == -EINVAL);
	r[1].start = 100;
	CHECK(vha_memtable_check(&t) == 0);
	r[1].size = 0;
	CHECK(vha_memtable_check(&t) == -EINVAL);
	r[1] = (struct vha_region){ ~0ULL - 10, 100, 0 };
	CHECK(vha_memtable_check(&t) == -EINVAL);
	/* not sorted by start: refused (lookups binary-search the table) */
	r[0] = (struct vha_region){ 200, 100, 0 };
	r[1] = (struct vha_region){ 0, 100, 1000 };
	CHECK(vha_memtable_check(&t) == -EINVAL);
	CHECK(strcmp(vha_ring_error_name(VHA_ERR_COUNT), "unknown") == 0);
	CHECK(strcmp(vha_ring_error_name(VHA_ERR_WRAP),
		     "descriptor not available (wrap counter)") == 0);
	return true;
}

/* A broken ring refuses every call with -EIO until it is set up again. */
static bool t_sticky(bool packed)
{
	struct vha_used u = { 0, 1, 0 };
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	raw(&f, 0, 0x1000, 8, 0, 0);
	raw_publish(&f);
	CHECK(get(&f) == -EFAULT);
	CHECK(vha_ring_push(&f.ring, &u, 1) == -EIO);
	CHECK(vha_ring_need_notify(&f.ring) == -EIO);
	CHECK(vha_ring_enable_notify(&f.ring) == -EIO);
	CHECK(vha_ring_disable_notify(&f.ring) == -EIO);
	CHECK(vha_ring_set_base(&f.ring, 0) == -EIO);
	CHECK(vha_ring_start(&f.ring) == -EIO);
	CHECK(f.ring.error == VHA_ERR_ADDR_UNMAPPED);
	CHECK(fx_ring_init(&f) == 0 && vha_ring_start(&f.ring) == 0);
	fx_teardown(&f);
	return true;
}

/* Fault injection: ring access number k fails; every call must say so. */
struct fault_ctx {
	struct fx *f;
	unsigned int countdown;	/* accesses left before the failing one */
	bool fired;
};

static bool fault_now(struct fault_ctx *c)
{
	if (c->fired || c->countdown--)
		return false;
	c->fired = true;
	return true;
}

static int flt_read(void *priv, void *dst, u64 addr, u32 len)
{
	if (fault_now(priv))
		return -EFAULT;
	memcpy(dst, (void *)(uintptr_t)addr, len);
	return 0;
}

static int flt_write(void *priv, u64 addr, const void *src, u32 len)
{
	if (fault_now(priv))
		return -EFAULT;
	memcpy((void *)(uintptr_t)addr, src, len);
	return 0;
}

static int flt_xlate(void *priv, u64 addr, u32 len, bool write,
		     struct iovec *iov, unsigned int max)
{
	struct fault_ctx *c = priv;

	if (fault_now(c))
		return -EFAULT;
	return vha_table_xlate_for_test(&c->f->table, addr, len, write, iov,
					max);
}

static const struct vha_mem_ops fault_ops = {
	.read = flt_read, .write = flt_write, .xlate = flt_xlate,
};

/* One ring "session"; returns false if a call misbehaved. */
static bool fault_session(struct fx *f, struct fault_ctx *c, bool *done)
{
	struct vha_used u[2];
	uint16_t id;
	int ret, k;

	*done = false;
	if (!CHECK(fx_add(f, 1, 1, false, &id) == 0 &&
		   fx_add(f, 1, 0, true, &id) == 0))
		return false;
	vha_drv_publish(&f->drv);
	for (k = 0; k < 2; k++) {
		ret = get(f);
		if (ret != 1)
			goto check;
		u[k] = (struct vha_used){ f->chain.id, f->chain.ndesc, 1 };
	}
	ret = vha_ring_push(&f->ring, u, 2);
	if (ret)
		goto check;
	ret = vha_ring_need_notify(&f->ring);
	if (ret < 0)
		goto check;
	ret = vha_ring_enable_notify(&f->ring);
	if (ret < 0)
		goto check;
	ret = vha_ring_disable_notify(&f->ring);
	if (ret < 0)
		goto check;
	ret = vha_ring_start(&f->ring);
	if (ret < 0)
		goto check;
	*done = !c->fired;
	return CHECK(!c->fired);
check:
	return CHECK(c->fired && ret == -EFAULT &&
		     (f->ring.error == VHA_ERR_RING_ACCESS ||
		      f->ring.error == VHA_ERR_ADDR_UNMAPPED));
}

static bool t_faults(bool packed)
{
	struct fault_ctx c = { 0 };
	struct vha_mem m = { VHA_MEM_OPS, NULL, &fault_ops, &c };
	unsigned int k;
	bool done = false;
	struct fx f;

	for (k = 0; !done && k < 200; k++) {
		if (!CHECK(setup(&f, packed, 8,
				 VHA_RING_F_INDIRECT | VHA_RING_F_EVENT_IDX)))
			return false;
		c = (struct fault_ctx){ &f, k, false };
		vha_ring_set_mem(&f.ring, &m);
		if (!fault_session(&f, &c, &done)) {
			printf("# fault at access %u\n", k);
			fx_teardown(&f);
			return false;
		}
		fx_teardown(&f);
	}
	return CHECK(done && k > 10);
}

/* Unget across the end of a packed ring flips the wrap counter back. */
static bool t_unget_wrap(bool packed)
{
	struct vha_used u;
	uint16_t id;
	uint32_t base;
	struct fx f;

	if (!CHECK(setup(&f, packed, 4, 0)))
		return false;
	CHECK(fx_add(&f, 3, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	CHECK(get(&f) == 1);
	u = (struct vha_used){ f.chain.id, f.chain.ndesc, 0 };
	CHECK(vha_ring_push(&f.ring, &u, 1) == 0);
	drain(&f);
	CHECK(fx_add(&f, 2, 0, false, &id) == 0);
	vha_drv_publish(&f.drv);
	base = vha_ring_get_base(&f.ring);
	CHECK(get(&f) == 1 && f.chain.id == id);
	CHECK(vha_ring_get_base(&f.ring) != base);
	vha_ring_unget(&f.ring, &f.chain);
	CHECK(vha_ring_get_base(&f.ring) == base);
	CHECK(get(&f) == 1 && f.chain.id == id);
	fx_teardown(&f);
	return true;
}

/* Push limits and the area a device writes (for dirty logging). */
static bool t_push_limits(bool packed)
{
	struct vha_used u[9] = { { 0 } };
	u64 addr, len;
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, 0)))
		return false;
	CHECK(vha_ring_push(&f.ring, u, 0) == 0);
	vha_ring_used_range(&f.ring, &addr, &len);
	if (packed)
		CHECK(addr == f.cfg.desc && len == 8 * 16);
	else
		CHECK(addr == f.cfg.used && len == 4 + 8 * 8 + 2);
	CHECK(vha_ring_push(&f.ring, u, 9) == -EINVAL);
	CHECK(f.ring.error == VHA_ERR_USED);
	fx_teardown(&f);
	return true;
}

/* An indirect table address that wraps the address space. */
static bool t_indirect_overflow(bool packed)
{
	struct fx f;

	if (!CHECK(setup(&f, packed, 8, VHA_RING_F_INDIRECT)))
		return false;
	raw(&f, 0, ~0ULL - 15, 32, VHA_DESC_F_INDIRECT, 0);
	raw_publish(&f);
	CHECK(expect_err(&f, EFAULT, VHA_ERR_ADDR_OVERFLOW));
	fx_teardown(&f);
	return true;
}

struct test {
	const char *name;
	bool (*fn)(bool packed);
	unsigned int layouts;
};

static const struct test tests[] = {
	{ "basic chain", t_basic, BOTH },
	{ "data round trip", t_roundtrip, BOTH },
	{ "indirect round trip", t_indirect, BOTH },
	{ "buffer across two regions", t_region_span, BOTH },
	{ "indices and wrap counters roll over", t_wrap, BOTH },
	{ "used batches 1..32", t_batch, BOTH },
	{ "out-of-order completion", t_out_of_order, BOTH },
	{ "in-order batch", t_in_order, BOTH },
	{ "unget", t_unget, BOTH },
	{ "heads read ahead: ring end, new index, unget", t_heads_ahead,
	  SPLIT },
	{ "driver: unpublished head is not used", t_driver_pending_head,
	  BOTH },
	{ "save/restore base", t_base, BOTH },
	{ "notify: flags mode", t_notify_flags, BOTH },
	{ "notify: event index", t_notify_event, BOTH },
	{ "kick suppression + re-check (flags)", t_enable_flags, BOTH },
	{ "kick suppression + re-check (event idx)", t_enable_event, BOTH },
	{ "kick suppression: re-check after giving buffers back",
	  t_enable_at, BOTH },
	{ "driver: kick decision spans its own publishes",
	  t_kick_after_auto_publish, BOTH },
	{ "config: alignment, size, features", t_config, BOTH },
	{ "config: bad base", t_bad_base, BOTH },
	{ "base with the avail half only (vhost-user convention)",
	  t_base_avail_half, PACKED },
	{ "new ring addresses while running keep the position",
	  t_set_addr_running, BOTH },
	{ "rule: descriptor loop / chain > ring", t_loop, BOTH },
	{ "rule: loop inside indirect table", t_indirect_loop, SPLIT },
	{ "rule: indirect table > queue size", t_indirect_long, BOTH },
	{ "rule: next out of range", t_next_range, SPLIT },
	{ "rule: indirect next out of range", t_indirect_next_range, SPLIT },
	{ "rule: head out of range", t_head_range, SPLIT },
	{ "rule: buffer id out of range", t_id_range, PACKED },
	{ "rule: avail idx more than num ahead", t_avail_idx, SPLIT },
	{ "rule: wrong wrap counter", t_wrap_counter, PACKED },
	{ "rule: indirect len 0 / not multiple of 16", t_indirect_len, BOTH },
	{ "rule: indirect with NEXT", t_indirect_next, BOTH },
	{ "rule: indirect after direct descriptors", t_indirect_after_direct,
	  BOTH },
	{ "rule: indirect not negotiated", t_indirect_feature, BOTH },
	{ "rule: nested indirect", t_indirect_nested, BOTH },
	{ "rule: writable before readable", t_write_order, BOTH },
	{ "rule: writable before readable (indirect)",
	  t_write_order_indirect, BOTH },
	{ "rule: buffer wraps address space", t_addr_overflow, BOTH },
	{ "rule: buffer outside memory table", t_unmapped, BOTH },
	{ "rule: indirect table outside memory", t_indirect_unmapped, BOTH },
	{ "rule: zero-length buffer", t_zero_len, BOTH },
	{ "rule: chain longer than 4 GiB", t_chain_bytes, BOTH },
	{ "rule: segment / log array full", t_iov_full, BOTH },
	{ "rule: bad used entry", t_bad_used, BOTH },
	{ "ops accessor (IOTLB-like), -EAGAIN retry", t_ops, BOTH },
	{ "memory table check, error names", t_memtable_check, SPLIT },
	{ "memory table lookup over 65 regions", t_memtable_lookup, SPLIT },
	{ "broken ring refuses every call", t_sticky, BOTH },
	{ "fault injection at every ring access", t_faults, BOTH },
	{ "unget across the ring end", t_unget_wrap, BOTH },
	{ "push limits, used area", t_push_limits, BOTH },
	{ "rule: indirect table wraps address space", t_indirect_overflow,
	  BOTH },
};

int main(void)
{
	unsigned int i, l, n = 0, failed = 0;

	for (i = 0; i < ARRAY_SIZE(tests); i++)
		n += (tests[i].layouts & SPLIT ? 1 : 0) +
		     (tests[i].layouts & PACKED ? 1 : 0);
	printf("TAP version 13\n1..%u\n", n);
	n = 0;
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		for (l = 0; l < 2; l++) {
			bool ok;

			if (!(tests[i].layouts & (l ? PACKED : SPLIT)))
				continue;
			unsigned int before = check_failures;

			ok = tests[i].fn(l) && check_failures == before;
			failed += !ok;
			printf("%s %u - %s: %s\n", ok ? "ok" : "not ok", ++n,
			       l ? "packed" : "split", tests[i].name);
		}
	}
	return failed ? 1 : 0;
}
