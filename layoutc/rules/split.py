"""The user/kernel split and the linear map: PAGE_OFFSET, TASK_SIZE, PHYS_OFFSET, vmalloc, modules.

These rules read the well-known constants `PAGE_OFFSET`, `PHYS_OFFSET` and
`TASK_SIZE` when the layout defines them, the space named `virtual`, and the
region kinds `linear`, `vmalloc`, `modules`, `image`.
"""

from __future__ import annotations

import bisect
from typing import Iterator

from ..diagnostics import Diagnostic, Label, Severity
from ..model.types import is_known
from .context import Context
from .registry import rule


def _const_span(ctx: Context, name: str):
    if name in ctx.layout.consts:
        return ctx.layout.consts[name].span
    return ctx.layout.params[name].span


def _linear_maps(ctx: Context):
    space = ctx.virtual
    if space is None:
        return []
    return [r for r in ctx.regions(space) if r.kind == "linear"]


@rule("K601", "page-offset-alignment", Severity.ERROR)
def page_offset_alignment(ctx: Context) -> Iterator[Diagnostic]:
    """PAGE_OFFSET not aligned as the architecture requires (ARM: 16 MiB).

    What it does:
        Checks the constant `PAGE_OFFSET` against the architecture's alignment.
    Why it matters:
        ARM's early boot code and the phys/virt patching assume PAGE_OFFSET is a
        multiple of 16 MiB (arch/arm/Kconfig, arch/arm/kernel/head.S).
    Example:
        layout l { arch = arm }
        const PAGE_OFFSET = 0xC080_0000
    Fix:
        layout l { arch = arm }
        const PAGE_OFFSET = 0xC000_0000
    """
    page_offset = ctx.const("PAGE_OFFSET")
    arch = ctx.arch
    align = arch.page_offset_align if arch else None
    if arch is None or page_offset is None or not align or page_offset % align == 0:
        return
    down = page_offset - page_offset % align
    yield ctx.diag("K601", f"PAGE_OFFSET is not aligned to {ctx.size(align)} as {arch.title} requires",
                   _const_span(ctx, "PAGE_OFFSET"),
                   notes=ctx.provenance("PAGE_OFFSET"),
                   help=f"nearest aligned values: {ctx.addr(down)} or {ctx.addr(down + align)}")


@rule("K602", "user-region-above-task-size", Severity.ERROR)
def user_region_above_task_size(ctx: Context) -> Iterator[Diagnostic]:
    """A user-accessible region (`access = user`) that reaches above TASK_SIZE.

    What it does:
        Checks every `access = user` region of the `virtual` space against the
        constant `TASK_SIZE` (or `PAGE_OFFSET` when there is no TASK_SIZE).
    Why it matters:
        Addresses above TASK_SIZE belong to the kernel; the kernel refuses user
        mappings there (the gap below PAGE_OFFSET holds modules on ARM).
    Example:
        const PAGE_OFFSET = 0xC000_0000
        const TASK_SIZE = PAGE_OFFSET - 16M
        space virtual bits 32 {
            region user [0, PAGE_OFFSET) { access = user }
        }
    Fix:
        const PAGE_OFFSET = 0xC000_0000
        const TASK_SIZE = PAGE_OFFSET - 16M
        space virtual bits 32 {
            region user [0, TASK_SIZE) { access = user }
        }
    """
    space = ctx.virtual
    limit_name = "TASK_SIZE" if ctx.const("TASK_SIZE") is not None else "PAGE_OFFSET"
    limit = ctx.const(limit_name)
    if space is None or limit is None:
        return
    for region in ctx.regions(space):
        if region.access == "user" and region.end > limit and region.start < limit:
            yield ctx.diag("K602", f"user region `{region.name}` reaches above {limit_name}", region.end_span,
                           regions=(region.name,),
                           notes=(f"`{region.name}` ends at {ctx.addr(region.end, space)}; "
                                  f"{limit_name} = {ctx.addr(limit, space)}",),
                           help=f"end it at {limit_name}")


