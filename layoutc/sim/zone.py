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
    Zone.gate_lo/gate_hi   while gate_lo < free_pages <= gate_hi and the highest non-empty
    Zone.gate_top          order stays gate_top - 1, no fast-path watermark test of this
                           zone can change its answer (see PageAllocator)

Algorithms (mm/page_alloc.c, SIM-REFERENCE §1):
* ``rmqueue_smallest`` takes the head of the smallest non-empty order >= the request
  and splits it (``expand()``): the upper half goes back at each lower order, the
  caller keeps the lowest-addressed pages;
* ``free_one`` merges with the buddy ``pfn ^ (1 << order)`` while it is a free block
  of the same order in this zone, the merged head being ``pfn & buddy``;
* ``rmqueue_bulk`` refills a per-CPU list: the same blocks, in the same order, as
  ``count`` calls of rmqueue_smallest, with whole split blocks taken at once;
* per-CPU lists drain ``batch`` pages (oldest first) once they hold ``high`` pages in
  all (`count >= high`).  Rather than keep that sum on every free, each list has a
  ``trigger`` length; the triggers are armed so that sum(trigger << order) < high, so
  while no list is longer than its trigger the lists hold fewer than ``high``.  A free
  that passes a trigger counts the pages and drains or re-arms: the drain happens on
  exactly the frees where the count reaches ``high``.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Callable
from functools import partial

from .errors import SimError
from .gfp import GFP_KERNEL, ZONE_NAMES, can_reclaim, is_highatomic

PAGE_ALLOC_COSTLY_ORDER = 3  # include/linux/mmzone.h
PCP_MAX_ORDER = PAGE_ALLOC_COSTLY_ORDER
_NO_LIMIT = 1 << 62


class PcpList(list):
    """zone.pcp[order]: a per-CPU list of head pfns that knows its zone and order."""

    __slots__ = ("order", "pages", "trigger", "zone")

    def __init__(self, zone: Zone, order: int) -> None:
        super().__init__()
        self.zone = zone
        self.order = order
        self.pages = 1 << order
        self.trigger = -1  # -1: every free counts (disarmed)


class DirectHome:
    """An order above PCP_MAX_ORDER of one zone: ``pop()`` takes a block from the buddy lists.

    It stands where a PcpList stands in the allocator's tables, so the fast path
    pops from either without asking which.
    """

    __slots__ = ("order", "pages", "pop", "zone")

    def __init__(self, zone: Zone, order: int) -> None:
        self.zone = zone
        self.order = order
        self.pages = 1 << order
        self.pop: Callable[[], int] = partial(zone.rmqueue_smallest, order)


