"""Run the model rules over a layout."""

from __future__ import annotations

from typing import Iterable

from ..diagnostics import Diagnostic
from ..limits import MAX_FINDINGS_PER_RULE
from ..model.types import Layout
from ..source import Span
from .context import Context
from .registry import RULES


def run_rules(layout: Layout, enabled: Iterable[str] | None = None) -> tuple[list[Diagnostic], int]:
    """Diagnostics of every enabled model rule, and how many rules ran."""
    wanted = None if enabled is None else set(enabled)
    ctx = Context(layout)
    found: list[Diagnostic] = []
    ran = 0
    for code, entry in sorted(RULES.items()):
        if entry.stage != "model" or (wanted is not None and code not in wanted):
            continue
        ran += 1
        found.extend(_capped(entry.check(ctx), code, entry.name, layout))
    return found, ran


def _capped(diagnostics: Iterable[Diagnostic], code: str, name: str, layout: Layout) -> list[Diagnostic]:
    """The first MAX_FINDINGS_PER_RULE findings, and an L008 note instead of the rest (L008).

    The rule's iterator is not run past the limit: a rule whose findings grow quadratically
    (every region against every other) costs no more than its first hundred.
    """
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        if len(kept) == MAX_FINDINGS_PER_RULE:
            kept.append(overflow_note(code, name, layout.files[-1].whole() if layout.files else None))
            break
        kept.append(diagnostic)
    return kept


def overflow_note(code: str, name: str, span: Span | None, dropped: int | None = None) -> Diagnostic:
    """The L008 note that stands for the findings of ``code`` past MAX_FINDINGS_PER_RULE."""
    rest = "the rest are" if dropped is None else f"{dropped} more {'is' if dropped == 1 else 'are'}"
    return Diagnostic("L008", f"more than {MAX_FINDINGS_PER_RULE} findings of {code} ({name}): {rest} not reported",
                      span, help="fix the findings above and check again")
