"""Run cases in worker processes: a per-input time limit, peak memory, and the crash site.

Each worker is a forked process at nice 10 with an address-space limit (RLIMIT_AS); it runs the
CLI's dispatcher in-process on a thread with a large stack (as ``layoutc.cli.main`` does), with
LAYOUTC_DEBUG=1 so that an internal error reaches us as an exception whose innermost *project*
frame is its crash site.  Peak RSS per input comes from VmHWM after resetting it through
/proc/self/clear_refs.  The parent enforces the wall-clock limit: a worker that does not answer
in time is killed and replaced, and the input counts as a hang.  "In time" is CPU time (read from
/proc/PID/stat): on a loaded shared machine a worker at nice 10 may get a tenth of a core, and a
wall-clock limit would call a 0.5 s input a hang.
"""

from __future__ import annotations

import contextlib
import gc
import io
import multiprocessing
import os
import re
import resource
import shutil
import stat
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from .cases import REPO, Case, repo_module

HANG_SECONDS = 2.0  # CPU seconds of one input past which it is a hang (a large one: hang_seconds)
HANG_SECONDS_PER_MIB = 5.0  # ... or, when more, this many a MiB of input
KILL_CPU_SECONDS = 10.0  # CPU seconds on one input after which the parent kills the worker (5 x the hang time)
KILL_SECONDS = 120.0  # wall seconds, a backstop for an input that blocks without using CPU (a FIFO read)
MIB = 1 << 20


def hang_seconds(given: int) -> float:
    """CPU seconds past which an input of ``given`` bytes is a hang: 2 s, or 5 s a MiB when that is more
    (past 0.4 MiB).  Every input the small families make (all under ~300 KB) is held to the 2 s; a
    large valid layout (the `large` family: up to 15 MB, 100,000 regions) is read, checked and written
    in linear time -- about 1 s a MB for `check`, 3.5 s a MB for `build`, which makes six outputs --
    so it is held to linear time, not to 2 s: anything worse than linear passes it soon."""
    return max(HANG_SECONDS, HANG_SECONDS_PER_MIB * given / MIB)


def kill_seconds(given: int) -> tuple[float, float]:
    """(CPU, wall) seconds after which the worker running an input of ``given`` bytes is killed."""
    scale = hang_seconds(given) / HANG_SECONDS
    return KILL_CPU_SECONDS * scale, KILL_SECONDS * scale
OVER_MEMORY_KB = 500 * 1024
# ... and, for an input layoutc refuses (exit 1 or 2), the bound of layoutc/limits.py on the peak above
# the baseline (the worker's RSS before the input; for a CLI case, a `check` of an empty file):
# MEMORY_PER_INPUT_BYTE x input bytes + MEMORY_CONSTANT.  What is refused must be refused cheaply, however
# it was made to cost; what is accepted is a layout, whose memory is what its declarations cost (about
# 23 bytes a byte for a generated one, more for the densest), linear, and kept under 500 MB by L007
# and L014.  An accepted input past the bound is counted (`Outcome.above_kb`), not a failure.
# Over-output: one output (stdout, stderr, or one file written) larger than OUTPUT_FACTOR x the input
# + OUTPUT_SLACK, or all of them together larger than OUTPUT_FILES such outputs.  The input is the
# bytes layoutc reads (the main file, what it `extends`, the files named in argv, argv itself).  The
# wordiest honest outputs: DOT is ~1.3 KB per region (an HTML-like table row with fonts, colours and a
# tooltip), ~60 x a one-line region; a header ~30 x (three macros and the assertions per region);
# `build` writes seven files at once.  128 x + 256 KiB per output leaves room for them, and catches a
# cost per input byte that grows with the input (a name repeated by every child, a path repeated per
# level, a report repeated per variant) long before it fills a disk.
OUTPUT_FACTOR = 128
OUTPUT_SLACK = 256 * 1024
OUTPUT_FILES = 16
ADDRESS_SPACE = 3 * 1024 ** 3 + 600 * 1024 ** 2  # the 512 MiB thread stack is reserved address space too


@dataclass
class Outcome:
    index: int
    kind: str  # ok | internal | hang | memory | output | harness (the fuzzer's own fault, not layoutc's)
    exit_code: int
    site: str  # "" when ok; "ExcType at layoutc/x.py:123 (function)" otherwise
    cpu: float
    wall: float
    peak_kb: int
    detail: str = ""
    out_bytes: int = 0  # bytes of the largest output: stdout, stderr, or one file made or changed in the scratch dir
    in_bytes: int = 0  # bytes of input (input_bytes)
    above_kb: int = 0  # peak above the baseline (what the memory bound is about)


