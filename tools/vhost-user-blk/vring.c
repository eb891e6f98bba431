// SPDX-License-Identifier: GPL-2.0
/*
 * The per-ring messages, and which rings the kernel runs.
 *
 * /dev/vhost-blk starts and stops its queues together (its backend is
 * device-wide), while vhost-user starts a ring at SET_VRING_KICK and
 * stops it at GET_VRING_BASE, one ring at a time. The bridge: the kernel
 * holds the kick eventfd of exactly the rings that should run, and
 * vub_vring_sync() detaches the backend when one must stop (which drains
 * them all), takes that ring's kick away, and attaches again for the rest.
 * GET_VRING_BASE then reads a position with nothing in flight, as the
 * front-end expects of a stopped ring.
 */
#include <inttypes.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "log.h"
#include "msg.h"
#include "session.h"

enum { VQ_MAX_NUM = 32768 };	/* VIRTIO 1.2 2.6: Queue Size <= 32768 */

static bool wanted(const struct vub_ring *r)
{
	return r->kick >= 0 && r->enabled;
}

/*
 * Bytes of the three ring areas (VIRTIO 1.2 2.7.5-2.7.8, 2.8.10-2.8.11),
 * for the layout the features say.
 */
static void ring_sizes(const struct vub_session *s, const struct vub_ring *r,
		       uint64_t len[3])
{
	uint64_t n = r->num ? r->num : 1;

	len[0] = 16 * n;
	if (s->features & 1ULL << VIRTIO_F_RING_PACKED) {
		len[1] = 4;		/* driver event suppression */
		len[2] = 4;		/* device event suppression */
	} else {
		len[1] = 6 + 2 * n;	/* flags, idx, ring[n], used_event */
		len[2] = 6 + 8 * n;	/* flags, idx, ring[n], avail_event */
	}
}

/*
 * The daemon's addresses of the ring's areas: every byte the kernel may
 * touch must be guest memory, never some other mapping of the daemon.
 */
static int translate(struct vub_session *s, unsigned int i,
		     struct vhost_vring_addr *a)
{
	static const char *const area[3] = { "descriptors", "driver area",
					     "device area" };
	const struct vub_ring *r = &s->ring[i];
	uint64_t qva[3] = { r->addr.desc_user_addr, r->addr.avail_user_addr,
			    r->addr.used_user_addr };
	uint64_t len[3];
	void *hva[3];
	unsigned int k;

	ring_sizes(s, r, len);
	for (k = 0; k < 3; k++) {
		hva[k] = vub_mem_translate(&s->mem, qva[k], len[k]);
		if (!hva[k]) {
			vub_say("ring %u: its %s (0x%" PRIx64 ", %" PRIu64 " bytes) are not inside one memory region",
				i, area[k], qva[k], len[k]);
			return -1;
		}
	}
	*a = r->addr;
	a->desc_user_addr = (uintptr_t)hva[0];
	a->avail_user_addr = (uintptr_t)hva[1];
	a->used_user_addr = (uintptr_t)hva[2];
	return 0;
}

int vub_vring_push_addr(struct vub_session *s, unsigned int i)
{
	struct vhost_vring_addr a;

	if (translate(s, i, &a))
		return -1;
	return vub_kdev_ioctl(&s->kdev, VHOST_SET_VRING_ADDR, &a,
			      "VHOST_SET_VRING_ADDR");
}

/* A ring may start if the kernel has all of it, fitting guest memory. */
static int startable(struct vub_session *s, unsigned int i)
{
	struct vhost_vring_addr a;

	if (!s->ring[i].num || !s->ring[i].has_addr || !s->has_mem) {
		vub_say("ring %u started without %s", i,
			!s->ring[i].num ? "SET_VRING_NUM" :
			!s->ring[i].has_addr ? "SET_VRING_ADDR" :
			"SET_MEM_TABLE");
		return -1;
	}
	return translate(s, i, &a);
}

