"""Kernel page tables: pick the layout's format and build the boot-time mappings (paging_init).

Formats: ``arm_short`` (arm_short.py), ``arm_lpae`` and ``arm64_*`` (long_desc.py),
``x86_64`` / ``x86_64_5level`` (x86_64.py), ``riscv_sv39/48/57`` (riscv.py),
``x86_2level`` / ``x86_pae`` (x86_32.py); all behind ``format.PageTable``.
"""

from __future__ import annotations

from ...model.types import is_known
from ..errors import SimError
from .arm_short import DOMAIN_VECTORS, ArmShortTable
from .format import PAGE_KERNEL, PageTable, Prot
from .long_desc import Arm64Table, LpaeTable
from .riscv import MODES as RISCV_MODES
from .riscv import RiscvTable
from .x86_32 import X86_2LevelTable, X86PaeTable
from .x86_64 import X86_64Table

SUPPORTED = ("arm_short", "arm_lpae", "arm64", "arm64_4k", "arm64_16k", "arm64_64k", "x86_64", "x86_64_5level", *RISCV_MODES,
             "x86_2level", "x86_pae")


class TableAllocFailed(Exception):
    """No page for a page table after boot (the caller reports out-of-memory)."""


def new_table(mmu: str, alloc, page_shift: int, va_bits: int, pgd_pa: int | None = None) -> PageTable:
    if mmu == "arm_short":
        return ArmShortTable(alloc, pgd_pa)
    if mmu == "arm_lpae":
        return LpaeTable(alloc)
    if mmu.startswith("arm64"):
        return Arm64Table(alloc, page_shift, va_bits)
    if mmu in ("x86_64", "x86_64_5level"):
        return X86_64Table(alloc, five_level=mmu == "x86_64_5level" or va_bits == 57)
    if mmu == "x86_2level":
        return X86_2LevelTable(alloc)
    if mmu == "x86_pae":
        return X86PaeTable(alloc)
    if mmu in RISCV_MODES:
        return RiscvTable(alloc, RISCV_MODES[mmu])
    raise SimError("paging_init", f"no page-table model for mmu `{mmu}` (supported: {', '.join(SUPPORTED)})")


def _map_split(table: PageTable, va: int, pa: int, size: int, holes: list[tuple[int, int, Prot]]) -> None:
    """Map [va, va+size) RW/NX, except the sub-ranges in ``holes`` that get their own protection."""
    cursor = va
    for start, end, prot in sorted(holes):
        start, end = max(start, va), min(end, va + size)
        if start >= end:
            continue
        if start > cursor:
            table.map(cursor, pa + (cursor - va), start - cursor, PAGE_KERNEL)
        table.map(start, pa + (start - va), end - start, prot)
        cursor = end
    if cursor < va + size:
        table.map(cursor, pa + (cursor - va), va + size - cursor, PAGE_KERNEL)


def linear_ranges(m) -> list[tuple[int, int]]:
    """The physical ranges the linear map covers: each RAM bank inside lowmem (arm64 map_mem(), arm
    map_lowmem() and riscv setup_vm_final() walk memblock.memory, leaving holes between banks
    unmapped); x86 maps its direct map from 0 to the end of lowmem, holes included."""
    start, end = m.linear.pa_start, m.lowmem_end
    if m.arch.startswith("x86"):
        return [(start, end)]
    ranges = []
    for lo, hi in sorted(m.banks):
        lo, hi = max(lo, start), min(hi, end)
        if lo < hi:
            ranges.append((lo, hi))
    return ranges


def build_kernel_tables(m) -> None:
    """paging_init: the linear map (blocks where aligned), the kernel image, the vectors page."""
    layout = m.layout
    page = m.page_size
    memblock = m.memblock

    def early_alloc(size: int) -> int:
        size = max(size, page)
        return memblock.alloc(size, size if size <= 16 * 1024 else page, "page tables")

    pgd = None
    if m.mmu_format == "arm_short" and m.kernel_image is not None and m.linear.va_start <= m.kernel_image[0] < m.linear.va_end:
        # swapper_pg_dir sits 16 KiB below the kernel text (arch/arm/kernel/head.S, PG_DIR_SIZE)
        pgd = (m.kernel_image[1] - 0x4000) & ~0x3FFF
        memblock.reserve(pgd, 0x4000, "swapper_pg_dir")
    table = new_table(m.mmu_format, early_alloc, m.page_shift, m.va_bits, pgd)
    m.pagetable = table

    if isinstance(table, LpaeTable):
        table.split = m.linear.va_start & ~((1 << 30) - 1)  # PAGE_OFFSET: TTBCR.T1SZ
    # ARM map_lowmem(): the kernel's executable range is rounded out to SECTION_SIZE, so lowmem
    # stays in 1 MiB sections (2 MiB with LPAE) and the image never splits it into 4K ptes
    from ...arch.spec import arch_of

    spec = arch_of(layout)
    section = (spec.section_size(layout) or page) if m.arch == "arm" and spec is not None else page
    image_holes = []
    extra = []
    for region in layout.spaces["virtual"].regions:
        if not is_known(region) or region.kind != "image" or region.size <= 0:
            continue
        prot = Prot.parse(region.perm if region.perm is not None else "rx")
        size = -(-region.size // page) * page
        if m.linear.va_start <= region.start < m.linear.va_end:
            start = region.start & ~(section - 1)
            image_holes.append((start, -(-(region.start + size) // section) * section, prot))
        elif m.kernel_image is not None and region.start == m.kernel_image[0]:
            extra.append((region.start, m.kernel_image[1], size, prot))
    for lo, hi in linear_ranges(m):
        _map_split(table, m.linear.va(lo), lo, hi - lo, image_holes)
    for va, pa, size, prot in extra:
        table.map(va, pa, size, prot)
    if m.arch == "arm":
        for region in layout.spaces["virtual"].regions:
            if is_known(region) and region.kind == "vectors":
                pa = memblock.alloc(page, page, "vectors page")
                prot = Prot(execute=True, user=True)
                # create_mapping(MT_HIGH_VECTORS): its table descriptor is the mem_type's prot_l1, PMD_TYPE_TABLE
                # without PXNTable (arch/arm/mm/mmu.c; only pmd_populate's user tables have it) -- the kernel
                # executes the vectors page on every exception
                if isinstance(table, ArmShortTable):
                    table.map(region.start, pa, page, prot, domain=DOMAIN_VECTORS, user_table=False)
                elif isinstance(table, LpaeTable):
                    table.map(region.start, pa, page, prot, user_table=False)
                else:
                    table.map(region.start, pa, page, prot)
    table.booting = False


def runtime_allocator(m):
    """After boot, table pages come from the buddy allocator (GFP_KERNEL, lowmem)."""

    def alloc(size: int) -> int:
        order = max(0, (max(size, m.page_size) - 1).bit_length() - m.page_shift)
        pfn = m.alloc_pages(order)
        if pfn is None:
            raise TableAllocFailed()
        return pfn << m.page_shift

    return alloc
