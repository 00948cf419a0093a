"""Diagrams of layouts: DOT text (``draw.dot``, pure) and the `dot` binary that turns it into pictures.

``draw.dot`` builds the graph; ``draw.scale`` decides box heights;
``draw.commands`` is `layoutc render`.  This module only runs Graphviz.
"""

from __future__ import annotations

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


def run_dot(source: str, fmt: str) -> bytes:
    """Render DOT text with Graphviz `dot` to svg, png or pdf (an SVG carries the digest of its DOT)."""
    import shutil
    import subprocess

    if fmt not in FORMATS or fmt == "dot":
        raise ValueError(f"dot cannot render to `{fmt}`")
    binary = shutil.which("dot")
    if binary is None:
        raise DotMissing()
    done = subprocess.run([binary, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise DotFailed(f"dot -T{fmt} failed: {message[-1] if message else f'exit {done.returncode}'}")
    return stamp(done.stdout, source) if fmt == "svg" else done.stdout
