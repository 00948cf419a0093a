"""Shared fixtures: write KL text to a temporary file and load it; run the CLI in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import pytest

from layoutc.session import Result, load_layout


@pytest.fixture
def write_kl(tmp_path: Path) -> Callable[..., Path]:
    """``write_kl(text, name="layout.kl")`` -> path of the written file (text or bytes)."""

    def write(text: str | bytes, name: str = "layout.kl") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def load_kl(write_kl) -> Callable[..., Result]:
    """``load_kl(text, overrides=())`` -> the session Result of checking that text."""

    def load(text: str, overrides: Sequence[str] = (), name: str = "layout.kl") -> Result:
        return load_layout(str(write_kl(text, name)), list(overrides))

    return load


@pytest.fixture
def cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """``cli("check", path, ...)`` -> (exit code, stdout, stderr) of ``layoutc.cli.main``."""
    from layoutc.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(autouse=True)
def _not_inside_github_actions(monkeypatch):
    """Paths in the github/sarif formats follow GITHUB_WORKSPACE: tests set it themselves when they need it."""
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
