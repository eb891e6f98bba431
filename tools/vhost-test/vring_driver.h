/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vring_driver: the DRIVER (guest) side of virtio 1.x split and packed
 * virtqueues, in userspace, for tests.
 *
 * It lays rings out in a block of memory that stands for guest memory
 * (guest-physical addresses [gpa, gpa + size) are bytes [0, size) of base),
 * adds chains of out/in buffers (direct or through an indirect table),
 * publishes them, reads used entries back and handles notification
 * suppression, all written from the VIRTIO 1.2 text (2.7, 2.8) and sharing
 * nothing with vringh/, so that it cross-checks the device side.  It can also
 * write raw, hostile descriptors and indices.
 *
 * Not thread-safe: one driver per ring, used by one thread; the device side
 * may run concurrently (barriers are as the spec requires).
 */
#ifndef VHA_VRING_DRIVER_H
#define VHA_VRING_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	VHA_DRV_MAX_NUM = 32768,
	VHA_DRV_F_NEXT = 1,
	VHA_DRV_F_WRITE = 2,
	VHA_DRV_F_INDIRECT = 4,
	VHA_DRV_F_AVAIL = 1 << 7,
	VHA_DRV_F_USED = 1 << 15,
};

/* Guest memory as the driver sees it. */
struct vha_drv_mem {
	uint8_t *base;
	uint64_t gpa;
	uint64_t size;
};

struct vha_drv_config {
	struct vha_drv_mem mem;
	uint32_t num;		/* queue size */
	bool packed;
	bool event_idx;
	bool in_order;		/* device may return a batch in one entry */
	uint64_t ring_gpa;	/* where the rings go: vha_drv_ring_size() */
	uint64_t table_gpa;	/* indirect tables: num * max_indirect * 16 */
	uint32_t max_indirect;	/* entries per indirect table (0: none) */
};

/* One buffer of a chain (guest-physical). */
struct vha_drv_buf {
	uint64_t addr;
	uint32_t len;
};

/* Per buffer id state. */
struct vha_drv_slot {
	uint16_t ndesc;		/* ring descriptors the chain occupies */
	uint16_t head;		/* split: head descriptor */
	bool busy;
};

struct vha_drv {
	struct vha_drv_config cfg;
	/* ring addresses (guest-physical) */
	uint64_t desc, avail, used;
	/* split: free descriptor list; packed: next slot and wrap counter */
	uint16_t free_head;
	uint32_t num_free;
	uint16_t avail_idx;	/* split: next avail->idx value */
	uint16_t published;	/* split: avail->idx last written */
	uint16_t last_used;	/* split: index; packed: slot */
	bool used_wrap;
	uint16_t next_avail;	/* packed */
	bool avail_wrap;
	/* packed: heads made available but not yet published */
	uint16_t pend_slot[64];
	uint16_t pend_flags[64];
	unsigned int npend;
	/* in-order: ids in the order they were made available */
	uint16_t *fifo;
	uint32_t fifo_head, fifo_len;
	uint16_t *next;		/* split: free list links */
	struct vha_drv_slot *slot;
	uint16_t next_id;	/* packed: id allocator cursor */
	/* positions at the last kick decision and at the last publish */
	uint16_t pub_old, pub_new;
};

/* Bytes the three ring areas need (aligned as the spec asks). */
uint64_t vha_drv_ring_size(uint32_t num, bool packed);
/* Offsets of the areas from ring_gpa. */
void vha_drv_ring_layout(uint32_t num, bool packed, uint64_t *desc,
			 uint64_t *avail, uint64_t *used);

int vha_drv_init(struct vha_drv *d, const struct vha_drv_config *cfg);
void vha_drv_free(struct vha_drv *d);

/* Host pointer for a guest range; NULL if outside memory. */
void *vha_drv_ptr(const struct vha_drv *d, uint64_t gpa, uint64_t len);

/*
 * Add a chain: out readable buffers then in writable ones; through an
 * indirect table if indirect.  Not visible to the device until
 * vha_drv_publish().  Returns 0 and the buffer id, -ENOSPC if the ring is
 * full, -EINVAL on bad arguments.
 */
int vha_drv_add(struct vha_drv *d, const struct vha_drv_buf *out,
		unsigned int nout, const struct vha_drv_buf *in,
		unsigned int nin, bool indirect, uint16_t *id);
/* Make the chains added so far visible (memory barrier included). */
void vha_drv_publish(struct vha_drv *d);
/*
 * Does the device want a kick for what was published since the last call?
 * (2.7.10, 2.8.10)  Covers at most 2 * num entries (packed) between calls.
 */
bool vha_drv_need_kick(struct vha_drv *d);

/*
 * Take the next used entry: 1 and id/len (and, in order, the number of
 * buffers it returned in *count), 0 if none, -EPROTO if the device wrote
 * something impossible (unknown id).
 */
int vha_drv_get_used(struct vha_drv *d, uint16_t *id, uint32_t *len,
		     unsigned int *count);

/* Used buffer notifications (device -> driver): 2.7.7, 2.8.10. */
void vha_drv_enable_cb(struct vha_drv *d);
void vha_drv_disable_cb(struct vha_drv *d);
/* Ask for an interrupt only after `after` more used entries (event idx). */
void vha_drv_delay_cb(struct vha_drv *d, uint16_t after);

/* Hostile helpers: write anything, bypassing the driver's bookkeeping. */
void vha_drv_raw_desc(struct vha_drv *d, uint64_t gpa, uint64_t addr,
		      uint32_t len, uint16_t flags, uint16_t next_or_id);
uint64_t vha_drv_desc_gpa(const struct vha_drv *d, uint32_t i);
/* Split: put head into the avail ring and move avail->idx by one. */
void vha_drv_raw_avail(struct vha_drv *d, uint16_t head);
void vha_drv_raw_avail_idx(struct vha_drv *d, uint16_t idx);
/* Packed: the AVAIL/USED bits that make slot available now. */
uint16_t vha_drv_avail_flags(const struct vha_drv *d);

uint16_t vha_drv_le16_at(const struct vha_drv *d, uint64_t gpa);

#endif /* VHA_VRING_DRIVER_H */
