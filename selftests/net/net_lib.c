// SPDX-License-Identifier: GPL-2.0
/* Helpers for the vhost-net tests: see net_lib.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "net_lib.h"

static const uint8_t mac_dst[6] = { 0x02, 0x76, 0x68, 0x00, 0x00, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0x76, 0x68, 0x00, 0x00, 0x02 };

void nt_default_cfg(struct nt_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->v1 = true;
	cfg->mrg = true;
	cfg->num = 256;
	cfg->rx_bufsz = 2048;
	cfg->tx_bufsz = 2048;
}

static int if_up(const char *name)
{
	struct ifreq ifr;
	char path[128];
	int s, ret = 0;
	FILE *f;

	/* No IPv6 on the test tap: no router solicitations in the capture. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 name);
	f = fopen(path, "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		ret = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!ret && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
	close(s);
	return ret;
}

static int tap_queue(const char *name, bool vnet_hdr, int hdrsz, bool mq)
{
	unsigned long off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	struct ifreq ifr;
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (vnet_hdr)
		ifr.ifr_flags |= IFF_VNET_HDR;
	if (mq)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto err;
	if (vnet_hdr && (ioctl(fd, TUNSETVNETHDRSZ, &hdrsz) < 0 ||
			 ioctl(fd, TUNSETOFFLOAD, off) < 0))
		goto err;
	return fd;
err:
	ret = -errno;
	close(fd);
	return ret;
}

static int packet_socket(int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int s, size = 8 << 20;

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		   htons(ETH_P_ALL));
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		size = -errno;
		close(s);
		return size;
	}
	return s;
}

int nt_tap_open(struct nt_tap *tap, const char *name, bool vnet_hdr,
		int hdrsz, int queues)
{
	int i, ret;

	memset(tap, 0, sizeof(*tap));
	for (i = 0; i < NT_TAP_MAX_QUEUES; i++)
		tap->fd[i] = -1;
	tap->pkt = -1;
	if (queues < 1 || queues > NT_TAP_MAX_QUEUES)
		return -EINVAL;
	snprintf(tap->name, sizeof(tap->name), "%s", name);
	for (i = 0; i < queues; i++) {
		ret = tap_queue(name, vnet_hdr, hdrsz, queues > 1);
		if (ret < 0)
			goto err;
		tap->fd[i] = ret;
		tap->nfds++;
	}
	ret = if_up(name);
	if (ret)
		goto err;
	tap->ifindex = if_nametoindex(name);
	ret = packet_socket(tap->ifindex);
	if (ret < 0)
		goto err;
	tap->pkt = ret;
	return 0;
err:
	nt_tap_close(tap);
	return ret;
}

void nt_tap_close(struct nt_tap *tap)
{
	int i;

	for (i = 0; i < NT_TAP_MAX_QUEUES; i++) {
		if (tap->fd[i] >= 0)
			close(tap->fd[i]);
		tap->fd[i] = -1;
	}
	if (tap->pkt >= 0)
		close(tap->pkt);
	tap->pkt = -1;
}

/* Ours: sent by a test (source MAC 02:76:68:...), not by the stack. */
static bool test_frame(const uint8_t *b, ssize_t n)
{
	return n >= 14 && !memcmp(b + 6, mac_src, 3);
}

int nt_tap_recv(struct nt_tap *tap, void *buf, size_t size, int timeout_ms)
{
	struct sockaddr_ll sll;
	socklen_t sl;
	struct pollfd p = { .fd = tap->pkt, .events = POLLIN };
	ssize_t n;

	for (;;) {
		sl = sizeof(sll);
		n = recvfrom(tap->pkt, buf, size, MSG_TRUNC,
			     (struct sockaddr *)&sll, &sl);
		if (n >= 0) {
			if (sll.sll_pkttype == PACKET_OUTGOING ||
			    !test_frame(buf, n))
				continue;
			return n > (ssize_t)size ? -EMSGSIZE : n;
		}
		if (errno != EAGAIN)
			return -errno;
		n = poll(&p, 1, timeout_ms);
		if (n <= 0)
			return n ? -errno : 0;
	}
}

int nt_tap_drain(struct nt_tap *tap)
{
	static uint8_t buf[NT_MAX_FRAME];
	int n = 0;

	while (nt_tap_recv(tap, buf, sizeof(buf), 0) > 0)
		n++;
	return n;
}

