// SPDX-License-Identifier: GPL-2.0
/* core_lib: see core_lib.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "uapi/linux/vhost_accel.h"
#include "core_lib.h"

const char *core_dev_path = "/dev/vhost-test";
const uint64_t base_features = 1ULL << VIRTIO_F_VERSION_1;
static int tap_n, tap_fail;

void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_fail++;
}

/* An ioctl that must fail with @err. */
void expect_err(int fd, unsigned long req, void *arg, int err,
		const char *what)
{
	int r = ioctl(fd, req, arg), e = errno;

	tap(r == -1 && e == err, "%s -> %s (got %d/%s)", what, strerror(err),
	    r, r ? strerror(e) : "success");
}

void expect_ok(int fd, unsigned long req, void *arg, const char *what)
{
	int r = ioctl(fd, req, arg), e = errno;

	tap(r == 0, "%s succeeds (got %s)", what, r ? strerror(e) : "0");
}

int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_fail ? 1 : 0;
}

int open_dev(void)
{
	int fd = open(core_dev_path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("Bail out! open %s: %s\n", core_dev_path,
		       strerror(errno));
		exit(1);
	}
	return fd;
}

void setup(struct vha_vt *t, uint64_t features, bool packed)
{
	struct vha_vt_ring ring = { .num = 64, .packed = packed };
	int ret;

	ret = vha_vt_open(t, core_dev_path, 0x100000, 4 << 20);
	if (!ret)
		ret = vha_vt_set_features(t, features |
					  (packed ? 1ULL << VIRTIO_F_RING_PACKED : 0));
	if (!ret)
		ret = vha_vt_vq_setup(t, 0, &ring);
	if (ret) {
		printf("Bail out! %s: %s\n", __func__, strerror(-ret));
		exit(1);
	}
}

int test_run(struct vha_vt *t, int on)
{
	return ioctl(t->fd, VHOST_TEST_RUN, &on) ? -errno : 0;
}

int echo_bufs_at(struct vha_vt *t, unsigned int q, unsigned int n,
		 uint64_t iova_off)
{
	struct vha_drv *d = &t->vq[q].drv;
	uint64_t buf;
	unsigned int done = 0, i, count;
	struct vha_drv_buf out, in;
	uint32_t len;
	uint16_t id;
	int ret, idle = 0;

	if (vha_vt_alloc(t, 2 * 256, 64, &buf))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		out = (struct vha_drv_buf){ buf + iova_off, 128 };
		in = (struct vha_drv_buf){ buf + iova_off + 256, 128 };
		memset(vha_vt_ptr(t, buf, 128), 'a' + i % 26, 128);
		memset(vha_vt_ptr(t, buf + 256, 128), 0, 128);
		ret = vha_drv_add(d, &out, 1, &in, 1, false, &id);
		if (ret)
			return ret;
		vha_drv_publish(d);
		vha_vt_kick(t, q);
		for (;;) {
			ret = vha_drv_get_used(d, &id, &len, &count);
			if (ret < 0)
				return ret;
			if (ret)
				break;
			ret = vha_vt_wait(t, q, 200);
			if (ret < 0)
				return ret;
			if (!ret && ++idle > 25)
				return done;
		}
		if (len != 128 || memcmp(vha_vt_ptr(t, buf, 128),
					 vha_vt_ptr(t, buf + 256, 128), 128))
			return -EILSEQ;
		done++;
	}
	return done;
}

int echo_bufs(struct vha_vt *t, unsigned int q, unsigned int n)
{
	return echo_bufs_at(t, q, n, 0);
}

int iotlb_write(int fd, uint32_t type, uint64_t iova, uint64_t size,
		uint64_t uaddr, uint8_t perm)
{
	struct vhost_msg_v2 m = { .type = VHOST_IOTLB_MSG_V2 };

	m.iotlb = (struct vhost_iotlb_msg){ iova, size, uaddr, perm, type };
	return write(fd, &m, sizeof(m)) == sizeof(m) ? 0 : -errno;
}
