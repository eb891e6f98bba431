// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user-blk: serve one disk to QEMU's vhost-user-blk-pci through
 * /dev/vhost-blk. The command line, the listening socket and the loop
 * that serves one front-end connection after another; the protocol is in
 * session.c, vring.c and memory.c.
 *
 *   guest virtio-blk driver
 *     | rings in guest memory (a shared memfd)
 *   QEMU vhost-user-blk-pci --unix socket-- vhost-user-blk (this daemon)
 *     | kick ioeventfds, call irqfds              | ioctls, the same fds
 *     +-------------------------------------> /dev/vhost-blk (vhost_blk)
 *                                                 | direct I/O
 *                                               the disk
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "disk.h"
#include "kdev.h"
#include "log.h"
#include "msg.h"
#include "session.h"

static const char help[] =
"NAME\n"
"    vhost-user-blk - serve a disk to QEMU over vhost-user, through /dev/vhost-blk\n"
"\n"
"SYNOPSIS\n"
"    vhost-user-blk [OPTIONS] --blk-file=DISK --socket-path=SOCKET\n"
"    vhost-user-blk [OPTIONS] DISK SOCKET\n"
"    vhost-user-blk --print-capabilities\n"
"\n"
"DESCRIPTION\n"
"    Listens on the unix socket SOCKET for a vhost-user front-end, such as\n"
"    QEMU's vhost-user-blk-pci device, and serves it DISK, a block device or\n"
"    a regular file, as a virtio-blk device. The daemon only speaks the\n"
"    control protocol: it maps the guest memory the front-end shares and\n"
"    hands the rings, the front-end's kick and call eventfds and DISK to the\n"
"    kernel's /dev/vhost-blk (module vhost_blk), whose workers process the\n"
"    guest's requests; no request passes through the daemon.\n"
"\n"
"    One front-end is served at a time; when it disconnects (or exits, or\n"
"    is killed) the daemon closes its /dev/vhost-blk, which completes the\n"
"    requests in flight and leaves no kernel state behind, and waits for\n"
"    the next connection. A front-end that reconnects (QEMU: -chardev\n"
"    socket,...,reconnect=SECONDS) continues where the rings stopped, also\n"
"    after the daemon was restarted (split rings; QEMU cannot restore a\n"
"    packed ring's position without in-flight tracking). A message that\n"
"    breaks the protocol is reported on stderr and ends its connection.\n"
"\n"
"    Guest memory must be shareable: QEMU -object\n"
"    memory-backend-memfd,id=mem,size=SIZE,share=on -numa node,memdev=mem.\n"
"\n"
"OPTIONS\n"
"    -b, --blk-file=DISK\n"
"        The block device or regular file to serve.\n"
"    -s, --socket-path=SOCKET\n"
"        The unix socket to listen on; a stale socket there is replaced.\n"
"    -r, --read-only\n"
"        Open DISK read-only and offer VIRTIO_BLK_F_RO (no discard, no\n"
"        write zeroes). Needed for a read-only DISK.\n"
"    -S, --serial=ID\n"
"        The serial number the guest reads (VIRTIO_BLK_T_GET_ID), at most\n"
"        20 bytes. Default: empty.\n"
"    -q, --num-queues=N\n"
"        Request queues offered, 1 to 16 (default 1). QEMU's num-queues\n"
"        may not be more.\n"
"    -z, --queue-size=N\n"
"        The largest ring accepted, a power of 2 from 4 to 32768 (default\n"
"        1024); the device's seg_max is at most N - 2.\n"
"    -d, --device=PATH\n"
"        The kernel device (default /dev/vhost-blk).\n"
"    -v, --verbose\n"
"        Say every vhost-user message received.\n"
"    --print-capabilities\n"
"        Print the back-end's capabilities (vhost-user.json) and exit.\n"
"    -h, --help\n"
"        This text.\n"
"\n"
"FEATURES\n"
"    Offered: /dev/vhost-blk's VHOST_GET_FEATURES without\n"
"    VIRTIO_F_ACCESS_PLATFORM, SIZE_MAX and GEOMETRY; DISCARD only if DISK\n"
"    discards, RO only with --read-only; plus VHOST_USER_F_PROTOCOL_FEATURES.\n"
"    Protocol features: MQ, LOG_SHMFD (dirty logging for migration),\n"
"    REPLY_ACK, CONFIG. The configuration space (GET_CONFIG) comes from\n"
"    DISK: capacity, logical block size, topology, discard and write-zeroes\n"
"    limits of include/uapi/linux/vhost_blk.h.\n"
"\n"
"EXAMPLE\n"
"    vhost-user-blk --num-queues=2 --blk-file=/dev/nullb0 \\\n"
"        --socket-path=/run/vub.sock &\n"
"    qemu-system-x86_64 -m 1G -object memory-backend-memfd,id=mem,size=1G,share=on \\\n"
"        -numa node,memdev=mem -chardev socket,id=c0,path=/run/vub.sock,reconnect=1 \\\n"
"        -device vhost-user-blk-pci,chardev=c0,num-queues=2 ...\n"
"\n"
"EXIT STATUS\n"
"    0 after SIGTERM or SIGINT; 1 if DISK, /dev/vhost-blk or SOCKET cannot\n"
"    be set up; 2 on a usage error.\n"
"\n"
"SEE ALSO\n"
"    QEMU's docs/interop/vhost-user.rst; include/uapi/linux/vhost_blk.h.\n";

enum { OPT_CAPS = 256 };