/* Stop the kernel's rings that should not run. */
static int stop_unwanted(struct vub_session *s)
{
	unsigned int i, n = s->opts->num_queues;
	struct vub_ring *r;
	bool stop = false;

	for (i = 0; i < n; i++)
		stop |= s->ring[i].in_kernel && !wanted(&s->ring[i]);
	if (!stop)
		return 0;
	if (vub_kdev_detach(&s->kdev))
		return -1;
	for (i = 0; i < n; i++) {
		r = &s->ring[i];
		if (!r->in_kernel || wanted(r))
			continue;
		if (vub_kdev_vring_fd(&s->kdev, VHOST_SET_VRING_KICK, i, -1,
				      "VHOST_SET_VRING_KICK(-1)"))
			return -1;
		r->in_kernel = false;
		vub_debug("ring %u stopped", i);
	}
	return 0;
}

int vub_vring_sync(struct vub_session *s)
{
	unsigned int i, n = s->opts->num_queues;
	bool start = false, any = false;
	struct vub_ring *r;

	if (stop_unwanted(s))
		return -1;
	for (i = 0; i < n; i++) {
		r = &s->ring[i];
		if (wanted(r) && !r->in_kernel) {
			if (startable(s, i) ||
			    vub_kdev_vring_fd(&s->kdev, VHOST_SET_VRING_KICK,
					      i, r->kick,
					      "VHOST_SET_VRING_KICK"))
				return -1;
			r->in_kernel = true;
			start = true;
			vub_debug("ring %u starts", i);
		}
		any |= r->in_kernel;
	}
	/* Attaching again with the same disk starts the rings added since. */
	if (any && (start || !s->kdev.attached))
		return vub_kdev_attach(&s->kdev, s->disk->fd);
	return 0;
}

int vub_set_vring_num(struct vub_session *s, struct vu_msg *m,
		      union vu_payload *reply, uint32_t *len)
{
	struct vub_ring *r = vub_ring_of(s, m->p.state.index, "SET_VRING_NUM");
	uint32_t num = m->p.state.num;

	if (!r)
		return -1;
	if (!num || num > s->opts->queue_size || num > VQ_MAX_NUM ||
	    (num & (num - 1))) {
		vub_say("SET_VRING_NUM: ring %u: size %u (a power of 2 up to %u)",
			m->p.state.index, num, s->opts->queue_size);
		return -1;
	}
	if (vub_kdev_ioctl(&s->kdev, VHOST_SET_VRING_NUM, &m->p.state,
			   "SET_VRING_NUM: VHOST_SET_VRING_NUM"))
		return -1;
	r->num = num;
	vub_debug("ring %u: size %u", m->p.state.index, num);
	return 0;
}

int vub_set_vring_base(struct vub_session *s, struct vu_msg *m,
		       union vu_payload *reply, uint32_t *len)
{
	if (!vub_ring_of(s, m->p.state.index, "SET_VRING_BASE"))
		return -1;
	vub_debug("ring %u: base 0x%x", m->p.state.index, m->p.state.num);
	return vub_kdev_ioctl(&s->kdev, VHOST_SET_VRING_BASE, &m->p.state,
			      "SET_VRING_BASE: VHOST_SET_VRING_BASE");
}

/*
 * Kept as the front-end's addresses; the kernel gets them translated now
 * if the memory table is known, else with it.
 */
int vub_set_vring_addr(struct vub_session *s, struct vu_msg *m,
		       union vu_payload *reply, uint32_t *len)
{
	struct vub_ring *r = vub_ring_of(s, m->p.addr.index, "SET_VRING_ADDR");

	if (!r)
		return -1;
	if (m->p.addr.flags & ~(1U << VHOST_VRING_F_LOG)) {
		vub_say("SET_VRING_ADDR: ring %u: flags 0x%x", m->p.addr.index,
			m->p.addr.flags);
		return -1;
	}
	r->addr = m->p.addr;
	r->has_addr = true;
	if (!s->has_mem)
		return 0;
	return vub_vring_push_addr(s, m->p.addr.index);
}

/* The ring stops: its requests complete, then its position is read. */
int vub_get_vring_base(struct vub_session *s, struct vu_msg *m,
		       union vu_payload *reply, uint32_t *len)
{
	struct vub_ring *r = vub_ring_of(s, m->p.state.index, "GET_VRING_BASE");

