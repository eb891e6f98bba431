#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IOTLB (VIRTIO_F_ACCESS_PLATFORM): rings and buffers addressed by IOVA, and a
# buffer miss reported by read() and resolved by an update under traffic
# Split and packed rings each (vha-net-test iotlb, selftests/net/net_test.c).
#
#   vha-net-test (guest rings) <-> /dev/vhost-net <-> tap fd
#                                   tap netdev <-> AF_PACKET socket (test)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
exec "$VHA_BIN/vha-net-test" iotlb
