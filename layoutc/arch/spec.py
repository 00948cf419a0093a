"""Architecture facts, in one place, shared by rules, emitters and the simulator.

Each ``ArchSpec`` answers questions whose answer is a property of the
architecture (and sometimes of the kernel release or a well-known config
param, read from the layout by name -- ``kernel``, ``thumb2``):

* the section/block size the linear map is built from, per page-table format;
* the alignment PAGE_OFFSET and the PAGE_OFFSET - PHYS_OFFSET delta need;
* the branch range modules must stay within from kernel text;
* which part of a 64-bit space belongs to user and which to the kernel.

Sources are cited at each number (see also shared LINUX-LAYOUTS.md).
"""

from __future__ import annotations

from typing import Callable

from ..frozen import frozen
from ..model.types import Layout
from ..model.values import Version

MiB = 1 << 20
GiB = 1 << 30


def _kernel(layout: Layout) -> Version | None:
    if layout.has("kernel"):
        value = layout.value("kernel")
        if isinstance(value, Version):
            return value
    return None


def _flag(layout: Layout, name: str) -> bool:
    return layout.has(name) and layout.value(name) is True


@frozen(slots=False)
class ArchSpec:
    name: str
    title: str
    bits: int
    # page-table format -> size of the largest block the linear map uses
    section_sizes: dict[str, int]
    default_mmu: str
    page_offset_align: int | None = None
    phys_virt_align: Callable[[Layout], int | None] = lambda layout: None
    module_branch_range: Callable[[Layout], int | None] = lambda layout: None
    # (user range, kernel range) of the virtual space for a given VA width
    halves: Callable[[int], tuple[tuple[int, int], tuple[int, int]]] | None = None
    params_read: tuple[str, ...] = ("kernel",)

    def section_size(self, layout: Layout) -> int | None:
        return self.section_sizes.get(layout.mmu or self.default_mmu)


def _arm_phys_virt_align(layout: Layout) -> int:
    # arch/arm/kernel/head.S __fixup_pv_table (<= v5.10): 16 MiB; arch/arm/kernel/phys2virt.S (v5.11+): 2 MiB.
    kernel = _kernel(layout)
    if kernel is not None and kernel >= Version((5, 11)):
        return 2 * MiB
    return 16 * MiB


def _arm_branch_range(layout: Layout) -> int:
    # arch/arm/include/asm/memory.h: modules within 32 MiB of kernel text (BL range), 16 MiB for Thumb-2.
    return 16 * MiB if _flag(layout, "thumb2") else 32 * MiB


def _split_at_bit(bit: Callable[[int], int]):
    def halves(va_bits: int) -> tuple[tuple[int, int], tuple[int, int]]:
        width = bit(va_bits)
        return (0, 1 << width), ((1 << 64) - (1 << width), 1 << 64)

    return halves


ARCHES: dict[str, ArchSpec] = {
    "arm": ArchSpec(
        name="arm",
        title="ARM 32-bit",
        bits=32,
        # pgtable-2level.h SECTION_SHIFT 20; pgtable-3level.h SECTION_SHIFT 21
        section_sizes={"arm_short": 1 * MiB, "arm_lpae": 2 * MiB},
        default_mmu="arm_short",
        page_offset_align=16 * MiB,  # arch/arm/Kconfig PAGE_OFFSET choices; phys/virt patching granularity
        phys_virt_align=_arm_phys_virt_align,
        module_branch_range=_arm_branch_range,
        params_read=("kernel", "thumb2"),
    ),
    "arm64": ArchSpec(
        name="arm64",
        title="arm64",
        bits=64,
        # PMD block: 2 MiB (4K granule), 32 MiB (16K), 512 MiB (64K) -- pgtable-hwdef.h
        section_sizes={"arm64": 2 * MiB, "arm64_4k": 2 * MiB, "arm64_16k": 32 * MiB, "arm64_64k": 512 * MiB},
        default_mmu="arm64",
        # TTBR0 covers [0, 2^VA), TTBR1 [2^64 - 2^VA, 2^64) (Documentation/arch/arm64/memory.rst)
        halves=_split_at_bit(lambda va: va),
    ),
    "x86_64": ArchSpec(
        name="x86_64",
        title="x86-64",
        bits=64,
        section_sizes={"x86_64": 2 * MiB, "x86_64_5level": 2 * MiB},
        default_mmu="x86_64",
        # canonical addresses: bits 63..VA-1 equal (Documentation/arch/x86/x86_64/mm.rst)
        halves=_split_at_bit(lambda va: va - 1),
    ),
    "x86": ArchSpec(
        name="x86",
        title="x86 32-bit",
        bits=32,
        section_sizes={"x86": 4 * MiB, "x86_pae": 2 * MiB},
        default_mmu="x86",
    ),
    "riscv64": ArchSpec(
        name="riscv64",
        title="RISC-V 64-bit",
        bits=64,
        section_sizes={"sv39": 2 * MiB, "sv48": 2 * MiB, "sv57": 2 * MiB},
        default_mmu="sv39",
        # Sv39/48/57: bits 63..VA-1 equal, like x86_64 (Documentation/arch/riscv/vm-layout.rst)
        halves=_split_at_bit(lambda va: va - 1),
    ),
}


def arch_of(layout: Layout) -> ArchSpec | None:
    return ARCHES.get(layout.arch)
