/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/vhost-blk on the vhost-accel core: virtio-blk request queues served
 * by the host kernel against one backend file (a block device or a regular
 * file). ABI: include/uapi/linux/vhost_blk.h.
 *
 * A request's life: the queue's kick handler (queue.c) fetches a chain,
 * request.c checks it and starts it; io.c submits it, as asynchronous
 * direct I/O from the worker, or as a blocking operation on vha_blk_wq
 * (flush, discard, write zeroes, buffered I/O, a retry); its completion,
 * in any context, puts it on the queue's done list and queues the queue's
 * done handler (queue.c), which writes the status bytes and used entries
 * of a batch in one go.
 */
#ifndef _VHA_BLK_H
#define _VHA_BLK_H

#include <linux/fs.h>
#include <linux/llist.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/virtio_blk.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/vhost_blk.h>

#include "vhost_core/dev.h"

enum vha_blk_limit {
	VHA_BLK_NVQS = VHOST_BLK_MAX_QUEUES,
	VHA_BLK_WEIGHT_REQS = 256,	/* per kick and queue */
	VHA_BLK_WEIGHT_BYTES = 0x200000, /* per kick and queue */
	VHA_BLK_HDR_SIZE = 16,		/* struct virtio_blk_outhdr */
	VHA_BLK_SECTOR = 512,
	VHA_BLK_DWZ_SEG_MAX = 16,	/* DISCARD / WRITE_ZEROES segments */
};

/*
 * The misc minor, from the range devices.txt reserves for local use. A
 * macro, not an enum: MODULE_ALIAS_MISCDEV() turns it into a string.
 */
#define VHA_BLK_MINOR 246

/*
 * The backend, one for the whole device. Immutable while attached: it is
 * replaced or dropped only with every queue stopped (backend.c).
 */
struct vha_blk_backend {
	struct file *file;		/* our reference */
	struct block_device *bdev;	/* NULL: a regular file */
	u64 capacity;			/* bytes, a multiple of 512 */
	unsigned int dio_mask;		/* direct I/O alignment - 1 */
	bool dio;			/* direct I/O possible */
	bool read_only;
	bool can_discard;
};

/* What a request does once started. */
enum vha_blk_op {
	VHA_BLK_OP_NONE,		/* nothing left: status decided */
	VHA_BLK_OP_READ,
	VHA_BLK_OP_WRITE,
	VHA_BLK_OP_FLUSH,
	VHA_BLK_OP_DISCARD,
	VHA_BLK_OP_WRITE_ZEROES,
};

struct vha_blk_vq;

/*
 * One request in flight. Preallocated per queue when the queue starts;
 * owned by the worker (under vq.mutex) until submitted, then by whoever
 * completes it, then by the done handler again.
 */
struct vha_blk_req {
	struct vha_blk_vq *bvq;
	/* the backend, stable while the request is in flight (backend.c) */
	const struct vha_blk_backend *be;
	struct llist_node node;		/* on bvq->done once complete */
	struct kiocb iocb;
	struct iov_iter iter;
	struct work_struct work;	/* blocking part, on vha_blk_wq */
	struct iovec *iov;		/* data segments */
	unsigned int nsegs;
	struct vha_log *log;		/* writable buffers, dirty log */
	unsigned int nlog;
	u8 __user *status;		/* the status byte */
	u64 pos;			/* bytes */
	size_t len;			/* data bytes */
	long res;			/* I/O result: bytes or -errno */
	u32 written;			/* bytes written to data buffers */
	u64 start_ns;			/* submitted; 0 unless traced */
	u16 id;
	u16 ndesc;
	u8 op;				/* enum vha_blk_op */
	u8 status_val;			/* VIRTIO_BLK_S_* */
	u8 unmap;			/* WRITE_ZEROES may deallocate */
	bool nowait;			/* submitted with IOCB_NOWAIT */
	bool end_write;			/* kiocb_end_write() due */
	unsigned int nseg;		/* DISCARD / WRITE_ZEROES segments */
	union {
		struct iovec iov_inline[VHOST_BLK_SEG_MAX];
		struct virtio_blk_discard_write_zeroes
			dwz[VHA_BLK_DWZ_SEG_MAX];
	};
	struct vha_log log_inline[VHOST_BLK_SEG_MAX + 2];
};

