/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory and the dirty log, as this daemon maps them. The front-end
 * (QEMU) describes each memory region by guest-physical address, size,
 * its own virtual address and an fd + offset; the daemon maps every fd and
 * gives the kernel its own addresses, so the kernel's workers, which run
 * in the daemon's mm, reach guest memory directly. Ring addresses arrive
 * as the front-end's virtual addresses and are translated here.
 *
 * The daemon itself never reads or writes guest memory: a region or log
 * whose fd is shorter than announced only makes the kernel's accesses
 * fail, never the daemon.
 */
#ifndef VUB_MAP_H
#define VUB_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct vub_map {
	void *addr;			/* what mmap() gave, NULL if none */
	size_t len;
	uint8_t *base;			/* the first byte asked for */
};

struct vub_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t qva;			/* the front-end's address */
	struct vub_map map;
};

struct vub_mem {
	unsigned int n;
	struct vub_region r[VU_MAX_REGIONS];
};

struct vub_log {
	struct vub_map map;
	uint64_t size;			/* bytes of bitmap */
};

/*
 * Map the regions of @t, whose fds are @fds[0..t->nregions): 0, or -1
 * (said why; nothing stays mapped). The fds may be closed afterwards.
 */
int vub_mem_map(struct vub_mem *m, const struct vu_mem_table *t,
		const int *fds);
void vub_mem_unmap(struct vub_mem *m);

/*
 * The daemon's address of the front-end's [qva, qva + len), which must
 * lie inside one region; NULL if it does not.
 */
void *vub_mem_translate(const struct vub_mem *m, uint64_t qva, uint64_t len);

/* The table for VHOST_SET_MEM_TABLE (malloc'd; NULL: out of memory). */
struct vhost_memory *vub_mem_kernel_table(const struct vub_mem *m);

/* Bytes of dirty bitmap the kernel may write for this table. */
uint64_t vub_mem_log_bytes(const struct vub_mem *m);

/* Map the log (SET_LOG_BASE with LOG_SHMFD): 0 or -1 (said why). */
int vub_log_map(struct vub_log *l, const struct vu_log *msg, int fd);
void vub_log_unmap(struct vub_log *l);

#endif
