/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The modules' per-device, per-queue counters in debugfs, for tests:
 * /sys/kernel/debug/vhost-accel/<owner tgid>-<type>-<seq>/{device,vq<N>},
 * "name value" lines (vhost_core/dev_debugfs.c).
 */
#ifndef VHA_VQ_COUNTERS_H
#define VHA_VQ_COUNTERS_H

#include <stddef.h>
#include <sys/types.h>

#define VHA_COUNTERS_ROOT "/sys/kernel/debug/vhost-accel"

/*
 * The directory of @owner's device of @type ("net", "blk", "test") with the
 * highest sequence number, into @dir (a full path): its sequence number,
 * or -1 if there is none.
 */
long vha_counters_dir(pid_t owner, const char *type, char *dir, size_t size);
/* The value of @key in @dir/@file; -1 if the file or the key is missing. */
long long vha_counter(const char *dir, const char *file, const char *key);
/*
 * @key of queue @idx in @owner's newest device of @type; -1 if missing.
 */
long long vha_vq_count(pid_t owner, const char *type, unsigned int idx,
		       const char *key);
/* The same for a text value, into @val: 0, or -1 if missing. */
int vha_counter_text(const char *dir, const char *file, const char *key,
		     char *val, size_t size);

#endif
