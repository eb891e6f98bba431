// SPDX-License-Identifier: GPL-2.0
/*
 * SET_MEM_TABLE, SET_LOG_BASE and SET_LOG_FD: which memory the kernel
 * reaches and where it logs what it wrote. A new table replaces the old
 * one with the rings stopped (requests in flight hold addresses of the old
 * mappings); the old mappings go only once the kernel has the new ones.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "session.h"

bool vub_log_covers(struct vub_session *s, const struct vub_mem *m)
{
	uint64_t need = vub_mem_log_bytes(m);

	if (s->log.size >= need)
		return true;
	vub_say("the dirty log has %" PRIu64 " bytes, the memory table needs %" PRIu64,
		s->log.size, need);
	return false;
}

static int table_ok(const struct vu_msg *m)
{
	const struct vu_mem_table *t = &m->p.mem;

	if (m->hdr.size < 8 || t->nregions > VU_MAX_REGIONS ||
	    m->hdr.size != 8 + t->nregions * sizeof(t->r[0])) {
		vub_say("SET_MEM_TABLE: %u regions in a payload of %u bytes (at most %d regions)",
			m->hdr.size < 8 ? 0 : t->nregions, m->hdr.size,
			VU_MAX_REGIONS);
		return -1;
	}
	if (m->nfds != t->nregions) {
		vub_say("SET_MEM_TABLE: %u regions but %u file descriptors",
			t->nregions, m->nfds);
		return -1;
	}
	return 0;
}

/*
 * Give the kernel @new and the rings' addresses in it: 0 or -1. From the
 * moment the kernel has the table, @new belongs to the session; the old
 * mappings stay until every ring's addresses point into the new ones.
 */
static int install(struct vub_session *s, struct vub_mem *new)
{
	struct vhost_memory *k = vub_mem_kernel_table(new);
	unsigned int i;
	int ret = -1;

	if (k)
		ret = vub_kdev_ioctl(&s->kdev, VHOST_SET_MEM_TABLE, k,
				     "SET_MEM_TABLE: VHOST_SET_MEM_TABLE");
	else
		vub_say("SET_MEM_TABLE: out of memory");
	free(k);
	if (ret) {
		vub_mem_unmap(new);
		return -1;
	}
	s->retired = s->mem;
	s->mem = *new;
	s->has_mem = true;
	for (i = 0; i < s->opts->num_queues; i++)
		if (s->ring[i].has_addr && vub_vring_push_addr(s, i))
			return -1;
	vub_mem_unmap(&s->retired);
	return 0;
}

int vub_set_mem_table(struct vub_session *s, struct vu_msg *m,
		      union vu_payload *reply, uint32_t *len)
{
	bool logging = s->features & 1ULL << VHOST_F_LOG_ALL;
	struct vub_mem new;

	if (table_ok(m) || vub_mem_map(&new, &m->p.mem, m->fds))
		return -1;
	if ((logging && !vub_log_covers(s, &new)) ||
	    vub_kdev_detach(&s->kdev)) {
		vub_mem_unmap(&new);
		return -1;
	}
	if (install(s, &new))
		return -1;
	return vub_vring_sync(s);
}

/*
 * With LOG_SHMFD: the log is a shared memory fd; the kernel gets the
 * daemon's address of it. The front-end waits for a reply.
 */
int vub_set_log_base(struct vub_session *s, struct vu_msg *m,
		     union vu_payload *reply, uint32_t *len)
{
	bool logging = s->features & 1ULL << VHOST_F_LOG_ALL;
	struct vub_log new, old = s->log;
	uint64_t base;

	if (!(s->protocol & 1ULL << VU_PF_LOG_SHMFD) ||
	    m->hdr.size != sizeof(m->p.log) || m->nfds != 1) {
		vub_say("SET_LOG_BASE: only with LOG_SHMFD, a log description and one fd (%u bytes, %u fds)",
			m->hdr.size, m->nfds);
		return -1;
	}
	if (vub_log_map(&new, &m->p.log, m->fds[0]))
		return -1;
	s->log = new;
	base = (uintptr_t)new.map.base;
	if ((logging && !vub_log_covers(s, &s->mem)) ||
	    vub_kdev_ioctl(&s->kdev, VHOST_SET_LOG_BASE, &base,
			   "SET_LOG_BASE: VHOST_SET_LOG_BASE")) {
		/* the kernel still logs into @old */
		s->log = old;
		vub_log_unmap(&new);
		return -1;
	}
	vub_log_unmap(&old);
	reply->u64 = 0;
	*len = sizeof(reply->u64);
	return 0;
}

int vub_set_log_fd(struct vub_session *s, struct vu_msg *m,
		   union vu_payload *reply, uint32_t *len)
{
	int fd = m->nfds ? m->fds[0] : -1;

	return vub_kdev_ioctl(&s->kdev, VHOST_SET_LOG_FD, &fd,
			      "SET_LOG_FD: VHOST_SET_LOG_FD");
}
