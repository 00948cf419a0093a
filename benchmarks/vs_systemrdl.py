"""layoutc versus systemrdl-compiler on the same register map.

The generator (benchmarks/generate.py) writes a layout of N regions and its
SystemRDL twin: one `addrmap` with one 32-bit register (one field) per region,
at the region's offset from the layout's base, `desc` from its label, `sw`
access from its perm.  layoutc checks the same registers written as KL (one
4-byte region each, same label and perm: ``register_map_kl``) -- the
like-for-like comparison the target is about; the realistic layout's time is
printed beside it.  In this one process, best of ``--repeat`` runs:

  systemrdl  ``RDLCompiler().compile_file(path)`` + ``.elaborate()``
  layoutc    ``layoutc.session.load_layout(path)`` (parse, elaborate, every rule)

Both parsers run with their grammar already built (systemrdl-compiler's
ANTLR tables load at import; layoutc's parser by a warm-up call), so the
in-process figures compare the work per file.  Skips with a message when
systemrdl-compiler is not installed (``pip install systemrdl-compiler``; it
is in the `bench` extra).

Then the figures the targets are about, WHOLE PROCESS as a user runs them, in
a fresh venv made by the benchmark (``pip install .[bench]``): the venv's
``layoutc check MAP.kl`` against its ``python -c '<compile_file + elaborate>'``
on the same flat map (median of ``--runs``; peak RSS of each process from
wait4), and ``layoutc check`` of the realistic layout beside them.  Targets:
layoutc at least 5x faster at 10,000 registers; 100,000 regions at most 13x the
10,000-region time; the peak RSS of the 100k check is shown beside
systemrdl-compiler's.

    python benchmarks/vs_systemrdl.py [--sizes 1000,10000] [--repeat 3]
                                      [--whole 10000,100000] [--runs 3] [--venv DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import best_of, fresh_venv, median, run_process, secs, table, venv_bin, verdict
from generate import generate, register_map_kl

TARGET_SPEEDUP = 5.0
TARGET_GROWTH = 13.0  # whole-process time of 100k regions over 10k
RDL_SCRIPT = ("import sys\nfrom systemrdl import RDLCompiler\ncompiler = RDLCompiler()\n"
              "compiler.compile_file(sys.argv[1])\nroot = compiler.elaborate()\n"
              "sys.exit(0 if sum(1 for _ in root.top.registers()) == int(sys.argv[2]) else 1)\n")


def available() -> str | None:
    """None when systemrdl-compiler can be imported, else why not."""
    try:
        import systemrdl  # noqa: F401
    except ImportError as error:
        return f"systemrdl-compiler is not installed ({error}); `pip install systemrdl-compiler` or the `bench` extra"
    return None


def compile_rdl(path: Path):
    from systemrdl import RDLCompiler

    compiler = RDLCompiler()
    compiler.compile_file(str(path))
    return compiler.elaborate()


def root_offsets(path: Path):
    return list(compile_rdl(path).top.registers())


def measure(n: int, repeat: int, directory: Path) -> dict:
    from layoutc.session import load_layout
    from layoutc.source import SourceFile
    from layoutc.syntax.grammar import parse

    gen = generate(n)
    kl = directory / f"bench_{n}.kl"
    plain = directory / f"bench_{n}_map.kl"
    rdl = directory / f"bench_{n}.rdl"
    kl.write_text(gen.kl, encoding="utf-8")
    plain.write_text(register_map_kl(gen), encoding="utf-8")
    rdl.write_text(gen.systemrdl(), encoding="utf-8")
    parse(SourceFile("<warm-up>", "const X = 1\n"))

    t_rdl, root = best_of(repeat, lambda: compile_rdl(rdl))
    registers = list(root.top.registers())
    offsets_ok = [r.absolute_address for r in registers] == [g.start - gen.regions[0].start for g in gen.regions]
    del root, registers[:]
    t_kl, result = best_of(repeat, lambda: load_layout(str(plain)))
    regions = list(result.layout.regions()) if result.layout is not None else []
    same = offsets_ok and [r.start for r in regions] == [r.absolute_address for r in root_offsets(rdl)]
    t_real, real = best_of(repeat, lambda: load_layout(str(kl)))
    return {
        "regions": n,
        "systemrdl": t_rdl,
        "layoutc": t_kl,
        "speedup": t_rdl / t_kl,
        "layoutc_realistic": t_real,
        "speedup_realistic": t_rdl / t_real,
        "same_map": same and len(regions) == n and not result.errors and not real.errors,
        "rdl_bytes": rdl.stat().st_size,
        "kl_bytes": kl.stat().st_size,
    }


def run(sizes: list[int], repeat: int) -> dict:
    reason = available()
    if reason:
        return {"skipped": reason, "rows": []}
    import systemrdl

    rows = []
    with tempfile.TemporaryDirectory(prefix="layoutc-rdl-") as tmp:
        for n in sizes:
            rows.append(measure(n, repeat, Path(tmp)))
            row = rows[-1]
            print(f"  measured {n:>7} registers/regions: systemrdl {secs(row['systemrdl'])}, "
                  f"layoutc {secs(row['layoutc'])}", flush=True)
    from systemrdl.parser import sa_systemrdl

    parser = "C++ (speedy-antlr)" if sa_systemrdl.USE_CPP_IMPLEMENTATION else "pure-Python ANTLR"
    return {"skipped": None, "rows": rows, "version": getattr(systemrdl, "__version__", "?"), "parser": parser}


def report(results: dict) -> None:
    if results["skipped"]:
        print(f"systemrdl benchmark SKIPPED: {results['skipped']}")
        return
    print(f"\nlayoutc check vs systemrdl-compiler {results['version']} compile + elaborate "
          f"(best of runs, one process, same map; its ANTLR parser: {results['parser']})")
    body = []
    for row in results["rows"]:
        body.append([f"{row['regions']:,}", f"{row['rdl_bytes'] / 1e6:.2f} MB / {row['kl_bytes'] / 1e6:.2f} MB",
                     secs(row["systemrdl"]), secs(row["layoutc"]), f"{row['speedup']:.2f}x",
                     verdict(row["speedup"] >= TARGET_SPEEDUP), "yes" if row["same_map"] else "NO"])
    print(table(body, ["registers", "rdl / kl size", "systemrdl", "layoutc", "speedup", ">=5x", "same map"]))
    print("  layoutc checks the same registers written as KL (benchmarks/generate.py register_map_kl).")
    print("  For scale, the realistic layout of as many regions (params, expressions, nesting):")
    for row in results["rows"]:
        print(f"    {row['regions']:>7,} regions: layoutc {secs(row['layoutc_realistic'])}, "
              f"{row['speedup_realistic']:.2f}x faster than systemrdl on the register map")
    if not all(row["same_map"] for row in results["rows"]):
        print("  WARNING: a run did not describe the same map in both tools (offsets, count or errors differ)")


def whole_process(sizes: list[int], runs: int, venv: str | None = None) -> dict:
    """Each size as fresh processes of the venv's `layoutc check` and of systemrdl-compiler (medians, peak RSS)."""
    if not sizes:
        return {"skipped": "no sizes", "rows": []}
    with tempfile.TemporaryDirectory(prefix="layoutc-rdl-whole-") as tmp:
        directory = Path(tmp)
        try:
            where = Path(venv) if venv else fresh_venv(directory, "bench")
        except RuntimeError as error:
            return {"skipped": str(error), "rows": []}
        layoutc, python = str(venv_bin(where, "layoutc")), str(venv_bin(where, "python"))
        rows = []
        for n in sizes:
            gen = generate(n)
            plain, real, rdl = directory / f"map_{n}.kl", directory / f"real_{n}.kl", directory / f"map_{n}.rdl"
            plain.write_text(register_map_kl(gen), encoding="utf-8")
            real.write_text(gen.kl, encoding="utf-8")
            rdl.write_text(gen.systemrdl(), encoding="utf-8")
            rdl_runs = 1 if n >= 100_000 else runs  # one 100k systemrdl run is tens of seconds
            commands = {"layoutc": [layoutc, "check", str(plain)], "realistic": [layoutc, "check", str(real)],
                        "systemrdl": [python, "-c", RDL_SCRIPT, str(rdl), str(n)]}
            measured: dict[str, list] = {key: [] for key in commands}
            for i in range(runs):  # taking turns, so a change in the machine's load hits all three alike
                for key, argv in commands.items():
                    if key != "systemrdl" or i < rdl_runs:
                        measured[key].append(run_process(argv, directory))
            row = {"regions": n, "ok": all(r.code == 0 for runs_ in measured.values() for r in runs_)}
            for key, done in measured.items():
                row[key] = median([r.wall for r in done])
                row[key + "_cpu"] = median([r.cpu for r in done])
                row[key + "_rss"] = max(r.rss_mib for r in done)
                row[key + "_runs"] = len(done)
            rows.append(row)
            print(f"  whole process {n:>7}: layoutc {secs(row['layoutc'])}, systemrdl {secs(row['systemrdl'])}",
                  flush=True)
    by_n = {row["regions"]: row for row in rows}
    both = {10_000, 100_000} <= set(by_n)
    growth = by_n[100_000]["layoutc"] / by_n[10_000]["layoutc"] if both else None
    growth_cpu = by_n[100_000]["layoutc_cpu"] / by_n[10_000]["layoutc_cpu"] if both else None
    return {"skipped": None, "rows": rows, "growth": growth, "growth_cpu": growth_cpu,
            "venv": str(venv) if venv else "fresh (made by this run)"}