int nt_tap_send(struct nt_tap *tap, const void *frame, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = tap->ifindex,
		.sll_halen = 6,
	};
	struct pollfd p = { .fd = tap->pkt, .events = POLLOUT };

	for (;;) {
		if (sendto(tap->pkt, frame, len, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) == (ssize_t)len)
			return 0;
		if (errno != EAGAIN && errno != ENOBUFS)
			return -errno;
		poll(&p, 1, 10);
	}
}

static int queue_init(struct nt_guest *g, unsigned int idx,
		      const struct nt_cfg *cfg, uint32_t bufsz)
{
	struct nt_queue *q = &g->q[idx];
	struct vha_vt_ring ring = {
		.num = cfg->num,
		.packed = cfg->packed,
		.event_idx = true,
		.avail_half_base = cfg->avail_half_base,
	};
	uint32_t i;
	int ret;

	q->idx = idx;
	q->num = cfg->num;
	q->bufsz = bufsz;
	q->free = calloc(cfg->num, sizeof(*q->free));
	q->buf_of_id = calloc(cfg->num, sizeof(*q->buf_of_id));
	q->segs_of_id = calloc(cfg->num, sizeof(*q->segs_of_id));
	if (!q->free || !q->buf_of_id || !q->segs_of_id)
		return -ENOMEM;
	for (i = 0; i < cfg->num; i++)
		q->free[i] = cfg->num - 1 - i;
	q->nfree = cfg->num;
	ret = vha_vt_alloc(&g->vt, (uint64_t)cfg->num * bufsz, 4096, &q->pool);
	if (ret)
		return ret;
	return vha_vt_vq_setup(&g->vt, idx, &ring);
}

static int set_backend_features(struct nt_guest *g)
{
	uint64_t bf = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;

	return ioctl(g->vt.fd, VHOST_SET_BACKEND_FEATURES, &bf) ? -errno : 0;
}

static int iotlb_update(struct nt_guest *g, uint64_t iova, uint64_t size,
			uint64_t uaddr)
{
	struct vhost_msg_v2 m;

	memset(&m, 0, sizeof(m));
	m.type = VHOST_IOTLB_MSG_V2;
	m.iotlb.iova = iova;
	m.iotlb.size = size;
	m.iotlb.uaddr = uaddr;
	m.iotlb.perm = VHOST_ACCESS_RW;
	m.iotlb.type = VHOST_IOTLB_UPDATE;
	return write(g->vt.fd, &m, sizeof(m)) == sizeof(m) ? 0 : -errno;
}

/*
 * The library gives ring addresses as host VAs and buffer addresses as
 * guest-physical: with an IOTLB both are IOVAs, so map the range at both.
 */
int nt_iotlb_map(struct nt_guest *g, uint64_t gpa, uint64_t size)
{
	uint64_t hva = vha_vt_hva(&g->vt, gpa);
	int ret;

	ret = iotlb_update(g, gpa, size, hva);
	if (!ret)
		ret = iotlb_update(g, hva, size, hva);
	return ret;
}

static int map_rings(struct nt_guest *g)
{
	const struct vha_drv_config *c;
	int i, ret = 0;

	for (i = 0; i < 2 && !ret; i++) {
		c = &g->vt.vq[i].drv.cfg;
		ret = nt_iotlb_map(g, c->ring_gpa,
				   vha_drv_ring_size(c->num, c->packed));
	}
	return ret;
}

int nt_iotlb_miss(struct nt_guest *g, uint64_t *iova, int timeout_ms)
{
	struct pollfd p = { .fd = g->vt.fd, .events = POLLIN };
	struct vhost_msg_v2 m;

	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	if (read(g->vt.fd, &m, sizeof(m)) != sizeof(m))
		return -errno;
	if (m.type != VHOST_IOTLB_MSG_V2 || m.iotlb.type != VHOST_IOTLB_MISS)
		return -EPROTO;
	*iova = m.iotlb.iova;
	return 1;
}

