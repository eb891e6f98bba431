#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-report-test.sh: a host unit test (TAP) of scripts/bench-report.py,
# make bench's conversion: a fixed log of a run goes in; the JSON must
# parse, hold every sample (a console line broken by the kernel is left
# out and reported), the medians and ratios must be the ones worked out
# by hand below, and the README block must be rewritten between its
# markers only, the same twice over.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../selftests/lib/tap.sh
. "$root/selftests/lib/tap.sh"
report=$root/scripts/bench-report.py
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
tap_plan 9

# Net: ours split tx 64 B 100/300/200 (median 200), Debian's 90/110/100
# (100): 2.00. Blk: vhost 1000/3000/2000 (2000) vs uring 1000/1000/1000:
# 2.00; an even count (4 fio samples 10 20 30 40): median 25.
cat > "$t/log" <<'LOG'
# bench-host started=2026-01-02T03:04:05Z
===== bench-ring begin
batch split total
1 100
===== bench-ring end status=0
run.sh: distro kernel 6.1.0-99-amd64, modules: vhost_net, job x
# bench-machine vm_kernel=6.1.0-99-amd64 vm_cpus=2 vm_mem_kib=3000000 accel=tcg vm_cpu_model=QEMU_TCG
# ===== net: selftests/net/bench_net.sh =====
# ratio metric=tx_pps size=64 ring=split ours=200 distro=100 value=2.00
# bench-part part=net script=selftests/net/bench_net.sh status=0 secs=10
# bench-part part=blk script=selftests/blk/bench_blk.sh status=1 secs=20
===== bench-results part=net file=bench_net.results lines=7 begin
side=ours round=1 metric=tx_pps size=64 ring=split value=100.0
side=distro round=1 metric=tx_pps size=64 ring=split value=90.0
side=distro round=2 metric=tx_pps size=64 ring=split value=110.0
side=ours round=2 metric=tx_pps size=64 ring=split value=300.0
side=ours round=3 metric=tx_pps size=64 ring=split value=200.0
[   36.1] hrtimer: interrupt took 25499650 ns
side=distro round=3 metric=tx_pps size=64 ring=split value=100.0
side=user round=3 metric=tx_pps size=64 ring=split val
===== bench-results part=net end
===== bench-results part=blk file=bench_blk.results lines=10 begin
backend=null_blk round=1 mode=vhost point=randread-4k-d32-q1 iops=1000.0 mbs=4.1 cpu_ns=15000
backend=null_blk round=2 mode=vhost point=randread-4k-d32-q1 iops=3000.0 mbs=12.3 cpu_ns=16000
backend=null_blk round=3 mode=vhost point=randread-4k-d32-q1 iops=2000.0 mbs=8.2 cpu_ns=17000
backend=null_blk round=1 mode=uring point=randread-4k-d32-q1 iops=1000.0 mbs=4.1 cpu_ns=15000
backend=null_blk round=2 mode=uring point=randread-4k-d32-q1 iops=1000.0 mbs=4.1 cpu_ns=15000
backend=null_blk round=3 mode=uring point=randread-4k-d32-q1 iops=1000.0 mbs=4.1 cpu_ns=15000
backend=null_blk round=1 mode=fio point=randread-4k-d32-q1 iops=10.0 mbs=0.04
backend=null_blk round=2 mode=fio point=randread-4k-d32-q1 iops=20.0 mbs=0.08
backend=null_blk round=3 mode=fio point=randread-4k-d32-q1 iops=30.0 mbs=0.12
backend=null_blk round=4 mode=fio point=randread-4k-d32-q1 iops=40.0 mbs=0.16
===== bench-results part=blk end
===== bench-results part=scale file=bench_scale.results lines=6 begin
bench=scale round=1 part=net metric=tx_pps size=64 ring=split queues=1 devices=1 mode=notify value=100.0
bench=scale round=2 part=net metric=tx_pps size=64 ring=split queues=1 devices=1 mode=notify value=300.0
bench=scale round=1 part=net metric=tx_cpu_ns size=64 ring=split queues=1 devices=1 mode=notify value=50.0
bench=scale round=1 part=net metric=tx_pps size=64 ring=split queues=4 devices=1 mode=notify value=400.0
bench=scale round=1 part=net metric=tx_cpu_ns size=64 ring=split queues=4 devices=1 mode=notify value=60.0
bench=scale round=1 part=blk mode=vhost point=randread-4k-d32-q1 rw=randread bs=4096 depth=32 queues=1 iops=1000.0 mbs=4.0 cpu_ns=9000.0 drv_cpu_ns=1.0 devices=1 poll=notify
===== bench-results part=scale end
# bench-host ended=2026-01-02T03:24:05Z ring_secs=1 vm_secs=1000 total_secs=1001 vm_status=1 other_vms_max=0
LOG

cd "$root" || exit 1
tap_check "json: converts the fixed log" python3 "$report" json "$t/log" "$t/out.json"

# check PY-EXPR DESC: a test point from a Python expression over the JSON
# (d) and its summary (s).
check() {
	tap_check "$2" python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); s = d["summary"]
