#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Writes the seed corpus of vringh/test/fuzz_ring.c into vringh/test/corpus/.
# Each seed: features byte, queue size byte, then operations (see the opcode
# switch in fuzz_ring.c: 0 add, 2 publish, 3 get, 5 push, 6 need_notify,
# 7 enable, 8 disable, 9 driver reaps used, 10 raw descriptor, 11 raw ring
# field, 12 save/restore base, 13 unget, 14 driver callback setting).
import os
import struct

ADD, PUB, GET, PUSH, NOTE, EN, DIS, REAP, RAW, RING, BASE, UNGET, CB = \
    0, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14


def add(nout, nin, indirect=False, sel=0, length=64):
    shape = nout | nin << 2 | (0x40 if indirect else 0)
    return bytes([ADD, shape]) + bytes([sel, 0, length]) * max(nout + nin, 1)


def raw(where, sel, length, flags, nxt):
    return bytes([RAW, where, sel, 0]) + struct.pack('<HHH', length, flags, nxt)


def traffic(rounds=3, indirect=False):
    s = b''
    for _ in range(rounds):
        s += add(2, 1, indirect) + add(1, 0, indirect) + bytes([PUB, GET])
        s += bytes([PUSH, 2, 0, NOTE, REAP])
    return s


SPLIT, PACKED, EVENT, INDIRECT, IN_ORDER, OPS, CLEAN = 0, 1, 2, 4, 8, 32, 64
seeds = {
    'split-basic': bytes([SPLIT, 3]) + traffic(),
    'packed-basic': bytes([PACKED, 6]) + traffic(),
    'split-indirect': bytes([INDIRECT, 3]) + traffic(indirect=True),
    'packed-indirect': bytes([PACKED | INDIRECT, 6]) + traffic(indirect=True),
    'split-event': bytes([EVENT, 2]) + bytes([DIS]) + traffic() +
    bytes([CB, 0, 3, EN]) + traffic(),
    'packed-event': bytes([PACKED | EVENT, 4]) + bytes([DIS]) + traffic() +
    bytes([CB, 0, 3, EN]) + traffic(),
    'split-loop': bytes([SPLIT, 3]) + raw(0, 0, 8, 1, 1) + raw(1, 0, 8, 1, 0) +
    bytes([RING]) + struct.pack('<HH', 0x82, 1) + bytes([GET, 0xff]) + traffic(1),
    'packed-base': bytes([PACKED, 4]) + traffic(4) + bytes([BASE, 0]) + traffic(2),
    'split-ops': bytes([SPLIT | OPS | INDIRECT, 3]) + traffic(2, True),
    'packed-ops': bytes([PACKED | OPS, 6]) + traffic(2),
    'packed-inorder': bytes([PACKED | IN_ORDER, 7]) +
    (add(1, 0) * 4 + bytes([PUB, GET, PUSH, 4, 0, REAP])) * 3,
    'split-unget': bytes([SPLIT, 3]) + add(1, 0) + add(1, 1) +
    bytes([PUB, GET, UNGET, GET, PUSH, 2, 0, REAP]),
    'clean-split': bytes([CLEAN | INDIRECT | EVENT, 4]) + traffic(4, True) +
    bytes([BASE, 0]) + traffic(3),
    'clean-packed': bytes([CLEAN | PACKED | INDIRECT, 9]) + traffic(4) +
    bytes([BASE, 0]) + traffic(3, True),
    'clean-packed-inorder': bytes([CLEAN | PACKED | IN_ORDER, 7]) +
    (add(1, 0) * 4 + bytes([PUB, GET, PUSH, 4, 0, REAP])) * 3,
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
