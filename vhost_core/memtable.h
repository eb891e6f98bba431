/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory table (VHOST_SET_MEM_TABLE): guest-physical -> owner virtual.
 * Built on vringh's struct vha_memtable, which the ring code walks inline.
 */
#ifndef _VHA_UMEM_H
#define _VHA_UMEM_H

#include "vringh/vringh.h"

struct vhost_memory;

/*
 * Immutable once built. The device swaps tables with its mutex and every vq
 * mutex held, so a reader holding any one vq mutex sees a stable table.
 * regions[] is sorted by guest address and has no overlap.
 */
struct vha_umem {
	struct vha_memtable table;	/* what vringh walks; points to regions */
	u64 gpa_end;			/* end of the highest region (0: none) */
	struct vha_region regions[];
};

extern unsigned int vha_max_mem_regions;

int vha_umem_from_user(const struct vhost_memory __user *um,
		       struct vha_umem **out);
struct vha_umem *vha_umem_empty(void);
void vha_umem_free(struct vha_umem *mt);

#endif
