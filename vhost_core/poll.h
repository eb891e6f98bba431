/* SPDX-License-Identifier: GPL-2.0 */
/* Watching a file (the kick eventfd, or a device's socket) for readiness. */
#ifndef _VHA_POLL_H
#define _VHA_POLL_H

#include <linux/poll.h>
#include <linux/wait.h>

#include "worker.h"

struct vha_vq;

/*
 * When the file becomes ready with one of @mask, @work is queued to the
 * virtqueue's current worker. Started and stopped under the vq mutex.
 */
struct vha_poll {
	poll_table table;
	wait_queue_head_t *wqh;		/* NULL when not watching */
	wait_queue_entry_t wait;
	struct vha_work work;
	__poll_t mask;
	struct vha_vq *vq;
};

void vha_poll_init(struct vha_poll *poll, vha_work_fn_t fn, __poll_t mask,
		   struct vha_vq *vq);
int vha_poll_start(struct vha_poll *poll, struct file *file);
void vha_poll_stop(struct vha_poll *poll);
void vha_poll_queue(struct vha_poll *poll);

#endif
