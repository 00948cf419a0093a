"""Run every benchmark (cold start, scale, SystemRDL) and print a summary table of figures and targets.

    python benchmarks/run_all.py            # full: 15 cold runs; 1k/10k/100k regions; SystemRDL at 1k/10k,
                                            # whole process at 10k/100k
    python benchmarks/run_all.py --quick    # a few minutes less: 7 cold runs; 1k/10k; SystemRDL at 1k,
                                            # whole process at 10k

The cold start and the whole-process figures run in fresh venvs the run makes
(``pip install .`` and ``.[bench]``); run it under ``nice`` on a shared machine.

Each section prints its own figures first; the table at the end restates them
against the targets.  Nothing here asserts: a missed target is a figure to
report, not a failure (the exit status is 0 unless a benchmark crashed).
"""

from __future__ import annotations

import argparse
import time

import cold_start
import scale
import vs_systemrdl
from common import median, secs, table, verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs")
    parser.add_argument("--repeat", type=int, default=3, help="runs per in-process figure; the best counts")
    args = parser.parse_args(argv)
    cold_runs = 7 if args.quick else 15
    scale_sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    rdl_sizes = [1_000] if args.quick else [1_000, 10_000]
    began = time.perf_counter()

    print("=" * 30, "cold start", "=" * 30)
    cold = cold_start.run(cold_runs)
    cold_start.report(cold)
    print("\n" + "=" * 30, "scale", "=" * 30)
    grown = scale.run(scale_sizes, args.repeat)
    scale.report(grown)
    print("\n" + "=" * 30, "systemrdl", "=" * 30)
    rdl = vs_systemrdl.run(rdl_sizes, args.repeat)
    vs_systemrdl.report(rdl)
    whole = vs_systemrdl.whole_process([10_000] if args.quick else [10_000, 100_000], 3)
    vs_systemrdl.report_whole(whole)

    rows = []
    ratio = median(cold["layoutc"]) / median(cold["python"])
    rows.append(["cold `layoutc check` / clean venv's `python -c pass`", f"{ratio:.2f}x",
                 f"<= {cold_start.TARGET_RATIO:.0f}x (stretch {cold_start.STRETCH_RATIO:.0f}x)",
                 verdict(ratio <= cold_start.TARGET_RATIO)])
    for row in grown["rows"]:
        rows.append([f"check overhead over Lark floor, {row['regions']:,} regions",
                     f"{row['overhead'] * 100:+.0f} % ({secs(row['total'])} vs {secs(row['floor'])})",
                     f"<= {scale.OVERHEAD_TARGET * 100:.0f} %", verdict(row["overhead"] <= scale.OVERHEAD_TARGET)])
    g = grown["growth"]
    if g:
        rows.append([f"growth of check time {scale.GROWTH_FROM:,} -> {scale.GROWTH_TO:,} regions",
                     f"{g['ratio']:.1f}x (Lark floor {g['floor_ratio']:.1f}x)", f"~{g['nlogn']:.1f}x (n log n)",
                     verdict(g["ratio"] <= g["nlogn"] * 1.2)])
    if rdl["skipped"]:
        rows.append(["speedup over systemrdl-compiler", "skipped", f">= {vs_systemrdl.TARGET_SPEEDUP:.0f}x", "n/a"])
    for row in rdl["rows"]:
        rows.append([f"speedup over systemrdl-compiler, {row['regions']:,} registers, in process",
                     f"{row['speedup']:.2f}x", f">= {vs_systemrdl.TARGET_SPEEDUP:.0f}x",
                     verdict(row["speedup"] >= vs_systemrdl.TARGET_SPEEDUP)])
    for row in whole["rows"]:
        speedup = row["systemrdl"] / row["layoutc"]
        rows.append([f"speedup over systemrdl-compiler, {row['regions']:,} registers, whole process",
                     f"{speedup:.2f}x (RSS {row['layoutc_rss']:.0f} vs {row['systemrdl_rss']:.0f} MiB)",
                     f">= {vs_systemrdl.TARGET_SPEEDUP:.0f}x", verdict(speedup >= vs_systemrdl.TARGET_SPEEDUP)])
    if whole.get("growth") is not None:
        rows.append(["whole-process check 10k -> 100k regions (flat map)", f"{whole['growth']:.1f}x",
                     f"<= {vs_systemrdl.TARGET_GROWTH:.0f}x", verdict(whole["growth"] <= vs_systemrdl.TARGET_GROWTH)])
    print("\n" + "=" * 30, "summary", "=" * 30)
    print(table(rows, ["figure", "measured", "target", "verdict"]))
    print(f"(all benchmarks took {time.perf_counter() - began:.0f} s; figures on a shared machine vary by 10-30 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
