"""Check time against layout size: 1,000 / 10,000 / 100,000 regions, versus a bare Lark parse.

For each size the generator (benchmarks/generate.py) writes a realistic
layout; in this one process, best of ``--repeat`` runs, we time:

  floor      Lark alone, same grammar, parse tree only (no transformer):
             ``Lark(kl.lark, parser="lalr", start="start").parse(text)``
  total      ``layoutc.session.load_layout(path)``: what `layoutc check` does
             short of printing
  parse      ``layoutc.syntax.grammar.parse`` (Lark + the AST builder)
  elaborate  ``layoutc.model.elaborate.elaborate``
  rules      ``layoutc.rules.run_rules`` (every model rule)

and print overhead = (total - floor) / floor (target <= 50 %) and the growth of
total from 10k to 100k regions (target: close to n log n, about 12.5x).

``--profile N`` runs cProfile over ``load_layout`` at N regions and prints the
layoutc functions with the largest cumulative share.

    python3 benchmarks/scale.py [--sizes 1000,10000,100000] [--repeat 3] [--profile 10000]
"""

from __future__ import annotations

import argparse
import gc
import math
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from common import best_of, secs, table, verdict  # also puts the repository on sys.path
from generate import generate

if TYPE_CHECKING:
    from typing_extensions import Self

OVERHEAD_TARGET = 0.50
GROWTH_FROM, GROWTH_TO = 10_000, 100_000


def _write(directory: Path, n: int) -> tuple[Path, object]:
    gen = generate(n)
    path = directory / f"bench_{n}.kl"
    path.write_text(gen.kl, encoding="utf-8")
    return path, gen


def floor_parser():
    from lark import Lark

    from layoutc.syntax.grammar import grammar_path

    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", start="start")


def _check_result(result, gen, n: int) -> str | None:
    """Why this run does not count (layoutc did not evaluate the generated layout), or None."""
    if result.layout is None:
        return "no layout: " + "; ".join(d.message for d in result.diagnostics[:3])
    regions = list(result.layout.regions())
    if len(regions) != n:
        return f"layoutc saw {len(regions)} regions, the generator wrote {n}"
    if result.errors:
        return f"{len(result.errors)} errors, first: {result.errors[0].code} {result.errors[0].message}"
    ends = [r.end for r in regions if r.end is not None]
    if not ends or max(ends) != gen.last_end:
        return "the last region's end differs from the generator's"
    return None


class StageTimer:
    """Times the stages inside ``load_layout`` by wrapping the functions the session calls.

    ``layoutc.session`` calls ``parse`` and ``elaborate`` through its module
    globals and imports ``run_rules`` from ``layoutc.rules`` at each call, so
    wrapping those three attributes sees every call of one real check.  If the
    session stops calling them that way, ``split`` is None and the report says so.
    """

    TARGETS = (("layoutc.session", "parse", "parse"), ("layoutc.session", "elaborate", "elaborate"),
               ("layoutc.rules", "run_rules", "rules"))

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._saved: list[tuple[object, str, object]] = []

    def __enter__(self) -> Self:
        import importlib

        for module_name, attr, stage in self.TARGETS:
            module = importlib.import_module(module_name)
            original = getattr(module, attr, None)
            if original is None:
                continue
            self._saved.append((module, attr, original))
            setattr(module, attr, self._wrap(original, stage))
        return self

    def __exit__(self, *exc) -> None:
        for module, attr, original in self._saved:
            setattr(module, attr, original)

    def _wrap(self, fn, stage: str):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[stage] = self.spent.get(stage, 0.0) + time.perf_counter() - start
                self.calls[stage] = self.calls.get(stage, 0) + 1
        return timed

    def reset(self) -> None:
        self.spent, self.calls = {}, {}

    def split(self) -> dict[str, float] | None:
        if set(self.calls) != {"parse", "elaborate", "rules"}:
            return None
        return dict(self.spent)


