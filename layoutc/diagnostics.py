"""Diagnostics as values.

Every stage returns ``Diagnostic`` objects; nothing here prints.  A stage only
knows a diagnostic's *code*; the rule registry supplies the kebab-case name and
the default severity when the session applies the user's policy
(``--select``/``--ignore``/``--werror``, waivers) in one place.
"""

from __future__ import annotations

import enum
from typing import Any, Iterable

from . import limits
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
    """Collects the diagnostics of one stage (the parse, the elaboration).

    Of each code it keeps the first ``MAX_FINDINGS_PER_RULE`` and only counts the rest: ``items``
    ends with one L008 note per such code saying how many were not kept, as the report would
    (``session.finish``).  One mistake per line of a 1 MB file made 100,000 diagnostics, each with
    its message and spans: about 100 bytes of memory per byte of input (issue 10).
    """

    def __init__(self) -> None:
        self._kept: list[Diagnostic] = []
        self._counts: dict[str, int] = {}
        self._first_dropped: dict[str, Diagnostic] = {}

    @property
    def items(self) -> list[Diagnostic]:
        """The kept diagnostics, then an L008 note for each code past the limit."""
        if not self._first_dropped:
            return self._kept
        from .rules import lookup
        from .rules.runner import overflow_note

        notes = []
        for code, first in self._first_dropped.items():
            entry = lookup(code)
            notes.append(overflow_note(code, entry.name if entry else code.lower(), first.span,
                                       self._counts[code] - limits.MAX_FINDINGS_PER_RULE))
        return self._kept + notes

    def add(self, diagnostic: Diagnostic) -> None:
        count = self._counts[diagnostic.code] = self._counts.get(diagnostic.code, 0) + 1
        if count <= limits.MAX_FINDINGS_PER_RULE:
            self._kept.append(diagnostic)
        elif count == limits.MAX_FINDINGS_PER_RULE + 1:
            self._first_dropped[diagnostic.code] = diagnostic

    def tally(self, code: str) -> bool:
        """Count one more ``code`` without its diagnostic if that code is past the limit: a caller that
        may find millions (one per escape of a string) need not word the ones nobody sees."""
        if code in self._first_dropped:
            self._counts[code] += 1
            return True
        return False

    def emit(self, code: str, message: str, span: Span | None, **extra: Any) -> Diagnostic:
        diagnostic = Diagnostic(code, message, span, **extra)
        self.add(diagnostic)
        return diagnostic

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.add(diagnostic)
