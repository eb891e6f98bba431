#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-report.py: make bench's output, from the log of one run.

  bench-report.py json LOG OUT.json     every sample and the machine
  bench-report.py tables JSON           medians and ratios, as text
  bench-report.py plots JSON DIR        PNG plots (gnuplot) in DIR
  bench-report.py readme JSON README DOCDIR
                                        the README's figures between
                                        <!-- bench:begin --> and
                                        <!-- bench:end -->, plots linked
                                        from DOCDIR

LOG is what scripts/bench-run.sh kept: run.sh's console output of
selftests/bench/bench_all.sh, with the raw sample files of bench_net.sh,
bench_blk.sh and bench_scale.sh between "===== bench-results" markers,
plus "# bench-host" and "# bench-machine" lines. Python 3 standard
library only.
"""

import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"

# Net sides and rings in the order of the tables and plots.
NET_IMPLS = [("ours", "split"), ("ours", "packed"), ("distro", "split"),
             ("user", "split"), ("user", "packed")]
NET_NAMES = {("ours", "split"): "ours (split)",
             ("ours", "packed"): "ours (packed)",
             ("distro", "split"): "Debian (split)",
             ("user", "split"): "userspace (split)",
             ("user", "packed"): "userspace (packed)"}
BLK_MODES = ["vhost", "uring", "fio"]
BLK_NAMES = {"vhost": "ours (vhost-blk)", "uring": "io_uring device",
             "fio": "fio on the device"}
# Keys of a scaling line that are dimensions even though numeric.
SCALE_DIMS = {"round", "queues", "devices", "size", "iodepth", "depth",
              "workers", "busypoll", "poll_us", "busyloop_us"}
MEASURE_RE = re.compile(r"(^value$|pps|iops|mbs|bps|_ns$|_us$|cpu|ratio|"
                        r"per_|rate|lat)")


def num(s):
    """A sample value as int or float if it is one, else the string."""
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return s


def parse_kv(line):
    """key=value tokens of a line as a dict, or None if one is not."""
    d = {}
    for tok in line.split():
        if "=" not in tok:
            return None
        k, v = tok.split("=", 1)
        if not k:
            return None
        d[k] = num(v)
    return d


def blk_point(d):
    """Add pattern, block size, iodepth and queues from a blk point name
    (randread-4k-d32-q1)."""
    m = re.match(r"^(\w+)-(\d+k)-d(\d+)-q(\d+)$", str(d.get("point", "")))
    if m:
        d["pattern"] = m.group(1)
        d["bs"] = m.group(2)
        d["iodepth"] = int(m.group(3))
        d["queues"] = int(m.group(4))
    return d


def cmd_out(args):
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=20)
        return r.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def host_machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    qemu = cmd_out(["qemu-system-x86_64", "--version"]).splitlines()
    return {"cpu_model": model, "cores": os.cpu_count(),
            "host_kernel": os.uname().release,
            "qemu": qemu[0] if qemu else ""}


def git_rev():
    rev = cmd_out(["git", "rev-parse", "--short=12", "HEAD"])
    dirty = cmd_out(["git", "status", "--porcelain", "--untracked-files=no"])
    return {"rev": rev, "dirty": bool(dirty)}


def parse_log(lines):
    """The run in a log: samples per part, the scripts' own ratio lines,
    the machine lines, each part's status and time."""
    run = {"samples": {}, "script_ratios": {}, "parts": [], "vm": {},
           "host": {}, "ring": [], "garbled": [], "declared": {}}
    part = None       # the part whose output we are in (for ratio lines)
    section = None    # a results section: its part
    ring = False
    for raw in lines:
        line = raw.rstrip("\r\n").replace("\r", "")
        m = re.match(r"^===== bench-results part=(\S+) file=\S+ lines=(\d+) begin", line)
        if m:
            section = m.group(1)
            run["declared"][section] = int(m.group(2))
            run["samples"].setdefault(section, [])
            continue
        if section is not None:
            if line.startswith("===== bench-results part=%s end" % section):
                section = None
                continue
            d = parse_kv(line)
            if d is None or "round" not in d:
                run["garbled"].append(line)
                continue
            if section == "blk":
                blk_point(d)
            run["samples"][section].append(d)
            continue
        if line.startswith("===== bench-ring begin"):
            ring = True
            continue
        if line.startswith("===== bench-ring end"):
            ring = False
            continue
        if ring:
            run["ring"].append(line)
            continue
        m = re.match(r"^# ===== (\w+): ", line)
        if m:
            part = m.group(1)
            continue
        for tag, key in (("# bench-machine ", "vm"), ("# bench-host ", "host")):
            if line.startswith(tag):
                d = parse_kv(line[len(tag):]) or {}
                run[key].update(d)
        if line.startswith("# bench-part "):
            run["parts"].append(parse_kv(line[len("# bench-part "):]) or {})
        elif line.startswith("# ratio ") and part:
            d = parse_kv(line[len("# ratio "):])
            if d is not None:
                run["script_ratios"].setdefault(part, []).append(d)
        m = re.match(r"^run\.sh: (\w+) kernel (\S+),", line)
        if m:
            run["vm"].setdefault("vm_kernel", m.group(2))
    return run


