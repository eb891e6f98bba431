// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty log. The bitmap covers guest-physical [0, umem->gpa_end): its size
 * follows from the memory table, was checked with access_ok() when logging
 * was turned on, and no bit past it is ever set. Bits are set on the page
 * holding them through pin_user_pages_fast() in the owner's mm (workers run
 * in it), like upstream; that page is then marked dirty.
 */
#include <linux/eventfd.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>

#include "dev.h"
#include "iotlb.h"
#include "log.h"
#include "memtable.h"

enum {
	VHA_LOG_PAGE_SHIFT = 12,	/* VHOST_PAGE_SIZE: one bit per 4 KiB */
	VHA_BITS_PER_PAGE = PAGE_SIZE * BITS_PER_BYTE,
};

/* Bytes of bitmap for @umem; gpa_end may be near 2^64: no x + d - 1. */
static u64 log_bytes(const struct vha_umem *umem)
{
	u64 pages = (umem->gpa_end >> VHA_LOG_PAGE_SHIFT) +
		    !!(umem->gpa_end & ((1ULL << VHA_LOG_PAGE_SHIFT) - 1));

	return DIV_ROUND_UP(pages, BITS_PER_BYTE);
}

/* Is the bitmap at @base big enough, and user memory, for @umem? */
bool vha_log_access_ok(struct vha_dev *dev, u64 base,
		       const struct vha_umem *umem)
{
	u64 size = log_bytes(umem);

	BUILD_BUG_ON(VHOST_PAGE_SIZE != 1 << VHA_LOG_PAGE_SHIFT);
	if (!size)
		return true;
	return (u64)(unsigned long)base == base &&
	       access_ok(u64_to_user_ptr(base), size);
}

bool vha_vq_logging(const struct vha_vq *vq)
{
	return vha_vq_has_feature(vq, VHOST_F_LOG_ALL) && vq->dev->log_base;
}

/*
 * Set bits [first, last] of the bitmap; all lie in the same page of it.
 * Runs in the owner's mm.
 */
static int set_bits(u64 base, u64 first, u64 last)
{
	u64 byte = base + first / BITS_PER_BYTE;
	unsigned long addr = byte & PAGE_MASK;
	unsigned long bit = (byte - addr) * BITS_PER_BYTE + first % BITS_PER_BYTE;
	struct page *page;
	void *kaddr;
	int ret;

	ret = pin_user_pages_fast(addr, 1, FOLL_WRITE, &page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	kaddr = kmap_local_page(page);
	for (; first <= last; first++, bit++)
		set_bit(bit, kaddr);
	kunmap_local(kaddr);
	set_page_dirty_lock(page);
	unpin_user_page(page);
	return 0;
}

/* Log guest-physical [gpa, gpa + len), clipped to the log's size. */
static int log_gpa(struct vha_vq *vq, u64 gpa, u64 len)
{
	struct vha_dev *dev = vq->dev;
	u64 base = dev->log_base, end = dev->umem->gpa_end;
	u64 first, last, stop, bit_addr;
	int ret;

	if (!len || gpa >= end)
		return 0;
	len = min(len, end - gpa);
	first = gpa >> VHA_LOG_PAGE_SHIFT;
	last = (gpa + len - 1) >> VHA_LOG_PAGE_SHIFT;
	while (first <= last) {
		/* The bits up to the end of this page of the bitmap. */
		bit_addr = base + first / BITS_PER_BYTE;
		stop = first + (PAGE_SIZE - offset_in_page(bit_addr)) *
		       BITS_PER_BYTE - first % BITS_PER_BYTE - 1;
		stop = min(stop, last);
		ret = set_bits(base, first, stop);
		if (ret)
			return ret;
		first = stop + 1;
	}
	return 0;
}

/*
 * Log owner memory [hva, hva + len) at every guest page that maps it: in
 * each region that holds it, since a VMM may map the same memory at more
 * than one guest address (and the destination of a migration must get the
 * page whichever address the guest uses). Memory outside every region is
 * not guest memory: nothing to log.
 */
static int log_hva(struct vha_vq *vq, u64 hva, u64 len)
{
	const struct vha_umem *umem = vq->dev->umem;
	const struct vha_region *r;
	u64 end, first, last;
	unsigned int i;
	int ret;

	if (!len)
		return 0;
	if (check_add_overflow(hva, len - 1, &end))
		end = U64_MAX;
	for (i = 0; i < umem->table.nr; i++) {
		r = &umem->regions[i];
		/* host + size - 1 does not wrap: vha_memtable_check() */
		if (r->host > end || r->host + r->size - 1 < hva)
			continue;
		first = max(r->host, hva);
		last = min(r->host + r->size - 1, end);
		ret = log_gpa(vq, r->start + (first - r->host),
			      last - first + 1);
		if (ret)
			return ret;
	}
	return 0;
}

/* Log a device address range: guest-physical, or an IOVA with an IOTLB. */
static int log_addr(struct vha_vq *vq, u64 addr, u64 len)
{
	const struct vha_iotlb_map *map;
	u64 seg;
	int ret;

	if (!vq->dev->iotlb)
		return log_gpa(vq, addr, len);
	while (len) {
		if (!vha_iotlb_lookup(vq->dev->iotlb, addr, &map))
			return 0;	/* unmapped since: nothing to log */
		seg = min(len - 1, map->last - addr) + 1;
		ret = log_hva(vq, map->uaddr + (addr - map->start), seg);
		if (ret)
			return ret;
		addr += seg;
		len -= seg;
	}
	return 0;
}

/*
 * Log the first @written bytes of the chain's writable buffers. Hold
 * vq->mutex; the chain was fetched with chain->log set.
 */
int vha_vq_log_chain(struct vha_vq *vq, const struct vha_chain *chain,
		     u32 written)
{
	unsigned int i;
	u32 len;
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (!vha_vq_logging(vq))
		return 0;
	for (i = 0; i < chain->nlog && written; i++) {
		len = min(written, chain->log[i].len);
		ret = log_addr(vq, chain->log[i].addr, len);
		if (ret)
			return ret;
		written -= len;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vha_vq_log_chain);

/*
 * Log the ring area the device writes when it returns buffers. With an
 * IOTLB the ring's address is an I/O virtual address (and so is QEMU's
 * log_guest_addr): translate it and log the guest pages behind it, as
 * upstream does since 2019. Else, for split rings, at the guest address
 * VHOST_SET_VRING_ADDR gave with VHOST_VRING_F_LOG (as upstream); else at
 * the guest pages the ring's own address maps to.
 */
int vha_vq_log_used(struct vha_vq *vq)
{
	u64 addr, len;
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (!vha_vq_logging(vq))
		return 0;
	vha_ring_used_range(&vq->ring, &addr, &len);
	if (vq->dev->iotlb)
		ret = log_addr(vq, addr, len);
	else if (vq->log_used && !vha_ring_is_packed(&vq->ring))
		ret = log_gpa(vq, vq->log_addr, len);
	else
		ret = log_hva(vq, addr, len);
	if (!ret && vq->dev->log_ctx)
		eventfd_signal(vq->dev->log_ctx, 1);
	return ret;
}
