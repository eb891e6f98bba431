/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The disk this daemon serves: a block device or a regular file, opened
 * once at start and handed to every connection's /dev/vhost-blk. What the
 * guest learns about it (the virtio-blk configuration space and the
 * feature bits) is derived here, by the rules of
 * include/uapi/linux/vhost_blk.h.
 */
#ifndef VUB_DISK_H
#define VUB_DISK_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_blk.h>

struct vub_disk {
	int fd;
	const char *path;
	bool read_only;
	bool is_bdev;
	bool can_discard;
	uint64_t bytes;			/* a multiple of 512 */
	uint32_t lbs;			/* logical block size */
	uint32_t pbs;			/* physical block size */
	uint32_t io_min, io_opt;	/* bytes, 0 if unknown */
	uint32_t align_off;		/* bytes */
};

/* Open and probe @path: 0, or -1 (said why). */
int vub_disk_open(struct vub_disk *d, const char *path, bool read_only);
void vub_disk_close(struct vub_disk *d);

/* The configuration space for a device of these queues (little-endian). */
void vub_disk_config(const struct vub_disk *d, unsigned int num_queues,
		     unsigned int queue_size, struct virtio_blk_config *cfg);

/*
 * The virtio feature bits to offer, from the kernel device's
 * VHOST_GET_FEATURES @kernel (without the vhost-user bit).
 */
uint64_t vub_disk_features(const struct vub_disk *d, uint64_t kernel);

#endif
