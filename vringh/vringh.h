/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vringh: the device (host) side of virtio 1.x virtqueues, split and packed.
 *
 * One pure ring parser.  It allocates nothing (the caller passes the iovec
 * array a chain is written into) and does not know where memory lives: every
 * access goes through a struct vha_mem.  The same .c files build into the
 * vhost_accel module and into userspace (unit tests, fuzzer, benchmark); the
 * two builds differ only in vringh/env.h.
 *
 * Why a "kind" switch and not an ops pointer per access: with retpolines an
 * indirect call costs tens of nanoseconds, and a chain walk makes two memory
 * accesses per descriptor.  struct vha_mem therefore has a kind:
 *
 *   VHA_MEM_TABLE  ring addresses are host addresses (in the kernel: the
 *                  VMM's user virtual addresses, accessed with get_user() and
 *                  copy_from_user(); in userspace: plain pointers), and buffer
 *                  addresses are guest-physical, translated by an inline walk
 *                  of a struct vha_memtable.  No indirect call at all.  This
 *                  is the hot path (vhost without an IOTLB).
 *   VHA_MEM_OPS    every access goes through struct vha_mem_ops (an IOTLB,
 *                  or a test accessor).  One indirect call per access; the
 *                  IOTLB lookup itself costs more than the call.
 *
 * The switch is on a field that is constant while a ring runs, so the branch
 * predicts perfectly.  The kernel-memory case (rings and buffers in kernel
 * memory) is not provided: no device of this project needs it yet.
 *
 * Return convention of every function that fetches something: 0 = nothing
 * there (ring empty), 1 = got one (results in out-parameters), -errno = the
 * driver broke a rule or memory could not be accessed.  On any error the ring
 * records a reason (enum vha_ring_error, read it with vha_ring_error()) and
 * becomes broken: every later call returns -EIO until vha_ring_init().  The
 * position is never advanced past a chain that failed.  One exception: when a
 * VHA_MEM_OPS accessor returns -EAGAIN (e.g. an IOTLB miss it has reported
 * and will be told about), the call returns -EAGAIN, records nothing and the
 * ring stays usable; call it again later.
 *
 * In the kernel, VHA_MEM_TABLE accesses the VMM's memory with uaccess, so a
 * ring may only be used from a context that has the VMM's mm: the ioctl
 * caller, or the vq worker after kthread_use_mm().
 *
 * How the vhost core uses it (see vhost_core/):
 *   - embed one struct vha_ring in each virtqueue; the virtqueue's mutex
 *     protects all of it; every vha_ring_* call must be made with it held;
 *   - on VHOST_SET_VRING_NUM/ADDR/features/backend: fill a struct
 *     vha_ring_config and call vha_ring_init() (validates size and alignment,
 *     resets the position), then vha_ring_set_base() with the value from
 *     VHOST_SET_VRING_BASE, then vha_ring_start() (split: reads used->idx);
 *   - VHOST_GET_VRING_BASE: vha_ring_get_base();
 *   - on VHOST_SET_MEM_TABLE / IOTLB change: vha_ring_set_mem() under the vq
 *     mutex; the table must stay valid until the next vha_ring_set_mem();
 *   - VHOST_SET_VRING_ADDR on a running ring: vha_ring_set_addr() (keeps
 *     the position);
 *   - data path: vha_ring_disable_notify(); loop { vha_ring_get() -> 1:
 *     process chain.iov, vha_ring_push() the used entries, then if
 *     vha_ring_need_notify() == 1 signal the call eventfd; -> 0:
 *     if vha_ring_enable_notify() == 1, disable again and continue, else
 *     stop; -> <0: report vha_ring_error() on the error eventfd, stop };
 *   - dirty logging: pass chain.log to collect the guest addresses of the
 *     writable buffers; the used ring's own writes are at known addresses
 *     (vha_ring_used_range()).
 */
#ifndef VHA_VRINGH_H
#define VHA_VRINGH_H

#include "vringh/env.h"

