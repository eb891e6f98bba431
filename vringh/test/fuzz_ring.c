// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for vringh/: an input is a ring configuration followed by
 * a list of operations, played by a driver (tools/vhost-test/vring_driver,
 * well-formed or raw hostile writes) and the device (vringh) on one block of
 * guest memory.  Built with -fsanitize=fuzzer,address,undefined.
 *
 * Input: byte 0 features (bit 0 packed, 1 event idx, 2 indirect, 3 in
 * order, 4 no zero length, 5 ops accessor, 6 clean), byte 1 queue size,
 * then operations: an opcode byte and its operands (missing bytes read as
 * 0).  In a clean run the driver only adds well-formed chains in guest
 * memory (no raw writes), and the harness also checks that the device
 * sees exactly what the driver added: no call fails, every chain has the
 * byte counts the driver gave its id, every used entry comes back to the
 * driver with the right id and length.
 *
 * Guest memory, GPA 0x10000 .. 0x20000 in one host buffer.  The device's
 * memory table maps [0x10000, 0x18000) and [0x18000, 0x1c000) as two
 * regions; [0x1c000, 0x20000) exists for the driver but is not guest memory
 * for the device.  Besides the sanitizers, the harness traps when:
 *   - a chain has a segment outside the two regions, or its byte counts or
 *     id disagree with its segments and the queue size;
 *   - one uninterrupted series of gets returns more than 2 * num chains
 *     while nobody wrote into the rings;
 *   - a call fails without recording a reason, or with an errno that does
 *     not belong to the reason, or a broken ring accepts a later call;
 *   - a return value is outside 0, 1, -errno.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vringh/vringh.h"
#include "tools/vhost-test/vring_driver.h"

enum {
	GPA = 0x10000,
	SIZE = 0x10000,
	REGION1 = 0x8000,	/* offset of the second region */
	MAPPED = 0xc000,	/* bytes of guest memory the device sees */
	TABLES = 0x1000,
	DATA = 0x3000,
	MAX_INDIRECT = 4,
	MAX_PEND = 64,
	IOV = 16,
};

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int k;

	for (k = 0; k < bytes; k++) {
		v |= (uint64_t)(in->n ? *in->p : 0) << (8 * k);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

struct state {
	uint8_t *mem;
	struct vha_region regions[2];
	struct vha_memtable table;
	struct vha_ring_config cfg;
	struct vha_ring ring;
	struct vha_drv drv;
	struct iovec iov[IOV];
	struct vha_log log[IOV];
	struct vha_chain last;
	bool have_last;
	struct vha_used pend[MAX_PEND];
	unsigned int npend;
	bool ring_written;	/* a writable buffer overlapped the rings */
	bool last_pended;	/* the last chain is pend[npend - 1] */
	bool clean;		/* well-formed driver only: see above */
	struct {
		u32 out, in;
		bool added;
	} expect[64];		/* by buffer id; num <= 64 here */
};

static struct state st;
/* bytes read from readable segments land here, so the reads are kept */
uint8_t sink;

static uint64_t host(uint64_t gpa)
{
	return (uint64_t)(uintptr_t)st.mem + (gpa - GPA);
}

#define check(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "invariant %s failed at %d\n",	\
				#cond, __LINE__);			\
			__builtin_trap();				\
		}							\
	} while (0)

/* The errno each reason must come with. */
static int reason_errno(enum vha_ring_error e)
{
	switch (e) {
	case VHA_ERR_RING_ACCESS:
	case VHA_ERR_ADDR_OVERFLOW:
	case VHA_ERR_ADDR_UNMAPPED:
		return -EFAULT;
	case VHA_ERR_AVAIL_IDX:
		return -EOVERFLOW;
	case VHA_ERR_HEAD_RANGE:
	case VHA_ERR_NEXT_RANGE:
	case VHA_ERR_ID_RANGE:
		return -ERANGE;
	case VHA_ERR_CHAIN_LOOP:
		return -ELOOP;
	case VHA_ERR_CHAIN_BYTES:
		return -EMSGSIZE;
	case VHA_ERR_IOV_FULL:
		return -ENOBUFS;
	case VHA_ERR_NONE:
	case VHA_ERR_COUNT:
		return 0;
	default:
		return -EINVAL;
	}
}

