/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vha-vmm-race: a hostile VMM racing its own guest traffic on
 * /dev/vhost-net and /dev/vhost-blk. The parent (vmm_race.c) forks owner
 * processes and SIGKILLs them at random; each owner (owner.c) drives both
 * devices with traffic threads while chaos threads swap backends, memory
 * tables, eventfds and workers, reset the owner and close the fds. What
 * must survive an owner's death (the ids handed out, the frames seen, the
 * versions of every disk block) lives in one shared mapping, struct shared.
 *
 *   owner: traffic + chaos threads --> /dev/vhost-net --> tap vharaceN (2 queues)
 *                                  --> /dev/vhost-blk --> disk (region N)
 *   parent: packet sockets on the taps (TX frames), the disk (final check)
 */
#ifndef VHA_RACE_H
#define VHA_RACE_H

#include <stdbool.h>
#include <stdint.h>

#include "net_lib.h"

enum {
	RACE_MAX_OWNERS = 4,
	RACE_ID_MAX = 1 << 22,		/* frame ids per direction */
	RACE_BLOCK = 4096,
	RACE_BLK_QUEUES = 2,
	RACE_MAX_BLOCKS = 1 << 16,
	RACE_KIND_TX = 1,		/* guest -> tap */
	RACE_KIND_RX = 2,		/* tap -> guest */
	RACE_FRAME_MIN = 64,
	RACE_FRAME_MAX = 1514,
};

/* Chaos operations; --ops takes a mask of them. */
enum race_op {
	OP_NET_BACKEND,
	OP_BLK_BACKEND,
	OP_NET_MEM,
	OP_BLK_MEM,
	OP_NET_EVENTFD,
	OP_BLK_EVENTFD,
	OP_NET_WORKER,
	OP_BLK_WORKER,
	OP_NET_RESET,
	OP_BLK_RESET,
	OP_NET_REOPEN,
	OP_BLK_REOPEN,
	OP_KILL,		/* the parent's */
	OP_COUNT,
};

/* What the final check of a disk block accepts: a version in between. */
struct race_block {
	uint32_t acked;		/* last write whose used entry said OK */
	uint32_t maxsub;	/* last write submitted (may have landed) */
};

struct race_counts {
	uint64_t tx_posted, tx_used, tx_seen, tx_dup, tx_bad;
	uint64_t rx_sent, rx_seen, rx_dup, rx_bad;
	uint64_t w_ok, w_err, r_ok, r_err, r_bad;
	uint64_t ring_err, setup_err, stalls;
	uint64_t op_try[OP_COUNT], op_ok[OP_COUNT];
};

/* MAP_SHARED between the parent and every owner; fields are __atomic. */
struct shared {
	int stop;
	uint32_t next_tx_id, next_rx_id;
	struct race_counts c;
	int nerr;
	char err[4][160];		/* the first failures, said */
	uint8_t tx_seen[RACE_ID_MAX / 8];
	uint8_t rx_seen[RACE_ID_MAX / 8];
	struct race_block blk[RACE_MAX_BLOCKS];
};

struct race_cfg {
	uint64_t seed;
	unsigned int seconds;
	unsigned int owners;
	uint32_t ops;			/* mask of enum race_op */
	const char *disk;
	unsigned int blocks;		/* disk blocks in use, all owners */
	struct nt_tap tap[RACE_MAX_OWNERS];
};

extern struct shared *sh;

#define CNT_ADD(f, n) __atomic_add_fetch(&sh->c.f, (n), __ATOMIC_RELAXED)

uint64_t race_mix(uint64_t x);
/* xorshift64* on a caller's state */
uint64_t race_rnd(uint64_t *s);
void race_fail(const char *fmt, ...);

/* Frames: kind, owner slot, id, generation, checksum at the end. */
size_t race_frame(uint8_t *buf, size_t len, uint8_t kind, uint8_t slot,
		  uint32_t id, uint32_t gen);
/* 1 good, 0 corrupt; *id the frame's id. */
int race_frame_check(const uint8_t *buf, size_t len, uint8_t kind,
		     uint32_t *id);
/* Mark @id seen in @map: false if it was seen before. */
bool race_first_seen(uint8_t *map, uint32_t id);

/* Blocks: content of version @ver of block @blk; check one read back. */
void race_block_fill(uint8_t *buf, uint32_t blk, uint32_t ver);
/* 0 good; -1 corrupt, else *ver the version found (0: never written). */
int race_block_parse(const uint8_t *buf, uint32_t blk, uint32_t *ver);

/* The owner process: never returns. */
_Noreturn void race_owner(const struct race_cfg *cfg, unsigned int slot,
			  uint32_t gen);

#endif
