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
    yield from _failed(ctx, "assert", "U901")


@rule("U902", "unsupported-configuration", Severity.ERROR)
def unsupported_configuration(ctx: Context) -> Iterator[Diagnostic]:
    """A `requires COND : "message"` whose condition is false: this combination of params does not exist.

    What it does:
        Reports the message with the evaluated operands and where each param's
        value came from, like `assert`.  `layoutc check --matrix` skips such
        variants instead (and counts them), the way Kconfig's `depends on` hides
        impossible configurations.
    Why it matters:
        `requires` separates "this configuration cannot be built" (VMSPLIT_3G_OPT
        before 4.4, PAE with a split that is not 1 GiB aligned) from "this layout
        is wrong" (`assert`), so a matrix run reports only real defects.
    Example:
        param kernel: version = 4.1
        param vmsplit: choice(3G, 3G_OPT) = 3G_OPT
        requires vmsplit != 3G_OPT || kernel >= 4.4 : "VMSPLIT_3G_OPT exists from Linux 4.4"
    Fix:
        param kernel: version = 4.4
        param vmsplit: choice(3G, 3G_OPT) = 3G_OPT
        requires vmsplit != 3G_OPT || kernel >= 4.4 : "VMSPLIT_3G_OPT exists from Linux 4.4"
    """
    yield from _failed(ctx, "requires", "U902")


def _failed(ctx: Context, keyword: str, code: str) -> Iterator[Diagnostic]:
    layout = ctx.layout
    for assertion in layout.assertions:
        if assertion.passed is not False or assertion.keyword != keyword:
            continue
        notes = [f"`{op.text}` = {show(op.value, layout.bits)}" for op in assertion.operands]
        for name in assertion.inputs:
            notes.append(provenance(layout, name))
        yield ctx.diag(code, assertion.message, assertion.cond_span, notes=tuple(notes))


_CHAIN = 4  # origins of a param a note names; the rest are counted (10,000 `set`s quoted by 100 findings: 34 MB)


def provenance(layout, name: str) -> str:
    """`name = value (where it came from)` for notes."""
    if name in layout.params:
        param = layout.params[name]
        origins, more = param.origins, len(param.origins) - _CHAIN
        if more > 0:  # the default, then the last ones: the one that won is the last
            origins = (origins[0], *origins[-(_CHAIN - 1):])
        parts = [origin.describe() for origin in origins]
        if more > 0:
            parts.insert(1, f"{more:,} more `set`s")
        chain = "; ".join(parts) or "no value"
        return f"{name} = {show(param.value, layout.bits)} (param: {chain})"
    const = layout.consts[name]
    return f"{name} = {show(const.value, layout.bits)} (const `{const.formula}` at {const.span.where()})"
