"""Shared test helper: skip (or, in CI, fail) when an external tool is missing.

Tests that need a binary (``dot``, ``cc``, ``ld``, a cross ``gcc``) call
``require_tool(name)`` first.  Locally a missing tool skips the test with a
reason; with ``LAYOUTC_REQUIRE_TOOLS=1`` (set by CI) it fails instead, so a
broken CI image cannot turn real-tool checks into silent skips.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """Return the absolute path of executable *name*, or skip/fail the test."""
    path = shutil.which(name)
    if path is not None:
        return path
    _missing(f"required tool {name!r} not found on PATH")
    raise AssertionError("unreachable")


def require_installed(path: os.PathLike | str, how: str) -> str:
    """Return *path*, a tool installed inside the repository (``how``: the command that installs it),
    or skip/fail the test like ``require_tool``."""
    if os.path.isfile(path):
        if not os.access(path, os.X_OK):  # npm may skip the package's chmod install script
            os.chmod(path, os.stat(path).st_mode | 0o100)
        return str(path)
    _missing(f"required tool {os.fspath(path)!r} is not installed ({how})")
    raise AssertionError("unreachable")


def require_qemu_machine(qemu: str, machine: str) -> str:
    """Return the path of QEMU system emulator *qemu* when it has machine type *machine* (`-M help`),
    or skip/fail the test like ``require_tool`` (a distribution may build QEMU with fewer boards)."""
    import subprocess

    path = require_tool(qemu)
    listing = subprocess.run([path, "-M", "help"], capture_output=True, text=True, timeout=60).stdout
    if not any(line.split()[:1] == [machine] for line in listing.splitlines()):
        _missing(f"{qemu} has no machine {machine!r} (`{qemu} -M help`)")
    return path


def _missing(reason: str) -> None:
    if os.environ.get("LAYOUTC_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason} (LAYOUTC_REQUIRE_TOOLS=1)", pytrace=False)
    pytest.skip(reason)
    raise AssertionError("unreachable")  # pytest.skip raises
