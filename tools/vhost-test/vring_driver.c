// SPDX-License-Identifier: GPL-2.0
/*
 * vring_driver: the driver side of split and packed virtqueues, for tests.
 * See vring_driver.h.  Everything the device reads is written little-endian
 * at the offsets the VIRTIO 1.2 spec gives; nothing here comes from vringh/.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vring_driver.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Fences the spec's barriers stand for; each use says what it orders. */
static void store_fence(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void load_fence(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static void full_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void vha_drv_ring_layout(uint32_t num, bool packed, uint64_t *desc,
			 uint64_t *avail, uint64_t *used)
{
	*desc = 0;
	if (packed) {
		/* 2.8.10.1: event structures are 4 bytes, 4-aligned */
		*avail = 16ULL * num;
		*used = *avail + 4;
		return;
	}
	/* 2.7: table 16-aligned, avail 2-aligned, used 4-aligned */
	*avail = 16ULL * num;
	*used = align_up(*avail + 6 + 2ULL * num, 4);
}

uint64_t vha_drv_ring_size(uint32_t num, bool packed)
{
	uint64_t desc, avail, used;

	vha_drv_ring_layout(num, packed, &desc, &avail, &used);
	if (packed)
		return used + 4;
	return used + 6 + 8ULL * num;
}

void *vha_drv_ptr(const struct vha_drv *d, uint64_t gpa, uint64_t len)
{
	const struct vha_drv_mem *m = &d->cfg.mem;

	if (gpa < m->gpa || gpa - m->gpa > m->size ||
	    len > m->size - (gpa - m->gpa))
		return NULL;
	return m->base + (gpa - m->gpa);
}

/* Store helpers: the callers only pass addresses inside memory. */
static void put16(struct vha_drv *d, uint64_t gpa, uint16_t v)
{
	uint16_t le = htole16(v);

	__atomic_store_n((uint16_t *)vha_drv_ptr(d, gpa, 2), le,
			 __ATOMIC_RELAXED);
}

static void put32(struct vha_drv *d, uint64_t gpa, uint32_t v)
{
	uint32_t le = htole32(v);

	memcpy(vha_drv_ptr(d, gpa, 4), &le, 4);
}

static void put64(struct vha_drv *d, uint64_t gpa, uint64_t v)
{
	uint64_t le = htole64(v);

	memcpy(vha_drv_ptr(d, gpa, 8), &le, 8);
}

uint16_t vha_drv_le16_at(const struct vha_drv *d, uint64_t gpa)
{
	uint16_t v = __atomic_load_n((uint16_t *)vha_drv_ptr(d, gpa, 2),
				     __ATOMIC_RELAXED);

	return le16toh(v);
}

static uint32_t get32(const struct vha_drv *d, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, vha_drv_ptr(d, gpa, 4), 4);
	return le32toh(v);
}

uint64_t vha_drv_desc_gpa(const struct vha_drv *d, uint32_t i)
{
	return d->desc + 16ULL * i;
}

/* Both formats: addr at 0, len at 8; split next / packed id at 12 or 14. */
void vha_drv_raw_desc(struct vha_drv *d, uint64_t gpa, uint64_t addr,
		      uint32_t len, uint16_t flags, uint16_t next_or_id)
{
	put64(d, gpa, addr);
	put32(d, gpa + 8, len);
	if (d->cfg.packed) {
		put16(d, gpa + 12, next_or_id);
		put16(d, gpa + 14, flags);
	} else {
		put16(d, gpa + 12, flags);
		put16(d, gpa + 14, next_or_id);
	}
}

int vha_drv_init(struct vha_drv *d, const struct vha_drv_config *cfg)
{
	uint64_t desc, avail, used, size;
	uint32_t i;

	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	if (!cfg->num || cfg->num > VHA_DRV_MAX_NUM ||
	    (!cfg->packed && (cfg->num & (cfg->num - 1))))
		return -EINVAL;
	size = vha_drv_ring_size(cfg->num, cfg->packed);
	if (!vha_drv_ptr(d, cfg->ring_gpa, size) ||
	    (cfg->max_indirect &&
	     !vha_drv_ptr(d, cfg->table_gpa,
			  16ULL * cfg->num * cfg->max_indirect)))
		return -EINVAL;
	vha_drv_ring_layout(cfg->num, cfg->packed, &desc, &avail, &used);
	d->desc = cfg->ring_gpa + desc;
	d->avail = cfg->ring_gpa + avail;
	d->used = cfg->ring_gpa + used;
	memset(vha_drv_ptr(d, cfg->ring_gpa, size), 0, size);
	d->next = calloc(cfg->num, sizeof(*d->next));
	d->slot = calloc(cfg->num, sizeof(*d->slot));
	d->fifo = calloc(cfg->num, sizeof(*d->fifo));
	if (!d->next || !d->slot || !d->fifo) {
		vha_drv_free(d);
		return -ENOMEM;
	}
	for (i = 0; i < cfg->num; i++)
		d->next[i] = (i + 1) % cfg->num;
	d->num_free = cfg->num;
	d->avail_wrap = true;	/* 2.8.1: both counters start at 1 */
	d->used_wrap = true;
	return 0;
}

void vha_drv_free(struct vha_drv *d)
{
	free(d->next);
	free(d->slot);
	free(d->fifo);
	d->next = NULL;
	d->slot = NULL;
	d->fifo = NULL;
}

static uint64_t table_gpa(const struct vha_drv *d, uint16_t id)
{
	return d->cfg.table_gpa + 16ULL * d->cfg.max_indirect * id;
}

/* Write an indirect table for buffer id; returns its length in bytes. */
static uint32_t write_table(struct vha_drv *d, uint16_t id,
			    const struct vha_drv_buf *out, unsigned int nout,
			    const struct vha_drv_buf *in, unsigned int nin)
{
	unsigned int k, n = nout + nin;
	uint64_t t = table_gpa(d, id);
	const struct vha_drv_buf *b;
	uint16_t flags;

	for (k = 0; k < n; k++) {
		b = k < nout ? &out[k] : &in[k - nout];
		flags = k < nout ? 0 : VHA_DRV_F_WRITE;
		if (!d->cfg.packed && k + 1 < n)
			flags |= VHA_DRV_F_NEXT;
		vha_drv_raw_desc(d, t + 16ULL * k, b->addr, b->len, flags,
				 d->cfg.packed ? 0 : k + 1);
	}
	return 16 * n;
}

static void fifo_push(struct vha_drv *d, uint16_t id)
{
	d->fifo[(d->fifo_head + d->fifo_len) % d->cfg.num] = id;
	d->fifo_len++;
}

static int add_split(struct vha_drv *d, const struct vha_drv_buf *out,
		     unsigned int nout, const struct vha_drv_buf *in,
		     unsigned int nin, bool indirect, uint16_t *id)
{
	unsigned int k, n = indirect ? 1 : nout + nin;
	uint16_t head = d->free_head, i = head, flags;
	const struct vha_drv_buf *b;

	if (indirect) {
		uint32_t len = write_table(d, head, out, nout, in, nin);

		vha_drv_raw_desc(d, vha_drv_desc_gpa(d, head),
				 table_gpa(d, head), len, VHA_DRV_F_INDIRECT,
				 0);
		i = d->next[head];
	} else {
		for (k = 0; k < n; k++) {
			b = k < nout ? &out[k] : &in[k - nout];
			flags = k < nout ? 0 : VHA_DRV_F_WRITE;
			if (k + 1 < n)
				flags |= VHA_DRV_F_NEXT;
			vha_drv_raw_desc(d, vha_drv_desc_gpa(d, i), b->addr,
					 b->len, flags, d->next[i]);
			i = d->next[i];
		}
	}
	d->free_head = i;
	d->num_free -= n;
	d->slot[head] = (struct vha_drv_slot){ .ndesc = n, .head = head,
					       .busy = true };
	put16(d, d->avail + 4 + 2ULL * (d->avail_idx % d->cfg.num), head);
	d->avail_idx++;
	*id = head;
	return 0;
}

static uint16_t avail_bits(bool wrap)
{
	return wrap ? VHA_DRV_F_AVAIL : VHA_DRV_F_USED;
}

uint16_t vha_drv_avail_flags(const struct vha_drv *d)
{
	return avail_bits(d->avail_wrap);
}

static void next_slot(const struct vha_drv *d, uint16_t *slot, bool *wrap)
{
	if (++*slot == d->cfg.num) {
		*slot = 0;
		*wrap = !*wrap;
	}
}

static int alloc_id(struct vha_drv *d, uint16_t *id)
{
	uint32_t k;

	for (k = 0; k < d->cfg.num; k++) {
		uint16_t c = (d->next_id + k) % d->cfg.num;

		if (!d->slot[c].busy) {
			*id = c;
			d->next_id = (c + 1) % d->cfg.num;
			return 0;
		}
	}
	return -ENOSPC;
}

/*
 * A packed descriptor without its flags: the head's flags must keep their
 * old value (used, or zero) until publish, or this driver would take its own
 * new descriptor for a used one.
 */
static void put_body(struct vha_drv *d, uint64_t gpa, uint64_t addr,
		     uint32_t len, uint16_t id)
{
	put64(d, gpa, addr);
	put32(d, gpa + 8, len);
	put16(d, gpa + 12, id);
}

/* 2.8.21.1: all descriptors first, the head's flags at publish time. */
static int add_packed(struct vha_drv *d, const struct vha_drv_buf *out,
		      unsigned int nout, const struct vha_drv_buf *in,
		      unsigned int nin, bool indirect, uint16_t *id)
{
	unsigned int k, n = indirect ? 1 : nout + nin;
	uint16_t head = d->next_avail, flags;
	const struct vha_drv_buf *b;

	if (alloc_id(d, id))
		return -ENOSPC;
	if (d->npend == ARRAY_SIZE(d->pend_slot))
		vha_drv_publish(d);
	for (k = 0; k < n; k++) {
		uint64_t g = vha_drv_desc_gpa(d, d->next_avail);

		flags = avail_bits(d->avail_wrap);
		if (indirect) {
			uint32_t len = write_table(d, *id, out, nout, in, nin);

			put_body(d, g, table_gpa(d, *id), len, *id);
			flags |= VHA_DRV_F_INDIRECT;
		} else {
			b = k < nout ? &out[k] : &in[k - nout];
			put_body(d, g, b->addr, b->len, *id);
			flags |= k < nout ? 0 : VHA_DRV_F_WRITE;
			flags |= k + 1 < n ? VHA_DRV_F_NEXT : 0;
		}
		if (k == 0) {
			d->pend_slot[d->npend] = head;
			d->pend_flags[d->npend++] = flags;
		} else {
			put16(d, g + 14, flags);
		}
		next_slot(d, &d->next_avail, &d->avail_wrap);
	}
	d->num_free -= n;
	d->slot[*id] = (struct vha_drv_slot){ .ndesc = n, .head = head,
					      .busy = true };
	return 0;
}

int vha_drv_add(struct vha_drv *d, const struct vha_drv_buf *out,
		unsigned int nout, const struct vha_drv_buf *in,
		unsigned int nin, bool indirect, uint16_t *id)
{
	unsigned int n = indirect ? 1 : nout + nin;
	int ret;

	if (!nout && !nin)
		return -EINVAL;
	if (indirect && nout + nin > d->cfg.max_indirect)
		return -EINVAL;
	if (n > d->num_free)
		return -ENOSPC;
	if (d->cfg.packed)
		ret = add_packed(d, out, nout, in, nin, indirect, id);
	else
		ret = add_split(d, out, nout, in, nin, indirect, id);
	if (!ret && d->cfg.in_order)
		fifo_push(d, *id);
	return ret;
}

static uint32_t lin(const struct vha_drv *d, uint16_t slot, bool wrap)
{
	return slot + (wrap ? 0 : d->cfg.num);
}

void vha_drv_publish(struct vha_drv *d)
{
	unsigned int k;

	d->pub_new = d->cfg.packed ? lin(d, d->next_avail, d->avail_wrap) :
				     d->avail_idx;
	/* 2.7.13.3 / 2.8.21.2: descriptors before the index or flags */
	store_fence();
	if (!d->cfg.packed) {
		put16(d, d->avail + 2, d->avail_idx);
		return;
	}
	for (k = d->npend; k-- > 0;)
		put16(d, vha_drv_desc_gpa(d, d->pend_slot[k]) + 14,
		      d->pend_flags[k]);
	d->npend = 0;
}

bool vha_drv_need_kick(struct vha_drv *d)
{
	uint16_t flags, event, old = d->pub_old, new = d->pub_new;
	uint32_t span, e;

	/* the next decision covers what is published after this one */
	d->pub_old = new;
	/* our index/flags store before reading the device's suppression */
	full_fence();
	if (!d->cfg.packed) {
		if (!d->cfg.event_idx)
			return !(vha_drv_le16_at(d, d->used) & 1);
		/* 2.7.10: avail_event sits after the used ring */
		event = vha_drv_le16_at(d, d->used + 4 + 8ULL * d->cfg.num);
		return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
	}
	/* packed: positions on the 2 * num circle, slot + (wrap ? 0 : num) */
	flags = vha_drv_le16_at(d, d->used + 2);
	if (flags == 1)
		return false;
	if (flags != 2 || !d->cfg.event_idx)
		return true;
	event = vha_drv_le16_at(d, d->used);
	span = 2 * d->cfg.num;
	e = lin(d, (event & 0x7fff) % d->cfg.num, event >> 15);
	return (e + span - old) % span < (uint32_t)(new + span - old) % span;
}

/* Give the buffer id back to the driver. */
static void release(struct vha_drv *d, uint16_t f, uint32_t *ndesc)
{
	uint16_t k, last = d->slot[f].head;

	*ndesc += d->slot[f].ndesc;
	if (!d->cfg.packed) {
		for (k = 1; k < d->slot[f].ndesc; k++)
			last = d->next[last];
		d->next[last] = d->free_head;
		d->free_head = d->slot[f].head;
	}
	d->num_free += d->slot[f].ndesc;
	d->slot[f].busy = false;
}

/*
 * Return the buffers of a used entry.  In order (2.7.9 / 2.8.8) one entry
 * returns every buffer made available up to and including id.
 */
static int complete(struct vha_drv *d, uint16_t id, unsigned int *count,
		    uint32_t *ndesc)
{
	uint16_t f;

	*count = 0;
	*ndesc = 0;
	if (id >= d->cfg.num || !d->slot[id].busy)
		return -EPROTO;
	if (!d->cfg.in_order) {
		release(d, id, ndesc);
		*count = 1;
		return 0;
	}
	do {
		if (!d->fifo_len)
			return -EPROTO;
		f = d->fifo[d->fifo_head];
		d->fifo_head = (d->fifo_head + 1) % d->cfg.num;
		d->fifo_len--;
		release(d, f, ndesc);
		(*count)++;
	} while (f != id);
	return 0;
}

int vha_drv_get_used(struct vha_drv *d, uint16_t *id, uint32_t *len,
		     unsigned int *count)
{
	uint64_t g;
	uint16_t flags;
	uint32_t ndesc;
	unsigned int cnt;
	int ret;

	if (!d->cfg.packed) {
		if (vha_drv_le16_at(d, d->used + 2) == d->last_used)
			return 0;
		/* the entry after the index that published it */
		load_fence();
		g = d->used + 4 + 8ULL * (d->last_used % d->cfg.num);
		*id = get32(d, g) > 0xffff ? 0xffff : get32(d, g);
		*len = get32(d, g + 4);
		ret = complete(d, *id, &cnt, &ndesc);
		if (ret)
			return ret;
		d->last_used++;
	} else {
		g = vha_drv_desc_gpa(d, d->last_used);
		flags = vha_drv_le16_at(d, g + 14);
		/* 2.8.1: used when AVAIL and USED both equal the wrap counter */
		if (!!(flags & VHA_DRV_F_AVAIL) != d->used_wrap ||
		    !!(flags & VHA_DRV_F_USED) != d->used_wrap)
			return 0;
		/* id and len after the flags that published them */
		load_fence();
		*id = vha_drv_le16_at(d, g + 12);
		*len = get32(d, g + 8);
		ret = complete(d, *id, &cnt, &ndesc);
		if (ret)
			return ret;
		while (ndesc--)
			next_slot(d, &d->last_used, &d->used_wrap);
	}
	if (count)
		*count = cnt;
	return 1;
}

static void write_used_event(struct vha_drv *d, uint16_t slot, bool wrap,
			     uint16_t flags)
{
	if (!d->cfg.packed) {
		put16(d, d->avail + 4 + 2ULL * d->cfg.num, slot);
		put16(d, d->avail, flags);
		return;
	}
	put16(d, d->avail, slot | (uint16_t)wrap << 15);
	put16(d, d->avail + 2, flags);
}

void vha_drv_enable_cb(struct vha_drv *d)
{
	vha_drv_delay_cb(d, 1);
}

void vha_drv_disable_cb(struct vha_drv *d)
{
	if (d->cfg.packed)
		write_used_event(d, 0, 0, 1);
	else
		write_used_event(d, d->last_used - 1, 0, 1);
	/* the new setting before any later look at the used ring */
	full_fence();
}

void vha_drv_delay_cb(struct vha_drv *d, uint16_t after)
{
	uint16_t slot = d->last_used;
	bool wrap = d->used_wrap;
	uint16_t k;

	if (!d->cfg.packed) {
		write_used_event(d, d->last_used + after - 1, 0, 0);
	} else if (!d->cfg.event_idx) {
		write_used_event(d, 0, 0, 0);
	} else {
		for (k = 1; k < after; k++)
			next_slot(d, &slot, &wrap);
		write_used_event(d, slot, wrap, 2);
	}
	/* the new setting before any later look at the used ring */
	full_fence();
}

void vha_drv_raw_avail(struct vha_drv *d, uint16_t head)
{
	put16(d, d->avail + 4 + 2ULL * (d->avail_idx % d->cfg.num), head);
	d->avail_idx++;
	/* ring entry before the index */
	store_fence();
	put16(d, d->avail + 2, d->avail_idx);
}

void vha_drv_raw_avail_idx(struct vha_drv *d, uint16_t idx)
{
	d->avail_idx = idx;
	/* earlier raw writes before the index */
	store_fence();
	put16(d, d->avail + 2, idx);
}
