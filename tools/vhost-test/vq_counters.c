// SPDX-License-Identifier: GPL-2.0
/* vq_counters: see vq_counters.h. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vq_counters.h"

long vha_counters_dir(pid_t owner, const char *type, char *dir, size_t size)
{
	char prefix[64];
	struct dirent *de;
	long best = -1, seq;
	size_t plen;
	char *end;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "%d-%s-", (int)owner, type);
	plen = strlen(prefix);
	d = opendir(VHA_COUNTERS_ROOT);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, plen))
			continue;
		seq = strtol(de->d_name + plen, &end, 10);
		if (*end || end == de->d_name + plen || seq <= best)
			continue;
		best = seq;
		snprintf(dir, size, "%s/%s", VHA_COUNTERS_ROOT, de->d_name);
	}
	closedir(d);
	return best;
}

int vha_counter_text(const char *dir, const char *file, const char *key,
		     char *val, size_t size)
{
	char path[512], line[256];
	size_t klen = strlen(key);
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ' ')
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(val, size, "%s", line + klen + 1);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

long long vha_counter(const char *dir, const char *file, const char *key)
{
	char val[64], *end;
	long long v;

	if (vha_counter_text(dir, file, key, val, sizeof(val)))
		return -1;
	v = strtoll(val, &end, 0);
	return *end || end == val ? -1 : v;
}

long long vha_vq_count(pid_t owner, const char *type, unsigned int idx,
		       const char *key)
{
	char dir[512], vq[16];

	if (vha_counters_dir(owner, type, dir, sizeof(dir)) <= 0)
		return -1;
	snprintf(vq, sizeof(vq), "vq%u", idx);
	return vha_counter(dir, vq, key);
}
