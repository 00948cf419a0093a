"""Alignment: regions against their `align` (page size by default); linear maps against sections."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Diagnostic, Severity
from .context import Context
from .registry import rule


@rule("A501", "misaligned-region", Severity.ERROR)
def misaligned_region(ctx: Context) -> Iterator[Diagnostic]:
    """A region whose start, end or size is not a multiple of its alignment.

    What it does:
        Checks start, end and size against the region's `align` attribute, or
        against the layout's `page_size` when none is given (`align = 1` opts a
        region out, e.g. kernel image sections).  The help names the nearest
        aligned addresses.
    Why it matters:
        The MMU maps whole pages: a region that ends mid-page shares that page,
        and its permissions, with its neighbour.
    Example:
        layout l { page_size = 4K }
        space virtual bits 32 {
            region vectors [0xFFFF_0800, +4K)
        }
    Fix:
        layout l { page_size = 4K }
        space virtual bits 32 {
            region vectors [0xFFFF_0000, +4K)
        }
    """
    page = ctx.layout.page_size
    for space in ctx.layout.spaces.values():
        for region in ctx.regions(space):
            align = region.align or page
            source = f"`align = {ctx.size(align)}`" if region.align else f"the page size ({ctx.size(page)})"
            for what, value, span in (("start", region.start, region.start_span), ("end", region.end, region.end_span)):
                if value % align:
                    down, up = value - value % align, value - value % align + align
                    yield ctx.diag("A501", f"{what} of region `{region.name}` is not aligned to {source}",
                                   span, regions=(region.name,),
                                   notes=(f"{what} = {ctx.addr(value, space)}, {ctx.size(value % align)} past "
                                          f"a multiple of {ctx.size(align)}",),
                                   help=f"nearest aligned addresses: {ctx.addr(down, space)} or {ctx.addr(up, space)}")
                    break


@rule("A502", "linear-map-section-alignment", Severity.WARNING)
def linear_map_section_alignment(ctx: Context) -> Iterator[Diagnostic]:
    """A linear map (`kind = linear`) whose start or end is not aligned to the MMU's section size.

    What it does:
        Checks linear-map regions against the architecture's section/block size
        for the layout's `mmu` (ARM short descriptors 1 MiB, LPAE 2 MiB, arm64
        4K granule and x86-64 2 MiB).
    Why it matters:
        The kernel maps lowmem with sections where it can; unaligned ends need
        page tables and more TLB entries (arch/arm/mm/mmu.c create_mapping).
    Example:
        layout l { arch = arm; mmu = arm_short }
        space virtual bits 32 {
            region lowmem [0xC000_0000, 0xC008_0000) { kind = linear }
        }
    Fix:
        layout l { arch = arm; mmu = arm_short }
        space virtual bits 32 {
            region lowmem [0xC000_0000, 0xC010_0000) { kind = linear }
        }
    """
    if ctx.arch is None:
        return
    section = ctx.arch.section_size(ctx.layout)
    if not section:
        return
    for space in ctx.layout.spaces.values():
        for region in ctx.regions(space):
            if region.kind != "linear":
                continue
            for what, value, span in (("start", region.start, region.start_span), ("end", region.end, region.end_span)):
                if value % section:
                    down = value - value % section
                    yield ctx.diag("A502", f"linear map `{region.name}` {what} is not aligned to the "
                                           f"{ctx.size(section)} section size of `{ctx.layout.mmu or ctx.arch.default_mmu}`",
                                   span, regions=(region.name,),
                                   notes=(f"{what} = {ctx.addr(value, space)}",),
                                   help=f"nearest section boundaries: {ctx.addr(down, space)} or {ctx.addr(down + section, space)}")
