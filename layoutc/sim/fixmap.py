"""kmap_local slots in the fixmap (mm/highmem.c 5.11+, SIM-REFERENCE §4).

    FIXADDR_TOP = FIXADDR_END - PAGE_SIZE;  vaddr(idx) = FIXADDR_TOP - ((FIX_KMAP_BEGIN + idx) << PAGE_SHIFT)
    one CPU, KM_MAX_IDX = 16 slots used as a stack: kunmap_local must undo the newest map.
"""

from __future__ import annotations

from .errors import SimError
from .pagetable.format import PAGE_KERNEL

KM_MAX_IDX = 16  # include/asm-generic/kmap_size.h (without CONFIG_DEBUG_KMAP_LOCAL)
FIX_KMAP_BEGIN = 1  # arch/arm/include/asm/fixmap.h: after FIX_EARLYCON_MEM_BASE


class KmapLocal:
    def __init__(self, m, start: int, end: int) -> None:
        self.m = m
        self.top = end - m.page_size
        self.start = start
        self.stack: list[tuple[int, int]] = []  # (va, pfn)
        self.slots = min(KM_MAX_IDX, max(0, (self.top - start) // m.page_size - FIX_KMAP_BEGIN))

    def vaddr(self, idx: int) -> int:
        return self.top - ((FIX_KMAP_BEGIN + idx) << self.m.page_shift)

    def kmap_local(self, pfn: int) -> int:
        m = self.m
        va = m.page_address(pfn)
        if va is not None:
            return va
        idx = len(self.stack)
        if idx >= self.slots:
            raise SimError("kmap_local_page", f"BUG: kmap_local index {idx} >= KM_MAX_IDX ({self.slots})")
        va = self.vaddr(idx)
        m.pagetable.map(va, pfn << m.page_shift, m.page_size, PAGE_KERNEL)
        self.stack.append((va, pfn))
        return va

    def kunmap_local(self, va: int) -> None:
        m = self.m
        if m.linear.va_start <= va < m.linear.va_end:
            return
        if not self.stack or self.stack[-1][0] != va:
            raise SimError("kunmap_local", f"{va:#x} is not the most recent kmap_local mapping")
        self.stack.pop()
        m.pagetable.unmap(va, m.page_size)
        m.mmu.flush_range(va, va + m.page_size)

    def check_invariants(self) -> None:
        for i, (va, _) in enumerate(self.stack):
            if va != self.vaddr(i):
                raise SimError("KmapLocal.check_invariants", f"slot {i} at {va:#x}")
