// SPDX-License-Identifier: GPL-2.0
/*
 * A front-end's connection: every message is checked against a table
 * (payload size, file descriptors, whether the device must be owned)
 * before its handler runs; the handlers of the device-wide messages are
 * here, the rings' in vring.c, the memory's in memory.c.
 */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "log.h"
#include "msg.h"
#include "session.h"

enum { ANY_SIZE = UINT32_MAX };

static const uint64_t protocol_offered = 1ULL << VU_PF_MQ |
	1ULL << VU_PF_LOG_SHMFD | 1ULL << VU_PF_REPLY_ACK |
	1ULL << VU_PF_CONFIG;

struct vub_ring *vub_ring_of(struct vub_session *s, uint32_t index,
			     const char *what)
{
	if (index < s->opts->num_queues)
		return &s->ring[index];
	vub_say("%s: ring %u, but the device has %u", what, index,
		s->opts->num_queues);
	return NULL;
}

static int reply_u64(union vu_payload *reply, uint32_t *len, uint64_t v)
{
	reply->u64 = v;
	*len = sizeof(reply->u64);
	return 0;
}

static int get_features(struct vub_session *s, struct vu_msg *m,
			union vu_payload *reply, uint32_t *len)
{
	return reply_u64(reply, len,
			 s->offered | 1ULL << VU_F_PROTOCOL_FEATURES);
}

static int set_features(struct vub_session *s, struct vu_msg *m,
			union vu_payload *reply, uint32_t *len)
{
	uint64_t f = m->p.u64, packed = 1ULL << VIRTIO_F_RING_PACKED;
	uint64_t offered = s->offered | 1ULL << VU_F_PROTOCOL_FEATURES;
	unsigned int i;

	if (f & ~offered) {
		vub_say("SET_FEATURES: 0x%" PRIx64 " has bits not offered (0x%" PRIx64 ")",
			f, f & ~offered);
		return -1;
	}
	for (i = 0; i < s->opts->num_queues; i++) {
		if (s->ring[i].in_kernel && ((f ^ s->features) & packed)) {
			vub_say("SET_FEATURES: the ring layout changes under running rings");
			return -1;
		}
	}
	if ((f & 1ULL << VHOST_F_LOG_ALL) && !vub_log_covers(s, &s->mem))
		return -1;
	f &= ~(1ULL << VU_F_PROTOCOL_FEATURES);
	if (vub_kdev_ioctl(&s->kdev, VHOST_SET_FEATURES, &f,
			   "SET_FEATURES: VHOST_SET_FEATURES"))
		return -1;
	s->features = m->p.u64;
	vub_debug("features 0x%" PRIx64, s->features);
	return 0;
}

static int get_protocol_features(struct vub_session *s, struct vu_msg *m,
				 union vu_payload *reply, uint32_t *len)
{
	return reply_u64(reply, len, protocol_offered);
}

static int set_protocol_features(struct vub_session *s, struct vu_msg *m,
				 union vu_payload *reply, uint32_t *len)
{
	if (m->p.u64 & ~protocol_offered) {
		vub_say("SET_PROTOCOL_FEATURES: 0x%" PRIx64 " has bits not offered",
			m->p.u64);
		return -1;
	}
	s->protocol = m->p.u64;
	vub_debug("protocol features 0x%" PRIx64, s->protocol);
	return 0;
}

static int get_queue_num(struct vub_session *s, struct vu_msg *m,
			 union vu_payload *reply, uint32_t *len)
{
	return reply_u64(reply, len, s->opts->num_queues);
}

/* The session's start: the kernel device is opened here. */
static int set_owner(struct vub_session *s, struct vu_msg *m,
		     union vu_payload *reply, uint32_t *len)
{
	if (s->kdev.fd >= 0) {
		vub_debug("SET_OWNER again: already the owner");
		return 0;
	}
	return vub_kdev_open(&s->kdev, s->sock, s->opts->serial ?: "");
}

/*
 * Deprecated; the spec recommends treating it as "disable all rings":
 * every ring stops (until its next SET_VRING_KICK), the rest stays.
 */
