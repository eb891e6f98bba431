// SPDX-License-Identifier: GPL-2.0
/* The kernel device of a connection: see kdev.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "uapi/linux/vhost_blk.h"
#include "kdev.h"
#include "log.h"

const char *vub_kdev_path = "/dev/vhost-blk";

int vub_kdev_features(uint64_t *features)
{
	int fd, ret;

	fd = open(vub_kdev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		vub_say("%s: %s (is vhost_blk loaded?)", vub_kdev_path,
			strerror(errno));
		return -1;
	}
	ret = ioctl(fd, VHOST_GET_FEATURES, features);
	if (ret)
		vub_say("%s: VHOST_GET_FEATURES: %s", vub_kdev_path,
			strerror(errno));
	close(fd);
	return ret ? -1 : 0;
}

/*
 * The device's fd gets a number above the connection's socket. If the
 * daemon is killed, the kernel releases its files last-opened-number
 * first (the deferred fputs of an exiting task run in reverse order): the
 * device's release, which completes the requests in flight, thus ends
 * before the front-end sees the socket close. QEMU then reads a used index
 * that counts every request the device took, which is where it restarts
 * the ring when it reconnects (split rings).
 */
static int fd_above(int fd, int above)
{
	int high;

	if (fd > above)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, above + 1);
	close(fd);
	return high;
}

int vub_kdev_open(struct vub_kdev *k, int above, const char *serial)
{
	char id[VIRTIO_BLK_ID_BYTES] = { 0 };

	k->attached = false;
	k->fd = open(vub_kdev_path, O_RDWR | O_CLOEXEC);
	if (k->fd >= 0)
		k->fd = fd_above(k->fd, above);
	if (k->fd < 0) {
		vub_say("%s: %s", vub_kdev_path, strerror(errno));
		return -1;
	}
	/* 20 bytes, NUL-terminated only if shorter (VIRTIO 1.2 5.2.6) */
	memcpy(id, serial, strnlen(serial, sizeof(id)));
	if (vub_kdev_ioctl(k, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER") ||
	    vub_kdev_ioctl(k, VHOST_BLK_SET_SERIAL, id,
			   "VHOST_BLK_SET_SERIAL")) {
		vub_kdev_close(k);
		return -1;
	}
	return 0;
}

void vub_kdev_close(struct vub_kdev *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	k->attached = false;
}

int vub_kdev_ioctl(struct vub_kdev *k, unsigned long req, void *arg,
		   const char *what)
{
	if (ioctl(k->fd, req, arg)) {
		vub_say("%s: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

int vub_kdev_vring_fd(struct vub_kdev *k, unsigned long req,
		      unsigned int index, int fd, const char *what)
{
	struct vhost_vring_file f = { .index = index, .fd = fd };

	return vub_kdev_ioctl(k, req, &f, what);
}

int vub_kdev_attach(struct vub_kdev *k, int disk_fd)
{
	struct vhost_vring_file f = { .fd = disk_fd };

	if (vub_kdev_ioctl(k, VHOST_BLK_SET_BACKEND, &f,
			   "VHOST_BLK_SET_BACKEND"))
		return -1;
	k->attached = true;
	return 0;
}

int vub_kdev_detach(struct vub_kdev *k)
{
	struct vhost_vring_file f = { .fd = -1 };

	if (!k->attached)
		return 0;
	if (vub_kdev_ioctl(k, VHOST_BLK_SET_BACKEND, &f,
			   "VHOST_BLK_SET_BACKEND(-1)"))
		return -1;
	k->attached = false;
	return 0;
}