/*
 * One request queue. Fields below vq are protected by vq.mutex unless
 * said otherwise.
 */
struct vha_blk_vq {
	struct vha_vq vq;
	struct vha_work done_work;	/* runs the done handler */
	struct llist_head done;		/* completed requests, lock-free */
	struct vha_blk_req *reqs;	/* nreq, while the queue runs */
	struct vha_blk_req **free;	/* stack of free requests */
	unsigned int nreq;
	unsigned int nfree;
	struct vha_used *used;		/* a batch of used entries: nreq */
	unsigned int nused;
	atomic_t inflight;		/* taken, not yet returned; any context */
	wait_queue_head_t idle;		/* woken when inflight drops to 0 */
	bool stopping;			/* fetch no more (detach) */
	bool broken;			/* driver broke a rule: queue stopped */
	bool want_req;			/* kick stopped for want of a request */
};

struct vha_blk {
	struct vha_dev dev;
	struct vha_blk_vq vqs[VHA_BLK_NVQS];
	struct vha_vq *vq_ptrs[VHA_BLK_NVQS];
	struct vha_blk_backend *backend;	/* dev.mutex */
	/* GET_ID answer; written with dev.mutex and every vq mutex held */
	char serial[VIRTIO_BLK_ID_BYTES];
};

static inline struct vha_blk_vq *to_blk_vq(struct vha_vq *vq)
{
	return container_of(vq, struct vha_blk_vq, vq);
}

static inline struct vha_blk *vq_to_blk(struct vha_vq *vq)
{
	return container_of(vq->dev, struct vha_blk, dev);
}

static inline struct vha_blk_backend *vha_blk_be(const struct vha_blk_vq *bvq)
{
	return vha_vq_get_backend(&bvq->vq);
}

extern struct workqueue_struct *vha_blk_wq;
extern bool vha_blk_worker_per_queue;

/* backend.c */
int vha_blk_set_backend(struct vha_blk *b, int fd);
void vha_blk_detach(struct vha_blk *b);

/* queue.c */
void vha_blk_handle_kick(struct vha_work *work);
void vha_blk_handle_done(struct vha_work *work);
void vha_blk_complete(struct vha_blk_req *req);
int vha_blk_queue_alloc(struct vha_blk_vq *bvq);
void vha_blk_queue_free(struct vha_blk_vq *bvq);

/* request.c */
int vha_blk_req_start(struct vha_blk_vq *bvq, struct vha_blk_req *req,
		      const struct vha_chain *c);
void vha_blk_req_release(struct vha_blk_req *req);

/* io.c */
void vha_blk_submit_rw(struct vha_blk_req *req);
void vha_blk_submit_blocking(struct vha_blk_req *req);
bool vha_blk_retry(struct vha_blk_req *req);
void vha_blk_end_write(struct vha_blk_req *req);

/* stats.c: module-wide counters, in debugfs vha_blk/stats. */
enum vha_blk_stat {
	VHA_BLK_STAT_READS,
	VHA_BLK_STAT_WRITES,
	VHA_BLK_STAT_READ_BYTES,
	VHA_BLK_STAT_WRITE_BYTES,
	VHA_BLK_STAT_FLUSHES,
	VHA_BLK_STAT_DISCARDS,
	VHA_BLK_STAT_WRITE_ZEROES,
	VHA_BLK_STAT_GET_IDS,
	VHA_BLK_STAT_IOERR,
	VHA_BLK_STAT_UNSUPP,
	VHA_BLK_STAT_DIRECT,
	VHA_BLK_STAT_BLOCKING,
	VHA_BLK_STAT_RETRIES,
	VHA_BLK_STAT_BATCHES,
	VHA_BLK_STAT_OPENS,
	VHA_BLK_STAT_COUNT
};

void vha_blk_stat_add(enum vha_blk_stat stat, u64 n);
int vha_blk_stats_init(void);
void vha_blk_stats_uninit(void);

/* dev.c */
int vha_blk_misc_init(void);
void vha_blk_misc_uninit(void);

#endif
