// SPDX-License-Identifier: GPL-2.0
/*
 * Backends: the socket behind a tun/tap or macvtap file descriptor, and
 * attaching it to a queue or detaching it (VHOST_NET_SET_BACKEND).
 *
 * tun.ko and tap.ko are looked up with symbol_get() rather than linked
 * against, so that this module loads without them (the distribution builds
 * both as modules) and never pins them: a tun or tap file the caller passes
 * in already holds its module, and we keep a reference to that file for as
 * long as its socket is attached.
 */
#include <linux/file.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/module.h>
#include <linux/net.h>

#include "net.h"

/* 1 and the socket if @file is a tun file, 0 if not. */
static int tun_backend(struct file *file, struct socket **sock,
		       struct ptr_ring **ring)
{
	struct socket *(*get_sock)(struct file *f);
	struct ptr_ring *(*get_ring)(struct file *f);
	int ret = 0;

	get_sock = symbol_get(tun_get_socket);
	if (!get_sock)
		return 0;
	get_ring = symbol_get(tun_get_tx_ring);
	if (get_ring) {
		*sock = get_sock(file);
		*ring = get_ring(file);
		ret = !IS_ERR(*sock) && !IS_ERR(*ring);
		symbol_put(tun_get_tx_ring);
	}
	symbol_put(tun_get_socket);
	return ret;
}

/* 1 and the socket if @file is a macvtap/ipvtap file, 0 if not. */
static int tap_backend(struct file *file, struct socket **sock,
		       struct ptr_ring **ring)
{
	struct socket *(*get_sock)(struct file *f);
	struct ptr_ring *(*get_ring)(struct file *f);
	int ret = 0;

	get_sock = symbol_get(tap_get_socket);
	if (!get_sock)
		return 0;
	get_ring = symbol_get(tap_get_ptr_ring);
	if (get_ring) {
		*sock = get_sock(file);
		*ring = get_ring(file);
		ret = !IS_ERR(*sock) && !IS_ERR(*ring);
		symbol_put(tap_get_ptr_ring);
	}
	symbol_put(tap_get_socket);
	return ret;
}

/*
 * The socket and receive ring of the tun/tap file @fd, holding a reference
 * to the file (drop it with vha_net_backend_put()). -EBADF if @fd is not
 * open, -ENOTSOCK if it is not a tun/tap file (upstream's errnos).
 */
int vha_net_backend_get(int fd, struct socket **sock, struct ptr_ring **ring)
{
	struct file *file = fget(fd);

	if (!file)
		return -EBADF;
	if (tun_backend(file, sock, ring) == 1 ||
	    tap_backend(file, sock, ring) == 1)
		return 0;
	fput(file);
	return -ENOTSOCK;
}

void vha_net_backend_put(struct socket *sock)
{
	if (sock)
		fput(sock->file);
}

/*
 * Stop using the queue's socket: unwatch it and give the received packets we
 * hold back to its ring, so that another reader (the next backend user, or
 * userspace) finds them in order. Hold vq.mutex.
 */
static void stop_sock(struct vha_net_vq *nvq)
{
	lockdep_assert_held(&nvq->vq.mutex);
	vha_poll_stop(&nvq->sock_poll);
	if (nvq->rxq)
		vha_net_rxq_return(nvq);
	nvq->ring = NULL;
}

/* Start the queue on @sock; the ring starts at the saved position. */
static int start(struct vha_net_vq *nvq, struct socket *sock,
		 struct ptr_ring *ring)
{
	struct vha_vq *vq = &nvq->vq;
	int ret;

	vha_vq_set_backend(vq, sock);
	nvq->ring = ring;
	nvq->broken = false;
	nvq->nused = 0;
	ret = vha_vq_init_access(vq);
	if (!ret && vq->index == VHA_NET_RX)
		ret = vha_poll_start(&nvq->sock_poll, sock->file);
	if (ret) {
		stop_sock(nvq);
		vha_vq_set_backend(vq, NULL);
		return ret;
	}
	/* Buffers the driver posted while the queue had no backend. */
	vha_poll_queue(&vq->poll);
	return 0;
}

/*
 * Attach @sock (a reference the caller passes in) to the queue in place of
 * the current backend. *old is then the socket the caller must flush and
 * put: the replaced backend, @sock itself if it was attached already, or
 * NULL. On error @sock is not attached and the caller puts it too; the
 * previous backend, if any, runs again where it stopped (*old is NULL),
 * unless it cannot start either (*old is it, detached).
 * Hold the device mutex.
 */
int vha_net_attach(struct vha_net_vq *nvq, struct socket *sock,
		   struct ptr_ring *ring, struct socket **old)
{
	struct vha_vq *vq = &nvq->vq;
	struct ptr_ring *cur_ring;
	struct socket *cur;
	int ret;

	*old = NULL;
	mutex_lock(&vq->mutex);
	cur = vha_net_sock(nvq);
	cur_ring = nvq->ring;
	ret = vha_vq_access_ok(vq);
	if (ret)
		goto out;
	*old = cur;
	if (cur == sock)
		goto out;
	if (cur) {
		stop_sock(nvq);
		vha_vq_sync_base(vq);
		vha_vq_set_backend(vq, NULL);
	}
	ret = start(nvq, sock, ring);
	if (ret && cur && !start(nvq, cur, cur_ring))
		*old = NULL;
out:
	mutex_unlock(&vq->mutex);
	return ret;
}

/* Detach the queue's socket and return it (flush, then put it). */
struct socket *vha_net_detach(struct vha_net_vq *nvq)
{
	struct vha_vq *vq = &nvq->vq;
	struct socket *old;

	mutex_lock(&vq->mutex);
	old = vha_net_sock(nvq);
	if (old) {
		stop_sock(nvq);
		vha_vq_sync_base(vq);
		vha_vq_set_backend(vq, NULL);
	}
	mutex_unlock(&vq->mutex);
	return old;
}