/* Accessor of the ops kind: bounds-checked like an IOTLB would be. */
static bool in_host(uint64_t addr, uint64_t len)
{
	uint64_t lo = host(GPA);

	return addr >= lo && addr - lo <= MAPPED && len <= MAPPED - (addr - lo);
}

static int op_read(void *priv, void *dst, u64 addr, u32 len)
{
	(void)priv;
	if (!in_host(addr, len))
		return -EFAULT;
	memcpy(dst, (void *)(uintptr_t)addr, len);
	return 0;
}

static int op_write(void *priv, u64 addr, const void *src, u32 len)
{
	(void)priv;
	if (!in_host(addr, len))
		return -EFAULT;
	memcpy((void *)(uintptr_t)addr, src, len);
	return 0;
}

static int op_xlate(void *priv, u64 addr, u32 len, bool write,
		    struct iovec *iov, unsigned int max)
{
	(void)priv;
	(void)write;
	if (addr < GPA || addr - GPA >= MAPPED || len > MAPPED - (addr - GPA))
		return -EFAULT;
	if (!max)
		return -ENOBUFS;
	iov[0].iov_base = (void *)(uintptr_t)host(addr);
	iov[0].iov_len = len;
	return 1;
}

static const struct vha_mem_ops fuzz_ops = {
	.read = op_read, .write = op_write, .xlate = op_xlate,
};

static void ring_init(void)
{
	int ret = vha_ring_init(&st.ring, &st.cfg);

	check(ret == 0);
	check(vha_ring_start(&st.ring) == 0);
	st.npend = 0;
	st.have_last = false;
}

/* A call failed: it must have said why, with the matching errno. */
static void failed(int ret)
{
	check(ret < 0);
	if (ret == -EIO)
		return;
	check(st.ring.error != VHA_ERR_NONE);
	check(ret == reason_errno(st.ring.error));
}

static void check_ret(int ret, int max)
{
	check(ret >= 0 || !st.clean);
	if (ret < 0)
		failed(ret);
	else
		check(ret <= max);
}

static uint64_t pick_addr(struct input *in)
{
	static const uint64_t base[8] = {
		GPA + DATA, GPA + REGION1 - 64, GPA + MAPPED - 32, GPA - 8,
		0, GPA + SIZE, ~0ULL - 64, GPA + TABLES,
	};
	uint8_t sel = take(in, 1);

	return base[sel & 7] + (sel >> 3) * 8 + take(in, 1);
}

static void check_chain(const struct vha_chain *c)
{
	unsigned int k, n = c->out_segs + c->in_segs;
	uint64_t lo = host(GPA), b, out = 0, inb = 0;

	check(n <= c->iov_max);
	check(c->id < st.cfg.num);
	check(c->ndesc >= 1 && c->ndesc <= st.cfg.num);
	for (k = 0; k < n; k++) {
		b = (uint64_t)(uintptr_t)c->iov[k].iov_base;
		check(c->iov[k].iov_len > 0);
		check(b >= lo && b - lo < MAPPED &&
		      c->iov[k].iov_len <= MAPPED - (b - lo));
		/* touch both ends: the sanitizers see any stray address */
		if (k < c->out_segs) {
			out += c->iov[k].iov_len;
			sink ^= ((uint8_t *)c->iov[k].iov_base)[0];
		} else {
			inb += c->iov[k].iov_len;
			b += c->iov[k].iov_len - 1;
			*(uint8_t *)(uintptr_t)b = 0x5a;
			/* the device wrote into the rings: a driver's act */
			if (b - lo < TABLES)
				st.ring_written = true;
		}
	}
	check(out == c->out_bytes && inb == c->in_bytes);
}

static void op_get(void)
{
	unsigned int k;
	int ret;

	st.ring_written = false;
	for (k = 0; k <= 2 * st.cfg.num; k++) {
		memset(&st.last, 0, sizeof(st.last));
		st.last.iov = st.iov;
		st.last.iov_max = IOV;
		st.last.log = st.log;
		st.last.log_max = IOV;
		ret = vha_ring_get(&st.ring, &st.last);
		check_ret(ret, 1);
		st.have_last = ret == 1;
		if (ret != 1)
			return;
		check_chain(&st.last);
		if (st.clean)
			check(st.expect[st.last.id].added &&
			      st.expect[st.last.id].out == st.last.out_bytes &&
			      st.expect[st.last.id].in == st.last.in_bytes);
		st.last_pended = st.npend < MAX_PEND;
		if (st.last_pended)
			st.pend[st.npend++] = (struct vha_used){
				st.last.id, st.last.ndesc, st.last.in_bytes };
	}
	/*
	 * Without an error, one series of gets returns at most num chains
	 * after it reads avail->idx, plus at most num the ring already knew
	 * of from an earlier read (vha_ring_enable_notify() reads it too).
	 * More is impossible, unless buffers pointing into the rings let the
	 * device play driver and publish more during this loop.
	 */
	check(st.ring_written);
}