def stats(vals):
    vals = [v for v in vals if isinstance(v, (int, float))]
    if not vals:
        return None
    return {"n": len(vals), "median": statistics.median(vals),
            "min": min(vals), "max": max(vals)}


def ratio(a, b):
    if not a or not b or not b["median"]:
        return None
    return a["median"] / b["median"]


def summarize(doc):
    """Medians and ratios of medians, per part."""
    s = {}
    net = doc["samples"].get("net", [])
    if net:
        groups = {}
        for d in net:
            k = (d.get("metric"), d.get("size"))
            groups.setdefault(k, {}).setdefault(
                (d.get("side"), d.get("ring")), []).append(d.get("value"))
        rows = []
        for (metric, size), by in groups.items():
            st = {"%s_%s" % impl: stats(by.get(impl, [])) for impl in NET_IMPLS}
            row = {"metric": metric, "size": size,
                   "better": "lower" if re.search(r"^lat|_ns$", str(metric)) else "higher"}
            row.update(st)
            row["ours_split/distro"] = ratio(st["ours_split"], st["distro_split"])
            row["ours_packed/distro"] = ratio(st["ours_packed"], st["distro_split"])
            row["ours_split/user"] = ratio(st["ours_split"], st["user_split"])
            row["ours_packed/user"] = ratio(st["ours_packed"], st["user_packed"])
            rows.append(row)
        s["net"] = rows
    blk = doc["samples"].get("blk", [])
    if blk:
        groups = {}
        for d in blk:
            f = "mbs" if str(d.get("point", "")).startswith(("read-", "write-")) else "iops"
            k = (d.get("backend"), d.get("point"))
            g = groups.setdefault(k, {"metric": f, "by": {}, "cpu": {}})
            g["by"].setdefault(d.get("mode"), []).append(d.get(f))
            if "cpu_ns" in d:
                g["cpu"].setdefault(d.get("mode"), []).append(d["cpu_ns"])
        rows = []
        for (backend, point), g in groups.items():
            row = blk_point({"backend": backend, "point": point,
                             "metric": g["metric"]})
            for m in BLK_MODES:
                row[m] = stats(g["by"].get(m, []))
                row["cpu_ns_" + m] = stats(g["cpu"].get(m, []))
            row["ours/uring"] = ratio(row["vhost"], row["uring"])
            row["ours/fio"] = ratio(row["vhost"], row["fio"])
            rows.append(row)
        s["blk"] = rows
    scale = doc["samples"].get("scale", [])
    if scale:
        groups = {}
        for d in scale:
            dims = tuple(sorted((k, v) for k, v in d.items()
                                if k != "round" and not is_measure(k, v)))
            g = groups.setdefault(dims, {})
            for k, v in d.items():
                if is_measure(k, v):
                    g.setdefault(k, []).append(v)
        rows = []
        for dims, g in groups.items():
            row = dict(dims)
            row["stats"] = {k: stats(v) for k, v in g.items()}
            rows.append(row)
        s["scale"] = rows
    return s


