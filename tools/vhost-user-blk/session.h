/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One connection of a front-end (QEMU's vhost-user-blk-pci): the protocol
 * state it set up and the kernel device it drives. A session lives from
 * accept() to the connection's end; ending it closes /dev/vhost-blk
 * before anything else goes, so no kernel state outlives it.
 *
 * Errors: a message that breaks the protocol (a size, index or fd count
 * out of place, a request out of order, one the kernel refuses) is said on
 * stderr and ends the session; nothing a front-end sends can do more.
 */
#ifndef VUB_SESSION_H
#define VUB_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "uapi/linux/vhost_blk.h"
#include "disk.h"
#include "kdev.h"
#include "map.h"
#include "proto.h"

struct vub_opts {
	const char *socket_path;
	const char *disk_path;
	const char *serial;
	bool read_only;
	unsigned int num_queues;	/* offered: 1..VHOST_BLK_MAX_QUEUES */
	unsigned int queue_size;	/* the largest ring accepted */
};

/*
 * A ring as the front-end configured it. It runs in the kernel while it
 * is started (has a kick: from SET_VRING_KICK to GET_VRING_BASE) and
 * enabled; in_kernel says the kernel holds its kick, i.e. it runs
 * whenever the backend is attached.
 */
struct vub_ring {
	uint32_t num;			/* 0 until SET_VRING_NUM */
	struct vhost_vring_addr addr;	/* the front-end's addresses */
	bool has_addr;
	int kick;			/* our copy; -1: stopped */
	bool enabled;
	bool in_kernel;
};

struct vub_session {
	int sock;
	const struct vub_opts *opts;
	const struct vub_disk *disk;
	uint64_t offered;		/* virtio features offered */
	uint64_t features;		/* acked by SET_FEATURES */
	uint64_t protocol;		/* acked protocol features */
	struct vub_kdev kdev;
	struct vub_mem mem;
	bool has_mem;
	/* a replaced table the kernel may still point into (memory.c) */
	struct vub_mem retired;
	struct vub_log log;
	struct vub_ring ring[VHOST_BLK_MAX_QUEUES];
	bool said_config;		/* SET_CONFIG refusal said once */
};

/* What a handler returns besides 0 (done) and -1 (end the session). */
enum { VUB_REFUSED = 1 };	/* answered "failed", the session goes on */

/*
 * A handler; one with a reply payload fills @reply and sets *reply_len.
 * @m's fds are closed after it unless it took them.
 */
typedef int vub_handler(struct vub_session *s, struct vu_msg *m,
			union vu_payload *reply, uint32_t *reply_len);

void vub_session_init(struct vub_session *s, int sock,
		      const struct vub_opts *opts, const struct vub_disk *disk,
		      uint64_t offered);
/* Handle one message: 0, or -1 to end the session. */
int vub_session_handle(struct vub_session *s, struct vu_msg *m);
void vub_session_end(struct vub_session *s);

/* The ring @index names, or NULL (said, with @what). */
struct vub_ring *vub_ring_of(struct vub_session *s, uint32_t index,
			     const char *what);

/* vring.c: the per-ring messages. */
vub_handler vub_set_vring_num, vub_set_vring_addr, vub_set_vring_base,
	vub_get_vring_base, vub_set_vring_kick, vub_set_vring_call,
	vub_set_vring_err, vub_set_vring_enable;

/* Give the kernel the ring's addresses, translated: 0 or -1. */
int vub_vring_push_addr(struct vub_session *s, unsigned int i);
/*
 * Make the kernel run exactly the rings that should run (started and
 * enabled): stopping one means detaching the backend, which stops and
 * drains them all, and attaching again for the others. 0 or -1.
 */
int vub_vring_sync(struct vub_session *s);

/* memory.c: SET_MEM_TABLE and the dirty log. */
vub_handler vub_set_mem_table, vub_set_log_base, vub_set_log_fd;
/* Is the log mapped and big enough for the memory table? Said if not. */
bool vub_log_covers(struct vub_session *s, const struct vub_mem *m);

#endif
