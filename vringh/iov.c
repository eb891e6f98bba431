// SPDX-License-Identifier: GPL-2.0
/*
 * Copying between a flat buffer and the host segments of a chain.  The
 * segments point into ring memory (user memory of the VMM in the kernel), so
 * every copy can fault and reports -EFAULT.
 */
#include "vringh/vringh.h"

size_t vha_iov_length(const struct iovec *iov, unsigned int n)
{
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}
EXPORT_SYMBOL_GPL(vha_iov_length);

/*
 * Copy len bytes starting skip bytes into the segments to dst.
 * 0, -EFAULT if memory faulted, -EINVAL if the segments are too short.
 */
int vha_iov_copy_from(void *dst, const struct iovec *iov, unsigned int n,
		      size_t skip, size_t len)
{
	unsigned int i;
	size_t part;

	for (i = 0; i < n && len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		part = min_t(size_t, len, iov[i].iov_len - skip);
		if (copy_from_user(dst, (const char __user *)iov[i].iov_base +
				   skip, part))
			return -EFAULT;
		dst = (char *)dst + part;
		len -= part;
		skip = 0;
	}
	return len ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(vha_iov_copy_from);

int vha_iov_copy_to(const struct iovec *iov, unsigned int n, size_t skip,
		    const void *src, size_t len)
{
	unsigned int i;
	size_t part;

	for (i = 0; i < n && len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		part = min_t(size_t, len, iov[i].iov_len - skip);
		if (copy_to_user((char __user *)iov[i].iov_base + skip, src,
				 part))
			return -EFAULT;
		src = (const char *)src + part;
		len -= part;
		skip = 0;
	}
	return len ? -EINVAL : 0;
}
EXPORT_SYMBOL_GPL(vha_iov_copy_to);
