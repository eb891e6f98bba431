/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dirty log (VHOST_F_LOG_ALL): one bit per 4 KiB guest page in a bitmap in
 * the owner's memory at dev->log_base, set for every page the device writes.
 */
#ifndef _VHA_LOG_H
#define _VHA_LOG_H

#include <linux/types.h>

struct vha_dev;
struct vha_umem;
struct vha_vq;
struct vha_chain;

bool vha_log_access_ok(struct vha_dev *dev, u64 base,
		       const struct vha_umem *umem);
bool vha_vq_logging(const struct vha_vq *vq);
int vha_vq_log_chain(struct vha_vq *vq, const struct vha_chain *chain,
		     u32 written);
int vha_vq_log_used(struct vha_vq *vq);

#endif
