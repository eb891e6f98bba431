// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit queue: guest -> tap. Small packets are batched (txq.c);
 * packets too large for one page (GSO up to 64 KiB) go alone through
 * sendmsg() on the chain's own segments, after the batch, to keep order.
 * Used entries are published in batches (used.c), each after the packets
 * it returns went to the tap. Runs on the worker.
 */
#include <linux/if_ether.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>

#include "net.h"

/* Send one chain by itself: 0, or sendmsg's -errno. */
static int send_one(struct vha_net_vq *nvq, const struct vha_chain *c)
{
	struct socket *sock = vha_net_sock(nvq);
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	size_t len;
	int ret;

	iov_iter_init(&msg.msg_iter, ITER_SOURCE, c->iov, c->out_segs,
		      c->out_bytes);
	/* VHOST_NET_F_VIRTIO_NET_HDR: the tap takes no header, strip it. */
	iov_iter_advance(&msg.msg_iter, nvq->vhost_hlen);
	len = iov_iter_count(&msg.msg_iter);
	ret = sock->ops->sendmsg(sock, &msg, len);
	if (ret < 0)
		return ret;
	vha_net_stat_add(VHA_NET_STAT_TX_PACKETS, 1);
	vha_net_stat_add(VHA_NET_STAT_TX_BYTES, len);
	vha_vq_count(&nvq->vq, 1, len);
	return 0;
}

/* Publish what is pending: the packet batch first, then used entries. */
static int tx_flush(struct vha_net_vq *nvq)
{
	vha_net_txq_flush(nvq);
	return vha_net_flush_used(nvq);
}

/*
 * A packet we do not send: the guest gets its buffer back and the queue
 * goes on. (Putting a chain the tap refused back on the ring, as for a full
 * tap, would retry it at every kick: the queue would stop for good.)
 */
static int drop(struct vha_net_vq *nvq, const struct vha_chain *c)
{
	vha_net_stat_add(VHA_NET_STAT_TX_DROPPED, 1);
	vha_vq_count_dropped(&nvq->vq, 1);
	return vha_net_add_used(nvq, c->id, c->ndesc, 0);
}

/*
 * Bytes of the frame the chain carries (the tap's header not counted), or
 * 0 if it is no frame the tap could take: shorter than an Ethernet header
 * (the header alone included), or longer than VHA_NET_TX_FRAME_MAX. The
 * chain's length comes from the guest and goes up to 4 GiB.
 */
static u32 frame_len(const struct vha_net_vq *nvq, const struct vha_chain *c)
{
	size_t hlen = nvq->sock_hlen + nvq->vhost_hlen;

	if (c->out_bytes < hlen + ETH_HLEN ||
	    c->out_bytes - hlen > VHA_NET_TX_FRAME_MAX)
		return 0;
	return c->out_bytes - hlen;
}

/*
 * The tap cannot take more now: give the chain back and wait for the
 * socket to become writable.
 */
static int wait_writable(struct vha_net_vq *nvq, const struct vha_chain *c)
{
	vha_ring_unget(&nvq->vq.ring, c);
	vha_poll_start(&nvq->sock_poll, vha_net_sock(nvq)->file);
	return -EAGAIN;
}

/* Send one large packet by itself, after what is batched. */
static int tx_alone(struct vha_net_vq *nvq, const struct vha_chain *c)
{
	int ret;

	vha_net_txq_flush(nvq);
	ret = send_one(nvq, c);
	if (ret == -EAGAIN || ret == -ENOMEM || ret == -ENOBUFS)
		return wait_writable(nvq, c);
	if (ret == -EINVAL)	/* tun refused its virtio-net header */
		vha_net_stat_add(VHA_NET_STAT_TX_BAD_HEADER, 1);
	else if (ret)
		vha_vq_count_backend_error(&nvq->vq);
	if (ret)
		return drop(nvq, c);
	return vha_net_add_used(nvq, c->id, c->ndesc, 0);
}

/* One chain: 0 to go on, -errno to stop the loop. */
static int tx_chain(struct vha_net_vq *nvq, const struct vha_chain *c)
{
	int ret;

	/* 5.1.6.2: transmit buffers are device-readable only. */
	if (c->in_segs) {
		vha_ring_unget(&nvq->vq.ring, c);
		vha_net_break(nvq);
		return -EINVAL;
	}
	if (!frame_len(nvq, c)) {
		vha_net_stat_add(VHA_NET_STAT_TX_BAD_LENGTH, 1);
		return drop(nvq, c);
	}
	if (!vha_net_txq_fits(nvq, c))
		return tx_alone(nvq, c);
	if (vha_net_txq_want_flush(nvq))
		vha_net_txq_flush(nvq);
	ret = vha_net_txq_add(nvq, c);
	if (ret == -ENOMEM)
		return tx_alone(nvq, c);
	if (ret == -EINVAL)
		vha_net_stat_add(VHA_NET_STAT_TX_BAD_HEADER, 1);
	if (ret)
		return drop(nvq, c);
	return vha_net_add_used(nvq, c->id, c->ndesc, 0);
}

/* The ring is empty: true if the loop should look again. */
static bool tx_idle(struct vha_net_vq *nvq, u64 *until)
{
	struct vha_vq *vq = &nvq->vq;

	if (tx_flush(nvq))
		return false;
	if (vha_vq_busy_poll(vq, until))
		return true;
	if (vha_vq_enable_notify(vq) == 1) {
		vha_vq_disable_notify(vq);
		return true;
	}
	vha_net_notify_empty(nvq);
	return false;
}

static void tx_run(struct vha_net_vq *nvq)
{
	struct vha_vq *vq = &nvq->vq;
	unsigned int pkts = 0;
	struct vha_chain c;
	size_t bytes = 0;
	u64 until = 0;
	int ret;

	mutex_lock(&vq->mutex);
	if (!vha_net_sock(nvq) || nvq->broken || vha_vq_prefetch(vq) != 1)
		goto out;
	vha_poll_stop(&nvq->sock_poll);
	vha_vq_disable_notify(vq);
	for (;;) {
		vha_vq_chain_init(vq, &c);
		ret = vha_vq_get_chain(vq, &c);
		if (ret < 0)
			break;
		if (!ret) {
			if (tx_idle(nvq, &until))
				continue;
			break;
		}
		if (tx_chain(nvq, &c))
			break;
		if (vha_net_used_due(nvq) && tx_flush(nvq))
			break;
		bytes += c.out_bytes;
		if (vha_vq_exceeds_weight(vq, ++pkts, bytes))
			break;
	}
	tx_flush(nvq);
out:
	mutex_unlock(&vq->mutex);
}

/* The guest kicked the transmit queue. */
void vha_net_handle_tx_kick(struct vha_work *work)
{
	tx_run(to_net_vq(container_of(work, struct vha_vq, poll.work)));
}

/* The tap can take packets again after it refused some. */
void vha_net_handle_tx_sock(struct vha_work *work)
{
	tx_run(container_of(work, struct vha_net_vq, sock_poll.work));
}
