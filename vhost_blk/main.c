// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_blk: /dev/vhost-blk on the vhost-accel core. Module init and exit
 * and the module parameters only; the device is in dev.c, the data path
 * in queue.c, request.c and io.c.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "blk.h"

/* Blocking parts of requests: flush, discard, buffered I/O, retries. */
struct workqueue_struct *vha_blk_wq;

bool vha_blk_worker_per_queue = true;
module_param_named(worker_per_queue, vha_blk_worker_per_queue, bool, 0644);
MODULE_PARM_DESC(worker_per_queue,
		 "Give each queue of a VIRTIO_BLK_F_MQ device a worker thread of its own when the backend is attached; unit: bool, range Y/N (also 1/0), default Y, writable (applies to the next attach)");

static int __init vha_blk_mod_init(void)
{
	int ret;

	vha_blk_wq = alloc_workqueue("vhost-blk", WQ_UNBOUND, 0);
	if (!vha_blk_wq)
		return -ENOMEM;
	ret = vha_blk_stats_init();
	if (ret)
		goto err_stats;
	ret = vha_blk_misc_init();
	if (ret)
		goto err_misc;
	return 0;
err_misc:
	vha_blk_stats_uninit();
err_stats:
	destroy_workqueue(vha_blk_wq);
	return ret;
}

static void __exit vha_blk_mod_exit(void)
{
	vha_blk_misc_uninit();
	vha_blk_stats_uninit();
	destroy_workqueue(vha_blk_wq);
}

module_init(vha_blk_mod_init);
module_exit(vha_blk_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhost-accel: host kernel accelerator for virtio blk");
MODULE_ALIAS_MISCDEV(VHA_BLK_MINOR);
MODULE_ALIAS("devname:vhost-blk");
