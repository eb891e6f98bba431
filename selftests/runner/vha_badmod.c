// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately misbehaving module for the runner's own test: each mode
 * makes one thing go wrong that the test VM runner must turn into a failed
 * run. Never loaded by the suite; selftests/runner/test-runner.sh loads it
 * by hand inside a VM and checks that the run fails for the right reason.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/bug.h>

static char *mode = "none";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "what goes wrong: none, warn, leak, pin (default none)");

static void *leaked;

static int __init vha_badmod_init(void)
{
	if (!strcmp(mode, "warn")) {
		WARN(1, "vha_badmod: deliberate warning\n");
	} else if (!strcmp(mode, "leak")) {
		/* Lost on purpose: the pointer is overwritten, never freed. */
		leaked = kmalloc(1024, GFP_KERNEL);
		leaked = NULL;
	} else if (!strcmp(mode, "pin")) {
		/* A reference that is never put: the module cannot unload. */
		__module_get(THIS_MODULE);
	}
	return 0;
}

static void __exit vha_badmod_exit(void)
{
}

module_init(vha_badmod_init);
module_exit(vha_badmod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhost-accel: misbehaving module for the test runner's self-test");
