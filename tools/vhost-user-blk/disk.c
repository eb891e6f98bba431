// SPDX-License-Identifier: GPL-2.0
/* The disk served: see disk.h. */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/virtio_config.h>

#include "uapi/linux/vhost_blk.h"
#include "disk.h"
#include "log.h"

enum { SECTOR = 512 };

/* A number from a sysfs file of the disk (@rel below its /sys/dev entry). */
static int sysfs_u64(dev_t rdev, const char *rel, unsigned long long *v)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", major(rdev),
		 minor(rdev), rel);
	f = fopen(path, "re");
	if (!f)
		return -1;
	ret = fscanf(f, "%llu", v) == 1 ? 0 : -1;
	fclose(f);
	return ret;
}

/* A block device discards if its queue says so (a partition: its disk's). */
static bool bdev_discards(dev_t rdev)
{
	unsigned long long max;

	if (sysfs_u64(rdev, "queue/discard_max_bytes", &max) &&
	    sysfs_u64(rdev, "../queue/discard_max_bytes", &max))
		return false;
	return max > 0;
}

static int probe_bdev(struct vub_disk *d)
{
	unsigned int pbs = 0, io_min = 0, io_opt = 0;
	int lbs = 0, align = 0, ro = 0;
	struct stat st;

	if (fstat(d->fd, &st) || ioctl(d->fd, BLKGETSIZE64, &d->bytes) ||
	    ioctl(d->fd, BLKSSZGET, &lbs) || ioctl(d->fd, BLKROGET, &ro)) {
		vub_say("%s: %s", d->path, strerror(errno));
		return -1;
	}
	/* Optional hints: a device that does not know them leaves 0. */
	ioctl(d->fd, BLKPBSZGET, &pbs);
	ioctl(d->fd, BLKIOMIN, &io_min);
	ioctl(d->fd, BLKIOOPT, &io_opt);
	ioctl(d->fd, BLKALIGNOFF, &align);
	if (lbs < SECTOR || lbs & (lbs - 1)) {
		vub_say("%s: logical block size %d not supported", d->path,
			lbs);
		return -1;
	}
	if (ro && !d->read_only) {
		vub_say("%s: the device is read-only: use --read-only",
			d->path);
		return -1;
	}
	d->lbs = lbs;
	d->pbs = pbs;
	d->io_min = io_min;
	d->io_opt = io_opt;
	d->align_off = align > 0 ? align : 0;
	d->can_discard = !d->read_only && bdev_discards(st.st_rdev);
	return 0;
}

/*
 * A regular file: 512-byte blocks. It discards if its file system
 * punches holes, which a punch past its end (a no-op) shows without
 * touching its data.
 */
static int probe_file(struct vub_disk *d, const struct stat *st)
{
	d->bytes = st->st_size;
	d->lbs = SECTOR;
	d->can_discard = !d->read_only &&
			 !fallocate(d->fd, FALLOC_FL_PUNCH_HOLE |
					   FALLOC_FL_KEEP_SIZE,
				    st->st_size, 4096);
	return 0;
}

int vub_disk_open(struct vub_disk *d, const char *path, bool read_only)
{
	struct stat st;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->read_only = read_only;
	d->fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0) {
		vub_say("%s: %s%s", path, strerror(errno),
			errno == EROFS || errno == EACCES ?
			" (--read-only serves it read-only)" : "");
		return -1;
	}
	if (fstat(d->fd, &st)) {
		vub_say("%s: %s", path, strerror(errno));
		goto err;
	}
	if (S_ISBLK(st.st_mode))
		d->is_bdev = true;
	else if (!S_ISREG(st.st_mode)) {
		vub_say("%s: neither a block device nor a regular file", path);
		goto err;
	}
	if (d->is_bdev ? probe_bdev(d) : probe_file(d, &st))
		goto err;
	d->bytes -= d->bytes % SECTOR;
	if (!d->bytes) {
		vub_say("%s: smaller than one sector", path);
		goto err;
	}
	return 0;
err:
	close(d->fd);
	d->fd = -1;
	return -1;
}

void vub_disk_close(struct vub_disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static unsigned int log2_of(uint32_t v)
{
	unsigned int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/* VIRTIO_BLK_F_TOPOLOGY's fields, in logical blocks. */
static void topology(const struct vub_disk *d, struct virtio_blk_config *c)
{
	uint32_t min = d->io_min / d->lbs;

	if (d->pbs > d->lbs && !(d->pbs & (d->pbs - 1)))
		c->physical_block_exp = log2_of(d->pbs / d->lbs);
	c->alignment_offset = d->align_off / d->lbs;
	c->min_io_size = htole16(min > UINT16_MAX ? UINT16_MAX : min);
	c->opt_io_size = htole32(d->io_opt / d->lbs);
}

void vub_disk_config(const struct vub_disk *d, unsigned int num_queues,
		     unsigned int queue_size, struct virtio_blk_config *cfg)
{
	uint32_t seg_max = VHOST_BLK_SEG_MAX;

	/* A request takes seg_max + 2 descriptors (header and status). */
	if (queue_size - 2 < seg_max)
		seg_max = queue_size - 2;
	memset(cfg, 0, sizeof(*cfg));
	cfg->capacity = htole64(d->bytes / SECTOR);
	cfg->seg_max = htole32(seg_max);
	cfg->blk_size = htole32(d->lbs);
	topology(d, cfg);
	cfg->num_queues = htole16(num_queues);
	cfg->max_discard_sectors = htole32(VHOST_BLK_MAX_DISCARD_SECTORS);
	cfg->max_discard_seg = htole32(VHOST_BLK_MAX_DISCARD_SEG);
	cfg->discard_sector_alignment = htole32(d->lbs / SECTOR);
	cfg->max_write_zeroes_sectors =
		htole32(VHOST_BLK_MAX_WRITE_ZEROES_SECTORS);
	cfg->max_write_zeroes_seg = htole32(VHOST_BLK_MAX_WRITE_ZEROES_SEG);
	cfg->write_zeroes_may_unmap = d->can_discard;
}

/*
 * The kernel device's features, less what this daemon cannot stand
 * behind: ACCESS_PLATFORM (its IOTLB would need the vhost-user IOTLB
 * messages and a back-end channel, not implemented), SIZE_MAX and
 * GEOMETRY (the ABI gives no values for them; without SIZE_MAX the guest
 * assumes no segment limit, which the device has not), DISCARD where the
 * disk cannot, RO unless read-only, and DISCARD and WRITE_ZEROES on a
 * read-only disk.
 */
uint64_t vub_disk_features(const struct vub_disk *d, uint64_t kernel)
{
	uint64_t f = kernel;

	f &= ~(1ULL << VIRTIO_F_ACCESS_PLATFORM | 1ULL << VIRTIO_BLK_F_SIZE_MAX |
	       1ULL << VIRTIO_BLK_F_GEOMETRY);
	if (!d->can_discard)
		f &= ~(1ULL << VIRTIO_BLK_F_DISCARD);
	if (d->read_only)
		f &= ~(1ULL << VIRTIO_BLK_F_DISCARD |
		       1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	else
		f &= ~(1ULL << VIRTIO_BLK_F_RO);
	return f;
}
