/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_client: a userspace virtio driver for /dev/vhost-* devices, for
 * tests and benchmarks. It owns a block of "guest memory" (an anonymous
 * mapping, guest-physical [gpa, gpa + size)), gives it to the device as a
 * one-region memory table, lays rings out in it with vring_driver, and
 * configures each queue the way QEMU does (NUM, BASE, ADDR, KICK, CALL, ERR).
 */
#ifndef VHA_VHOST_CLIENT_H
#define VHA_VHOST_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "vring_driver.h"

enum { VHA_VT_MAX_VQS = 8 };

struct vha_vt_vq {
	int kick;		/* eventfd: driver -> device */
	int call;		/* eventfd: device -> driver */
	int err;		/* eventfd: device reports a broken ring */
	bool ready;
	struct vha_drv drv;
};

struct vha_vt {
	int fd;
	uint8_t *mem;
	uint64_t gpa;
	uint64_t size;
	uint64_t brk;		/* next free guest-physical address */
	uint64_t features;
	struct vha_vt_vq vq[VHA_VT_MAX_VQS];
};

struct vha_vt_ring {
	uint32_t num;
	bool packed;
	bool event_idx;
	uint32_t max_indirect;	/* 0: no indirect tables */
	/*
	 * Packed: set the base as DPDK and SPDK do (the vhost-user
	 * convention), avail half only (0x8000), not QEMU's 0x80008000.
	 */
	bool avail_half_base;
};

/*
 * Open @path, SET_OWNER, map @size bytes at guest @gpa, SET_MEM_TABLE.
 * @path NULL: no device (fd -1), only the memory and, later, the rings,
 * for a device in userspace; no ioctl is made.
 */
int vha_vt_open(struct vha_vt *t, const char *path, uint64_t gpa,
		uint64_t size);
void vha_vt_close(struct vha_vt *t);
/* Guest memory: allocate (bump), and translate to a host pointer. */
int vha_vt_alloc(struct vha_vt *t, uint64_t size, uint64_t align,
		 uint64_t *gpa);
void *vha_vt_ptr(struct vha_vt *t, uint64_t gpa, uint64_t len);
uint64_t vha_vt_hva(struct vha_vt *t, uint64_t gpa);
int vha_vt_set_features(struct vha_vt *t, uint64_t features);
/* Lay out and configure queue @idx; the device is not started. */
int vha_vt_vq_setup(struct vha_vt *t, unsigned int idx,
		    const struct vha_vt_ring *ring);
int vha_vt_kick(struct vha_vt *t, unsigned int idx);
/*
 * Wait for a call on queue @idx: 1 called, 0 timed out, -EIO if the error
 * eventfd fired, -errno on failure.
 */
int vha_vt_wait(struct vha_vt *t, unsigned int idx, int timeout_ms);
/* Read and clear an eventfd's counter: its value, 0 if none. */
uint64_t vha_vt_drain(int efd);

#endif
