// SPDX-License-Identifier: GPL-2.0
/*
 * vha-vub-hostile SOCKET: a hostile vhost-user front-end against the
 * vhost-user-blk daemon listening on SOCKET (tools/vhost-user-blk). Each
 * case opens a connection and sends what a broken or malicious VMM might:
 * sizes, indexes and fd counts out of range, requests out of order, memory
 * that does not hold what it claims, rings outside guest memory. The
 * daemon must close that connection (saying why on its stderr, which the
 * calling script checks) and accept the next one; a few cases check what
 * must keep working (REPLY_ACK answers, a refused SET_CONFIG, a ring
 * brought up and stopped by hand). Prints TAP.
 *
 * The memory the cases give the daemon is a memfd of MEM bytes mapped here
 * too; its "guest-physical" address is 0 and its front-end address this
 * process's mapping, as QEMU would send them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "proto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
	MEM = 1 << 20,
	NUM = 8,			/* ring size of the cases */
	DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000,
	TIMEOUT_MS = 5000,
};

static const char *sock_path;
static uint8_t *mem;
static int memfd = -1;
static int tap_n, tap_failed;

static void result(bool ok, const char *desc)
{
	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", tap_n, desc);
	fflush(stdout);
}

static int vconnect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("vha-vub-hostile: connect");
		exit(1);
	}
	return fd;
}

/* Send a message; the header's size is @size whatever @len says. */
static int send_raw(int fd, uint32_t req, uint32_t flags, uint32_t size,
		    const void *p, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct vu_hdr h = { .request = req, .flags = flags, .size = size };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)p, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	struct cmsghdr *c;

	if (nfds) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int send_msg(int fd, uint32_t req, const void *p, uint32_t len,
		    const int *fds, int nfds)
{
	return send_raw(fd, req, VU_VERSION, len, p, len, fds, nfds);
}

/* Read a reply: 1, 0 if the daemon closed, -1 on a timeout or error. */
static int recv_reply(int fd, uint32_t req, void *p, uint32_t len)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	struct vu_hdr h;
	ssize_t n;

	if (poll(&pf, 1, TIMEOUT_MS) != 1)
		return -1;
	n = recv(fd, &h, sizeof(h), MSG_WAITALL);
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return 0;
	if (n != sizeof(h) || h.request != req ||
	    h.flags != (VU_VERSION | VU_FLAG_REPLY) || h.size != len)
		return -1;
	return recv(fd, p, len, MSG_WAITALL) == (ssize_t)len ? 1 : -1;
}

/* A request with need_reply: the REPLY_ACK value, or -1. */
static int64_t acked(int fd, uint32_t req, const void *p, uint32_t len,
		     const int *fds, int nfds)
{
	uint64_t ack;

	if (send_raw(fd, req, VU_VERSION | VU_FLAG_NEED_REPLY, len, p, len,
		     fds, nfds) ||
	    recv_reply(fd, req, &ack, sizeof(ack)) != 1)
		return -1;
	return ack;
}

/* The daemon closes the connection within the timeout. */
static bool closes(int fd)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	char c;
	ssize_t n;

	while (poll(&pf, 1, TIMEOUT_MS) == 1) {
		n = recv(fd, &c, 1, 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0)
			return false;
		/* an ack or reply before closing: read on */
	}
	return false;
}

static uint64_t u64_req(int fd, uint32_t req)
{
	uint64_t v = 0;

	if (send_msg(fd, req, NULL, 0, NULL, 0) ||
	    recv_reply(fd, req, &v, sizeof(v)) != 1)
		return 0;
	return v;
}

/* Protocol features @pf (REPLY_ACK among them), then SET_OWNER: 0 or -1. */
static int own(int fd, uint64_t pf)
{
	if (send_msg(fd, VU_SET_PROTOCOL_FEATURES, &pf, 8, NULL, 0))
		return -1;
	return acked(fd, VU_SET_OWNER, NULL, 0, NULL, 0) ? -1 : 0;
}