def is_measure(k, v):
    if k in SCALE_DIMS or k == "bench":
        return False
    if not isinstance(v, (int, float)):
        return False
    return bool(MEASURE_RE.search(k)) or isinstance(v, float)


def cmd_json(log, out):
    with open(log, errors="replace") as f:
        run = parse_log(f)
    started = run["host"].get("started") or \
        datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    machine = host_machine()
    machine.update({k: v for k, v in run["vm"].items()})
    machine["emulated"] = run["vm"].get("accel", "tcg") != "kvm"
    counts = {p: len(v) for p, v in run["samples"].items()}
    doc = {
        "schema": 1,
        "date": started,
        "git": git_rev(),
        "machine": machine,
        "run": {k: v for k, v in run["host"].items() if k != "started"},
        "parts": run["parts"],
        "sample_counts": counts,
        "declared_counts": run["declared"],
        "garbled_lines": run["garbled"],
        "samples": run["samples"],
        "script_ratios": run["script_ratios"],
        "ring_microbench": run["ring"],
    }
    doc["summary"] = summarize(doc)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, out)
    for p, n in run["declared"].items():
        if counts.get(p, 0) != n:
            print("bench-report: part %s: %d of %d sample lines parsed"
                  % (p, counts.get(p, 0), n), file=sys.stderr)
    print("bench-report: wrote %s (%s samples)" % (
        out, ", ".join("%s %d" % kv for kv in counts.items()) or "no"))
    return 0


def load(path):
    with open(path) as f:
        doc = json.load(f)
    if "summary" not in doc:
        doc["summary"] = summarize(doc)
    return doc


def fmt(v, digits=None):
    if v is None:
        return "-"
    if digits is None:
        digits = 0 if abs(v) >= 1000 else (1 if abs(v) >= 10 else 2)
    return "%.*f" % (digits, v)


def fmt_stat(st):
    if not st:
        return "-"
    return "%s [%s..%s]" % (fmt(st["median"]), fmt(st["min"]), fmt(st["max"]))


def fmt_ratio(r):
    return "-" if r is None else "%.2f" % r


def size_key(row):
    return (str(row["metric"]), row["size"] if isinstance(row["size"], int) else 0)


def net_order(rows):
    order = {"tx_pps": 0, "tx_cpu_ns": 1, "rx_pps": 2, "rx_cpu_ns": 3}
    return sorted(rows, key=lambda r: (order.get(r["metric"], 4),) + size_key(r))


def blk_order(rows):
    return sorted(rows, key=lambda r: (str(r["backend"]), r.get("bs") != "4k",
                                       r.get("queues", 0), r.get("pattern", ""),
                                       r.get("iodepth", 0)))


def net_table(rows):
    """Markdown table of the net medians and ratios."""
    out = ["| metric | size | " + " | ".join(NET_NAMES[i] for i in NET_IMPLS) +
           " | ours split / Debian | ours packed / Debian | ours split / user split"
           " | ours packed / user packed |",
           "|---|---:|" + "---:|" * (len(NET_IMPLS) + 4)]
    for r in net_order(rows):
        cells = [fmt_stat(r["%s_%s" % i]) for i in NET_IMPLS]
        out.append("| %s (%s better) | %s | %s | %s | %s | %s | %s |" % (
            r["metric"], r["better"], r["size"], " | ".join(cells),
            fmt_ratio(r["ours_split/distro"]), fmt_ratio(r["ours_packed/distro"]),
            fmt_ratio(r["ours_split/user"]), fmt_ratio(r["ours_packed/user"])))
    return out