static int reset_owner(struct vub_session *s, struct vu_msg *m,
		       union vu_payload *reply, uint32_t *len)
{
	unsigned int i;

	for (i = 0; i < s->opts->num_queues; i++) {
		if (s->ring[i].kick >= 0)
			close(s->ring[i].kick);
		s->ring[i].kick = -1;
	}
	return vub_vring_sync(s);
}

/* The config message's range: inside the 256 bytes a message can carry. */
static int config_range(const struct vu_msg *m, const char *what)
{
	const struct vu_config *c = &m->p.config;

	if (m->hdr.size < VU_CONFIG_HDR_SIZE ||
	    m->hdr.size - VU_CONFIG_HDR_SIZE != c->size ||
	    c->offset > VU_MAX_CONFIG || c->size > VU_MAX_CONFIG - c->offset) {
		vub_say("%s: %u bytes at offset %u in a payload of %u bytes",
			what, c->size, c->offset, m->hdr.size);
		return -1;
	}
	return 0;
}

static int get_config(struct vub_session *s, struct vu_msg *m,
		      union vu_payload *reply, uint32_t *len)
{
	uint8_t space[VU_MAX_CONFIG] = { 0 };
	struct virtio_blk_config cfg;

	if (config_range(m, "GET_CONFIG"))
		return -1;
	vub_disk_config(s->disk, s->opts->num_queues, s->opts->queue_size,
			&cfg);
	memcpy(space, &cfg, sizeof(cfg));
	reply->config = m->p.config;
	memcpy(reply->config.data, space + m->p.config.offset,
	       m->p.config.size);
	*len = VU_CONFIG_HDR_SIZE + m->p.config.size;
	return 0;
}

/*
 * Every field of this device's configuration space is read-only (no
 * VIRTIO_BLK_F_CONFIG_WCE), so SET_CONFIG is refused; the guest can cause
 * it (QEMU forwards a write of wce), so it ends nothing and is said once.
 */
static int set_config(struct vub_session *s, struct vu_msg *m,
		      union vu_payload *reply, uint32_t *len)
{
	if (config_range(m, "SET_CONFIG"))
		return -1;
	if (!s->said_config)
		vub_say("SET_CONFIG of %u bytes at %u refused: the configuration space is read-only",
			m->p.config.size, m->p.config.offset);
	s->said_config = true;
	return VUB_REFUSED;
}

struct handler {
	vub_handler *fn;
	uint32_t size;			/* the payload's, or ANY_SIZE */
	uint8_t max_fds;
	bool owner;			/* the kernel device must be open */
	bool reply;			/* always answers with a payload */
};

static const struct handler handlers[VU_REQUEST_MAX] = {
	[VU_GET_FEATURES] = { get_features, 0, 0, false, true },
	[VU_SET_FEATURES] = { set_features, 8, 0, true, false },
	[VU_SET_OWNER] = { set_owner, 0, 0, false, false },
	[VU_RESET_OWNER] = { reset_owner, 0, 0, true, false },
	[VU_SET_MEM_TABLE] = { vub_set_mem_table, ANY_SIZE, VU_MAX_REGIONS,
			       true, false },
	[VU_SET_LOG_BASE] = { vub_set_log_base, ANY_SIZE, 1, true, true },
	[VU_SET_LOG_FD] = { vub_set_log_fd, 0, 1, true, false },
	[VU_SET_VRING_NUM] = { vub_set_vring_num, 8, 0, true, false },
	[VU_SET_VRING_ADDR] = { vub_set_vring_addr, 40, 0, true, false },
	[VU_SET_VRING_BASE] = { vub_set_vring_base, 8, 0, true, false },
	[VU_GET_VRING_BASE] = { vub_get_vring_base, 8, 0, true, true },
	[VU_SET_VRING_KICK] = { vub_set_vring_kick, 8, 1, true, false },
	[VU_SET_VRING_CALL] = { vub_set_vring_call, 8, 1, true, false },
	[VU_SET_VRING_ERR] = { vub_set_vring_err, 8, 1, true, false },
	[VU_GET_PROTOCOL_FEATURES] = { get_protocol_features, 0, 0, false,
				       true },
	[VU_SET_PROTOCOL_FEATURES] = { set_protocol_features, 8, 0, false,
				       false },
	[VU_GET_QUEUE_NUM] = { get_queue_num, 0, 0, false, true },
	[VU_SET_VRING_ENABLE] = { vub_set_vring_enable, 8, 0, true, false },
	[VU_GET_CONFIG] = { get_config, ANY_SIZE, 0, false, true },
	[VU_SET_CONFIG] = { set_config, ANY_SIZE, 0, false, false },
};

