"""Front-end codes: syntax (S), names (N) and evaluation (E).

These diagnostics are produced by ``syntax/`` and ``model/elaborate.py``;
here they get their names, severities and documentation.
"""

from __future__ import annotations

from ..diagnostics import Severity
from .registry import rule


def _front():
    return ()


@rule("S001", "syntax-error", Severity.ERROR, stage="front")
def syntax_error(ctx=None):
    """The text is not KL: a token is missing or out of place.

    What it does:
        Reports the first place where the parser cannot go on, says in words what
        it expected, and adds a hint for common mistakes.
    Why it matters:
        Nothing of a file that does not parse can be checked.
    Example:
        space virtual bits 32 {
            region user [0, 3G] { access = user }
        }
    Fix:
        space virtual bits 32 {
            region user [0, 3G) { access = user }
        }
    """
    return _front()


@rule("S002", "bad-literal", Severity.ERROR, stage="front")
def bad_literal(ctx=None):
    """A string or number literal that cannot be read.

    What it does:
        Reports unknown escapes in strings and integer literals that are too large.
    Why it matters:
        A literal that is silently misread puts a wrong address into the layout.
    Example:
        const NAME = "C:\\path"
    Fix:
        const NAME = "C:\\\\path"
    """
    return _front()


@rule("N101", "unknown-name", Severity.ERROR, stage="front")
def unknown_name(ctx=None):
    """A name that no param, constant, region or built-in function defines.

    What it does:
        Reports the name and suggests the closest defined one.
    Why it matters:
        Usually a typo; the value it was meant to read is not used.
    Example:
        const PAGE_OFFSET = 0xC000_0000
        const TASK_SIZE = PAGE_OFSET - 16M
    Fix:
        const PAGE_OFFSET = 0xC000_0000
        const TASK_SIZE = PAGE_OFFSET - 16M
    """
    return _front()


@rule("N102", "duplicate-name", Severity.ERROR, stage="front")
def duplicate_name(ctx=None):
    """A param, constant or region defined twice.

    What it does:
        Points at both definitions.
    Why it matters:
        Which of the two values applies would depend on the order of the file.
    Example:
        const X = 1
        const X = 2
    Fix:
        const X = 1
        const Y = 2
    """
    return _front()


@rule("N103", "unknown-override", Severity.ERROR, stage="front")
def unknown_override(ctx=None):
    """`-D NAME=VALUE` or `set NAME = VALUE` names no param.

    What it does:
        Reports the name, suggests the closest param, and refuses overrides of
        constants (only params are inputs).
    Why it matters:
        A misspelt override is otherwise silently ignored and the default applies.
    Example:
        param highmem: bool = true
        set hihgmem = false
    Fix:
        param highmem: bool = true
        set highmem = false
    """
    return _front()


@rule("N104", "unreadable-file", Severity.ERROR, stage="front")
def unreadable_file(ctx=None):
    """A layout or `extends` file that cannot be read (missing, a directory, no permission).

    What it does:
        Reports the path; an `extends` path is resolved relative to the including file.
    Why it matters:
        A board overlay without its base layout describes nothing.
    Example:
        extends "no-such-base.kl"
    Fix:
        const X = 1
    """
    return _front()


@rule("N105", "include-cycle", Severity.ERROR, stage="front")
def include_cycle(ctx=None):
    """Files that `extends` each other in a circle.

    What it does:
        Prints the whole chain of files.
    Why it matters:
        There is no base to start from.
    Example:
        extends "rule-example.kl"
    Fix:
        const X = 1
    """
    return _front()


@rule("S003", "invalid-encoding", Severity.ERROR, stage="front")
def invalid_encoding(ctx=None):
    """A layout file that is not UTF-8 text.

    What it does:
        Points at the first byte that is not valid UTF-8.
    Why it matters:
        Names and strings would be misread; layouts are text.
    Example:
        const X = 1 // the test writes byte 0xff here: \\xff
    Fix:
        const X = 1
    """
    return _front()