def blk_table(rows):
    out = ["| backend | point | unit | " + " | ".join(BLK_NAMES[m] for m in BLK_MODES) +
           " | ours / io_uring | ours / fio | CPU µs/req ours | CPU µs/req io_uring |",
           "|---|---|---|" + "---:|" * (len(BLK_MODES) + 4)]
    for r in blk_order(rows):
        cpu = [fmt(r["cpu_ns_" + m]["median"] / 1000, 1) if r.get("cpu_ns_" + m) else "-"
               for m in ("vhost", "uring")]
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["backend"], r["point"], "IOPS" if r["metric"] == "iops" else "MB/s",
            " | ".join(fmt_stat(r[m]) for m in BLK_MODES),
            fmt_ratio(r["ours/uring"]), fmt_ratio(r["ours/fio"]), cpu[0], cpu[1]))
    return out


def scale_series(rows):
    """
    bench_scale.sh's points by series: {(series, mode): {(queues, devices):
    {"thr": stats, "cpu": stats}}}. A net series is a ring and a direction
    (packets/s, worker ns per packet), a blk one a pattern and an iodepth
    (IOPS, worker ns per request); mode: notify or busypoll.
    """
    out = {}
    for r in rows:
        st = r.get("stats", {})
        if r.get("part") == "net":
            metric = str(r.get("metric", ""))
            kind = "thr" if metric.endswith("_pps") else "cpu"
            series = "net %s %s %sB" % (r.get("ring"), metric.split("_")[0].upper(),
                                        r.get("size"))
            mode, v = r.get("mode"), st.get("value")
            pts = [(kind, v)]
        elif r.get("part") == "blk":
            series = "blk %s QD%s" % (r.get("rw"), r.get("depth"))
            mode = r.get("poll")
            pts = [("thr", st.get("iops")), ("cpu", st.get("cpu_ns"))]
        else:
            continue
        at = (r.get("queues"), r.get("devices"))
        for kind, v in pts:
            if v:
                out.setdefault((series, mode), {}).setdefault(at, {})[kind] = v
    return out


# The scaling points, in the order shown, against one queue of one device.
SCALE_POINTS = [((1, 1), "1 queue"), ((2, 1), "2 queues"), ((4, 1), "4 queues"),
                ((1, 4), "4 devices"), ((1, 16), "16 devices")]


def scale_rows(rows):
    """(series, mode, point, throughput, its ratio, cpu, its ratio) tuples."""
    out = []
    for (series, mode), by in sorted(scale_series(rows).items()):
        base = by.get((1, 1), {})
        for at, text in SCALE_POINTS:
            p = by.get(at)
            if not p:
                continue
            thr, cpu = p.get("thr"), p.get("cpu")
            out.append((series, mode, text, thr, ratio(thr, base.get("thr")),
                        cpu, ratio(cpu, base.get("cpu"))))
    return out


def scale_table(rows):
    out = ["| series | mode | point | packets/s or IOPS | × 1 queue | worker ns per packet or request | × 1 queue |",
           "|---|---|---|---:|---:|---:|---:|"]
    for series, mode, text, thr, rt, cpu, rc in scale_rows(rows):
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            series, mode, text, fmt_stat(thr), fmt_ratio(rt), fmt_stat(cpu),
            fmt_ratio(rc)))
    return out


def scale_goals(doc):
    """Goal lines: worker CPU per unit at 4 queues and 16 devices <= 1.15x."""
    out = []
    rows = scale_rows(doc["summary"].get("scale", []))
    for text in ("4 queues", "16 devices"):
        got = [(rc, series, mode) for series, mode, t, _, _, _, rc in rows
               if t == text and rc is not None]
        if not got:
            out.append("| scaling: worker CPU per unit at %s / 1 queue ≤ 1.15 | - | no figure |" % text)
            continue
        worst = max(got)
        met = sum(1 for g in got if g[0] <= 1.15)
        out.append("| scaling: worker CPU per unit at %s / 1 queue ≤ 1.15 (worst of %d series: %s, %s) | %.3f | %s (%d of %d series within) |" % (
            text, len(got), worst[1], worst[2], worst[0],
            "met" if met == len(got) else "**missed**", met, len(got)))
    return out


