"""Hostile pictures against Graphviz's limits (L012, L013): `layoutc render -o x.svg` of small layouts
that make `dot` crawl, and what stops it.

    python benchmarks/graphviz_limits.py [--shape NAME ...] [--dot-timeout S]

Shapes: `fan-in-N` (N spaces of one region each, every one mapping into its own region of one RAM
space: a few kilobytes of layout; `dot` spends seconds at 64 and minutes at 128 ordering the arrows,
gigabytes at 600), `wide-N` (N regions in one space: ~6 table rows each, refused past 6000 rows
before dot starts), `spaces-N` (N unconnected spaces).  Each is rendered in a fresh
`python -m layoutc` process; the figures are wall time, CPU of the process and its children (dot
included), the peak RSS of layoutc or dot, whichever is larger (`common.run_process`), the exit
status, the L code reported and whether a picture was written.
Without the limits, fan-in-128 ran more than a minute and fan-in-600 past 1 GB (fan-in-1500: 7 GB).
Nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from common import ROOT, run_process


def fan_in(n: int) -> str:
    return ("space p bits 64 {\n" + "".join(f" region m{i} [{i}G, +4K)\n" for i in range(n)) + "}\n"
            + "".join(f"space v{i} bits 64 {{ region v{i} [{i}G, +4K) {{ kind = linear; maps = p.m{n - 1 - i} }} }}\n"
                      for i in range(n)))


def wide(n: int) -> str:
    return "space s bits 64 {\n" + "".join(f"region r{i} [{i}G, +4K)\n" for i in range(n)) + "}\n"


def spaces(n: int) -> str:
    return "".join(f"space s{i} bits 32 {{ region r{i} [0, +4K) }}\n" for i in range(n))


SHAPES = {"fan-in-32": lambda: fan_in(32), "fan-in-64": lambda: fan_in(64), "fan-in-128": lambda: fan_in(128),
          "fan-in-600": lambda: fan_in(600), "wide-500": lambda: wide(500), "wide-1100": lambda: wide(1100),
          "spaces-512": lambda: spaces(512)}


def render(path: Path, out: Path, timeout: str | None) -> tuple[float, float, int, int, str]:
    """(wall, CPU, peak RSS in KiB, exit code, the L0xx code it stopped with) of `layoutc render`, `dot`
    included: measured by ``common.run_process``, the process's own (RUSAGE_CHILDREN would be the largest
    of every shape so far, the benchmark's own image before exec included)."""
    argv = [sys.executable, "-m", "layoutc", "render", str(path), "-o", str(out)]
    with tempfile.TemporaryFile("w+") as errors:
        run = run_process(argv + (["--dot-timeout", timeout] if timeout else []), path.parent,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), stderr=errors)
        errors.seek(0)
        code = re.search(r"error\[(L0\d\d)\]", errors.read())
    return run.wall, run.cpu, int(run.rss_mib * 1024), run.code, code.group(1) if code else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES))
    parser.add_argument("--dot-timeout", default=None, help="passed to render (default: its own, 20 s of CPU)")
    args = parser.parse_args(argv)
    print(f"{'shape':12} {'layout':>9} {'wall':>8} {'CPU':>8} {'peak RSS':>9} exit code picture")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.shape or list(SHAPES):
            text = SHAPES[name]()
            path = Path(folder) / f"{name}.kl"
            path.write_text(text)
            out = Path(folder) / f"{name}.svg"
            wall, cpu, peak, code, found = render(path, out, args.dot_timeout)
            print(f"{name:12} {len(text):8,}B {wall:7.1f}s {cpu:7.1f}s {peak / 1024:7.0f}MB {code:4} {found:4} "
                  f"{'written' if out.exists() else 'none'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
