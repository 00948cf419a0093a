"""Region bounds: empty, inverted, outside the space, inside a hole, outside the parent."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Diagnostic, Label, Severity
from ..model import intervals
from ..model.types import is_known
from .context import Context
from .registry import rule


@rule("B301", "empty-region", Severity.WARNING)
def empty_region(ctx: Context) -> Iterator[Diagnostic]:
    """A region whose start equals its end.

    What it does:
        Reports regions of size zero.
    Why it matters:
        An empty region reserves nothing; usually a size evaluated to 0 for this
        configuration, or the end was meant to be relative (`+SIZE`).
    Example:
        space virtual bits 32 {
            region dtcm [0xFFFE_8000, 0xFFFE_8000)
        }
    Fix:
        space virtual bits 32 {
            region dtcm [0xFFFE_8000, +32K)
        }
    """
    for space in ctx.layout.spaces.values():
        for region in ctx.regions(space):
            if region.start == region.end:
                yield ctx.diag("B301", f"region `{region.name}` is empty: it starts and ends at {ctx.addr(region.start, space)}",
                               region.range_span, regions=(region.name,),
                               help="give it a size with `[START, +SIZE)`, or make it conditional with `if`")


@rule("B302", "inverted-region", Severity.ERROR)
def inverted_region(ctx: Context) -> Iterator[Diagnostic]:
    """A region whose end lies below its start.

    What it does:
        Reports both bounds as evaluated.
    Why it matters:
        Bounds are `[START, END)`; an inverted pair is usually swapped operands or
        a size given where an end was meant.
    Example:
        space virtual bits 32 {
            region vmalloc [0xF000_0000, 0x1000_0000)
        }
    Fix:
        space virtual bits 32 {
            region vmalloc [0xF000_0000, +0x0F80_0000)
        }
    """
    for space in ctx.layout.spaces.values():
        for region in ctx.regions(space):
            if region.end < region.start:
                hint = None
                if region.end > 0 and region.start + region.end <= space.limit:
                    hint = f"if `{region.end_span.text}` is a size, write `[{region.start_span.text}, +{region.end_span.text})`"
                yield ctx.diag("B302", f"region `{region.name}` ends before it starts", region.range_span,
                               regions=(region.name,),
                               notes=(f"start = {ctx.addr(region.start, space)}, end = {ctx.addr(region.end, space)}",),
                               help=hint)


@rule("B303", "region-outside-space", Severity.ERROR)
def region_outside_space(ctx: Context) -> Iterator[Diagnostic]:
    """A region that does not fit its space: below 0 or above 2^bits (it would wrap).

    What it does:
        Reports the bound that does not fit and the space's width.
    Why it matters:
        Addresses past the top of a 32-bit space wrap to 0 in hardware.
    Example:
        space virtual bits 32 {
            region vectors [0xFFFF_F000, +8K)
        }
    Fix:
        space virtual bits 32 {
            region vectors [0xFFFF_0000, +8K)
        }
    """
    for space in ctx.layout.spaces.values():
        limit = space.limit
        for region in ctx.regions(space):
            if region.start < 0 or region.end < 0:
                yield ctx.diag("B303", f"region `{region.name}` has a negative bound", region.range_span,
                               regions=(region.name,),
                               notes=(f"start = {region.start}, end = {region.end}",),
                               help=f"use wrap(X, {space.bits}) for a two's-complement address")
            elif region.end > limit:
                over = max(region.end, region.start) - limit
                yield ctx.diag("B303", f"region `{region.name}` goes past the top of the {space.bits}-bit space `{space.name}`",
                               region.range_span, regions=(region.name,),
                               notes=(f"it ends at {ctx.addr(region.end, space)}, {ctx.size(over)} beyond "
                                      f"{ctx.addr(limit, space)}; the addresses would wrap around to 0",),
                               help=f"end it at or below {ctx.addr(limit, space)}")


@rule("B304", "region-in-hole", Severity.ERROR)
def region_in_hole(ctx: Context) -> Iterator[Diagnostic]:
    """A region that touches a declared `hole`.

    What it does:
        Reports the region, the hole, its reason and the shared range.
    Why it matters:
        A hole is a range nothing may use (for instance the non-canonical hole of
        a 64-bit space: an access there faults).
    Example:
        space virtual bits 64 {
            hole [0x0000_8000_0000_0000, 0xFFFF_8000_0000_0000) "non-canonical"
            region big [0x0000_7000_0000_0000, +32T)
        }
    Fix:
        space virtual bits 64 {
            hole [0x0000_8000_0000_0000, 0xFFFF_8000_0000_0000) "non-canonical"
            region big [0x0000_7000_0000_0000, +16T)
        }
    """
    for space in ctx.layout.spaces.values():
        holes = [(h, h.start, h.end) for h in space.holes if h.start is not None and h.end is not None]
        if not holes:
            continue
        holes.sort(key=lambda h: h[1])
        search = intervals.ByStart([(start, end) for _, start, end in holes])
        for region in ctx.regions(space):
            for index in search.meeting(region.start, region.end):  # nearest first
                hole, hole_start, hole_end = holes[index]
                shared = intervals.intersection((region.start, region.end), (hole_start, hole_end))
                if shared is None:
                    continue
                what = f"hole `{hole.name}`" if hole.name else "a hole"
                yield ctx.diag("B304", f"region `{region.name}` lies in {what} ({hole.reason})",
                               region.name_span, regions=(region.name,),
                               labels=(Label(hole.span, f"hole {ctx.range(hole_start, hole_end, space)}"),),
                               notes=(f"shared range {ctx.range(*shared, space)} ({ctx.size(shared[1] - shared[0])})",))


@rule("B305", "outside-parent", Severity.ERROR)
def outside_parent(ctx: Context) -> Iterator[Diagnostic]:
    """A nested region that is not inside its parent.

    What it does:
        Reports the child's and the parent's ranges and how far the child sticks out.
    Why it matters:
        Nesting says "this part of that": a kernel `.text` outside the linear map
        is not where the layout says it is.
    Example:
        space virtual bits 32 {
            region lowmem [0xC000_0000, +16M) {
                region text [0xC000_8000, +32M)
            }
        }
    Fix:
        space virtual bits 32 {
            region lowmem [0xC000_0000, +64M) {
                region text [0xC000_8000, +32M)
            }
        }
    """
    for space in ctx.layout.spaces.values():
        for region in ctx.regions(space):
            if region.parent is None:
                continue
            parent = ctx.by_name.get((space.name, region.parent))
            if parent is None or not is_known(parent):
                continue
            if region.start < parent.start or region.end > parent.end:
                yield ctx.diag("B305", f"region `{region.name}` is not inside its parent `{parent.name}`",
                               region.range_span, regions=(region.name, parent.name),
                               labels=(Label(parent.name_span, f"parent {ctx.describe(parent)}"),),
                               notes=(f"`{region.name}` is {ctx.range(region.start, region.end, space)}",))
