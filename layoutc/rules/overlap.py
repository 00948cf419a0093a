"""Overlap of regions that share a parent (or the top level of a space)."""

from __future__ import annotations

import bisect
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
            counts = _overlap_counts(siblings)
            crowded = [r for r in siblings if counts.get(r.name, 0) > GROUP_AT]
            if crowded:
                ordered = sorted(siblings, key=ctx.declared_order)
                yield from (_grouped(ctx, space, region, counts[region.name], ordered) for region in crowded)
            crowded_names = {r.name for r in crowded}
            rest = [r for r in siblings if r.name not in crowded_names]
            pairs = intervals.overlapping_pairs(rest, lambda r: (r.start, r.end))
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


GROUP_AT = 8  # a region overlapping more siblings than this is one finding, not one per pair


def _overlap_counts(siblings) -> dict[str, int]:
    """For each region, how many siblings it overlaps without a declared relation, in O(n log n).

    For non-empty intervals, j overlaps i iff start_j < end_i and not end_j <= start_i
    (the second set is inside the first), so two bisections count them.
    """
    live = [r for r in siblings if r.start < r.end]
    starts = sorted(r.start for r in live)
    ends = sorted(r.end for r in live)
    by_name = {r.name: r for r in live}
    related: dict[str, set[str]] = {}  # a declared `overlaps` excuses the pair from both sides
    for region in live:
        for rel in region.relations:
            related.setdefault(region.name, set()).add(rel.other)
            related.setdefault(rel.other, set()).add(region.name)
    counts = {}
    for region in live:
        count = bisect.bisect_left(starts, region.end) - bisect.bisect_right(ends, region.start) - 1
        for other in related.get(region.name, ()):
            match = by_name.get(other)
            if match is not None and match is not region and match.start < region.end and region.start < match.end:
                count -= 1
        counts[region.name] = count
    return counts


def _grouped(ctx: Context, space, region, count: int, ordered) -> Diagnostic:
    """One finding for a region that overlaps many siblings (``ordered`` as declared); the first three are named."""
    others = []
    for other in ordered:
        if (other is not region and other.start < other.end and other.start < region.end
                and region.start < other.end and not _related(region, other)):
            others.append(other)
            if len(others) == 3:
                break
    return ctx.diag(
        "O401",
        f"`{region.name}` overlaps {count:,} other regions",
        region.range_span,
        regions=(region.name,),
        labels=tuple(Label(o.range_span, f"`{o.name}` is {ctx.range(o.start, o.end, space)}") for o in others),
        notes=(f"`{region.name}` is {ctx.range(region.start, region.end, space)}",
               "overlaps with more than {GROUP_AT} regions are reported per region, not per pair".format(
                   GROUP_AT=GROUP_AT)),
        help="give each region its own range, or declare the intended overlaps: `overlaps NAME \"why\"`",
    )


def _fix(ctx: Context, a, b, space) -> str:
    if a.start <= b.start:
        return (f"start `{b.name}` at {ctx.addr(a.end, space)} (the end of `{a.name}`), or, if the overlap is "
                f"intended, declare it: `overlaps {a.name} \"why\"` in `{b.name}`")
    return (f"end `{b.name}` at {ctx.addr(a.start, space)} (the start of `{a.name}`), or, if the overlap is "
            f"intended, declare it: `overlaps {a.name} \"why\"` in `{b.name}`")
