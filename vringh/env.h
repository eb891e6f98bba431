/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only difference between the kernel and the userspace build of vringh/.
 *
 * In the kernel, ring memory is the VMM's user memory: get_user(),
 * put_user(), copy_{from,to}_user() on u64_to_user_ptr() addresses, and the
 * SMP barriers (the other side is another CPU running the guest).
 * In userspace, the same names act on plain process memory, so the unit
 * tests, the fuzzer and the benchmark run the very same ring code; the
 * userspace definitions live in vringh/test/env_user.h.
 */
#ifndef VHA_VRINGH_ENV_H
#define VHA_VRINGH_ENV_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/build_bug.h>
#include <linux/export.h>
#include <asm/barrier.h>

#else

#include "vringh/test/env_user.h"

#endif /* __KERNEL__ */

#endif /* VHA_VRINGH_ENV_H */