/* Descriptor flags (VIRTIO 1.2 2.7.5 and 2.8.13). */
enum vha_desc_flag {
	VHA_DESC_F_NEXT = 1,
	VHA_DESC_F_WRITE = 2,
	VHA_DESC_F_INDIRECT = 4,
	VHA_DESC_F_AVAIL = 1 << 7,	/* packed only */
	VHA_DESC_F_USED = 1 << 15,	/* packed only */
};

/* Split ring flags (2.7.6 avail->flags, 2.7.8 used->flags). */
enum vha_split_flag {
	VHA_AVAIL_F_NO_INTERRUPT = 1,
	VHA_USED_F_NO_NOTIFY = 1,
};

/* Packed event suppression flags (2.8.14). */
enum vha_event_flag {
	VHA_EVENT_F_ENABLE = 0,
	VHA_EVENT_F_DISABLE = 1,
	VHA_EVENT_F_DESC = 2,
};

enum vha_ring_limit {
	VHA_RING_MAX = 32768,		/* 2.7 and 2.8: largest queue size */
	VHA_PACKED_WRAP_SHIFT = 15,	/* wrap bit in off_wrap and in the base */
	VHA_DESC_SIZE = 16,
	VHA_RING_HEAD_BATCH = 16,	/* split heads read per ring access */
};

/* In-memory layouts, all little-endian (virtio 1.x only). */
struct vha_desc {		/* split descriptor, 2.7.5 */
	__le64 addr;
	__le32 len;
	__le16 flags;
	__le16 next;
};

struct vha_pdesc {		/* packed descriptor, 2.8.13 */
	__le64 addr;
	__le32 len;
	__le16 id;
	__le16 flags;
};

struct vha_used_le {		/* split used ring element, 2.7.8 */
	__le32 id;
	__le32 len;
};

struct vha_event {		/* packed event suppression, 2.8.14 */
	__le16 off_wrap;
	__le16 flags;
};

/*
 * Why a ring call failed.  Each value names the rule the driver broke; the
 * comment at the check cites the spec section.  Errno per reason in
 * parentheses.
 */
enum vha_ring_error {
	VHA_ERR_NONE = 0,
	VHA_ERR_CONFIG,		/* bad size, features or base (-EINVAL) */
	VHA_ERR_ALIGN,		/* ring address misaligned (-EINVAL) */
	VHA_ERR_RING_ACCESS,	/* ring metadata not accessible (-EFAULT) */
	VHA_ERR_AVAIL_IDX,	/* avail->idx more than num ahead (-EOVERFLOW) */
	VHA_ERR_HEAD_RANGE,	/* head index >= num (-ERANGE) */
	VHA_ERR_NEXT_RANGE,	/* next >= num or >= table size (-ERANGE) */
	VHA_ERR_CHAIN_LOOP,	/* chain longer than the ring / a loop (-ELOOP) */
	VHA_ERR_CHAIN_BYTES,	/* chain longer than 2^32 bytes (-EMSGSIZE) */
	VHA_ERR_INDIRECT_FEATURE, /* INDIRECT not negotiated (-EINVAL) */
	VHA_ERR_INDIRECT_LEN,	/* table len 0 or not a multiple of 16 (-EINVAL) */
	VHA_ERR_INDIRECT_NESTED, /* INDIRECT inside a table (-EINVAL) */
	VHA_ERR_INDIRECT_NEXT,	/* INDIRECT with NEXT, or (packed) after it (-EINVAL) */
	VHA_ERR_WRITE_ORDER,	/* readable after writable (-EINVAL) */
	VHA_ERR_ZERO_LEN,	/* zero-length buffer, not allowed (-EINVAL) */
	VHA_ERR_ADDR_OVERFLOW,	/* addr + len wraps around (-EFAULT) */
	VHA_ERR_ADDR_UNMAPPED,	/* outside the memory table / IOTLB (-EFAULT) */
	VHA_ERR_IOV_FULL,	/* more segments than the caller's array (-ENOBUFS) */
	VHA_ERR_WRAP,		/* packed: chain entry not available (-EINVAL) */
	VHA_ERR_ID_RANGE,	/* packed: buffer id >= num (-ERANGE) */
	VHA_ERR_USED,		/* caller pushed a bad used entry (-EINVAL) */
	VHA_ERR_COUNT
};

/* Short name of a reason, for the error eventfd or a debug print. */
const char *vha_ring_error_name(enum vha_ring_error err);

