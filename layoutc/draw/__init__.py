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
    """`dot` ran and failed: a bug in the DOT we wrote (user text is always escaped)."""


def run_dot(source: str, fmt: str) -> bytes:
    """Render DOT text with Graphviz `dot` to svg, png or pdf."""
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
    return done.stdout
