/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/vhost-blk: an in-kernel virtio-blk device (vhost-accel's vhost_blk).
 *
 * Everything but the two ioctls below is the standard vhost ABI of
 * <linux/vhost.h>: VHOST_SET_OWNER, VHOST_GET/SET_FEATURES,
 * VHOST_SET_MEM_TABLE, VHOST_SET_LOG_BASE/FD, VHOST_SET_VRING_NUM/ADDR/BASE/
 * KICK/CALL/ERR, VHOST_GET_VRING_BASE, the worker ioctls, the IOTLB messages
 * on the fd. The two ioctls are those of the vhost-blk downstream users
 * already have (Virtuozzo's kernel and its QEMU "vhost-blk-pci" device).
 *
 * Queues: up to VHOST_BLK_MAX_QUEUES virtqueues, 0..n-1, each a request
 * queue of virtio-blk (VIRTIO 1.2 5.2); VIRTIO_BLK_F_MQ is needed for more
 * than one.
 *
 * Features (VHOST_GET_FEATURES): VIRTIO_F_VERSION_1, VIRTIO_RING_F_INDIRECT_DESC,
 * VIRTIO_RING_F_EVENT_IDX, VIRTIO_F_RING_PACKED, VIRTIO_F_ACCESS_PLATFORM,
 * VHOST_F_LOG_ALL, and of virtio-blk: SIZE_MAX, SEG_MAX, GEOMETRY, RO,
 * BLK_SIZE, TOPOLOGY, MQ, FLUSH, DISCARD, WRITE_ZEROES. The configuration
 * space belongs to the VMM, which derives it from the backend it passes in:
 *   capacity                  the backend's size in 512-byte sectors
 *                             (BLKGETSIZE64 / st_size, rounded down)
 *   blk_size                  the backend's logical block size (BLKSSZGET;
 *                             512 for a file), topology from BLKPBSZGET,
 *                             BLKIOMIN, BLKIOOPT
 *   seg_max                   at most VHOST_BLK_SEG_MAX (more segments work,
 *                             at the cost of an allocation per request)
 *   num_queues                at most VHOST_BLK_MAX_QUEUES
 *   max_discard_sectors,      at most VHOST_BLK_MAX_DISCARD_SECTORS and
 *   max_discard_seg           VHOST_BLK_MAX_DISCARD_SEG; offer
 *                             VIRTIO_BLK_F_DISCARD only if the backend
 *                             discards (a block device's discard_max_bytes
 *                             > 0; a file on a file system that punches
 *                             holes)
 *   discard_sector_alignment  the logical block size in sectors
 *   max_write_zeroes_sectors, at most VHOST_BLK_MAX_WRITE_ZEROES_SECTORS and
 *   max_write_zeroes_seg      VHOST_BLK_MAX_WRITE_ZEROES_SEG
 *   write_zeroes_may_unmap    1 if discard is offered
 *   VIRTIO_BLK_F_RO           if the backend is read-only (opened without
 *                             write access, BLKROGET, or a read-only mount)
 * The device checks every request against the backend and these limits:
 * a data length that is not a multiple of 512 bytes, a sector range past
 * the capacity, a malformed or too long DISCARD/WRITE_ZEROES segment list,
 * a write to a read-only backend (or with VIRTIO_BLK_F_RO acked) each get
 * VIRTIO_BLK_S_IOERR without touching the backend; unknown request types
 * and DISCARD/WRITE_ZEROES flags other than UNMAP on WRITE_ZEROES get
 * VIRTIO_BLK_S_UNSUPP. A chain without a 16-byte readable header or a
 * writable status byte breaks its queue (the error eventfd is signalled).
 *
 * Ordering and durability: a request's status is written after its data
 * transfer completed, its used entry after its status. Writes complete when
 * the backend has them (the device's cache, or the page cache of a file
 * without direct I/O); VIRTIO_BLK_T_FLUSH completes after every write that
 * completed before the flush was fetched is durable (fsync of the backend).
 * At most VHOST_BLK_MAX_INFLIGHT requests per queue are in flight; further
 * chains wait in the ring.
 */
#ifndef _UAPI_LINUX_VHOST_BLK_H
#define _UAPI_LINUX_VHOST_BLK_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/vhost.h>
#include <linux/virtio_blk.h>

#define VHOST_BLK_MAX_QUEUES			16
#define VHOST_BLK_MAX_INFLIGHT			256	/* per queue */
#define VHOST_BLK_SEG_MAX			126	/* without allocation */
#define VHOST_BLK_MAX_DISCARD_SEG		16
#define VHOST_BLK_MAX_DISCARD_SECTORS		(1U << 22)	/* 2 GiB */
#define VHOST_BLK_MAX_WRITE_ZEROES_SEG		16
#define VHOST_BLK_MAX_WRITE_ZEROES_SECTORS	(1U << 22)	/* 2 GiB */

/*
 * Attach the backend: .fd is an open block device or regular file, for the
 * whole device (.index is ignored). Every queue that has a kick eventfd
 * starts; a queue configured later starts when this is called again with
 * the same fd. Another fd replaces the backend after the requests in flight
 * on the old one completed. .fd = -1 detaches: the queues stop fetching,
 * every request in flight completes (its status and used entry written),
 * then the call returns; VHOST_GET_VRING_BASE then gives a position with
 * nothing in flight. The backend is used as opened: with write access only
 * if the fd has it. Direct I/O is used where the backend supports it (the
 * fd need not be opened with O_DIRECT).
 * Errors: EBADF (fd not open), EINVAL (not a block device or regular file),
 * EFAULT (a ring not accessible), ENOMEM, EPERM (not the owner).
 */
#define VHOST_BLK_SET_BACKEND _IOW(VHOST_VIRTIO, 0xFF, struct vhost_vring_file)

/*
 * Set the serial number VIRTIO_BLK_T_GET_ID answers with: up to 20 bytes,
 * not NUL-terminated if all 20 are used (VIRTIO 1.2 5.2.6). Empty (all
 * zero) until set. Errors: EFAULT, EPERM (not the owner).
 */
#define VHOST_BLK_SET_SERIAL _IOW(VHOST_VIRTIO, 0xFE, char[VIRTIO_BLK_ID_BYTES])

#endif /* _UAPI_LINUX_VHOST_BLK_H */
