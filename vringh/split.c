// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues (VIRTIO 1.2 section 2.7), device side.
 *
 * Layout: descriptor table (16 bytes per entry) at r->desc; available ring
 * at r->avail: flags, idx, ring[num], used_event; used ring at r->used:
 * flags, idx, ring[num] of {id, len}, avail_event.  Indices are free-running
 * 16-bit counters; num is a power of two, so "idx & (num - 1)" is the slot.
 */
#include "vringh/internal.h"

enum split_offset {
	AVAIL_FLAGS = 0,
	AVAIL_IDX = 2,
	AVAIL_RING = 4,
	USED_FLAGS = 0,
	USED_IDX = 2,
	USED_RING = 4,
};

static u64 used_event_addr(const struct vha_ring *r)
{
	return r->avail + AVAIL_RING + 2ULL * r->num;
}

static u64 avail_event_addr(const struct vha_ring *r)
{
	return r->used + USED_RING + sizeof(struct vha_used_le) * (u64)r->num;
}

static int read_desc(struct vha_ring *r, u16 i, struct vha_desc *d)
{
	return vha_read_desc(r, r->desc + (u64)i * VHA_DESC_SIZE, d);
}

/*
 * Read avail->idx and check it.  2.7: at most queue-size buffers are queued,
 * and 2.7.6.1: the driver never decrements idx; so an index more than num
 * ahead of what the device consumed (or behind it) is corrupt.
 */
static int read_avail_idx(struct vha_ring *r, u16 *idx)
{
	if (vha_read_ring16(r, r->avail + AVAIL_IDX, idx))
		return vha_access_err(r);
	if (unlikely((u16)(*idx - r->last_avail) > r->num))
		return vha_fail(r, VHA_ERR_AVAIL_IDX, -EOVERFLOW);
	r->shadow_avail = *idx;
	return 0;
}

/* 0: nothing new, 1: at least one head to read, -errno. */
static int avail_pending(struct vha_ring *r)
{
	u16 idx;
	int ret;

	if (r->last_avail != r->shadow_avail)
		return 1;
	ret = read_avail_idx(r, &idx);
	if (ret)
		return ret;
	if (idx == r->last_avail)
		return 0;
	/* Ring entries after the index: pairs with the driver's wmb (2.7.13.3) */
	smp_rmb();
	return 1;
}

/* Walk an indirect table (2.7.5.3); it ends the chain. */
static int walk_indirect(struct vha_ring *r, struct vha_walk *w,
			 const struct vha_desc *d, u16 flags)
{
	struct iovec tbl[VHA_TABLE_SEGS];
	u32 len = le32_to_cpu(d->len);
	u64 addr = le64_to_cpu(d->addr);
	struct vha_desc e;
	int n, nseg, ret;
	u32 i = 0, ttl;

	n = vha_indirect_check(r, flags, len);
	if (n < 0)
		return n;
	if (unlikely(addr + len - 1 < addr))
		return vha_fail(r, VHA_ERR_ADDR_OVERFLOW, -EFAULT);
	nseg = vha_xlate(r, addr, len, false, tbl, VHA_TABLE_SEGS);
	if (nseg < 0)
		return nseg;
	for (ttl = n; ; ttl--) {
		if (vha_table_read(r, tbl, nseg, i, &e))
			return vha_access_err(r);
		flags = le16_to_cpu(e.flags);
		/* 2.7.5.3.1: no INDIRECT inside an indirect table */
		if (unlikely(flags & VHA_DESC_F_INDIRECT))
			return vha_fail(r, VHA_ERR_INDIRECT_NESTED, -EINVAL);
		ret = vha_walk_add(r, w, le64_to_cpu(e.addr),
				   le32_to_cpu(e.len), flags & VHA_DESC_F_WRITE);
		if (ret)
			return ret;
		if (!(flags & VHA_DESC_F_NEXT))
			return 0;
		/* 2.7.5.2: loops are forbidden; n entries bound the walk */
		if (unlikely(ttl == 1))
			return vha_fail(r, VHA_ERR_CHAIN_LOOP, -ELOOP);
		i = le16_to_cpu(e.next);
		/* 2.7.5.3: next chains entries of the table itself */
		if (unlikely(i >= (u32)n))
			return vha_fail(r, VHA_ERR_NEXT_RANGE, -ERANGE);
	}
}

