// SPDX-License-Identifier: GPL-2.0
/*
 * vha-set-channels IFNAME N: "ethtool -L IFNAME combined N" for the nested
 * guest of e2e_qemu.sh, whose busybox has no ethtool. Static binary.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

int main(int argc, char **argv)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	int s;

	if (argc != 3) {
		fprintf(stderr, "usage: vha-set-channels IFNAME N\n");
		return 2;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[1]);
	ifr.ifr_data = (void *)&ch;
	if (s < 0 || ioctl(s, SIOCETHTOOL, &ifr) < 0) {
		perror("ETHTOOL_GCHANNELS");
		return 1;
	}
	ch.cmd = ETHTOOL_SCHANNELS;
	ch.combined_count = strtoul(argv[2], NULL, 0);
	if (ioctl(s, SIOCETHTOOL, &ifr) < 0) {
		perror("ETHTOOL_SCHANNELS");
		return 1;
	}
	printf("%s: %u combined channels (max %u)\n", argv[1],
	       ch.combined_count, ch.max_combined);
	close(s);
	return 0;
}
