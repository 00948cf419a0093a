"""Hostile layouts against the memory bound: time, peak memory and peak per input byte of `layoutc check`,
and of every verb that writes what it makes (render, emit, build) for large valid layouts.

    python benchmarks/hostile.py [--size N] [--bytes B] [--shape NAME ...] [--venv DIR] [--no-whole]
                                 [--no-limits] [--no-large]

Four sets of shapes:

* ``fuzz/families.py``'s PATHOLOGICAL family (deep nesting, thousands of mutually overlapping
  regions or holes, long escapes, huge literals and widths...) at size N (default 10,000);
* DENSE shapes written to about B bytes (default 1 MiB): the most memory per input byte each
  statement can cost (short regions, consts, params, `set`s, waivers, asserts, long lists and
  sums, deep expressions and regions at the nesting limit, syntax errors and findings per line);
* files AT a limit and ONE PAST it (L001 file size, L007 region count with the densest region line,
  L014 token count with the densest tokens);
* LARGE valid layouts (``benchmarks/generate.py``, 10,000 and 100,000 regions: 1.45 and 14.9 MB)
  through `check`, `render -o FILE.dot`, `emit header|ld|json|dot -o FILE` and `build -o DIR`:
  what a large output costs beside the model (``--no-large`` skips them).

Each file is checked in a fresh process twice in process (the tree's layoutc on a large-stack
thread, as the CLI runs it): once for peak RSS (VmHWM, reset through /proc/self/clear_refs) above
the warmed-up interpreter, once under tracemalloc for the peak of Python allocations; and, unless
``--no-whole``, once as a whole process (its own peak: ``common.run_process``) with a clean venv's interpreter (made by this run, or
``--venv DIR``) whose baseline is the same venv checking an empty file.  Printed per shape: file
bytes, exit code, CPU seconds, peak above baseline in MiB and per input byte, and OVER where a
refused file's peak exceeds the bound of layoutc/limits.py (MEMORY_PER_INPUT_BYTE x file bytes +
MEMORY_CONSTANT) or any peak exceeds 500 MB; an accepted file above the bound is marked
"above (accepted)": a valid layout costs what its declarations cost.
Issue 10's targets: well under a second per pathological file, memory within that bound.
The benchmark only prints; the bound lives here, not in a timed unit test.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from common import ROOT, clean_env, fresh_venv, run_process, venv_bin

MIB = 2**20
OVER_MEMORY = 500 * MIB  # the campaign's over-memory (fuzz/runner.py, OVER_MEMORY_KB), for every input


def _name(i: int) -> str:
    """A short unique name: base 36."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        out = digits[i % 36] + out
        i //= 36
        if not i:
            return out


def _lines(template: Callable[[int], str], head: str = "", tail: str = "") -> Callable[[int], str]:
    return lambda n: head + "".join(template(i) for i in range(n)) + tail


