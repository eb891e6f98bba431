// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory table: a sorted array of regions, looked up by vringh's
 * inline binary search (vha_table_find()). A table is built whole from
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