static const struct option long_opts[] = {
	{ "blk-file", required_argument, NULL, 'b' },
	{ "socket-path", required_argument, NULL, 's' },
	{ "read-only", no_argument, NULL, 'r' },
	{ "serial", required_argument, NULL, 'S' },
	{ "num-queues", required_argument, NULL, 'q' },
	{ "queue-size", required_argument, NULL, 'z' },
	{ "device", required_argument, NULL, 'd' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "print-capabilities", no_argument, NULL, OPT_CAPS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage(const char *why)
{
	fprintf(stderr, "vhost-user-blk: %s (--help for help)\n", why);
	return 2;
}

static int number(const char *s, unsigned int min, unsigned int max,
		  unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* One option into @o: 0, 1 (exit 0 now), or 2 (usage error). */
static int apply(int c, struct vub_opts *o)
{
	unsigned int qs;

	switch (c) {
	case 'b':
		o->disk_path = optarg;
		return 0;
	case 's':
		o->socket_path = optarg;
		return 0;
	case 'r':
		o->read_only = true;
		return 0;
	case 'd':
		vub_kdev_path = optarg;
		return 0;
	case 'v':
		vub_verbose = true;
		return 0;
	case 'S':
		if (strlen(optarg) > VIRTIO_BLK_ID_BYTES)
			return usage("--serial: at most 20 bytes");
		o->serial = optarg;
		return 0;
	case 'q':
		if (number(optarg, 1, VHOST_BLK_MAX_QUEUES, &o->num_queues))
			return usage("--num-queues: 1 to 16");
		return 0;
	case 'z':
		if (number(optarg, 4, 32768, &qs) || (qs & (qs - 1)))
			return usage("--queue-size: a power of 2 from 4 to 32768");
		o->queue_size = qs;
		return 0;
	case OPT_CAPS:
		printf("{\n  \"type\": \"block\",\n  \"features\": [\n    \"read-only\",\n    \"blk-file\"\n  ]\n}\n");
		return 1;
	case 'h':
		fputs(help, stdout);
		return 1;
	}
	return usage("unknown option");
}

static int parse(int argc, char **argv, struct vub_opts *o)
{
	int c, ret;

	*o = (struct vub_opts){ .num_queues = 1, .queue_size = 1024 };
	while ((c = getopt_long(argc, argv, "b:s:rS:q:z:d:vh", long_opts,
				NULL)) != -1) {
		ret = apply(c, o);
		if (ret)
			return ret;
	}
	if (!o->disk_path && optind < argc)
		o->disk_path = argv[optind++];
	if (!o->socket_path && optind < argc)
		o->socket_path = argv[optind++];
	if (optind < argc)
		return usage("too many arguments");
	if (!o->disk_path || !o->socket_path)
		return usage("a disk and a socket path are needed");
	return 0;
}

static void on_signal(int sig)
{
	vub_stop = sig;
}

/* No SA_RESTART: a blocking read or poll returns, and the daemon ends. */
static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int listen_on(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		vub_say("%s: socket path too long", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	/* A socket left by an earlier run; never remove anything else. */
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, 1)) {
		vub_say("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A second front-end while one is served: told no by a closed socket. */
static void refuse(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	vub_say("a second front-end connected while one is served: closed");
	close(fd);
}

/* Serve one connection until it ends or the daemon is told to stop. */
static void serve(int lfd, int sock, const struct vub_opts *o,
		  const struct vub_disk *d, uint64_t offered)
{
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
			       { .fd = lfd, .events = POLLIN } };
	struct vub_session s;
	struct vu_msg m;
	int ret = 0;

	vub_session_init(&s, sock, o, d, offered);
	vub_say("front-end connected");
	while (!vub_stop) {
		if (poll(p, 2, -1) < 0)
			continue;	/* EINTR: the loop checks vub_stop */
		/* The current front-end first: it may have just gone. */
		if (p[0].revents) {
			ret = vu_msg_recv(sock, &m);
			if (ret == 0)
				vub_say("front-end disconnected");
			if (ret <= 0 || vub_session_handle(&s, &m))
				break;
		}
		if (p[1].revents)
			refuse(lfd);
	}
	if (vub_stop)
		vub_say("stopping (signal %d)", vub_stop);
	else if (ret)
		vub_say("closing the connection");
	vub_session_end(&s);
}

static void run(int lfd, const struct vub_opts *o, const struct vub_disk *d,
		uint64_t offered)
{
	int sock;

	while (!vub_stop) {
		sock = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (sock < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				vub_say("accept: %s", strerror(errno));
			continue;
		}
		serve(lfd, sock, o, d, offered);
	}
}

int main(int argc, char **argv)
{
	uint64_t kernel, offered;
	struct vub_disk disk;
	struct vub_opts o;
	int ret, lfd;

	ret = parse(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : ret;
	signals();
	if (vub_kdev_features(&kernel) ||
	    vub_disk_open(&disk, o.disk_path, o.read_only))
		return 1;
	offered = vub_disk_features(&disk, kernel);
	lfd = listen_on(o.socket_path);
	if (lfd < 0) {
		vub_disk_close(&disk);
		return 1;
	}
	vub_say("serving %s (%llu sectors of 512 bytes, %s%s, %u queue%s) on %s",
		o.disk_path, (unsigned long long)disk.bytes / 512,
		disk.read_only ? "read-only" : "read-write",
		disk.can_discard ? ", discards" : "", o.num_queues,
		o.num_queues > 1 ? "s" : "", o.socket_path);
	run(lfd, &o, &disk, offered);
	close(lfd);
	unlink(o.socket_path);
	vub_disk_close(&disk);
	return 0;
}
