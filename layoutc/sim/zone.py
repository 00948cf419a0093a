"""One zone of the page allocator: buddy free lists, per-CPU lists, the fast-path gate.

Data structure (no per-page Python objects -- a free *block* is one dict key)::

    Zone.free_area[order]  dict{head pfn: None}   insertion order = list order,
                           |                      the last key is the list *head*
          order 0  {0x6010a, 0x60107, ...}        (new blocks go to the head, LIFO,
          order 1  {...}                           and __rmqueue_smallest takes the head)
          ...
          order 10 {0x60400, 0x60000}             nr_free[order] = len(free_area[order])
    Zone.nonempty          bit o set <=> free_area[o] is not empty (finds the first
                           usable order without a loop)
    Zone.pcp[order]        PcpList of pfns (orders 0..3), the hot end last; these pages are
                           neither free in free_area nor allocated (Linux does not count
                           them in MemFree either)
    Zone.gate_lo/gate_hi   while gate_lo < free_pages <= gate_hi, no fast-path watermark
                           test of this zone can change its answer (see PageAllocator)

Algorithms (mm/page_alloc.c, SIM-REFERENCE §1):
* ``rmqueue_smallest`` takes the head of the smallest non-empty order >= the request
  and splits it (``expand()``): the upper half goes back at each lower order, the
  caller keeps the lowest-addressed pages;
* ``free_one`` merges with the buddy ``pfn ^ (1 << order)`` while it is a free block
  of the same order in this zone, the merged head being ``pfn & buddy``;
* ``rmqueue_bulk`` refills a per-CPU list: the same blocks, in the same order, as
  ``count`` calls of rmqueue_smallest, with whole split blocks taken at once;
* per-CPU lists drain ``batch`` pages (oldest first) once they hold more than ``high``.
  ``pcp_bound`` is an upper bound of the pages on them (allocations from a list do
  not lower it); only when it passes ``high`` is the real count taken, so the drain
  happens exactly when the real count passes ``high``.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Callable

from .errors import SimError
from .gfp import GFP_KERNEL, ZONE_NAMES, can_reclaim, is_highatomic

PAGE_ALLOC_COSTLY_ORDER = 3  # include/linux/mmzone.h
PCP_MAX_ORDER = PAGE_ALLOC_COSTLY_ORDER
_NO_LIMIT = 1 << 62


class PcpList(list):
    """zone.pcp[order]: a per-CPU list of head pfns that knows its zone and order.

    ``owned`` is the allocator's record of the blocks of this order it handed out
    (head pfn -> the list or DirectHome to give them back to); set by PageAllocator.
    """

    __slots__ = ("zone", "order", "pages", "owned")

    def __init__(self, zone: Zone, order: int) -> None:
        super().__init__()
        self.zone = zone
        self.order = order
        self.pages = 1 << order
        self.owned: dict | None = None


class DirectHome:
    """Where a block of an order above PCP_MAX_ORDER goes back to: its zone's buddy lists."""

    __slots__ = ("zone", "order", "pages")

    def __init__(self, zone: Zone, order: int) -> None:
        self.zone = zone
        self.order = order
        self.pages = 1 << order


