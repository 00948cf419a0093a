"""Fidelity codes (F): a layout compared with the kernel's own boot banner.

These diagnostics come from ``layoutc.banner`` (``check --against``, ``banner
--against``, ``import``); here they get their names, severities and documentation.
Their Example and Fix are a layout command line plus a boot-log excerpt, not a
KL file.
"""

from __future__ import annotations

from ..diagnostics import Severity
from .registry import rule


def _front():
    return ()


@rule("F101", "banner-line-mismatch", Severity.ERROR, stage="front")
def banner_line_mismatch(ctx=None):
    """A line of the kernel's "Virtual kernel memory layout" banner differs from the layout's.

    What it does:
        Renders the banner the layout's kernel version would print and compares it,
        line by line and byte for byte from the label on, with the banner in a real
        boot log.  Reports each line that differs, is missing, or is extra, with the
        expected and the actual text.  Kernel-image lines (.text, .init, .data, .bss)
        depend on the build and are compared only on request.
    Why it matters:
        The boot banner is the kernel's own statement of its memory layout.  A layout
        that disagrees with it for the board's kernel and configuration will put
        headers, linker scripts and simulations at the wrong addresses.
    Example:
        # layoutc check layouts/boards/rpi3.kl -D ram=512M --against boot.log
        # boot.log:
        Virtual kernel memory layout:
            vector  : 0xffff0000 - 0xffff1000   (   4 kB)
            fixmap  : 0xffc00000 - 0xfff00000   (3072 kB)
            vmalloc : 0xbb800000 - 0xff800000   (1088 MB)
            lowmem  : 0x80000000 - 0xbb400000   ( 948 MB)
            modules : 0x7f000000 - 0x80000000   (  16 MB)
    Fix:
        # layoutc check layouts/boards/rpi3.kl -D ram=948M --against boot.log
        # (same boot.log: the RAM the kernel saw was 948 MiB)
    """
    return _front()


@rule("F103", "banner-not-found", Severity.ERROR, stage="front")
def banner_not_found(ctx=None):
    """The text given as a boot log holds no "Virtual kernel memory layout:" banner.

    What it does:
        Searches the pasted log (any prefix style: timestamps, syslog, ``<N>`` levels,
        quoting, continuation lines) for the banner header and reports when there is
        none.
    Why it matters:
        Without the banner there is nothing to compare or import; an empty comparison
        must not look like a pass.
    Example:
        [    0.000000] Memory: 948MB = 948MB total
        [    0.000000] SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=4, Nodes=1
    Fix:
        [    0.000000] Virtual kernel memory layout:
        [    0.000000]     vector  : 0xffff0000 - 0xffff1000   (   4 kB)
    """
    return _front()


@rule("F104", "banner-unavailable", Severity.WARNING, stage="front")
def banner_unavailable(ctx=None):
    """The layout's architecture or kernel version printed no banner, or lacks a value it needs.

    What it does:
        Reports why no banner can be rendered: ARM stopped printing it in v5.1, arm64
        in v4.16, x86-32 in v5.7; other architectures never printed this banner; or
        the layout lacks a constant or region the banner line is computed from.
    Why it matters:
        Comparing a boot log with a kernel version that never printed it would compare
        against invented text.
    Example:
        # layoutc banner layouts/arm32.kl -D kernel=6.12
    Fix:
        # layoutc banner layouts/arm32.kl -D kernel=5.0
    """
    return _front()


@rule("F105", "banner-param-guess", Severity.NOTE, stage="front")
def banner_param_guess(ctx=None):
    """`layoutc import` had to guess a param the banner does not determine.

    What it does:
        Notes each param of the written overlay that the banner does not fix (the
        exact kernel release inside an era, the physical RAM base, RAM hidden above the
        lowmem ceiling), with the value chosen and why.
    Why it matters:
        The overlay reproduces the banner, but a guessed param may still differ from
        the board's; the note says which to confirm.
    Example:
        # layoutc import boot.log    (a v4.4..v4.14 banner: `kernel` is set to 4.4)
    Fix:
        # set kernel = 4.9 in the written overlay after checking `uname -r`
    """
    return _front()
