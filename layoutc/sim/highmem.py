"""kmap/kunmap over the pkmap window (mm/highmem.c, SIM-REFERENCE §4).

    pkmap window: PKMAP_BASE + nr * PAGE_SIZE, nr in [0, LAST_PKMAP)
    pkmap_count[nr]: 0 = free and TLB-clean, 1 = unused but still mapped (reusable only
                     after flush_all_zero_pkmaps), n >= 2 = n - 1 users
    page_address hash: pfn -> nr;   last_pkmap_nr: where the next search starts

When every slot is in use, kmap_high would sleep on pkmap_map_wait; the simulator
reports that (``None`` and a log line) instead of deadlocking.
"""

from __future__ import annotations

from .errors import SimError
from .pagetable.format import PAGE_KERNEL


class Pkmap:
    def __init__(self, m, base: int, last_pkmap: int) -> None:
        self.m = m
        self.base = base
        self.last_pkmap = last_pkmap
        self.count = [0] * last_pkmap
        self.slot_of: dict[int, int] = {}  # pfn -> nr
        self.pfn_at: dict[int, int] = {}  # nr -> pfn
        self.last_nr = 0
        self.blocked = 0
        self.flushes = 0

    def addr(self, nr: int) -> int:
        return self.base + (nr << self.m.page_shift)

    def kmap(self, pfn: int) -> int | None:
        """The virtual address of the page; lowmem pages need no slot."""
        m = self.m
        va = m.page_address(pfn)
        if va is not None:
            return va
        nr = self.slot_of.get(pfn)
        if nr is None:
            nr = self._map_new_virtual(pfn)
            if nr is None:
                self.blocked += 1
                m.log.append(f"kmap: all {self.last_pkmap} pkmap slots in use; the caller would sleep "
                             "in TASK_UNINTERRUPTIBLE on pkmap_map_wait")
                return None
        self.count[nr] += 1
        return self.addr(nr)

    def _map_new_virtual(self, pfn: int) -> int | None:
        """map_new_virtual: the next slot after the last one used; a wrap flushes and restarts the count."""
        count = self.last_pkmap
        while True:
            self.last_nr = (self.last_nr + 1) & (self.last_pkmap - 1)
            if self.last_nr == 0:  # no_more_pkmaps(): slots left with count 1 become free
                self.flush_all_zero_pkmaps()
                count = self.last_pkmap
            if self.count[self.last_nr] == 0:
                break
            count -= 1
            if not count:
                return None  # every slot is in use: the caller would sleep
        nr = self.last_nr
        self.m.pagetable.map(self.addr(nr), pfn << self.m.page_shift, self.m.page_size, PAGE_KERNEL)
        self.count[nr] = 1
        self.slot_of[pfn] = nr
        self.pfn_at[nr] = pfn
        return nr

    def flush_all_zero_pkmaps(self) -> None:
        flushed = False
        for nr, count in enumerate(self.count):
            if count == 1:
                self.count[nr] = 0
                self.m.pagetable.unmap(self.addr(nr), self.m.page_size)
                del self.slot_of[self.pfn_at.pop(nr)]
                flushed = True
        if flushed:
            self.flushes += 1
            self.m.mmu.flush_range(self.base, self.addr(self.last_pkmap))

    def kunmap(self, pfn: int) -> None:
        if self.m.page_address(pfn) is not None:
            return
        nr = self.slot_of.get(pfn)
        if nr is None:
            raise SimError("kunmap_high", f"page {pfn:#x} is not kmapped")
        self.count[nr] -= 1
        if self.count[nr] == 0:
            raise SimError("kunmap_high", f"pkmap_count[{nr}] dropped to 0 (unbalanced kunmap)")

    def in_use(self) -> int:
        return sum(1 for c in self.count if c >= 2)

    def check_invariants(self) -> None:
        for nr, count in enumerate(self.count):
            if count < 0:
                raise SimError("Pkmap.check_invariants", f"pkmap_count[{nr}] negative")
            if (count > 0) != (nr in self.pfn_at):
                raise SimError("Pkmap.check_invariants", f"slot {nr} count {count} disagrees with the hash")