# ------------------------------------------------------------------ in the worker

def _peak_reset() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _status_kb(field: str) -> int | None:
    """A kB figure of /proc/self/status (VmRSS, VmHWM), or None where there is none."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _rss_kb() -> int:
    return _status_kb("VmRSS") or 0


_cli_baseline_kb: list[int] = []  # peak RSS of a CLI `check` of an empty file, measured once per worker


def over_bound(case: Case, above_kb: int, share: float = 1.0) -> bool:
    """Whether ``above_kb`` of peak above the baseline is past ``share`` of the memory bound for this
    case's input bytes."""
    from layoutc.limits import MEMORY_CONSTANT, MEMORY_PER_INPUT_BYTE

    size = sum(len(data) for data in case.files.values())
    return above_kb * 1024 > share * (MEMORY_PER_INPUT_BYTE * size + MEMORY_CONSTANT)


def _cli_baseline(scratch: Path) -> int:
    """Peak RSS (KiB) of a `python -m layoutc check` of an empty file, measured once per worker."""
    if not _cli_baseline_kb:
        (scratch / "empty.kl").write_bytes(b"")
        _cli_baseline_kb.append(run_cli(["check", "empty.kl"], scratch)[2])
        (scratch / "empty.kl").unlink()
    return _cli_baseline_kb[0]


