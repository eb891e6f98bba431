// SPDX-License-Identifier: GPL-2.0
/* blk_client: see blk_client.h. Layout and rules from VIRTIO 1.2 5.2.6. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "uapi/linux/vhost_blk.h"
#include "blk_client.h"

enum {
	HDR = 16,		/* struct virtio_blk_outhdr */
	STATUS_AREA = 64,	/* a slot's writable status buffer, at most */
	MAX_BUFS = 64,
};

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* A slot's data area: data_max bytes at an offset below 512, + status. */
static uint64_t stride(const struct vbk_queue *q)
{
	return round_up((uint64_t)q->data_max + 512 + 1, 4096);
}

static uint64_t slot_data(const struct vbk_queue *q, int slot)
{
	return q->data + stride(q) * slot;
}

/* Guest memory one queue takes (rings, tables, slots), generously. */
static uint64_t queue_mem(const struct vbk_cfg *cfg)
{
	uint64_t slot = HDR + STATUS_AREA +
			round_up(cfg->data_max + 512 + 1, 4096);

	return 3 * 4096 + round_up(16ULL * cfg->num * 2, 4096) +
	       16ULL * cfg->num * cfg->max_indirect + cfg->num * slot + 8192;
}

static int queue_init(struct vbk_dev *d, unsigned int idx)
{
	const struct vbk_cfg *cfg = &d->cfg;
	struct vbk_queue *q = &d->q[idx];
	struct vha_vt_ring ring = {
		.num = cfg->num,
		.packed = cfg->packed,
		.event_idx = cfg->event_idx,
		.max_indirect = cfg->max_indirect,
	};
	uint32_t i;
	int ret;

	q->num = cfg->num;
	q->data_max = cfg->data_max;
	q->free = calloc(cfg->num, sizeof(*q->free));
	q->slot_of_id = calloc(cfg->num, sizeof(*q->slot_of_id));
	q->slot = calloc(cfg->num, sizeof(*q->slot));
	if (!q->free || !q->slot_of_id || !q->slot)
		return -ENOMEM;
	for (i = 0; i < cfg->num; i++)
		q->free[i] = cfg->num - 1 - i;
	q->nfree = cfg->num;
	ret = vha_vt_alloc(&d->vt, 16ULL * cfg->num, 16, &q->hdr);
	if (!ret)
		ret = vha_vt_alloc(&d->vt, (uint64_t)STATUS_AREA * cfg->num,
				   64, &q->status);
	if (!ret)
		ret = vha_vt_alloc(&d->vt, stride(q) * cfg->num, 4096,
				   &q->data);
	if (ret)
		return ret;
	return vha_vt_vq_setup(&d->vt, idx, &ring);
}

int vbk_open(struct vbk_dev *d, const struct vbk_cfg *cfg)
{
	uint64_t f = (1ULL << VIRTIO_F_VERSION_1) | cfg->features;
	unsigned int i;
	int ret;

	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	if (!d->cfg.queues)
		d->cfg.queues = 1;
	if (d->cfg.queues > VBK_MAX_QUEUES || !cfg->num || !cfg->data_max)
		return -EINVAL;
	ret = vha_vt_open(&d->vt, cfg->path ? cfg->path : "/dev/vhost-blk",
			  0x100000, d->cfg.queues * queue_mem(cfg));
	if (ret)
		return ret;
	if (cfg->packed)
		f |= 1ULL << VIRTIO_F_RING_PACKED;
	if (cfg->event_idx)
		f |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	if (cfg->max_indirect)
		f |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (d->cfg.queues > 1)
		f |= 1ULL << VIRTIO_BLK_F_MQ;
	ret = vha_vt_set_features(&d->vt, f);
	for (i = 0; !ret && i < d->cfg.queues; i++)
		ret = queue_init(d, i);
	if (ret)
		vbk_close(d);
	return ret;
}

void vbk_close(struct vbk_dev *d)
{
	unsigned int i;

	vha_vt_close(&d->vt);
	for (i = 0; i < VBK_MAX_QUEUES; i++) {
		free(d->q[i].free);
		free(d->q[i].slot_of_id);
		free(d->q[i].slot);
	}
	memset(d->q, 0, sizeof(d->q));
}

int vbk_set_backend(struct vbk_dev *d, int fd)
{
	struct vhost_vring_file f = { .index = 0, .fd = fd };

	return ioctl(d->vt.fd, VHOST_BLK_SET_BACKEND, &f) ? -errno : 0;
}

int vbk_set_serial(struct vbk_dev *d, const char serial[VIRTIO_BLK_ID_BYTES])
{
	return ioctl(d->vt.fd, VHOST_BLK_SET_SERIAL, serial) ? -errno : 0;
}

/* Cut [addr, addr + len) into @n buffers (whole sectors where it can). */
static unsigned int cut(struct vha_drv_buf *b, uint64_t addr, uint32_t len,
			unsigned int n)
{
	uint32_t per, part, off = 0;
	unsigned int k = 0;

	if (!len)
		return 0;
	if (!n)
		n = 1;
	per = (len + n - 1) / n;
	if (!(len % 512))
		per = round_up(per, 512);
	while (off < len && k < n) {
		part = len - off < per || k == n - 1 ? len - off : per;
		b[k++] = (struct vha_drv_buf){ addr + off, part };
		off += part;
	}
	return k;
}

static bool data_readable(uint32_t type)
{
	return type == VIRTIO_BLK_T_OUT || type == VIRTIO_BLK_T_DISCARD ||
	       type == VIRTIO_BLK_T_WRITE_ZEROES;
}

