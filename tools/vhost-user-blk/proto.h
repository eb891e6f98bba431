/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vhost-user protocol as far as this daemon speaks it, from QEMU's
 * docs/interop/vhost-user.rst: a 12-byte header (request, flags, payload
 * size), a payload, and file descriptors in the ancillary data of the
 * header. All numbers are in the machine's byte order.
 */
#ifndef VUB_PROTO_H
#define VUB_PROTO_H

#include <stdint.h>
#include <linux/vhost.h>

/* Front-end requests ("Front-end message types"). */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_REQUEST_MAX = 41,		/* past the last one the spec names */
};

/* The virtio feature bit the protocol borrows (reserved bit 30). */
enum { VU_F_PROTOCOL_FEATURES = 30 };

/* Protocol features ("Protocol features"): the ones offered here. */
enum vu_protocol_feature {
	VU_PF_MQ = 0,
	VU_PF_LOG_SHMFD = 1,
	VU_PF_REPLY_ACK = 3,
	VU_PF_CONFIG = 9,
};

/* Header flags: version in bits 0-1, reply bit 2, need_reply bit 3. */
enum vu_flag {
	VU_VERSION = 0x1,
	VU_FLAG_VERSION_MASK = 0x3,
	VU_FLAG_REPLY = 1 << 2,
	VU_FLAG_NEED_REPLY = 1 << 3,
};

enum vu_limit {
	VU_HDR_SIZE = 12,
	VU_MAX_REGIONS = 8,		/* VHOST_MEMORY_BASELINE_NREGIONS */
	VU_MAX_FDS = 8,			/* fds one message may carry */
	VU_MAX_CONFIG = 256,		/* VHOST_USER_MAX_CONFIG_SIZE */
	VU_CONFIG_HDR_SIZE = 12,
	/* SET_VRING_KICK/CALL/ERR: the u64 payload */
	VU_VRING_INDEX_MASK = 0xff,
	VU_VRING_NOFD = 1 << 8,
	/* GET/SET_CONFIG flags */
	VU_CONFIG_MIGRATION = 1,
};

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;			/* of the payload */
};

/* "Memory regions description" */
struct vu_region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;		/* in the front-end's address space */
	uint64_t mmap_offset;		/* into the region's fd */
};

struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_region r[VU_MAX_REGIONS];
};

/* "Log description" (SET_LOG_BASE with LOG_SHMFD) */
struct vu_log {
	uint64_t size;
	uint64_t offset;
};

/* "Virtio device config space" */
struct vu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t data[VU_MAX_CONFIG];
};

union vu_payload {
	uint64_t u64;
	struct vhost_vring_state state;
	struct vhost_vring_addr addr;
	struct vu_mem_table mem;
	struct vu_log log;
	struct vu_config config;
};

/* One message as received: header, payload, and the fds that came with it. */
struct vu_msg {
	struct vu_hdr hdr;
	union vu_payload p;
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

_Static_assert(sizeof(struct vu_hdr) == VU_HDR_SIZE, "vhost-user header");
_Static_assert(sizeof(struct vu_region) == 32, "memory region");
_Static_assert(sizeof(struct vhost_vring_addr) == 40, "vring address");
_Static_assert(sizeof(struct vu_config) == VU_CONFIG_HDR_SIZE + VU_MAX_CONFIG,
	       "config space message");

#endif
