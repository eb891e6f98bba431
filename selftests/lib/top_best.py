#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# top_best.py FILE: from vhost-top --json output (JSON Lines), the highest
# packets/s any queue of each device showed, one "OWNER-TYPE=N" per owner
# pid and device type, sorted, on one line: "224-blk=20 372-net=26".
# Lines that are not JSON (vhost-top's refusals) are skipped.
import json
import sys

best = {}
for line in open(sys.argv[1]):
    try:
        doc = json.loads(line)
    except ValueError:
        continue
    for dev in doc["devices"]:
        owner, kind = dev["name"].split("-")[:2]
        for q in dev["queues"]:
            p = q["rates"].get("packets_per_s")
            if isinstance(p, (int, float)) and p > best.get((owner, kind), 0):
                best[(owner, kind)] = p
print(" ".join("%s-%s=%.0f" % (o, k, p) for (o, k), p in sorted(best.items())))