/* One region of guest memory: guest [start, start + size) at host [host...]. */
struct vha_region {
	u64 start;
	u64 size;
	u64 host;	/* kernel: VMM user address; userspace: pointer */
};

/*
 * A memory table, owned by the caller.  Regions are sorted by start (lookups
 * are a binary search), do not overlap and do not wrap (start + size and
 * host + size do not overflow); the owner checks that when it builds the
 * table (vha_memtable_check()).
 */
struct vha_memtable {
	unsigned int nr;
	const struct vha_region *regions;
};

int vha_memtable_check(const struct vha_memtable *t);

/*
 * Any op may also return -EAGAIN: "not available yet, retry later"; vringh
 * passes it up without breaking the ring (see above).
 */
struct vha_mem_ops {
	/* Copy len bytes at ring or guest address addr; 0 or -EFAULT. */
	int (*read)(void *priv, void *dst, u64 addr, u32 len);
	int (*write)(void *priv, u64 addr, const void *src, u32 len);
	/*
	 * Translate guest buffer [addr, addr + len) into at most max host
	 * segments; return the number used (>= 1), -EFAULT if some byte is not
	 * mapped (or not writable when write), -ENOBUFS if max is too small.
	 * len is never 0 and addr + len never wraps.
	 */
	int (*xlate)(void *priv, u64 addr, u32 len, bool write,
		     struct iovec *iov, unsigned int max);
};

enum vha_mem_kind {
	VHA_MEM_TABLE,
	VHA_MEM_OPS,
};

struct vha_mem {
	enum vha_mem_kind kind;
	const struct vha_memtable *table;	/* VHA_MEM_TABLE */
	const struct vha_mem_ops *ops;		/* VHA_MEM_OPS */
	void *priv;				/* VHA_MEM_OPS: ops argument */
};

/* Guest address and length of one writable buffer, for dirty logging. */
struct vha_log {
	u64 addr;
	u32 len;
};

/*
 * One chain.  The caller sets the "in" fields; vha_ring_get() fills the rest.
 * Readable segments are iov[0 .. out_segs), writable ones follow them:
 * iov[out_segs .. out_segs + in_segs).
 */
struct vha_chain {
	struct iovec *iov;		/* in */
	unsigned int iov_max;		/* in */
	struct vha_log *log;		/* in, optional (NULL: no log) */
	unsigned int log_max;		/* in */
	unsigned int out_segs;
	unsigned int in_segs;
	u32 out_bytes;
	u32 in_bytes;
	unsigned int nlog;		/* entries written to log */
	u16 id;		/* buffer id: give it back in struct vha_used */
	u16 ndesc;	/* ring slots used: give it back too (packed) */
};

/* A used entry for vha_ring_push(): id and ndesc from the chain. */
struct vha_used {
	u16 id;
	u16 ndesc;
	u32 len;	/* bytes written into the chain's writable part */
};

enum vha_ring_feature {
	VHA_RING_F_PACKED = 1 << 0,	/* VIRTIO_F_RING_PACKED */
	VHA_RING_F_EVENT_IDX = 1 << 1,	/* VIRTIO_RING_F_EVENT_IDX */
	VHA_RING_F_INDIRECT = 1 << 2,	/* VIRTIO_RING_F_INDIRECT_DESC */
	VHA_RING_F_IN_ORDER = 1 << 3,	/* VIRTIO_F_IN_ORDER */
	VHA_RING_F_NO_ZERO_LEN = 1 << 4, /* device policy: reject len 0 */
};

struct vha_ring_config {
	u64 desc;	/* split: descriptor table; packed: descriptor ring */
	u64 avail;	/* split: avail ring; packed: driver event suppression */
	u64 used;	/* split: used ring; packed: device event suppression */
	u32 num;	/* queue size */
	u32 features;	/* enum vha_ring_feature */
	struct vha_mem mem;
};

/*
 * The ring.  Protected entirely by the caller's lock (the virtqueue mutex);
 * no field is touched without it.  Treat as opaque outside vringh/.
 */
