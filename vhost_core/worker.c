// SPDX-License-Identifier: GPL-2.0
/*
 * Worker threads. Debian's 6.1 has no vhost_task, so, as 6.1 upstream does,
 * a worker is a kthread that adopts the owner's mm (kthread_use_mm) and is
 * moved into the owner's cgroups (cgroup_attach_task_all) before it runs any
 * device work. Memory the device allocates is charged to the owner's memcg
 * through GFP_KERNEL_ACCOUNT.
 */
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/kcov.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "dev.h"
#include "worker.h"

void vha_work_init(struct vha_work *work, vha_work_fn_t fn)
{
	clear_bit(VHA_WORK_QUEUED, &work->flags);
	work->fn = fn;
}
EXPORT_SYMBOL_GPL(vha_work_init);

/* Run every work item queued so far, in queueing order. */
static void run_batch(struct llist_node *node)
{
	struct vha_work *work, *next;

	node = llist_reverse_order(node);
	/* Clear QUEUED only after the items left the list. */
	smp_wmb();
	llist_for_each_entry_safe(work, next, node, node) {
		clear_bit(VHA_WORK_QUEUED, &work->flags);
		work->fn(work);
		cond_resched();
	}
}

static int worker_fn(void *data)
{
	struct vha_worker *worker = data;
	struct llist_node *node;

	kthread_use_mm(worker->mm);
	for (;;) {
		/* Pairs with the barrier in kthread_stop(). */
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		node = llist_del_all(&worker->work_list);
		if (!node) {
			schedule();
			continue;
		}
		/*
		 * Running before KCOV's remote section, which may allocate.
		 * With CONFIG_KCOV, what the work does is the owner's coverage
		 * (a fuzzer enables KCOV_REMOTE with its common handle).
		 */
		__set_current_state(TASK_RUNNING);
		kcov_remote_start_common(worker->kcov_handle);
		run_batch(node);
		kcov_remote_stop();
	}
	kthread_unuse_mm(worker->mm);
	return 0;
}

/*
 * Queue @work unless it is already queued. Any context (wakeup callbacks run
 * with a wait-queue spinlock held). Returns true if this call queued it.
 */
bool vha_worker_queue(struct vha_worker *worker, struct vha_work *work)
{
	if (test_and_set_bit(VHA_WORK_QUEUED, &work->flags))
		return false;
	/* llist_add() is a full barrier; the worker sees work->fn. */
	llist_add(&work->node, &worker->work_list);
	wake_up_process(worker->task);
	return true;
}

struct flush_work {
	struct vha_work work;
	struct completion done;
};

static void flush_fn(struct vha_work *work)
{
	struct flush_work *fw = container_of(work, struct flush_work, work);

	complete(&fw->done);
}

/* Wait until everything queued to @worker before this call has run. */
void vha_worker_flush(struct vha_worker *worker)
{
	struct flush_work fw;

	init_completion(&fw.done);
	vha_work_init(&fw.work, flush_fn);
	vha_worker_queue(worker, &fw.work);
	wait_for_completion(&fw.done);
}

struct cgroup_work {
	struct vha_work work;
	struct task_struct *owner;
	int ret;
};

static void attach_cgroups_fn(struct vha_work *work)
{
	struct cgroup_work *cw = container_of(work, struct cgroup_work, work);

	cw->ret = cgroup_attach_task_all(cw->owner, current);
}

/* Move the worker into the calling owner's cgroups, from the worker itself. */
static int attach_cgroups(struct vha_worker *worker)
{
	struct cgroup_work cw = { .owner = current };

	vha_work_init(&cw.work, attach_cgroups_fn);
	vha_worker_queue(worker, &cw.work);
	vha_worker_flush(worker);
	return cw.ret;
}

/*
 * Create a worker for @dev, named after the owner, in the owner's mm and
 * cgroups, and register it in dev->workers. Must hold dev->mutex; called by
 * the owner.
 */
int vha_worker_create(struct vha_dev *dev, struct vha_worker **out)
{
	struct vha_worker *worker;
	int ret;

	lockdep_assert_held(&dev->mutex);
	worker = kzalloc(sizeof(*worker), GFP_KERNEL_ACCOUNT);
	if (!worker)
		return -ENOMEM;
	init_llist_head(&worker->work_list);
	worker->mm = dev->mm;
	worker->kcov_handle = kcov_common_handle();
	worker->task = kthread_create(worker_fn, worker, "vhost-%d",
				      current->pid);
	if (IS_ERR(worker->task)) {
		ret = PTR_ERR(worker->task);
		goto err_free;
	}
	get_task_struct(worker->task);
	wake_up_process(worker->task);
	ret = attach_cgroups(worker);
	if (ret)
		goto err_stop;
	ret = xa_alloc(&dev->workers, &worker->id, worker, xa_limit_32b,
		       GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_stop;
	dev->nworkers++;
	pr_debug("worker %u created for dev %p\n", worker->id, dev);
	*out = worker;
	return 0;
err_stop:
	kthread_stop(worker->task);
	put_task_struct(worker->task);
err_free:
	kfree(worker);
	return ret;
}

/*
 * Stop and free a worker no virtqueue uses any more, after running what is
 * still queued. Callers stop every source of new work first. Must hold
 * dev->mutex, or be tearing the device down with no other user left.
 */
void vha_worker_destroy(struct vha_dev *dev, struct vha_worker *worker)
{
	WARN_ON_ONCE(worker->attached);
	xa_erase(&dev->workers, worker->id);
	dev->nworkers--;
	/* A wakeup callback may still hold the pointer under RCU. */
	synchronize_rcu();
	vha_worker_flush(worker);
	kthread_stop(worker->task);
	put_task_struct(worker->task);
	pr_debug("worker %u destroyed for dev %p\n", worker->id, dev);
	kfree(worker);
}