static const uint64_t all_pf = 1ULL << VU_PF_MQ | 1ULL << VU_PF_LOG_SHMFD |
			       1ULL << VU_PF_REPLY_ACK | 1ULL << VU_PF_CONFIG;

static struct vu_mem_table table(uint64_t size, uint64_t offset)
{
	struct vu_mem_table t = { .nregions = 1 };

	t.r[0] = (struct vu_region){ .guest_addr = 0, .size = size,
				     .user_addr = (uintptr_t)mem,
				     .mmap_offset = offset };
	return t;
}

static uint32_t table_len(uint32_t n)
{
	return 8 + n * sizeof(struct vu_region);
}

/*
 * Owner, protocol features (REPLY_ACK), the offered virtio features, the
 * memory table: 0 if every step was acknowledged.
 */
static int setup(int fd)
{
	uint64_t f = u64_req(fd, VU_GET_FEATURES), pf;
	struct vu_mem_table t = table(MEM, 0);

	/* split rings, no dirty log */
	f &= ~(1ULL << VIRTIO_F_RING_PACKED | 1ULL << VHOST_F_LOG_ALL);
	pf = u64_req(fd, VU_GET_PROTOCOL_FEATURES);
	if (!(f & 1ULL << VU_F_PROTOCOL_FEATURES) || !(pf & 1ULL << VU_PF_REPLY_ACK) ||
	    send_msg(fd, VU_SET_PROTOCOL_FEATURES, &pf, 8, NULL, 0) ||
	    acked(fd, VU_SET_OWNER, NULL, 0, NULL, 0) ||
	    acked(fd, VU_SET_FEATURES, &f, 8, NULL, 0) ||
	    acked(fd, VU_SET_MEM_TABLE, &t, table_len(1), &memfd, 1))
		return -1;
	return 0;
}

static struct vhost_vring_addr ring_addr(uint32_t i, uint64_t desc)
{
	return (struct vhost_vring_addr){
		.index = i,
		.desc_user_addr = (uintptr_t)mem + desc,
		.avail_user_addr = (uintptr_t)mem + AVAIL,
		.used_user_addr = (uintptr_t)mem + USED,
	};
}

/* Ring 0 configured (not started): 0 if acknowledged. */
static int ring0(int fd, uint64_t desc)
{
	struct vhost_vring_state num = { 0, NUM }, base = { 0, 0 };
	struct vhost_vring_addr a = ring_addr(0, desc);

	if (acked(fd, VU_SET_VRING_NUM, &num, 8, NULL, 0) ||
	    acked(fd, VU_SET_VRING_BASE, &base, 8, NULL, 0))
		return -1;
	return acked(fd, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) ? -1 : 0;
}

/* ---- the cases: each returns true if the daemon behaved ---- */

static bool bad_version(int fd)
{
	return !send_raw(fd, VU_GET_FEATURES, 0x2, 0, NULL, 0, NULL, 0) &&
	       closes(fd);
}

static bool reply_flag_in_request(int fd)
{
	return !send_raw(fd, VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 0,
			 NULL, 0, NULL, 0) && closes(fd);
}

static bool huge_payload(int fd)
{
	char junk[64] = { 0 };

	return !send_raw(fd, VU_SET_FEATURES, VU_VERSION, 1 << 30, junk,
			 sizeof(junk), NULL, 0) && closes(fd);
}

static bool unknown_request(int fd)
{
	return !send_msg(fd, 99, NULL, 0, NULL, 0) && closes(fd);
}

static bool unsupported_request(int fd)
{
	uint64_t v = 0;

	/* GET_INFLIGHT_FD (31): INFLIGHT_SHMFD is not offered */
	return !send_msg(fd, 31, &v, 8, NULL, 0) && closes(fd);
}

static bool short_payload(int fd)
{
	uint32_t v = 8;

	return !setup(fd) && !send_msg(fd, VU_SET_VRING_NUM, &v, 4, NULL, 0) &&
	       closes(fd);
}

