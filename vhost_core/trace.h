/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the core's data path (system "vha"): a kick, a chain
 * fetched, used entries published, the driver notified or not, a ring
 * error, a backend attached or detached. They fire from the core's
 * helpers, so every device gets them. While disabled each costs a static
 * branch; arguments are only read inside the event.
 * vha_backend is exported: devices call it from their SET_BACKEND.
 * CREATE_TRACE_POINTS is defined in trace.c only.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vha

#if !defined(_VHA_CORE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VHA_CORE_TRACE_H

#include <linux/tracepoint.h>

#include "vhost_core/dev.h"

/* Every event names the device (type and number) and the queue. */
#define VHA_TP_VQ_ASSIGN(q)				\
	do {						\
		__assign_str(type, (q)->dev->cfg.name);	\
		__entry->dev = (q)->dev->id;		\
		__entry->vq = (q)->index;		\
	} while (0)

/* The kick eventfd fired (waker's context). Only the kick poll counts. */
TRACE_EVENT_CONDITION(vha_kick,
	TP_PROTO(const struct vha_poll *poll),
	TP_ARGS(poll),
	TP_CONDITION(poll == &poll->vq->poll),
	TP_STRUCT__entry(
		__string(type, poll->vq->dev->cfg.name)
		__field(u32, dev)
		__field(u32, vq)
	),
	TP_fast_assign(
		VHA_TP_VQ_ASSIGN(poll->vq);
	),
	TP_printk("%s%u vq %u", __get_str(type), __entry->dev, __entry->vq)
);

TRACE_EVENT(vha_chain,
	TP_PROTO(const struct vha_vq *vq, const struct vha_chain *c),
	TP_ARGS(vq, c),
	TP_STRUCT__entry(
		__string(type, vq->dev->cfg.name)
		__field(u32, dev)
		__field(u32, vq)
		__field(u16, head)
		__field(u16, ndesc)
		__field(u32, out_bytes)
		__field(u32, in_bytes)
	),
	TP_fast_assign(
		VHA_TP_VQ_ASSIGN(vq);
		__entry->head = c->id;
		__entry->ndesc = c->ndesc;
		__entry->out_bytes = c->out_bytes;
		__entry->in_bytes = c->in_bytes;
	),
	TP_printk("%s%u vq %u head %u out %u in %u ndesc %u",
		  __get_str(type), __entry->dev, __entry->vq, __entry->head,
		  __entry->out_bytes, __entry->in_bytes, __entry->ndesc)
);

/* @n entries published; used_idx is the ring's next used index after them. */
TRACE_EVENT(vha_used_push,
	TP_PROTO(const struct vha_vq *vq, unsigned int n),
	TP_ARGS(vq, n),
	TP_STRUCT__entry(
		__string(type, vq->dev->cfg.name)
		__field(u32, dev)
		__field(u32, vq)
		__field(u32, count)
		__field(u16, used_idx)
		__field(bool, wrap)
	),
	TP_fast_assign(
		VHA_TP_VQ_ASSIGN(vq);
		__entry->count = n;
		__entry->used_idx = vq->ring.last_used;
		__entry->wrap = vq->ring.used_wrap;
	),
	TP_printk("%s%u vq %u count %u used_idx %u wrap %d",
		  __get_str(type), __entry->dev, __entry->vq, __entry->count,
		  __entry->used_idx, __entry->wrap)
);

/* The call eventfd was signalled, or the driver asked not to be told. */
TRACE_EVENT(vha_notify,
	TP_PROTO(const struct vha_vq *vq, bool signalled),
	TP_ARGS(vq, signalled),
	TP_STRUCT__entry(
		__string(type, vq->dev->cfg.name)
		__field(u32, dev)
		__field(u32, vq)
		__field(bool, signalled)
	),
	TP_fast_assign(
		VHA_TP_VQ_ASSIGN(vq);
		__entry->signalled = signalled;
	),
	TP_printk("%s%u vq %u %s", __get_str(type), __entry->dev,
		  __entry->vq,
		  __entry->signalled ? "signalled" : "suppressed")
);

/*
 * The queue was stopped for a driver error: the ring parser's reason, or
 * "device" for a rule only the device checks (e.g. a blk chain without a
 * status byte).
 */
TRACE_EVENT(vha_ring_error,
	TP_PROTO(const struct vha_vq *vq),
	TP_ARGS(vq),
	TP_STRUCT__entry(
		__string(type, vq->dev->cfg.name)
		__field(u32, dev)
		__field(u32, vq)
		__string(reason, vha_ring_error(&vq->ring) ?
			 vha_ring_error_name(vha_ring_error(&vq->ring)) :
			 "device")
	),
	TP_fast_assign(
		VHA_TP_VQ_ASSIGN(vq);
		__assign_str(reason, vha_ring_error(&vq->ring) ?
			     vha_ring_error_name(vha_ring_error(&vq->ring)) :
			     "device");
	),
	TP_printk("%s%u vq %u %s", __get_str(type), __entry->dev,
		  __entry->vq, __get_str(reason))
);

/*
 * SET_BACKEND (or vhost-test's RUN) on queue @vq, -1: every queue of the
 * device; @fd the backend's fd (-1: none); @ret its result.
 */
TRACE_EVENT(vha_backend,
	TP_PROTO(const struct vha_dev *d, int vq, bool attach, int fd,
		 int ret),
	TP_ARGS(d, vq, attach, fd, ret),
	TP_STRUCT__entry(
		__string(type, d->cfg.name)
		__field(u32, dev)
		__field(int, vq)
		__field(bool, attach)
		__field(int, fd)
		__field(int, ret)
	),
	TP_fast_assign(
		__assign_str(type, d->cfg.name);
		__entry->dev = d->id;
		__entry->vq = vq;
		__entry->attach = attach;
		__entry->fd = fd;
		__entry->ret = ret;
	),
	TP_printk("%s%u vq %d %s fd %d ret %d", __get_str(type),
		  __entry->dev, __entry->vq,
		  __entry->attach ? "attach" : "detach", __entry->fd,
		  __entry->ret)
);

#endif /* _VHA_CORE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH vhost_core
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
