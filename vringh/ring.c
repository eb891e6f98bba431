// SPDX-License-Identifier: GPL-2.0
/*
 * Ring set-up, position save/restore and the layout-independent entry
 * points.  Every function here must be called with the lock that protects
 * the ring (the virtqueue mutex in the kernel).
 */
#include "vringh/internal.h"

static const char *const error_names[VHA_ERR_COUNT] = {
	[VHA_ERR_NONE] = "none",
	[VHA_ERR_CONFIG] = "bad ring configuration",
	[VHA_ERR_ALIGN] = "ring address misaligned",
	[VHA_ERR_RING_ACCESS] = "ring not accessible",
	[VHA_ERR_AVAIL_IDX] = "avail index too far ahead",
	[VHA_ERR_HEAD_RANGE] = "chain head out of range",
	[VHA_ERR_NEXT_RANGE] = "next descriptor out of range",
	[VHA_ERR_CHAIN_LOOP] = "chain loops or exceeds queue size",
	[VHA_ERR_CHAIN_BYTES] = "chain longer than 4 GiB",
	[VHA_ERR_INDIRECT_FEATURE] = "indirect descriptor not negotiated",
	[VHA_ERR_INDIRECT_LEN] = "bad indirect table length",
	[VHA_ERR_INDIRECT_NESTED] = "nested indirect descriptor",
	[VHA_ERR_INDIRECT_NEXT] = "indirect descriptor in a NEXT chain",
	[VHA_ERR_WRITE_ORDER] = "readable after writable descriptor",
	[VHA_ERR_ZERO_LEN] = "zero-length buffer",
	[VHA_ERR_ADDR_OVERFLOW] = "buffer wraps the address space",
	[VHA_ERR_ADDR_UNMAPPED] = "buffer outside guest memory",
	[VHA_ERR_IOV_FULL] = "too many segments",
	[VHA_ERR_WRAP] = "descriptor not available (wrap counter)",
	[VHA_ERR_ID_RANGE] = "buffer id out of range",
	[VHA_ERR_USED] = "bad used entry from device",
};

const char *vha_ring_error_name(enum vha_ring_error err)
{
	if ((unsigned int)err >= VHA_ERR_COUNT)
		return "unknown";
	return error_names[err];
}
EXPORT_SYMBOL_GPL(vha_ring_error_name);

