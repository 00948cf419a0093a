"""Emitters: the memory map as Markdown and reStructuredText tables, like the kernel's memory docs.

Both format ``table.rows`` (the one place that orders regions, gaps and holes), one
table per address space, in the shape of ``Documentation/arch/x86/x86_64/mm.rst``
and ``Documentation/arch/arm/memory.rst``: start, inclusive end, approximate size,
region, and what it is for.  Layout text is escaped for each markup (``escape``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model.types import Layout, Space
from ..model.values import format_address, human_size
from . import escape, provenance
from .base import EmitOptions
from .table import Row, rows

HEADINGS = ("Start", "End (incl.)", "Size", "Region", "Use")


SHOWN_LEVELS = 4  # a deeper path shows its root and its last two levels: `root/…/parent/child`


def _paths(space: Space) -> dict[str, str]:
    """Region name -> `parent/child` path, so nesting reads in a flat table.

    Region names are unique, so a path deeper than SHOWN_LEVELS is cut to `root/…/parent/child`:
    written in full, every row of a region nested 250 deep would repeat 250 names, and a few
    kilobytes of layout would make megabytes of table.
    """
    parents = {r.name: r.parent for r in space.regions}
    out: dict[str, str] = {}
    for name in parents:
        chain: list[str] = []
        current: str | None = name
        while current is not None:
            chain.append(current)
            current = parents.get(current)
        chain.reverse()
        if len(chain) > SHOWN_LEVELS:
            chain = [chain[0], "\N{HORIZONTAL ELLIPSIS}", *chain[-2:]]
        out[name] = "/".join(chain)
    return out


def _cells(row: Row, space: Space, paths: dict[str, str]) -> tuple[str, str, str, str | None, str]:
    """(start, last, size, region name or None, description) -- the raw cell texts."""
    name = paths.get(row.name, row.name) if row.kind == "region" else (row.name if row.kind == "hole" else None)
    return (format_address(row.start, space.bits), format_address(row.last, space.bits), human_size(row.size),
            name, row.description)


def _title(layout: Layout) -> str:
    return f"{layout.name}: {layout.title}" if layout.title else layout.name


def emit_markdown(layout: Layout, options: EmitOptions) -> str:
    return "".join(markdown_pieces(layout, options))


def markdown_pieces(layout: Layout, options: EmitOptions) -> Iterator[str]:
    """The Markdown line by line, each with its newline (the registry's emitter: written as it is made)."""
    return (line + "\n" for line in _markdown_lines(layout, options))


def _markdown_lines(layout: Layout, options: EmitOptions) -> Iterator[str]:
    yield from [f"# {escape.markdown(_title(layout))}", ""]
    yield "  \n".join(escape.markdown(line) for line in provenance.lines("markdown", layout, options))
    for space in layout.spaces.values():
        paths = _paths(space)
        yield from ["", f"## Space `{space.name}` ({space.bits}-bit)", ""]
        yield "| " + " | ".join(HEADINGS) + " |"
        yield "|---:|---:|---:|:---|:---|"
        for row in rows(layout, space):
            start, last, size, name, text = _cells(row, space, paths)
            if row.kind == "region":
                region = f"`{name}`"
            elif row.kind == "hole":
                region = f"*hole* `{name}`" if name and name != "hole" else "*hole*"
            else:
                region = "*unused*"
            yield f"| `{start}` | `{last}` | {size} | {region} | {escape.markdown(text)} |"


def _rst_heading(text: str, mark: str) -> list[str]:
    return [text, mark * max(escape.display_width(text), 1)]


def _ljust(text: str, width: int) -> str:
    """Pad to a display width (docutils lays out tables in columns, a wide character takes two)."""
    return text + " " * (width - escape.display_width(text))


def emit_rst(layout: Layout, options: EmitOptions) -> str:
    return "".join(rst_pieces(layout, options))


def rst_pieces(layout: Layout, options: EmitOptions) -> Iterator[str]:
    """The reStructuredText line by line, each with its newline (one space's table is made before it is
    written: its columns are as wide as its widest cell)."""
    return (line + "\n" for line in _rst_lines(layout, options))


def _rst_lines(layout: Layout, options: EmitOptions) -> Iterator[str]:
    title = escape.rst(_title(layout))
    rule = "=" * max(escape.display_width(title), 1)
    yield from [rule, title, rule, ""]
    yield from ["| " + escape.rst(line) for line in provenance.lines("rst", layout, options)]
    for space in layout.spaces.values():
        paths = _paths(space)
        yield from [""] + _rst_heading(f"Space ``{space.name}`` ({space.bits}-bit)", "=") + [""]
        table = []
        for row in rows(layout, space):
            start, last, size, name, text = _cells(row, space, paths)
            if row.kind == "region":
                region = f"``{name}``"
            elif row.kind == "hole":
                region = f"hole ``{name}``" if name and name != "hole" else "hole"
            else:
                region = "(unused)"
            table.append((start, last, size, region, escape.rst(text)))
        widths = [max(escape.display_width(r[i]) for r in [HEADINGS, *table]) for i in range(5)]
        rule = " ".join("=" * w for w in widths)
        yield from [rule, " ".join(_ljust(h, w) for h, w in zip(HEADINGS, widths)).rstrip(), rule]
        for cells in table:
            yield " ".join(_ljust(c, w) for c, w in zip(cells, widths)).rstrip()
        yield rule
