/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest in a buffer, for the userspace tests, fuzzer and benchmark of
 * vringh/: guest memory, the memory table the device sees, a driver
 * (tools/vhost-test/vring_driver) and a device ring on the same memory.
 *
 * Guest-physical layout (FX_GPA = 1 MiB, FX_SIZE = 4 MiB):
 *   FX_GPA + 0         rings (vha_drv_ring_layout)
 *   FX_GPA + 512 KiB   indirect tables (num * FX_MAX_INDIRECT * 16)
 *   FX_GPA + 2 MiB     boundary between the two memory regions
 *   FX_GPA + 1 MiB ... data buffers (fx_buf())
 * The memory table has two regions, [FX_GPA, +2 MiB) and [+2 MiB, +4 MiB),
 * so a buffer across FX_GPA + 2 MiB needs two segments; everything below
 * FX_GPA and from FX_GPA + 4 MiB up is outside guest memory.
 */
#ifndef VHA_VRINGH_TEST_FIXTURE_H
#define VHA_VRINGH_TEST_FIXTURE_H

#include "vringh/vringh.h"
#include "tools/vhost-test/vring_driver.h"

enum {
	FX_GPA = 0x100000,
	FX_SIZE = 0x400000,
	FX_SPLIT = 0x200000,		/* region boundary offset */
	FX_TABLES = 0x80000,
	FX_DATA = 0x100000,
	FX_MAX_INDIRECT = 16,
	FX_IOV = 64,
	FX_LOG = 64,
};

struct fx {
	uint8_t *mem;
	struct vha_region regions[2];
	struct vha_memtable table;
	struct vha_drv drv;
	struct vha_ring ring;
	struct vha_ring_config cfg;
	struct iovec iov[FX_IOV];
	struct vha_log log[FX_LOG];
	struct vha_chain chain;
};

/* features: enum vha_ring_feature; the driver gets the matching ones. */
int fx_setup(struct fx *f, uint32_t num, uint32_t features);
void fx_teardown(struct fx *f);
/* Re-create the device ring on the same rings (keeps driver state). */
int fx_ring_init(struct fx *f);

uint64_t fx_host(const struct fx *f, uint64_t gpa);	/* host address */
uint64_t fx_buf(unsigned int i);	/* gpa of data buffer i (4 KiB each) */
void fx_chain_reset(struct fx *f);
/* Add a chain of nout 64-byte readable and nin 64-byte writable buffers. */
int fx_add(struct fx *f, unsigned int nout, unsigned int nin, bool indirect,
	   uint16_t *id);
/* Does every segment of the last chain lie inside guest memory? */
bool fx_segs_inside(const struct fx *f);

#endif /* VHA_VRINGH_TEST_FIXTURE_H */
