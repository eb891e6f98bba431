// SPDX-License-Identifier: GPL-2.0
/*
 * Packed virtqueues (VIRTIO 1.2 section 2.8), device side.
 *
 * One ring of num 16-byte descriptors at r->desc, used by the driver to make
 * buffers available and by the device to return them.  A slot holds an
 * available descriptor when its AVAIL flag equals the device's avail wrap
 * counter and its USED flag does not; a used one has both flags equal to the
 * driver's used wrap counter (2.8.1).  Driver event suppression at r->avail,
 * device event suppression at r->used (2.8.10).
 *
 * Positions are a slot plus a wrap bit.  For notification arithmetic they are
 * mapped onto [0, 2 * num): pos = slot + (wrap ? 0 : num), which advances by
 * one per slot modulo 2 * num.
 */
#include "vringh/internal.h"

enum packed_offset {
	PDESC_LEN = 8,		/* len then id: 6 bytes written together */
	PDESC_FLAGS = 14,
	EVENT_OFF_WRAP = 0,
	EVENT_FLAGS = 2,
};

static __always_inline u64 slot_addr(const struct vha_ring *r, u16 slot)
{
	return r->desc + (u64)slot * VHA_DESC_SIZE;
}

static bool desc_is_avail(u16 flags, bool wrap)
{
	return !!(flags & VHA_DESC_F_AVAIL) == wrap &&
	       !!(flags & VHA_DESC_F_USED) != wrap;
}

static __always_inline void advance(const struct vha_ring *r, u16 *slot,
				    bool *wrap, u32 n)
{
	u32 s = *slot + n;

	if (s >= r->num) {
		s -= r->num;
		*wrap = !*wrap;
	}
	*slot = s;
}

static u32 linear_pos(const struct vha_ring *r, u16 slot, bool wrap)
{
	return slot + (wrap ? 0 : r->num);
}

/* Walk an indirect table (2.8.7); it ends the chain. */
static int walk_indirect(struct vha_ring *r, struct vha_walk *w,
			 const struct vha_pdesc *d, u16 flags)
{
	struct iovec tbl[VHA_TABLE_SEGS];
	u32 len = le32_to_cpu(d->len);
	u64 addr = le64_to_cpu(d->addr);
	struct vha_pdesc e;
	int n, nseg, ret, i;

	n = vha_indirect_check(r, flags, len);
	if (n < 0)
		return n;
	if (unlikely(addr + len - 1 < addr))
		return vha_fail(r, VHA_ERR_ADDR_OVERFLOW, -EFAULT);
	nseg = vha_xlate(r, addr, len, false, tbl, VHA_TABLE_SEGS);
	if (nseg < 0)
		return nseg;
	/* 2.8.7: the entries are used in order; only WRITE is meaningful */
	for (i = 0; i < n; i++) {
		if (vha_table_read(r, tbl, nseg, i, &e))
			return vha_access_err(r);
		flags = le16_to_cpu(e.flags);
		/*
		 * 2.8.19: the driver sets no flag but WRITE in a table.  2.8.7
		 * has the device ignore the others; we are stricter for
		 * INDIRECT, which can only be a driver bug, and refuse it.
		 */
		if (unlikely(flags & VHA_DESC_F_INDIRECT))
			return vha_fail(r, VHA_ERR_INDIRECT_NESTED, -EINVAL);
		ret = vha_walk_add(r, w, le64_to_cpu(e.addr),
				   le32_to_cpu(e.len), flags & VHA_DESC_F_WRITE);
		if (ret)
			return ret;
	}
	return 0;
}

