/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Range-checked module parameters, shared by every module of the project:
 * a value outside [min, max] fails the load (or the write to
 * /sys/module/<m>/parameters/<p>) with -EINVAL and a message naming the
 * parameter and its range.
 */
#ifndef _VHA_PARAM_H
#define _VHA_PARAM_H

#include <linux/moduleparam.h>

/* What a vha_param_uint_ops parameter's arg points to. */
struct vha_param_uint {
	unsigned int *val;
	unsigned int min;
	unsigned int max;
};

extern const struct kernel_param_ops vha_param_uint_ops;

/*
 * Use:
 *	static struct vha_param_uint foo_range = { &foo, 1, 64 };
 *	module_param_cb(foo, &vha_param_uint_ops, &foo_range, 0444);
 */

#endif