static void op_push(struct input *in)
{
	unsigned int n = take(in, 1) % (st.npend + 1);
	int ret;

	if (take(in, 1) & 1 && n && !st.clean)
		st.pend[0].len = take(in, 2);
	ret = vha_ring_push(&st.ring, st.pend, n);
	check_ret(ret, 0);
	if (n)
		st.have_last = false;
	memmove(st.pend, st.pend + n, (st.npend - n) * sizeof(st.pend[0]));
	st.npend -= n;
}

static void op_add(struct input *in)
{
	struct vha_drv_buf b[8];
	uint8_t shape = take(in, 1);
	unsigned int k, nout = shape & 3, nin = (shape >> 2) & 3;
	uint16_t id;

	bool indirect = shape & 0x40;
	u32 bytes[2] = { 0, 0 };

	if (!nout && !nin)
		nout = 1;
	for (k = 0; k < nout + nin; k++) {
		if (st.clean) {
			b[k].addr = GPA + DATA + take(in, 1) * 64ULL;
			b[k].len = 1 + take(in, 1);
		} else {
			b[k].addr = pick_addr(in);
			b[k].len = take(in, 1) * ((shape & 0x80) ? 64 : 1);
		}
		bytes[k >= nout] += b[k].len;
	}
	/* a clean driver keeps to the features and to the queue size */
	if (st.clean && indirect &&
	    (!(st.cfg.features & VHA_RING_F_INDIRECT) ||
	     nout + nin > st.cfg.num))
		indirect = false;
	if (vha_drv_add(&st.drv, b, nout, b + nout, nin, indirect, &id))
		return;
	st.expect[id].out = bytes[0];
	st.expect[id].in = bytes[1];
	st.expect[id].added = true;
}

static void op_raw_desc(struct input *in)
{
	uint8_t where = take(in, 1);
	uint64_t gpa, addr = pick_addr(in);
	uint32_t len = take(in, 2);
	uint16_t flags = take(in, 2), next = take(in, 2);

	if (where & 0x80)
		gpa = GPA + TABLES + 16ULL * (where & 0x7f) % 0x2000;
	else
		gpa = vha_drv_desc_gpa(&st.drv, where % st.cfg.num);
	if (flags & 0x8000 && st.cfg.features & VHA_RING_F_PACKED)
		flags = (flags & 0x7f7f) | vha_drv_avail_flags(&st.drv);
	vha_drv_raw_desc(&st.drv, gpa, addr, len, flags, next);
}

static void op_raw_ring(struct input *in)
{
	uint64_t off = take(in, 2) % 0x1000 & ~1ULL;
	uint16_t v = take(in, 2);
	uint16_t le = htole16(v);

	/* any 16-bit field of the ring areas: indices, flags, events */
	memcpy(st.mem + off, &le, 2);
}

/*
 * VHOST_GET/SET_VRING_BASE: a new ring set to the saved base continues the
 * old one, so chains fetched before can still be returned; a random base
 * (not in clean runs) starts over.
 */
static void op_base(struct input *in)
{
	uint32_t base = vha_ring_get_base(&st.ring);
	unsigned int npend = st.npend;
	uint8_t how = take(in, 1);
	bool keep = !(how & 1) || st.clean;
	int ret;

	if (!keep)
		base = take(in, 4);
	/*
	 * A packed base whose used half is 0 (slot 0 of an odd lap) reads
	 * as "used where avail is" (vha_ring_set_base()): with chains in
	 * flight it cannot restore this position, so do not try.
	 */
	if (keep && (st.cfg.features & VHA_RING_F_PACKED) && !(base >> 16) &&
	    base)
		return;
	ring_init();
	if (keep)
		st.npend = npend;
	ret = vha_ring_set_base(&st.ring, base);
	check_ret(ret, 0);
	if (!ret) {
		if ((st.cfg.features & VHA_RING_F_PACKED) && !(base >> 16))
			base |= base << 16;
		check(vha_ring_get_base(&st.ring) == base);
		check_ret(vha_ring_start(&st.ring), 0);
	}
}