/* Walk the chain starting at head; at most num descriptors. */
static int walk_chain(struct vha_ring *r, struct vha_chain *c, u16 i)
{
	struct vha_walk w;
	struct vha_desc d;
	u32 ttl = r->num;
	u16 flags;
	int ret;

	vha_walk_start(&w, c);
	for (;;) {
		if (read_desc(r, i, &d))
			return vha_access_err(r);
		flags = le16_to_cpu(d.flags);
		if (flags & VHA_DESC_F_INDIRECT)
			return walk_indirect(r, &w, &d, flags);
		ret = vha_walk_add(r, &w, le64_to_cpu(d.addr),
				   le32_to_cpu(d.len), flags & VHA_DESC_F_WRITE);
		if (ret)
			return ret;
		if (!(flags & VHA_DESC_F_NEXT))
			return 0;
		/* 2.7.5.2: loops are forbidden; num descriptors bound a chain */
		if (unlikely(!--ttl))
			return vha_fail(r, VHA_ERR_CHAIN_LOOP, -ELOOP);
		i = le16_to_cpu(d.next);
		/* 2.7.5: next is an index into the descriptor table */
		if (unlikely(i >= r->num))
			return vha_fail(r, VHA_ERR_NEXT_RANGE, -ERANGE);
	}
}

/*
 * Read the published avail->ring[] entries from last_avail on, up to
 * VHA_RING_HEAD_BATCH and the end of the ring, into r->heads: one ring
 * access for a run of heads instead of one per chain. Upstream reads them
 * one by one.
 */
static int read_heads(struct vha_ring *r)
{
	u16 slot = r->last_avail & (r->num - 1);
	u32 n = min3((u32)VHA_RING_HEAD_BATCH, r->num - slot,
		     (u32)(u16)(r->shadow_avail - r->last_avail));
	u64 addr = r->avail + AVAIL_RING + 2ULL * slot;
	const __le16 __user *src = u64_to_user_ptr(addr);
	__le16 buf[VHA_RING_HEAD_BATCH];
	__le16 *dst = buf;	/* a pointer: no bounds check in the uaccess section */
	u32 i;

	r->heads_n = 0;
	if (unlikely(r->mem.kind != VHA_MEM_TABLE)) {
		if (vha_read_ring(r, buf, addr, 2 * n))
			return vha_access_err(r);
	} else {
		if (unlikely(!user_access_begin(src, 2 * n)))
			goto fault;
		for (i = 0; i < n; i++)
			unsafe_get_user(dst[i], src + i, fault_end);
		user_access_end();
	}
	for (i = 0; i < n; i++)
		r->heads[i] = le16_to_cpu(buf[i]);
	r->heads_at = r->last_avail;
	r->heads_n = n;
	return 0;
fault_end:
	user_access_end();
fault:
	return vha_fail(r, VHA_ERR_RING_ACCESS, -EFAULT);
}

int vha_split_get(struct vha_ring *r, struct vha_chain *c)
{
	u16 head;
	int ret;

	if (unlikely(r->error))
		return -EIO;
	ret = avail_pending(r);
	if (ret <= 0)
		return ret;
	if ((u16)(r->last_avail - r->heads_at) >= r->heads_n) {
		ret = read_heads(r);
		if (ret)
			return ret;
	}
	head = r->heads[(u16)(r->last_avail - r->heads_at)];
	/* 2.7.6: ring[] holds the index of a chain head in the table */
	if (unlikely(head >= r->num))
		return vha_fail(r, VHA_ERR_HEAD_RANGE, -ERANGE);
	ret = walk_chain(r, c, head);
	if (ret)
		return ret;
	c->id = head;
	c->ndesc = 1;
	r->last_avail++;
	return 1;
}
EXPORT_SYMBOL_GPL(vha_split_get);

/* Write n used elements starting at slot idx through the accessors. */
static int write_used_ops(struct vha_ring *r, u16 idx,
			  const struct vha_used *u, unsigned int n)
{
	struct vha_used_le buf[16];
	unsigned int i, k;

	for (i = 0; i < n; i += k) {
		for (k = 0; k < ARRAY_SIZE(buf) && i + k < n; k++) {
			buf[k].id = cpu_to_le32(u[i + k].id);
			buf[k].len = cpu_to_le32(u[i + k].len);
		}
		if (vha_write_ring(r, r->used + USED_RING +
				   sizeof(buf[0]) * (u64)(idx + i), buf,
				   sizeof(buf[0]) * k))
			return vha_access_err(r);
	}
	return 0;
}

/*
 * Write n used elements starting at slot idx; they do not wrap the ring.
 * In VMM memory, all of them in one user-access section (4-byte stores:
 * the used ring is only 4-byte aligned).
 */
static int write_used(struct vha_ring *r, u16 idx, const struct vha_used *u,
		      unsigned int n)
{
	struct vha_used_le __user *p;
	unsigned int i;

	BUILD_BUG_ON(sizeof(struct vha_used_le) != 8);
	if (unlikely(r->mem.kind != VHA_MEM_TABLE))
		return write_used_ops(r, idx, u, n);
	p = (struct vha_used_le __user *)u64_to_user_ptr(r->used + USED_RING);
	p += idx;
	if (unlikely(!user_access_begin(p, sizeof(*p) * (size_t)n)))
		goto fault;
	for (i = 0; i < n; i++) {
		unsafe_put_user(cpu_to_le32(u[i].id), &p[i].id, fault_end);
		unsafe_put_user(cpu_to_le32(u[i].len), &p[i].len, fault_end);
	}
	user_access_end();
	return 0;
fault_end:
	user_access_end();
fault:
	return vha_fail(r, VHA_ERR_RING_ACCESS, -EFAULT);
}

