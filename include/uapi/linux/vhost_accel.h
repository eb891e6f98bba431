/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhost-accel userspace ABI.
 *
 * The devices speak exactly the ABI of Linux's <linux/vhost.h> and
 * <linux/vhost_types.h>. Debian 12's 6.1 headers predate the worker ioctls
 * (merged upstream in 6.5), so they are declared here with the upstream
 * numbers and layouts when the system header lacks them. The test device
 * ioctls are those of Linux's drivers/vhost/test.h.
 */
#ifndef _UAPI_LINUX_VHOST_ACCEL_H
#define _UAPI_LINUX_VHOST_ACCEL_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/vhost.h>

#ifndef VHOST_NEW_WORKER
/* Same layout as upstream's struct vhost_worker_state (one 32-bit id). */
struct vhost_worker_state {
	/* NEW_WORKER: the id of the new worker; FREE_WORKER: the id to free. */
	__u32 worker_id;
};

/* Same layout as upstream's struct vhost_vring_worker. */
struct vhost_vring_worker {
	__u32 index;		/* virtqueue index */
	__u32 worker_id;	/* id from VHOST_NEW_WORKER */
};

/* Create a worker thread for this device; its id is returned. 0x8004af08 */
#define VHOST_NEW_WORKER _IOR(VHOST_VIRTIO, 0x8, struct vhost_worker_state)
/* Free a worker no virtqueue is attached to. 0x4004af09 */
#define VHOST_FREE_WORKER _IOW(VHOST_VIRTIO, 0x9, struct vhost_worker_state)
/* Move a virtqueue to another worker. 0x4008af15 */
#define VHOST_ATTACH_VRING_WORKER _IOW(VHOST_VIRTIO, 0x15,		\
				       struct vhost_vring_worker)
/* Return the id of a virtqueue's worker. 0xc008af16 */
#define VHOST_GET_VRING_WORKER _IOWR(VHOST_VIRTIO, 0x16,		\
				     struct vhost_vring_worker)
#endif

#ifndef VHOST_TEST_RUN
/* /dev/vhost-test: start (1) or stop (0) consuming buffers on every queue. */
#define VHOST_TEST_RUN _IOW(VHOST_VIRTIO, 0x31, int)
/* /dev/vhost-test: detach (fd -1) or reattach (other fd) one queue's backend. */
#define VHOST_TEST_SET_BACKEND _IOW(VHOST_VIRTIO, 0x32, int)
#endif

#endif /* _UAPI_LINUX_VHOST_ACCEL_H */