# n -> text; each is written with the n that makes it about --bytes long
DENSE: dict[str, Callable[[int], str]] = {
    "regions": _lines(lambda i: f"region r{_name(i)} [{i}, +1)\n", "space s bits 64 {\n", "}\n"),
    "regions-one-line": _lines(lambda i: f"region r{_name(i)}[{i},+1);", "space s bits 64 {", "}\n"),
    "regions-no-separator": _lines(lambda i: f"region r{_name(i)}[{i},+1)", "space s bits 64 {", "}\n"),
    "regions-attrs": _lines(lambda i: f'region r{_name(i)} [{i}, +1) {{ kind = linear; perm = "rw" }}\n',
                            "space s bits 64 {\n", "}\n"),
    "regions-same-name": _lines(lambda i: f"region r [{i}, +1)\n", "space s bits 64 {\n", "}\n"),
    "regions-all-overlap": _lines(lambda i: f"region r{_name(i)} [0,1)\n", "space s bits 64 {\n", "}\n"),
    "holes": _lines(lambda i: f'hole [{i},+1)""\n', "space s bits 64 {\n", "}\n"),
    "consts": _lines(lambda i: f"const c{_name(i)}=1\n"),
    "consts-same-name": _lines(lambda i: "const c=1\n"),
    "consts-undefined": _lines(lambda i: f"const c{_name(i)}=x\n"),
    "consts-chain": lambda n: "".join(f"const c{_name(i)}=c{_name(i + 1)}+c{_name(i + 2)}\n" for i in range(n))
                              + f"const c{_name(n)}=0\nconst c{_name(n + 1)}=0\n",
    "params": _lines(lambda i: f"param p{_name(i)}:int=1\n"),
    "sets": _lines(lambda i: "set p=1\n", "param p:int=1\n"),
    "sets-undefined": _lines(lambda i: f"set p{_name(i)}=1\n"),
    "waivers": _lines(lambda i: 'allow O101 ""\n'),
    "asserts": _lines(lambda i: 'assert 1==1:""\n'),
    "asserts-failing": _lines(lambda i: 'assert 1==2:""\n'),
    "strings": _lines(lambda i: f'const s{_name(i)}=""\n'),
    "syntax-errors": _lines(lambda i: "const =\n"),
    "bad-escapes": lambda n: 'const s="' + "\\q" * n + '"\n',
    "long-sum": lambda n: "const x=1" + "+1" * n + "\n",
    "long-call": lambda n: "const x=max(1" + ",1" * n + ")\n",
    "long-match": lambda n: "const x=match 1{" + ",".join(f"{i}=>1" for i in range(n)) + "}\n",
    "long-choice": lambda n: "param c:choice(" + ",".join(f"v{_name(i)}" for i in range(n)) + ")=v0\n",
    "long-banks": lambda n: "param r:banks=" + ",".join(f"{i}:1" for i in range(n)) + "\n",
    "deep-parens-at-limit": _lines(lambda i: f"const c{_name(i)}=" + "(" * 255 + "1" + ")" * 255 + "\n"),
    "deep-unary-at-limit": _lines(lambda i: f"const c{_name(i)}=" + "-" * 256 + "1\n"),
    "deep-regions-at-limit": _lines(lambda i: "".join(f"region r{_name(i)}x{j}[0,1){{" for j in range(256))
                                    + "}" * 256 + "\n", "space s bits 64 {\n", "}\n"),
}


