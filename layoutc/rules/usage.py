"""Definitions nobody reads, and waivers that name no rule."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Diagnostic, Severity
from ..suggest import did_you_mean
from .context import Context
from .registry import RULES, lookup, rule

# Constants the checker itself reads (split.py); defining them is using them.
WELL_KNOWN = frozenset({"PAGE_OFFSET", "PHYS_OFFSET", "TASK_SIZE"})


@rule("W001", "unused-definition", Severity.WARNING)
def unused_definition(ctx: Context) -> Iterator[Diagnostic]:
    """A param or constant that nothing reads.

    What it does:
        Reports params and constants that no expression, region, assert or
        architecture rule reads.  The well-known constants PAGE_OFFSET,
        PHYS_OFFSET and TASK_SIZE, and params the architecture reads
        (`kernel`, `thumb2` on ARM), count as used.
    Why it matters:
        An unused param is an override that changes nothing -- often a leftover
        or a misspelt reference elsewhere.
    Example:
        param highmem: bool = true
        const X = 1
        assert X == 1 : "x"
    Fix:
        param highmem: bool = true
        const X = if highmem then 1 else 1
        assert X == 1 : "x"
    """
    layout = ctx.layout
    read_by_arch = set(ctx.arch.params_read) if ctx.arch else set()
    for name, param in layout.params.items():
        if name not in layout.used_names and name not in read_by_arch:
            yield ctx.diag("W001", f"param `{name}` is never used", param.span,
                           help="remove it, or use it in the layout")
    for name, const in layout.consts.items():
        if name not in layout.used_names and name not in WELL_KNOWN:
            yield ctx.diag("W001", f"constant `{name}` is never used", const.span,
                           help="remove it, or use it in the layout")


@rule("W003", "bad-waiver", Severity.ERROR)
def bad_waiver(ctx: Context) -> Iterator[Diagnostic]:
    """An `allow` that names no rule, or gives no reason.

    What it does:
        Checks that every waiver names a known rule (by code or name) and has a
        non-empty reason.
    Why it matters:
        Every report lists waivers with their reasons; a waiver without one hides
        a finding with no explanation.
    Example:
        allow region-overlapp "pkmap sits inside the module area on purpose"
    Fix:
        allow region-overlap "pkmap sits inside the module area on purpose"
    """
    for waiver in ctx.layout.waivers:
        if lookup(waiver.rule) is None:
            names = [r.name for r in RULES.values()] + list(RULES)
            yield ctx.diag("W003", f"`allow` names no rule: `{waiver.rule}`", waiver.span,
                           help=did_you_mean(waiver.rule, names) or "`layoutc rules` lists them")
        elif not waiver.reason.strip():
            yield ctx.diag("W003", "a waiver needs a reason", waiver.span,
                           help='say why the finding is acceptable: `allow RULE "why"`')
