"""User rules: `assert` statements."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Diagnostic, Severity
from ..model.values import show
from .context import Context
from .registry import rule


@rule("U901", "assert-failed", Severity.ERROR)
def assert_failed(ctx: Context) -> Iterator[Diagnostic]:
    """An `assert COND : "message"` whose condition is false.

    What it does:
        Reports the message, the evaluated operands of the condition, and where
        each name it reads got its value (default, `set`, or `-D`).
    Why it matters:
        Asserts carry the layout author's own rules, such as "VMSPLIT_3G_OPT needs
        4.4 or later".
    Example:
        const PAGE_OFFSET = 0xC080_0000
        assert PAGE_OFFSET % 16M == 0 : "PAGE_OFFSET must be 16 MiB aligned"
    Fix:
        const PAGE_OFFSET = 0xC000_0000
        assert PAGE_OFFSET % 16M == 0 : "PAGE_OFFSET must be 16 MiB aligned"
    """
    layout = ctx.layout
    for assertion in layout.assertions:
        if assertion.passed is not False:
            continue
        notes = [f"`{op.text}` = {show(op.value, layout.bits)}" for op in assertion.operands]
        for name in assertion.inputs:
            notes.append(provenance(layout, name))
        yield ctx.diag("U901", assertion.message, assertion.cond_span, notes=tuple(notes))


def provenance(layout, name: str) -> str:
    """`name = value (where it came from)` for notes."""
    if name in layout.params:
        param = layout.params[name]
        chain = "; ".join(origin.describe() for origin in param.origins) or "no value"
        return f"{name} = {show(param.value, layout.bits)} (param: {chain})"
    const = layout.consts[name]
    return f"{name} = {show(const.value, layout.bits)} (const `{const.formula}` at {const.span.where()})"