def _at_limits() -> dict[str, str]:
    """Files at a limit and one past it (the densest region line the parser takes)."""
    from layoutc.limits import MAX_FILE_BYTES, MAX_LIST_ITEMS, MAX_REGIONS, MAX_TOKENS

    def regions(n: int) -> str:
        return DENSE["regions"](n)

    def sums(tokens: int) -> str:
        """Constants of the longest sums L015 allows, `tokens` tokens in all: `const c=1` is 4, each `+1` two more."""
        longest = 4 + 2 * (MAX_LIST_ITEMS - 1)
        lines = [f"const c{_name(i)}=1" + "+1" * (MAX_LIST_ITEMS - 1) + "\n" for i in range(tokens // longest)]
        rest = tokens % longest
        if rest:
            lines.append(f"const c{_name(len(lines))}=1" + "+1" * ((rest - 4) // 2) + "\n")
        return "".join(lines)

    comment = "//" + "x" * 78 + "\n"
    return {
        "L001-at-limit (comments)": (comment * (MAX_FILE_BYTES // len(comment) + 1))[:MAX_FILE_BYTES],
        "L001-one-past": "\n" * (MAX_FILE_BYTES + 1),
        "L007-at-limit": regions(MAX_REGIONS),
        "L007-one-past": regions(MAX_REGIONS + 1),
        "L007-one-past (holes)": DENSE["holes"](MAX_REGIONS + 1),
        # the most memory per token: sums of 1s as long as L015 lets them be
        "L014-at-limit (sums)": sums(MAX_TOKENS),
        "L014-one-past": sums(MAX_TOKENS) + "+\n",
        "L015-at-limit": "const x=1" + "+1" * (MAX_LIST_ITEMS - 1) + "\n",
        "L015-one-past": "const x=1" + "+1" * MAX_LIST_ITEMS + "\n",
    }


# what the large layouts are run through: every verb that writes what it makes ({dir}: a scratch directory)
LARGE_VERBS = [["check", "{file}"], ["render", "{file}", "--format", "dot", "-o", "{dir}/out.dot"],
               *([["emit", kind, "{file}", "-o", f"{{dir}}/out.{kind}"] for kind in ("header", "ld", "json", "dot")]),
               ["build", "{file}", "-o", "{dir}/build"]]


def _sized(make: Callable[[int], str], target: int) -> str:
    probe = make(200)
    return make(max(1, round(200 * target / len(probe))))


# ------------------------------------------------------------------ in the measuring process

def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def measure(argv: list[str], traced: bool) -> dict:
    """One `layoutc ARGV` (`check FILE`...) on a large-stack thread after a warm-up: CPU, peak above
    the warmed-up interpreter (VmHWM) or, ``traced``, tracemalloc's peak."""
    import contextlib
    import gc
    import io
    import threading
    import time
    import tracemalloc

    sys.setrecursionlimit(60_000)
    threading.stack_size(512 * MIB)
    from layoutc.cli import _dispatch

    result: dict = {}

    def run(args: list[str]) -> int:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return _dispatch(args)

    def work() -> None:
        with tempfile.TemporaryDirectory() as folder:  # the warm-up: every module a check imports
            warm = Path(folder) / "warm.kl"
            warm.write_text('space s bits 32 { region r [0, 4K) }\nconst X = 1\nassert X == 1 : "x"\n')
            run(["check", str(warm)])
        gc.collect()
        if traced:
            tracemalloc.start()
        base = _status("VmRSS:")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        start = time.process_time()
        result["code"] = run(argv)
        result["cpu"] = time.process_time() - start
        result["peak"] = tracemalloc.get_traced_memory()[1] if traced else max(0, _status("VmHWM:") - base)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return result


# tracemalloc walks the whole Python stack on every allocation (to count its frames), so a shape that
# evaluates deep recursion (`const-cycle`: 10,000 constants, each waiting on the next) takes minutes
# traced where it takes 0.4 s untraced: a traced run longer than this is given up and shown as "-"
TRACED_SECONDS = 120


def _in_process(argv: list[str], traced: bool) -> dict | None:
    try:
        done = subprocess.run([sys.executable, __file__, "--measure", json.dumps(argv)] + (["--traced"] if traced else []),
                              capture_output=True, text=True, env=dict(clean_env(), PYTHONPATH=str(ROOT)),
                              timeout=TRACED_SECONDS if traced else None)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"measuring {argv} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def _traced(traced: dict | None, size: int) -> str:
    return f"{traced['peak'] / MIB:>5.1f} MiB {traced['peak'] / size:>5.1f}" if traced else f"{'-':>9} {'-':>5}"


def _whole(python: Path, argv: list[str], cwd: Path) -> tuple[float, int, int]:
    """(CPU seconds, peak RSS in bytes, exit code) of `python -m layoutc ARGV`, the process's own
    (``common.run_process``)."""
    run = run_process([str(python), "-m", "layoutc", *argv], cwd)
    return run.cpu, int(run.rss_mib * MIB), run.code


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="N of the pathological shapes")
    parser.add_argument("--bytes", type=int, default=MIB, help="about how large each dense shape is written")
    parser.add_argument("--shape", action="append", default=[], help="only these shapes (repeatable)")
    parser.add_argument("--venv", help="reuse this venv (layoutc installed) for the whole-process figures")
    parser.add_argument("--no-whole", action="store_true", help="in-process figures only")
    parser.add_argument("--no-limits", action="store_true", help="skip the files at the limits (the slowest)")
    parser.add_argument("--no-large", action="store_true", help="skip the large valid layouts and their outputs")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure), args.traced)))
        return 0

    from fuzz.families import PATHOLOGICAL
    from layoutc.limits import MEMORY_CONSTANT, MEMORY_PER_INPUT_BYTE

    texts: dict[str, Callable[[], str]] = {}
    for name in sorted(PATHOLOGICAL):
        texts[name] = lambda name=name: PATHOLOGICAL[name](random.Random(0), args.size)
    for name in DENSE:
        texts["dense " + name] = lambda name=name: _sized(DENSE[name], args.bytes)
    if not args.no_limits:
        for name, text in _at_limits().items():
            texts[name] = lambda text=text: text
    verbs: dict[str, list[list[str]]] = {}  # a shape's command lines; `check FILE` unless named here
    if not args.no_large:
        from generate import generate

        for n in (10_000, 100_000):
            shape = f"large {n:,} regions"
            texts[shape] = lambda n=n: generate(n, seed=1).kl
            verbs[shape] = LARGE_VERBS
    if args.shape:
        texts = {k: v for k, v in texts.items() if any(s in k for s in args.shape)}

    def bound(size: int) -> int:
        return MEMORY_PER_INPUT_BYTE * size + MEMORY_CONSTANT

    over = accepted_above = 0
    with tempfile.TemporaryDirectory() as folder:
        python = None
        if not args.no_whole:
            python = venv_bin(Path(args.venv).resolve() if args.venv else fresh_venv(Path(folder)), "python")
            empty = Path(folder) / "empty.kl"
            empty.write_text("")
            base_cpu, base_rss, _ = _whole(python, ["check", str(empty)], empty.parent)
            print(f"whole process: a clean venv's `python -m layoutc check empty.kl`: {base_cpu:.2f} s CPU, "
                  f"{base_rss / MIB:.0f} MiB peak RSS (the baseline)")
        print(f"bound: peak above baseline <= {MEMORY_PER_INPUT_BYTE} x file bytes + {MEMORY_CONSTANT // MIB} MiB "
              "(layoutc/limits.py)")
        print(f"{'shape':<38} {'file':>11} {'exit':>4} {'CPU s':>6} | {'in-process RSS':>15} {'/B':>5} "
              f"{'traced':>9} {'/B':>5} | {'whole RSS':>10} {'/B':>5}")
        for shape, make in texts.items():
            path = Path(folder) / "shape.kl"
            path.write_text(make(), encoding="utf-8")
            size = path.stat().st_size
            for template in verbs.get(shape, [["check", "{file}"]]):
                argv = [a.format(file=path, dir=folder) for a in template]
                rss = _in_process(argv, traced=False)
                assert rss is not None  # only a traced run has a time limit
                traced = _in_process(argv, traced=True)
                peaks = [rss["peak"]] + ([traced["peak"]] if traced else [])
                whole = ""
                largest = max(peaks)  # whole-process RSS when measured, else the in-process peak above the baseline
                if python is not None:
                    _, whole_rss, _ = _whole(python, argv, path.parent)
                    extra = max(0, whole_rss - base_rss)
                    peaks.append(extra)
                    largest = whole_rss
                    whole = f"{extra / MIB:>6.1f} MiB {extra / size:>5.1f}"
                # the bound is for what layoutc refuses; an accepted layout costs what its declarations
                # cost, and must stay under 500 MB (fuzz/runner.py counts the same way)
                if largest > OVER_MEMORY:
                    flag = "  OVER 500 MB"
                elif max(peaks) > bound(size):
                    flag = "  OVER" if rss["code"] != 0 else "  above (accepted)"
                else:
                    flag = ""
                over += flag.startswith("  OVER")
                accepted_above += flag == "  above (accepted)"
                name = f"{shape}: {template[0]}" + (f" {template[1]}" if template[0] == "emit" else "")
                name = name if shape in verbs else shape
                print(f"{name:<38} {size:>11,} {rss['code']:>4} {rss['cpu']:>6.2f} | {rss['peak'] / MIB:>11.1f} MiB "
                      f"{rss['peak'] / size:>5.1f} {_traced(traced, size)} | "
                      f"{whole}{flag}", flush=True)
    print(f"{over} shape(s) over: refused past the bound, or past 500 MB; "
          f"{accepted_above} accepted above the bound (valid layouts: what their declarations cost)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
