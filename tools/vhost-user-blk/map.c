// SPDX-License-Identifier: GPL-2.0
/* Guest memory and the dirty log, mapped: see map.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "map.h"

enum { LOG_PAGE = 4096 };	/* VHOST_LOG_PAGE: one bit per 4 KiB */

/*
 * Map [offset, offset + size) of @fd shared and writable, the way the
 * front-end announced it. The fd must be a file (memfd, shm, hugetlbfs)
 * that holds the whole range, so that no access of the kernel to a
 * mapped address can fault on a missing page of the file.
 */
static int map_fd(struct vub_map *map, int fd, uint64_t offset,
		  uint64_t size, const char *what)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t end, head;
	struct stat st;
	void *p;

	if (fstat(fd, &st)) {
		vub_say("%s: fstat: %s", what, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		vub_say("%s: the fd is not a memory file (mode 0%o)", what,
			(unsigned int)st.st_mode);
		return -1;
	}
	if (!size || __builtin_add_overflow(offset, size, &end) ||
	    end > (uint64_t)st.st_size) {
		vub_say("%s: %" PRIu64 " bytes at offset %" PRIu64 " do not fit its fd (%lld bytes)",
			what, size, offset, (long long)st.st_size);
		return -1;
	}
	head = offset % page;
	p = mmap(NULL, size + head, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_NORESERVE, fd, offset - head);
	if (p == MAP_FAILED) {
		vub_say("%s: mmap of %" PRIu64 " bytes: %s", what, size,
			strerror(errno));
		return -1;
	}
	map->addr = p;
	map->len = size + head;
	map->base = (uint8_t *)p + head;
	return 0;
}

static void unmap(struct vub_map *map)
{
	if (map->addr)
		munmap(map->addr, map->len);
	memset(map, 0, sizeof(*map));
}

static int region_ok(const struct vu_region *r, unsigned int i)
{
	uint64_t end;

	if (__builtin_add_overflow(r->guest_addr, r->size, &end) ||
	    __builtin_add_overflow(r->user_addr, r->size, &end)) {
		vub_say("SET_MEM_TABLE: region %u wraps around", i);
		return -1;
	}
	return 0;
}

int vub_mem_map(struct vub_mem *m, const struct vu_mem_table *t,
		const int *fds)
{
	char what[64];
	unsigned int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < t->nregions; i++) {
		const struct vu_region *r = &t->r[i];

		snprintf(what, sizeof(what), "SET_MEM_TABLE: region %u", i);
		if (region_ok(r, i) ||
		    map_fd(&m->r[i].map, fds[i], r->mmap_offset, r->size,
			   what)) {
			vub_mem_unmap(m);
			return -1;
		}
		m->r[i].gpa = r->guest_addr;
		m->r[i].size = r->size;
		m->r[i].qva = r->user_addr;
		m->n = i + 1;
		vub_debug("region %u: guest 0x%" PRIx64 "+0x%" PRIx64 " front-end 0x%" PRIx64 " here %p",
			  i, r->guest_addr, r->size, r->user_addr,
			  (void *)m->r[i].map.base);
	}
	return 0;
}

void vub_mem_unmap(struct vub_mem *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		unmap(&m->r[i].map);
	m->n = 0;
}

void *vub_mem_translate(const struct vub_mem *m, uint64_t qva, uint64_t len)
{
	const struct vub_region *r;
	unsigned int i;
	uint64_t off;

	for (i = 0; i < m->n; i++) {
		r = &m->r[i];
		if (qva < r->qva)
			continue;
		off = qva - r->qva;
		if (off < r->size && len <= r->size - off)
			return r->map.base + off;
	}
	return NULL;
}

struct vhost_memory *vub_mem_kernel_table(const struct vub_mem *m)
{
	struct vhost_memory *k;
	unsigned int i;

	k = calloc(1, sizeof(*k) + m->n * sizeof(k->regions[0]));
	if (!k)
		return NULL;
	k->nregions = m->n;
	for (i = 0; i < m->n; i++) {
		k->regions[i].guest_phys_addr = m->r[i].gpa;
		k->regions[i].memory_size = m->r[i].size;
		k->regions[i].userspace_addr = (uintptr_t)m->r[i].map.base;
	}
	return k;
}

uint64_t vub_mem_log_bytes(const struct vub_mem *m)
{
	uint64_t end = 0, pages;
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->r[i].gpa + m->r[i].size > end)
			end = m->r[i].gpa + m->r[i].size;
	/* end may be near 2^64: no end + LOG_PAGE - 1 */
	pages = end / LOG_PAGE + !!(end % LOG_PAGE);
	return pages / 8 + !!(pages % 8);
}

int vub_log_map(struct vub_log *l, const struct vu_log *msg, int fd)
{
	memset(l, 0, sizeof(*l));
	if (map_fd(&l->map, fd, msg->offset, msg->size, "SET_LOG_BASE"))
		return -1;
	l->size = msg->size;
	return 0;
}

void vub_log_unmap(struct vub_log *l)
{
	unmap(&l->map);
	l->size = 0;
}