class Zone:
    """One zone of node 0: its span, its free lists and its watermarks."""

    __slots__ = ("index", "name", "start_pfn", "end_pfn", "present_pages", "managed_pages", "max_order",
                 "free_area", "nonempty", "free_pages", "watermark", "lowmem_reserve",
                 "pcp", "pcp_bound", "pcp_batch", "pcp_high", "gate_lo", "gate_hi", "gate_limits", "on_gate")

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
        self.pcp = [PcpList(self, order) for order in range(PCP_MAX_ORDER + 1)]
        self.pcp_bound = 0
        self.pcp_batch = 1
        self.pcp_high = 6
        self.gate_limits: list[int] = []  # the fast-path limits that test this zone, sorted
        self.on_gate: Callable[[], None] | None = None  # the allocator's refresh, once it has one
        self.gate_lo = self.gate_hi = -1  # closed: the first change computes the span

    # -------------------------------------------------------------- the buddy core

    @property
    def spanned_pages(self) -> int:
        return self.end_pfn - self.start_pfn

    def nr_free(self) -> list[int]:
        return [len(area) for area in self.free_area]

    def rmqueue_smallest(self, order: int) -> int:
        """__rmqueue_smallest + expand(): the head block of the first non-empty order, split. -1: none."""
        free_area = self.free_area
        area = free_area[order]
        if area:
            pfn, _ = area.popitem()
            if not area:
                self.nonempty &= ~(1 << order)
        else:
            mask = self.nonempty >> order
            if not mask:
                return -1
            current = order + (mask & -mask).bit_length() - 1
            area = free_area[current]
            pfn, _ = area.popitem()
            # expand(): the upper halves go to orders current-1 .. order (all empty until now)
            nonempty = self.nonempty | ((1 << current) - (1 << order))
            self.nonempty = nonempty if area else nonempty & ~(1 << current)
            while current > order:
                current -= 1
                free_area[current][pfn + (1 << current)] = None
        free = self.free_pages = self.free_pages - (1 << order)
        if not self.gate_lo < free <= self.gate_hi or not self.nonempty >> PCP_MAX_ORDER:
            self.regate()
        return pfn

    def rmqueue_bulk(self, order: int, count: int) -> list[int]:
        """Up to ``count`` blocks of ``order``: what ``count`` rmqueue_smallest calls return, in that order.

        Taking from an empty order splits the smallest larger block B; the next takes
        then walk B from the bottom (every order between was empty, so each holds at
        most one piece of B).  Taking n pieces at once leaves the rest of B as its
        aligned decomposition, one block per order -- the state n single takes leave.
        """
        free_area = self.free_area
        size = 1 << order
        taken: list[int] = []
        while len(taken) < count:
            area = free_area[order]
            if area:
                for _ in range(min(count - len(taken), len(area))):
                    taken.append(area.popitem()[0])
                if not area:
                    self.nonempty &= ~(1 << order)
                continue
            mask = self.nonempty >> order
            if not mask:
                break
            current = order + (mask & -mask).bit_length() - 1
            big = free_area[current]
            block, _ = big.popitem()
            if not big:
                self.nonempty &= ~(1 << current)
            n = min(count - len(taken), 1 << (current - order))
            taken.extend(range(block, block + n * size, size))
            offset, end = n * size, 1 << current
            while offset < end:  # the rest of B: at each offset the largest aligned block
                piece = (offset & -offset).bit_length() - 1
                free_area[piece][block + offset] = None
                self.nonempty |= 1 << piece
                offset += 1 << piece
        free = self.free_pages = self.free_pages - len(taken) * size
        if not self.gate_lo < free <= self.gate_hi or not self.nonempty >> PCP_MAX_ORDER:
            self.regate()
        return taken

    def free_one(self, pfn: int, order: int) -> None:
        """__free_one_page: merge with free buddies of the same order, then put the block at the head."""
        free = self.free_pages = self.free_pages + (1 << order)
        free_area = self.free_area
        max_order = self.max_order
        nonempty = self.nonempty
        while order < max_order:
            buddy = pfn ^ (1 << order)
            area = free_area[order]
            if buddy not in area:
                break
            del area[buddy]
            if not area:
                nonempty &= ~(1 << order)
            pfn &= buddy
            order += 1
        free_area[order][pfn] = None
        self.nonempty = nonempty | (1 << order)
        # freeing cannot take the last block >= PCP_MAX_ORDER away; only the span test applies
        if not self.gate_lo < free <= self.gate_hi:
            self.regate()

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

    # -------------------------------------------------------------- the fast-path gate

    def regate(self) -> None:
        """free_pages left the span where the fast path's tests are known: find the new span, tell the allocator.

        Without a free block of order >= PCP_MAX_ORDER the order 1..3 tests depend on the
        free lists too; the span is then empty, so every change re-tests.
        """
        limits = self.gate_limits
        if self.nonempty >> PCP_MAX_ORDER:
            i = bisect_left(limits, self.free_pages)  # limits[:i] < free_pages <= limits[i:]
            self.gate_lo = limits[i - 1] if i else -1
            self.gate_hi = limits[i] if i < len(limits) else _NO_LIMIT
        else:
            self.gate_lo = self.gate_hi = -1
        if self.on_gate is not None:
            self.on_gate()

    # -------------------------------------------------------------- per-CPU lists

    @property
    def pcp_count(self) -> int:
        """Pages on the per-CPU lists (zoneinfo `count`, show_free_areas `free_pcp`)."""
        return sum(len(pcp) << order for order, pcp in enumerate(self.pcp))

    def pcp_take(self, order: int) -> int:
        """rmqueue_pcplist: pop a hot block, refilling ``batch`` pages from the buddy when empty. -1: none."""
        pcp = self.pcp[order]
        if not pcp:
            taken = self.rmqueue_bulk(order, max(self.pcp_batch >> order, 2))
            if not taken:
                return -1
            taken.reverse()  # the lowest-addressed block is used first
            pcp.extend(taken)
            self.pcp_bound += len(taken) << order
        return pcp.pop()

    def pcp_overflow(self) -> None:
        """free_unref_page_commit: the bound passed ``high``; drain a batch if the real count did too."""
        count = self.pcp_count
        if count > self.pcp_high:
            self.drain_pcp(self.pcp_batch)
        else:
            self.pcp_bound = count

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
        self.pcp_bound = self.pcp_count
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

    # -------------------------------------------------------------- checks

    def check_invariants(self) -> None:
        """Free blocks aligned, inside the zone, disjoint, unmerged; counters and the gate agree."""
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
        if self.pcp_bound < self.pcp_count:
            raise SimError(where, f"pcp_bound {self.pcp_bound} below the pages on the per-CPU lists {self.pcp_count}")
        for order, pcp in enumerate(self.pcp):
            if not isinstance(pcp, PcpList) or pcp.zone is not self or pcp.order != order:
                raise SimError(where, f"pcp[{order}] is not this zone's order-{order} list")
        if self.nonempty >> PCP_MAX_ORDER:
            inside = self.gate_lo < self.free_pages <= self.gate_hi
            between = not [limit for limit in self.gate_limits if self.gate_lo < limit < self.gate_hi]
            if not inside or not between:
                raise SimError(where, f"gate ({self.gate_lo}, {self.gate_hi}] does not hold free_pages "
                                      f"{self.free_pages} between adjacent limits")
        elif self.gate_lo != -1 or self.gate_hi != -1:
            raise SimError(where, f"no block of order >= {PCP_MAX_ORDER} but the gate is not closed")
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