def report_whole(results: dict) -> None:
    if results["skipped"]:
        print(f"whole-process systemrdl comparison SKIPPED: {results['skipped']}")
        return
    print(f"\nwhole process, as users run it (venv: {results['venv']}; median wall of the runs, peak RSS):")
    body = []
    for row in results["rows"]:
        speedup = row["systemrdl"] / row["layoutc"]
        body.append([f"{row['regions']:,}", f"{secs(row['layoutc'])} ({secs(row['layoutc_cpu'])} cpu)",
                     f"{secs(row['systemrdl'])} ({secs(row['systemrdl_cpu'])} cpu)",
                     f"{speedup:.2f}x ({row['systemrdl_cpu'] / row['layoutc_cpu']:.2f}x cpu)",
                     verdict(speedup >= TARGET_SPEEDUP), f"{row['layoutc_rss']:.0f} MiB",
                     f"{row['systemrdl_rss']:.0f} MiB", secs(row["realistic"]), f"{row['realistic_rss']:.0f} MiB",
                     f"{row['layoutc_runs']}/{row['systemrdl_runs']}", "yes" if row["ok"] else "NO"])
    print(table(body, ["regions", "layoutc check (flat map)", "systemrdl compile+elaborate", "speedup", ">=5x",
                       "layoutc RSS", "systemrdl RSS", "layoutc realistic", "realistic RSS", "runs kl/rdl",
                       "exit 0"]))
    if results["growth"] is not None:
        print(f"  growth of the flat-map check 10,000 -> 100,000 regions: {results['growth']:.1f}x wall, "
              f"{results['growth_cpu']:.1f}x cpu (target <= {TARGET_GROWTH:.0f}x -> "
              f"{verdict(results['growth'] <= TARGET_GROWTH)} wall, {verdict(results['growth_cpu'] <= TARGET_GROWTH)} cpu)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated register/region counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per in-process figure; the best counts")
    parser.add_argument("--whole", default="10000,100000", help="sizes for the whole-process figures ('' skips)")
    parser.add_argument("--runs", type=int, default=3, help="processes per whole-process figure; the median counts")
    parser.add_argument("--venv", help="reuse this venv (layoutc[bench] installed) instead of making a fresh one")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    report(run(sizes, args.repeat))
    whole = [int(s.replace("_", "")) for s in args.whole.split(",") if s.strip()]
    report_whole(whole_process(whole, args.runs, args.venv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
