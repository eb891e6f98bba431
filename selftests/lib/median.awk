# SPDX-License-Identifier: GPL-2.0
#
# med(a, n): the median of a[1..n] (sorted in place), for the tables of the
# benchmark scripts (selftests/net/bench_net.sh, selftests/blk/bench_blk.sh).
# Put it in front of an awk program: awk "$(cat median.awk)"' ...program'.
function med(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
