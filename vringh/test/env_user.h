/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the kernel facilities vringh/ uses, included only
 * by vringh/env.h when __KERNEL__ is not defined.  "User memory" is plain
 * process memory here, so the uaccess helpers are plain copies.
 *
 * Only what vringh/ uses is defined.
 */
#ifndef VHA_VRINGH_ENV_USER_H
#define VHA_VRINGH_ENV_USER_H


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
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min3(a, b, c) min(min(a, b), c)
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))

/*
 * The driver may run on another thread: these are the fences the kernel
 * barriers stand for.
 */
/* loads before the fence happen before loads after it */
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
/* stores before the fence are visible before stores after it */
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
/* full fence: stores before it are visible before loads after it */
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define le16_to_cpu(x) le16toh((__u16)(x))
#define le32_to_cpu(x) le32toh((__u32)(x))
#define le64_to_cpu(x) le64toh((__u64)(x))
#define cpu_to_le16(x) ((__le16)htole16(x))
#define cpu_to_le32(x) ((__le32)htole32(x))
#define cpu_to_le64(x) ((__le64)htole64(x))

#define u64_to_user_ptr(x) ((void *)(uintptr_t)(x))
#define U32_MAX ((u32)~0U)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/*
 * Also needed, defined elsewhere: __always_inline comes from glibc's
 * <sys/cdefs.h>; EXPORT_SYMBOL_GPL(sym) is defined to nothing useful on the
 * compiler command line by vringh/user.mk.
 */

#define get_user(x, ptr) ({ (x) = READ_ONCE(*(ptr)); 0; })
#define put_user(x, ptr) ({ WRITE_ONCE(*(ptr), (x)); 0; })

/*
 * User-access sections: plain memory here, so a section always opens and
 * its accesses never fault; "&&label" (GNU C) only keeps the kernel
 * build's fault label in use.
 */
#define user_access_begin(ptr, len) ((void)(ptr), (void)(len), 1)
#define user_access_end() do { } while (0)
#define unsafe_get_user(x, ptr, label) \
	do { (x) = READ_ONCE(*(ptr)); (void)&&label; } while (0)
#define unsafe_put_user(x, ptr, label) \
	do { WRITE_ONCE(*(ptr), (x)); (void)&&label; } while (0)

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

#endif /* VHA_VRINGH_ENV_USER_H */
