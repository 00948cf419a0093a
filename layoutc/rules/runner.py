"""Run the model rules over a layout."""

from __future__ import annotations

from typing import Iterable

from ..diagnostics import Diagnostic
from ..model.types import Layout
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
        found.extend(entry.check(ctx))
    return found, ran
