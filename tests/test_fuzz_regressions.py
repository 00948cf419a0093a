"""Every failure the fuzzer (`python -m fuzz`, fuzz/) found, minimised, as a regression test; and a
seeded sample of the campaign itself.

Each case names the crash site the campaign reported before the fix (exception and innermost
layoutc frame, or "hang"/"memory").  The contract for all of them: exit 0, 1 or 2 - never 3, never
a traceback - quickly, and no half-written output file.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from pathlib import Path

import pytest

from layoutc.cli import main

REPO = Path(__file__).resolve().parent.parent
ARM32 = (REPO / "layouts" / "arm32.kl").read_text(encoding="utf-8")
ARM64 = (REPO / "layouts" / "arm64.kl").read_text(encoding="utf-8")

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

# 3,000 mutually overlapping regions were 4.5 million pairs (10,000 in the campaign never finished)
OVERLAP = "space s bits 64 {\n" + "".join(f"region r{i} [0, 1G)\n" for i in range(3000)) + "}\n"
NESTED_OVERLAP = "space s bits 64 {\n region top [0, 1T) {\n" + "".join(
    f"  region r{i} [{i}, +1G)\n" for i in range(3000)) + " }\n}\n"
HOLES = "space s bits 64 {\n" + "".join(f'hole [0, 1G) "h{i}"\n' for i in range(3000)) + "".join(
    f"region r{i} [0, 4K)\n" for i in range(1000)) + "}\n"
HOLES_MISSED = "space s bits 64 {\n" + "".join(f'hole [{i}G, +4K) "h{i}"\n' for i in range(3000)) + "".join(
    f"region r{i} [{i}G + 8K, +4K)\n" for i in range(3000)) + "}\n"
CYCLE = "".join(f"const C{i} = C{(i + 1) % 3000} + 1\n" for i in range(3000))
SCENARIO_KUNMAP = '{"name": "fz", "steps": [{"op": "kunmap"}]}'
SCENARIO_TASK = '{"name": "fz", "steps": [{"op": "task"}]}'
SCENARIO_DEEP = '{"name": "d", "steps": [' + '{"op": "repeat", "steps": [' * 100_000 + "]}" * 100_000 + "]}"
SCENARIO_EMPTY_REPEAT = '{"name": "fz", "steps": [{"op": "repeat", "times": 1000000000, "steps": []}]}'
SCENARIO_HUGE_COUNT = '{"name": "fz", "steps": [{"op": "kmalloc", "size": 1, "count": 1000000000000000000000000000000}]}'
BANNER_ARM64 = ("Virtual kernel memory layout:\n"
                "    modules : 0xffffffffffffffff - 0xffffffffffffffff   (     0 MB)\n"
                "    vmalloc : 0x10000000000000000 - 0x10000000000000001   (     0 GB)\n")

# (id: the crash site before the fix, files, argv); `{d}` is the case's directory.
CASES = [
    ("MemoryError-session-_read-dev-zero", {"b.kl": 'extends "/dev/zero"\n'}, ["check", "b.kl"]),
    ("hang-extends-fifo", {"b.kl": 'extends "fifo.kl"\n', "fifo.kl": None}, ["check", "b.kl"]),
    ("ValueError-session-_read-nul", {"b.kl": 'extends "base\\0.kl"\n'}, ["emit", "header", "b.kl"]),
    ("MemoryError-spec-halves", {"l.kl": "layout l { arch = arm64; va_bits = 1 << 40 }\n"
                                          "space virtual bits 64 { region r [0, +4K) }\n"}, ["render", "l.kl"]),
    ("OverflowError-spec-halves-D", {"arm64.kl": ARM64}, ["render", "arm64.kl", "-D", "va_bits=0x" + "F" * 300]),
    ("MemoryError-values-format_address", {"l.kl": "layout l { bits = 1 << 95 }\n"
                                                    "space virtual bits 64 { region r [0, +4K) }\n"},
     ["build", "l.kl", "-o", "{d}/out"]),
    ("ValueError-values-format_address", {"l.kl": "layout l { bits = " + "9" * 400 + " }\n"
                                                   "space s bits 64 { region r [0, +4K) }\n"},
     ["show", "l.kl", "--explain", "r"]),
    ("OverflowError-values-human_size", {"arm32.kl": ARM32}, ["show", "arm32.kl", "-D", "ram=0x" + "F" * 300 + ":1G"]),
    ("OverflowError-human_size-region", {"l.kl": "space s bits 128 { region r [0, 1 << 127) }\n"
                                                  "space p bits 64 { region q [0, +(1 << 4000)) }\n"}, ["show", "l.kl"]),
    ("hang-wide-overlap", {"w.kl": OVERLAP}, ["check", "w.kl"]),
    ("hang-wide-overlap-render", {"w.kl": OVERLAP}, ["render", "w.kl"]),
    ("hang-wide-nested-overlap", {"w.kl": NESTED_OVERLAP}, ["show", "w.kl", "--explain", "r43"]),
    ("hang-wide-holes", {"h.kl": HOLES}, ["build", "h.kl", "-o", "{d}/out"]),
    ("hang-holes-missed", {"h.kl": HOLES_MISSED}, ["check", "h.kl"]),
    ("slow-const-cycle", {"c.kl": CYCLE}, ["check", "c.kl", "--format", "sarif"]),
    ("hang-many-banks", {"arm32.kl": ARM32}, ["check", "arm32.kl", "-D", "ram=" + ",".join(["1G:1G"] * 300)]),
    ("NotADirectoryError-writer-read_bytes", {"arm32.kl": ARM32},
     ["render", "arm32.kl", "-o", "{d}/arm32.kl/x.h.dot"]),
    ("OSError-writer-name-too-long", {"arm32.kl": ARM32}, ["emit", "header", "arm32.kl", "-o", "{d}/" + "n" * 300 + ".h"]),
    ("ValueError-writer-nul", {"arm32.kl": ARM32}, ["emit", "header", "arm32.kl", "-o", "{d}/a\0b.h"]),
    ("FileNotFoundError-cmd_build-empty", {"arm32.kl": ARM32}, ["build", "arm32.kl", "-o", ""]),
    ("NotADirectoryError-sim-trace", {"arm32.kl": ARM32},
     ["sim", "arm32.kl", "--trace", "{d}/", "--steps", "5", "--scenario", "vmalloc-frag"]),
    ("FileNotFoundError-sim-trace", {"arm32.kl": ARM32},
     ["sim", "arm32.kl", "--trace", "{d}/nodir/deeper/x", "--steps", "5", "--scenario", "vmalloc-frag"]),
    ("ValueError-sim-trace-nul", {"arm32.kl": ARM32},
     ["sim", "arm32.kl", "--trace", "{d}/a\0b", "--steps", "5", "--scenario", "vmalloc-frag"]),
    ("UnicodeDecodeError-scenario-load", {"s.json": b"\xff\xfe{}", "arm32.kl": ARM32},
     ["sim", "arm32.kl", "--scenario", "s.json"]),
    ("RecursionError-scenario-load", {"s.json": SCENARIO_DEEP, "arm32.kl": ARM32}, ["sim", "arm32.kl", "--scenario", "s.json"]),
    ("KeyError-scenario-_op_kunmap", {"s.json": SCENARIO_KUNMAP, "arm32.kl": ARM32},
     ["sim", "arm32.kl", "--scenario", "s.json", "--steps", "200"]),
    ("KeyError-scenario-_op_task", {"s.json": SCENARIO_TASK, "arm32.kl": ARM32}, ["sim", "arm32.kl", "--scenario", "s.json"]),
    ("hang-scenario-empty-repeat", {"s.json": SCENARIO_EMPTY_REPEAT, "arm32.kl": ARM32},
     ["sim", "arm32.kl", "--scenario", "s.json", "--steps", "50"]),
    ("hang-scenario-huge-count", {"s.json": SCENARIO_HUGE_COUNT, "arm32.kl": ARM32},
     ["sim", "arm32.kl", "--scenario", "s.json", "--steps", "50"]),
    ("ValueError-infer-_arm64", {"boot.log": BANNER_ARM64}, ["import", "boot.log", "-o", "{d}/board.kl"]),
]


@pytest.fixture
def in_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("files, argv", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fuzz_regression(in_dir, files, argv):
    for name, content in files.items():
        if content is None:
            os.mkfifo(in_dir / name)
        else:
            (in_dir / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    argv = [a.replace("{d}", str(in_dir)) for a in argv]
    before = {p for p in in_dir.rglob("*")}
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    elapsed = time.perf_counter() - started
    assert code in (0, 1, 2), f"exit {code}: {err.getvalue()[-1500:]}"
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
    assert elapsed < 60, f"{elapsed:.1f} s"  # a hang, not a benchmark
    leftovers = [p for p in in_dir.rglob("*") if p not in before and p.name.endswith(".tmp")]
    assert not leftovers, leftovers  # never a half-written file


# ------------------------------------------------------------------ over-output (the campaign's amplify family)

LONG = "n" * 60_000
DEEP = "space s bits 64 {\n" + "".join(  # 250 levels of names of 128 characters, the limit (L011)
    f"region {'n' * (128 - len(str(i)))}{i} [0, 1T) {{\n" for i in range(250)) + "}\n" * 250 + "}\n"
OUTPUT_CASES = [
    # a 60 KB name quoted by each of 100 overlap findings: 7 MB of SARIF for 64 KB
    ("output-long-name-overlaps", "space s bits 64 {\n region " + LONG + " [0, 1G)\n"
     + "".join(f" region r{i} [0, 4K)\n" for i in range(200)) + "}\n", ["check", "{f}", "--format", "sarif"]),
    # each child's assertions named its parent: 300 children x 60 KB
    ("output-long-parent-header", "space s bits 64 {\n region " + LONG + " [0, 1T) {\n"
     + "".join(f"  region r{i} [{i}G, +4K)\n" for i in range(300)) + " }\n}\n", ["emit", "header", "{f}"]),
    ("output-long-parent-build", "space s bits 64 {\n region " + LONG + " [0, 1T) {\n"
     + "".join(f"  region r{i} [{i}G, +4K)\n" for i in range(300)) + " }\n}\n", ["build", "{f}", "-o", "{d}/out"]),
    # Markdown/RST paths repeated every ancestor, quadratic in the depth: the campaign's 250 levels of
    # 301-character names (now L011) wrote 19 MB; at the name limit, cut paths keep it linear
    ("output-deep-paths-markdown", DEEP, ["emit", "markdown", "{f}"]),
    ("output-deep-paths-rst", DEEP, ["emit", "rst", "{f}"]),
    ("output-deep-paths-build", DEEP, ["build", "{f}", "-o", "{d}/out"]),
    # C cannot name a value in a constant expression: the header's restated `max` of 20 arguments was 8 MB
    # (of 30, 8 GB), nested align_up 3^depth; found by the shapes added to the pathological family after it
    ("output-assert-wide-max-header", 'assert max(' + ", ".join(str(i) for i in range(40)) + ') >= 0 : "m"\n'
     "space s bits 32 { region r [0, +4K) }\n", ["emit", "header", "{f}"]),
    ("output-assert-wide-min-ld", 'assert min(' + ", ".join(str(i) for i in range(40)) + ') >= 0 : "m"\n'
     "space s bits 32 { region r [0, +4K) }\n", ["emit", "ld", "{f}"]),
    ("output-assert-nested-align-build", "assert " + "align_up(1, " * 40 + "4K" + ")" * 40 + ' == 4K : "a"\n'
     "space s bits 32 { region r [0, +4K) }\n", ["build", "{f}", "-o", "{d}/out"]),
    # one picture and one gallery panel per listed value: 50 MB and a minute for 3 KB
    ("output-render-matrix-values", "param p: int = 0\nspace s bits 32 {\n"
     + "".join(f" region r{i} [{i}M + p, +4K)\n" for i in range(60)) + "}\n",
     ["render", "{f}", "--matrix", "p=" + ",".join(str(i) for i in range(400)), "-o", "{d}/g", "--format", "dot"]),
]


@pytest.mark.parametrize("text, argv", [c[1:] for c in OUTPUT_CASES], ids=[c[0] for c in OUTPUT_CASES])
def test_fuzz_output_regression(in_dir, text, argv):
    """What the campaign counts as over-output: one output (stdout, stderr, a file) of more than
    128 x the input + 256 KiB (fuzz/runner.py, output_limit)."""
    sys.path.insert(0, str(REPO))
    try:
        from fuzz.runner import output_limit
    finally:
        sys.path.remove(str(REPO))
    (in_dir / "a.kl").write_text(text)
    argv = [a.replace("{f}", "a.kl").replace("{d}", str(in_dir)) for a in argv]
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8") for _ in range(2))  # emit writes bytes
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    out.flush()
    err.flush()
    assert code in (0, 1, 2), err.buffer.getvalue()[-1500:]
    given = len(text.encode()) + sum(len(a.encode()) for a in argv)
    outputs = [len(out.buffer.getvalue()), len(err.buffer.getvalue())]
    outputs += [p.stat().st_size for p in in_dir.rglob("*") if p.is_file() and p.name != "a.kl"]
    assert max(outputs) <= output_limit(given), f"{max(outputs):,} bytes for {given:,} of input"


def test_enospc_leaves_no_half_written_file(in_dir, monkeypatch):
    """A full disk while the header is written: exit 2, the old file untouched, no temporary left."""
    (in_dir / "arm32.kl").write_text(ARM32, encoding="utf-8")
    target = in_dir / "layout.h"
    target.write_text("old\n")

    real_open = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):
        """The temporary file's handle, on a disk that is full: every write fails with ENOSPC."""
        if "w" not in mode:
            return real_open(fd, mode, *args, **kwargs)
        os.close(fd)

        class Full(io.RawIOBase):
            def writable(self):
                return True

            def write(self, data):
                raise OSError(28, "No space left on device")

        return io.BufferedWriter(Full())

    monkeypatch.setattr(os, "fdopen", fdopen)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["emit", "header", "arm32.kl", "-o", str(target)])
    assert code == 2, err.getvalue()
    assert "No space left" in err.getvalue()
    assert target.read_text() == "old\n"
    assert [p.name for p in in_dir.iterdir() if p.name.endswith(".tmp")] == []