def net(m, size): return [r for r in s["net"] if r["metric"] == m and r["size"] == size][0]
def blk(p): return [r for r in s["blk"] if r["point"] == p][0]
ok = eval(sys.argv[2])
print("got", ok) if not ok else None
sys.exit(0 if ok is True else 1)' "$t/out.json" "$1"
}

check 'd["sample_counts"] == {"net": 6, "blk": 10, "scale": 6} and len(d["garbled_lines"]) == 2 and d["samples"]["net"][0]["value"] == 100.0' \
	"json: every good sample kept, two broken console lines left out"
check 'd["machine"]["vm_kernel"] == "6.1.0-99-amd64" and d["machine"]["emulated"] is True and d["date"] == "2026-01-02T03:04:05Z" and d["run"]["total_secs"] == 1001 and d["machine"]["cores"] >= 1 and "rev" in d["git"] and [p["status"] for p in d["parts"]] == [0, 1]' \
	"json: machine, date, run time and the parts' status"
check 'net("tx_pps", 64)["ours_split"] == {"n": 3, "median": 200.0, "min": 100.0, "max": 300.0} and net("tx_pps", 64)["distro_split"]["median"] == 100.0 and abs(net("tx_pps", 64)["ours_split/distro"] - 2.0) < 1e-9 and net("tx_pps", 64)["user_split"] is None' \
	"net: median, min, max and ours/Debian of medians"
check 'blk("randread-4k-d32-q1")["vhost"]["median"] == 2000.0 and blk("randread-4k-d32-q1")["fio"]["median"] == 25.0 and abs(blk("randread-4k-d32-q1")["ours/uring"] - 2.0) < 1e-9 and blk("randread-4k-d32-q1")["iodepth"] == 32 and blk("randread-4k-d32-q1")["cpu_ns_vhost"]["median"] == 16000' \
	"blk: medians (odd and even counts), ours/io_uring, iodepth from the point name"
check '[r["stats"]["value"]["median"] for r in s["scale"] if r.get("metric") == "tx_pps" and r["queues"] == 1] == [200.0] and [r["stats"]["iops"]["median"] for r in s["scale"] if r["part"] == "blk"] == [1000.0] and d["script_ratios"]["net"][0]["value"] == 2.0' \
	"scale: lines taken generically (dimensions kept, measurements' medians)"

out=$(python3 "$report" tables "$t/out.json" 2>&1)
if echo "$out" | grep -q '| tx_pps (higher better) | 64 | 200.0 \[100.0..300.0\] | - | 100.0 \[90.0..110.0\] |.* 2.00 |' &&
   echo "$out" | grep -q '| null_blk | randread-4k-d32-q1 | IOPS | 2000 \[1000..3000\] |' &&
   echo "$out" | grep -q '| net split TX 64B | notify | 4 queues | 400.0 \[400.0..400.0\] | 2.00 | 60.0 \[60.0..60.0\] | 1.20 |' &&
   echo "$out" | grep -q '| blk randread QD32 | notify | 1 queue | 1000 \[1000..1000\] | 1.00 |'; then
	tap_ok "tables: the medians and ratios printed (scaling: against one queue)"
else
	tap_not_ok "tables: the medians and ratios printed (scaling: against one queue)"
	tap_diag "$out"
fi

printf '# x\nbefore\n### Benchmarks\nhand-written text\n## Next\nafter\n' > "$t/README.md"
mkdir "$t/docs"
python3 "$report" readme "$t/out.json" "$t/README.md" "$t/docs" > /dev/null &&
	cp "$t/README.md" "$t/first" &&
	python3 "$report" readme "$t/out.json" "$t/README.md" "$t/docs" > /dev/null
if cmp -s "$t/first" "$t/README.md" &&
   [ "$(grep -c 'bench:begin\|bench:end' "$t/README.md")" = 2 ] &&
   grep -q '^hand-written text$' "$t/README.md" && grep -q '^after$' "$t/README.md" &&
   grep -q 'git `' "$t/README.md" && grep -q '2026-01-02T03:04:05Z' "$t/README.md" &&
   grep -q 'Parts that failed.*blk (status 1)' "$t/README.md" &&
   grep -q 'at 4 queues / 1 queue ≤ 1.15 (worst of 1 series: net split TX 64B, notify) | 1.200 | \*\*missed\*\*' "$t/README.md"; then
	tap_ok "readme: the block between the markers, the same twice, text outside kept"
else
	tap_not_ok "readme: the block between the markers, the same twice, text outside kept"
	tap_diag "$(cat "$t/README.md")"
fi

if command -v gnuplot > /dev/null; then
	if python3 "$report" plots "$t/out.json" "$t/docs" > /dev/null &&
	   [ -s "$t/docs/net-tx_pps.png" ] && [ -s "$t/docs/blk-null_blk-randread.png" ] &&
	   head -n 3 "$t/docs/net-tx_pps.png" | grep -aq 'SPDX-License-Identifier:' &&
	   [ -z "$(find "$t/docs" -name '*.dat')" ]; then
		tap_ok "plots: PNGs drawn, with the SPDX line the static checks want"
	else
		tap_not_ok "plots: PNGs drawn, with the SPDX line the static checks want"
		tap_diag "$(ls -l "$t/docs")"
	fi
else
	tap_skip "no gnuplot (scripts/install-deps.sh)" "plots: PNGs drawn"
fi
tap_done
