// SPDX-License-Identifier: GPL-2.0
/*
 * Batched transmit: small guest packets are copied into page fragments laid
 * out as tun's XDP buffers (struct tun_xdp_hdr at the start, the packet
 * after the headroom) and handed to tun or tap many at a time with one
 * sendmsg(TUN_MSG_PTR). The receiver builds its skbs around the fragments,
 * so each packet is copied once. Everything here runs under vq.mutex.
 */
#include <linux/if_tun.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <net/sock.h>

#include "net.h"
#include "vhost_core/param.h"

static unsigned int tx_batch = VHA_NET_TX_BATCH_MAX;
static struct vha_param_uint tx_batch_range = {
	.val = &tx_batch, .min = 0, .max = VHA_NET_TX_BATCH_MAX,
};
module_param_cb(tx_batch, &vha_param_uint_ops, &tx_batch_range, 0444);
MODULE_PARM_DESC(tx_batch,
		 "Small guest packets handed to tun/tap per sendmsg (TUN_MSG_PTR), 0: one sendmsg per packet; unit: packets, range 0-64, default 64, read-only");

/*
 * Room before the packet: what an XDP program on the tap may use, if one
 * is attached (tun marks its socket SOCK_XDP), else the stack's usual
 * NET_SKB_PAD. Either holds struct tun_xdp_hdr and, apart from it, the
 * tap's header copied just before the packet.
 */
static u32 headroom(const struct vha_net_vq *nvq)
{
	BUILD_BUG_ON(sizeof(struct tun_xdp_hdr) +
		     sizeof(struct virtio_net_hdr_mrg_rxbuf) > NET_SKB_PAD);
	if (sock_flag(vha_net_sock(nvq)->sk, SOCK_XDP))
		return XDP_PACKET_HEADROOM + NET_IP_ALIGN;
	return NET_SKB_PAD + NET_IP_ALIGN;
}

static unsigned int batch_max(void)
{
	return min_t(unsigned int, tx_batch, VHA_NET_TX_BATCH_MAX);
}

static size_t hdr_len(const struct vha_net_vq *nvq)
{
	return nvq->sock_hlen + nvq->vhost_hlen;
}

/*
 * Bytes of page fragment a packet of @len bytes takes (build_skb layout).
 * In size_t: @len comes from the guest (the caller bounds it, but a sum in
 * 32 bits of a 4 GiB chain and the headroom once wrapped to "fits").
 */
static size_t frag_size(size_t room, size_t len)
{
	return SKB_DATA_ALIGN(room + len) +
	       SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
}

/* Does the chain go through the batch? Its length is checked already. */
bool vha_net_txq_fits(const struct vha_net_vq *nvq, const struct vha_chain *c)
{
	return batch_max() && c->out_bytes <= PAGE_SIZE &&
	       frag_size(headroom(nvq), c->out_bytes - hdr_len(nvq)) <=
	       PAGE_SIZE;
}

/*
 * Check the virtio-net header the tap gets (a copy at @src, already out of
 * the guest's reach) and put it in @gso; none if the tap takes none. As tun
 * does for its own sendmsg, a header whose hdr_len does not cover the
 * checksum field is widened; one longer than the packet is refused
 * (-EINVAL). Everything else tun checks when it builds the skb.
 */
static int check_hdr(const struct vha_net_vq *nvq, struct virtio_net_hdr *gso,
		     const void *src, u32 len)
{
	bool le = vha_net_hdr_le(nvq);
	u32 need;

	memset(gso, 0, sizeof(*gso));
	if (!nvq->sock_hlen)
		return 0;
	memcpy(gso, src, sizeof(*gso));
	if (gso->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		need = (u32)__virtio16_to_cpu(le, gso->csum_start) +
		       __virtio16_to_cpu(le, gso->csum_offset) + 2;
		if (need > len)
			return -EINVAL;
		if (need > __virtio16_to_cpu(le, gso->hdr_len))
			gso->hdr_len = __cpu_to_virtio16(le, need);
	}
	if (__virtio16_to_cpu(le, gso->hdr_len) > len)
		return -EINVAL;
	return 0;
}

