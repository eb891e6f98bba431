/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vnet_user: a userspace virtio-net device (VIRTIO 1.2 5.1) on a tap,
 * doing what QEMU does with -netdev tap,vhost=off: one thread per queue,
 * woken by the queue's kick eventfd (and, for RX, by the tap becoming
 * readable), parsing the guest's ring with vringh/ (the project's own
 * parser, in its userspace build), writev() of each TX chain to the tap,
 * readv() from the tap straight into the guest's RX buffers, and a write
 * to the call eventfd when the driver asks for one. It is the userspace
 * competitor of /dev/vhost-net in vha-net-bench (-b user).
 *
 *   guest rings (memory shared with the driver)
 *       TX queue thread --writev--> tap fd --> host stack
 *       RX queue thread <--readv--- tap fd <-- host stack
 *
 * The tap is opened by the caller as QEMU opens it: IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR with TUNSETVNETHDRSZ equal to the guest's header length
 * (hdr_len), so the virtio-net header passes through unchanged, offloads
 * included; vnet_user sets it O_NONBLOCK. Any fd with datagram semantics
 * (one write = one frame, one read = one frame) works: the unit test uses
 * a socketpair.
 *
 * Every guest-controlled value is checked: buffer addresses go through
 * the memory table (vringh), frame lengths are bounded, a header tun
 * refuses drops that frame only, a packet larger than the guest's
 * buffers never overflows them.
 *
 * The caller owns the memory, the rings, the eventfds and the tap; they
 * must stay valid until vnet_user_stop() returns.
 */
#ifndef VNET_USER_H
#define VNET_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum vnet_user_q {
	VNET_USER_RX = 0,	/* virtio-net's receiveq1 */
	VNET_USER_TX = 1,	/* transmitq1 */
	VNET_USER_QUEUES = 2,
};

/* Guest-physical [gpa, gpa + size) is host memory at @host. */
struct vnet_user_region {
	uint64_t gpa;
	uint64_t size;
	void *host;
};

/* One queue: its ring (host addresses) and its two eventfds. */
struct vnet_user_queue {
	uint64_t desc;
	uint64_t avail;
	uint64_t used;
	uint32_t num;
	int kick;		/* the driver writes it; the thread reads it */
	int call;		/* written when the driver wants to know */
};

struct vnet_user_cfg {
	const struct vnet_user_region *regions;	/* sorted by gpa */
	unsigned int nregions;
	/* negotiated features */
	bool packed;		/* VIRTIO_F_RING_PACKED */
	bool event_idx;		/* VIRTIO_RING_F_EVENT_IDX */
	bool indirect;		/* VIRTIO_RING_F_INDIRECT_DESC */
	bool mrg_rxbuf;		/* VIRTIO_NET_F_MRG_RXBUF */
	unsigned int hdr_len;	/* 10 or 12: the guest's virtio-net header */
	int tap;
	struct vnet_user_queue q[VNET_USER_QUEUES];
};

/* What a queue did; read while it runs, each counter on its own. */
struct vnet_user_stats {
	uint64_t packets;	/* frames written to / read from the tap */
	uint64_t bytes;		/* their bytes, virtio-net header included */
	uint64_t dropped;	/* TX: bad chain, length or header; RX: too big */
	uint64_t bad_chains;	/* RX: readable or shorter than the header */
	uint64_t wakeups;	/* times the thread woke from poll() */
	uint64_t kicks;		/* kick eventfd reads that found a kick */
	uint64_t batches;	/* used-index updates */
	uint64_t calls;		/* call eventfd writes */
};

struct vnet_user;

/* Check the configuration and start both queue threads: 0 or -errno. */
int vnet_user_start(struct vnet_user **out, const struct vnet_user_cfg *cfg);
/*
 * Stop both threads and free. Chains the device took and did not finish
 * (RX buffers waiting for a frame) are not returned to the guest.
 */
void vnet_user_stop(struct vnet_user *v);
/* Thread id of queue @q's thread (for its CPU time in /proc). */
pid_t vnet_user_tid(const struct vnet_user *v, unsigned int q);
void vnet_user_stats(const struct vnet_user *v, unsigned int q,
		     struct vnet_user_stats *st);
/* Why queue @q stopped serving (a broken ring, the tap), or NULL. */
const char *vnet_user_failure(const struct vnet_user *v, unsigned int q);

#endif