@rule("K603", "kernel-region-below-task-size", Severity.ERROR)
def kernel_region_below_task_size(ctx: Context) -> Iterator[Diagnostic]:
    """A kernel region of a 32-bit layout that starts below TASK_SIZE.

    What it does:
        On 32-bit layouts (where one space is split at TASK_SIZE), reports kernel
        regions (`access` not `user`) of the `virtual` space that start below
        `TASK_SIZE`.
    Why it matters:
        Everything below TASK_SIZE belongs to user space and is replaced on every
        context switch; a kernel mapping there is visible to (and clobbered by)
        user processes.
    Example:
        layout l { bits = 32 }
        const TASK_SIZE = 0xBF00_0000
        space virtual bits 32 {
            region modules [0xBE00_0000, +16M)
        }
    Fix:
        layout l { bits = 32 }
        const TASK_SIZE = 0xBF00_0000
        space virtual bits 32 {
            region modules [0xBF00_0000, +16M)
        }
    """
    space = ctx.virtual
    task_size = ctx.const("TASK_SIZE")
    if space is None or task_size is None or space.bits > 32:
        return
    for region in ctx.regions(space):
        if region.access != "user" and region.parent is None and region.start < task_size and region.size:
            yield ctx.diag("K603", f"kernel region `{region.name}` starts below TASK_SIZE", region.start_span,
                           regions=(region.name,),
                           notes=(f"`{region.name}` starts at {ctx.addr(region.start, space)}; "
                                  f"TASK_SIZE = {ctx.addr(task_size, space)}",),
                           help="mark it `access = user` if user space may use it, or move it above TASK_SIZE")


@rule("K604", "linear-map-start", Severity.ERROR)
def linear_map_start(ctx: Context) -> Iterator[Diagnostic]:
    """The linear map (`kind = linear`) does not start at PAGE_OFFSET.

    What it does:
        Compares the start of every linear-map region of the `virtual` space
        with the constant `PAGE_OFFSET`.
    Why it matters:
        `__va(pa) = pa - PHYS_OFFSET + PAGE_OFFSET`: the kernel computes linear
        addresses from PAGE_OFFSET, so the map must begin exactly there.
    Example:
        const PAGE_OFFSET = 0xC000_0000
        space virtual bits 32 {
            region lowmem [0xC100_0000, +256M) { kind = linear }
        }
    Fix:
        const PAGE_OFFSET = 0xC000_0000
        space virtual bits 32 {
            region lowmem [PAGE_OFFSET, +256M) { kind = linear }
        }
    """
    page_offset = ctx.const("PAGE_OFFSET")
    if page_offset is None:
        return
    for region in _linear_maps(ctx):
        if region.start != page_offset:
            yield ctx.diag("K604", f"linear map `{region.name}` does not start at PAGE_OFFSET", region.start_span,
                           regions=(region.name,),
                           notes=(f"it starts at {ctx.addr(region.start)}; PAGE_OFFSET = {ctx.addr(page_offset)}",
                                  *ctx.provenance("PAGE_OFFSET")),
                           help="start it at PAGE_OFFSET")


def _target(ctx: Context, region):
    if region.maps is None:
        return None
    target = ctx.by_name.get(region.maps)
    return target if target is not None and is_known(target) else None


@rule("K605", "linear-map-ram-start", Severity.ERROR)
def linear_map_ram_start(ctx: Context) -> Iterator[Diagnostic]:
    """The linear map does not map the start of RAM (PHYS_OFFSET).

    What it does:
        Checks that the region named by the linear map's `maps` starts at the
        constant `PHYS_OFFSET` (when defined), so that
        `va = pa - PHYS_OFFSET + PAGE_OFFSET` holds for the first byte of RAM.
    Why it matters:
        If PAGE_OFFSET does not correspond to the start of RAM, `__pa`/`__va`
        translate every lowmem address wrongly.
    Example:
        const PHYS_OFFSET = 0x6000_0000
        space virtual bits 32 {
            region lowmem [0xC000_0000, +256M) { kind = linear; maps = physical.ram }
        }
        space physical bits 32 { region ram [0x7000_0000, +256M) { kind = ram } }
    Fix:
        const PHYS_OFFSET = 0x6000_0000
        space virtual bits 32 {
            region lowmem [0xC000_0000, +256M) { kind = linear; maps = physical.ram }
        }
        space physical bits 32 { region ram [PHYS_OFFSET, +256M) { kind = ram } }
    """
    phys_offset = ctx.const("PHYS_OFFSET")
    for region in _linear_maps(ctx):
        target = _target(ctx, region)
        if target is None or phys_offset is None:
            continue
        if target.start != phys_offset:
            yield ctx.diag("K605", f"linear map `{region.name}` maps `{target.name}`, which does not start at PHYS_OFFSET",
                           region.name_span, regions=(region.name, target.name),
                           labels=(Label(target.start_span, f"`{target.name}` starts at {ctx.addr(target.start)}"),),
                           notes=ctx.provenance("PHYS_OFFSET"),
                           help="PHYS_OFFSET is the physical address of the first byte of RAM the linear map covers")