int nt_guest_open(struct nt_guest *g, const struct nt_cfg *cfg)
{
	uint64_t mem = (uint64_t)cfg->num * (cfg->rx_bufsz + cfg->tx_bufsz) +
		       (4 << 20);
	uint64_t f = 1ULL << VIRTIO_RING_F_EVENT_IDX;
	int ret;

	memset(g, 0, sizeof(*g));
	ret = vha_vt_open(&g->vt, cfg->no_device ? NULL : "/dev/vhost-net",
			  0x100000, mem);
	if (ret)
		return ret;
	if (cfg->v1)
		f |= 1ULL << VIRTIO_F_VERSION_1;
	if (cfg->mrg)
		f |= 1ULL << VIRTIO_NET_F_MRG_RXBUF;
	if (cfg->packed)
		f |= 1ULL << VIRTIO_F_RING_PACKED;
	if (cfg->vhost_hdr)
		f |= 1ULL << VHOST_NET_F_VIRTIO_NET_HDR;
	if (cfg->iotlb)
		f |= 1ULL << VIRTIO_F_ACCESS_PLATFORM;
	g->features = f;
	g->hlen = (cfg->v1 || cfg->mrg) ? 12 : 10;
	ret = cfg->iotlb ? set_backend_features(g) : 0;
	if (!ret)
		ret = vha_vt_set_features(&g->vt, f);
	if (!ret)
		ret = queue_init(g, NT_RX, cfg, cfg->rx_bufsz);
	if (!ret)
		ret = queue_init(g, NT_TX, cfg, cfg->tx_bufsz);
	if (!ret && cfg->iotlb == 1)
		ret = map_rings(g);
	if (!ret && cfg->iotlb == 2)
		ret = nt_iotlb_map(g, g->vt.gpa, g->vt.size);
	if (ret)
		nt_guest_close(g);
	return ret;
}

void nt_guest_close(struct nt_guest *g)
{
	int i;

	vha_vt_close(&g->vt);
	for (i = 0; i < 2; i++) {
		free(g->q[i].free);
		free(g->q[i].buf_of_id);
		free(g->q[i].segs_of_id);
	}
	memset(g->q, 0, sizeof(g->q));
}

int nt_set_backend(struct nt_guest *g, unsigned int idx, int fd)
{
	struct vhost_vring_file b = { .index = idx, .fd = fd };

	return ioctl(g->vt.fd, VHOST_NET_SET_BACKEND, &b) ? -errno : 0;
}

uint64_t nt_buf_gpa(const struct nt_queue *q, uint32_t b)
{
	return q->pool + (uint64_t)b * q->bufsz;
}

static uint64_t buf_gpa(struct nt_queue *q, uint32_t b)
{
	return nt_buf_gpa(q, b);
}

int nt_post_buf(struct nt_guest *g, unsigned int idx, uint32_t len)
{
	struct nt_queue *q = &g->q[idx];
	struct vha_drv *d = &g->vt.vq[idx].drv;
	struct vha_drv_buf buf;
	uint16_t id;
	uint32_t bn;
	int ret;

	if (!q->nfree || len > q->bufsz)
		return -ENOSPC;
	bn = q->free[--q->nfree];
	buf = (struct vha_drv_buf){ nt_buf_gpa(q, bn), len };
	if (idx == NT_TX)
		ret = vha_drv_add(d, &buf, 1, NULL, 0, false, &id);
	else
		ret = vha_drv_add(d, NULL, 0, &buf, 1, false, &id);
	if (ret) {
		q->nfree++;
		return ret;
	}
	q->buf_of_id[id] = bn;
	return 0;
}

void nt_kick(struct nt_guest *g, unsigned int idx)
{
	struct vha_drv *d = &g->vt.vq[idx].drv;

	vha_drv_publish(d);
	if (vha_drv_need_kick(d))
		vha_vt_kick(&g->vt, idx);
}

int nt_tx_post(struct nt_guest *g, const void *hdr, const void *frame,
	       size_t len, unsigned int nsegs)
{
	struct nt_queue *q = &g->q[NT_TX];
	struct vha_drv_buf out[8];
	size_t total = g->hlen + len, off, part, per;
	unsigned int n = 0;
	uint8_t *p;
	uint16_t id;
	uint32_t b;
	int ret;

	if (!q->nfree || total > q->bufsz || nsegs < 1 || nsegs > 7)
		return -ENOSPC;
	b = q->free[--q->nfree];
	p = vha_vt_ptr(&g->vt, buf_gpa(q, b), total);
	memcpy(p, hdr, g->hlen);
	memcpy(p + g->hlen, frame, len);
	/* The header alone, then the frame in nsegs pieces. */
	out[n++] = (struct vha_drv_buf){ buf_gpa(q, b), g->hlen };
	per = (len + nsegs - 1) / nsegs;
	for (off = g->hlen; off < total; off += part) {
		part = total - off < per ? total - off : per;
		out[n++] = (struct vha_drv_buf){ buf_gpa(q, b) + off, part };
	}
	ret = vha_drv_add(&g->vt.vq[NT_TX].drv, out, n, NULL, 0, false, &id);
	if (ret) {
		q->nfree++;
		return ret;
	}
	q->buf_of_id[id] = b;
	return 0;
}

