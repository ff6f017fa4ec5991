#!/usr/bin/env python3
"""Collects the runs of scripts/bench_vs_ezkl.sh into one JSON file and a markdown table.

Usage: summarize.py RUNS_DIR RESULTS_JSON TABLE_MD [--load-start "1.0 0.9 0.8"]

RUNS_DIR/<shape>/run<i>/ holds, per run: ezkl-compile.{json,time}, ezkl-prove.{json,time}
and zkmlp.{json,time}, where each .json is the tool's one-line report and each .time is
/usr/bin/time -v's output. Timings are medians over the runs; EZKL's peak RSS is the larger of
its compile and prove processes (the SRS is generated in a third, unmeasured process, once per
k, as it would be downloaded once in real use). The table goes to stdout and TABLE_MD.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

SHAPE_ORDER = [
    "8-16-16-1",
    "24-48-1",
    "16-64-64-1",
    "32-256-256-1",
    "128-384-1",
    "1024-512-1",
]


def read_json(path):
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    if not lines:
        sys.exit(f"summarize.py: {path} is empty")
    return json.loads(lines[-1])


def read_time(path):
    with open(path) as f:
        text = f.read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if not m:
        sys.exit(f"summarize.py: no peak RSS in {path}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    seconds = None
    if wall:
        seconds = 0.0
        for part in wall.group(1).split(":"):
            seconds = seconds * 60 + float(part)
    return {"peak_rss_kb": int(m.group(1)), "wall_s": seconds}


def max_abs_error(report):
    return max(abs(a - b) for a, b in zip(report["outputs"], report["float_outputs"]))


def machine(load_start):
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    mem_kb = None
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/proc/loadavg") as f:
            load_end = " ".join(f.read().split()[:3])
    except OSError:
        load_end = None
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1) if mem_kb else None,
        "os": platform.platform(),
        "rustc": run("rustc", "-V"),
        "git_rev": run("git", "rev-parse", "--short", "HEAD"),
        "git_dirty": bool(run("git", "status", "--porcelain")),
        "load_avg_start": load_start,
        "load_avg_end": load_end,
    }


def collect(runs_dir):
    models = {}
    shapes = [s for s in SHAPE_ORDER if os.path.isdir(os.path.join(runs_dir, s))]
    if not shapes:
        sys.exit(f"summarize.py: no runs under {runs_dir}")
    for shape in shapes:
        base = os.path.join(runs_dir, shape)
        runs = sorted(
            (d for d in os.listdir(base) if re.fullmatch(r"run\d+", d)), key=lambda d: int(d[3:])
        )
        records = []
        for run in runs:
            d = os.path.join(base, run)
            ec, ep, z = (read_json(os.path.join(d, f)) for f in ("ezkl-compile.json", "ezkl-prove.json", "zkmlp.json"))
            ect, ept, zt = (read_time(os.path.join(d, f)) for f in ("ezkl-compile.time", "ezkl-prove.time", "zkmlp.time"))
            records.append(
                {
                    "run": int(run[3:]),
                    "ezkl": {
                        **ep,
                        "compile": ec,
                        "compile_s": ec["compile_s"],
                        "peak_rss_kb": max(ect["peak_rss_kb"], ept["peak_rss_kb"]),
                        "peak_rss_kb_compile": ect["peak_rss_kb"],
                        "peak_rss_kb_prove": ept["peak_rss_kb"],
                        "wall_s": (ect["wall_s"] or 0) + (ept["wall_s"] or 0),
                        "max_abs_error": max_abs_error(ep),
                    },
                    "zkmlp": {
                        **z,
                        "peak_rss_kb": zt["peak_rss_kb"],
                        "wall_s": zt["wall_s"],
                        "max_abs_error": max_abs_error(z),
                    },
                }
            )
        if not records:
            sys.exit(f"summarize.py: no run<i> directories under {base}")
        with open(os.path.join(runs_dir, "..", "models", shape, "meta.json")) as f:
            meta = json.load(f)
        models[shape] = {"params": meta["params"], "runs": records}
    return models


def median(records, tool, key):
    return statistics.median(r[tool][key] for r in records)


def table(models, n_runs):
    def pair(a, b, fmt):
        return f"{fmt.format(a)} / {fmt.format(b)}"

    rows = [
        "| MLP | params | k | scale bits | setup s | prove s | verify ms | proof bytes | peak RSS MiB "
        "| output \\|error\\| vs float | prove EZKL/zkmlp | RSS EZKL/zkmlp |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    summary = {}
    for shape, m in models.items():
        r = m["runs"]
        s = {
            tool: {
                "k": r[0][tool]["k"],
                "scale_bits": r[0][tool]["scale_bits"],
                "keygen_s": median(r, tool, "keygen_s"),
                "prove_s": median(r, tool, "prove_s"),
                "verify_ms": median(r, tool, "verify_ms"),
                "proof_bytes": r[0][tool]["proof_bytes"],
                "peak_rss_mib": median(r, tool, "peak_rss_kb") / 1024,
                "max_abs_error": r[0][tool]["max_abs_error"],
            }
            for tool in ("ezkl", "zkmlp")
        }
        e, z = s["ezkl"], s["zkmlp"]
        s["prove_ratio"] = e["prove_s"] / z["prove_s"]
        s["rss_ratio"] = e["peak_rss_mib"] / z["peak_rss_mib"]
        summary[shape] = s
        rows.append(
            "| "
            + " | ".join(
                [
                    shape,
                    f"{m['params']:,}",
                    f"{e['k']} / {z['k']}",
                    f"{e['scale_bits']} / {z['scale_bits']}",
                    pair(e["keygen_s"], z["keygen_s"], "{:.2f}"),
                    pair(e["prove_s"], z["prove_s"], "{:.3f}"),
                    pair(e["verify_ms"], z["verify_ms"], "{:.1f}"),
                    f"{e['proof_bytes']:,} / {z['proof_bytes']:,}",
                    pair(e["peak_rss_mib"], z["peak_rss_mib"], "{:.0f}"),
                    pair(e["max_abs_error"], z["max_abs_error"], "{:.1e}"),
                    f"{s['prove_ratio']:.1f}x",
                    f"{s['rss_ratio']:.1f}x",
                ]
            )
            + " |"
        )
    return "\n".join(rows), summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs_dir")
    ap.add_argument("results_json")
    ap.add_argument("table_md")
    ap.add_argument("--load-start", default=None)
    args = ap.parse_args()

    models = collect(args.runs_dir)
    n_runs = min(len(m["runs"]) for m in models.values())
    md, summary = table(models, n_runs)
    info = machine(args.load_start)
    ezkl_version = next(iter(models.values()))["runs"][0]["ezkl"].get("ezkl_version")
    header = (
        f"Each cell is EZKL {ezkl_version} / zkmlp; medians of {n_runs} run(s) per tool, "
        f"alternating, on {info['cores']} cores of {info['cpu']} ({info['memory_gib']} GiB), "
        f"{info['date_utc']}, zkmlp {info['git_rev']}{' (dirty tree)' if info['git_dirty'] else ''}, "
        f"load average at start {info['load_avg_start']}. Setup is key generation (both SRSs are "
        f"UNSAFE test SRSs made beforehand); peak RSS from /usr/bin/time -v, for EZKL the larger "
        f"of its compile (settings, calibrate, compile) and prove (setup, witness, prove, verify) "
        f"processes; error is max |proven output - float64 output| on the one input; scale bits are "
        f"fractional bits (EZKL: max of its calibrated input and param scales)."
    )
    with open(args.table_md, "w") as f:
        f.write(header + "\n\n" + md + "\n")
    results = {"machine": info, "summary": summary, "models": models}
    with open(args.results_json, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    print(header)
    print()
    print(md)


if __name__ == "__main__":
    main()
