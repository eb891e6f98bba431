/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device IOTLB (VIRTIO_F_ACCESS_PLATFORM): I/O virtual -> owner virtual,
 * filled by userspace through IOTLB messages written to the device fd.
 */
#ifndef _VHA_IOTLB_H
#define _VHA_IOTLB_H

#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/types.h>

struct vha_dev;
struct vha_vq;
struct vhost_iotlb_msg;

/* One mapping. start/last (inclusive) are IOVAs. */
struct vha_iotlb_map {
	struct rb_node rb;
	u64 start;
	u64 last;
	u64 subtree_last;		/* interval tree augmentation */
	struct list_head link;		/* age order, oldest first */
	u64 uaddr;
	u8 perm;			/* VHOST_ACCESS_* */
};

/* Changed only with dev->mutex and every vq mutex held. */
struct vha_iotlb {
	struct rb_root_cached root;
	struct list_head maps;
	unsigned int nmaps;
};

struct vha_iotlb *vha_iotlb_alloc(void);
void vha_iotlb_free(struct vha_iotlb *iotlb);
int vha_iotlb_add(struct vha_iotlb *iotlb, u64 start, u64 last, u64 uaddr,
		  u8 perm);
void vha_iotlb_del(struct vha_iotlb *iotlb, u64 start, u64 last);
int vha_iotlb_lookup(struct vha_iotlb *iotlb, u64 iova,
		     const struct vha_iotlb_map **out);

int vha_iotlb_miss(struct vha_vq *vq, u64 iova, u8 perm);
void vha_iotlb_misses_clear(struct vha_dev *dev);

#endif
