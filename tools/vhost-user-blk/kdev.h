/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side of one connection: a /dev/vhost-blk opened at the
 * front-end's SET_OWNER and closed when the connection ends. Closing it is
 * what undoes everything: the kernel completes every request in flight
 * (into guest memory, which the daemon keeps mapped until then), stops
 * its workers and drops the eventfds and the disk.
 *
 * The backend (VHOST_BLK_SET_BACKEND) is device-wide: attaching starts
 * every queue that has a kick eventfd, detaching stops them all after the
 * requests in flight completed.
 */
#ifndef VUB_KDEV_H
#define VUB_KDEV_H

#include <stdbool.h>
#include <stdint.h>

struct vub_kdev {
	int fd;				/* -1: not open */
	bool attached;			/* the disk is the backend */
};

extern const char *vub_kdev_path;	/* default /dev/vhost-blk */

/* The kernel device's VHOST_GET_FEATURES, from a short-lived open. */
int vub_kdev_features(uint64_t *features);

/*
 * Open and own a device, its fd numbered above @above (see kdev.c), and
 * set its serial: 0 or -1 (said why).
 */
int vub_kdev_open(struct vub_kdev *k, int above, const char *serial);
void vub_kdev_close(struct vub_kdev *k);

/* An ioctl, its failure said with @what: 0 or -1. */
int vub_kdev_ioctl(struct vub_kdev *k, unsigned long req, void *arg,
		   const char *what);

/* VHOST_SET_VRING_KICK/CALL/ERR of ring @index to @fd (-1: none). */
int vub_kdev_vring_fd(struct vub_kdev *k, unsigned long req,
		      unsigned int index, int fd, const char *what);

int vub_kdev_attach(struct vub_kdev *k, int disk_fd);
int vub_kdev_detach(struct vub_kdev *k);

#endif
