/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-user messages on the wire: one message in (header, payload, file
 * descriptors), one reply out. Nothing here trusts the sender: sizes and
 * descriptor counts are bounded before anything is stored.
 */
#ifndef VUB_MSG_H
#define VUB_MSG_H

#include <stdatomic.h>
#include <stdbool.h>

#include "proto.h"

/* The signal that stops the daemon: blocking reads give up on EINTR. */
extern atomic_int vub_stop;

/*
 * Read one message from @sock into @m: 1, 0 on end of file at a message
 * boundary (the front-end closed), -1 on an error or a malformed header
 * (said on stderr). On 1 the caller owns m->fds (vu_msg_close_fds).
 */
int vu_msg_recv(int sock, struct vu_msg *m);

/* Send a reply to @req with @len bytes of @payload: 0 or -1 (said). */
int vu_msg_reply(int sock, const struct vu_hdr *req, const void *payload,
		 uint32_t len);

/* Take fd @i out of the message (the caller now owns it). */
int vu_msg_take_fd(struct vu_msg *m, unsigned int i);

/* Close the fds nobody took. */
void vu_msg_close_fds(struct vu_msg *m);

/* The request's name, for messages ("SET_VRING_NUM"), or "unknown". */
const char *vu_msg_name(uint32_t request);

#endif
