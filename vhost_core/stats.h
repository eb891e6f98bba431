/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide counters of a device module, read from debugfs as
 * /sys/kernel/debug/<dir>/stats, one "name value" line each. They let a
 * test prove that traffic went through our module and not another one.
 */
#ifndef _VHA_STATS_H
#define _VHA_STATS_H

#include <linux/atomic.h>
#include <linux/types.h>

struct dentry;

/* Set up by the module at init; names and counters have n entries. */
struct vha_stats {
	const char *const *names;
	atomic64_t *counters;
	unsigned int n;
	struct dentry *dir;		/* written at init and exit only */
};

void vha_stats_init(struct vha_stats *s, const char *dirname);
void vha_stats_uninit(struct vha_stats *s);

static inline void vha_stats_add(struct vha_stats *s, unsigned int i, u64 n)
{
	atomic64_add(n, &s->counters[i]);
}

#endif
