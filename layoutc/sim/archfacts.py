"""Simulator-only architecture facts: zones, MAX_ORDER, TLB geometry, PAN/SMAP.

The facts shared with the checker (section sizes, VA halves) stay in
``layoutc.arch.spec``; these are the ones only the simulated kernel needs.
Sources: SIM-REFERENCE §1.1 (orders), §7 (zones), §9 (TLB sizes); arm64
ARCH_FORCE_MAX_ORDER from arch/arm64/Kconfig (recalled: 13 for 64K pages, 11 for 16K).
"""

from __future__ import annotations

from dataclasses import dataclass

from .gfp import ZONE_DMA, ZONE_DMA32

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True, slots=True)
class TlbLevel:
    """One TLB level: name and per-pool capacity; a pool serves the page shifts listed."""

    name: str
    pools: tuple[tuple[tuple[int, ...], int], ...]  # ((page shifts), entries)


@dataclass(frozen=True, slots=True)
class SimArch:
    name: str
    core: str  # the CPU whose TLB is modelled
    # (zone, physical limit): a zone holds lowmem RAM below its limit and above the previous one
    zone_limits: tuple[tuple[int, int], ...]
    tlb: tuple[TlbLevel, ...]
    pan: bool  # kernel access to user pages faults (ARM PAN / SW PAN, x86 SMAP)
    pan_name: str
    # x86_64 defines VMALLOC_END inclusive (VMALLOC_START + VMALLOC_SIZE_TB - 1), so
    # VmallocTotal is one byte short of the window: 34359738367 kB (SIM-REFERENCE §2.4)
    vmalloc_end_inclusive: bool = False


def max_order(page_size: int, arch: str) -> int:
    """MAX_PAGE_ORDER (inclusive): 10 with 4K pages in every era; arm64 raises it for big granules."""
    if arch == "arm64" and page_size == 64 * 1024:
        return 13
    if arch == "arm64" and page_size == 16 * 1024:
        return 11
    return 10


_ALL_ARM_SHORT = (12, 16, 20, 24)  # 4K small, 64K large, 1M section, 16M supersection

SIM_ARCHES: dict[str, SimArch] = {
    # ARM32: no ZONE_DMA on most boards; Normal = lowmem, HighMem above it (SIM-REFERENCE §1.8)
    "arm": SimArch(
        name="arm", core="Cortex-A9",
        zone_limits=(),
        # Cortex-A9: 32-entry micro-TLB, main TLB 2-way 2x64 (SIM-REFERENCE §9)
        tlb=(TlbLevel("micro-TLB", ((_ALL_ARM_SHORT, 32),)), TlbLevel("main TLB", ((_ALL_ARM_SHORT, 128),))),
        pan=True, pan_name="SW PAN (CONFIG_CPU_SW_DOMAIN_PAN)",
    ),
    # arm64 5.11+: ZONE_DMA covers the 32-bit addressable RAM, ZONE_DMA32 is left empty
    "arm64": SimArch(
        name="arm64", core="Cortex-A53",
        zone_limits=((ZONE_DMA, 4 * GiB),),
        # Cortex-A53: 10-entry micro-TLB, 512-entry 4-way main TLB
        tlb=(TlbLevel("micro-TLB", (((12, 14, 16, 21, 25, 29, 30), 10),)),
             TlbLevel("main TLB", (((12, 14, 16, 21, 25, 29, 30), 512),))),
        pan=True, pan_name="PAN (ARMv8.1)",
    ),
    # x86_64: DMA below 16 MiB, DMA32 below 4 GiB (include/linux/mmzone.h, arch/x86/mm/init.c)
    "x86_64": SimArch(
        name="x86_64", core="Skylake",
        zone_limits=((ZONE_DMA, 16 * MiB), (ZONE_DMA32, 4 * GiB)),
        # Skylake L1 DTLB 4K:64, 2M:32, 1G:4; STLB 4K+2M:1536, 1G:16
        tlb=(TlbLevel("L1 DTLB", (((12,), 64), ((21,), 32), ((30,), 4))),
             TlbLevel("STLB", (((12, 21), 1536), ((30,), 16)))),
        pan=True, pan_name="SMAP", vmalloc_end_inclusive=True,
    ),
    # riscv64: ZONE_DMA32 below 4 GiB, Normal above (arch/riscv/Kconfig selects ZONE_DMA32)
    "riscv64": SimArch(
        name="riscv64", core="SiFive U74",
        zone_limits=((ZONE_DMA32, 4 * GiB),),
        # U74 (recalled from the core manual): 40-entry fully associative L1 DTLB, 512-entry L2 TLB,
        # both holding every page size
        tlb=(TlbLevel("L1 DTLB", (((12, 21, 30), 40),)), TlbLevel("L2 TLB", (((12, 21, 30), 512),))),
        pan=True, pan_name="SUM clear (uaccess windows only)",
    ),
}


def sim_arch(arch: str, mmu: str, kernel: tuple[int, ...] | None = None) -> SimArch:
    if arch == "x86":
        # 32-bit x86: DMA below 16 MiB, Normal to the end of lowmem, HighMem (no DMA32).  The CPU is
        # taken to have SMAP (Broadwell and later); the kernel uses it from 3.7 (CONFIG_X86_SMAP)
        smap = kernel is None or tuple(kernel) >= (3, 7)
        sizes = (12, 21, 22)  # 4K, PAE 2 MiB, PSE 4 MiB
        return SimArch(name="x86", core="Skylake", zone_limits=((ZONE_DMA, 16 * MiB),),
                       tlb=(TlbLevel("L1 DTLB", (((12,), 64), ((21, 22), 32))), TlbLevel("STLB", ((sizes, 1536),))),
                       pan=smap, pan_name="SMAP" if smap else "no SMAP (kernel before 3.7)")
    if arch == "arm" and mmu == "arm_lpae":
        # Cortex-A15 (the usual LPAE core): 32-entry L1 D, 512-entry 4-way main TLB
        sizes = (12, 21, 30)
        return SimArch(name="arm", core="Cortex-A15", zone_limits=(),
                       tlb=(TlbLevel("L1 DTLB", ((sizes, 32),)), TlbLevel("main TLB", ((sizes, 512),))),
                       pan=True, pan_name="SW PAN")
    return SIM_ARCHES.get(arch) or SIM_ARCHES["x86_64" if arch.startswith("x86") else "arm"]

