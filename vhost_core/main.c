// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_accel: the vhost core (and vringh) that device modules build on.
 * This file holds only module init/exit and the module parameters.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "dev.h"
#include "memtable.h"
#include "param.h"

unsigned int vha_max_mem_regions = 64;

static struct vha_param_uint max_mem_regions_range = {
	.val = &vha_max_mem_regions, .min = 1, .max = 65536,
};
module_param_cb(max_mem_regions, &vha_param_uint_ops, &max_mem_regions_range,
		0444);
MODULE_PARM_DESC(max_mem_regions,
		 "Memory regions a device's memory table may hold (VHOST_SET_MEM_TABLE); unit: regions, range 1-65536, default 64, read-only");

static int __init vha_core_init(void)
{
	vha_debugfs_init();
	pr_debug("loaded\n");
	return 0;
}

static void __exit vha_core_exit(void)
{
	vha_debugfs_exit();
	pr_debug("unloaded\n");
}

module_init(vha_core_init);
module_exit(vha_core_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhost-accel core: in-kernel virtio device framework");
