// SPDX-License-Identifier: GPL-2.0
/*
 * IOTLB storage: an interval tree of mappings with an age list. Like
 * upstream, at most max_iotlb_entries mappings are kept; adding one more
 * retires the oldest (userspace gets a miss and maps it again).
 */
#include <linux/interval_tree_generic.h>
#include <linux/slab.h>
#include <linux/vhost.h>

#include "iotlb.h"

/*
 * The kernel's generic interval tree, instantiated here: the debug test
 * kernel does not build lib/interval_tree.c (CONFIG_INTERVAL_TREE).
 */
#define MAP_START(map) ((map)->start)
#define MAP_LAST(map) ((map)->last)
INTERVAL_TREE_DEFINE(struct vha_iotlb_map, rb, u64, subtree_last, MAP_START,
		     MAP_LAST, static inline, map_tree);

enum { VHA_IOTLB_MAX_ENTRIES = 2048 };

struct vha_iotlb *vha_iotlb_alloc(void)
{
	struct vha_iotlb *iotlb;

	iotlb = kzalloc(sizeof(*iotlb), GFP_KERNEL_ACCOUNT);
	if (!iotlb)
		return NULL;
	iotlb->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&iotlb->maps);
	return iotlb;
}

static void map_del(struct vha_iotlb *iotlb, struct vha_iotlb_map *map)
{
	map_tree_remove(map, &iotlb->root);
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
	map->start = start;
	map->last = last;
	map->uaddr = uaddr;
	map->perm = perm;
	map_tree_insert(map, &iotlb->root);
	list_add_tail(&map->link, &iotlb->maps);
	iotlb->nmaps++;
	return 0;
}

/* Remove every mapping that intersects [start, last]. */
void vha_iotlb_del(struct vha_iotlb *iotlb, u64 start, u64 last)
{
	struct vha_iotlb_map *map;

	while ((map = map_tree_iter_first(&iotlb->root, start, last)))
		map_del(iotlb, map);
}

/* The mapping holding @iova: 1 and *out, or 0 if none. */
int vha_iotlb_lookup(struct vha_iotlb *iotlb, u64 iova,
		     const struct vha_iotlb_map **out)
{
	struct vha_iotlb_map *map;

	map = map_tree_iter_first(&iotlb->root, iova, iova);
	if (!map)
		return 0;
	*out = map;
	return 1;
}