/*
 * Copy the chain's packet into the batch. 0; -ENOMEM (no fragment: send it
 * alone); -EFAULT or -EINVAL (drop it). The caller flushes a full batch.
 * The tap's header and the packet come over in one copy, the header landing
 * in the headroom just before the packet (sock_hlen is at most 12 bytes).
 */
int vha_net_txq_add(struct vha_net_vq *nvq, const struct vha_chain *c)
{
	struct vha_net_txq *txq = nvq->txq;
	size_t len = c->out_bytes - hdr_len(nvq), room = headroom(nvq);
	size_t size = frag_size(room, len);
	struct tun_xdp_hdr *hdr;
	struct xdp_buff *xdp;
	void *buf, *src;
	int ret;

	if (size > PAGE_SIZE)
		return -ENOMEM;
	buf = vha_net_frag_alloc(&txq->frags, size);
	if (!buf)
		return -ENOMEM;
	hdr = buf;
	src = buf + room - nvq->sock_hlen;
	ret = vha_iov_copy_from(src, c->iov, c->out_segs, nvq->vhost_hlen,
				nvq->sock_hlen + len) ? -EFAULT : 0;
	if (!ret)
		ret = check_hdr(nvq, &hdr->gso, src, len);
	if (ret) {
		page_frag_free(buf);
		return ret;
	}
	hdr->buflen = size;
	xdp = &txq->xdp[txq->n++];
	xdp_init_buff(xdp, size, NULL);
	xdp_prepare_buff(xdp, buf, room, len, false);
	return 0;
}

/* Is the batch full? */
static bool full(const struct vha_net_txq *txq)
{
	return txq->n >= batch_max();
}

static void free_batch(struct vha_net_txq *txq)
{
	unsigned int i;

	for (i = 0; i < txq->n; i++)
		page_frag_free(txq->xdp[i].data_hard_start);
}

/*
 * Hand the batch to the socket. tun and tap take every fragment (queued or
 * dropped) unless sendmsg fails outright, in which case they are freed here.
 */
void vha_net_txq_flush(struct vha_net_vq *nvq)
{
	struct vha_net_txq *txq = nvq->txq;
	struct socket *sock = vha_net_sock(nvq);
	struct tun_msg_ctl ctl = {
		.type = TUN_MSG_PTR,
		.num = txq->n,
		.ptr = txq->xdp,
	};
	struct msghdr msg = {
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
		.msg_flags = MSG_DONTWAIT,
	};
	unsigned int i;
	size_t bytes = 0;
	int ret;

	lockdep_assert_held(&nvq->vq.mutex);
	if (!txq->n)
		return;
	for (i = 0; i < txq->n; i++)
		bytes += txq->xdp[i].data_end - txq->xdp[i].data;
	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, NULL, 0, 0);
	ret = sock->ops->sendmsg(sock, &msg, bytes);
	if (ret < 0) {
		free_batch(txq);
		vha_net_stat_add(VHA_NET_STAT_TX_DROPPED, txq->n);
		vha_vq_count_dropped(&nvq->vq, txq->n);
		vha_vq_count_backend_error(&nvq->vq);
	} else {
		vha_net_stat_add(VHA_NET_STAT_TX_PACKETS, txq->n);
		vha_net_stat_add(VHA_NET_STAT_TX_BYTES, bytes);
		vha_net_stat_add(VHA_NET_STAT_TX_BATCHES, 1);
		vha_vq_count(&nvq->vq, txq->n, bytes);
	}
	txq->n = 0;
}

/* Would the next packet overflow the batch? Then flush it first. */
bool vha_net_txq_want_flush(const struct vha_net_vq *nvq)
{
	return full(nvq->txq);
}

/* Give up the batch pages (queue gone, nothing in flight from us). */
void vha_net_txq_drain(struct vha_net_txq *txq)
{
	free_batch(txq);
	txq->n = 0;
	vha_net_frags_drain(&txq->frags);
}
