// SPDX-License-Identifier: GPL-2.0
/*
 * Range-checked uint module parameters (see param.h). The set operation
 * runs at module load, before the module's init, and on writes to a
 * writable parameter's sysfs file, under the kernel's parameter lock.
 */
#include <linux/kernel.h>
#include <linux/module.h>

#include "param.h"

static int set_uint(const char *val, const struct kernel_param *kp)
{
	const struct vha_param_uint *p = kp->arg;
	const char *mod = kp->mod ? module_name(kp->mod) : "?";
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n < p->min || n > p->max) {
		pr_err("%s.%s: '%s' rejected: an integer in %u-%u is needed\n",
		       mod, kp->name, val, p->min, p->max);
		return -EINVAL;
	}
	WRITE_ONCE(*p->val, n);
	return 0;
}

static int get_uint(char *buf, const struct kernel_param *kp)
{
	const struct vha_param_uint *p = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%u\n", READ_ONCE(*p->val));
}

const struct kernel_param_ops vha_param_uint_ops = {
	.set = set_uint,
	.get = get_uint,
};
EXPORT_SYMBOL_GPL(vha_param_uint_ops);
