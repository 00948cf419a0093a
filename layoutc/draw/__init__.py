"""Diagrams of layouts: DOT text (``draw.dot``, pure) and the `dot` binary that turns it into pictures.

``draw.dot`` builds the graph; ``draw.scale`` decides box heights;
``draw.commands`` is `layoutc render`.  This module only runs Graphviz.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMATS = ("svg", "png", "pdf", "dot")

INSTALL_HINT = ("the Graphviz `dot` program is not installed (Debian/Ubuntu: `apt-get install graphviz`); "
                "`-o FILE.dot` output still works without it")


class DotMissing(RuntimeError):
    """The `dot` binary is not on PATH."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


class DotFailed(RuntimeError):
    """`dot` ran and failed: Graphviz refused the picture (too large: "overwide node(s)") -- user text is
    always escaped, so not what it says."""


class DotLimit(RuntimeError):
    """A picture past a limit of layoutc/limits.py: too large to give to `dot` (L012), or `dot` stopped
    because it took too long or too much memory (L013)."""

    HINT = "draw one space (--space NAME), or write the DOT text (-o FILE.dot) and lay it out yourself"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def source_digest(source: str) -> str:
    """SHA-256 of DOT text: what an SVG was drawn from, independent of the fonts it was drawn with."""
    import hashlib

    return hashlib.sha256(source.encode("utf-8")).hexdigest()


_STAMP = "layoutc: drawn from DOT sha256 "


def stamp(svg: bytes, source: str) -> bytes:
    """Write the digest of ``source`` into ``svg`` as a comment just before the <svg> element.

    Graphviz lays text out with whatever fonts the machine has, so the same DOT gives
    different coordinates on different machines; the stamp lets a check for a stale
    committed picture compare what layoutc controls (the DOT) instead.
    """
    at = svg.find(b"<svg")
    if at < 0:
        return svg
    return svg[:at] + f"<!-- {_STAMP}{source_digest(source)} -->\n".encode("ascii") + svg[at:]


def stamped_digest(svg: str) -> str | None:
    """The DOT digest an SVG written by ``run_dot`` carries, or None."""
    import re

    found = re.search(re.escape(_STAMP) + r"([0-9a-f]{64})", svg)
    return found.group(1) if found else None


def within_limits(pieces: Iterable[str]) -> str:
    """The DOT text of ``pieces`` if it may be given to `dot`; DotLimit (L012) as soon as it is past a
    limit, without making the rest of it (a picture of 100,000 regions is ~110 MB of DOT)."""
    from ..limits import MAX_DOT_BYTES, MAX_DRAWN_ROWS

    kept: list[str] = []
    rows = size = 0
    for piece in pieces:
        rows += piece.count("<TR")
        size += len(piece.encode("utf-8"))
        if rows > MAX_DRAWN_ROWS:
            raise DotLimit("L012", f"the picture has more than {MAX_DRAWN_ROWS:,} table rows "
                                   "(at most that many are laid out with Graphviz)")
        if size > MAX_DOT_BYTES:
            raise DotLimit("L012", f"the picture is more than {MAX_DOT_BYTES:,} bytes of DOT "
                                   "(at most that many are laid out with Graphviz)")
        kept.append(piece)
    return "".join(kept)


def run_dot(dot_text: str | Iterable[str], fmt: str, seconds: float | None = None) -> bytes:
    """Render DOT text (a string, or its pieces) with Graphviz `dot` to svg, png or pdf (an SVG carries
    the digest of its DOT).

    Bounded (layoutc/limits.py): a picture past MAX_DRAWN_ROWS or MAX_DOT_BYTES is refused before
    `dot` starts (L012, ``within_limits``); `dot` itself gets ``seconds`` of CPU (default DOT_SECONDS; a wall-clock
    limit of three times that backs it up on a loaded machine) and DOT_MEMORY_BYTES of address space,
    and is killed past either (L013).  Raises DotMissing, DotFailed or DotLimit; returns the whole
    picture or nothing, so no caller can write half of one.
    """
    import math
    import resource
    import shutil
    import signal
    import subprocess

    from ..limits import DOT_MEMORY_BYTES, DOT_SECONDS

    if fmt not in FORMATS or fmt == "dot":
        raise ValueError(f"dot cannot render to `{fmt}`")
    source = within_limits([dot_text] if isinstance(dot_text, str) else dot_text)
    binary = shutil.which("dot")
    if binary is None:
        raise DotMissing()
    limit = DOT_SECONDS if seconds is None else seconds
    process = subprocess.Popen([binary, f"-T{fmt}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        # Set on the running dot, which waits for its input: a preexec_fn would run between fork and
        # exec, which is unsafe in a process with threads (the CLI runs on a worker thread).
        cpu = max(1, math.ceil(limit))
        resource.prlimit(process.pid, resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL
        resource.prlimit(process.pid, resource.RLIMIT_AS, (DOT_MEMORY_BYTES, DOT_MEMORY_BYTES))
    except (OSError, ValueError):  # dot already gone (it will report why), or no prlimit here
        pass
    try:
        out, err = process.communicate(source.encode("utf-8"), timeout=3 * limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise DotLimit("L013", f"dot -T{fmt} was stopped after {_seconds(3 * limit)} (its limit: "
                               f"{_seconds(limit)} of CPU)") from None
    code = process.returncode
    message = err.decode("utf-8", errors="replace").strip().splitlines()
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        raise DotLimit("L013", f"dot -T{fmt} was stopped after {_seconds(limit)} of CPU")
    memory = f"(its limit: {DOT_MEMORY_BYTES // 1024 ** 2:,} MiB)"
    if code != 0 and any(word in line.lower() for line in message for word in ("memory", "creating thread")):
        raise DotLimit("L013", f"dot -T{fmt} ran out of memory {memory}")
    if code < 0:  # Graphviz does not check every allocation: past its memory limit it may just crash
        try:
            name = signal.Signals(-code).name
        except ValueError:  # a number Python has no name for
            name = str(-code)
        raise DotLimit("L013", f"dot -T{fmt} died of {name}, most likely out of memory {memory}")
    if code != 0:
        raise DotFailed(f"dot -T{fmt} failed: {message[-1] if message else f'exit {code}'}")
    return stamp(out, source) if fmt == "svg" else out


def _seconds(value: float) -> str:
    return f"{value:g} s"
