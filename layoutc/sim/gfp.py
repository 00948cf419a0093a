"""GFP flags: the low bits the simulator acts on, with the values Linux prints.

Bit values from include/linux/gfp_types.h (5.x/6.x; SIM-REFERENCE §7): the zone
modifiers and mobility bits are stable across eras; the composite masks are the
ones `page allocation failure: ... mode:0x...` lines print.
"""

from __future__ import annotations

__GFP_DMA = 0x01
__GFP_HIGHMEM = 0x02
__GFP_DMA32 = 0x04
__GFP_MOVABLE = 0x08
__GFP_RECLAIMABLE = 0x10
__GFP_HIGH = 0x20
__GFP_IO = 0x40
__GFP_FS = 0x80
__GFP_ATOMIC = 0x200  # 5.x; folded away in 6.4, kept for the printed GFP_ATOMIC value 0xa20
__GFP_DIRECT_RECLAIM = 0x400
__GFP_KSWAPD_RECLAIM = 0x800
__GFP_NOWARN = 0x2000
__GFP_NORETRY = 0x10000
__GFP_HARDWALL = 0x100000

GFP_DMA_ = __GFP_DMA
GFP_KERNEL = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | __GFP_IO | __GFP_FS  # 0xcc0
GFP_ATOMIC = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM  # 0xa20
GFP_USER = GFP_KERNEL | __GFP_HARDWALL  # 0x100cc0
GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM  # 0x100cc2
GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE  # 0x100cca
GFP_DMA = GFP_KERNEL | __GFP_DMA
GFP_DMA32 = GFP_KERNEL | __GFP_DMA32
GFP_KERNEL_RECLAIMABLE = GFP_KERNEL | __GFP_RECLAIMABLE
GFP_VMALLOC_PAGES = GFP_KERNEL | __GFP_HIGHMEM  # 0xcc2: vmalloc's backing pages

NAMES = {
    "GFP_KERNEL": GFP_KERNEL, "GFP_ATOMIC": GFP_ATOMIC, "GFP_USER": GFP_USER,
    "GFP_HIGHUSER": GFP_HIGHUSER, "GFP_HIGHUSER_MOVABLE": GFP_HIGHUSER_MOVABLE,
    "GFP_DMA": GFP_DMA, "GFP_DMA32": GFP_DMA32,
}

# zone indices used throughout the simulator (include/linux/mmzone.h enum zone_type order)
ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_HIGHMEM = 0, 1, 2, 3
ZONE_NAMES = ("DMA", "DMA32", "Normal", "HighMem")


def gfp_zone(gfp: int) -> int:
    """The highest zone a request may use (gfp_zone(); HighMem falls back to Normal when absent)."""
    if gfp & __GFP_DMA:
        return ZONE_DMA
    if gfp & __GFP_DMA32:
        return ZONE_DMA32
    if gfp & __GFP_HIGHMEM:
        return ZONE_HIGHMEM
    return ZONE_NORMAL


def describe(gfp: int) -> str:
    """`0xcc0(GFP_KERNEL)` as %pGg prints it, for the masks the simulator uses."""
    for name, value in NAMES.items():
        if value == gfp:
            return f"{gfp:#x}({name})"
    extra = [name for name, value in NAMES.items() if value and gfp & value == value]
    base = max(extra, key=lambda n: NAMES[n].bit_count()) if extra else None
    rest = gfp & ~NAMES[base] if base else gfp
    parts = [base] if base else []
    for bit, name in ((__GFP_RECLAIMABLE, "__GFP_RECLAIMABLE"), (__GFP_NOWARN, "__GFP_NOWARN"),
                      (__GFP_NORETRY, "__GFP_NORETRY"), (__GFP_HIGHMEM, "__GFP_HIGHMEM"), (__GFP_DMA, "__GFP_DMA")):
        if rest & bit:
            parts.append(name)
    return f"{gfp:#x}({'|'.join(parts) or 'none'})"


def may_oom(gfp: int) -> bool:
    """Requests without __GFP_FS, with __GFP_NORETRY, or limited below ZONE_NORMAL never OOM-kill."""
    return bool(gfp & __GFP_FS) and not gfp & __GFP_NORETRY and gfp_zone(gfp) >= ZONE_NORMAL


def is_highatomic(gfp: int) -> bool:
    return bool(gfp & __GFP_HIGH)


def reclaimable(gfp: int) -> bool:
    return bool(gfp & __GFP_RECLAIMABLE)


def nowarn(gfp: int) -> bool:
    return bool(gfp & __GFP_NOWARN)


def can_reclaim(gfp: int) -> bool:
    return bool(gfp & __GFP_DIRECT_RECLAIM)