# ------------------------------------------------------------------ a seeded sample of the campaign

SAMPLE = int(os.environ.get("LAYOUTC_FUZZ_SAMPLE", "2000"))


def test_seeded_campaign_sample():
    """A few thousand inputs of every family, through the campaign's own worker pool (its limits:
    2 s of CPU and 500 MB per input).  The full campaign is `python -m fuzz` (>= 100,000 inputs)."""
    sys.path.insert(0, str(REPO))
    try:
        from fuzz.__main__ import cases
        from fuzz.runner import Pool
    finally:
        sys.path.remove(str(REPO))
    pool = Pool(2)
    failures = []
    try:
        for case, outcome in pool.run(cases(SAMPLE, seed=20261202, cli_every=0, only=[])):
            if outcome.kind != "ok":
                failures.append(f"#{outcome.index} {case.family} {case.argv}: [{outcome.kind}] {outcome.site} "
                                f"{outcome.detail[:300]}")
    finally:
        pool.close()
    assert not failures, "\n".join(failures[:20])


def test_a_cli_case_s_peak_is_its_own_process_s(tmp_path):
    """A fault of the fuzzer itself (campaign of 2026-12-03, #999): a CLI case's peak came from
    RUSAGE_CHILDREN, the largest of every child so far and, for a forked child, at least the worker's
    own RSS before exec; a worker grown by earlier cases made a small CLI case over-memory.  The
    child is now measured as the benchmarks measure one (``benchmarks/common.run_process``: spawned
    and waited for by a bare launcher, whose own image is ~8 MB)."""
    sys.path.insert(0, str(REPO))
    try:
        from fuzz.runner import run_cli
    finally:
        sys.path.remove(str(REPO))
    (tmp_path / "empty.kl").write_text("")
    regions = "".join(f"  region r{i} [{i * 4096}, +4K)\n" for i in range(20_000))
    (tmp_path / "large.kl").write_text("space s bits 64 {\n" + regions + "}\n")
    empty_before = run_cli(["check", "empty.kl"], tmp_path)[2]
    large = run_cli(["check", "large.kl"], tmp_path)[2]
    empty_after = run_cli(["check", "empty.kl"], tmp_path)[2]
    assert 0 < empty_before < large and 0 < empty_after < large
    assert abs(empty_after - empty_before) < empty_before // 4


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc to find the processes")
def test_a_cli_case_past_its_time_is_killed_with_what_it_started(tmp_path):
    sys.path.insert(0, str(REPO))
    try:
        from fuzz.runner import run_cli
    finally:
        sys.path.remove(str(REPO))
    regions = "".join(f"  region r{i} [{i * 4096}, +4K)\n" for i in range(100_000))
    (tmp_path / "slow.kl").write_text("space s bits 64 {\n" + regions + "}\n")  # ~10 s of check
    start = time.monotonic()
    code, text, peak, cpu, _ = run_cli(["check", "slow.kl"], tmp_path, timeout=3)  # killed after 1 s
    assert (code, text, peak) == (-1, "timeout", 0)
    assert time.monotonic() - start < 5
    time.sleep(0.2)
    assert not [pid for pid in _processes() if b"slow.kl" in pid[1]]  # the launcher and layoutc are gone


