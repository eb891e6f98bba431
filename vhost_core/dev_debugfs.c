// SPDX-License-Identifier: GPL-2.0
/*
 * Every owned device's counters in debugfs, for vhost-top and for people:
 *
 *   /sys/kernel/debug/vhost-accel/<owner tgid>-<type>-<seq>/device
 *                                                          /vq0, vq1, ...
 *
 * made at SET_OWNER, removed at RESET_OWNER and release; <seq> counts the
 * owners taken since the module loaded, so a name is never reused, and
 * the counters start at zero with each owner. "device" says type, owner,
 * comm, seq, nvqs and the acked features; each vq<N> is one "name value"
 * line per counter of vq_stats.h, in a fixed order. Root
 * only, read-only. Reading a queue takes its mutex for a consistent view
 * (a data-path run holds it at most one weight's worth of work). Nothing
 * here can fail a device: without debugfs the files are not there.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "dev.h"

static struct dentry *vha_debugfs_root;	/* module init and exit only */
static atomic_t vha_debugfs_seq = ATOMIC_INIT(0);

/* vringh's reasons (enum vha_ring_error) as counters: "err_<name>". */
static const char *const err_names[VHA_ERR_COUNT] = {
	[VHA_ERR_CONFIG] = "config",
	[VHA_ERR_ALIGN] = "align",
	[VHA_ERR_RING_ACCESS] = "ring_access",
	[VHA_ERR_AVAIL_IDX] = "avail_idx",
	[VHA_ERR_HEAD_RANGE] = "head_range",
	[VHA_ERR_NEXT_RANGE] = "next_range",
	[VHA_ERR_CHAIN_LOOP] = "chain_loop",
	[VHA_ERR_CHAIN_BYTES] = "chain_bytes",
	[VHA_ERR_INDIRECT_FEATURE] = "indirect_feature",
	[VHA_ERR_INDIRECT_LEN] = "indirect_len",
	[VHA_ERR_INDIRECT_NESTED] = "indirect_nested",
	[VHA_ERR_INDIRECT_NEXT] = "indirect_next",
	[VHA_ERR_WRITE_ORDER] = "write_order",
	[VHA_ERR_ZERO_LEN] = "zero_len",
	[VHA_ERR_ADDR_OVERFLOW] = "addr_overflow",
	[VHA_ERR_ADDR_UNMAPPED] = "addr_unmapped",
	[VHA_ERR_IOV_FULL] = "iov_full",
	[VHA_ERR_WRAP] = "wrap",
	[VHA_ERR_ID_RANGE] = "id_range",
	[VHA_ERR_USED] = "used",
};

static const char *const batch_names[VHA_VQ_BATCH_BUCKETS] = {
	"batch_1", "batch_2_3", "batch_4_7", "batch_8_15", "batch_16_31",
	"batch_32_up",
};

static void put(struct seq_file *m, const char *name, u64 val)
{
	seq_printf(m, "%s %llu\n", name, val);
}

/* The queue's worker: id, pid and CPU time so far; -1 without one. */
static void show_worker(struct seq_file *m, struct vha_vq *vq)
{
	struct vha_worker *worker;

	worker = rcu_dereference_protected(vq->worker,
					   lockdep_is_held(&vq->mutex));
	if (!worker) {
		seq_puts(m, "worker -1\nworker_pid -1\nworker_cpu_ns 0\n");
		return;
	}
	put(m, "worker", worker->id);
	seq_printf(m, "worker_pid %d\n", task_pid_nr(worker->task));
	put(m, "worker_cpu_ns", READ_ONCE(worker->task->se.sum_exec_runtime));
}

static int vq_show(struct seq_file *m, void *v)
{
	struct vha_vq *vq = m->private;
	const struct vha_vq_stats *s = &vq->stats;
	unsigned int i;

	if (mutex_lock_interruptible(&vq->mutex))
		return -EINTR;
	put(m, "kicks", atomic64_read(&s->kicks));
	put(m, "notifications", s->notifications);
	put(m, "notifications_suppressed", s->notifications_suppressed);
	put(m, "chains", s->chains);
	put(m, "packets", s->packets);
	put(m, "bytes", s->bytes);
	put(m, "batches", s->batches);
	for (i = 0; i < VHA_VQ_BATCH_BUCKETS; i++)
		put(m, batch_names[i], s->batch[i]);
	put(m, "busypoll_spins", s->busypoll_spins);
	put(m, "busypoll_hits", s->busypoll_hits);
	put(m, "inflight", vq->dev->cfg.inflight ?
	    vq->dev->cfg.inflight(vq) : 0);
	put(m, "errors", s->errors);
	for (i = 0; i < VHA_ERR_COUNT; i++)
		if (err_names[i])
			seq_printf(m, "err_%s %llu\n", err_names[i],
				   s->err_ring[i]);
	put(m, "err_backend", s->err_backend);
	put(m, "dropped", s->dropped);
	put(m, "broken", s->broken);
	show_worker(m, vq);
	mutex_unlock(&vq->mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vq);

/* Owner fields are set before the directory exists and kept until gone. */
static int device_show(struct seq_file *m, void *v)
{
	struct vha_dev *dev = m->private;
	struct vha_vq *vq0 = dev->vqs[0];
	u64 features;

	if (mutex_lock_interruptible(&vq0->mutex))
		return -EINTR;
	features = vq0->acked_features;
	mutex_unlock(&vq0->mutex);
	seq_printf(m, "type %s\nowner %d\ncomm %s\nseq %u\nnvqs %u\n",
		   dev->cfg.name, dev->owner_tgid, dev->owner_comm,
		   dev->debugfs_seq, dev->nvqs);
	seq_printf(m, "features %#llx\n", features);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(device);

void vha_debugfs_init(void)
{
	vha_debugfs_root = debugfs_create_dir("vhost-accel", NULL);
}

void vha_debugfs_exit(void)
{
	debugfs_remove_recursive(vha_debugfs_root);
}

/*
 * At SET_OWNER, by the new owner: a new directory, counters from zero.
 * Hold dev->mutex.
 */
void vha_dev_debugfs_add(struct vha_dev *dev)
{
	char name[48];
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		memset(&dev->vqs[i]->stats, 0, sizeof(dev->vqs[i]->stats));
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	dev->owner_tgid = task_tgid_nr(current);
	get_task_comm(dev->owner_comm, current);
	dev->debugfs_seq = atomic_inc_return(&vha_debugfs_seq);
	snprintf(name, sizeof(name), "%d-%s-%u", dev->owner_tgid,
		 dev->cfg.name, dev->debugfs_seq);
	dev->debugfs = debugfs_create_dir(name, vha_debugfs_root);
	debugfs_create_file("device", 0400, dev->debugfs, dev, &device_fops);
	for (i = 0; i < dev->nvqs; i++) {
		snprintf(name, sizeof(name), "vq%u", i);
		debugfs_create_file(name, 0400, dev->debugfs, dev->vqs[i],
				    &vq_fops);
	}
}

/*
 * At RESET_OWNER and release. Hold dev->mutex but no vq mutex: removal
 * waits for readers, which take a vq mutex.
 */
void vha_dev_debugfs_remove(struct vha_dev *dev)
{
	lockdep_assert_held(&dev->mutex);
	debugfs_remove_recursive(dev->debugfs);
	dev->debugfs = NULL;
}
