"""Pathological layouts at their limits: time and peak memory of `layoutc check`, against the file's size.

    python benchmarks/hostile.py [--size N] [--shape NAME ...]

Each shape of fuzz/families.py's PATHOLOGICAL family (deep nesting, thousands of mutually
overlapping regions or holes, long escapes, huge literals and widths...) is written at size N
(default 10,000: lines, levels or repetitions) and checked in a fresh `python -m layoutc check`
process; the figures are its CPU time and its peak RSS above that of checking an empty file
(the interpreter, the parser tables: the constant).  Issue 10's targets: well under a second per
pathological file, memory at most ~10x the file's size plus that constant.  Nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT


def _run(path: Path) -> tuple[float, int, int]:
    """(CPU seconds, peak RSS in KiB, exit code) of one `layoutc check` in a fresh process (wait4's rusage)."""
    process = subprocess.Popen([sys.executable, "-m", "layoutc", "check", str(path)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from fuzz.families import PATHOLOGICAL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--shape", action="append", default=[], choices=sorted(PATHOLOGICAL))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.kl"
        empty.write_text("")
        base_cpu, base_kb, _ = _run(empty)
        print(f"empty file: {base_cpu:.2f} s CPU, {base_kb / 1024:.0f} MiB peak RSS (the constant)")
        print(f"{'shape':<22} {'file':>10} {'exit':>4} {'CPU s':>6} {'above empty':>12} {'RSS/size':>8}")
        for shape in args.shape or sorted(PATHOLOGICAL):
            path = Path(folder) / f"{shape}.kl"
            path.write_text(PATHOLOGICAL[shape](random.Random(0), args.size), encoding="utf-8")
            size = path.stat().st_size
            cpu, peak_kb, code = _run(path)
            extra = max(0, peak_kb - base_kb) * 1024
            print(f"{shape:<22} {size:>10,} {code:>4} {cpu - base_cpu:>6.2f} {extra / 2**20:>9.1f} MiB "
                  f"{extra / size:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
