"""Generated-code names (G): identifiers `layoutc build` / `emit` derive from the layout.

The diagnostics come from ``emit/names.py`` (the one identifier sanitiser), when an
emitter's symbol table is built; here they get their name, severity and documentation.
"""

from __future__ import annotations

from ..diagnostics import Severity
from .registry import rule


@rule("G001", "generated-name-clash", Severity.ERROR, stage="front")
def generated_name_clash(ctx=None):
    """Two layout names that become one identifier in generated code, or an identifier C or ld cannot use.

    What it does:
        `layoutc build` and `layoutc emit` turn every param, constant, choice member,
        bank and region bound into an identifier: the prefix and the name, upper-cased,
        with `_` for any other character (`virtual.user` -> `ARM32_VIRTUAL_USER_START`;
        params get `PARAM_`).  Reports two names that end up as one identifier, and
        identifiers that are C, C++ or GNU ld keywords or reserved in C (leading `__`).
        Nothing is written.
    Why it matters:
        One macro defined twice means two different values under one name; renaming
        one of them behind the user's back would break the code that uses it.
    Example:
        const page_size = 4K
        const PAGE_SIZE = 4K
    Fix:
        const PAGE_SIZE = 4K
    """
    return ()
