/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the core's test programs (ioctl_test.c, hostile_test.c): TAP
 * output, a /dev/vhost-test device with one configured queue, echo traffic
 * through it, IOTLB messages.
 */
#ifndef VHA_CORE_LIB_H
#define VHA_CORE_LIB_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vhost.h>

#include "vhost_client.h"

extern const char *core_dev_path;	/* default /dev/vhost-test */
extern const uint64_t base_features;	/* VIRTIO_F_VERSION_1 */

/* A memory table of up to 66 regions, for SET_MEM_TABLE. */
struct mem2 {
	struct vhost_memory hdr;
	struct vhost_memory_region r[66];
};

/* One TAP point; the plan is printed by tap_done(). */
void tap(bool ok, const char *fmt, ...);
void expect_err(int fd, unsigned long req, void *arg, int err,
		const char *what);
void expect_ok(int fd, unsigned long req, void *arg, const char *what);
/* Print the plan; the exit status: 0 if every point passed. */
int tap_done(void);

int open_dev(void);
/* A device with queue 0 set up (64 entries), 4 MiB at guest 1 MiB. */
void setup(struct vha_vt *t, uint64_t features, bool packed);
int test_run(struct vha_vt *t, int on);
/*
 * Push @n echo chains through queue @q and check each comes back with its
 * data; buffer addresses are given to the device plus @iova_off (0: as
 * guest-physical, or an identity IOTLB). The number completed or -errno.
 */
int echo_bufs_at(struct vha_vt *t, unsigned int q, unsigned int n,
		 uint64_t iova_off);
int echo_bufs(struct vha_vt *t, unsigned int q, unsigned int n);
/* Write one v2 IOTLB message: 0 or -errno. */
int iotlb_write(int fd, uint32_t type, uint64_t iova, uint64_t size,
		uint64_t uaddr, uint8_t perm);

#endif
