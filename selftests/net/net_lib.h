/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the vhost-net tests: a tap device, a packet socket on its
 * network side, and a guest (tools/vhost-test) driving /dev/vhost-net.
 *
 *   guest rings (vhost_client) <-> /dev/vhost-net <-> tap fd (backend)
 *                                                      |
 *                                        tap netdev <-> AF_PACKET socket
 *
 * Transmit tests post frames on the guest's TX ring and read them from the
 * packet socket; receive tests send frames from the packet socket and read
 * them from the guest's RX buffers.
 */
#ifndef VHA_NET_LIB_H
#define VHA_NET_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost_client.h"

enum {
	NT_RX = 0,
	NT_TX = 1,
	NT_MAX_FRAME = 65536 + 64,
	NT_ETH_P_TEST = 0x88b5,		/* IEEE local experimental */
	NT_TAP_MAX_QUEUES = 4,		/* queues of a multiqueue tap */
};

/* One guest queue: a pool of buffers in guest memory, one per buffer id. */
struct nt_queue {
	unsigned int idx;
	uint32_t num;
	uint32_t bufsz;
	uint64_t pool;			/* num * bufsz bytes of guest memory */
	uint64_t *free;			/* stack of free buffer numbers */
	uint32_t nfree;
	uint32_t *buf_of_id;		/* buffer number in flight per id */
	uint32_t *segs_of_id;		/* RX: descriptors per chain */
};

struct nt_guest {
	struct vha_vt vt;
	uint64_t features;
	size_t hlen;			/* guest's virtio-net header size */
	struct nt_queue q[2];
};

struct nt_cfg {
	bool packed;
	bool mrg;			/* VIRTIO_NET_F_MRG_RXBUF */
	bool v1;			/* VIRTIO_F_VERSION_1 */
	bool vhost_hdr;			/* VHOST_NET_F_VIRTIO_NET_HDR */
	int iotlb;			/* ACCESS_PLATFORM: 1 rings mapped, 2 all */
	uint32_t num;			/* ring size */
	uint32_t rx_bufsz;
	uint32_t tx_bufsz;
	bool avail_half_base;		/* packed base as DPDK sets it */
	bool no_device;			/* rings only: a userspace device */
};

/* Tap: name, fd per queue, packet socket. */
struct nt_tap {
	char name[16];
	int fd[NT_TAP_MAX_QUEUES];
	int nfds;
	int ifindex;
	int pkt;
};

void nt_default_cfg(struct nt_cfg *cfg);
int nt_tap_open(struct nt_tap *tap, const char *name, bool vnet_hdr,
		int hdrsz, int queues);
void nt_tap_close(struct nt_tap *tap);
/* Next test frame seen on the tap's network side (not our own sends). */
int nt_tap_recv(struct nt_tap *tap, void *buf, size_t size, int timeout_ms);
int nt_tap_send(struct nt_tap *tap, const void *frame, size_t len);
int nt_tap_drain(struct nt_tap *tap);

int nt_guest_open(struct nt_guest *g, const struct nt_cfg *cfg);
void nt_guest_close(struct nt_guest *g);
int nt_set_backend(struct nt_guest *g, unsigned int idx, int fd);
/* IOTLB: map guest-physical [gpa, +size) (both as gpa and as host VA). */
int nt_iotlb_map(struct nt_guest *g, uint64_t gpa, uint64_t size);
/* Read one IOTLB miss: 1 and its iova, 0 if none within @timeout_ms. */
int nt_iotlb_miss(struct nt_guest *g, uint64_t *iova, int timeout_ms);

/* Post a frame (after a guest header @hdr) as @nsegs readable buffers. */
int nt_tx_post(struct nt_guest *g, const void *hdr, const void *frame,
	       size_t len, unsigned int nsegs);
/* Guest-physical address of buffer @b of a queue's pool. */
uint64_t nt_buf_gpa(const struct nt_queue *q, uint32_t b);
/*
 * Post the free buffer on top of queue @idx's free stack as one descriptor
 * of @len bytes (readable on TX, writable on RX). 0 or -errno.
 */
int nt_post_buf(struct nt_guest *g, unsigned int idx, uint32_t len);
/* Post @len raw bytes as one readable buffer (no header of its own). */
int nt_tx_post_raw(struct nt_guest *g, const void *bytes, size_t len);
void nt_kick(struct nt_guest *g, unsigned int idx);
/* Reap used TX entries for up to @timeout_ms: number reaped. */
int nt_tx_reap(struct nt_guest *g, unsigned int want, int timeout_ms);
/* Post @n receive buffers of @len bytes each (1 descriptor each). */
int nt_rx_post(struct nt_guest *g, unsigned int n, uint32_t len);
/*
 * Receive one packet: 1 with header+data copied into @buf (*len bytes)
 * and *nbufs used entries consumed, 0 on timeout, -errno.
 */
int nt_rx_get(struct nt_guest *g, void *buf, size_t size, size_t *len,
	      unsigned int *nbufs, int timeout_ms);
int nt_used_pending(struct nt_guest *g, unsigned int idx);

/* Frames. */
size_t nt_frame(uint8_t *buf, size_t len, uint32_t seq, uint8_t flow);
size_t nt_udp_frame(uint8_t *buf, size_t len, uint32_t seq, uint16_t port);
size_t nt_tcp_gso_frame(uint8_t *buf, size_t payload, uint32_t seq);
struct virtio_net_hdr_mrg_rxbuf;
void nt_tcp_gso_hdr(struct virtio_net_hdr_mrg_rxbuf *h);
uint32_t nt_frame_seq(const uint8_t *buf, size_t len);

/* Module counters from debugfs (-1 if unreadable). */
long long nt_stat(const char *name);

#endif