/* Walk the chain at the current avail position; sets c->id and c->ndesc. */
static int walk_chain(struct vha_ring *r, struct vha_chain *c)
{
	u16 slot = r->last_avail, flags, id;
	bool wrap = r->avail_wrap;
	struct vha_walk w;
	struct vha_pdesc d;
	u32 n = 0;
	int ret;

	vha_walk_start(&w, c);
	for (;;) {
		if (vha_read_desc(r, slot_addr(r, slot), &d))
			return vha_access_err(r);
		flags = le16_to_cpu(d.flags);
		/* 2.8.6 / 2.8.17: every descriptor of a list is available */
		if (unlikely(!desc_is_avail(flags, wrap)))
			return vha_fail(r, VHA_ERR_WRAP, -EINVAL);
		n++;
		id = le16_to_cpu(d.id);
		advance(r, &slot, &wrap, 1);
		if (flags & VHA_DESC_F_INDIRECT) {
			/* 2.8.19: never inside a list linked by NEXT */
			if (unlikely(n > 1))
				return vha_fail(r, VHA_ERR_INDIRECT_NEXT,
						-EINVAL);
			ret = walk_indirect(r, &w, &d, flags);
			if (ret)
				return ret;
			break;
		}
		ret = vha_walk_add(r, &w, le64_to_cpu(d.addr),
				   le32_to_cpu(d.len), flags & VHA_DESC_F_WRITE);
		if (ret)
			return ret;
		if (!(flags & VHA_DESC_F_NEXT))
			break;
		/* 2.8.17: a chain is never longer than the queue size */
		if (unlikely(n == r->num))
			return vha_fail(r, VHA_ERR_CHAIN_LOOP, -ELOOP);
	}
	/*
	 * 2.8.6: the buffer id is in the last descriptor.  The spec does not
	 * bound it, but at most num buffers are outstanding and devices index
	 * per-buffer state by id, so we require id < num.
	 */
	if (unlikely(id >= r->num))
		return vha_fail(r, VHA_ERR_ID_RANGE, -ERANGE);
	c->id = id;
	c->ndesc = n;
	return 0;
}

int vha_packed_get(struct vha_ring *r, struct vha_chain *c)
{
	u16 flags;
	int ret;

	if (unlikely(r->error))
		return -EIO;
	if (vha_read_ring16(r, slot_addr(r, r->last_avail) + PDESC_FLAGS,
			    &flags))
		return vha_access_err(r);
	if (!desc_is_avail(flags, r->avail_wrap))
		return 0;
	/* 2.8.21.1: the body is read after the flags that published it */
	smp_rmb();
	ret = walk_chain(r, c);
	if (ret)
		return ret;
	advance(r, &r->last_avail, &r->avail_wrap, c->ndesc);
	return 1;
}
EXPORT_SYMBOL_GPL(vha_packed_get);

static __always_inline u16 used_flags(bool wrap)
{
	return wrap ? VHA_DESC_F_AVAIL | VHA_DESC_F_USED : 0;
}

/* Write len and id of a used descriptor (not its flags): 6 bytes. */
static int write_used_body(struct vha_ring *r, u16 slot, u16 id, u32 len)
{
	__le16 body[3] = { cpu_to_le16(len & 0xffff), cpu_to_le16(len >> 16),
			   cpu_to_le16(id) };

	BUILD_BUG_ON(sizeof(body) != PDESC_FLAGS - PDESC_LEN);
	return vha_write_ring(r, slot_addr(r, slot) + PDESC_LEN, body,
			      sizeof(body));
}

/*
 * Write len, id and flags of a used descriptor in one access (8 bytes): for
 * the entries of a batch after its first, which the first one's flags
 * publish, so their own order does not matter.
 */
static int write_used_tail(struct vha_ring *r, u16 slot, u16 id, u32 len,
			   bool wrap)
{
	__le16 tail[4] = { cpu_to_le16(len & 0xffff), cpu_to_le16(len >> 16),
			   cpu_to_le16(id), cpu_to_le16(used_flags(wrap)) };

	BUILD_BUG_ON(sizeof(tail) != VHA_DESC_SIZE - PDESC_LEN);
	BUILD_BUG_ON(offsetof(struct vha_pdesc, flags) != PDESC_FLAGS);
	return vha_write_ring(r, slot_addr(r, slot) + PDESC_LEN, tail,
			      sizeof(tail));
}

static int check_used(struct vha_ring *r, const struct vha_used *u,
		      unsigned int n)
{
	u32 total = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (unlikely(u[i].id >= r->num || !u[i].ndesc ||
			     u[i].ndesc > r->num))
			return vha_fail(r, VHA_ERR_USED, -EINVAL);
		total += u[i].ndesc;
	}
	if (unlikely(total > r->num))
		return vha_fail(r, VHA_ERR_USED, -EINVAL);
	return 0;
}