@rule("K606", "linear-map-too-large", Severity.ERROR)
def linear_map_too_large(ctx: Context) -> Iterator[Diagnostic]:
    """A linear map larger than the physical region it maps.

    What it does:
        Compares the size of each linear-map region with the size of its `maps`
        target (the RAM span, holes between banks included).
    Why it matters:
        Linear addresses past the end of RAM translate to physical addresses
        with nothing behind them.
    Example:
        space virtual bits 32 {
            region lowmem [0xC000_0000, +1G) { kind = linear; maps = physical.ram }
        }
        space physical bits 32 { region ram [0x6000_0000, +512M) { kind = ram } }
    Fix:
        space virtual bits 32 {
            region lowmem [0xC000_0000, +512M) { kind = linear; maps = physical.ram }
        }
        space physical bits 32 { region ram [0x6000_0000, +512M) { kind = ram } }
    """
    for region in _linear_maps(ctx):
        target = _target(ctx, region)
        if target is not None and region.size > target.size:
            yield ctx.diag("K606", f"linear map `{region.name}` ({ctx.size(region.size)}) is larger than "
                                   f"`{target.name}` ({ctx.size(target.size)}), which it maps",
                           region.range_span, regions=(region.name, target.name),
                           labels=(Label(target.range_span, f"`{target.name}` is {ctx.size(target.size)}"),),
                           help=f"end the linear map at {ctx.addr(region.start + target.size)}")


@rule("K607", "phys-virt-offset-alignment", Severity.ERROR)
def phys_virt_offset_alignment(ctx: Context) -> Iterator[Diagnostic]:
    """PAGE_OFFSET - PHYS_OFFSET not aligned as the kernel requires (ARM: 16 MiB up to 5.10, 2 MiB from 5.11).

    What it does:
        Checks the distance between the constants `PAGE_OFFSET` and
        `PHYS_OFFSET` against the architecture's rule for the layout's `kernel`
        release.
    Why it matters:
        ARM patches virt/phys conversions at boot (ARM_PATCH_PHYS_VIRT); the
        patched instructions only encode offsets of that granularity
        (arch/arm/kernel/head.S, arch/arm/kernel/phys2virt.S).  A kernel loaded at
        a misaligned PHYS_OFFSET does not boot.
    Example:
        layout l { arch = arm }
        param kernel: version = 6.1
        const PAGE_OFFSET = 0xC000_0000
        const PHYS_OFFSET = 0x6008_0000
    Fix:
        layout l { arch = arm }
        param kernel: version = 6.1
        const PAGE_OFFSET = 0xC000_0000
        const PHYS_OFFSET = 0x6000_0000
    """
    page_offset, phys_offset = ctx.const("PAGE_OFFSET"), ctx.const("PHYS_OFFSET")
    if ctx.arch is None or page_offset is None or phys_offset is None:
        return
    align = ctx.arch.phys_virt_align(ctx.layout)
    if not align:
        return
    delta = page_offset - phys_offset
    if delta % align == 0:
        return
    down = phys_offset - phys_offset % align
    kernel = ctx.layout.value("kernel") if ctx.layout.has("kernel") else "this kernel"
    yield ctx.diag("K607", f"PHYS_OFFSET is not {ctx.size(align)} aligned relative to PAGE_OFFSET, as {ctx.arch.title} "
                           f"kernel {kernel} requires",
                   _const_span(ctx, "PHYS_OFFSET"),
                   notes=(f"PHYS_OFFSET = {ctx.addr(phys_offset)}, PAGE_OFFSET = {ctx.addr(page_offset)}, "
                          f"PAGE_OFFSET - PHYS_OFFSET = {ctx.addr(delta)} is {ctx.size(delta % align)} past a "
                          f"multiple of {ctx.size(align)}", *ctx.provenance("PHYS_OFFSET", "PAGE_OFFSET")),
                   help=f"load the kernel at {ctx.addr(down)} or {ctx.addr(down + align)}")


class _Sorted:
    """Regions by one bound, for the ones whose bound lies in a range: a search instead of a walk over
    every pair (K608/K609 compared each vmalloc or modules region with every linear or text one)."""

    def __init__(self, regions, key) -> None:
        order = sorted(range(len(regions)), key=lambda i: key(regions[i]))
        self.order = order
        self.keys = [key(regions[i]) for i in order]

    def within(self, low: int, high: int) -> set[int]:
        return set(self.order[bisect.bisect_left(self.keys, low):bisect.bisect_right(self.keys, high)])

    def above(self, bound: int) -> set[int]:
        return set(self.order[bisect.bisect_right(self.keys, bound):])

    def below(self, bound: int) -> set[int]:
        return set(self.order[:bisect.bisect_left(self.keys, bound)])


