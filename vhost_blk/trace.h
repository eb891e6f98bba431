/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost_blk's tracepoints (system "vha_blk"): a request submitted, a
 * request completed with its latency. The core's events (system "vha")
 * show the ring side. CREATE_TRACE_POINTS is defined in trace.c only.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vha_blk

#if !defined(_VHA_BLK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VHA_BLK_TRACE_H

#include <linux/ktime.h>
#include <linux/tracepoint.h>

#include "vhost_core/dev.h"

/*
 * @type is the header's VIRTIO_BLK_T_*, @len the data bytes, @status
 * VIRTIO_BLK_S_OK unless the request was refused before reaching the
 * backend (it then completes at once with that status).
 */
TRACE_EVENT(vha_blk_submit,
	TP_PROTO(const struct vha_vq *vq, u16 id, u32 type, u64 sector,
		 u64 len, u8 status),
	TP_ARGS(vq, id, type, sector, len, status),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vq)
		__field(u16, id)
		__field(u8, status)
		__field(u32, type)
		__field(u64, sector)
		__field(u64, len)
	),
	TP_fast_assign(
		__entry->dev = vq->dev->id;
		__entry->vq = vq->index;
		__entry->id = id;
		__entry->status = status;
		__entry->type = type;
		__entry->sector = sector;
		__entry->len = len;
	),
	TP_printk("blk%u vq %u id %u type %u sector %llu len %llu status %u",
		  __entry->dev, __entry->vq, __entry->id, __entry->type,
		  __entry->sector, __entry->len, __entry->status)
);

/*
 * The request's status byte is written; @start_ns is when it was
 * submitted (0 if this event was off then: latency 0).
 */
TRACE_EVENT(vha_blk_complete,
	TP_PROTO(const struct vha_vq *vq, u16 id, u8 status, u64 start_ns),
	TP_ARGS(vq, id, status, start_ns),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(u32, vq)
		__field(u16, id)
		__field(u8, status)
		__field(u64, latency_ns)
	),
	TP_fast_assign(
		__entry->dev = vq->dev->id;
		__entry->vq = vq->index;
		__entry->id = id;
		__entry->status = status;
		__entry->latency_ns = start_ns ? ktime_get_ns() - start_ns : 0;
	),
	TP_printk("blk%u vq %u id %u status %u latency_ns %llu",
		  __entry->dev, __entry->vq, __entry->id, __entry->status,
		  __entry->latency_ns)
);

#endif /* _VHA_BLK_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH vhost_blk
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