struct vha_ring {
	struct vha_mem mem;
	u64 desc, avail, used;
	u32 num;
	u32 features;
	/* split: free-running index; packed: slot 0..num-1 plus wrap bit */
	u16 last_avail;
	u16 last_used;
	bool avail_wrap;
	bool used_wrap;
	/* split: last avail->idx read from the ring */
	u16 shadow_avail;
	/*
	 * split: avail->ring[] entries read ahead, for positions heads_at ..
	 * heads_at + heads_n - 1 (all published, below shadow_avail)
	 */
	u16 heads_at;
	u16 heads_n;
	u16 heads[VHA_RING_HEAD_BATCH];
	/* last used position the driver was told about */
	u16 signalled_used;
	bool signalled_used_wrap;
	bool signalled_valid;
	bool notify_enabled;
	enum vha_ring_error error;
};

int vha_ring_init(struct vha_ring *r, const struct vha_ring_config *cfg);
void vha_ring_set_mem(struct vha_ring *r, const struct vha_mem *mem);
int vha_ring_set_addr(struct vha_ring *r, u64 desc, u64 avail, u64 used);
int vha_ring_set_base(struct vha_ring *r, u32 base);
u32 vha_ring_get_base(const struct vha_ring *r);
int vha_ring_start(struct vha_ring *r);

int vha_ring_get(struct vha_ring *r, struct vha_chain *c);
void vha_ring_unget(struct vha_ring *r, const struct vha_chain *c);
int vha_ring_push(struct vha_ring *r, const struct vha_used *u, unsigned int n);
int vha_ring_need_notify(struct vha_ring *r);
int vha_ring_enable_notify(struct vha_ring *r);
int vha_ring_disable_notify(struct vha_ring *r);

/* A place in the avail ring: split index, or packed slot and lap. */
struct vha_ring_pos {
	u16 idx;
	bool wrap;
};

/*
 * Where the next vha_ring_get() looks; after gets that ran out, the end of
 * what the driver has made available.
 */
static inline void vha_ring_avail_pos(const struct vha_ring *r,
				      struct vha_ring_pos *pos)
{
	pos->idx = r->last_avail;
	pos->wrap = r->avail_wrap;
}

/*
 * Enable kicks for what the driver adds at or after @pos; 1 if something
 * already is there.  For a device that looked at the chains up to @pos and
 * gave them back (too few buffers for one packet): the plain re-check
 * would find those again and again.
 */
int vha_ring_enable_notify_at(struct vha_ring *r,
			      const struct vha_ring_pos *pos);
void vha_ring_used_range(const struct vha_ring *r, u64 *addr, u64 *len);

static inline enum vha_ring_error vha_ring_error(const struct vha_ring *r)
{
	return r->error;
}

static inline bool vha_ring_is_packed(const struct vha_ring *r)
{
	return r->features & VHA_RING_F_PACKED;
}

/* Layout-specific entry points; vha_ring_* dispatch to these. */
int vha_split_get(struct vha_ring *r, struct vha_chain *c);
int vha_split_push(struct vha_ring *r, const struct vha_used *u,
		   unsigned int n);
int vha_split_need_notify(struct vha_ring *r);
int vha_split_enable_notify(struct vha_ring *r);
int vha_split_enable_notify_at(struct vha_ring *r, u16 pos);
int vha_split_disable_notify(struct vha_ring *r);
int vha_split_start(struct vha_ring *r);

int vha_packed_get(struct vha_ring *r, struct vha_chain *c);
int vha_packed_push(struct vha_ring *r, const struct vha_used *u,
		    unsigned int n);
int vha_packed_need_notify(struct vha_ring *r);
int vha_packed_enable_notify(struct vha_ring *r);
int vha_packed_enable_notify_at(struct vha_ring *r, u16 pos, bool wrap);
int vha_packed_disable_notify(struct vha_ring *r);

/* Segment helpers (iov.c): copy between a flat buffer and segments. */
int vha_iov_copy_from(void *dst, const struct iovec *iov, unsigned int n,
		      size_t skip, size_t len);
int vha_iov_copy_to(const struct iovec *iov, unsigned int n, size_t skip,
		    const void *src, size_t len);
size_t vha_iov_length(const struct iovec *iov, unsigned int n);

#endif /* VHA_VRINGH_H */
