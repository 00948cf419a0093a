"""Shared helpers of the benchmark scripts: import path, timers, number formatting.

The scripts measure the layoutc of the tree they sit in (the repository root
goes first on ``sys.path``), print figures to stdout and never assert on them.
"""

from __future__ import annotations

import gc
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

T = TypeVar("T")


def best_of(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    """The shortest wall time of ``repeat`` calls (garbage collected before each) and the last result.

    The collector stays enabled while timing: a real `layoutc check` runs with it.
    """
    best = float("inf")
    result = None
    for _ in range(max(1, repeat)):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def secs(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain left-aligned text table."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(header)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    return "\n".join(lines)


# Variables that would let a fresh venv see this tree or another environment, or change how it starts.
_LEAKY = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONDONTWRITEBYTECODE", "PYTHONNOUSERSITE",
          "LAYOUTC_DEBUG", "PYTHONPROFILEIMPORTTIME")


def clean_env() -> dict[str, str]:
    """This environment without what would make a venv's interpreter start differently from a user's."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    env["NO_COLOR"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def venv_bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def fresh_venv(directory: Path, extras: str = "") -> Path:
    """A new venv (no system site-packages) with this tree installed as users get it: not editable, deps from PyPI.

    ``extras`` e.g. ``"bench"``.  Raises RuntimeError with pip's output when the install fails.
    """
    venv = directory / ("venv-" + (extras or "plain"))
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, env=clean_env())
    if made.returncode != 0:
        raise RuntimeError(f"python -m venv failed: {made.stderr[-2000:]}")
    target = str(ROOT) + (f"[{extras}]" if extras else "")
    print(f"  (installing {target} into a fresh venv {venv} ...)", flush=True)
    install = subprocess.run([str(venv_bin(venv, "python")), "-m", "pip", "install", "-q", target],
                             capture_output=True, text=True, env=clean_env())
    if install.returncode != 0:
        raise RuntimeError(f"pip install {target} failed: {install.stdout[-2000:]}{install.stderr[-2000:]}")
    return venv


class Run(NamedTuple):
    """One finished process: wall seconds, CPU seconds (user + system), peak RSS in MiB, exit status
    (-1: killed at its time-out, with no figures), and what it wrote when captured."""

    wall: float
    cpu: float
    rss_mib: float
    code: int
    out: bytes = b""
    err: bytes = b""


# Runs ARGV and reports (wall, CPU, peak RSS in KiB, exit code) on the descriptor it is given.  The peak must come from a
# process that forks ARGV, not from us: wait4's ru_maxrss keeps the high-water mark of the image
# before exec, which for a child forked (or vforked) from this benchmark is the benchmark's own RSS
# (a 200 MB parent made `layoutc check empty.kl` report 215 MB).  This launcher is a bare
# interpreter (-S -I, ~8 MB), so a child's figure is its own unless it is smaller than that.
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
report = int(sys.argv[1])
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], dict(os.environ), file_actions=[(os.POSIX_SPAWN_CLOSE, report)])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
os.write(report, f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}".encode())
"""


def run_process(argv: list[str], cwd: Path, env: dict[str, str] | None = None, stderr: Any = None, *,
                capture: bool = False, timeout: float | None = None) -> Run:
    """Run ``argv`` to the end and measure it: wall and CPU time, and its own peak RSS (through
    ``_LAUNCHER``; the processes it waits for, such as `dot` under `layoutc render`, count in both).

    Its output is discarded (``stderr``, a file, takes its standard error), or kept in the Run with
    ``capture``.  Past ``timeout`` seconds it is killed with all it started, and the Run says -1.
    """
    read, write = os.pipe()
    discard = subprocess.PIPE if capture else subprocess.DEVNULL
    try:
        proc = subprocess.Popen([sys.executable, "-S", "-I", "-c", _LAUNCHER, str(write), *argv], cwd=cwd,
                                env=env or clean_env(), stdout=discard,
                                stderr=discard if stderr is None else stderr,
                                stdin=subprocess.DEVNULL, pass_fds=(write,), start_new_session=True)
        os.close(write)
        write = -1
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            return Run(float(timeout or 0), float(timeout or 0), 0.0, -1, out or b"", err or b"")
        with os.fdopen(read, "rb") as report:  # written as the launcher ends
            read = -1
            fields = report.read().split()
    finally:
        for fd in (read, write):
            if fd >= 0:
                os.close(fd)
    if len(fields) != 4:
        raise RuntimeError(f"could not run {argv[0]}")
    wall, cpu, rss_kib, code = float(fields[0]), float(fields[1]), int(fields[2]), int(fields[3])
    rss = rss_kib / 1024 if sys.platform != "darwin" else rss_kib / 2**20  # KiB on Linux
    return Run(wall, cpu, rss, code, out or b"", err or b"")


def runs_of(commands: list[list[str]], runs: int, cwd: Path, warmup: bool = True) -> list[list[Run]]:
    """``runs`` fresh processes of each command, taking turns so load from other jobs hits all alike."""
    if warmup:  # .pyc files, the page cache
        for argv in commands:
            run_process(argv, cwd)
    results: list[list[Run]] = [[] for _ in commands]
    for _ in range(runs):
        for i, argv in enumerate(commands):
            results[i].append(run_process(argv, cwd))
    return results
