"""Hover text (Markdown) for a param, constant, region, space or `extends` target.

The value, formula and provenance are `layoutc show --explain`'s own text
(``cli.explain_value``); this module adds the value in hex and as a size, and
the values per variant of the layout's `--matrix` when they differ.
"""

from __future__ import annotations

import inspect
from typing import Callable

from ..cli import explain_value
from ..model.types import Layout
from ..model.values import format_address, format_size, human_size, show
from ..session import describe_variants
from ..syntax import ast
from .document import MATRIX_LIMIT, Matrix
from .index import Index, Occurrence

MAX_VALUES_SHOWN = 12  # distinct values listed per hover; the rest are counted


def value_text(value: object, bits: int) -> str:
    """`0xc0000000` (3G, 3 GB) for an integer, as `show` prints anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if value < 4096:
            return f"`{value}` (`{value:#x}`)"
        return f"`{format_address(value, bits)}` ({format_size(value)}, {human_size(value)})"
    return f"`{show(value, bits)}`"


def region_range(layout: Layout, space: str, name: str) -> str | None:
    for region in layout.spaces[space].regions if space in layout.spaces else ():
        if region.name == name:
            if not region.known:
                return "absent"
            bits = layout.spaces[space].bits
            size = region.size or 0
            return f"[{format_address(region.start or 0, bits)}, {format_address(region.end or 0, bits)}) {format_size(size)}"
    return None


def _per_variant(matrix: Matrix | None, pending: bool, value_of: Callable[[Layout], str | None]) -> list[str]:
    if matrix is None:
        return ["*values per variant: being computed*"] if pending else []
    axes = ", ".join(matrix.axes) or "no bool or choice params"
    if matrix.too_many:
        return [f"*values per variant not computed: the --matrix has {matrix.too_many} combinations of "
                f"{axes} (more than {MATRIX_LIMIT}); fix some of them with `set` in a board file*"]
    groups: dict[str, list[int]] = {}
    for i, layout in enumerate(matrix.layouts):
        text = value_of(layout)
        if text is not None:
            groups.setdefault(text, []).append(i)
    count = len(matrix.variants)
    if len(groups) <= 1:
        return [f"same in every variant of the --matrix ({count} of {axes})"] if count > 1 else []
    lines = [f"**per variant** (--matrix: {count} combinations of {axes}):", ""]
    for shown, (text, indices) in enumerate(groups.items()):
        if shown == MAX_VALUES_SHOWN:
            lines.append(f"- ... and {len(groups) - MAX_VALUES_SHOWN} more values")
            break
        lines.append(f"- `{text}` when {describe_variants(matrix.axes, matrix.variants, set(indices))}")
    return lines


def _block(text: str) -> list[str]:
    return ["```text", text, "```"]


def hover_text(index: Index, occurrence: Occurrence, layout: Layout | None, matrix: Matrix | None,
               pending: bool) -> str | None:
    key = occurrence.key
    bits = layout.bits if layout is not None else 64
    lines: list[str] = []
    if key[0] == "name":
        name = key[1]
        decl = index.definitions.get(key)
        if isinstance(decl, ast.ParamDecl):
            lines.append(f"**param** `{name}`: `{decl.type.span.text}`")
        elif isinstance(decl, ast.ConstDecl):
            lines.append(f"**const** `{name}`")
        else:
            return None
        if decl.doc:
            lines += ["", decl.doc]
        if layout is not None and layout.has(name):
            lines += ["", "value: " + value_text(layout.value(name), bits), ""]
            lines += _block(explain_value(layout, name) or "")
            lines += [""] + _per_variant(matrix, pending, lambda v: show(v.value(name), v.bits) if v.has(name) else None)
        else:
            lines += ["", "*no value: the layout does not elaborate (see the diagnostics)*"]
    elif key[0] == "region":
        space, name = key[1], key[2]
        lines.append(f"**region** `{space}.{name}`")
        if layout is not None:
            text = explain_value(layout, f"{space}.{name}")
            if text is not None:
                lines += [""] + _block(text)
            lines += [""] + _per_variant(matrix, pending, lambda v: region_range(v, space, name))
    elif key[0] == "space":
        lines.append(f"**space** `{key[1]}`")
        if layout is not None and key[1] in layout.spaces:
            space_model = layout.spaces[key[1]]
            lines += ["", f"{space_model.bits} bits, {len(space_model.regions)} regions"]
    elif key[0] == "file":
        lines.append(f"**extends** `{key[1]}`")
    elif key[0] == "rule":
        from ..rules import lookup

        entry = lookup(key[1])
        if entry is None:
            return None
        lines += [f"**{entry.code}** `{entry.name}` ({entry.severity})", ""] + _block(inspect.cleandoc(entry.doc))
    elif key[0] == "layout":
        lines.append(f"**layout** `{key[1]}`" + (f": {layout.title}" if layout is not None and layout.title else ""))
    return "\n".join(lines).rstrip() or None
