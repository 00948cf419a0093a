"""What one fuzz input is: the files it needs, the command line it runs, and the family it came from.

A ``Case`` is plain data so that it crosses a process boundary and can be written out as a
regression test.  ``argv`` names files by placeholder: ``{main}`` is the case's first file,
``{dir}`` the scratch directory the worker runs it in (both substituted by the worker).
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
