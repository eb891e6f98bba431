// SPDX-License-Identifier: GPL-2.0
/* Module-wide counters in debugfs (see stats.h). */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "stats.h"

static int stats_show(struct seq_file *m, void *v)
{
	const struct vha_stats *s = m->private;
	unsigned int i;

	for (i = 0; i < s->n; i++)
		seq_printf(m, "%s %lld\n", s->names[i],
			   (long long)atomic64_read(&s->counters[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Never fails: the counters are a debugging aid, not part of the ABI. */
void vha_stats_init(struct vha_stats *s, const char *dirname)
{
	s->dir = debugfs_create_dir(dirname, NULL);
	debugfs_create_file("stats", 0400, s->dir, s, &stats_fops);
}
EXPORT_SYMBOL_GPL(vha_stats_init);

void vha_stats_uninit(struct vha_stats *s)
{
	debugfs_remove_recursive(s->dir);
	s->dir = NULL;
}
EXPORT_SYMBOL_GPL(vha_stats_uninit);