int vha_split_push(struct vha_ring *r, const struct vha_used *u,
		   unsigned int n)
{
	u16 slot = r->last_used & (r->num - 1);
	unsigned int i, first;

	if (unlikely(r->error))
		return -EIO;
	if (unlikely(n > r->num))
		return vha_fail(r, VHA_ERR_USED, -EINVAL);
	for (i = 0; i < n; i++)
		if (unlikely(u[i].id >= r->num))
			return vha_fail(r, VHA_ERR_USED, -EINVAL);
	if (!n)
		return 0;
	first = min_t(unsigned int, n, r->num - slot);
	if (write_used(r, slot, u, first) ||
	    write_used(r, 0, u + first, n - first))
		return vha_access_err(r);
	/* 2.7.8.2: elements are visible before the index that publishes them */
	smp_wmb();
	if (vha_write_ring16(r, r->used + USED_IDX, r->last_used + n))
		return vha_access_err(r);
	r->last_used += n;
	return 0;
}
EXPORT_SYMBOL_GPL(vha_split_push);

int vha_split_need_notify(struct vha_ring *r)
{
	u16 flags, event, old, new = r->last_used;
	bool valid = r->signalled_valid;

	if (unlikely(r->error))
		return -EIO;
	/* used->idx is written before we read the driver's wishes (2.7.7.2) */
	smp_mb();
	if (!(r->features & VHA_RING_F_EVENT_IDX)) {
		if (vha_read_ring16(r, r->avail + AVAIL_FLAGS, &flags))
			return vha_access_err(r);
		return !(flags & VHA_AVAIL_F_NO_INTERRUPT);
	}
	if (vha_read_ring16(r, used_event_addr(r), &event))
		return vha_access_err(r);
	old = r->signalled_used;
	r->signalled_used = new;
	r->signalled_valid = true;
	if (unlikely(!valid))
		return 1;
	/* 2.7.7.2: notify when idx passes used_event, i.e. event in [old, new) */
	return (u16)(new - event - 1) < (u16)(new - old);
}
EXPORT_SYMBOL_GPL(vha_split_need_notify);

/*
 * Ask the driver for kicks again, then re-read avail->idx: a chain the driver
 * published before it could see our request would otherwise be missed.
 */
int vha_split_enable_notify(struct vha_ring *r)
{
	return vha_split_enable_notify_at(r, r->last_avail);
}
EXPORT_SYMBOL_GPL(vha_split_enable_notify);

/*
 * Ask for a kick once the driver's index moves past @pos; 1 if it already
 * has.  @pos is last_avail, or further on when the chains up to it were
 * looked at and given back (too few buffers for a packet).
 */
int vha_split_enable_notify_at(struct vha_ring *r, u16 pos)
{
	u16 idx;
	int ret;

	if (unlikely(r->error))
		return -EIO;
	if (r->features & VHA_RING_F_EVENT_IDX)
		ret = vha_write_ring16(r, avail_event_addr(r), pos);
	else
		ret = vha_write_ring16(r, r->used + USED_FLAGS, 0);
	if (ret)
		return ret;
	r->notify_enabled = true;
	/* 2.7.10: our write before the re-read of the driver's index */
	smp_mb();
	ret = read_avail_idx(r, &idx);
	if (ret)
		return ret;
	return idx != pos;
}
EXPORT_SYMBOL_GPL(vha_split_enable_notify_at);

int vha_split_disable_notify(struct vha_ring *r)
{
	if (unlikely(r->error))
		return -EIO;
	/* 2.7.10.2: with EVENT_IDX the device simply stops moving avail_event */
	if (!r->notify_enabled || (r->features & VHA_RING_F_EVENT_IDX)) {
		r->notify_enabled = false;
		return 0;
	}
	if (vha_write_ring16(r, r->used + USED_FLAGS, VHA_USED_F_NO_NOTIFY))
		return vha_access_err(r);
	r->notify_enabled = false;
	return 0;
}
EXPORT_SYMBOL_GPL(vha_split_disable_notify);

/* Pick up the used index where the previous owner of the ring left it. */
int vha_split_start(struct vha_ring *r)
{
	u16 idx;

	if (unlikely(r->error))
		return -EIO;
	if (vha_read_ring16(r, r->used + USED_IDX, &idx))
		return vha_access_err(r);
	r->last_used = idx;
	r->shadow_avail = r->last_avail;
	r->heads_n = 0;
	r->signalled_valid = false;
	return 0;
}
EXPORT_SYMBOL_GPL(vha_split_start);
