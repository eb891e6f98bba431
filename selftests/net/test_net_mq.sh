#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Multiqueue: two /dev/vhost-net fds on the two queues of an IFF_MULTI_QUEUE tap;
# busy polling (VHOST_SET_VRING_BUSYLOOP_TIMEOUT) on both queues
# Split and packed rings each (vha-net-test mq, selftests/net/net_test.c).
#
#   vha-net-test (guest rings) <-> /dev/vhost-net <-> tap fd
#                                   tap netdev <-> AF_PACKET socket (test)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
exec "$VHA_BIN/vha-net-test" mq
