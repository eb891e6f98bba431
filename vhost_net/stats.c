// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide traffic counters, read from debugfs as
 * /sys/kernel/debug/vha_net/stats ("name value" lines). They let a test
 * prove that packets went through this module and not another vhost_net.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "net.h"

static atomic64_t counters[VHA_NET_STAT_COUNT];
static struct dentry *dir;	/* written at init and exit only */

static const char *const names[VHA_NET_STAT_COUNT] = {
	[VHA_NET_STAT_TX_PACKETS] = "tx_packets",
	[VHA_NET_STAT_TX_BYTES] = "tx_bytes",
	[VHA_NET_STAT_TX_DROPPED] = "tx_dropped",
	[VHA_NET_STAT_TX_BAD_LENGTH] = "tx_bad_length",
	[VHA_NET_STAT_TX_BATCHES] = "tx_batches",
	[VHA_NET_STAT_TX_FRAG_PAGES] = "tx_frag_pages",
	[VHA_NET_STAT_RX_PACKETS] = "rx_packets",
	[VHA_NET_STAT_RX_BYTES] = "rx_bytes",
	[VHA_NET_STAT_RX_DROPPED] = "rx_dropped",
	[VHA_NET_STAT_RX_BUFFERS] = "rx_buffers",
	[VHA_NET_STAT_OPENS] = "opens",
};

void vha_net_stat_add(enum vha_net_stat stat, u64 n)
{
	atomic64_add(n, &counters[stat]);
}

static int stats_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < VHA_NET_STAT_COUNT; i++)
		seq_printf(m, "%s %lld\n", names[i],
			   (long long)atomic64_read(&counters[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Never fails: the counters are a debugging aid, not part of the ABI. */
int vha_net_stats_init(void)
{
	dir = debugfs_create_dir("vha_net", NULL);
	debugfs_create_file("stats", 0400, dir, NULL, &stats_fops);
	return 0;
}

void vha_net_stats_uninit(void)
{
	debugfs_remove_recursive(dir);
}
