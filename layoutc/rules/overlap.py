"""Overlap of regions that share a parent (or the top level of a space)."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Diagnostic, Label, Severity
from ..model import intervals
from .context import Context
from .registry import rule


def _related(a, b) -> bool:
    return any(rel.other == b.name for rel in a.relations) or any(rel.other == a.name for rel in b.relations)


@rule("O401", "region-overlap", Severity.ERROR)
def region_overlap(ctx: Context) -> Iterator[Diagnostic]:
    """Two regions of one space that share addresses, with no declared relation.

    What it does:
        Compares every region with its siblings (regions with the same parent, or
        the top level of a space) by a sort-and-sweep, O(n log n).  Reports both
        regions, both declarations and the overlapping range with its size.
    Why it matters:
        Two users of one address range corrupt each other: a vmalloc area that
        runs into the fixmap, a module area on top of the linear map.  Intended
        overlaps (one window inside another) are declared with `overlaps NAME "why"`.
    Example:
        space virtual bits 32 {
            region lowmem  [0xC000_0000, 0xF000_0000)
            region vmalloc [0xEF80_0000, 0xFF80_0000)
        }
    Fix:
        space virtual bits 32 {
            region lowmem  [0xC000_0000, 0xEF80_0000)
            region vmalloc [0xF000_0000, 0xFF80_0000)
        }
    """
    for space in ctx.layout.spaces.values():
        groups: dict[str | None, list] = {}
        for region in ctx.regions(space):
            groups.setdefault(region.parent, []).append(region)
        for siblings in groups.values():
            pairs = intervals.overlapping_pairs(siblings, lambda r: (r.start, r.end))
            for first, second, (start, end) in pairs:
                if _related(first, second):
                    continue
                # report at the region declared later in the file, pointing back at the earlier one
                a, b = sorted((first, second), key=ctx.declared_order)
                size = end - start
                yield ctx.diag(
                    "O401",
                    f"regions `{a.name}` and `{b.name}` overlap",
                    b.range_span,
                    regions=(a.name, b.name),
                    labels=(Label(a.range_span, f"`{a.name}` is {ctx.range(a.start, a.end, space)}"),),
                    notes=(
                        f"`{b.name}` is {ctx.range(b.start, b.end, space)}",
                        f"overlapping range {ctx.range(start, end, space)} ({ctx.size(size)})",
                    ),
                    help=_fix(ctx, a, b, space),
                )


def _fix(ctx: Context, a, b, space) -> str:
    if a.start <= b.start:
        return (f"start `{b.name}` at {ctx.addr(a.end, space)} (the end of `{a.name}`), or, if the overlap is "
                f"intended, declare it: `overlaps {a.name} \"why\"` in `{b.name}`")
    return (f"end `{b.name}` at {ctx.addr(a.start, space)} (the start of `{a.name}`), or, if the overlap is "
            f"intended, declare it: `overlaps {a.name} \"why\"` in `{b.name}`")