@rule("E201", "type-error", Severity.ERROR, stage="front")
def type_error(ctx=None):
    """A value of the wrong type: a bool used as a number, a word where a number belongs.

    What it does:
        Reports the value and the type that was needed.
    Why it matters:
        KL does not convert silently between numbers, bools and choices.
    Example:
        param highmem: bool = true
        const X = highmem + 1
    Fix:
        param highmem: bool = true
        const X = if highmem then 2 else 1
    """
    return _front()


@rule("E202", "dependency-cycle", Severity.ERROR, stage="front")
def dependency_cycle(ctx=None):
    """Definitions computed from each other.

    What it does:
        Prints the whole cycle, e.g. `A -> B -> A`.
    Why it matters:
        None of the values in the cycle can be computed.
    Example:
        const A = B + 1
        const B = A
    Fix:
        const A = B + 1
        const B = 4K
    """
    return _front()


@rule("E203", "division-by-zero", Severity.ERROR, stage="front")
def division_by_zero(ctx=None):
    """`/` or `%` by a value that evaluates to zero.

    What it does:
        Points at the divisor and says what it evaluated to.
    Why it matters:
        The result is undefined.
    Example:
        param banks_count: int = 0
        const PER_BANK = 1G / banks_count
    Fix:
        param banks_count: int = 1
        const PER_BANK = 1G / max(banks_count, 1)
    """
    return _front()


@rule("E204", "value-out-of-range", Severity.ERROR, stage="front")
def value_out_of_range(ctx=None):
    """A value outside what its use allows: a negative shift, a zero alignment, a 5000-bit number.

    What it does:
        Reports the value and the allowed range.
    Why it matters:
        Such values are always a mistake in a memory layout.
    Example:
        const X = 1 << -1
    Fix:
        const X = 1 << 1
    """
    return _front()


@rule("E205", "region-not-present", Severity.ERROR, stage="front")
def region_not_present(ctx=None):
    """A reference to a region whose `if` is false in this configuration.

    What it does:
        Reports the reference; the region has no bounds in this variant.
    Why it matters:
        The value would be meaningless; `--matrix` finds the variants where it happens.
    Example:
        param highmem: bool = false
        space virtual bits 32 {
            region pkmap [0xBFE0_0000, +2M) if highmem
            region modules [0xBF00_0000, pkmap.start)
        }
    Fix:
        param highmem: bool = false
        space virtual bits 32 {
            region pkmap [0xBFE0_0000, +2M) if highmem
            region modules [0xBF00_0000, if highmem then 0xBFE0_0000 else 0xC000_0000)
        }
    """
    return _front()


@rule("E206", "no-match-arm", Severity.ERROR, stage="front")
def no_match_arm(ctx=None):
    """A `match` with no arm for the value it got.

    What it does:
        Reports the value; add an arm or a default `_ => ...`.
    Why it matters:
        The expression has no value for this configuration.
    Example:
        param vmsplit: choice(3G, 2G) = 2G
        const PAGE_OFFSET = match vmsplit { 3G => 0xC000_0000 }
    Fix:
        param vmsplit: choice(3G, 2G) = 2G
        const PAGE_OFFSET = match vmsplit { 3G => 0xC000_0000, 2G => 0x8000_0000 }
    """
    return _front()


@rule("E207", "bad-param-value", Severity.ERROR, stage="front")
def bad_param_value(ctx=None):
    """A param given a value its type does not allow (by default, `set` or `-D`).

    What it does:
        Names the param, its type, and the allowed values of a choice.
    Why it matters:
        An out-of-range input would silently pick another configuration.
    Example:
        param vmsplit: choice(3G, 2G, 1G) = 4G
    Fix:
        param vmsplit: choice(3G, 2G, 1G) = 3G
    """
    return _front()


@rule("W002", "unknown-attribute", Severity.WARNING, stage="front")
def unknown_attribute(ctx=None):
    """An attribute or region kind layoutc does not know.

    What it does:
        Reports it and suggests the closest known one.
    Why it matters:
        A misspelt `kind` or `perm` turns off the checks that depend on it.
    Example:
        space virtual bits 32 {
            region lowmem [0xC000_0000, +256M) { knd = linear }
        }
    Fix:
        space virtual bits 32 {
            region lowmem [0xC000_0000, +256M) { kind = linear }
        }
    """
    return _front()
