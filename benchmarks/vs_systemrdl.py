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

Target: layoutc at least 5x faster.  Both parsers run with their grammar
already built (systemrdl-compiler's ANTLR tables load at import; layoutc's
Lark parser is built by a warm-up call), so the figures compare the work per
file.  Skips with a message when systemrdl-compiler is not installed
(``pip install systemrdl-compiler``; it is in the `bench` extra).

    python3 benchmarks/vs_systemrdl.py [--sizes 1000,10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import best_of, secs, table, verdict  # also puts the repository on sys.path
from generate import generate, register_map_kl

TARGET_SPEEDUP = 5.0


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated register/region counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    report(run(sizes, args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
