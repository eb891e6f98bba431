// SPDX-License-Identifier: GPL-2.0
/* vhost_client: see vhost_client.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "vhost_client.h"

static int set_mem_table(struct vha_vt *t)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r[1];
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nregions = 1;
	m.r[0].guest_phys_addr = t->gpa;
	m.r[0].memory_size = t->size;
	m.r[0].userspace_addr = (uintptr_t)t->mem;
	return ioctl(t->fd, VHOST_SET_MEM_TABLE, &m) ? -errno : 0;
}

int vha_vt_open(struct vha_vt *t, const char *path, uint64_t gpa,
		uint64_t size)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->gpa = gpa;
	t->size = size;
	t->brk = gpa;
	t->fd = path ? open(path, O_RDWR | O_CLOEXEC) : -1;
	if (path && t->fd < 0)
		return -errno;
	t->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->mem == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	if (!path)	/* no device: a userspace one serves the rings */
		return 0;
	if (ioctl(t->fd, VHOST_SET_OWNER, NULL)) {
		ret = -errno;
		goto err_unmap;
	}
	ret = set_mem_table(t);
	if (ret)
		goto err_unmap;
	return 0;
err_unmap:
	munmap(t->mem, size);
err_close:
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return ret;
}

void vha_vt_close(struct vha_vt *t)
{
	unsigned int i;

	if (t->fd >= 0)
		close(t->fd);
	for (i = 0; i < VHA_VT_MAX_VQS; i++) {
		if (!t->vq[i].ready)
			continue;
		close(t->vq[i].kick);
		close(t->vq[i].call);
		close(t->vq[i].err);
		vha_drv_free(&t->vq[i].drv);
	}
	if (t->mem && t->mem != MAP_FAILED)
		munmap(t->mem, t->size);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

int vha_vt_alloc(struct vha_vt *t, uint64_t size, uint64_t align,
		 uint64_t *gpa)
{
	uint64_t at = (t->brk + align - 1) & ~(align - 1);

	if (at < t->brk || size > t->gpa + t->size - at)
		return -ENOMEM;
	*gpa = at;
	t->brk = at + size;
	return 0;
}

void *vha_vt_ptr(struct vha_vt *t, uint64_t gpa, uint64_t len)
{
	if (gpa < t->gpa || gpa - t->gpa > t->size ||
	    len > t->size - (gpa - t->gpa))
		return NULL;
	return t->mem + (gpa - t->gpa);
}

uint64_t vha_vt_hva(struct vha_vt *t, uint64_t gpa)
{
	return (uintptr_t)t->mem + (gpa - t->gpa);
}

int vha_vt_set_features(struct vha_vt *t, uint64_t features)
{
	if (t->fd >= 0 && ioctl(t->fd, VHOST_SET_FEATURES, &features))
		return -errno;
	t->features = features;
	return 0;
}

static int set_file(struct vha_vt *t, unsigned long req, unsigned int idx,
		    int fd)
{
	struct vhost_vring_file f = { .index = idx, .fd = fd };

	return ioctl(t->fd, req, &f) ? -errno : 0;
}

static int configure(struct vha_vt *t, unsigned int idx, bool avail_half)
{
	struct vha_vt_vq *vq = &t->vq[idx];
	struct vhost_vring_state s = { .index = idx };
	struct vhost_vring_addr a = { .index = idx };
	int ret;

	if (t->fd < 0)
		return 0;
	s.num = vq->drv.cfg.num;
	if (ioctl(t->fd, VHOST_SET_VRING_NUM, &s))
		return -errno;
	/* Both wrap counters start at 1 (VIRTIO 1.2 2.8.1). */
	s.num = vq->drv.cfg.packed ? 0x80008000 : 0;
	if (vq->drv.cfg.packed && avail_half)
		s.num = 0x8000;
	if (ioctl(t->fd, VHOST_SET_VRING_BASE, &s))
		return -errno;
	a.desc_user_addr = vha_vt_hva(t, vq->drv.desc);
	a.avail_user_addr = vha_vt_hva(t, vq->drv.avail);
	a.used_user_addr = vha_vt_hva(t, vq->drv.used);
	a.log_guest_addr = vq->drv.used;
	if (ioctl(t->fd, VHOST_SET_VRING_ADDR, &a))
		return -errno;
	ret = set_file(t, VHOST_SET_VRING_KICK, idx, vq->kick);
	if (!ret)
		ret = set_file(t, VHOST_SET_VRING_CALL, idx, vq->call);
	if (!ret)
		ret = set_file(t, VHOST_SET_VRING_ERR, idx, vq->err);
	return ret;
}

int vha_vt_vq_setup(struct vha_vt *t, unsigned int idx,
		    const struct vha_vt_ring *ring)
{
	struct vha_vt_vq *vq = &t->vq[idx];
	struct vha_drv_config cfg = {
		.mem = { .base = t->mem, .gpa = t->gpa, .size = t->size },
		.num = ring->num,
		.packed = ring->packed,
		.event_idx = ring->event_idx,
		.max_indirect = ring->max_indirect,
	};
	int ret;

	if (idx >= VHA_VT_MAX_VQS || vq->ready)
		return -EINVAL;
	ret = vha_vt_alloc(t, vha_drv_ring_size(ring->num, ring->packed),
			   4096, &cfg.ring_gpa);
	if (!ret && ring->max_indirect)
		ret = vha_vt_alloc(t, 16ULL * ring->num * ring->max_indirect,
				   16, &cfg.table_gpa);
	if (ret)
		return ret;
	ret = vha_drv_init(&vq->drv, &cfg);
	if (ret)
		return ret;
	vq->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vq->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vq->err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vq->ready = true;
	if (vq->kick < 0 || vq->call < 0 || vq->err < 0)
		return -EMFILE;
	return configure(t, idx, ring->avail_half_base);
}

int vha_vt_kick(struct vha_vt *t, unsigned int idx)
{
	uint64_t one = 1;

	if (write(t->vq[idx].kick, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

uint64_t vha_vt_drain(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

int vha_vt_wait(struct vha_vt *t, unsigned int idx, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = t->vq[idx].call, .events = POLLIN },
		{ .fd = t->vq[idx].err, .events = POLLIN },
	};
	int n;

	n = poll(p, 2, timeout_ms);
	if (n < 0)
		return -errno;
	if (p[1].revents & POLLIN)
		return -EIO;
	if (!n)
		return 0;
	vha_vt_drain(t->vq[idx].call);
	return 1;
}
