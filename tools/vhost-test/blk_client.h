/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_client: a virtio-blk driver (VIRTIO 1.2 5.2) on top of vhost_client,
 * for tests and benchmarks of /dev/vhost-blk. Each queue has one request
 * slot per ring entry, each slot a 16-byte header, a data area and a
 * status byte in guest memory; requests are laid out the way the caller
 * asks (header split, data in several descriptors, status sharing a
 * descriptor, indirect), hostile layouts included.
 *
 *   blk_client (guest rings) <-> /dev/vhost-blk <-> backend file
 */
#ifndef VHA_BLK_CLIENT_H
#define VHA_BLK_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_blk.h>

#include "vhost_client.h"

enum { VBK_MAX_QUEUES = 16 };

struct vbk_cfg {
	unsigned int queues;		/* 1..16 */
	uint32_t num;			/* ring size */
	uint32_t data_max;		/* data bytes a slot holds */
	bool packed;
	bool event_idx;
	uint32_t max_indirect;		/* 0: no indirect tables */
	uint64_t features;		/* more: DISCARD, RO, LOG_ALL, ... */
	const char *path;		/* default /dev/vhost-blk */
};

struct vbk_slot {
	bool busy;
	uint16_t id;
	uint32_t type;
	uint32_t len;			/* data bytes */
	uint32_t status_len;		/* the writable status buffer */
	bool status_joined;		/* IN: status right after the data */
	uint32_t data_off;		/* data this far into the data area */
};

struct vbk_queue {
	uint32_t num;
	uint32_t data_max;
	uint64_t hdr;			/* num * 16 bytes */
	uint64_t status;		/* num * 64 bytes */
	uint64_t data;			/* num areas of data_max + 513, 4 KiB aligned */
	uint16_t *free;			/* stack of free slots */
	uint32_t nfree;
	uint16_t *slot_of_id;		/* num entries */
	struct vbk_slot *slot;
	unsigned int inflight;
};

struct vbk_dev {
	struct vha_vt vt;
	struct vbk_cfg cfg;
	struct vbk_queue q[VBK_MAX_QUEUES];
};

/* How a request is laid out in descriptors (all zero: the usual). */
struct vbk_layout {
	bool hdr_split;			/* header in 7 + 9 bytes */
	unsigned int data_segs;		/* data in this many (default 1) */
	/*
	 * Writable status buffer (default 1), the status its last byte: for
	 * requests without writable data only (for IN and GET_ID every
	 * writable byte before the status is data, 5.2.6).
	 */
	uint32_t status_len;
	bool status_joined;		/* IN: data and status in one */
	bool indirect;
	uint32_t data_off;		/* data not page aligned (< 512) */
	/* hostile */
	uint32_t hdr_len;		/* readable header bytes (default 16) */
	bool no_status;			/* no writable byte at all */
};

/* Open, own, give memory, features, set up every queue (not started). */
int vbk_open(struct vbk_dev *d, const struct vbk_cfg *cfg);
void vbk_close(struct vbk_dev *d);
int vbk_set_backend(struct vbk_dev *d, int fd);
int vbk_set_serial(struct vbk_dev *d, const char serial[VIRTIO_BLK_ID_BYTES]);

/*
 * Queue a request on queue @q; for OUT (and DISCARD / WRITE_ZEROES, whose
 * data is the segment list) @data is copied into the slot first. Not
 * visible to the device until vbk_kick(). The slot, or -ENOSPC / -EINVAL.
 */
int vbk_submit(struct vbk_dev *d, unsigned int q, uint32_t type,
	       uint64_t sector, const void *data, uint32_t len,
	       const struct vbk_layout *lay);
/* Publish what was queued and kick if the device wants it. */
void vbk_kick(struct vbk_dev *d, unsigned int q);
/*
 * Take a completion of queue @q, waiting up to @timeout_ms: 1 with its
 * slot (free again, its data valid until the slot is used again), status
 * and used length; 0 on timeout; -EIO if the error eventfd fired;
 * -EPROTO if the device returned something impossible.
 */
int vbk_reap(struct vbk_dev *d, unsigned int q, int *slot, uint8_t *status,
	     uint32_t *len, int timeout_ms);
/* The host address of a slot's data area. */
void *vbk_data(struct vbk_dev *d, unsigned int q, int slot);
/*
 * One request, waited for: its status (VIRTIO_BLK_S_*) or -errno. IN and
 * GET_ID copy what was read into @buf.
 */
int vbk_io(struct vbk_dev *d, unsigned int q, uint32_t type, uint64_t sector,
	   void *buf, uint32_t len);

#endif