/*
 * 2.8.8: with VIRTIO_F_IN_ORDER one used descriptor carrying the last id
 * returns the whole batch.  Its len is the only one the driver learns, so
 * this is possible only when the earlier entries wrote nothing.
 */
static bool in_order_batch(const struct vha_ring *r, const struct vha_used *u,
			   unsigned int n)
{
	unsigned int i;

	if (!(r->features & VHA_RING_F_IN_ORDER) || n < 2)
		return false;
	for (i = 0; i + 1 < n; i++)
		if (u[i].len)
			return false;
	return true;
}

static int push_in_order(struct vha_ring *r, const struct vha_used *u,
			 unsigned int n)
{
	u32 total = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += u[i].ndesc;
	if (write_used_body(r, r->last_used, u[n - 1].id, u[n - 1].len))
		return vha_access_err(r);
	/* 2.8.21: id and len are visible before the flags that publish them */
	smp_wmb();
	if (vha_write_ring16(r, slot_addr(r, r->last_used) + PDESC_FLAGS,
			     used_flags(r->used_wrap)))
		return vha_access_err(r);
	advance(r, &r->last_used, &r->used_wrap, total);
	return 0;
}

/*
 * vha_packed_push() in VMM memory, in one user-access section over the
 * descriptor ring: entries 1..n-1 as one 8-byte store each (len, id and
 * flags), then the first entry's len and id, the barrier and its flags.
 */
static int push_table(struct vha_ring *r, const struct vha_used *u,
		      unsigned int n)
{
	struct vha_pdesc __user *ring = u64_to_user_ptr(r->desc);
	struct vha_pdesc __user *first = ring + r->last_used;
	u16 slot = r->last_used;
	bool wrap = r->used_wrap;
	u16 first_flags = used_flags(wrap);
	unsigned int i;
	u64 tail;

	BUILD_BUG_ON(offsetof(struct vha_pdesc, len) != PDESC_LEN ||
		     offsetof(struct vha_pdesc, id) != PDESC_LEN + 4 ||
		     offsetof(struct vha_pdesc, flags) != PDESC_FLAGS);
	if (unlikely(!user_access_begin(ring, sizeof(*ring) * (size_t)r->num)))
		goto fault;
	for (i = 1; i < n; i++) {
		advance(r, &slot, &wrap, u[i - 1].ndesc);
		tail = u[i].len | (u64)u[i].id << 32 |
		       (u64)used_flags(wrap) << 48;
		unsafe_put_user(cpu_to_le64(tail), (__le64 __user *)
				u64_to_user_ptr(slot_addr(r, slot) + PDESC_LEN),
				fault_end);
	}
	unsafe_put_user(cpu_to_le32(u[0].len), &first->len, fault_end);
	unsafe_put_user(cpu_to_le16(u[0].id), &first->id, fault_end);
	/* 2.8.21: id and len are visible before the flags that publish them */
	smp_wmb();
	unsafe_put_user(cpu_to_le16(first_flags), &first->flags, fault_end);
	user_access_end();
	advance(r, &slot, &wrap, u[n - 1].ndesc);
	r->last_used = slot;
	r->used_wrap = wrap;
	return 0;
fault_end:
	user_access_end();
fault:
	return vha_fail(r, VHA_ERR_RING_ACCESS, -EFAULT);
}

/*
 * Return n chains.  Entries 1..n-1 are written completely first, then the
 * first entry's body, a barrier and last the first entry's flags: the driver
 * reads used descriptors in order, so it sees the batch at once and a single
 * barrier covers it.
 */
int vha_packed_push(struct vha_ring *r, const struct vha_used *u,
		    unsigned int n)
{
	u16 slot = r->last_used;
	bool wrap = r->used_wrap;
	unsigned int i;

	if (unlikely(r->error))
		return -EIO;
	if (check_used(r, u, n))
		return -EINVAL;
	if (!n)
		return 0;
	if (in_order_batch(r, u, n))
		return push_in_order(r, u, n);
	if (likely(r->mem.kind == VHA_MEM_TABLE))
		return push_table(r, u, n);
	for (i = 1; i < n; i++) {
		advance(r, &slot, &wrap, u[i - 1].ndesc);
		if (write_used_tail(r, slot, u[i].id, u[i].len, wrap))
			return vha_access_err(r);
	}
	if (write_used_body(r, r->last_used, u[0].id, u[0].len))
		return vha_access_err(r);
	/* 2.8.21: id and len are visible before the flags that publish them */
	smp_wmb();
	if (vha_write_ring16(r, slot_addr(r, r->last_used) + PDESC_FLAGS,
			     used_flags(r->used_wrap)))
		return vha_access_err(r);
	advance(r, &slot, &wrap, u[n - 1].ndesc);
	r->last_used = slot;
	r->used_wrap = wrap;
	return 0;
}
EXPORT_SYMBOL_GPL(vha_packed_push);