def measure(n: int, repeat: int, directory: Path, lark_floor=None) -> dict:
    """Every figure for one size, in seconds."""
    from layoutc.session import load_layout
    from layoutc.source import SourceFile
    from layoutc.syntax.grammar import parse

    path, gen = _write(directory, n)
    text = path.read_text(encoding="utf-8")
    lark_floor = lark_floor or floor_parser()
    parse(SourceFile("<warm-up>", "const X = 1\n"))  # build layoutc's parser outside the timings

    floor, _ = best_of(repeat, lambda: lark_floor.parse(text))
    best = None
    with StageTimer() as timer:
        for _ in range(max(1, repeat)):  # best total, with the split of that same run
            timer.reset()
            total, result = best_of(1, lambda: load_layout(str(path)))
            if best is None or total < best[0]:
                best = (total, timer.split())
            problem, warnings = _check_result(result, gen, n), len(result.warnings)
            del result  # before the next run: a live 100k-region result would slow the collector down
    total, split = best
    return {
        "regions": n,
        "bytes": len(text.encode("utf-8")),
        "lines": text.count("\n") + 1,
        "floor": floor,
        "total": total,
        "split": split,
        "overhead": (total - floor) / floor,
        "problem": problem,
        "warnings": warnings,
    }


def growth(rows: list[dict]) -> dict | None:
    by_n = {row["regions"]: row for row in rows}
    if GROWTH_FROM not in by_n or GROWTH_TO not in by_n:
        return None
    ratio = by_n[GROWTH_TO]["total"] / by_n[GROWTH_FROM]["total"]
    nlogn = (GROWTH_TO / GROWTH_FROM) * math.log(GROWTH_TO) / math.log(GROWTH_FROM)
    floor_ratio = by_n[GROWTH_TO]["floor"] / by_n[GROWTH_FROM]["floor"]
    return {"ratio": ratio, "nlogn": nlogn, "floor_ratio": floor_ratio}


def run(sizes: list[int], repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="layoutc-bench-") as tmp:
        lark = floor_parser()
        rows = []
        for n in sizes:
            runs = min(repeat, 2) if n >= 100_000 else repeat  # keep the largest size affordable
            rows.append(measure(n, runs, Path(tmp), lark))
            row = rows[-1]
            print(f"  measured {n:>7} regions: total {secs(row['total'])} (best of {runs})", flush=True)
    return {"rows": rows, "growth": growth(rows)}


def report(results: dict) -> None:
    rows = results["rows"]
    print()
    print("check time vs region count (best of runs, one process; floor = Lark parse tree, no transformer)")
    body = []
    for row in rows:
        split = row["split"]
        if split:
            other = row["total"] - split["parse"] - split["elaborate"] - split["rules"]
            parts = [secs(split["parse"]), secs(split["elaborate"]), secs(split["rules"]), secs(other)]
        else:
            parts = ["?"] * 4
        body.append([
            f"{row['regions']:,}", f"{row['lines']:,}", secs(row["floor"]), secs(row["total"]), *parts,
            f"{row['overhead'] * 100:+.0f} %", f"{row['total'] / row['regions'] * 1e6:.1f} us",
            verdict(row["overhead"] <= OVERHEAD_TARGET),
        ])
    print(table(body, ["regions", "lines", "floor", "total", "parse", "elaborate", "rules", "other",
                       "overhead", "per region", "<=50 %"]))
    print("  parse = Lark + AST builder; other = total - parse - elaborate - rules (reading, policy, sorting);")
    print("  the split is of the fastest total run (\"?\": the session no longer calls the stages the way StageTimer wraps)")
    for row in rows:
        if row["problem"]:
            print(f"  WARNING at {row['regions']} regions: {row['problem']}")
        elif row["warnings"]:
            print(f"  note: {row['warnings']} warnings at {row['regions']} regions (the input is meant to check clean)")
    g = results["growth"]
    if g:
        print(f"growth of total {GROWTH_FROM:,} -> {GROWTH_TO:,} regions: {g['ratio']:.1f}x "
              f"(n log n would be {g['nlogn']:.1f}x; Lark floor grew {g['floor_ratio']:.1f}x) "
              f"-> {verdict(g['ratio'] <= g['nlogn'] * 1.2)} (within 20 % of n log n)")


