#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Transmit: frames posted on the guest's TX ring appear on the tap byte for byte
# (60..1514 bytes, MTU frames in 5-descriptor chains, 64 KiB TSO frames), and
# several packets go to tun per sendmsg
# Split and packed rings each (vha-net-test tx, selftests/net/net_test.c).
#
#   vha-net-test (guest rings) <-> /dev/vhost-net <-> tap fd
#                                   tap netdev <-> AF_PACKET socket (test)
set -u
. "$VHA_ROOT/selftests/net/lib.sh"
net_prepare
exec "$VHA_BIN/vha-net-test" tx