@rule("K608", "vmalloc-guard-gap", Severity.ERROR)
def vmalloc_guard_gap(ctx: Context) -> Iterator[Diagnostic]:
    """No guard gap between the linear map and the vmalloc area.

    What it does:
        Requires at least one page of unmapped space between a `linear` region
        and a `vmalloc` region of the `virtual` space.
    Why it matters:
        The gap (VMALLOC_OFFSET, 8 MiB on ARM and x86-32) catches out-of-bounds
        accesses that run off the end of lowmem before they hit a vmalloc area.
    Example:
        space virtual bits 32 {
            region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
            region vmalloc [0xF000_0000, 0xFF80_0000) { kind = vmalloc }
        }
    Fix:
        space virtual bits 32 {
            region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
            region vmalloc [0xF080_0000, 0xFF80_0000) { kind = vmalloc }
        }
    """
    space = ctx.virtual
    if space is None:
        return
    page = ctx.layout.page_size
    linear = [r for r in ctx.regions(space) if r.kind == "linear"]
    by_end = _Sorted(linear, lambda r: r.end)
    by_start = _Sorted(linear, lambda r: r.start)
    for vmalloc in (r for r in ctx.regions(space) if r.kind == "vmalloc"):
        # only a linear map ending less than a page below it, or starting less than a page above it
        near = by_end.within(vmalloc.start - page + 1, vmalloc.start) | by_start.within(vmalloc.end, vmalloc.end + page - 1)
        for lin in (linear[i] for i in sorted(near)):
            if lin.end <= vmalloc.start:
                gap = vmalloc.start - lin.end
            elif vmalloc.end <= lin.start:
                gap = lin.start - vmalloc.end
            else:
                continue  # overlapping: region-overlap reports it
            if gap < page:
                yield ctx.diag("K608", f"no guard gap between linear map `{lin.name}` and vmalloc area `{vmalloc.name}`",
                               vmalloc.start_span if lin.end <= vmalloc.start else vmalloc.end_span,
                               regions=(lin.name, vmalloc.name),
                               labels=(Label(lin.range_span, f"`{lin.name}` is {ctx.range(lin.start, lin.end, space)}"),),
                               notes=(f"gap = {ctx.size(gap)}; at least one page ({ctx.size(page)}) is needed",),
                               help="leave VMALLOC_OFFSET (8M) between them: "
                                    "VMALLOC_START = align_down(high_memory + 8M, 8M)")


@rule("K609", "module-branch-range", Severity.ERROR)
def module_branch_range(ctx: Context) -> Iterator[Diagnostic]:
    """The module area is out of branch range of the kernel text (ARM: 32 MiB, Thumb-2: 16 MiB).

    What it does:
        For every `modules` region and every executable kernel-image region
        (`kind = image` without `perm` or with `x`), checks that the farthest
        pair of addresses is within the architecture's direct branch range (the
        `thumb2` param selects the Thumb-2 range on ARM).
    Why it matters:
        Module code calls the kernel with direct `BL` branches; out of range, the
        module loader fails with relocation errors
        (arch/arm/include/asm/memory.h).
    Example:
        layout l { arch = arm }
        space virtual bits 32 {
            region modules [0xBC00_0000, +16M) { kind = modules }
            region text [0xC000_8000, +8M) { kind = image; perm = rx }
        }
    Fix:
        layout l { arch = arm }
        space virtual bits 32 {
            region modules [0xBF00_0000, +16M) { kind = modules }
            region text [0xC000_8000, +8M) { kind = image; perm = rx }
        }
    """
    space = ctx.virtual
    if space is None or ctx.arch is None:
        return
    reach = ctx.arch.module_branch_range(ctx.layout)
    if not reach:
        return
    texts = [r for r in ctx.regions(space) if r.kind == "image" and (r.perm is None or "x" in r.perm)]
    by_end = _Sorted(texts, lambda r: r.end)
    by_start = _Sorted(texts, lambda r: r.start)
    for modules in (r for r in ctx.regions(space) if r.kind == "modules"):
        # only a text ending more than `reach` past the modules' start, or starting more than it before their end
        far = by_end.above(modules.start + reach) | by_start.below(modules.end - reach)
        for text in (texts[i] for i in sorted(far)):
            distance = max(text.end - modules.start, modules.end - text.start)
            if distance > reach:
                yield ctx.diag("K609", f"module area `{modules.name}` is out of branch range of kernel text `{text.name}`",
                               modules.range_span, regions=(modules.name, text.name),
                               labels=(Label(text.range_span, f"`{text.name}` is {ctx.range(text.start, text.end, space)}"),),
                               notes=(f"farthest distance {ctx.size(distance)} > branch range {ctx.size(reach)}",),
                               help=f"keep modules within {ctx.size(reach)} of the end of the kernel text")
