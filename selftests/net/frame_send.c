// SPDX-License-Identifier: GPL-2.0
/*
 * vha-frame-send IFACE COUNT [LEN]: send COUNT Ethernet frames of LEN bytes
 * (default 64; EtherType 0x88b5, local experimental, broadcast) out of
 * IFACE through a packet socket, in bursts of 32 with a short pause
 * between bursts, so that a tap's queue is not overrun at once. Prints the
 * number sent. For tests that feed a tap from its network side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned char frame[ETH_FRAME_LEN] = { 0 };
	unsigned long count, sent = 0, i;
	size_t len = 64;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: %s IFACE COUNT [LEN]\n", argv[0]);
		return 2;
	}
	count = strtoul(argv[2], NULL, 0);
	if (argc > 3)
		len = strtoul(argv[3], NULL, 0);
	if (len < ETH_ZLEN || len > sizeof(frame)) {
		fprintf(stderr, "LEN must be %d..%zu\n", ETH_ZLEN, sizeof(frame));
		return 2;
	}
	sll.sll_ifindex = if_nametoindex(argv[1]);
	sll.sll_protocol = htons(0x88b5);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (!sll.sll_ifindex || fd < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror(argv[1]);
		return 1;
	}
	memset(frame, 0xff, ETH_ALEN);
	frame[ETH_ALEN] = 0x02;		/* locally administered source */
	frame[2 * ETH_ALEN] = 0x88;
	frame[2 * ETH_ALEN + 1] = 0xb5;
	for (i = 0; i < count; i++) {
		memcpy(frame + ETH_HLEN, &i, sizeof(i));
		if (send(fd, frame, len, 0) == (ssize_t)len)
			sent++;
		else if (errno != ENOBUFS)
			break;
		if (i % 32 == 31)
			usleep(200);
	}
	printf("%lu\n", sent);
	return sent == count ? 0 : 1;
}
