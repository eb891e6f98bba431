#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Header modes: legacy 10-byte, VERSION_1 12-byte without MRG_RXBUF, and
# VHOST_NET_F_VIRTIO_NET_HDR (device adds/strips the header, tap has none)
# Split and packed rings each (vha-net-test hdr, selftests/net/net_test.c).
#
#   vha-net-test (guest rings) <-> /dev/vhost-net <-> tap fd
#                                   tap netdev <-> AF_PACKET socket (test)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
exec "$VHA_BIN/vha-net-test" hdr
