/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals shared by split.c and packed.c: the memory accessor dispatch
 * (inline, so the VHA_MEM_TABLE path has no indirect call) and the builder
 * that appends one guest buffer to a chain.  Not for users of vringh/.
 */
#ifndef VHA_VRINGH_INTERNAL_H
#define VHA_VRINGH_INTERNAL_H

#include "vringh/vringh.h"

/* Segments an indirect table may span (one per memory region crossed). */
enum { VHA_TABLE_SEGS = 8 };

/* Record why the ring failed; it stays broken until vha_ring_init(). */
static inline int vha_fail(struct vha_ring *r, enum vha_ring_error why,
			   int err)
{
	r->error = why;
	return err;
}

/*
 * The result of a failed memory access, for callers that only know it
 * failed: -EAGAIN if the accessor asked for a retry (ring not broken),
 * else -EFAULT with the reason already recorded.
 */
static inline int vha_access_err(const struct vha_ring *r)
{
	return r->error ? -EFAULT : -EAGAIN;
}

static __always_inline int vha_read_ring(struct vha_ring *r, void *dst,
					 u64 addr, u32 len)
{
	int ret = 0;

	if (likely(r->mem.kind == VHA_MEM_TABLE)) {
		if (copy_from_user(dst, u64_to_user_ptr(addr), len))
			ret = -EFAULT;
	} else {
		ret = r->mem.ops->read(r->mem.priv, dst, addr, len);
		if (ret == -EAGAIN)
			return ret;
	}
	if (unlikely(ret))
		return vha_fail(r, VHA_ERR_RING_ACCESS, -EFAULT);
	return 0;
}

static __always_inline int vha_write_ring(struct vha_ring *r, u64 addr,
					  const void *src, u32 len)
{
	int ret = 0;

	if (likely(r->mem.kind == VHA_MEM_TABLE)) {
		if (copy_to_user(u64_to_user_ptr(addr), src, len))
			ret = -EFAULT;
	} else {
		ret = r->mem.ops->write(r->mem.priv, addr, src, len);
		if (ret == -EAGAIN)
			return ret;
	}
	if (unlikely(ret))
		return vha_fail(r, VHA_ERR_RING_ACCESS, -EFAULT);
	return 0;
}

static __always_inline int vha_read_ring16(struct vha_ring *r, u64 addr,
					   u16 *val)
{
	__le16 v;
	int ret;

	if (likely(r->mem.kind == VHA_MEM_TABLE)) {
		if (unlikely(get_user(v, (__le16 __user *)u64_to_user_ptr(addr))))
			return vha_fail(r, VHA_ERR_RING_ACCESS, -EFAULT);
	} else {
		ret = vha_read_ring(r, &v, addr, sizeof(v));
		if (ret)
			return ret;
	}
	*val = le16_to_cpu(v);
	return 0;
}

static __always_inline int vha_write_ring16(struct vha_ring *r, u64 addr,
					    u16 val)
{
	__le16 v = cpu_to_le16(val);

	if (likely(r->mem.kind == VHA_MEM_TABLE)) {
		if (unlikely(put_user(v, (__le16 __user *)u64_to_user_ptr(addr))))
			return vha_fail(r, VHA_ERR_RING_ACCESS, -EFAULT);
		return 0;
	}
	return vha_write_ring(r, addr, &v, sizeof(v));
}

/*
 * One descriptor of the ring's own table (split or packed, 16 bytes at an
 * address vha_ring_init() found 16-byte aligned), read with two 8-byte
 * loads in one user-access section: one access check and no call per
 * descriptor, where copy_from_user() costs a call into the copy routine.
 * Through the accessors (IOTLB) as any other read.
 */
static __always_inline int vha_read_desc(struct vha_ring *r, u64 addr,
					 void *dst)
{
	const u64 __user *src = u64_to_user_ptr(addr);
	u64 word[2];

	BUILD_BUG_ON(sizeof(struct vha_desc) != sizeof(word) ||
		     sizeof(struct vha_pdesc) != sizeof(word));
	if (unlikely(r->mem.kind != VHA_MEM_TABLE))
		return vha_read_ring(r, dst, addr, sizeof(word));
	if (unlikely(!user_access_begin(src, sizeof(word))))
		goto fault;
	unsafe_get_user(word[0], src, fault_end);
	unsafe_get_user(word[1], src + 1, fault_end);
	user_access_end();
	memcpy(dst, word, sizeof(word));
	return 0;
fault_end:
	user_access_end();
fault:
	return vha_fail(r, VHA_ERR_RING_ACCESS, -EFAULT);
}

/*
 * The region holding guest address addr, or NULL: a binary search of the
 * table, which vha_memtable_check() guarantees sorted and disjoint, so the
 * cost per descriptor is O(log regions), not a walk of the list.
 */
static __always_inline const struct vha_region *
vha_table_find(const struct vha_memtable *t, u64 addr)
{
	unsigned int lo = 0, hi = t->nr, mid;
	const struct vha_region *reg;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		reg = &t->regions[mid];
		if (addr < reg->start)
			hi = mid;
		else if (addr - reg->start >= reg->size)
			lo = mid + 1;
		else
			return reg;
	}
	return NULL;
}

/* Guest [addr, addr + len) to host segments, through the memory table. */
static __always_inline int vha_table_xlate(const struct vha_memtable *t,
					   u64 addr, u32 len,
					   struct iovec *iov, unsigned int max)
{
	const struct vha_region *reg;
	unsigned int n = 0;
	u64 off, seg;

