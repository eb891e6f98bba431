// SPDX-License-Identifier: GPL-2.0
/*
 * Packets waiting in the backend: tun and tap queue each received packet as
 * a pointer (an skb, or an XDP frame tagged with TUN_XDP_FLAG) in a
 * ptr_ring. We take up to VHA_NET_RX_BATCH of them per ring lock and hand
 * each back to the socket's recvmsg() in msg_control, as upstream does;
 * their lengths are known before any guest buffer is taken. Packets still
 * held when the socket is detached go back to its ring, in order.
 * Everything here runs under vq.mutex.
 */
#include <linux/if_tun.h>
#include <linux/if_vlan.h>
#include <linux/skbuff.h>

#include "net.h"

/* The bytes recvmsg() will write for @ptr (a VLAN tag is put in-line). */
static u32 ptr_len(void *ptr)
{
	struct sk_buff *skb = ptr;

	if (tun_is_xdp_frame(ptr))
		return tun_ptr_to_xdp(ptr)->len;
	return skb->len + (skb_vlan_tag_present(skb) ? VLAN_HLEN : 0);
}

/* Free a packet nobody will read (what tun's own tun_ptr_free() does). */
static void ptr_free(void *ptr)
{
	if (tun_is_xdp_frame(ptr))
		xdp_return_frame(tun_ptr_to_xdp(ptr));
	else
		kfree_skb(ptr);
}

/* Length of the next packet: 1 and *len, or 0 if the socket has none. */
int vha_net_rxq_peek(struct vha_net_vq *nvq, u32 *len)
{
	struct vha_net_rxq *rxq = nvq->rxq;

	lockdep_assert_held(&nvq->vq.mutex);
	if (rxq->head == rxq->tail) {
		rxq->head = 0;
		rxq->tail = ptr_ring_consume_batched(nvq->ring, rxq->ptr,
						     VHA_NET_RX_BATCH);
		if (!rxq->tail)
			return 0;
	}
	*len = ptr_len(rxq->ptr[rxq->head]);
	return 1;
}

/* Take the packet vha_net_rxq_peek() saw, for recvmsg(). */
void *vha_net_rxq_take(struct vha_net_vq *nvq)
{
	struct vha_net_rxq *rxq = nvq->rxq;

	return rxq->ptr[rxq->head++];
}

/* Drop the packet vha_net_rxq_peek() saw. */
void vha_net_rxq_drop(struct vha_net_vq *nvq)
{
	ptr_free(vha_net_rxq_take(nvq));
	vha_net_stat_add(VHA_NET_STAT_RX_DROPPED, 1);
	vha_vq_count_dropped(&nvq->vq, 1);
}

/*
 * Give the packets we hold back to the socket's ring, ahead of what it
 * queued since (those that no longer fit are freed by ptr_ring).
 */
void vha_net_rxq_return(struct vha_net_vq *nvq)
{
	struct vha_net_rxq *rxq = nvq->rxq;

	lockdep_assert_held(&nvq->vq.mutex);
	if (nvq->ring)
		ptr_ring_unconsume(nvq->ring, rxq->ptr + rxq->head,
				   rxq->tail - rxq->head, ptr_free);
	else
		while (rxq->head != rxq->tail)
			ptr_free(rxq->ptr[rxq->head++]);
	rxq->head = 0;
	rxq->tail = 0;
}