/* Is position e in [old, new) on the 2 * num circle? */
static bool event_passed(const struct vha_ring *r, u32 e, u32 old, u32 new)
{
	u32 span = 2 * r->num;

	return (e + span - old) % span < (new + span - old) % span;
}

int vha_packed_need_notify(struct vha_ring *r)
{
	u32 old = linear_pos(r, r->signalled_used, r->signalled_used_wrap);
	u32 new = linear_pos(r, r->last_used, r->used_wrap);
	bool valid = r->signalled_valid;
	struct vha_event ev;
	u16 off_wrap, flags;

	if (unlikely(r->error))
		return -EIO;
	/* used descriptors are written before we read the driver's wishes */
	smp_mb();
	if (vha_read_ring(r, &ev, r->avail, sizeof(ev)))
		return vha_access_err(r);
	off_wrap = le16_to_cpu(ev.off_wrap);
	flags = le16_to_cpu(ev.flags);
	r->signalled_used = r->last_used;
	r->signalled_used_wrap = r->used_wrap;
	r->signalled_valid = true;
	/* 2.8.10: DISABLE never; DESC only with EVENT_IDX; else always */
	if (flags == VHA_EVENT_F_DISABLE)
		return 0;
	if (flags != VHA_EVENT_F_DESC ||
	    !(r->features & VHA_RING_F_EVENT_IDX) || !valid)
		return 1;
	/* 2.8.14: off_wrap = slot | wrap << 15; any value is harmless here */
	return event_passed(r, linear_pos(r, (off_wrap & 0x7fff) % r->num,
					  off_wrap >> VHA_PACKED_WRAP_SHIFT),
			    old, new);
}
EXPORT_SYMBOL_GPL(vha_packed_need_notify);

/* Ask for kicks, then re-check the next slot (see vha_split_enable_notify) */
int vha_packed_enable_notify(struct vha_ring *r)
{
	return vha_packed_enable_notify_at(r, r->last_avail, r->avail_wrap);
}
EXPORT_SYMBOL_GPL(vha_packed_enable_notify);

/* The same from slot @pos of lap @wrap (see vha_split_enable_notify_at). */
int vha_packed_enable_notify_at(struct vha_ring *r, u16 pos, bool wrap)
{
	struct vha_event ev = { .flags = cpu_to_le16(VHA_EVENT_F_ENABLE) };
	u16 flags;

	if (unlikely(r->error))
		return -EIO;
	if (r->features & VHA_RING_F_EVENT_IDX) {
		ev.off_wrap = cpu_to_le16(pos | (wrap << VHA_PACKED_WRAP_SHIFT));
		ev.flags = cpu_to_le16(VHA_EVENT_F_DESC);
	}
	if (vha_write_ring(r, r->used, &ev, sizeof(ev)))
		return vha_access_err(r);
	r->notify_enabled = true;
	/* 2.8.10: our write before the re-read of the next descriptor */
	smp_mb();
	if (vha_read_ring16(r, slot_addr(r, pos) + PDESC_FLAGS, &flags))
		return vha_access_err(r);
	return desc_is_avail(flags, wrap);
}
EXPORT_SYMBOL_GPL(vha_packed_enable_notify_at);

int vha_packed_disable_notify(struct vha_ring *r)
{
	if (unlikely(r->error))
		return -EIO;
	if (!r->notify_enabled)
		return 0;
	if (vha_write_ring16(r, r->used + EVENT_FLAGS, VHA_EVENT_F_DISABLE))
		return vha_access_err(r);
	r->notify_enabled = false;
	return 0;
}
EXPORT_SYMBOL_GPL(vha_packed_disable_notify);
