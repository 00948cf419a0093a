"""vmalloc: lowest-address first fit in the layout's vmalloc window, a guard page per area.

    window [VMALLOC_START ................................................ VMALLOC_END)
            [area A + guard][hole ][area B + guard][       hole            ]
    busy:  {start: VmapArea}              holes: sorted [(start, end)], merged on free

``vmalloc(size)`` rounds to pages, adds the guard page (unless VM_NO_GUARD), takes
the lowest hole that fits (find_vmap_lowest_match), then backs each page with an
order-0 page (GFP_KERNEL | __GFP_HIGHMEM) mapped through the kernel page tables.
Freed areas are unmapped and merged back at once.  Linux clears the ptes at once too
(vfree -> remove_vm_area -> vunmap_range_noflush) but defers the TLB flush and the reuse of
the range to a lazy purge; the sim flushes at once and behaves as if every failure purged
first, which Linux does before giving up.  ``freed`` keeps the most recent vfree'd ranges
(for ``layoutc verify --scenario``: they must fault).
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field

from .errors import SimError
from .gfp import GFP_KERNEL, GFP_VMALLOC_PAGES, describe
from .pagetable import TableAllocFailed
from .pagetable.format import PAGE_KERNEL


@dataclass
class VmapArea:
    start: int
    size: int  # guard page included (what vmallocinfo prints)
    caller: str
    pages: list[int] = field(default_factory=list)
    flags: str = "vmalloc"  # the vmallocinfo flag word: vmalloc (VM_ALLOC) or vmap (VM_MAP)
    phys: int = 0  # vm_struct.phys_addr (the kernel image's segments), printed as phys=
    guard: bool = True  # the last page is the guard page (VM_NO_GUARD: the kernel image's segments)


FREED_KEPT = 64  # how many of the most recent vfree'd ranges ``VmallocSpace.freed`` remembers


class VmallocSpace:
    def __init__(self, m, start: int, end: int) -> None:
        self.m = m
        self.start = start
        self.end = end
        self.holes: list[tuple[int, int]] = [(start, end)]
        self.busy: dict[int, VmapArea] = {}
        self.nr_pages = 0
        self.failures = 0
        self._populating: set[int] = set()
        self.freed: deque[tuple[int, int]] = deque(maxlen=FREED_KEPT)  # (start, size without the guard)

    def _carve(self, i: int, start: int, end: int) -> None:
        """Take [start, end) out of hole i, keeping what is left on either side."""
        lo, hi = self.holes[i]
        rest = [(a, b) for a, b in ((lo, start), (end, hi)) if b > a]
        self.holes[i:i + 1] = rest

    def reserve(self, start: int, size: int, caller: str, phys: int = 0) -> None:
        """vm_area_add_early: an area fixed at boot (the arm64 kernel image lives in the vmalloc space)."""
        for i, (lo, hi) in enumerate(self.holes):
            if lo <= start and start + size <= hi:
                self._carve(i, start, start + size)
                self.busy[start] = VmapArea(start, size, caller, flags="vmap", phys=phys, guard=False)
                return
        raise SimError("vm_area_add_early", f"[{start:#x}, {start + size:#x}) is not free vmalloc space")

    def get_vm_area(self, size: int, align: int, caller: str) -> int | None:
        """get_vm_area: the lowest ``align``-aligned free range for ``size`` bytes plus a guard page; nothing mapped."""
        need = -(-size // self.m.page_size) * self.m.page_size + self.m.page_size
        for i, (lo, hi) in enumerate(self.holes):
            start = -(-lo // align) * align
            if start + need <= hi:
                self._carve(i, start, start + need)
                self.busy[start] = VmapArea(start, need, caller, flags="vmap")
                return start
        return None

    def vmalloc(self, size: int, caller: str = "vmalloc_user+0x0/0x0", comm: str = "kworker/0:1") -> int | None:
        m = self.m
        page = m.page_size
        if size <= 0:
            raise SimError("vmalloc", f"size {size} must be positive")
        size = -(-size // page) * page
        need = size + page  # the guard page
        for i, (start, end) in enumerate(self.holes):
            if end - start >= need:
                break
        else:
            self._fail(size, need, comm)
            return None
        area = VmapArea(start, need, caller)
        if start + need == end:
            del self.holes[i]
        else:
            self.holes[i] = (start + need, end)
        self.busy[start] = area
        self._populating.add(start)
        try:
            for offset in range(0, size, page):
                pfn = m.alloc_pages(0, GFP_VMALLOC_PAGES, comm=comm)
                if pfn is None:
                    raise TableAllocFailed()
                area.pages.append(pfn)
                m.pagetable.map(start + offset, pfn << m.page_shift, page, PAGE_KERNEL)
        except TableAllocFailed:
            m.log.extend(vmalloc_failure_lines(m, comm, size, pages_failed=True, allocated=len(area.pages) * page))
            self.vfree(start)
            self._populating.discard(start)
            self.failures += 1
            return None
        self._populating.discard(start)
        self.nr_pages += len(area.pages)
        return start

    def _fail(self, size: int, need: int, comm: str) -> None:
        m = self.m
        self.failures += 1
        m.log.extend(vmap_failure_lines(m, need, self.start, self.end))
        m.log.extend(vmalloc_failure_lines(m, comm, size, pages_failed=False))

    def vfree(self, va: int) -> None:
        area = self.busy.pop(va, None)
        if area is None:
            raise SimError("vfree", f"trying to vfree() nonexistent vm area ({va:#x})")
        m = self.m
        page = m.page_size
        for i, pfn in enumerate(area.pages):
            m.pagetable.unmap(va + i * page, page)
            m.free_pages(pfn, 0)
        if area.pages:
            m.mmu.flush_range(va, va + len(area.pages) * page)
        if va not in self._populating:
            self.nr_pages -= len(area.pages)
            self.freed.append((va, area.size - (page if area.guard else 0)))
        self._merge(va, va + area.size)

    def _merge(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self.holes, (start, end))
        if i < len(self.holes) and self.holes[i][0] == end:
            end = self.holes[i][1]
            del self.holes[i]
        if i > 0 and self.holes[i - 1][1] == start:
            start = self.holes[i - 1][0]
            del self.holes[i - 1]
            i -= 1
        self.holes.insert(i, (start, end))

    def largest_hole(self) -> int:
        return max((e - s for s, e in self.holes), default=0)

    def free_bytes(self) -> int:
        return sum(e - s for s, e in self.holes)

    def check_invariants(self) -> None:
        spans = sorted([(a.start, a.start + a.size) for a in self.busy.values()] + self.holes)
        cursor = self.start
        for s, e in spans:
            if s != cursor:
                raise SimError("VmallocSpace.check_invariants", f"gap or overlap at {s:#x}")
            cursor = e
        if cursor != self.end:
            raise SimError("VmallocSpace.check_invariants", "areas and holes do not cover the window")
        for (_, e1), (s2, _) in zip(self.holes, self.holes[1:]):
            if e1 == s2:
                raise SimError("VmallocSpace.check_invariants", f"adjacent holes not merged at {s2:#x}")
        if self.nr_pages != sum(len(a.pages) for a in self.busy.values()):
            raise SimError("VmallocSpace.check_invariants", "nr_pages disagrees with the areas")


def vmallocinfo(space: VmallocSpace) -> str:
    """/proc/vmallocinfo: `0x%pK-0x%pK %7ld caller pages=N phys=... vmalloc`, by address (mm/vmalloc.c s_show).

    phys= is `%pa` (0x and the full phys_addr_t width) from v4.0 and a bare `%llx` before, as the 3.4
    ARM capture in the kernel's vmallocinfo documentation threads shows (boundary not pinned).
    """
    from .report import era

    e = era(space.m)
    width = 8 if space.m.layout.bits == 32 else 16
    phys_width = 16 if space.m.layout.bits == 64 or getattr(e, "pae", False) else 8
    lines = []
    for start in sorted(space.busy):
        a = space.busy[start]
        pages = f" pages={len(a.pages)}" if a.pages else ""  # s_show prints it only when non-zero
        phys = ""
        if a.phys:
            phys = f" phys=0x{a.phys:0{phys_width}x}" if e.since(4, 0) else f" phys={a.phys:x}"
        lines.append(f"0x{a.start:0{width}x}-0x{a.start + a.size:0{width}x} {a.size:7d} {a.caller}{pages}{phys} "
                     f"{a.flags}")
    return "\n".join(lines) + ("\n" if lines else "")


def hole_histogram(space: VmallocSpace) -> dict[str, int]:
    buckets: dict[str, int] = {}
    for s, e in space.holes:
        size = e - s
        label = f"<{1 << max(12, size.bit_length()) >> 10}K"
        buckets[label] = buckets.get(label, 0) + 1
    return dict(sorted(buckets.items(), key=lambda kv: int(kv[0][1:-1])))


# ------------------------------------------------------------------ the failure messages of each era (mm/vmalloc.c)
#
# Captures in tests/data/reports/ (vmalloc-*.txt) show each form.  alloc_vmap_area():
#   before v4.10  "vmap allocation for size N failed: use vmalloc=<size> to increase size."  (4.4.131, arm64)
#   v4.10 ..      the same without the full stop (pr_warn; 4.14.107 and 5.4.58 on ARM)
#   v6.11 ..      "vmalloc_node_range for size N failed: Address range restricted to START - END"
# __vmalloc_node_range() / __vmalloc_area_node(), through warn_alloc (mm/page_alloc.c):
#   before v4.10  "vmalloc: allocation failure: N bytes" then "COMM: page allocation failure: order:0, mode:0x..."
#   v4.10 ..      "COMM: vmalloc: allocation failure: N bytes, mode:...(GFP_KERNEL), nodemask=(null)"
#                 (from v5.0 ",cpuset=/,mems_allowed=0" follows on the same line)
#   v5.13 ..      "COMM: vmalloc error: size N, vm_struct allocation failed, mode:..." / "failed to allocate pages"
# The printed GFP_KERNEL value follows the gfp bit layout of the era (include/linux/gfp.h): 0xd0 before v4.4,
# 0x24000c0 in v4.4-v4.9, 0x14000c0 in v4.10-v4.14, 0x6000c0 in v4.15-v4.20, 0xcc0 from v5.0.


def _gfp_kernel(m, highmem: bool = False) -> str:
    from .report import era

    e = era(m)
    if e.since(5, 0):
        return describe(GFP_VMALLOC_PAGES if highmem else GFP_KERNEL)
    value = 0xd0 if not e.since(4, 4) else 0x24000c0 if not e.since(4, 10) else \
        0x14000c0 if not e.since(4, 15) else 0x6000c0
    if highmem:
        value |= 0x2
    if not e.since(4, 5):
        return f"{value:#x}"  # %pGg (the decoded names) came with v4.5 (the 4.4.131 capture has none)
    return f"{value:#x}(GFP_KERNEL{'|__GFP_HIGHMEM' if highmem else ''})"


def vmap_failure_lines(m, need: int, start: int, end: int) -> list[str]:
    from .report import era

    e = era(m)
    if e.since(6, 11):
        width = 8 if m.layout.bits == 32 else 16
        restricted = f"{start:#0{width + 2}x} - {end:#0{width + 2}x}"
        return [f"vmalloc_node_range for size {need} failed: Address range restricted to {restricted}"]
    stop = "" if e.since(4, 10) else "."
    return [f"vmap allocation for size {need} failed: use vmalloc=<size> to increase size{stop}"]


def vmalloc_failure_lines(m, comm: str, size: int, pages_failed: bool, allocated: int = 0) -> list[str]:
    from .report import era
    from .showmem import warn_alloc_lines

    e = era(m)
    mode = _gfp_kernel(m, highmem=pages_failed)
    if e.since(5, 13):
        what = "failed to allocate pages" if pages_failed else "vm_struct allocation failed"
        return warn_alloc_lines(m, comm, f"vmalloc error: size {size}, {what}", 0, mode)
    if pages_failed:
        message = f"vmalloc: allocation failure, allocated {allocated} of {size + m.page_size} bytes"
    else:
        message = f"vmalloc: allocation failure: {size} bytes"
    if not e.since(4, 10):
        return [message, f"{comm}: page allocation failure: order:0, mode:{mode}"]
    return warn_alloc_lines(m, comm, message, 0, mode)