static bool truncated_message(int fd)
{
	uint64_t v = 0;

	/* the header announces 8 bytes, 4 come, then the end */
	if (send_raw(fd, VU_SET_FEATURES, VU_VERSION, 8, &v, 4, NULL, 0))
		return false;
	shutdown(fd, SHUT_WR);
	return closes(fd);
}

static bool before_owner(int fd)
{
	struct vhost_vring_state s = { 0, NUM };

	return !send_msg(fd, VU_SET_VRING_NUM, &s, 8, NULL, 0) && closes(fd);
}

static bool ring_index(int fd)
{
	struct vhost_vring_state s = { 200, NUM };

	return !setup(fd) && !send_msg(fd, VU_SET_VRING_NUM, &s, 8, NULL, 0) &&
	       closes(fd);
}

static bool ring_size(int fd)
{
	struct vhost_vring_state s = { 0, 6 };	/* not a power of 2 */

	return !setup(fd) && !send_msg(fd, VU_SET_VRING_NUM, &s, 8, NULL, 0) &&
	       closes(fd);
}

static bool features_not_offered(int fd)
{
	uint64_t f = 1ULL << 63;

	return !own(fd, all_pf) &&
	       !send_msg(fd, VU_SET_FEATURES, &f, 8, NULL, 0) && closes(fd);
}