	while (len) {
		reg = vha_table_find(t, addr);
		if (!reg)
			return -EFAULT;
		if (n == max)
			return -ENOBUFS;
		off = addr - reg->start;
		seg = min_t(u64, len, reg->size - off);
		iov[n].iov_base = u64_to_user_ptr(reg->host + off);
		iov[n].iov_len = seg;
		n++;
		addr += seg;
		len -= seg;
	}
	return n;
}

/*
 * Translate a guest buffer; len > 0 and addr + len does not wrap.
 * Returns the number of segments or -errno with the reason recorded.
 */
static __always_inline int vha_xlate(struct vha_ring *r, u64 addr, u32 len,
				     bool write, struct iovec *iov,
				     unsigned int max)
{
	int n;

	if (likely(r->mem.kind == VHA_MEM_TABLE))
		n = vha_table_xlate(r->mem.table, addr, len, iov, max);
	else
		n = r->mem.ops->xlate(r->mem.priv, addr, len, write, iov, max);
	if (likely(n > 0))
		return n;
	if (n == -EAGAIN)
		return n;
	if (n == -ENOBUFS)
		return vha_fail(r, VHA_ERR_IOV_FULL, -ENOBUFS);
	return vha_fail(r, VHA_ERR_ADDR_UNMAPPED, -EFAULT);
}

/* State of one chain walk. */
struct vha_walk {
	struct vha_chain *c;
	bool writing;		/* a writable descriptor has been seen */
};

static inline void vha_walk_start(struct vha_walk *w, struct vha_chain *c)
{
	w->c = c;
	w->writing = false;
	c->out_segs = 0;
	c->in_segs = 0;
	c->out_bytes = 0;
	c->in_bytes = 0;
	c->nlog = 0;
}

static inline int vha_walk_log(struct vha_ring *r, struct vha_chain *c,
			       u64 addr, u32 len)
{
	if (!c->log)
		return 0;
	if (c->nlog == c->log_max)
		return vha_fail(r, VHA_ERR_IOV_FULL, -ENOBUFS);
	c->log[c->nlog].addr = addr;
	c->log[c->nlog].len = len;
	c->nlog++;
	return 0;
}

/* Append one descriptor's buffer to the chain being walked. */
static __always_inline int vha_walk_add(struct vha_ring *r, struct vha_walk *w,
					u64 addr, u32 len, bool write)
{
	struct vha_chain *c = w->c;
	unsigned int used = c->out_segs + c->in_segs;
	int n;

	/* 2.7.4.2 / 2.8.17: device-writable elements follow readable ones. */
	if (write)
		w->writing = true;
	else if (unlikely(w->writing))
		return vha_fail(r, VHA_ERR_WRITE_ORDER, -EINVAL);
	if (unlikely(!len)) {
		if (r->features & VHA_RING_F_NO_ZERO_LEN)
			return vha_fail(r, VHA_ERR_ZERO_LEN, -EINVAL);
		return 0;
	}
	/* 2.7.5 / 2.8.4: a buffer is addr .. addr + len - 1; it cannot wrap. */
	if (unlikely(addr + len - 1 < addr))
		return vha_fail(r, VHA_ERR_ADDR_OVERFLOW, -EFAULT);
	/*
	 * 2.7.5.2: a chain is at most 2^32 bytes; we keep it below (byte
	 * counts are u32) and apply the same bound to packed lists.
	 */
	if (unlikely((u64)c->out_bytes + c->in_bytes + len > U32_MAX))
		return vha_fail(r, VHA_ERR_CHAIN_BYTES, -EMSGSIZE);
	n = vha_xlate(r, addr, len, write, c->iov + used, c->iov_max - used);
	if (unlikely(n < 0))
		return n;
	if (!write) {
		c->out_segs += n;
		c->out_bytes += len;
		return 0;
	}
	c->in_segs += n;
	c->in_bytes += len;
	return vha_walk_log(r, c, addr, len);
}

/*
 * Read entry i (16 bytes) of an indirect table that was translated into
 * segments; the entry may straddle two segments.
 */
static inline int vha_table_read(struct vha_ring *r, const struct iovec *tbl,
				 unsigned int nseg, u32 i, void *dst)
{
	if (vha_iov_copy_from(dst, tbl, nseg, (size_t)i * VHA_DESC_SIZE,
			      VHA_DESC_SIZE))
		return vha_fail(r, VHA_ERR_ADDR_UNMAPPED, -EFAULT);
	return 0;
}

/*
 * Checks common to both layouts for a descriptor that points to an indirect
 * table; returns the number of entries or -errno.
 */
static inline int vha_indirect_check(struct vha_ring *r, u16 flags, u32 len)
{
	/* 2.7.5.3.1 / 2.8.19: only if VIRTIO_F_INDIRECT_DESC was negotiated */
	if (unlikely(!(r->features & VHA_RING_F_INDIRECT)))
		return vha_fail(r, VHA_ERR_INDIRECT_FEATURE, -EINVAL);
	/* 2.7.5.3.1 / 2.8.19: INDIRECT and NEXT are never set together */
	if (unlikely(flags & VHA_DESC_F_NEXT))
		return vha_fail(r, VHA_ERR_INDIRECT_NEXT, -EINVAL);
	/* 2.7.5.3 / 2.8.7: the table is a whole number of 16-byte entries */
	if (unlikely(!len || len % VHA_DESC_SIZE))
		return vha_fail(r, VHA_ERR_INDIRECT_LEN, -EINVAL);
	/* 2.7.5.3.1 / 2.8.5: no chain is longer than the queue size */
	if (unlikely(len / VHA_DESC_SIZE > r->num))
		return vha_fail(r, VHA_ERR_CHAIN_LOOP, -ELOOP);
	return len / VHA_DESC_SIZE;
}

#endif /* VHA_VRINGH_INTERNAL_H */