def _peak_kb() -> int:
    peak = _status_kb("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss if peak is None else peak


def crash_site(error: BaseException) -> str:
    """Exception type + innermost frame inside the layoutc package (else the innermost frame)."""
    frames = traceback.extract_tb(error.__traceback__)
    project = [f for f in frames if f"{os.sep}layoutc{os.sep}" in f.filename]
    frame = (project or frames or [None])[-1]
    if frame is None:
        return type(error).__name__
    path = frame.filename
    if f"{os.sep}layoutc{os.sep}" in path:
        path = "layoutc/" + path.split(f"{os.sep}layoutc{os.sep}", 1)[1]
    return f"{type(error).__name__} at {path}:{frame.lineno} ({frame.name})"


def _materialise(case: Case, scratch: Path) -> list[str]:
    if scratch.exists():
        for child in scratch.iterdir():  # a read-only dir from the last case must not stop us
            with contextlib.suppress(OSError):
                child.chmod(0o755)
        shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    for name, data in case.files.items():
        path = scratch / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    make = case.extra.get("make", "")
    if "fifo" in make:
        os.mkfifo(scratch / "fifo.kl")
        (scratch / "sub").mkdir()
        os.symlink("/dev/zero", scratch / "link.kl")
    if "ro" in make:
        (scratch / "ro").mkdir()
        (scratch / "ro").chmod(0o555)
    main = str(scratch / case.main)
    return [a.replace("{main}", case.main).replace("{dir}", str(scratch)) for a in case.argv] if main else []


_EXTENDS = re.compile(rb'^(?:\xef\xbb\xbf)?[ \t]*extends[ \t]+"((?:[^"\\\n]|\\.)*)"', re.M)


def input_bytes(case: Case) -> int:
    """The bytes layoutc is given: argv, the main file, the files argv names and (transitively) the
    files they `extend` -- not the other files of the case (the shipped layouts a mutated one sits beside)."""
    read: set[str] = set()
    todo = [case.main] + [a for a in case.argv if a in case.files]
    while todo:
        name = todo.pop()
        if name in read or name not in case.files:
            continue
        read.add(name)
        base = os.path.dirname(name)
        for target in _EXTENDS.findall(case.files[name]):
            todo.append(os.path.normpath(os.path.join(base, target.decode("utf-8", "replace"))))
    return sum(len(a.encode("utf-8", "surrogateescape")) for a in case.argv) + sum(len(case.files[n]) for n in read)


def _snapshot(scratch: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every regular file under ``scratch``, links and FIFOs not followed."""
    found = {}
    for folder, _dirs, names in os.walk(scratch):
        for name in names:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode):
                    found[path] = (info.st_size, info.st_mtime_ns)
    return found


def written_files(before: dict[str, tuple[int, int]], scratch: Path) -> list[int]:
    """Sizes of the files made or rewritten since ``before``."""
    return [size for path, (size, mtime) in _snapshot(scratch).items() if before.get(path) != (size, mtime)]


def run_in_process(argv: list[str]) -> tuple[int, str, BaseException | None, list[int]]:
    from layoutc.cli import _dispatch

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = _dispatch(argv)
    except BaseException as error:  # noqa: BLE001 - every escape is a finding
        return 3, "", error, []
    out.flush()
    err.flush()
    stdout, stderr = out.buffer.getvalue(), err.buffer.getvalue()
    text = stdout[-4000:].decode("utf-8", "replace") + stderr[-4000:].decode("utf-8", "replace")
    return code, text, None, [len(stdout), len(stderr)]


def run_cli(argv: list[str], cwd: Path, timeout: float = KILL_SECONDS) -> tuple[int, str, int, float, list[int]]:
    """(exit code, stderr's end, the child's own peak RSS in KiB (0 if it was killed), its CPU seconds,
    output sizes) of a `python -m layoutc` process; one still running after ``timeout`` seconds is
    killed (exit -1).  Measured as the benchmarks measure a process (``benchmarks/common.run_process``:
    from a bare launcher, since wait4's peak of a child forked from a worker would be the worker's)."""
    common = repo_module("fuzz_benchmark_common", "benchmarks/common.py")
    env = dict(os.environ, PYTHONPATH=str(REPO), LAYOUTC_DEBUG="1")
    run = common.run_process([sys.executable, "-m", "layoutc", *argv], cwd, env, capture=True, timeout=timeout - 2)
    if run.code == -1:
        return -1, "timeout", 0, timeout, []
    text = run.err.decode("utf-8", "replace")[-4000:]
    return run.code, text, round(run.rss_mib * 1024), run.cpu, [len(run.out), len(run.err)]


def execute(case: Case, index: int, scratch: Path) -> Outcome:
    argv = _materialise(case, scratch)
    files_before = _snapshot(scratch)
    os.chdir(scratch)
    _peak_reset()
    baseline = _rss_kb()
    start_cpu, start = time.thread_time(), time.perf_counter()
    passable = not any("\0" in a for a in argv)  # no process can be given a NUL in its argv
    given = input_bytes(case)
    if case.cli and passable:
        baseline = _cli_baseline(scratch)
        code, text, peak, cpu, streams = run_cli(argv, scratch, kill_seconds(given)[1])
        error = None
    else:
        code, text, error, streams = run_in_process(argv)
        cpu = time.thread_time() - start_cpu
        peak = _peak_kb()
    wall = time.perf_counter() - start
    if error is None and not case.cli and passable and peak and over_bound(case, peak - baseline, 0.5):
        # a warmed worker reuses memory earlier cases freed, so its growth under-counts (#25345 of
        # seed 11 grew within the bound in the campaign, ~70 MB alone): past half the bound, the
        # case is measured again in a fresh process, and the larger growth counts
        fresh_baseline = _cli_baseline(scratch)
        fresh = run_cli(argv, scratch, kill_seconds(given)[1])[2]
        if fresh - fresh_baseline > peak - baseline:
            peak, baseline = fresh, fresh_baseline
    os.chdir(REPO)
    outputs = streams + written_files(files_before, scratch)
    written = sum(outputs)
    if error is not None:
        site = crash_site(error)
        kind = "memory" if isinstance(error, MemoryError) else "internal"
        return Outcome(index, kind, 3, site, cpu, wall, peak, f"{type(error).__name__}: {str(error)[:300]}",
                       out_bytes=written, in_bytes=given)
    if code == -1:
        return Outcome(index, "hang", -1, "CLI timeout", cpu, wall, peak, out_bytes=written, in_bytes=given)
    if code not in (0, 1, 2) or "Traceback" in text:
        where = text.strip().splitlines()[-1][:200] if text.strip() else f"exit {code}"
        return Outcome(index, "internal", code, f"CLI: {where}", cpu, wall, peak, text[-1500:],
                       out_bytes=written, in_bytes=given)
    if cpu > hang_seconds(given):
        return Outcome(index, "hang", code, f"slow {case.family}/{case.extra.get('shape', '')}", cpu, wall, peak,
                       out_bytes=written, in_bytes=given)
    above = max(0, peak - baseline) if peak else 0
    if peak > OVER_MEMORY_KB or (code != 0 and peak and over_bound(case, above)):
        return Outcome(index, "memory", code, f"peak {case.family}/{case.extra.get('shape', '')}", cpu, wall, peak,
                       out_bytes=written, in_bytes=given, above_kb=above)
    if max(outputs, default=0) > output_limit(given) or written > OUTPUT_FILES * output_limit(given):
        return Outcome(index, "output", code, f"output {case.family}/{case.extra.get('shape', '')} {case.argv[0]}",
                       cpu, wall, peak, f"{written:,} bytes written ({len(outputs)} outputs, the largest "
                       f"{max(outputs):,}) for {given:,} bytes of input", out_bytes=max(outputs), in_bytes=given)
    return Outcome(index, "ok", code, "", cpu, wall, peak, out_bytes=max(outputs, default=0), in_bytes=given,
                   above_kb=above)


def output_limit(given: int) -> int:
    """The most bytes an input of ``given`` bytes may make layoutc write to one output (stdout, stderr,
    a file); all outputs together may write OUTPUT_FILES times as much."""
    return OUTPUT_FACTOR * given + OUTPUT_SLACK


def _serve(conn: Connection, number: int) -> None:
    os.environ["LAYOUTC_DEBUG"] = "1"
    os.environ.pop("NO_COLOR", None)
    scratch = Path(tempfile.gettempdir()) / f"layoutc-fuzz-{os.getpid()}-{number}"
    count = 0
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            index, case = message
            try:
                outcome = execute(case, index, scratch)
            except BaseException as error:  # noqa: BLE001 - the harness itself must survive
                outcome = Outcome(index, "harness", 3, "harness: " + crash_site(error), 0, 0, 0, repr(error)[:300])
            conn.send(outcome)
            count += 1
            if count % 64 == 0:
                gc.collect()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _worker(conn: Connection, number: int) -> None:
    with contextlib.suppress(OSError):
        os.nice(max(0, 10 - os.nice(0)))  # nice 10 in all, also when the campaign itself runs under `nice`
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    # The argument parser is built once per worker, not once per input (it is two thirds of a
    # minimal run); argparse parsers are reusable.  The CLI fraction still builds it every time.
    import functools

    import layoutc.cli

    layoutc.cli.build_parser = functools.lru_cache(maxsize=1)(layoutc.cli.build_parser)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 60_000))
    threading.stack_size(512 * 1024 * 1024)
    thread = threading.Thread(target=_serve, args=(conn, number))
    thread.start()
    thread.join()


class Worker:
    def __init__(self, number: int) -> None:
        self.number = number
        self.start()

    def start(self) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, self.number), daemon=True)
        self.process.start()
        child.close()
        self.busy: tuple[int, Case, float] | None = None

    def cpu(self) -> float:
        """The worker process's CPU seconds so far (user + system), or 0 if it cannot be read."""
        try:
            with open(f"/proc/{self.process.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0

    def submit(self, index: int, case: Case) -> None:
        self.conn.send((index, case))
        self.busy = (index, case, time.perf_counter())
        self.cpu_at_submit = self.cpu()
        self.kill_cpu, self.kill_wall = kill_seconds(input_bytes(case))

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send(None)
        self.process.join(5)
        if self.process.is_alive():
            self.kill()


def warm_up() -> None:
    """Import every command module and build the parser once, before forking: a worker that is
    replaced after a hang must not charge the next input with a second of start-up."""
    import importlib

    import layoutc.cli
    from layoutc.source import SourceFile
    from layoutc.syntax.grammar import parse

    for name in layoutc.cli.EXTENSIONS + ("layoutc.rules", "layoutc.session", "layoutc.render", "layoutc.emit.table",
                                          "layoutc.sim.scenario", "layoutc.draw.dot"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    parse(SourceFile("<warm-up>", "const X = 1\n"))


class Pool:
    """Workers fed one case at a time; ``run`` yields (case, outcome) in completion order."""

    def __init__(self, workers: int) -> None:
        warm_up()

        self.workers = [Worker(n) for n in range(workers)]

    def run(self, cases):
        cases = iter(cases)
        pending = True
        while True:
            for worker in self.workers:
                if worker.busy is None and pending:
                    try:
                        index, case = next(cases)
                    except StopIteration:
                        pending = False
                        break
                    worker.submit(index, case)
            busy = [w for w in self.workers if w.busy is not None]
            if not busy:
                return
            ready = wait([w.conn for w in busy], timeout=0.5)
            now = time.perf_counter()
            for worker in busy:
                index, case, started = worker.busy
                if worker.conn in ready:
                    try:
                        outcome = worker.conn.recv()
                    except (EOFError, OSError):  # the worker died (a segfault, the OOM killer)
                        outcome = Outcome(index, "internal", -9, "worker died", now - started, now - started, 0)
                        worker.kill()
                        worker.start()
                    worker.busy = None
                    yield case, outcome
                elif now - started > worker.kill_wall or worker.cpu() - worker.cpu_at_submit > worker.kill_cpu:
                    worker.kill()
                    worker.start()
                    yield case, Outcome(index, "hang", -1, f"timeout {case.family}/{case.extra.get('shape', '')}",
                                        now - started, now - started, 0)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