def _processes() -> list[tuple[str, bytes]]:
    """(pid, command line) of every process (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            found.append((entry.name, (entry / "cmdline").read_bytes()))
        except OSError:  # not a process, or gone meanwhile
            continue
    return found


def test_a_case_near_the_bound_is_measured_again_in_a_fresh_process(tmp_path, monkeypatch):
    """A warmed worker reuses memory that earlier cases freed, so its growth under-counts: #25345 of seed
    11 (render of 10,000 overlapping regions) grew within the bound in the campaign and ~70 MB alone.
    Past half the bound an in-process case is run again as a process, and the larger growth counts."""
    sys.path.insert(0, str(REPO))
    try:
        from fuzz import runner
        from fuzz.cases import Case
    finally:
        sys.path.remove(str(REPO))
    import layoutc.limits

    monkeypatch.setattr(layoutc.limits, "MEMORY_CONSTANT", 0)  # any growth is past half the bound
    monkeypatch.setattr(runner, "_cli_baseline_kb", [10_000])
    monkeypatch.setattr(runner, "_peak_kb", lambda: runner._rss_kb() + 1)  # in process: 1 KiB of growth
    runs = []
    monkeypatch.setattr(runner, "run_cli", lambda argv, cwd, timeout: runs.append(argv) or (0, "", 10_000 + 50_000, 0.1, [0, 0]))
    case = Case("generated", {"main.kl": b"const X = \n"}, ("check", "{main}"))  # refused: exit 1
    outcome = runner.execute(case, 0, tmp_path / "scratch")
    assert runs == [["check", "main.kl"]]
    assert outcome.kind == "memory" and outcome.peak_kb == 60_000 and outcome.above_kb == 50_000


@pytest.mark.parametrize("text, kind", [(b"const X = \n", "memory"), (b"const X = 1\n", "ok")])
def test_the_memory_bound_holds_for_what_is_refused_and_500_mb_for_everything(tmp_path, monkeypatch, text, kind):
    """Past 10x input + 64 MiB is over-memory for an input layoutc refuses (exit 1: it must be refused
    cheaply); an accepted layout costs what its declarations cost, and is over-memory only past 500 MB."""
    sys.path.insert(0, str(REPO))
    try:
        from fuzz import runner
        from fuzz.cases import Case
    finally:
        sys.path.remove(str(REPO))
    import layoutc.limits

    monkeypatch.setattr(layoutc.limits, "MEMORY_CONSTANT", 0)
    monkeypatch.setattr(runner, "_cli_baseline_kb", [10_000])
    monkeypatch.setattr(runner, "run_cli", lambda argv, cwd, timeout: (0, "", 10_000 + 50_000, 0.1, [0, 0]))
    monkeypatch.setattr(runner, "_peak_kb", lambda: runner._rss_kb() + 40_000)  # past the bound, under 500 MB
    outcome = runner.execute(Case("generated", {"main.kl": text}, ("check", "{main}")), 0, tmp_path / "scratch")
    assert outcome.kind == kind and outcome.above_kb >= 40_000
    monkeypatch.setattr(runner, "_peak_kb", lambda: runner.OVER_MEMORY_KB + 1)
    outcome = runner.execute(Case("generated", {"main.kl": text}, ("check", "{main}")), 0, tmp_path / "scratch")
    assert outcome.kind == "memory"
