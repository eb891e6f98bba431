// SPDX-License-Identifier: GPL-2.0
/*
 * IOTLB storage: an interval tree of mappings with an age list. Like
 * upstream, at most max_iotlb_entries mappings are kept; adding one more
 * retires the oldest (userspace gets a miss and maps it again).
 */
#include <linux/slab.h>
#include <linux/vhost.h>

#include "iotlb.h"

enum { VHA_IOTLB_MAX_ENTRIES = 2048 };

struct vha_iotlb *vha_iotlb_alloc(void)
{
	struct vha_iotlb *iotlb;

	BUILD_BUG_ON(sizeof(unsigned long) != sizeof(u64));
	iotlb = kzalloc(sizeof(*iotlb), GFP_KERNEL_ACCOUNT);
	if (!iotlb)
		return NULL;
	iotlb->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&iotlb->maps);
	return iotlb;
}

static void map_del(struct vha_iotlb *iotlb, struct vha_iotlb_map *map)
{
	interval_tree_remove(&map->it, &iotlb->root);
	list_del(&map->link);
	iotlb->nmaps--;
	kfree(map);
}

void vha_iotlb_free(struct vha_iotlb *iotlb)
{
	struct vha_iotlb_map *map, *next;

	if (!iotlb)
		return;
	list_for_each_entry_safe(map, next, &iotlb->maps, link)
		map_del(iotlb, map);
	kfree(iotlb);
}

/* Map [start, last] to uaddr. 0, -EINVAL (empty/wrapping), -ENOMEM. */
int vha_iotlb_add(struct vha_iotlb *iotlb, u64 start, u64 last, u64 uaddr,
		  u8 perm)
{
	struct vha_iotlb_map *map;

	if (last < start)
		return -EINVAL;
	if (iotlb->nmaps >= VHA_IOTLB_MAX_ENTRIES)
		map_del(iotlb, list_first_entry(&iotlb->maps,
						struct vha_iotlb_map, link));
	map = kmalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	map->it.start = start;
	map->it.last = last;
	map->uaddr = uaddr;
	map->perm = perm;
	interval_tree_insert(&map->it, &iotlb->root);
	list_add_tail(&map->link, &iotlb->maps);
	iotlb->nmaps++;
	return 0;
}

/* Remove every mapping that intersects [start, last]. */
void vha_iotlb_del(struct vha_iotlb *iotlb, u64 start, u64 last)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(&iotlb->root, start, last)))
		map_del(iotlb, container_of(node, struct vha_iotlb_map, it));
}

/* The mapping holding @iova: 1 and *out, or 0 if none. */
int vha_iotlb_lookup(struct vha_iotlb *iotlb, u64 iova,
		     const struct vha_iotlb_map **out)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&iotlb->root, iova, iova);
	if (!node)
		return 0;
	*out = container_of(node, struct vha_iotlb_map, it);
	return 1;
}
