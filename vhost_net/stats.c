// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide traffic counters, read from debugfs as
 * /sys/kernel/debug/vha_net/stats ("name value" lines). They let a test
 * prove that packets went through this module and not another vhost_net.
 */
#include "vhost_core/stats.h"
#include "net.h"

static atomic64_t counters[VHA_NET_STAT_COUNT];

static const char *const names[VHA_NET_STAT_COUNT] = {
	[VHA_NET_STAT_TX_PACKETS] = "tx_packets",
	[VHA_NET_STAT_TX_BYTES] = "tx_bytes",
	[VHA_NET_STAT_TX_DROPPED] = "tx_dropped",
	[VHA_NET_STAT_TX_BAD_LENGTH] = "tx_bad_length",
	[VHA_NET_STAT_TX_BAD_HEADER] = "tx_bad_header",
	[VHA_NET_STAT_TX_BATCHES] = "tx_batches",
	[VHA_NET_STAT_TX_FRAG_PAGES] = "tx_frag_pages",
	[VHA_NET_STAT_RX_PACKETS] = "rx_packets",
	[VHA_NET_STAT_RX_BYTES] = "rx_bytes",
	[VHA_NET_STAT_RX_DROPPED] = "rx_dropped",
	[VHA_NET_STAT_RX_BUFFERS] = "rx_buffers",
	[VHA_NET_STAT_OPENS] = "opens",
};

static struct vha_stats stats = {
	.names = names,
	.counters = counters,
	.n = VHA_NET_STAT_COUNT,
};

void vha_net_stat_add(enum vha_net_stat stat, u64 n)
{
	vha_stats_add(&stats, stat, n);
}

int vha_net_stats_init(void)
{
	vha_stats_init(&stats, "vha_net");
	return 0;
}

void vha_net_stats_uninit(void)
{
	vha_stats_uninit(&stats);
}