/*
 * Post @len bytes of @bytes as one TX descriptor, header or not: for chains
 * too short to hold even the virtio-net header.
 */
int nt_tx_post_raw(struct nt_guest *g, const void *bytes, size_t len)
{
	struct nt_queue *q = &g->q[NT_TX];

	if (!q->nfree || len > q->bufsz)
		return -ENOSPC;
	memcpy(vha_vt_ptr(&g->vt, buf_gpa(q, q->free[q->nfree - 1]), len),
	       bytes, len);
	return nt_post_buf(g, NT_TX, len);
}

/* Next used entry of queue @idx, waiting up to @timeout_ms. */
static int next_used(struct nt_guest *g, unsigned int idx, uint16_t *id,
		     uint32_t *len, int timeout_ms)
{
	struct vha_drv *d = &g->vt.vq[idx].drv;
	int ret;

	for (;;) {
		ret = vha_drv_get_used(d, id, len, NULL);
		if (ret)
			return ret;
		vha_drv_enable_cb(d);
		ret = vha_drv_get_used(d, id, len, NULL);
		if (ret)
			return ret;
		ret = vha_vt_wait(&g->vt, idx, timeout_ms);
		if (ret <= 0)
			return ret;
	}
}

int nt_tx_reap(struct nt_guest *g, unsigned int want, int timeout_ms)
{
	struct nt_queue *q = &g->q[NT_TX];
	unsigned int n = 0;
	uint16_t id;
	uint32_t len;
	int ret;

	while (n < want) {
		ret = next_used(g, NT_TX, &id, &len, timeout_ms);
		if (ret < 0)
			return ret;
		if (!ret)
			break;
		q->free[q->nfree++] = q->buf_of_id[id];
		n++;
	}
	return n;
}

int nt_rx_post(struct nt_guest *g, unsigned int n, uint32_t len)
{
	struct nt_queue *q = &g->q[NT_RX];
	struct vha_drv_buf in;
	unsigned int i;
	uint16_t id;
	uint32_t b;
	int ret;

	for (i = 0; i < n; i++) {
		if (!q->nfree || len > q->bufsz)
			return -ENOSPC;
		b = q->free[--q->nfree];
		memset(vha_vt_ptr(&g->vt, buf_gpa(q, b), len), 0xee, len);
		in = (struct vha_drv_buf){ buf_gpa(q, b), len };
		ret = vha_drv_add(&g->vt.vq[NT_RX].drv, NULL, 0, &in, 1, false,
				  &id);
		if (ret) {
			q->nfree++;
			return ret;
		}
		q->buf_of_id[id] = b;
		/*
		 * The packed driver publishes by itself every 64 chains and
		 * then cannot tell whether its next publish needs a kick:
		 * publish and decide before that.
		 */
		if (i % 32 == 31)
			nt_kick(g, NT_RX);
	}
	nt_kick(g, NT_RX);
	return 0;
}

/* Copy used RX entry @id (@len bytes) to buf at *off and free it. */
static int rx_take(struct nt_guest *g, uint16_t id, uint32_t len,
		   uint8_t *buf, size_t size, size_t *off)
{
	struct nt_queue *q = &g->q[NT_RX];
	uint32_t b = q->buf_of_id[id];

	if (len > q->bufsz || *off + len > size)
		return -EMSGSIZE;
	memcpy(buf + *off, vha_vt_ptr(&g->vt, buf_gpa(q, b), len), len);
	*off += len;
	q->free[q->nfree++] = b;
	return 0;
}

int nt_rx_get(struct nt_guest *g, void *buf, size_t size, size_t *len,
	      unsigned int *nbufs, int timeout_ms)
{
	struct virtio_net_hdr_mrg_rxbuf *h = buf;
	unsigned int want = 1, got = 0;
	uint32_t ulen;
	uint16_t id;
	int ret;

	*len = 0;
	while (got < want) {
		ret = next_used(g, NT_RX, &id, &ulen, timeout_ms);
		if (ret <= 0)
			return got ? -EPROTO : ret;
		ret = rx_take(g, id, ulen, buf, size, len);
		if (ret)
			return ret;
		if (!got++ && g->hlen == 12 && *len >= 12)
			want = h->num_buffers;
		if (!want)
			return -EPROTO;
	}
	*nbufs = got;
	return 1;
}

