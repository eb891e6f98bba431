// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_net: /dev/vhost-net on the vhost-accel core. Module init and exit
 * only; the device is in dev.c, the data path in tx*.c and rx*.c.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "net.h"

static int __init vha_net_mod_init(void)
{
	int ret;

	ret = vha_net_stats_init();
	if (ret)
		return ret;
	ret = vha_net_misc_init();
	if (ret)
		goto err_misc;
	return 0;
err_misc:
	vha_net_stats_uninit();
	return ret;
}

static void __exit vha_net_mod_exit(void)
{
	vha_net_misc_uninit();
	vha_net_stats_uninit();
}

module_init(vha_net_mod_init);
module_exit(vha_net_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhost-accel: host kernel accelerator for virtio net");
MODULE_ALIAS_MISCDEV(VHOST_NET_MINOR);
MODULE_ALIAS("devname:vhost-net");