# The goals of issue 13 (and the README's for blk): (part, row match,
# ratio key, op, goal, text).
GOALS = [
    ("net", ("tx_pps", 64), "ours_packed/distro", ">=", 1.3, "net TX 64 B, ours (packed) / Debian"),
    ("net", ("tx_pps", 64), "ours_split/distro", ">=", 1.1, "net TX 64 B, ours (split) / Debian"),
    ("net", ("rx_pps", 64), "ours_packed/distro", ">=", 1.3, "net RX 64 B, ours (packed) / Debian"),
    ("net", ("rx_pps", 64), "ours_split/distro", ">=", 1.1, "net RX 64 B, ours (split) / Debian"),
    ("net", ("lat_us", 64), "ours_split/distro", "<=", 1.0, "one-in-flight round trip, ours (split) / Debian"),
    ("net", ("lat_us", 64), "ours_packed/distro", "<=", 1.0, "one-in-flight round trip, ours (packed) / Debian"),
    ("net", ("tx_pps", 64), "ours_split/user", ">=", 2.0, "net TX 64 B, ours / userspace (split)"),
    ("net", ("tx_pps", 64), "ours_packed/user", ">=", 2.0, "net TX 64 B, ours / userspace (packed)"),
    ("net", ("rx_pps", 64), "ours_split/user", ">=", 2.0, "net RX 64 B, ours / userspace (split)"),
    ("net", ("rx_pps", 64), "ours_packed/user", ">=", 2.0, "net RX 64 B, ours / userspace (packed)"),
    ("blk", ("null_blk", "randread-4k-d32-q1"), "ours/uring", ">=", 1.2, "blk null_blk randread QD32, ours / io_uring device"),
    ("blk", ("null_blk", "randwrite-4k-d32-q1"), "ours/uring", ">=", 1.2, "blk null_blk randwrite QD32, ours / io_uring device"),
    ("blk", ("null_blk", "randread-4k-d32-q1"), "ours/fio", ">=", 0.8, "blk null_blk randread QD32, ours / fio"),
    ("blk", ("null_blk", "randwrite-4k-d32-q1"), "ours/fio", ">=", 0.8, "blk null_blk randwrite QD32, ours / fio"),
]


def goals(doc):
    """Markdown lines: each goal, the figure of this run, met or missed."""
    s = doc["summary"]
    out = ["| goal | this run | |", "|---|---:|---|"]
    for part, match, key, op, goal, text in GOALS:
        if part == "net":
            rows = [r for r in s.get("net", []) if (r["metric"], r["size"]) == match]
        else:
            rows = [r for r in s.get("blk", []) if (r["backend"], r["point"]) == match]
        v = rows[0].get(key) if rows else None
        if v is None:
            verdict = "no figure"
        else:
            met = v >= goal if op == ">=" else v <= goal
            verdict = "met" if met else "**missed**"
        out.append("| %s %s %.1f | %s | %s |" % (text, op.replace(">=", "≥").replace("<=", "≤"),
                                                goal, "-" if v is None else "%.3f" % v, verdict))
    return out + scale_goals(doc)


def machine_line(doc):
    m = doc["machine"]
    return ("%s, %s cores, host kernel %s; VM: Debian's %s, %s CPUs, %s; %s" % (
        m.get("cpu_model", "?"), m.get("cores", "?"), m.get("host_kernel", "?"),
        m.get("vm_kernel", "?"), m.get("vm_cpus", "?"),
        "emulated (TCG)" if m.get("emulated", True) else "KVM", m.get("qemu", "?")))


def run_line(doc):
    r = doc.get("run", {})
    rounds = sorted({d.get("round") for p in doc["samples"].values() for d in p
                     if isinstance(d.get("round"), int)})
    parts = ", ".join("%s absent" % p.get("part") if p.get("status") == "absent" else
                      "%s %s s%s" % (p.get("part"), p.get("secs", "?"),
                                     "" if p.get("status") == 0 else
                                     " (status %s)" % p.get("status"))
                      for p in doc.get("parts", []))
    others = r.get("other_vms_max", 0)
    return ("%d round(s); make bench took %s s (VM %s s: %s)%s" % (
        len(rounds), r.get("total_secs", "?"), r.get("vm_secs", "?"), parts,
        "; **%s other VM(s) ran on the machine during the run: figures are noisy**"
        % others if others else "; no other VM ran on the machine"))