class Zone:
    """One zone of node 0: its span, its free lists and its watermarks."""

    __slots__ = (
        "end_pfn",
        "free_area",
        "free_pages",
        "gate_floor",
        "gate_hi",
        "gate_limits",
        "gate_lo",
        "gate_top",
        "index",
        "lowmem_reserve",
        "managed_pages",
        "max_order",
        "name",
        "nonempty",
        "on_gate",
        "pcp",
        "pcp_batch",
        "pcp_high",
        "present_pages",
        "start_pfn",
        "watermark",
    )

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
        self.pcp_batch = 1
        self.pcp_high = 6
        self.gate_limits: list[int] = []  # the fast-path limits that test this zone, sorted
        self.on_gate: Callable[[], None] | None = None  # the allocator's refresh, once it has one
        self.gate_lo = self.gate_hi = -1  # closed: the first change computes the span
        self.gate_top = self.gate_floor = 0

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
        if not self.gate_lo < free <= self.gate_hi or not self.nonempty >> self.gate_floor:
            self.regate()  # a limit crossed, or the highest order emptied
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
        nonempty = self.nonempty
        taken: list[int] = []
        need = count
        while need > 0:
            area = free_area[order]
            if area:
                if need < len(area):
                    for _ in range(need):
                        taken.append(area.popitem()[0])
                    break
                need -= len(area)  # the whole list, head first
                taken.extend(reversed(area))
                area.clear()
                nonempty &= ~size
                continue
            mask = nonempty >> order
            if not mask:
                break
            current = order + (mask & -mask).bit_length() - 1
            big = free_area[current]
            block, _ = big.popitem()
            if not big:
                nonempty &= ~(1 << current)
            end = 1 << current
            n = need if need * size < end else end >> order
            need -= n
            offset = n * size
            taken.extend(range(block, block + offset, size))
            while offset < end:  # the rest of B: at each offset the largest aligned block
                piece = (offset & -offset).bit_length() - 1
                free_area[piece][block + offset] = None
                nonempty |= 1 << piece
                offset += 1 << piece
        self.nonempty = nonempty
        free = self.free_pages = self.free_pages - len(taken) * size
        if not self.gate_lo < free <= self.gate_hi or not self.nonempty >> self.gate_floor:
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
        if not self.gate_lo < free <= self.gate_hi or self.nonempty >> self.gate_top:
            self.regate()  # a limit crossed, or a block above the highest order appeared

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
        """The fast path's tests of this zone may have changed: find the new span, tell the allocator.

        A test is ``free_pages > limit and a block of order >= o is free``; both parts stay
        put while free_pages stays between the same two limits and the highest non-empty
        order stays the same.
        """
        limits = self.gate_limits
        i = bisect_left(limits, self.free_pages)  # limits[:i] < free_pages <= limits[i:]
        self.gate_lo = limits[i - 1] if i else -1
        self.gate_hi = limits[i] if i < len(limits) else _NO_LIMIT
        self.gate_top = self.nonempty.bit_length()
        self.gate_floor = max(0, self.gate_top - 1)
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
            pfn = pcp.pop()
            if len(pcp) > pcp.trigger:  # the refill outgrew the list's share of the room
                self.arm_pcp()
            return pfn
        return pcp.pop()

    def pcp_overflow(self) -> None:
        """free_unref_page_commit, after a list passed its trigger: drain a batch once the lists hold ``high``.

        The kernel's test is `pcp->count >= high` (free_hot_cold_page in 3.x/4.x, free_unref_page_commit
        in 5.x/6.x, mm/page_alloc.c).  The batch freed is pcp->batch; the v5.14 free_factor doubling is
        not modelled.
        """
        if self.pcp_count >= self.pcp_high:
            self.drain_pcp(self.pcp_batch)
        else:
            self.arm_pcp()

    def arm_pcp(self) -> None:
        """Share the room left below ``high`` among the lists: order 0 half of it, orders 1-3 a sixth each."""
        pcps = self.pcp
        room = self.pcp_high - 1 - sum([len(pcp) << pcp.order for pcp in pcps])  # at `high` pages it drains
        if room < 0:  # a drain left more than high: every free must count again
            for pcp in pcps:
                pcp.trigger = -1
            return
        half, rest = room // 2, room // (2 * PCP_MAX_ORDER)
        for pcp in pcps:
            pcp.trigger = len(pcp) + ((rest if pcp.order else half) >> pcp.order)

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
        self.arm_pcp()
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
        for order, pcp in enumerate(self.pcp):
            if not isinstance(pcp, PcpList) or pcp.zone is not self or pcp.order != order:
                raise SimError(where, f"pcp[{order}] is not this zone's order-{order} list")
        armed = [pcp.trigger for pcp in self.pcp]
        if armed != [-1] * len(armed):
            if any(len(pcp) > pcp.trigger for pcp in self.pcp):
                raise SimError(where, "a per-CPU list is longer than its trigger")
            if sum(pcp.trigger << pcp.order for pcp in self.pcp) >= self.pcp_high:
                raise SimError(where, f"per-CPU triggers allow more than high={self.pcp_high} pages (call arm_pcp())")
        inside = self.gate_lo < self.free_pages <= self.gate_hi
        between = not [limit for limit in self.gate_limits if self.gate_lo < limit < self.gate_hi]
        if self.gate_top != self.nonempty.bit_length() or not inside or not between:
            raise SimError(where, f"gate ({self.gate_lo}, {self.gate_hi}] top {self.gate_top} does not hold "
                                  f"free_pages {self.free_pages} between adjacent limits and the highest order")
        _disjoint(where, spans + self.pcp_spans())

    def free_spans(self) -> list[tuple[int, int]]:
        return [(pfn, pfn + (1 << order)) for order, area in enumerate(self.free_area) for pfn in area]

    def pcp_spans(self) -> list[tuple[int, int]]:
        return [(pfn, pfn + (1 << order)) for order, pcp in enumerate(self.pcp) for pfn in pcp]


def _disjoint(where: str, spans: list[tuple[int, int]]) -> None:
    spans.sort()
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise SimError(where, f"blocks overlap at pfn {start:#x}")
