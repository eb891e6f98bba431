// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user messages on the wire: see msg.h. The front-end sends a
 * message's header, payload and descriptors in one sendmsg(); on a
 * stream socket the descriptors arrive with the first bytes, so they are
 * collected while the header is read. Descriptors sent with later bytes
 * are dropped by the kernel (recv without a control buffer).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"

atomic_int vub_stop;

static const char *const names[VU_REQUEST_MAX] = {
	[VU_GET_FEATURES] = "GET_FEATURES",
	[VU_SET_FEATURES] = "SET_FEATURES",
	[VU_SET_OWNER] = "SET_OWNER",
	[VU_RESET_OWNER] = "RESET_OWNER",
	[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VU_SET_LOG_BASE] = "SET_LOG_BASE",
	[VU_SET_LOG_FD] = "SET_LOG_FD",
	[VU_SET_VRING_NUM] = "SET_VRING_NUM",
	[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VU_SET_VRING_BASE] = "SET_VRING_BASE",
	[VU_GET_VRING_BASE] = "GET_VRING_BASE",
	[VU_SET_VRING_KICK] = "SET_VRING_KICK",
	[VU_SET_VRING_CALL] = "SET_VRING_CALL",
	[VU_SET_VRING_ERR] = "SET_VRING_ERR",
	[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[19] = "SEND_RARP",
	[20] = "NET_SET_MTU",
	[21] = "SET_SLAVE_REQ_FD",
	[22] = "IOTLB_MSG",
	[23] = "SET_VRING_ENDIAN",
	[VU_GET_CONFIG] = "GET_CONFIG",
	[VU_SET_CONFIG] = "SET_CONFIG",
	[26] = "CREATE_CRYPTO_SESSION",
	[27] = "CLOSE_CRYPTO_SESSION",
	[28] = "POSTCOPY_ADVISE",
	[29] = "POSTCOPY_LISTEN",
	[30] = "POSTCOPY_END",
	[31] = "GET_INFLIGHT_FD",
	[32] = "SET_INFLIGHT_FD",
	[33] = "GPU_SET_SOCKET",
	[34] = "RESET_DEVICE",
	[35] = "VRING_KICK",
	[36] = "GET_MAX_MEM_SLOTS",
	[37] = "ADD_MEM_REG",
	[38] = "REM_MEM_REG",
	[39] = "SET_STATUS",
	[40] = "GET_STATUS",
};

const char *vu_msg_name(uint32_t request)
{
	if (request < VU_REQUEST_MAX && names[request])
		return names[request];
	return "unknown";
}

int vu_msg_take_fd(struct vu_msg *m, unsigned int i)
{
	int fd = m->fds[i];

	m->fds[i] = -1;
	return fd;
}

void vu_msg_close_fds(struct vu_msg *m)
{
	unsigned int i;

	for (i = 0; i < m->nfds; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->nfds = 0;
}

/*
 * Keep the descriptors of every SCM_RIGHTS message in @mh, at most
 * VU_MAX_FDS in all; those past that are closed. 0, or -1 if there were
 * too many or the kernel had to cut the control data.
 */
static int collect_fds(struct vu_msg *m, struct msghdr *mh)
{
	struct cmsghdr *c;
	unsigned int i, n;
	int fd, bad = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (m->nfds < VU_MAX_FDS) {
				m->fds[m->nfds++] = fd;
			} else {
				close(fd);
				bad = 1;
			}
		}
	}
	if (bad || (mh->msg_flags & MSG_CTRUNC)) {
		vub_say("a message carried more than %d file descriptors",
			VU_MAX_FDS);
		return -1;
	}
	return 0;
}

/* Read the header and its descriptors: 1, 0 (EOF before any byte), -1. */
static int recv_hdr(int sock, struct vu_msg *m)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t got = 0;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;

	while (got < sizeof(m->hdr)) {
		iov.iov_base = (char *)&m->hdr + got;
		iov.iov_len = sizeof(m->hdr) - got;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR && !vub_stop)
			continue;
		if (n < 0) {
			vub_say("reading a message: %s", strerror(errno));
			return -1;
		}
		if (collect_fds(m, &mh))
			return -1;
		if (!n) {
			if (!got && !m->nfds)
				return 0;
			vub_say("the front-end closed the connection in the middle of a message header");
			return -1;
		}
		got += n;
	}
	return 1;
}

static int recv_all(int sock, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(sock, (char *)buf + got, len - got, 0);
		if (n < 0 && errno == EINTR && !vub_stop)
			continue;
		if (n <= 0) {
			vub_say("reading a payload of %zu bytes: %s", len,
				n ? strerror(errno) : "connection closed");
			return -1;
		}
		got += n;
	}
	return 0;
}

int vu_msg_recv(int sock, struct vu_msg *m)
{
	uint32_t unknown = ~(uint32_t)(VU_FLAG_VERSION_MASK | VU_FLAG_NEED_REPLY);
	int ret;

	memset(m, 0, offsetof(struct vu_msg, fds));
	m->nfds = 0;
	ret = recv_hdr(sock, m);
	if (ret <= 0)
		goto out;
	ret = -1;
	if ((m->hdr.flags & VU_FLAG_VERSION_MASK) != VU_VERSION ||
	    (m->hdr.flags & unknown)) {
		vub_say("%s: header flags 0x%x: not a version 1 request",
			vu_msg_name(m->hdr.request), m->hdr.flags);
		goto out;
	}
	if (m->hdr.size > sizeof(m->p)) {
		vub_say("%s: payload of %u bytes, more than any message has (%zu)",
			vu_msg_name(m->hdr.request), m->hdr.size,
			sizeof(m->p));
		goto out;
	}
	if (recv_all(sock, &m->p, m->hdr.size))
		goto out;
	return 1;
out:
	if (ret != 1)
		vu_msg_close_fds(m);
	return ret;
}

int vu_msg_reply(int sock, const struct vu_hdr *req, const void *payload,
		 uint32_t len)
{
	struct vu_hdr hdr = {
		.request = req->request,
		.flags = VU_VERSION | VU_FLAG_REPLY,
		.size = len,
	};
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	while (iov[0].iov_len + iov[1].iov_len) {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR && !vub_stop)
			continue;
		if (n <= 0) {
			vub_say("%s: sending the reply: %s",
				vu_msg_name(req->request),
				n ? strerror(errno) : "nothing sent");
			return -1;
		}
		/* A short write: go on from where it stopped. */
		while (n > 0 && mh.msg_iovlen) {
			size_t part = (size_t)n < mh.msg_iov->iov_len ?
				      (size_t)n : mh.msg_iov->iov_len;

			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + part;
			mh.msg_iov->iov_len -= part;
			n -= part;
			if (!mh.msg_iov->iov_len) {
				mh.msg_iov++;
				mh.msg_iovlen--;
			}
		}
	}
	return 0;
}