def cmd_tables(path):
    doc = load(path)
    s = doc["summary"]
    print("# make bench, %s, git %s%s" % (doc["date"], doc["git"]["rev"],
                                          " (modified)" if doc["git"]["dirty"] else ""))
    print("# " + machine_line(doc))
    print("# " + run_line(doc))
    for name, fn in (("net", net_table), ("blk", blk_table), ("scale", scale_table)):
        if s.get(name):
            print("#\n# %s: median [min..max]; ratios of medians" % name)
            for line in fn(s[name]):
                print("# " + line)
    return 0


def gnuplot(script, cwd):
    if not shutil.which("gnuplot"):
        print("bench-report: no gnuplot (apt-get install gnuplot-nox)", file=sys.stderr)
        return 1
    r = subprocess.run(["gnuplot"], input=script, text=True, cwd=cwd,
                       capture_output=True)
    if r.returncode:
        print(r.stderr, file=sys.stderr)
    return r.returncode


PLOT_HEAD = """set terminal pngcairo size 900,540 font ",10" noenhanced
set grid
set key outside right top
set bars 2
"""


def plot_net(doc, d):
    rows = doc["summary"].get("net", [])
    made = []
    for metric, title, ylabel in (
            ("tx_pps", "net TX", "packets/s (median, bars min..max)"),
            ("rx_pps", "net RX", "packets/s (median, bars min..max)"),
            ("tx_cpu_ns", "net TX worker CPU per packet", "ns per packet (lower is better)"),
            ("rx_cpu_ns", "net RX worker CPU per packet", "ns per packet (lower is better)")):
        mr = sorted((r for r in rows if r["metric"] == metric and isinstance(r["size"], int)),
                    key=lambda r: r["size"])
        if not mr:
            continue
        plots = []
        for i, impl in enumerate(NET_IMPLS):
            key = "%s_%s" % impl
            pts = [(r["size"], r[key]) for r in mr if r.get(key)]
            if not pts:
                continue
            fn = "net-%s-%s.dat" % (metric, key)
            with open(os.path.join(d, fn), "w") as f:
                for size, st in pts:
                    f.write("%d %g %g %g\n" % (size, st["median"], st["min"], st["max"]))
            plots.append("'%s' using 1:2:3:4 with yerrorlines lw 2 title '%s'" % (
                fn, NET_NAMES[impl]))
        if not plots:
            continue
        png = "net-%s.png" % metric
        sizes = " ".join(str(r["size"]) for r in mr)
        script = PLOT_HEAD + """set output '%s'
set title "%s against frame size (%s)"
set logscale x
set xrange [40:%d]
set xtics (%s)
set xlabel "frame size, bytes"
set ylabel "%s"
set yrange [0:*]
plot %s
""" % (png, title, doc["date"][:10], max(r["size"] for r in mr) * 1.6,
       ", ".join('"%s" %s' % (s, s) for s in sizes.split()), ylabel, ", ".join(plots))
        if gnuplot(script, d) == 0:
            made.append(png)
    return made


def plot_blk(doc, d):
    rows = doc["summary"].get("blk", [])
    made = []
    combos = sorted({(r["backend"], r.get("pattern")) for r in rows
                     if r.get("bs") == "4k" and r.get("iodepth")})
    for backend, pattern in combos:
        plots = []
        for q in sorted({r["queues"] for r in rows if r.get("bs") == "4k"}):
            for m in BLK_MODES:
                pts = sorted((r["iodepth"], r[m]) for r in rows
                             if r["backend"] == backend and r.get("pattern") == pattern
                             and r.get("bs") == "4k" and r.get("queues") == q and r.get(m))
                if not pts:
                    continue
                fn = "blk-%s-%s-q%d-%s.dat" % (backend, pattern, q, m)
                with open(os.path.join(d, fn), "w") as f:
                    for depth, st in pts:
                        f.write("%d %g %g %g\n" % (depth, st["median"], st["min"], st["max"]))
                plots.append("'%s' using 1:2:3:4 with yerrorlines lw 2 dt %d title '%s, %d queue%s'"
                             % (fn, 1 if q == 1 else 2, BLK_NAMES[m], q, "" if q == 1 else "s"))
        if not plots:
            continue
        png = "blk-%s-%s.png" % (backend, pattern)
        script = PLOT_HEAD + """set output '%s'
set title "blk 4 KiB %s on %s: IOPS against iodepth (%s)"
set logscale x 2
set xrange [0.7:180]
set xtics (1, 32, 128)
set xlabel "iodepth"
set ylabel "IOPS (median, bars min..max)"
set yrange [0:*]
plot %s
""" % (png, pattern, backend, doc["date"][:10], ", ".join(plots))
        if gnuplot(script, d) == 0:
            made.append(png)
    return made