/* The table's checks: 0, or -1 (said). */
static int check(struct vub_session *s, const struct vu_msg *m,
		 const struct handler *h, const char *name)
{
	if (!h->fn) {
		vub_say("request %u (%s) is not supported", m->hdr.request,
			name);
		return -1;
	}
	if (h->size != ANY_SIZE && m->hdr.size != h->size) {
		vub_say("%s: payload of %u bytes, not %u", name, m->hdr.size,
			h->size);
		return -1;
	}
	if (m->nfds > h->max_fds) {
		vub_say("%s: %u file descriptors, at most %u expected", name,
			m->nfds, h->max_fds);
		return -1;
	}
	if (h->owner && s->kdev.fd < 0) {
		vub_say("%s before SET_OWNER", name);
		return -1;
	}
	return 0;
}

int vub_session_handle(struct vub_session *s, struct vu_msg *m)
{
	static const struct handler none;
	const char *name = vu_msg_name(m->hdr.request);
	const struct handler *h = &none;
	union vu_payload reply;
	uint32_t len = 0;
	uint64_t ack;
	int ret;

	if (m->hdr.request < VU_REQUEST_MAX)
		h = &handlers[m->hdr.request];
	vub_debug("<- %s (%u bytes, %u fds%s)", name, m->hdr.size, m->nfds,
		  m->hdr.flags & VU_FLAG_NEED_REPLY ? ", reply wanted" : "");
	ret = check(s, m, h, name);
	if (!ret)
		ret = h->fn(s, m, &reply, &len);
	vu_msg_close_fds(m);
	if (h->reply && !ret) {
		if (vu_msg_reply(s->sock, &m->hdr, &reply, len))
			return -1;
	} else if (!h->reply && (m->hdr.flags & VU_FLAG_NEED_REPLY) &&
		   (s->protocol & 1ULL << VU_PF_REPLY_ACK)) {
		/* REPLY_ACK: 0 for success, non-zero for failure. */
		ack = ret != 0;
		if (vu_msg_reply(s->sock, &m->hdr, &ack, sizeof(ack)))
			return -1;
	}
	return ret < 0 ? -1 : 0;
}

void vub_session_init(struct vub_session *s, int sock,
		      const struct vub_opts *opts, const struct vub_disk *disk,
		      uint64_t offered)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->sock = sock;
	s->opts = opts;
	s->disk = disk;
	s->offered = offered;
	s->kdev.fd = -1;
	for (i = 0; i < VHOST_BLK_MAX_QUEUES; i++) {
		s->ring[i].kick = -1;
		/*
		 * Enabled until the front-end says otherwise: QEMU before
		 * 7.2 never sent SET_VRING_ENABLE to a vhost-user-blk
		 * back-end, and a disabled ring of a block device has
		 * nothing it could do "without side effects".
		 */
		s->ring[i].enabled = true;
	}
}

void vub_session_end(struct vub_session *s)
{
	unsigned int i;

	/* First: the kernel completes what is in flight into guest memory. */
	vub_kdev_close(&s->kdev);
	for (i = 0; i < VHOST_BLK_MAX_QUEUES; i++)
		if (s->ring[i].kick >= 0)
			close(s->ring[i].kick);
	vub_mem_unmap(&s->mem);
	vub_mem_unmap(&s->retired);
	vub_log_unmap(&s->log);
	close(s->sock);
	s->sock = -1;
}
