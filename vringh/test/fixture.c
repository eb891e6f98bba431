// SPDX-License-Identifier: GPL-2.0
/* A guest in a buffer: see fixture.h. */
#include <stdlib.h>

#include "vringh/test/fixture.h"

uint64_t fx_host(const struct fx *f, uint64_t gpa)
{
	return (uint64_t)(uintptr_t)f->mem + (gpa - FX_GPA);
}

uint64_t fx_buf(unsigned int i)
{
	return FX_GPA + FX_DATA + 4096ULL * i;
}

int fx_ring_init(struct fx *f)
{
	f->cfg.desc = fx_host(f, f->drv.desc);
	f->cfg.avail = fx_host(f, f->drv.avail);
	f->cfg.used = fx_host(f, f->drv.used);
	f->cfg.mem.kind = VHA_MEM_TABLE;
	f->cfg.mem.table = &f->table;
	return vha_ring_init(&f->ring, &f->cfg);
}

int fx_setup(struct fx *f, uint32_t num, uint32_t features)
{
	struct vha_drv_config dc = {
		.num = num,
		.packed = features & VHA_RING_F_PACKED,
		.event_idx = features & VHA_RING_F_EVENT_IDX,
		.in_order = features & VHA_RING_F_IN_ORDER,
		.ring_gpa = FX_GPA,
		.table_gpa = FX_GPA + FX_TABLES,
		.max_indirect = FX_MAX_INDIRECT,
	};
	int ret;

	memset(f, 0, sizeof(*f));
	f->mem = aligned_alloc(4096, FX_SIZE);
	if (!f->mem)
		return -ENOMEM;
	memset(f->mem, 0, FX_SIZE);
	f->regions[0] = (struct vha_region){ FX_GPA, FX_SPLIT,
					     fx_host(f, FX_GPA) };
	f->regions[1] = (struct vha_region){ FX_GPA + FX_SPLIT,
					     FX_SIZE - FX_SPLIT,
					     fx_host(f, FX_GPA + FX_SPLIT) };
	f->table.nr = 2;
	f->table.regions = f->regions;
	dc.mem = (struct vha_drv_mem){ f->mem, FX_GPA, FX_SIZE };
	ret = vha_drv_init(&f->drv, &dc);
	if (ret) {
		free(f->mem);
		return ret;
	}
	f->cfg.num = num;
	f->cfg.features = features;
	ret = fx_ring_init(f);
	if (!ret)
		ret = vha_ring_start(&f->ring);
	fx_chain_reset(f);
	return ret;
}

void fx_teardown(struct fx *f)
{
	vha_drv_free(&f->drv);
	free(f->mem);
	f->mem = NULL;
}

void fx_chain_reset(struct fx *f)
{
	memset(&f->chain, 0, sizeof(f->chain));
	f->chain.iov = f->iov;
	f->chain.iov_max = FX_IOV;
	f->chain.log = f->log;
	f->chain.log_max = FX_LOG;
}

int fx_add(struct fx *f, unsigned int nout, unsigned int nin, bool indirect,
	   uint16_t *id)
{
	struct vha_drv_buf out[FX_MAX_INDIRECT], in[FX_MAX_INDIRECT];
	static unsigned int next;
	unsigned int k;

	if (nout > FX_MAX_INDIRECT || nin > FX_MAX_INDIRECT)
		return -EINVAL;
	for (k = 0; k < nout; k++, next++)
		out[k] = (struct vha_drv_buf){ fx_buf(next % 256), 64 };
	for (k = 0; k < nin; k++, next++)
		in[k] = (struct vha_drv_buf){ fx_buf(next % 256), 64 };
	return vha_drv_add(&f->drv, out, nout, in, nin, indirect, id);
}

bool fx_segs_inside(const struct fx *f)
{
	uint64_t lo = fx_host(f, FX_GPA), hi = lo + FX_SIZE, b;
	unsigned int k, n = f->chain.out_segs + f->chain.in_segs;

	if (n > f->chain.iov_max)
		return false;
	for (k = 0; k < n; k++) {
		b = (uint64_t)(uintptr_t)f->iov[k].iov_base;
		if (b < lo || b > hi || f->iov[k].iov_len > hi - b)
			return false;
	}
	return true;
}