def _wrapper(name: str) -> bool:
    """Entry points whose time is just the Lark parse under them."""
    return name.endswith(("(load_layout)", "(parse_layout)")) or (
        name.startswith("layoutc/syntax/grammar.py:") and name.endswith("(parse)"))


def profile(n: int, top: int = 25) -> None:
    """cProfile over one ``load_layout`` at ``n`` regions: layoutc functions by cumulative time."""
    import cProfile
    import pstats

    from layoutc.session import load_layout
    from layoutc.source import SourceFile
    from layoutc.syntax.grammar import parse

    with tempfile.TemporaryDirectory(prefix="layoutc-bench-") as tmp:
        path, _ = _write(Path(tmp), n)
        parse(SourceFile("<warm-up>", "const X = 1\n"))
        profiler = cProfile.Profile()
        profiler.enable()
        load_layout(str(path))
        profiler.disable()
    stats = pstats.Stats(profiler)
    entries = []
    for (filename, line, func), (cc, nc, tt, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.replace("\\", "/")
        if "/layoutc/" in where:
            short = where[where.index("/layoutc/") + 1:]
        elif "/lark/" in where:
            short = where[where.index("/lark/") + 1:]
        else:
            continue
        entries.append((ct, tt, nc, f"{short}:{line}({func})"))
    # percentages of load_layout's own cumulative time (cProfile charges collector pauses to whatever ran)
    total = max((ct for ct, _, _, name in entries if name.endswith("(load_layout)")), default=stats.total_tt)
    print(f"\ncProfile of load_layout at {n:,} regions (profiled total {total:.2f} s; "
          f"cumulative %, own %, calls), layoutc and lark functions:")
    entries.sort(reverse=True)
    rows = [[f"{ct / total * 100:5.1f} %", f"{tt / total * 100:5.1f} %", f"{nc:,}", name]
            for ct, tt, nc, name in entries[:top]]
    print(table(rows, ["cumul", "own", "calls", "function"]))
    shares = {"layoutc": 0.0, "lark": 0.0}
    for ct, tt, nc, name in entries:
        shares[name.split("/")[0]] += tt
    other = max(0.0, total - sum(shares.values()))
    print(f"own time by package: layoutc {shares['layoutc'] / total * 100:.1f} %, lark {shares['lark'] / total * 100:.1f} %, "
          f"builtins and the rest (allocation, collector) {other / total * 100:.1f} %")
    own = [e for e in entries if e[3].startswith("layoutc/") and not _wrapper(e[3])]
    own.sort(reverse=True)
    rows = [[f"{ct / total * 100:5.1f} %", f"{tt / total * 100:5.1f} %", f"{nc:,}", name]
            for ct, tt, nc, name in own[:top]]
    print("\nlayoutc's own functions (not the calls that only wrap the Lark parse), by cumulative time:")
    print(table(rows, ["cumul", "own", "calls", "function"]))
    print(f"\nby own time (top {top // 2}):")
    entries.sort(key=lambda e: e[1], reverse=True)
    rows = [[f"{tt / total * 100:5.1f} %", f"{ct / total * 100:5.1f} %", f"{nc:,}", name]
            for ct, tt, nc, name in entries[: top // 2]]
    print(table(rows, ["own", "cumul", "calls", "function"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated region counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    parser.add_argument("--profile", type=int, action="append", default=[], metavar="N",
                        help="also cProfile load_layout at N regions (repeatable)")
    parser.add_argument("--profile-only", action="store_true", help="skip the timings, only profile")
    parser.add_argument("--gc", choices=("on", "threshold", "off"), default="on",
                        help="what-if: the cyclic garbage collector as a real check runs it (on, the default), "
                             "with gen-0 threshold 100000 (threshold), or disabled (off)")
    args = parser.parse_args(argv)
    if args.gc == "off":
        gc.disable()
    elif args.gc == "threshold":
        gc.set_threshold(100_000, 50, 100)
    if args.gc != "on":
        print(f"NOTE: garbage collector {args.gc!r}: these are what-if figures, not what `layoutc check` does today")
    if not args.profile_only:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
        report(run(sizes, args.repeat))
    for n in args.profile:
        profile(n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
