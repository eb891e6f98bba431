// SPDX-License-Identifier: GPL-2.0
/*
 * File readiness -> work. The wait entry sits on the file's wait queue; its
 * callback runs in the waker's context with the wait-queue lock held and
 * only queues work.
 */
#include <linux/file.h>

#include "dev.h"
#include "poll.h"
#include "trace.h"

static int wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
		  void *key)
{
	struct vha_poll *poll = container_of(wait, struct vha_poll, wait);

	if (!(key_to_poll(key) & poll->mask))
		return 0;
	trace_vha_kick(poll);
	if (poll == &poll->vq->poll)
		atomic64_inc(&poll->vq->stats.kicks);
	vha_poll_queue(poll);
	return 0;
}

static void add_to_queue(struct file *file, wait_queue_head_t *wqh,
			 poll_table *pt)
{
	struct vha_poll *poll = container_of(pt, struct vha_poll, table);

	poll->wqh = wqh;
	add_wait_queue(wqh, &poll->wait);
}

void vha_poll_init(struct vha_poll *poll, vha_work_fn_t fn, __poll_t mask,
		   struct vha_vq *vq)
{
	init_waitqueue_func_entry(&poll->wait, wakeup);
	init_poll_funcptr(&poll->table, add_to_queue);
	vha_work_init(&poll->work, fn);
	poll->mask = mask;
	poll->vq = vq;
	poll->wqh = NULL;
}
EXPORT_SYMBOL_GPL(vha_poll_init);

/* Queue the poll's work to its virtqueue's worker, if it has one. */
void vha_poll_queue(struct vha_poll *poll)
{
	vha_vq_queue_work(poll->vq, &poll->work);
}
EXPORT_SYMBOL_GPL(vha_poll_queue);

/*
 * Start watching @file; if it is ready already, queue the work now.
 * Returns 0, or -EINVAL if the file reported an error.
 */
int vha_poll_start(struct vha_poll *poll, struct file *file)
{
	__poll_t mask;

	if (poll->wqh)
		return 0;
	mask = vfs_poll(file, &poll->table);
	if (mask)
		wakeup(&poll->wait, 0, 0, poll_to_key(mask));
	if (mask & EPOLLERR) {
		vha_poll_stop(poll);
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vha_poll_start);

/* Stop watching. Work already queued may still run: flush to wait for it. */
void vha_poll_stop(struct vha_poll *poll)
{
	if (poll->wqh) {
		remove_wait_queue(poll->wqh, &poll->wait);
		poll->wqh = NULL;
	}
}
EXPORT_SYMBOL_GPL(vha_poll_stop);
