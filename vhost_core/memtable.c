// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory table: a sorted array of regions, looked up by binary search
 * after a check of the region that matched last. A table is built whole from
 * userspace, validated (no overlap, no wrap, user addresses in range) and
 * then never modified, so the data path reads it without a lock of its own.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>

#include "memtable.h"

static int region_cmp(const void *a, const void *b)
{
	const struct vha_region *ra = a, *rb = b;

	if (ra->start < rb->start)
		return -1;
	return ra->start > rb->start;
}

/* Validate one region from userspace and convert it to ours. */
static int region_from_user(const struct vhost_memory_region *ur,
			    struct vha_region *r)
{
	/* Empty or wrapping regions are unusable (upstream: -EFAULT). */
	if (!ur->memory_size ||
	    ur->guest_phys_addr + ur->memory_size < ur->guest_phys_addr)
		return -EFAULT;
	/* The owner's mapping must lie inside its address space. */
	if (ur->userspace_addr + ur->memory_size < ur->userspace_addr ||
	    ur->userspace_addr != (unsigned long)ur->userspace_addr ||
	    !access_ok(u64_to_user_ptr(ur->userspace_addr), ur->memory_size))
		return -EFAULT;
	r->start = ur->guest_phys_addr;
	r->size = ur->memory_size;
	r->host = ur->userspace_addr;
	return 0;
}

/* Sort the regions and reject overlapping guest-physical ranges. */
static int sort_and_check(struct vha_umem *mt)
{
	const struct vha_region *last;
	unsigned int i;

	sort(mt->regions, mt->table.nr, sizeof(mt->regions[0]), region_cmp,
	     NULL);
	for (i = 1; i < mt->table.nr; i++)
		if (mt->regions[i].start - mt->regions[i - 1].start <
		    mt->regions[i - 1].size)
			return -EINVAL;
	if (mt->table.nr) {
		last = &mt->regions[mt->table.nr - 1];
		mt->gpa_end = last->start + last->size;
	}
	return vha_memtable_check(&mt->table);
}

static struct vha_umem *umem_alloc(unsigned int n)
{
	struct vha_umem *mt;

	mt = kvzalloc(struct_size(mt, regions, n), GFP_KERNEL_ACCOUNT);
	if (!mt)
		return NULL;
	mt->table.nr = n;
	mt->table.regions = mt->regions;
	return mt;
}

struct vha_umem *vha_umem_empty(void)
{
	return umem_alloc(0);
}

void vha_umem_free(struct vha_umem *mt)
{
	kvfree(mt);
}

/*
 * Build a table from a struct vhost_memory in user memory.
 * Errnos as upstream: -EFAULT for unreadable input or an unusable region,
 * -EOPNOTSUPP for nonzero padding, -E2BIG over max_mem_regions; -EINVAL for
 * overlapping regions (upstream does not check overlap).
 */
int vha_umem_from_user(const struct vhost_memory __user *um,
		       struct vha_umem **out)
{
	struct vhost_memory_region ur;
	struct vhost_memory hdr;
	struct vha_umem *mt;
	unsigned int i;
	int ret;

	if (copy_from_user(&hdr, um, sizeof(hdr)))
		return -EFAULT;
	if (hdr.padding)
		return -EOPNOTSUPP;
	if (hdr.nregions > vha_max_mem_regions)
		return -E2BIG;
	mt = umem_alloc(hdr.nregions);
	if (!mt)
		return -ENOMEM;
	for (i = 0; i < hdr.nregions; i++) {
		ret = -EFAULT;
		if (copy_from_user(&ur, &um->regions[i], sizeof(ur)))
			goto err;
		ret = region_from_user(&ur, &mt->regions[i]);
		if (ret)
			goto err;
	}
	ret = sort_and_check(mt);
	if (ret)
		goto err;
	*out = mt;
	return 0;
err:
	vha_umem_free(mt);
	return ret;
}

static bool region_has(const struct vha_region *r, u64 gpa)
{
	return gpa - r->start < r->size;
}

/* Find the region holding @gpa: 1 and *out, or 0 if none. */
int vha_umem_lookup(struct vha_umem *mt, u64 gpa,
		    const struct vha_region **out)
{
	unsigned int lo = 0, hi = mt->table.nr, mid;
	unsigned int hint = READ_ONCE(mt->hint);

	if (hint < mt->table.nr && region_has(&mt->regions[hint], gpa)) {
		*out = &mt->regions[hint];
		return 1;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (gpa < mt->regions[mid].start) {
			hi = mid;
		} else if (!region_has(&mt->regions[mid], gpa)) {
			lo = mid + 1;
		} else {
			WRITE_ONCE(mt->hint, mid);
			*out = &mt->regions[mid];
			return 1;
		}
	}
	return 0;
}

/*
 * Reverse lookup, for dirty logging of writes the device made through owner
 * addresses (rings, IOTLB-translated buffers): the guest-physical address of
 * @hva. 1 and *gpa, or 0 if no region maps it. A linear walk: it runs only
 * while dirty logging is on.
 */
int vha_umem_hva_to_gpa(const struct vha_umem *mt, u64 hva, u64 *gpa)
{
	const struct vha_region *r;
	unsigned int i;

	for (i = 0; i < mt->table.nr; i++) {
		r = &mt->regions[i];
		if (hva - r->host < r->size) {
			*gpa = r->start + (hva - r->host);
			return 1;
		}
	}
	return 0;
}
