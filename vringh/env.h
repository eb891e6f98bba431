/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only difference between the kernel and the userspace build of vringh/.
 *
 * In the kernel, ring memory is the VMM's user memory: get_user(),
 * put_user(), copy_{from,to}_user() on u64_to_user_ptr() addresses, and the
 * SMP barriers (the other side is another CPU running the guest).
 * In userspace, the same names act on plain process memory, so the unit
 * tests, the fuzzer and the benchmark run the very same ring code.
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
#include <asm/barrier.h>

#else /* userspace */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <endian.h>
#include <sys/uio.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define __user
#define __force
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))

/* The driver may run on another thread: full fences, as in the kernel. */
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define le16_to_cpu(x) le16toh((__u16)(x))
#define le32_to_cpu(x) le32toh((__u32)(x))
#define le64_to_cpu(x) le64toh((__u64)(x))
#define cpu_to_le16(x) ((__le16)htole16(x))
#define cpu_to_le32(x) ((__le32)htole32(x))
#define cpu_to_le64(x) ((__le64)htole64(x))

#define u64_to_user_ptr(x) ((void *)(uintptr_t)(x))

#define get_user(x, ptr) ({ (x) = READ_ONCE(*(ptr)); 0; })
#define put_user(x, ptr) ({ WRITE_ONCE(*(ptr), (x)); 0; })

static inline unsigned long copy_from_user(void *to, const void *from,
					   unsigned long n)
{
	memcpy(to, from, n);
	return 0;
}

static inline unsigned long copy_to_user(void *to, const void *from,
					 unsigned long n)
{
	memcpy(to, from, n);
	return 0;
}

#endif /* __KERNEL__ */

#endif /* VHA_VRINGH_ENV_H */
