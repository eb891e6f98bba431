// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide request counters, read from debugfs as
 * /sys/kernel/debug/vha_blk/stats ("name value" lines).
 */
#include "vhost_core/stats.h"
#include "blk.h"

static atomic64_t counters[VHA_BLK_STAT_COUNT];

static const char *const names[VHA_BLK_STAT_COUNT] = {
	[VHA_BLK_STAT_READS] = "reads",
	[VHA_BLK_STAT_WRITES] = "writes",
	[VHA_BLK_STAT_READ_BYTES] = "read_bytes",
	[VHA_BLK_STAT_WRITE_BYTES] = "write_bytes",
	[VHA_BLK_STAT_FLUSHES] = "flushes",
	[VHA_BLK_STAT_DISCARDS] = "discards",
	[VHA_BLK_STAT_WRITE_ZEROES] = "write_zeroes",
	[VHA_BLK_STAT_GET_IDS] = "get_ids",
	[VHA_BLK_STAT_IOERR] = "ioerr",
	[VHA_BLK_STAT_UNSUPP] = "unsupp",
	[VHA_BLK_STAT_DIRECT] = "direct",
	[VHA_BLK_STAT_BLOCKING] = "blocking",
	[VHA_BLK_STAT_RETRIES] = "retries",
	[VHA_BLK_STAT_BATCHES] = "batches",
	[VHA_BLK_STAT_OPENS] = "opens",
};

static struct vha_stats stats = {
	.names = names,
	.counters = counters,
	.n = VHA_BLK_STAT_COUNT,
};

void vha_blk_stat_add(enum vha_blk_stat stat, u64 n)
{
	vha_stats_add(&stats, stat, n);
}

int vha_blk_stats_init(void)
{
	vha_stats_init(&stats, "vha_blk");
	return 0;
}

void vha_blk_stats_uninit(void)
{
	vha_stats_uninit(&stats);
}
