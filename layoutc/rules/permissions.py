"""Permissions: W+X regions, user-accessible regions in kernel space."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Diagnostic, Severity
from .canonical import halves
from .context import Context
from .registry import rule


@rule("P801", "writable-executable", Severity.WARNING)
def writable_executable(ctx: Context) -> Iterator[Diagnostic]:
    """A kernel region that is both writable and executable.

    What it does:
        Reports kernel regions with `perm` containing both `w` and `x`.
    Why it matters:
        W+X kernel memory lets an attacker who can write memory run code; the
        kernel warns about such mappings at boot (CONFIG_DEBUG_WX).
    Example:
        space virtual bits 32 {
            region text [0xC000_8000, +8M) { perm = rwx }
        }
    Fix:
        space virtual bits 32 {
            region text [0xC000_8000, +8M) { perm = rx }
        }
    """
    for space in ctx.layout.spaces.values():
        for region in ctx.regions(space):
            if region.perm and "w" in region.perm and "x" in region.perm and region.access != "user":
                yield ctx.diag("P801", f"region `{region.name}` is writable and executable", region.name_span,
                               regions=(region.name,),
                               help="split it into an executable part (`perm = rx`) and a writable part (`perm = rw`)")


@rule("P802", "user-region-in-kernel-half", Severity.ERROR)
def user_region_in_kernel_half(ctx: Context) -> Iterator[Diagnostic]:
    """A user-accessible region (`access = user`) in the kernel's half of the address space.

    What it does:
        Reports `access = user` regions at or above PAGE_OFFSET (32-bit) or in
        the upper canonical half (64-bit).
    Why it matters:
        Kernel-half pages are shared by every process; a user-accessible one
        leaks kernel memory to every process.
    Example:
        const PAGE_OFFSET = 0xC000_0000
        space virtual bits 32 {
            region shared [0xC100_0000, +4K) { access = user }
        }
    Fix:
        const PAGE_OFFSET = 0xC000_0000
        space virtual bits 32 {
            region shared [0xB000_0000, +4K) { access = user }
        }
    """
    space = ctx.virtual
    if space is None:
        return
    split = halves(ctx)
    if split is not None:
        kernel_start = split[1][0]
    else:
        kernel_start = ctx.const("PAGE_OFFSET")
        if kernel_start is None:
            return
    for region in ctx.regions(space):
        if region.access == "user" and region.end > kernel_start and region.size:
            yield ctx.diag("P802", f"user-accessible region `{region.name}` lies in the kernel half",
                           region.range_span, regions=(region.name,),
                           notes=(f"the kernel half starts at {ctx.addr(kernel_start, space)}",),
                           help="remove `access = user`, or, for a deliberate user window such as the ARM "
                                "kuser helpers page, waive it: `allow user-region-in-kernel-half \"why\"`")
