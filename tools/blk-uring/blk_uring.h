/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_uring: a userspace virtio-blk device (VIRTIO 1.2 5.2) on io_uring,
 * the way QEMU serves a virtio-blk disk with aio=io_uring: one thread per
 * request queue, woken by the queue's kick eventfd, parsing the guest's
 * ring (vringh/, the project's own parser, in its userspace build) and
 * turning each request into one io_uring read, write or fsync on the
 * backend, opened with O_DIRECT. It is the userspace competitor of
 * /dev/vhost-blk in vha-blk-bench, so it is built to be fast:
 *   - every kick fetches all the chains it finds and submits them with one
 *     io_uring_enter, which also waits for the next event: the kick
 *     eventfd is watched by a multishot poll on the same ring (and never
 *     read: vhost does not read it either), so a queue thread makes one
 *     system call per wake-up, plus one per guest notification;
 *   - completions are taken in batches, their status bytes written, and
 *     the batch returned with one used-index update and at most one write
 *     to the call eventfd, which respects event-index suppression;
 *   - the backend and the kick eventfd are registered files; the ring is
 *     single-issuer with deferred task work where the kernel has it.
 * Only what a benchmark needs beyond reads and writes is there: FLUSH
 * (fsync), GET_ID (an empty serial); other types get UNSUPP.
 *
 *   guest rings (memory shared with the driver) <-> queue thread
 *       <-> io_uring <-> backend
 *
 * The caller owns the memory, the rings and the eventfds; they must stay
 * valid until blk_uring_stop() returns.
 */
#ifndef BLK_URING_H
#define BLK_URING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum { BLK_URING_MAX_QUEUES = 16 };

/* Guest-physical [gpa, gpa + size) is host memory at @host. */
struct blk_uring_region {
	uint64_t gpa;
	uint64_t size;
	void *host;
};

/* One request queue: its ring (host addresses) and its two eventfds. */
struct blk_uring_queue {
	uint64_t desc;
	uint64_t avail;
	uint64_t used;
	uint32_t num;
	int kick;		/* the driver writes it: polled, never read */
	int call;		/* written when the driver wants to know */
};

/* How the io_uring instances are set up; each falls back to the next. */
enum blk_uring_setup {
	BLK_URING_DEFER_TASKRUN,	/* + SINGLE_ISSUER (6.1): the default */
	BLK_URING_COOP_TASKRUN,		/* 5.19 */
	BLK_URING_PLAIN,		/* no flags, as QEMU 7.2's */
};

struct blk_uring_cfg {
	const struct blk_uring_region *regions;	/* sorted by gpa */
	unsigned int nregions;
	/* negotiated ring features */
	bool event_idx;
	bool indirect;
	bool packed;
	int fd;			/* backend: a block device or file, O_DIRECT */
	uint64_t capacity;	/* bytes the guest may address */
	enum blk_uring_setup setup;
	unsigned int queues;
	struct blk_uring_queue q[BLK_URING_MAX_QUEUES];
};

/* What a queue did; read while it runs, each counter on its own. */
struct blk_uring_stats {
	uint64_t requests;	/* completed */
	uint64_t wakeups;	/* kicks seen */
	uint64_t enters;	/* io_uring_enter calls (submit and wait) */
	uint64_t batches;	/* used-index updates */
	uint64_t calls;		/* call eventfd writes */
};

struct blk_uring;

/*
 * Check the configuration, start a thread per queue and wait until each
 * has its io_uring: 0 and *out, or -errno (nothing left running).
 */
int blk_uring_start(struct blk_uring **out, const struct blk_uring_cfg *cfg);
/*
 * Stop fetching, wait for the requests in flight, end the threads, free.
 * The driver should have taken its completions before: what is still in
 * the ring is left there.
 */
void blk_uring_stop(struct blk_uring *b);
/* Thread id of queue @q's thread (for its CPU time in /proc). */
pid_t blk_uring_tid(const struct blk_uring *b, unsigned int q);
void blk_uring_stats(const struct blk_uring *b, unsigned int q,
		     struct blk_uring_stats *st);
/* Why queue @q stopped serving (a broken ring, io_uring), or NULL. */
const char *blk_uring_failure(const struct blk_uring *b, unsigned int q);
/* How the io_uring instances were set up, for the report. */
const char *blk_uring_setup_name(const struct blk_uring *b);

#endif
