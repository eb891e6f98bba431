/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/vhost-net on the vhost-accel core: one open file is one queue pair,
 * virtqueue 0 receives (tap -> guest), virtqueue 1 transmits (guest -> tap).
 * The backend of each queue is the socket of a tun/tap or macvtap file.
 */
#ifndef _VHA_NET_H
#define _VHA_NET_H

#include <linux/if_vlan.h>
#include <linux/ptr_ring.h>
#include <linux/types.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_config.h>
#include <net/xdp.h>

#include "vhost_core/dev.h"

enum vha_net_queue {
	VHA_NET_RX = 0,
	VHA_NET_TX = 1,
	VHA_NET_NVQS = 2,
};

enum vha_net_limit {
	VHA_NET_WEIGHT_PKTS = 256,	/* per kick and queue, as upstream */
	VHA_NET_WEIGHT_BYTES = 0x80000,	/* per kick and queue, as upstream */
	VHA_NET_RX_BATCH = 64,		/* pointers taken from tun's ring */
	VHA_NET_TX_BATCH_MAX = 64,	/* packets per sendmsg (TUN_MSG_PTR) */
	VHA_NET_USED_MAX = UIO_MAXIOV,	/* used entries held before a push */
	VHA_NET_USED_BATCH = 64,	/* published together (see used.c) */
	/*
	 * The largest frame a guest can send: a 64 KiB IP packet (GSO, or
	 * the largest MTU) behind a VLAN Ethernet header. A chain may carry
	 * up to 4 GiB; anything over this is dropped, not given to the tap.
	 */
	VHA_NET_TX_FRAME_MAX = 65536 + VLAN_ETH_HLEN,
};

/* Received packets taken from the backend's ptr_ring, not yet delivered. */
struct vha_net_rxq {
	void *ptr[VHA_NET_RX_BATCH];
	unsigned int head;		/* next to deliver */
	unsigned int tail;		/* one past the last taken */
};

/* One guest buffer (chain) of a packet being received. */
struct vha_net_head {
	u16 id;
	u16 ndesc;
	u32 len;			/* writable bytes */
	unsigned int nlog;		/* dirty-log entries it filled */
};

/* Pages the TX batch is carved from, recycled (txfrag.c). */
enum { VHA_NET_FRAG_PAGES = 4 };

struct vha_net_frags {
	struct page *page[VHA_NET_FRAG_PAGES];	/* each holds our reference */
	unsigned int cur;		/* slot being carved */
	unsigned int offset;		/* its next free byte */
	unsigned int size;		/* its size */
	unsigned int bias;		/* references on it not handed out */
};

/* Guest -> tap packets copied into page fragments, sent in one sendmsg. */
struct vha_net_txq {
	struct xdp_buff xdp[VHA_NET_TX_BATCH_MAX];
	unsigned int n;
	struct vha_net_frags frags;
};

/*
 * One queue of the pair. Every field below vq is protected by vq.mutex;
 * sock_poll is started and stopped under it too.
 */
struct vha_net_vq {
	struct vha_vq vq;
	struct vha_poll sock_poll;	/* RX: EPOLLIN; TX: EPOLLOUT (full) */
	size_t vhost_hlen;		/* header the device adds/strips */
	size_t sock_hlen;		/* header the tap reads/writes */
	bool broken;			/* driver broke a rule: queue stopped */
	struct ptr_ring *ring;		/* backend's RX ring (RX queue only) */
	struct vha_net_rxq *rxq;	/* RX queue only */
	struct vha_net_head *heads;	/* RX queue only: iov_limit entries */
	struct vha_net_txq *txq;	/* TX queue only */
	struct vha_used *used;		/* VHA_NET_USED_MAX pending entries */
	unsigned int nused;
};

struct vha_net {
	struct vha_dev dev;
	struct vha_net_vq vqs[VHA_NET_NVQS];
	struct vha_vq *vq_ptrs[VHA_NET_NVQS];
};

static inline struct vha_net_vq *to_net_vq(struct vha_vq *vq)
{
	return container_of(vq, struct vha_net_vq, vq);
}

static inline struct socket *vha_net_sock(const struct vha_net_vq *nvq)
{
	return vha_vq_get_backend(&nvq->vq);
}

/* Byte order of virtio-net headers: little-endian, or legacy native. */
static inline bool vha_net_hdr_le(const struct vha_net_vq *nvq)
{
	return vha_vq_has_feature(&nvq->vq, VIRTIO_F_VERSION_1) ||
	       virtio_legacy_is_little_endian();
}

/* backend.c */
int vha_net_backend_get(int fd, struct socket **sock, struct ptr_ring **ring);
void vha_net_backend_put(struct socket *sock);
int vha_net_attach(struct vha_net_vq *nvq, struct socket *sock,
		   struct ptr_ring *ring, struct socket **old);
struct socket *vha_net_detach(struct vha_net_vq *nvq);

/* used.c */
int vha_net_add_used(struct vha_net_vq *nvq, u16 id, u16 ndesc, u32 len);
int vha_net_flush_used(struct vha_net_vq *nvq);
int vha_net_used_room(struct vha_net_vq *nvq, unsigned int n);
bool vha_net_used_due(const struct vha_net_vq *nvq);
void vha_net_break(struct vha_net_vq *nvq);
void vha_net_notify_empty(struct vha_net_vq *nvq);

/* rx.c, rxq.c */
void vha_net_handle_rx_kick(struct vha_work *work);
void vha_net_handle_rx_sock(struct vha_work *work);
int vha_net_rxq_peek(struct vha_net_vq *nvq, u32 *len);
void *vha_net_rxq_take(struct vha_net_vq *nvq);
void vha_net_rxq_drop(struct vha_net_vq *nvq);
void vha_net_rxq_return(struct vha_net_vq *nvq);

/* tx.c, txq.c, txfrag.c */
void vha_net_handle_tx_kick(struct vha_work *work);
void vha_net_handle_tx_sock(struct vha_work *work);
int vha_net_txq_add(struct vha_net_vq *nvq, const struct vha_chain *c);
void vha_net_txq_flush(struct vha_net_vq *nvq);
bool vha_net_txq_want_flush(const struct vha_net_vq *nvq);
void vha_net_txq_drain(struct vha_net_txq *txq);
bool vha_net_txq_fits(const struct vha_net_vq *nvq, const struct vha_chain *c);
void *vha_net_frag_alloc(struct vha_net_frags *f, unsigned int size);
void vha_net_frags_drain(struct vha_net_frags *f);

/* stats.c: module-wide counters, in debugfs vha_net/stats. */
enum vha_net_stat {
	VHA_NET_STAT_TX_PACKETS,
	VHA_NET_STAT_TX_BYTES,
	VHA_NET_STAT_TX_DROPPED,
	VHA_NET_STAT_TX_BAD_LENGTH,	/* of the dropped: frame too short/long */
	VHA_NET_STAT_TX_BAD_HEADER,	/* of the dropped: virtio-net header */
	VHA_NET_STAT_TX_BATCHES,
	VHA_NET_STAT_TX_FRAG_PAGES,
	VHA_NET_STAT_RX_PACKETS,
	VHA_NET_STAT_RX_BYTES,
	VHA_NET_STAT_RX_DROPPED,
	VHA_NET_STAT_RX_BUFFERS,
	VHA_NET_STAT_OPENS,
	VHA_NET_STAT_COUNT
};

void vha_net_stat_add(enum vha_net_stat stat, u64 n);
int vha_net_stats_init(void);
void vha_net_stats_uninit(void);

/* dev.c */
int vha_net_misc_init(void);
void vha_net_misc_uninit(void);

#endif
