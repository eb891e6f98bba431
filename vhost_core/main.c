// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_accel: the vhost core (and vringh) that device modules build on.
 * This file holds only module init/exit and the module parameters.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "memtable.h"

unsigned int vha_max_mem_regions = 64;

static int set_max_mem_regions(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < 1 || n > 65536)
		return -EINVAL;
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops max_mem_regions_ops = {
	.set = set_max_mem_regions,
	.get = param_get_uint,
};

module_param_cb(max_mem_regions, &max_mem_regions_ops, &vha_max_mem_regions,
		0444);
MODULE_PARM_DESC(max_mem_regions,
		 "Maximum number of memory regions in a memory table (default 64, range 1-65536)");

static int __init vha_core_init(void)
{
	pr_debug("loaded\n");
	return 0;
}

static void __exit vha_core_exit(void)
{
	pr_debug("unloaded\n");
}

module_init(vha_core_init);
module_exit(vha_core_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhost-accel core: in-kernel virtio device framework");