static bool too_many_fds(int fd)
{
	int fds[10], i;
	bool ok;

	for (i = 0; i < 10; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	ok = !send_msg(fd, VU_GET_FEATURES, NULL, 0, fds, 10) && closes(fd);
	for (i = 0; i < 10; i++)
		close(fds[i]);
	return ok;
}

static bool fd_where_none(int fd)
{
	int e = eventfd(0, EFD_CLOEXEC);
	bool ok = !send_msg(fd, VU_GET_FEATURES, NULL, 0, &e, 1) && closes(fd);

	close(e);
	return ok;
}

static bool table_regions(int fd)
{
	struct vu_mem_table t = table(MEM, 0);

	t.nregions = 9;
	return !own(fd, all_pf) &&
	       !send_msg(fd, VU_SET_MEM_TABLE, &t, sizeof(t), &memfd, 1) &&
	       closes(fd);
}

static bool table_fds(int fd)
{
	struct vu_mem_table t = table(MEM, 0);

	t.nregions = 2;
	t.r[1] = t.r[0];
	t.r[1].guest_addr = MEM;
	return !own(fd, all_pf) &&
	       !send_msg(fd, VU_SET_MEM_TABLE, &t, table_len(2), &memfd, 1) &&
	       closes(fd);
}

static bool table_beyond_fd(int fd)
{
	struct vu_mem_table t = table(4 * MEM, 0);

	return !own(fd, all_pf) &&
	       !send_msg(fd, VU_SET_MEM_TABLE, &t, table_len(1), &memfd, 1) &&
	       closes(fd);
}

static bool table_offset_wraps(int fd)
{
	struct vu_mem_table t = table(MEM, ~0ULL - 4095);

	return !own(fd, all_pf) &&
	       !send_msg(fd, VU_SET_MEM_TABLE, &t, table_len(1), &memfd, 1) &&
	       closes(fd);
}

static bool table_not_memory(int fd)
{
	struct vu_mem_table t = table(MEM, 0);
	int e = eventfd(0, EFD_CLOEXEC);
	bool ok;

	ok = !own(fd, all_pf) &&
	     !send_msg(fd, VU_SET_MEM_TABLE, &t, table_len(1), &e, 1) &&
	     closes(fd);
	close(e);
	return ok;
}

static bool ring_outside_memory(int fd)
{
	struct vhost_vring_state num = { 0, NUM };
	struct vhost_vring_addr a = ring_addr(0, 2 * MEM);

	return !setup(fd) && !acked(fd, VU_SET_VRING_NUM, &num, 8, NULL, 0) &&
	       !send_msg(fd, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) &&
	       closes(fd);
}

static bool ring_across_the_end(int fd)
{
	struct vhost_vring_state num = { 0, NUM };
	struct vhost_vring_addr a = ring_addr(0, MEM - 64);

	return !setup(fd) && !acked(fd, VU_SET_VRING_NUM, &num, 8, NULL, 0) &&
	       !send_msg(fd, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) &&
	       closes(fd);
}

/* A ring that grows past the memory after its address was accepted. */
static bool ring_grows_out(int fd)
{
	struct vhost_vring_state num = { 0, 1024 };
	int e = eventfd(0, EFD_CLOEXEC);
	bool ok;

	ok = !setup(fd) && !ring0(fd, MEM - 16 * NUM) &&
	     !acked(fd, VU_SET_VRING_NUM, &num, 8, NULL, 0) &&
	     !send_msg(fd, VU_SET_VRING_KICK, &(uint64_t){ 0 }, 8, &e, 1) &&
	     closes(fd);
	close(e);
	return ok;
}

static bool kick_without_ring(int fd)
{
	int e = eventfd(0, EFD_CLOEXEC);
	bool ok = !setup(fd) &&
		  !send_msg(fd, VU_SET_VRING_KICK, &(uint64_t){ 0 }, 8, &e, 1) &&
		  closes(fd);

	close(e);
	return ok;
}

static bool kick_polling(int fd)
{
	uint64_t v = VU_VRING_NOFD;

	return !setup(fd) && !ring0(fd, DESC) &&
	       !send_msg(fd, VU_SET_VRING_KICK, &v, 8, NULL, 0) && closes(fd);
}

static bool kick_not_eventfd(int fd)
{
	bool ok = !setup(fd) && !ring0(fd, DESC) &&
		  !send_msg(fd, VU_SET_VRING_KICK, &(uint64_t){ 0 }, 8, &memfd,
			    1) &&
		  closes(fd);

	return ok;
}

static bool call_unknown_bits(int fd)
{
	uint64_t v = 1ULL << 40;
	int e = eventfd(0, EFD_CLOEXEC);
	bool ok = !setup(fd) &&
		  !send_msg(fd, VU_SET_VRING_CALL, &v, 8, &e, 1) && closes(fd);

	close(e);
	return ok;
}

static bool call_two_fds(int fd)
{
	int e[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };
	bool ok = !setup(fd) &&
		  !send_msg(fd, VU_SET_VRING_CALL, &(uint64_t){ 0 }, 8, e, 2) &&
		  closes(fd);

	close(e[0]);
	close(e[1]);
	return ok;
}

static bool enable_value(int fd)
{
	struct vhost_vring_state s = { 0, 7 };

	return !setup(fd) &&
	       !send_msg(fd, VU_SET_VRING_ENABLE, &s, 8, NULL, 0) && closes(fd);
}

static bool config_range(int fd)
{
	struct vu_config c = { .offset = 200, .size = 100 };

	return !send_msg(fd, VU_GET_CONFIG, &c, VU_CONFIG_HDR_SIZE + 100,
			 NULL, 0) && closes(fd);
}

static bool config_size_mismatch(int fd)
{
	struct vu_config c = { .offset = 0, .size = 60 };

	return !send_msg(fd, VU_GET_CONFIG, &c, VU_CONFIG_HDR_SIZE + 8, NULL,
			 0) && closes(fd);
}

static bool log_without_shmfd(int fd)
{
	uint64_t base = 0x1000;

	return !own(fd, 1ULL << VU_PF_REPLY_ACK) &&
	       !send_msg(fd, VU_SET_LOG_BASE, &base, 8, NULL, 0) && closes(fd);
}

/* Logging turned on with a log too small for the memory table. */
static bool log_too_small(int fd)
{
	struct vu_log l = { .size = 1, .offset = 0 };
	uint64_t f = u64_req(fd, VU_GET_FEATURES);
	uint64_t one;

	if (setup(fd) || send_msg(fd, VU_SET_LOG_BASE, &l, sizeof(l),
				  &memfd, 1) ||
	    recv_reply(fd, VU_SET_LOG_BASE, &one, 8) != 1)
		return false;
	f |= 1ULL << VHOST_F_LOG_ALL;
	return !send_msg(fd, VU_SET_FEATURES, &f, 8, NULL, 0) && closes(fd);
}

/* What must work: config, a refused SET_CONFIG, a ring up and down. */
static bool config_answers(int fd)
{
	struct vu_config c = { .offset = 0, .size = 60 };
	struct vu_config r;

	if (send_msg(fd, VU_GET_CONFIG, &c, VU_CONFIG_HDR_SIZE + 60, NULL, 0) ||
	    recv_reply(fd, VU_GET_CONFIG, &r, VU_CONFIG_HDR_SIZE + 60) != 1)
		return false;
	/* capacity: the first 8 bytes, non-zero */
	return r.size == 60 && memcmp(r.data, "\0\0\0\0\0\0\0\0", 8);
}

static bool set_config_refused(int fd)
{
	struct vu_config c = { .offset = 32, .size = 1 };
	uint64_t pf = 1ULL << VU_PF_REPLY_ACK | 1ULL << VU_PF_CONFIG;

	return !send_msg(fd, VU_SET_PROTOCOL_FEATURES, &pf, 8, NULL, 0) &&
	       acked(fd, VU_SET_CONFIG, &c, VU_CONFIG_HDR_SIZE + 1, NULL,
		     0) == 1 &&
	       u64_req(fd, VU_GET_QUEUE_NUM) >= 1;
}

static bool ring_up_and_down(int fd)
{
	struct vhost_vring_state s = { 0, 0 };
	int k = eventfd(0, EFD_CLOEXEC), c = eventfd(0, EFD_CLOEXEC);
	uint64_t v = 0;
	bool ok;

	memset(mem, 0, 4 * 4096);
	ok = !setup(fd) && !ring0(fd, DESC) &&
	     !acked(fd, VU_SET_VRING_CALL, &v, 8, &c, 1) &&
	     !acked(fd, VU_SET_VRING_KICK, &v, 8, &k, 1) &&
	     !send_msg(fd, VU_GET_VRING_BASE, &s, 8, NULL, 0) &&
	     recv_reply(fd, VU_GET_VRING_BASE, &s, 8) == 1 && s.num == 0 &&
	     !acked(fd, VU_SET_VRING_KICK, &v, 8, &k, 1) &&
	     !acked(fd, VU_RESET_OWNER, NULL, 0, NULL, 0);
	close(k);
	close(c);
	return ok;
}

/*
 * Dirty logging as QEMU starts it for a migration: a log of the size the
 * memory needs, LOG_ALL, a log eventfd, then a running ring moved to
 * logging its used ring (SET_VRING_ADDR with VHOST_VRING_F_LOG).
 */
static bool log_works(int fd)
{
	struct vu_log l = { .size = MEM / 4096 / 8, .offset = 16 * 4096 };
	int k = eventfd(0, EFD_CLOEXEC), e = eventfd(0, EFD_CLOEXEC);
	struct vhost_vring_addr a = ring_addr(0, DESC);
	uint64_t f, v = 0, one = 1;
	bool ok;

	memset(mem, 0, 4 * 4096);
	a.flags = 1 << VHOST_VRING_F_LOG;
	a.log_guest_addr = USED;
	ok = !setup(fd) && !ring0(fd, DESC) &&
	     !acked(fd, VU_SET_VRING_KICK, &v, 8, &k, 1) &&
	     !send_msg(fd, VU_SET_LOG_BASE, &l, sizeof(l), &memfd, 1) &&
	     recv_reply(fd, VU_SET_LOG_BASE, &one, 8) == 1 && !one &&
	     !acked(fd, VU_SET_LOG_FD, NULL, 0, &e, 1);
	f = u64_req(fd, VU_GET_FEATURES) & ~(1ULL << VIRTIO_F_RING_PACKED);
	ok = ok && !acked(fd, VU_SET_FEATURES, &f, 8, NULL, 0) &&
	     !acked(fd, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	close(k);
	close(e);
	return ok;
}

struct test {
	bool (*fn)(int fd);
	const char *desc;
};

static const struct test tests[] = {
	{ bad_version, "header version 2: closed" },
	{ reply_flag_in_request, "the reply flag in a request: closed" },
	{ huge_payload, "a payload of 1 GiB announced: closed" },
	{ unknown_request, "unknown request 99: closed" },
	{ unsupported_request, "GET_INFLIGHT_FD (not offered): closed" },
	{ short_payload, "SET_VRING_NUM with 4 bytes: closed" },
	{ truncated_message, "a message cut short by the end of the connection: closed" },
	{ before_owner, "SET_VRING_NUM before SET_OWNER: closed" },
	{ ring_index, "ring 200 of a 2-queue device: closed" },
	{ ring_size, "ring size 6: closed" },
	{ features_not_offered, "SET_FEATURES with a bit not offered: closed" },
	{ too_many_fds, "10 fds on one message: closed" },
	{ fd_where_none, "an fd on GET_FEATURES: closed" },
	{ table_regions, "SET_MEM_TABLE of 9 regions: closed" },
	{ table_fds, "SET_MEM_TABLE of 2 regions with 1 fd: closed" },
	{ table_beyond_fd, "a region 4 times larger than its memfd: closed" },
	{ table_offset_wraps, "a region whose offset wraps: closed" },
	{ table_not_memory, "a region on an eventfd: closed" },
	{ ring_outside_memory, "ring addresses outside guest memory: closed" },
	{ ring_across_the_end, "a descriptor table across the end of guest memory: closed" },
	{ ring_grows_out, "a ring resized past guest memory, then kicked: closed" },
	{ kick_without_ring, "SET_VRING_KICK of an unconfigured ring: closed" },
	{ kick_polling, "SET_VRING_KICK without an fd (polling): closed" },
	{ kick_not_eventfd, "SET_VRING_KICK with a memfd: closed" },
	{ call_unknown_bits, "SET_VRING_CALL with unknown payload bits: closed" },
	{ call_two_fds, "SET_VRING_CALL with 2 fds: closed" },
	{ enable_value, "SET_VRING_ENABLE 7: closed" },
	{ config_range, "GET_CONFIG past 256 bytes: closed" },
	{ config_size_mismatch, "GET_CONFIG size and payload disagree: closed" },
	{ log_without_shmfd, "SET_LOG_BASE without LOG_SHMFD: closed" },
	{ log_too_small, "LOG_ALL with a log too small for the memory: closed" },
	{ config_answers, "GET_CONFIG answers 60 bytes with a capacity" },
	{ set_config_refused, "SET_CONFIG refused (REPLY_ACK 1), the connection goes on" },
	{ ring_up_and_down, "a ring configured, started, stopped at base 0, started again, RESET_OWNER" },
	{ log_works, "dirty log: SET_LOG_BASE, SET_LOG_FD, LOG_ALL, a running ring set to log its used ring" },
};

int main(int argc, char **argv)
{
	unsigned int i;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: vha-vub-hostile SOCKET\n");
		return 2;
	}
	sock_path = argv[1];
	memfd = memfd_create("vub-hostile", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, MEM)) {
		perror("vha-vub-hostile: memfd");
		return 1;
	}
	mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (mem == MAP_FAILED) {
		perror("vha-vub-hostile: mmap");
		return 1;
	}
	printf("TAP version 13\n1..%zu\n", ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		fd = vconnect();
		result(tests[i].fn(fd), tests[i].desc);
		close(fd);
	}
	return tap_failed ? 1 : 0;
}