int vbk_submit(struct vbk_dev *d, unsigned int q, uint32_t type,
	       uint64_t sector, const void *data, uint32_t len,
	       const struct vbk_layout *lay)
{
	static const struct vbk_layout plain;
	struct vbk_queue *vq = &d->q[q];
	struct vha_drv_buf out[MAX_BUFS], in[MAX_BUFS];
	unsigned int nout = 0, nin = 0;
	uint32_t hlen, slen;
	struct vbk_slot *s;
	uint64_t hdr, dat;
	uint8_t *h;
	uint16_t id;
	int slot, ret;

	lay = lay ? lay : &plain;
	hlen = lay->hdr_len ? lay->hdr_len : HDR;
	slen = lay->status_len && data_readable(type) ? lay->status_len : 1;
	if (q >= d->cfg.queues || len > vq->data_max || hlen > HDR ||
	    slen > STATUS_AREA || lay->data_segs > MAX_BUFS - 4 ||
	    lay->data_off >= 512)
		return -EINVAL;
	if (!vq->nfree)
		return -ENOSPC;
	slot = vq->free[vq->nfree - 1];
	hdr = vq->hdr + 16ULL * slot;
	dat = slot_data(vq, slot) + lay->data_off;
	h = vha_vt_ptr(&d->vt, hdr, HDR);
	memset(h, 0, HDR);
	memcpy(h, &type, 4);		/* little-endian host */
	memcpy(h + 8, &sector, 8);
	if (data_readable(type) && data)
		memcpy(vha_vt_ptr(&d->vt, dat, len), data, len);
	if (lay->hdr_split && hlen > 7) {
		out[nout++] = (struct vha_drv_buf){ hdr, 7 };
		out[nout++] = (struct vha_drv_buf){ hdr + 7, hlen - 7 };
	} else {
		out[nout++] = (struct vha_drv_buf){ hdr, hlen };
	}
	if (data_readable(type)) {
		nout += cut(out + nout, dat, len, lay->data_segs);
	} else {
		nin += cut(in, dat, len, lay->data_segs);
		if (lay->status_joined && nin && !lay->no_status)
			in[nin - 1].len++;	/* the byte after the data */
	}
	if (!lay->no_status && !(lay->status_joined && nin))
		in[nin++] = (struct vha_drv_buf){
			vq->status + (uint64_t)STATUS_AREA * slot, slen };
	ret = vha_drv_add(&d->vt.vq[q].drv, out, nout, in, nin, lay->indirect,
			  &id);
	if (ret)
		return ret;
	vq->nfree--;
	s = &vq->slot[slot];
	*s = (struct vbk_slot){ .busy = true, .id = id, .type = type,
				.len = len, .status_len = slen,
				.data_off = lay->data_off,
				.status_joined = lay->status_joined &&
						 !data_readable(type) && len };
	/* the status byte starts as neither OK nor an error */
	*(uint8_t *)vha_vt_ptr(&d->vt, s->status_joined ? dat + len :
			       vq->status + (uint64_t)STATUS_AREA * slot +
			       slen - 1, 1) = 0xee;
	vq->slot_of_id[id] = slot;
	vq->inflight++;
	return slot;
}

void vbk_kick(struct vbk_dev *d, unsigned int q)
{
	struct vha_drv *drv = &d->vt.vq[q].drv;

	vha_drv_publish(drv);
	if (vha_drv_need_kick(drv))
		vha_vt_kick(&d->vt, q);
}

void *vbk_data(struct vbk_dev *d, unsigned int q, int slot)
{
	struct vbk_queue *vq = &d->q[q];

	return vha_vt_ptr(&d->vt, slot_data(vq, slot) + vq->slot[slot].data_off,
			  vq->data_max);
}

int vbk_reap(struct vbk_dev *d, unsigned int q, int *slot, uint8_t *status,
	     uint32_t *len, int timeout_ms)
{
	struct vbk_queue *vq = &d->q[q];
	struct vbk_slot *s;
	unsigned int count;
	uint64_t st;
	uint16_t id;
	int ret, waited = 0;

	for (;;) {
		ret = vha_drv_get_used(&d->vt.vq[q].drv, &id, len, &count);
		if (ret)
			break;
		if (waited >= timeout_ms)
			return 0;
		ret = vha_vt_wait(&d->vt, q, 50);
		if (ret < 0)
			return ret;
		waited += 50;
	}
	if (ret < 0)
		return ret;
	if (id >= vq->num || !vq->slot[vq->slot_of_id[id]].busy)
		return -EPROTO;
	*slot = vq->slot_of_id[id];
	s = &vq->slot[*slot];
	st = s->status_joined ? slot_data(vq, *slot) + s->data_off + s->len :
		vq->status + (uint64_t)STATUS_AREA * *slot + s->status_len - 1;
	*status = *(uint8_t *)vha_vt_ptr(&d->vt, st, 1);
	s->busy = false;
	vq->free[vq->nfree++] = *slot;
	vq->inflight--;
	return 1;
}

int vbk_io(struct vbk_dev *d, unsigned int q, uint32_t type, uint64_t sector,
	   void *buf, uint32_t len)
{
	uint8_t status;
	uint32_t used;
	int slot, ret;

	slot = vbk_submit(d, q, type, sector, buf, len, NULL);
	if (slot < 0)
		return slot;
	vbk_kick(d, q);
	ret = vbk_reap(d, q, &slot, &status, &used, 5000);
	if (ret <= 0)
		return ret ? ret : -ETIMEDOUT;
	if (!data_readable(type) && buf && len)
		memcpy(buf, vbk_data(d, q, slot), len);
	return status;
}
