"""What one fuzz input is: the files it needs, the command line it runs, and the family it came from.

A ``Case`` is plain data so that it crosses a process boundary and can be written out as a
regression test.  ``argv`` names files by placeholder: ``{main}`` is the case's first file,
``{dir}`` the scratch directory the worker runs it in (both substituted by the worker).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    family: str
    files: dict[str, bytes]  # relative path -> content; the first is `{main}`
    argv: tuple[str, ...] = ("check", "{main}")
    cli: bool = False  # run through a real `python -m layoutc` subprocess instead of in-process
    extra: dict[str, str] = field(default_factory=dict)  # notes for the report (seed layout, mutation ops)

    @property
    def main(self) -> str:
        return next(iter(self.files))

    def with_main(self, data: bytes) -> Case:
        files = dict(self.files)
        files[self.main] = data
        return Case(self.family, files, self.argv, self.cli, self.extra)


def repo_module(name: str, path: str) -> Any:
    """A module of the repository that is no package (tests/, benchmarks/; ``path`` from the root),
    loaded once from its file."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules[name]