def plot_scale(doc, d):
    """
    Throughput and worker CPU per packet or request against queues (one
    device) and against devices (one queue each), relative to one queue of
    one device: one line per series and mode (see scale_series).
    """
    made = []
    series = scale_series(doc["summary"].get("scale", []))
    axes = (("queues", lambda at: at[1] == 1, 0), ("devices", lambda at: at[0] == 1, 1))
    kinds = (("thr", "throughput", "packets/s or IOPS"),
             ("cpu", "cpu", "worker CPU per unit"))
    for xkey, on_axis, xi in axes:
        for kind, name, what in kinds:
            plots = []
            for i, ((sname, mode), by) in enumerate(sorted(series.items())):
                base = by.get((1, 1), {}).get(kind)
                pts = sorted((at[xi], p[kind]) for at, p in by.items()
                             if on_axis(at) and kind in p)
                if not base or not base["median"] or len(pts) < 2:
                    continue
                fn = "scale-%s-%s-%d.dat" % (xkey, name, i)
                with open(os.path.join(d, fn), "w") as f:
                    for x, st in pts:
                        f.write("%d %g %g %g\n" % (x, st["median"] / base["median"],
                                                    st["min"] / base["median"],
                                                    st["max"] / base["median"]))
                plots.append("'%s' using 1:2:3:4 with yerrorlines lw 2 dt %d title '%s, %s'" % (
                    fn, 1 if mode == "notify" else 2, sname, mode))
            if not plots:
                continue
            png = "scale-%s-%s.png" % (name, xkey)
            script = PLOT_HEAD + """set output '%s'
set title "scaling: %s against %s, relative to 1 queue of 1 device (%s)"
set logscale x 2
set xtics (1, 2, 4, 16)
set xrange [0.8:%d]
set xlabel "%s"
set ylabel "%s / one queue (median, bars min..max)"
set yrange [0:*]
set key outside right
plot %s
""" % (png, what, xkey, doc["date"][:10], 5 if xkey == "queues" else 20, xkey, name,
       ", ".join(plots))
            if gnuplot(script, d) == 0:
                made.append(png)
    return made


def cmd_plots(path, d):
    doc = load(path)
    os.makedirs(d, exist_ok=True)
    # a plot an earlier run drew and this one does not must not stay
    for fn in os.listdir(d):
        if re.match(r"^(net|blk|scale)-.*\.png$", fn):
            os.remove(os.path.join(d, fn))
    made = plot_net(doc, d) + plot_blk(doc, d) + plot_scale(doc, d)
    for fn in os.listdir(d):
        if fn.endswith(".dat"):
            os.remove(os.path.join(d, fn))
    for png in made:
        png_spdx(os.path.join(d, png))
    print("bench-report: %d plot(s) in %s: %s" % (len(made), d, " ".join(made)))
    return 0 if made else 1


