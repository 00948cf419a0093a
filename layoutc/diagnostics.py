"""Diagnostics as values.

Every stage returns ``Diagnostic`` objects; nothing here prints.  A stage only
knows a diagnostic's *code*; the rule registry supplies the kebab-case name and
the default severity when the session applies the user's policy
(``--select``/``--ignore``/``--werror``, waivers) in one place.
"""

from __future__ import annotations

import enum
from typing import Any, Iterable

from .frozen import frozen, replace
from .source import Span


class Severity(enum.IntEnum):
    NOTE = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


@frozen
class Label:
    """A secondary place that belongs to a diagnostic (the other region of an overlap)."""

    span: Span
    message: str


@frozen
class Diagnostic:
    code: str
    message: str
    span: Span | None
    labels: tuple[Label, ...] = ()
    notes: tuple[str, ...] = ()
    help: str | None = None
    regions: tuple[str, ...] = ()
    severity: Severity | None = None  # None until the session applies the registry default
    name: str = ""
    waiver: str | None = None  # the reason of the `allow` that silenced it

    def __repr__(self) -> str:
        where = self.span.where() if self.span is not None else "-"
        message = self.message if len(self.message) <= 80 else self.message[:77] + "..."
        severity = f" {self.severity}" if self.severity is not None else ""
        return f"Diagnostic({self.code}{severity} at {where}: {message})"

    def sort_key(self) -> tuple[str, int, str, str]:
        if self.span is None:
            return ("", 0, self.code, self.message)
        return (self.span.file.name, self.span.start, self.code, self.message)

    def with_(self, **changes: Any) -> Diagnostic:
        return replace(self, **changes)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Stable, location-ordered, duplicates removed (two stages may find the same fault)."""
    seen: set[tuple[object, ...]] = set()
    out: list[Diagnostic] = []
    for diagnostic in sorted(diagnostics, key=Diagnostic.sort_key):
        key = (diagnostic.sort_key(), diagnostic.regions)
        if key not in seen:
            seen.add(key)
            out.append(diagnostic)
    return out


class Sink:
    """Collects diagnostics for one stage; ``error_count`` lets a stage stop at its boundary."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def emit(self, code: str, message: str, span: Span | None, **extra: Any) -> Diagnostic:
        diagnostic = Diagnostic(code, message, span, **extra)
        self.items.append(diagnostic)
        return diagnostic

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)
