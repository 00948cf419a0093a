"""64-bit spaces: canonical halves (arm64 TTBR0/TTBR1, x86-64 and RISC-V sign extension)."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Diagnostic, Severity
from .context import Context
from .registry import rule


def halves(ctx: Context):
    """(user half, kernel half) of the `virtual` space, or None when the layout does not split it this way."""
    space = ctx.virtual
    if space is None or ctx.arch is None or ctx.arch.halves is None or not ctx.layout.va_bits or space.bits != 64:
        return None
    return ctx.arch.halves(ctx.layout.va_bits)


@rule("C701", "non-canonical-region", Severity.ERROR)
def non_canonical_region(ctx: Context) -> Iterator[Diagnostic]:
    """A region of a 64-bit `virtual` space that is not inside one canonical half.

    What it does:
        With the layout's `va_bits`, computes the two halves the hardware
        translates (x86-64/RISC-V: bits 63..va_bits-1 equal; arm64: TTBR0
        `[0, 2^va_bits)` and TTBR1 `[2^64 - 2^va_bits, 2^64)`) and reports regions
        that reach into the hole between them or cross it.
    Why it matters:
        Any access to a non-canonical address faults; no mapping can exist there.
    Example:
        layout l { arch = x86_64; va_bits = 48 }
        space virtual bits 64 {
            region user [0, 0x0000_8000_0000_1000) { access = user }
        }
    Fix:
        layout l { arch = x86_64; va_bits = 48 }
        space virtual bits 64 {
            region user [0, 0x0000_7FFF_FFFF_F000) { access = user }
        }
    """
    split = halves(ctx)
    if split is None:
        return
    space = ctx.virtual
    if space is None:
        return
    (ulo, uhi), (klo, khi) = split
    for region in ctx.regions(space):
        inside = (ulo <= region.start and region.end <= uhi) or (klo <= region.start and region.end <= khi)
        if not inside and region.size:
            yield ctx.diag("C701", f"region `{region.name}` is not inside a canonical half of the "
                                   f"{ctx.layout.va_bits}-bit address space",
                           region.range_span, regions=(region.name,),
                           notes=(f"`{region.name}` is {ctx.range(region.start, region.end, space)}",
                                  f"canonical halves: {ctx.range(ulo, uhi, space)} and {ctx.range(klo, khi, space)}"),
                           help="keep it below the hole or above it")


@rule("C702", "kernel-region-in-user-half", Severity.ERROR)
def kernel_region_in_user_half(ctx: Context) -> Iterator[Diagnostic]:
    """A kernel region of a 64-bit `virtual` space placed in the lower (user) half.

    What it does:
        Reports regions without `access = user` that lie in the lower canonical
        half (TTBR0 on arm64).
    Why it matters:
        The lower half is switched with every process; kernel mappings live in
        the upper half (arm64 TTBR1, x86-64 negative addresses).
    Example:
        layout l { arch = arm64; va_bits = 48 }
        space virtual bits 64 {
            region vmalloc [0x0000_1000_0000_0000, +1T) { kind = vmalloc }
        }
    Fix:
        layout l { arch = arm64; va_bits = 48 }
        space virtual bits 64 {
            region vmalloc [0xFFFF_8000_0000_0000, +1T) { kind = vmalloc }
        }
    """
    split = halves(ctx)
    if split is None:
        return
    space = ctx.virtual
    if space is None:
        return
    (ulo, uhi), _ = split
    for region in ctx.regions(space):
        if region.access != "user" and region.parent is None and region.size and region.end <= uhi:
            yield ctx.diag("C702", f"kernel region `{region.name}` lies in the user half",
                           region.range_span, regions=(region.name,),
                           notes=(f"user half: {ctx.range(ulo, uhi, space)}",),
                           help="kernel regions belong in the upper half; mark user-space regions `access = user`")