def png_chunk(kind, data):
    import struct
    import zlib
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def png_spdx(path):
    """Put the licence in a tEXt chunk right after IHDR, so that it falls in
    the file's first three "lines" where the SPDX check looks
    (scripts/static-checks.sh)."""
    with open(path, "rb") as f:
        data = f.read()
    sig, ihdr_end = 8, 8 + 8 + 13 + 4
    if data[:sig] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return
    text = png_chunk(b"tEXt", b"Comment\0SPDX-License-Identifier: GPL-2.0")
    if b"SPDX-License-Identifier" in data[:ihdr_end + len(text) + 64]:
        return
    out = data[:ihdr_end] + text + data[ihdr_end:]
    with open(path, "wb") as f:
        f.write(out)


def cmd_readme(path, readme, docdir):
    doc = load(path)
    s = doc["summary"]
    rel = os.path.relpath(docdir, os.path.dirname(os.path.abspath(readme)) or ".")
    rank = {"net": 0, "blk": 1, "scale": 2}
    pngs = sorted((fn for fn in os.listdir(docdir) if fn.endswith(".png")),
                  key=lambda fn: (rank.get(fn.split("-")[0], 3), fn)) \
        if os.path.isdir(docdir) else []
    L = [BEGIN,
         "<!-- Generated by `make bench-readme` (scripts/bench-report.py) from "
         "build/bench/bench-%s.json: do not edit by hand. -->" %
         doc["date"].replace(":", "").replace("-", "")[:15].replace("T", "-"),
         "",
         "Latest `make bench`: %s, git `%s`%s." % (
             doc["date"], doc["git"]["rev"], " (with local changes)" if doc["git"]["dirty"] else ""),
         "Machine: %s." % machine_line(doc),
         "Run: %s." % run_line(doc),
         "Absolute figures under emulation are far below hardware; compare ratios within the run.",
         ""]
    failed = [p for p in doc.get("parts", []) if p.get("status") not in (0, "absent")]
    if failed:
        L += ["**Parts that failed in this run** (their samples so far are shown): %s." %
              ", ".join("%s (status %s)" % (p.get("part"), p.get("status")) for p in failed), ""]
    L += ["Goals (issue 13; blk: the Benchmarks text below), ratios of medians of this run:", ""] + \
        goals(doc) + [""]
    if s.get("net"):
        L += ["Network (`bench_net.sh`): median [min..max] over the rounds; ratios of medians "
              "(Debian's vhost_net has only the split ring: both of ours are compared with it).",
              ""] + net_table(s["net"]) + [""]
    if s.get("blk"):
        L += ["Block (`bench_blk.sh`): IOPS for 4 KiB points, MB/s for 128 KiB; point "
              "`<pattern>-<size>-d<iodepth>-q<queues>`; median [min..max]; ratios of medians; "
              "device CPU per request (median).", ""] + blk_table(s["blk"]) + [""]
    if s.get("scale"):
        L += ["Scaling (`bench_scale.sh`): median [min..max] per point, and its ratio to one "
              "queue of one device (Q queues of one device, each on its own worker; D devices "
              "of one queue, one owner each; notify or busy-poll mode).", ""] + \
            scale_table(s["scale"]) + [""]
    else:
        L += ["Scaling: no `bench_scale.sh` results in this run.", ""]
    for png in pngs:
        L.append("![%s](%s/%s)" % (png[:-4], rel, png))
    L.append(END)
    with open(readme) as f:
        text = f.read()
    if BEGIN in text and END in text:
        a = text.index(BEGIN)
        b = text.index(END) + len(END)
        text = text[:a] + "\n".join(L) + text[b:]
    else:
        # first time: at the start of the Benchmarks section's body
        m = re.search(r"^### Benchmarks\n", text, re.M)
        if not m:
            print("bench-report: no markers and no '### Benchmarks' in %s" % readme,
                  file=sys.stderr)
            return 1
        text = text[:m.end()] + "\n".join(L) + "\n\n" + text[m.end():]
    with open(readme + ".tmp", "w") as f:
        f.write(text)
    os.replace(readme + ".tmp", readme)
    print("bench-report: %s: Benchmarks figures rewritten (%d plots)" % (readme, len(pngs)))
    return 0


def main(argv):
    cmds = {"json": (cmd_json, 2), "tables": (cmd_tables, 1),
            "plots": (cmd_plots, 2), "readme": (cmd_readme, 3)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
