"""The page allocator: per-zone buddy free lists, per-CPU page lists, watermarks, zonelists.

Data structure (one ``Zone``; no per-page Python objects -- a free *block* is one
dict key, an allocated block one entry of ``PageAllocator.allocated``)::

    Zone.free_area[order]  dict{head pfn: None}   insertion order = list order,
                           |                      the last key is the list *head*
          order 0  {0x6010a, 0x60107, ...}        (new blocks go to the head, LIFO,
          order 1  {...}                           and __rmqueue_smallest takes the head)
          ...
          order 10 {0x60400, 0x60000}             nr_free[order] = len(free_area[order])
    Zone.nonempty          bit o set <=> free_area[o] is not empty (finds the first
                           usable order without a loop)
    Zone.pcp[order]        list of pfns on the per-CPU list (orders 0..3); these pages are
                           neither free in free_area nor allocated (Linux does not count
                           them in MemFree either)

Algorithms (mm/page_alloc.c, SIM-REFERENCE §1):
* allocation takes the head of the smallest non-empty order >= the request and splits
  it with ``expand()``: the upper half goes back at each lower order, the caller keeps
  the lowest-addressed pages;
* freeing merges with the buddy ``pfn ^ (1 << order)`` while it is a free block of
  the same order in the same zone, the merged head being ``pfn & buddy``;
* orders <= PAGE_ALLOC_COSTLY_ORDER (3) go through the per-CPU lists, refilled and
  drained ``batch`` pages at a time (rmqueue_bulk / free_pcppages_bulk);
* ``__zone_watermark_ok``: free pages minus the request's tail must stay above the
  mark plus ``lowmem_reserve``; orders > 0 also need a free block of that order;
* the zonelist of a request runs from its highest allowed zone down (HighMem ->
  Normal -> DMA32 -> DMA); fast path with the low mark, slow path with the min mark,
  then draining the per-CPU lists, then the reclaim hook the Machine installs.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .errors import SimError
from .gfp import (GFP_KERNEL, ZONE_HIGHMEM, ZONE_NAMES, can_reclaim, gfp_zone, is_highatomic)

PAGE_ALLOC_COSTLY_ORDER = 3  # include/linux/mmzone.h
PCP_MAX_ORDER = PAGE_ALLOC_COSTLY_ORDER
SWAP_CLUSTER_MAX = 32
# mm/page_alloc.c sysctl_lowmem_reserve_ratio defaults: DMA 256, DMA32 256, Normal 32, HighMem 0
LOWMEM_RESERVE_RATIO = (256, 256, 32, 0)
WATERMARK_SCALE_FACTOR = 10  # vm.watermark_scale_factor default (0.1 %)

WMARK_MIN, WMARK_LOW, WMARK_HIGH = 0, 1, 2


class Zone:
    """One zone of node 0: its span, its free lists and its watermarks."""

    __slots__ = ("index", "name", "start_pfn", "end_pfn", "present_pages", "managed_pages", "max_order",
                 "free_area", "nonempty", "free_pages", "watermark", "lowmem_reserve",
                 "pcp", "pcp_count", "pcp_batch", "pcp_high")

    def __init__(self, index: int, start_pfn: int, end_pfn: int, max_order: int) -> None:
        self.index = index
        self.name = ZONE_NAMES[index]
        self.start_pfn = start_pfn
        self.end_pfn = end_pfn  # spanned = end - start, holes included
        self.present_pages = 0
        self.managed_pages = 0
        self.max_order = max_order
        self.free_area: list[dict[int, None]] = [{} for _ in range(max_order + 1)]
        self.nonempty = 0
        self.free_pages = 0
        self.watermark = [0, 0, 0]
        self.lowmem_reserve = [0, 0, 0, 0]
        self.pcp: list[list[int]] = [[] for _ in range(PCP_MAX_ORDER + 1)]
        self.pcp_count = 0
        self.pcp_batch = 1
        self.pcp_high = 6

    # -------------------------------------------------------------- the buddy core

    @property
    def spanned_pages(self) -> int:
        return self.end_pfn - self.start_pfn

    def nr_free(self) -> list[int]:
        return [len(area) for area in self.free_area]

    def rmqueue_smallest(self, order: int) -> int:
        """__rmqueue_smallest + expand(): the head block of the first non-empty order, split. -1: none."""
        mask = self.nonempty >> order
        if not mask:
            return -1
        current = order + (mask & -mask).bit_length() - 1
        area = self.free_area[current]
        pfn = area.popitem()[0]
        if not area:
            self.nonempty &= ~(1 << current)
        free_area = self.free_area
        while current > order:  # expand(): hand back the upper halves
            current -= 1
            free_area[current][pfn + (1 << current)] = None
            self.nonempty |= 1 << current
        self.free_pages -= 1 << order
        return pfn

    def free_one(self, pfn: int, order: int) -> None:
        """__free_one_page: merge with free buddies of the same order, then put the block at the head."""
        self.free_pages += 1 << order
        free_area = self.free_area
        max_order = self.max_order
        while order < max_order:
            buddy = pfn ^ (1 << order)
            area = free_area[order]
            if buddy not in area:
                break
            del area[buddy]
            if not area:
                self.nonempty &= ~(1 << order)
            pfn &= buddy
            order += 1
        free_area[order][pfn] = None
        self.nonempty |= 1 << order

    def seed(self, start_pfn: int, end_pfn: int) -> int:
        """Hand [start_pfn, end_pfn) to the buddy lists as the largest aligned blocks (memblock_free_all).

        Blocks are freed from the top down so the lowest address ends at the list head:
        the same effect as Linux freeing bottom-up to the tail (FPI_TO_TAIL).
        """
        if start_pfn < self.start_pfn or end_pfn > self.end_pfn:
            raise SimError("Zone.seed", f"pfns [{start_pfn:#x}, {end_pfn:#x}) outside zone {self.name}")
        blocks = []
        pfn = start_pfn
        while pfn < end_pfn:
            order = min(self.max_order, (pfn & -pfn).bit_length() - 1 if pfn else self.max_order,
                        (end_pfn - pfn).bit_length() - 1)
            blocks.append((pfn, order))
            pfn += 1 << order
        for pfn, order in reversed(blocks):
            self.free_one(pfn, order)
        return end_pfn - start_pfn

    # -------------------------------------------------------------- per-CPU lists

    def pcp_take(self, order: int) -> int:
        """rmqueue_pcplist: pop a hot block, refilling ``batch`` pages from the buddy when empty."""
        pcp = self.pcp[order]
        if not pcp:
            count = max(self.pcp_batch >> order, 2)
            for _ in range(count):
                pfn = self.rmqueue_smallest(order)
                if pfn < 0:
                    break
                pcp.append(pfn)
            if not pcp:
                return -1
            pcp.reverse()  # the lowest-addressed block is used first
            self.pcp_count += len(pcp) << order
        self.pcp_count -= 1 << order
        return pcp.pop()

    def pcp_give(self, pfn: int, order: int) -> None:
        """free_unref_page: onto the per-CPU list; above ``high`` pages drain a batch (oldest first)."""
        self.pcp[order].append(pfn)
        self.pcp_count += 1 << order
        if self.pcp_count > self.pcp_high:
            self.drain_pcp(self.pcp_batch)

    def drain_pcp(self, pages: int | None = None) -> int:
        """free_pcppages_bulk / drain_all_pages: return up to ``pages`` (all if None) to the buddy."""
        drained = 0
        for order, pcp in enumerate(self.pcp):
            while pcp and (pages is None or drained < pages):
                take = len(pcp) if pages is None else max(1, min(len(pcp), (pages - drained) >> order))
                for pfn in pcp[:take]:
                    self.free_one(pfn, order)
                del pcp[:take]
                drained += take << order
        self.pcp_count -= drained
        return drained

    # -------------------------------------------------------------- watermarks

    def watermark_ok(self, order: int, mark: int, highest: int, gfp: int = GFP_KERNEL, slow: bool = False) -> bool:
        """__zone_watermark_ok; ``slow`` applies the slow path's __GFP_HIGH / atomic allowances."""
        minimum = mark
        if slow and is_highatomic(gfp):
            minimum -= minimum // 2
            if not can_reclaim(gfp):
                minimum -= minimum // 4
        free = self.free_pages - ((1 << order) - 1)
        if free <= minimum + self.lowmem_reserve[highest]:
            return False
        return order == 0 or bool(self.nonempty >> order)

    # -------------------------------------------------------------- fragmentation (mm/vmstat.c)

    def contig_info(self, order: int) -> tuple[int, int, int]:
        """fill_contig_page_info: (free_blocks_total, free_pages, free_blocks_suitable)."""
        total = pages = suitable = 0
        for o, area in enumerate(self.free_area):
            n = len(area)
            total += n
            pages += n << o
            if o >= order:
                suitable += n << (o - order)
        return total, pages, suitable

    def extfrag_index(self, order: int) -> int:
        """__fragmentation_index x1000: -1000 = would succeed, ~0 = out of memory, ~1000 = fragmentation."""
        total, pages, suitable = self.contig_info(order)
        if total == 0:
            return 0
        if suitable:
            return -1000
        requested = 1 << order
        return 1000 - (1000 + pages * 1000 // requested) // total

    def unusable_index(self, order: int) -> int:
        """unusable_free_index x1000: the fraction of free memory unusable for this order."""
        _, pages, suitable = self.contig_info(order)
        if pages == 0:
            return 1000
        return (pages - (suitable << order)) * 1000 // pages

    def check_invariants(self) -> None:
        """Free blocks aligned, inside the zone, disjoint, unmerged; counters agree."""
        where = f"Zone.check_invariants({self.name})"
        pages = 0
        spans = []
        for order, area in enumerate(self.free_area):
            if bool(area) != bool(self.nonempty >> order & 1):
                raise SimError(where, f"nonempty bit {order} disagrees with free_area[{order}]")
            for pfn in area:
                if pfn & ((1 << order) - 1):
                    raise SimError(where, f"free block {pfn:#x} not aligned to order {order}")
                if pfn < self.start_pfn or pfn + (1 << order) > self.end_pfn:
                    raise SimError(where, f"free block {pfn:#x} order {order} outside the zone")
                if order < self.max_order and (pfn ^ (1 << order)) in area:
                    raise SimError(where, f"free buddies {pfn:#x} and {pfn ^ (1 << order):#x} left unmerged")
                pages += 1 << order
                spans.append((pfn, pfn + (1 << order)))
        if pages != self.free_pages:
            raise SimError(where, f"free_pages {self.free_pages} != sum of free blocks {pages}")
        pcp_pages = sum(len(pcp) << order for order, pcp in enumerate(self.pcp))
        if pcp_pages != self.pcp_count:
            raise SimError(where, f"pcp_count {self.pcp_count} != pages on the per-CPU lists {pcp_pages}")
        _disjoint(where, spans + self.pcp_spans())

    def free_spans(self) -> list[tuple[int, int]]:
        return [(pfn, pfn + (1 << order)) for order, area in enumerate(self.free_area) for pfn in area]

    def pcp_spans(self) -> list[tuple[int, int]]:
        return [(pfn, pfn + (1 << order)) for order, pcp in enumerate(self.pcp) for pfn in pcp]


def _disjoint(where: str, spans: list[tuple[int, int]]) -> None:
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start < end:
            raise SimError(where, f"blocks overlap at pfn {start:#x}")


class PageAllocator:
    """alloc_pages / free_pages over the zones of node 0 (``zones[i]`` is None for an absent zone)."""

    def __init__(self, zones: Sequence[Zone | None], max_order: int) -> None:
        self.zones = list(zones) + [None] * (4 - len(zones))
        self.max_order = max_order
        self.allocated: dict[int, int] = {}  # head pfn -> order | zone index << 8
        populated = [z for z in self.zones if z is not None and z.managed_pages]
        # zonelists[highest] = populated zones at or below `highest`, top down
        self.zonelists = [tuple(z for z in reversed(populated) if z.index <= high) for high in range(4)]
        self._zonelist_of: dict[int, tuple[int, tuple[Zone, ...]]] = {}
        self.reclaim: Callable[[int, int], int] | None = None  # installed by the Machine
        self.stats = {"fail": 0, "slowpath": 0}

    @property
    def populated(self) -> list[Zone]:
        return [z for z in self.zones if z is not None and z.managed_pages]

    def zone_of(self, pfn: int) -> Zone | None:
        for zone in self.zones:
            if zone is not None and zone.start_pfn <= pfn < zone.end_pfn:
                return zone
        return None

    def _route(self, gfp: int) -> tuple[int, tuple[Zone, ...]]:
        route = self._zonelist_of.get(gfp)
        if route is None:
            high = gfp_zone(gfp)
            if high == ZONE_HIGHMEM and self.zones[ZONE_HIGHMEM] is None:
                high -= 1
            route = self._zonelist_of[gfp] = (high, self.zonelists[high])
        return route

    def alloc_pages(self, order: int, gfp: int = GFP_KERNEL) -> int | None:
        """The head pfn of 2^order pages, or None (out of memory is a result, not an error)."""
        if order > self.max_order or order < 0:
            self.stats["fail"] += 1
            return None  # WARN_ON_ONCE and NULL, no reclaim (SIM-REFERENCE §1.1)
        route = self._zonelist_of.get(gfp) or self._route(gfp)
        highest = route[0]
        for zone in route[1]:  # fast path: low watermark
            if zone.free_pages - (1 << order) + 1 > zone.watermark[1] + zone.lowmem_reserve[highest] and (
                    order == 0 or zone.nonempty >> order):
                if order <= PCP_MAX_ORDER:
                    pcp = zone.pcp[order]
                    if pcp:  # the hot per-CPU list, inline
                        zone.pcp_count -= 1 << order
                        pfn = pcp.pop()
                    else:
                        pfn = zone.pcp_take(order)
                else:
                    pfn = zone.rmqueue_smallest(order)
                if pfn >= 0:
                    self.allocated[pfn] = order | zone.index << 8
                    return pfn
        zonelist = route[1]
        return self._slowpath(order, gfp, highest, zonelist)

    def _take(self, order: int, gfp: int, highest: int, zonelist, mark: int, check: bool = True) -> int | None:
        for zone in zonelist:
            if check and not zone.watermark_ok(order, zone.watermark[mark], highest, gfp, slow=True):
                continue
            pfn = zone.pcp_take(order) if order <= PCP_MAX_ORDER else zone.rmqueue_smallest(order)
            if pfn >= 0:
                self.allocated[pfn] = order | zone.index << 8
                return pfn
        return None

    def _slowpath(self, order: int, gfp: int, highest: int, zonelist) -> int | None:
        """__alloc_pages_slowpath, simplified: min mark, drain pcp, reclaim hook, retry."""
        self.stats["slowpath"] += 1
        pfn = self._take(order, gfp, highest, zonelist, WMARK_MIN)
        if pfn is not None:
            return pfn
        for zone in zonelist:
            if zone.pcp_count:
                zone.drain_pcp()
        pfn = self._take(order, gfp, highest, zonelist, WMARK_MIN)
        if pfn is None and self.reclaim is not None and can_reclaim(gfp):
            while self.reclaim(order, gfp) > 0:
                pfn = self._take(order, gfp, highest, zonelist, WMARK_MIN)
                if pfn is not None:
                    break
        if pfn is None:
            self.stats["fail"] += 1
        return pfn

    def free_pages(self, pfn: int, order: int) -> None:
        """__free_pages: the block must be exactly one that alloc_pages returned."""
        entry = self.allocated.pop(pfn, None)
        if entry is None or entry & 0xFF != order:
            if entry is not None:
                self.allocated[pfn] = entry
                raise SimError("free_pages", f"pfn {pfn:#x} was allocated with order {entry & 0xFF}, freed with order {order}")
            raise SimError("free_pages", f"pfn {pfn:#x} order {order} is not an allocated block (double free?)")
        zone = self.zones[entry >> 8]
        if order <= PCP_MAX_ORDER:
            zone.pcp[order].append(pfn)  # free_unref_page, inline
            zone.pcp_count += 1 << order
            if zone.pcp_count > zone.pcp_high:
                zone.drain_pcp(zone.pcp_batch)
        else:
            zone.free_one(pfn, order)

    def drain_all(self) -> None:
        for zone in self.populated:
            zone.drain_pcp()

    def nr_free_pages(self) -> int:
        return sum(z.free_pages for z in self.populated)

    def check_invariants(self) -> None:
        """Every zone's own invariants, and no allocated block overlapping a free one."""
        for zone in self.populated:
            zone.check_invariants()
        spans: dict[int, list[tuple[int, int]]] = {z.index: z.free_spans() + z.pcp_spans() for z in self.populated}
        for pfn, entry in self.allocated.items():
            order, index = entry & 0xFF, entry >> 8
            zone = self.zones[index]
            if zone is None or not zone.start_pfn <= pfn < zone.end_pfn or pfn & ((1 << order) - 1):
                raise SimError("PageAllocator.check_invariants", f"allocated block {pfn:#x} order {order} misplaced")
            spans[index].append((pfn, pfn + (1 << order)))
        for index, zone_spans in spans.items():
            _disjoint(f"PageAllocator.check_invariants({ZONE_NAMES[index]})", zone_spans)


# ------------------------------------------------------------------ setup (mm/page_alloc.c)


def int_sqrt(value: int) -> int:
    from math import isqrt

    return isqrt(value)


def min_free_kbytes(lowmem_kbytes: int) -> int:
    """calculate_min_free_kbytes: int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144]."""
    return max(128, min(262144, int_sqrt(lowmem_kbytes * 16)))


def setup_watermarks(zones: Sequence[Zone], page_shift: int, min_kbytes: int | None = None) -> int:
    """__setup_per_zone_wmarks and lowmem_reserve; returns the min_free_kbytes used."""
    lowmem = [z for z in zones if z.index != ZONE_HIGHMEM]
    lowmem_pages = sum(z.managed_pages for z in lowmem)
    if min_kbytes is None:
        min_kbytes = min_free_kbytes(lowmem_pages << (page_shift - 10))
    pages_min = min_kbytes >> (page_shift - 10)
    for zone in zones:
        tmp = pages_min * zone.managed_pages // lowmem_pages if lowmem_pages else 0
        if zone.index == ZONE_HIGHMEM:
            minimum = max(SWAP_CLUSTER_MAX, min(128, zone.managed_pages // 1024))
        else:
            minimum = tmp
        delta = max(tmp >> 2, zone.managed_pages * WATERMARK_SCALE_FACTOR // 10000)
        zone.watermark = [minimum, minimum + delta, minimum + 2 * delta]
    by_index = {z.index: z for z in zones}
    for zone in zones:
        reserve = [0, 0, 0, 0]
        ratio = LOWMEM_RESERVE_RATIO[zone.index]
        if ratio:
            for high in range(zone.index + 1, 4):
                managed = sum(by_index[i].managed_pages for i in range(zone.index + 1, high + 1) if i in by_index)
                reserve[high] = managed // ratio
        zone.lowmem_reserve = reserve
    return min_kbytes


def setup_pcp(zone: Zone, page_size: int) -> None:
    """zone_batchsize: min(managed/1024, 1 MiB of pages)/4, *1.5 rounded down to 2^n, -1; high = 6 * batch."""
    batch = min(zone.managed_pages // 1024, (1 << 20) // page_size) // 4
    batch = max(1, batch)
    batch = (1 << ((batch + batch // 2).bit_length() - 1)) - 1
    zone.pcp_batch = max(1, batch)
    zone.pcp_high = 6 * zone.pcp_batch