int vha_memtable_check(const struct vha_memtable *t)
{
	const struct vha_region *a, *prev = NULL;
	unsigned int i;

	for (i = 0; i < t->nr; i++, prev = a) {
		a = &t->regions[i];
		if (!a->size || a->start + a->size - 1 < a->start ||
		    a->host + a->size - 1 < a->host)
			return -EINVAL;
		/* Sorted by start, no overlap: one look back suffices. */
		if (prev && a->start <= prev->start + prev->size - 1)
			return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vha_memtable_check);

static bool mem_valid(const struct vha_mem *m)
{
	if (m->kind == VHA_MEM_TABLE)
		return m->table;
	return m->kind == VHA_MEM_OPS && m->ops && m->ops->read &&
	       m->ops->write && m->ops->xlate;
}

/*
 * Alignment of the three areas: 2.7 (split: 16, 2, 4) and 2.8.10.1
 * (packed: descriptor ring 16, event suppression structures 4).
 */
static bool aligned(const struct vha_ring_config *cfg)
{
	bool packed = cfg->features & VHA_RING_F_PACKED;

	return !(cfg->desc % 16) && !(cfg->avail % (packed ? 4 : 2)) &&
	       !(cfg->used % 4);
}

/* 2.7 / 2.8: queue size at most 32768; split sizes are powers of two. */
static bool size_valid(const struct vha_ring_config *cfg)
{
	if (!cfg->num || cfg->num > VHA_RING_MAX)
		return false;
	if (cfg->features & VHA_RING_F_PACKED)
		return true;
	return !(cfg->num & (cfg->num - 1));
}

int vha_ring_init(struct vha_ring *r, const struct vha_ring_config *cfg)
{
	const u32 known = VHA_RING_F_PACKED | VHA_RING_F_EVENT_IDX |
			  VHA_RING_F_INDIRECT | VHA_RING_F_IN_ORDER |
			  VHA_RING_F_NO_ZERO_LEN;

	BUILD_BUG_ON(sizeof(struct vha_desc) != VHA_DESC_SIZE);
	BUILD_BUG_ON(sizeof(struct vha_pdesc) != VHA_DESC_SIZE);
	BUILD_BUG_ON(sizeof(struct vha_event) != 4);
	memset(r, 0, sizeof(*r));
	r->mem = cfg->mem;
	r->desc = cfg->desc;
	r->avail = cfg->avail;
	r->used = cfg->used;
	r->num = cfg->num;
	r->features = cfg->features;
	/* 2.8.1: both wrap counters start at 1 */
	r->avail_wrap = true;
	r->used_wrap = true;
	r->signalled_used_wrap = true;
	r->notify_enabled = true;
	if ((cfg->features & ~known) || !size_valid(cfg) || !mem_valid(&r->mem))
		return vha_fail(r, VHA_ERR_CONFIG, -EINVAL);
	if (!aligned(cfg))
		return vha_fail(r, VHA_ERR_ALIGN, -EINVAL);
	return 0;
}
EXPORT_SYMBOL_GPL(vha_ring_init);

/*
 * Move a running ring to new addresses (VHOST_SET_VRING_ADDR on a started
 * queue, e.g. QEMU turning on VHOST_VRING_F_LOG when a migration starts):
 * the position and notification state stay, nothing is read or written
 * now.  -EINVAL (ring unchanged) if an address is misaligned.
 */
int vha_ring_set_addr(struct vha_ring *r, u64 desc, u64 avail, u64 used)
{
	struct vha_ring_config cfg = {
		.desc = desc, .avail = avail, .used = used,
		.features = r->features,
	};

	if (unlikely(r->error))
		return -EIO;
	if (!aligned(&cfg))
		return -EINVAL;
	r->desc = desc;
	r->avail = avail;
	r->used = used;
	r->heads_n = 0;		/* read from the old ring */
	return 0;
}
EXPORT_SYMBOL_GPL(vha_ring_set_addr);

/* Swap the memory accessor (new memory table or IOTLB). */
void vha_ring_set_mem(struct vha_ring *r, const struct vha_mem *mem)
{
	r->mem = *mem;
	r->heads_n = 0;
}
EXPORT_SYMBOL_GPL(vha_ring_set_mem);

/*
 * Restore the position (VHOST_SET_VRING_BASE).  Split: the last avail index.
 * Packed, as QEMU encodes it: avail slot | avail wrap << 15 | used slot << 16
 * | used wrap << 31.  Clients that follow the vhost-user convention (DPDK's
 * and SPDK's virtio_user) give only the avail half, e.g. 0x8000 for a new
 * ring: an upper half of 0 means "used where avail is" (nothing in flight),
 * as their own back ends assume.  Read literally it would put the used
 * wrap counter at 0, and the driver would never see a used descriptor.
 * The one state QEMU could mean otherwise, used at slot 0 of an odd lap
 * with descriptors still in flight, never leaves our devices: they return
 * every chain they took before GET_VRING_BASE answers.
 */
int vha_ring_set_base(struct vha_ring *r, u32 base)
{
	u16 avail = base & 0x7fff, used = (base >> 16) & 0x7fff;

	if (unlikely(r->error))
		return -EIO;
	r->signalled_valid = false;
	if (!vha_ring_is_packed(r)) {
		if (base > 0xffff)
			return vha_fail(r, VHA_ERR_CONFIG, -EINVAL);
		r->last_avail = base;
		r->shadow_avail = base;
		r->heads_n = 0;
		return 0;
	}
	if (!(base >> 16))
		base |= base << 16;
	used = (base >> 16) & 0x7fff;
	if (avail >= r->num || used >= r->num)
		return vha_fail(r, VHA_ERR_CONFIG, -EINVAL);
	r->last_avail = avail;
	r->avail_wrap = base & (1U << VHA_PACKED_WRAP_SHIFT);
	r->last_used = used;
	r->used_wrap = base & (1U << (16 + VHA_PACKED_WRAP_SHIFT));
	r->signalled_used = used;
	r->signalled_used_wrap = r->used_wrap;
	return 0;
}
EXPORT_SYMBOL_GPL(vha_ring_set_base);

/* Save the position (VHOST_GET_VRING_BASE); encoding as above. */
u32 vha_ring_get_base(const struct vha_ring *r)
{
	if (!vha_ring_is_packed(r))
		return r->last_avail;
	return r->last_avail | (u32)r->avail_wrap << VHA_PACKED_WRAP_SHIFT |
	       (u32)r->last_used << 16 |
	       (u32)r->used_wrap << (16 + VHA_PACKED_WRAP_SHIFT);
}
EXPORT_SYMBOL_GPL(vha_ring_get_base);

int vha_ring_start(struct vha_ring *r)
{
	if (unlikely(r->error))
		return -EIO;
	if (vha_ring_is_packed(r))
		return 0;
	return vha_split_start(r);
}
EXPORT_SYMBOL_GPL(vha_ring_start);

int vha_ring_get(struct vha_ring *r, struct vha_chain *c)
{
	if (vha_ring_is_packed(r))
		return vha_packed_get(r, c);
	return vha_split_get(r, c);
}
EXPORT_SYMBOL_GPL(vha_ring_get);

/*
 * Give back the chain returned by the last vha_ring_get() (for a device that
 * found no room for it); several in reverse order of getting them.
 */
void vha_ring_unget(struct vha_ring *r, const struct vha_chain *c)
{
	if (!vha_ring_is_packed(r)) {
		r->last_avail--;
		return;
	}
	if (r->last_avail < c->ndesc) {
		r->last_avail += r->num;
		r->avail_wrap = !r->avail_wrap;
	}
	r->last_avail -= c->ndesc;
}
EXPORT_SYMBOL_GPL(vha_ring_unget);

int vha_ring_push(struct vha_ring *r, const struct vha_used *u, unsigned int n)
{
	if (vha_ring_is_packed(r))
		return vha_packed_push(r, u, n);
	return vha_split_push(r, u, n);
}
EXPORT_SYMBOL_GPL(vha_ring_push);

int vha_ring_need_notify(struct vha_ring *r)
{
	if (vha_ring_is_packed(r))
		return vha_packed_need_notify(r);
	return vha_split_need_notify(r);
}
EXPORT_SYMBOL_GPL(vha_ring_need_notify);

int vha_ring_enable_notify(struct vha_ring *r)
{
	if (vha_ring_is_packed(r))
		return vha_packed_enable_notify(r);
	return vha_split_enable_notify(r);
}
EXPORT_SYMBOL_GPL(vha_ring_enable_notify);

int vha_ring_enable_notify_at(struct vha_ring *r,
			      const struct vha_ring_pos *pos)
{
	if (vha_ring_is_packed(r))
		return vha_packed_enable_notify_at(r, pos->idx, pos->wrap);
	return vha_split_enable_notify_at(r, pos->idx);
}
EXPORT_SYMBOL_GPL(vha_ring_enable_notify_at);

int vha_ring_disable_notify(struct vha_ring *r)
{
	if (vha_ring_is_packed(r))
		return vha_packed_disable_notify(r);
	return vha_split_disable_notify(r);
}
EXPORT_SYMBOL_GPL(vha_ring_disable_notify);

/*
 * The area the device writes when it returns buffers, for dirty logging:
 * split: the used ring with avail_event; packed: the descriptor ring (the
 * 4-byte device event structure at r->used is written too).
 */
void vha_ring_used_range(const struct vha_ring *r, u64 *addr, u64 *len)
{
	if (vha_ring_is_packed(r)) {
		*addr = r->desc;
		*len = (u64)r->num * VHA_DESC_SIZE;
		return;
	}
	*addr = r->used;
	*len = 4 + sizeof(struct vha_used_le) * (u64)r->num + 2;
}
EXPORT_SYMBOL_GPL(vha_ring_used_range);