int nt_used_pending(struct nt_guest *g, unsigned int idx)
{
	struct vha_drv *d = &g->vt.vq[idx].drv;
	uint16_t flags;

	if (!d->cfg.packed)
		return vha_drv_le16_at(d, d->used + 2) != d->last_used;
	flags = vha_drv_le16_at(d, vha_drv_desc_gpa(d, d->last_used) + 14);
	return !!(flags & VHA_DRV_F_AVAIL) == d->used_wrap &&
	       !!(flags & VHA_DRV_F_USED) == d->used_wrap;
}

static uint8_t pat(uint32_t seq, size_t i)
{
	return (uint8_t)(seq * 131 + i * 7 + (seq >> 8));
}

/* Ethernet frame, ethertype NT_ETH_P_TEST: seq (4 bytes), flow, pattern. */
size_t nt_frame(uint8_t *buf, size_t len, uint32_t seq, uint8_t flow)
{
	size_t i;

	memcpy(buf, mac_dst, 6);
	memcpy(buf + 6, mac_src, 6);
	buf[11] = flow;
	buf[12] = NT_ETH_P_TEST >> 8;
	buf[13] = NT_ETH_P_TEST & 0xff;
	memcpy(buf + 14, &seq, 4);
	for (i = 18; i < len; i++)
		buf[i] = pat(seq, i);
	return len;
}

uint32_t nt_frame_seq(const uint8_t *buf, size_t len)
{
	uint32_t seq;

	if (len < 18)
		return ~0u;
	memcpy(&seq, buf + 14, 4);
	return seq;
}

static void ip_header(uint8_t *ip, size_t tot, uint8_t proto, uint16_t port)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = tot >> 8;
	ip[3] = tot & 0xff;
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 10; ip[13] = 99; ip[14] = port >> 8; ip[15] = port & 0xff;
	ip[16] = 10; ip[17] = 98; ip[18] = 0; ip[19] = 1;
}

/* IPv4/UDP frame; @port picks the flow (tun's queue on a multiqueue tap). */
size_t nt_udp_frame(uint8_t *buf, size_t len, uint32_t seq, uint16_t port)
{
	uint8_t *ip = buf + 14, *udp = ip + 20;
	size_t i;

	memcpy(buf, mac_dst, 6);
	memcpy(buf + 6, mac_src, 6);
	buf[12] = 0x08;
	buf[13] = 0x00;
	ip_header(ip, len - 14, 17, port);
	udp[0] = port >> 8; udp[1] = port & 0xff;
	udp[2] = 0x30; udp[3] = 0x39;
	udp[4] = (len - 34) >> 8; udp[5] = (len - 34) & 0xff;
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, &seq, 4);
	for (i = 46; i < len; i++)
		buf[i] = pat(seq, i);
	return len;
}

/* IPv4/TCP frame with @payload bytes, for a TSO (GSO_TCPV4) header. */
size_t nt_tcp_gso_frame(uint8_t *buf, size_t payload, uint32_t seq)
{
	size_t len = 54 + payload, i;
	uint8_t *ip = buf + 14, *tcp = ip + 20;

	memcpy(buf, mac_dst, 6);
	memcpy(buf + 6, mac_src, 6);
	buf[12] = 0x08;
	buf[13] = 0x00;
	ip_header(ip, len - 14, 6, 7);
	memset(tcp, 0, 20);
	tcp[0] = 0x30; tcp[1] = 0x39; tcp[2] = 0x00; tcp[3] = 0x50;
	memcpy(tcp + 4, &seq, 4);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18;		/* PSH | ACK */
	tcp[14] = 0xff; tcp[15] = 0xff;
	for (i = 54; i < len; i++)
		buf[i] = pat(seq, i);
	return len;
}

/* The virtio-net header a guest's TSO puts before nt_tcp_gso_frame(). */
void nt_tcp_gso_hdr(struct virtio_net_hdr_mrg_rxbuf *h)
{
	memset(h, 0, sizeof(*h));
	h->hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h->hdr.hdr_len = 54;
	h->hdr.gso_size = 1448;
	h->hdr.csum_start = 34;
	h->hdr.csum_offset = 16;
}

long long nt_stat(const char *name)
{
	char key[64];
	long long v, ret = -1;
	FILE *f = fopen("/sys/kernel/debug/vha_net/stats", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			ret = v;
	fclose(f);
	return ret;
}