	if (!r)
		return -1;
	if (r->kick >= 0)
		close(r->kick);
	r->kick = -1;
	if (vub_vring_sync(s))
		return -1;
	reply->state = m->p.state;
	*len = sizeof(reply->state);
	if (vub_kdev_ioctl(&s->kdev, VHOST_GET_VRING_BASE, &reply->state,
			   "GET_VRING_BASE: VHOST_GET_VRING_BASE"))
		return -1;
	vub_debug("ring %u: stopped at base 0x%x", reply->state.index,
		  reply->state.num);
	return 0;
}

/*
 * The u64 of SET_VRING_KICK/CALL/ERR: the ring in bits 0-7, bit 8 "no
 * fd", nothing else; a fd exactly when bit 8 is clear. The ring, or NULL.
 */
static struct vub_ring *vring_file(struct vub_session *s,
				   const struct vu_msg *m, const char *what,
				   bool *nofd)
{
	uint64_t v = m->p.u64;

	*nofd = v & VU_VRING_NOFD;
	if (v & ~(uint64_t)(VU_VRING_INDEX_MASK | VU_VRING_NOFD)) {
		vub_say("%s: payload 0x%" PRIx64 " has unknown bits", what, v);
		return NULL;
	}
	if (m->nfds != !*nofd) {
		vub_say("%s: %u file descriptors with the no-fd flag %s", what,
			m->nfds, *nofd ? "set" : "clear");
		return NULL;
	}
	return vub_ring_of(s, v & VU_VRING_INDEX_MASK, what);
}

/* The ring starts (when enabled). A running ring just changes its kick. */
int vub_set_vring_kick(struct vub_session *s, struct vu_msg *m,
		       union vu_payload *reply, uint32_t *len)
{
	unsigned int i = m->p.u64 & VU_VRING_INDEX_MASK;
	struct vub_ring *r;
	bool nofd;

	r = vring_file(s, m, "SET_VRING_KICK", &nofd);
	if (!r)
		return -1;
	if (nofd) {
		vub_say("SET_VRING_KICK: ring %u without an eventfd: polling the ring is not supported",
			i);
		return -1;
	}
	if (r->kick >= 0)
		close(r->kick);
	r->kick = vu_msg_take_fd(m, 0);
	if (r->in_kernel &&
	    vub_kdev_vring_fd(&s->kdev, VHOST_SET_VRING_KICK, i, r->kick,
			      "SET_VRING_KICK: VHOST_SET_VRING_KICK"))
		return -1;
	return vub_vring_sync(s);
}

/* CALL and ERR go straight to the kernel; no fd means none. */
static int vring_eventfd(struct vub_session *s, struct vu_msg *m,
			 unsigned long req, const char *what)
{
	struct vub_ring *r;
	bool nofd;

	r = vring_file(s, m, what, &nofd);
	if (!r)
		return -1;
	return vub_kdev_vring_fd(&s->kdev, req, r - s->ring,
				 nofd ? -1 : m->fds[0], what);
}

int vub_set_vring_call(struct vub_session *s, struct vu_msg *m,
		       union vu_payload *reply, uint32_t *len)
{
	return vring_eventfd(s, m, VHOST_SET_VRING_CALL, "SET_VRING_CALL");
}

int vub_set_vring_err(struct vub_session *s, struct vu_msg *m,
		      union vu_payload *reply, uint32_t *len)
{
	return vring_eventfd(s, m, VHOST_SET_VRING_ERR, "SET_VRING_ERR");
}

int vub_set_vring_enable(struct vub_session *s, struct vu_msg *m,
			 union vu_payload *reply, uint32_t *len)
{
	struct vub_ring *r = vub_ring_of(s, m->p.state.index,
					 "SET_VRING_ENABLE");

	if (!r)
		return -1;
	if (m->p.state.num > 1) {
		vub_say("SET_VRING_ENABLE: ring %u: %u is neither 0 nor 1",
			m->p.state.index, m->p.state.num);
		return -1;
	}
	r->enabled = m->p.state.num;
	vub_debug("ring %u: %s", m->p.state.index,
		  r->enabled ? "enabled" : "disabled");
	return vub_vring_sync(s);
}