static void op_driver_used(void)
{
	unsigned int k, cnt;
	uint32_t len;
	uint16_t id;

	int ret;

	for (k = 0; k <= st.cfg.num; k++) {
		ret = vha_drv_get_used(&st.drv, &id, &len, &cnt);
		check(ret >= 0 || !st.clean);
		if (ret != 1)
			return;
		if (st.clean)
			check(st.expect[id].added && len == st.expect[id].in);
	}
}

static void run_op(struct input *in, uint8_t op)
{
	switch (op % 15) {
	case 0:
	case 1:
		op_add(in);
		break;
	case 2:
		vha_drv_publish(&st.drv);
		break;
	case 3:
	case 4:
		op_get();
		break;
	case 5:
		op_push(in);
		break;
	case 6:
		check_ret(vha_ring_need_notify(&st.ring), 1);
		break;
	case 7:
		check_ret(vha_ring_enable_notify(&st.ring), 1);
		break;
	case 8:
		check_ret(vha_ring_disable_notify(&st.ring), 0);
		break;
	case 9:
		op_driver_used();
		break;
	case 10:
		if (!st.clean)
			op_raw_desc(in);
		break;
	case 11:
		if (!st.clean)
			op_raw_ring(in);
		break;
	case 12:
		op_base(in);
		break;
	case 13:
		if (st.have_last && !st.ring.error && st.last_pended) {
			vha_ring_unget(&st.ring, &st.last);
			st.npend--;
		}
		st.have_last = false;
		break;
	default:
		if (take(in, 1) & 1)
			vha_drv_enable_cb(&st.drv);
		else
			vha_drv_delay_cb(&st.drv, take(in, 1));
		break;
	}
	/* a broken ring refuses everything until it is set up again */
	if (st.ring.error && take(in, 1) == 0xff)
		ring_init();
}

static bool setup(uint8_t feat, uint8_t size)
{
	bool packed = feat & 1;
	uint32_t num = packed ? size % 64 + 1 : 1u << (size % 7);
	struct vha_drv_config dc = {
		.mem = { st.mem, GPA, SIZE },
		.num = num,
		.packed = packed,
		.event_idx = feat & 2,
		.in_order = feat & 8,
		.ring_gpa = GPA,
		.table_gpa = GPA + TABLES,
		.max_indirect = MAX_INDIRECT,
	};

	memset(st.mem, 0, DATA);
	memset(st.expect, 0, sizeof(st.expect));
	st.clean = feat & 0x40;
	vha_drv_free(&st.drv);
	if (vha_drv_init(&st.drv, &dc))
		return false;
	st.cfg = (struct vha_ring_config){
		.desc = host(st.drv.desc),
		.avail = host(st.drv.avail),
		.used = host(st.drv.used),
		.num = num,
		.features = (packed ? VHA_RING_F_PACKED : 0) |
			    (feat & 2 ? VHA_RING_F_EVENT_IDX : 0) |
			    (feat & 4 ? VHA_RING_F_INDIRECT : 0) |
			    (feat & 8 ? VHA_RING_F_IN_ORDER : 0) |
			    (feat & 16 ? VHA_RING_F_NO_ZERO_LEN : 0),
	};
	if (feat & 32)
		st.cfg.mem = (struct vha_mem){ VHA_MEM_OPS, NULL, &fuzz_ops,
					       NULL };
	else
		st.cfg.mem = (struct vha_mem){ VHA_MEM_TABLE, &st.table,
					       NULL, NULL };
	ring_init();
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	unsigned int ops = 0;

	if (!st.mem) {
		st.mem = aligned_alloc(4096, SIZE);
		if (!st.mem)
			abort();
		st.regions[0] = (struct vha_region){ GPA, REGION1, host(GPA) };
		st.regions[1] = (struct vha_region){ GPA + REGION1,
			MAPPED - REGION1, host(GPA + REGION1) };
		st.table = (struct vha_memtable){ 2, st.regions };
		check(vha_memtable_check(&st.table) == 0);
	}
	if (size < 2)
		return 0;
	if (!setup(take(&in, 1), take(&in, 1)))
		return 0;
	while (in.n && ops++ < 512)
		run_op(&in, take(&in, 1));
	return 0;
}
