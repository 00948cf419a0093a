"""The page allocator: alloc_pages / free_pages over the zones of node 0, watermarks, zonelists.

The zones themselves (free lists, split/merge, per-CPU lists) are in zone.py.  This
module routes a request: the zonelist runs from the request's highest allowed zone
down (HighMem -> Normal -> DMA32 -> DMA); the fast path tests the **low** mark, the
slow path the **min** mark, then drains the per-CPU lists, then calls the reclaim hook
the Machine installs (mm/page_alloc.c, SIM-REFERENCE §1.7-1.8).

Hot-path tables (per gfp mask, built on first use; no per-page objects)::

    _fast[gfp][order]   what to pop from, or ():  the first zone in the zonelist whose
                        low-mark test passes -- its PcpList (orders 0-3) or DirectHome
                        (higher orders: pops from its buddy lists); () when none passes
    _lanes[gfp][order]  ((zone, limit, home), ...) the zonelist, top down, for the walk;
                        limit = low mark + lowmem_reserve[highest] + 2^order - 1, so that
                        __zone_watermark_ok is ``free_pages > limit`` (plus a free block
                        of the order for order > 0)
    _tags[pfn]          the home of each block handed out (at its head pfn), else None:
                        the PcpList or DirectHome it goes back to; free_pages' check for
                        double frees and wrong orders.  One list slot per page frame up to
                        the highest RAM pfn (8 bytes a page, like a struct page field);
                        above TAGS_DENSE_MAX pfns a dict instead

A zone's answers to those tests change only when its free_pages crosses one of the
limits or its highest non-empty order changes; the zone then calls ``_refresh``
(Zone.regate), which rebuilds ``_fast``.  So a request served from a per-CPU list
costs one table lookup, a pop and a record -- and is still exactly Linux's order of
tests.  The limits are a snapshot of the watermarks: call ``retune()`` after changing
``watermark`` or ``lowmem_reserve`` (check_invariants catches a stale snapshot).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress, repeat
from operator import is_not

from .errors import SimError
from .gfp import GFP_KERNEL, ZONE_HIGHMEM, ZONE_NAMES, can_reclaim, gfp_zone
from .zone import PAGE_ALLOC_COSTLY_ORDER, PCP_MAX_ORDER, DirectHome, PcpList, Zone, _disjoint

__all__ = ["PAGE_ALLOC_COSTLY_ORDER", "PCP_MAX_ORDER", "PageAllocator", "Zone", "min_free_kbytes",
           "setup_pcp", "setup_watermarks"]

SWAP_CLUSTER_MAX = 32
# mm/page_alloc.c sysctl_lowmem_reserve_ratio defaults: DMA 256, DMA32 256, Normal 32, HighMem 0
LOWMEM_RESERVE_RATIO = (256, 256, 32, 0)
WATERMARK_SCALE_FACTOR = 10  # vm.watermark_scale_factor default (0.1 %)

WMARK_MIN, WMARK_LOW, WMARK_HIGH = 0, 1, 2

Home = PcpList | DirectHome
TAGS_DENSE_MAX = 1 << 23  # pfns (RAM below 32 GiB with 4 KiB pages: at most a 64 MiB list)


class _SparseTags(dict):
    """The tags of a node span too large for a list: absent pfns read as None."""

    def __missing__(self, key: int) -> None:
        return None

    def __setitem__(self, key: int, value) -> None:
        if value is None:
            self.pop(key, None)
        else:
            super().__setitem__(key, value)


class PageAllocator:
    """alloc_pages / free_pages over the zones of node 0 (``zones[i]`` is None for an absent zone)."""

    def __init__(self, zones: Sequence[Zone | None], max_order: int) -> None:
        self.zones = list(zones) + [None] * (4 - len(zones))
        self.max_order = max_order
        populated = self.populated
        # zonelists[highest] = populated zones at or below `highest`, top down
        self.zonelists = [tuple(z for z in reversed(populated) if z.index <= high) for high in range(4)]
        end = max((z.end_pfn for z in populated), default=0)
        self._tags: list[Home | None] | _SparseTags = [None] * end if end <= TAGS_DENSE_MAX else _SparseTags()
        self._direct = {(z.index, order): DirectHome(z, order)
                        for z in populated for order in range(PCP_MAX_ORDER + 1, max_order + 1)}
        for zone in populated:
            zone.on_gate = self._refresh
        self._fast: dict[int, dict[int, PcpList | tuple[()]]] = {}
        self._lanes: dict[int, dict[int, tuple]] = {}
        self._by_high: dict[int, tuple[dict, dict]] = {}  # highest zone -> (fast, lanes), shared by gfps
        self.reclaim: Callable[[int, int], int] | None = None  # installed by the Machine
        self.stats = {"fail": 0, "slowpath": 0}

    @property
    def populated(self) -> list[Zone]:
        return [z for z in self.zones if z is not None and z.managed_pages]

    @property
    def allocated(self) -> dict[int, tuple[int, Zone]]:
        """Every block handed out: head pfn -> (order, zone)."""
        tags = self._tags
        if isinstance(tags, dict):
            return {pfn: (home.order, home.zone) for pfn, home in tags.items()}
        heads = compress(range(len(tags)), map(is_not, tags, repeat(None)))  # C-speed scan of the list
        return {pfn: (home.order, home.zone) for pfn in heads if (home := tags[pfn]) is not None}

    def zone_of(self, pfn: int) -> Zone | None:
        for zone in self.zones:
            if zone is not None and zone.start_pfn <= pfn < zone.end_pfn:
                return zone
        return None

    def highest_zone(self, gfp: int) -> int:
        """gfp_zone(), with HighMem folded into Normal on a machine without it."""
        high = gfp_zone(gfp)
        if high == ZONE_HIGHMEM and self.zones[ZONE_HIGHMEM] is None:
            high -= 1
        return high

    # -------------------------------------------------------------- the routing tables

    def _home(self, zone: Zone, order: int) -> Home:
        return zone.pcp[order] if order <= PCP_MAX_ORDER else self._direct[zone.index, order]

    def _limit(self, zone: Zone, order: int, highest: int) -> int:
        return zone.watermark[WMARK_LOW] + zone.lowmem_reserve[highest] + (1 << order) - 1

    def _lanes_of(self, highest: int) -> dict[int, tuple]:
        return {order: tuple((z, self._limit(z, order, highest), self._home(z, order)) for z in self.zonelists[highest])
                for order in range(self.max_order + 1)}

    def _add_gfp(self, gfp: int) -> None:
        highest = self.highest_zone(gfp)
        if highest not in self._by_high:
            self._by_high[highest] = ({}, self._lanes_of(highest))
            self._gate_limits()
        self._fast[gfp], self._lanes[gfp] = self._by_high[highest]
        self._refresh()

    def _gate_limits(self) -> None:
        """Each zone's sorted fast-path limits (every order, every highest zone in use), then a fresh span."""
        for zone in self.populated:
            zone.gate_limits = sorted({limit for _, lanes in self._by_high.values() for lane in lanes.values()
                                       for z, limit, _ in lane if z is zone})
        for zone in self.populated:
            zone.regate()

    def _fast_entry(self, lanes: tuple, order: int) -> PcpList | tuple:
        for zone, limit, home in lanes:
            if zone.free_pages > limit and zone.nonempty >> order:
                return home
        return ()

    def _refresh(self) -> None:
        """Re-run the fast path's watermark tests (a zone crossed a limit): the lists to pop from."""
        for fast, lanes in self._by_high.values():
            for order in range(self.max_order + 1):
                fast[order] = self._fast_entry(lanes[order], order)

    def retune(self) -> None:
        """Forget the watermark snapshot (after the zones' watermarks or reserves changed)."""
        self._fast.clear()
        self._lanes.clear()
        self._by_high.clear()
        self._gate_limits()
        for zone in self.populated:
            zone.arm_pcp()

    # -------------------------------------------------------------- alloc / free

    def alloc_pages(self, order: int, gfp: int = GFP_KERNEL) -> int | None:
        """The head pfn of 2^order pages, or None (out of memory is a result, not an error)."""
        try:
            pcp = self._fast[gfp][order]
        except KeyError:
            pcp = ()
        if pcp:  # the first zone passing the low mark: its hot list (rmqueue_pcplist) or its buddy
            pfn = pcp.pop()
            self._tags[pfn] = pcp
            return pfn
        return self._alloc(order, gfp, pcp)

    def _alloc(self, order: int, gfp: int, empty: PcpList | tuple[()] = ()) -> int | None:
        """get_page_from_freelist (the zonelist walk, refilling a per-CPU list), then the slow path.

        ``empty`` is the fast path's empty per-CPU list of the first zone passing the low
        mark, if that was why it gave up: refilled without walking the zonelist again.
        """
        if empty.__class__ is PcpList:
            pfn = empty.zone.pcp_take(order)
            if pfn >= 0:
                self._tags[pfn] = empty
                return pfn
        try:
            lanes = self._lanes[gfp][order]
        except KeyError:
            if not 0 <= order <= self.max_order:
                self.stats["fail"] += 1
                return None  # order > MAX_ORDER: WARN_ON_ONCE and NULL, no reclaim (SIM-REFERENCE §1.1)
            self._add_gfp(gfp)
            lanes = self._lanes[gfp][order]
        for zone, limit, home in lanes:  # fast path: the low mark
            # order 0 needs no free-list test: free_pages > limit >= 0 means some block is free
            if zone.free_pages > limit and zone.nonempty >> order:
                pfn = zone.pcp_take(order) if order <= PCP_MAX_ORDER else zone.rmqueue_smallest(order)
                if pfn >= 0:
                    self._tags[pfn] = home
                    return pfn
        return self._slowpath(order, gfp)

    def _take(self, order: int, gfp: int, highest: int, mark: int) -> int | None:
        for zone in self.zonelists[highest]:
            if not zone.watermark_ok(order, zone.watermark[mark], highest, gfp, slow=True):
                continue
            pfn = zone.pcp_take(order) if order <= PCP_MAX_ORDER else zone.rmqueue_smallest(order)
            if pfn >= 0:
                self._tags[pfn] = self._home(zone, order)
                return pfn
        return None

    def _slowpath(self, order: int, gfp: int) -> int | None:
        """__alloc_pages_slowpath, simplified: min mark, drain pcp, reclaim hook, retry."""
        self.stats["slowpath"] += 1
        highest = self.highest_zone(gfp)
        pfn = self._take(order, gfp, highest, WMARK_MIN)
        if pfn is not None:
            return pfn
        for zone in self.zonelists[highest]:
            if zone.pcp_count:
                zone.drain_pcp()
        pfn = self._take(order, gfp, highest, WMARK_MIN)
        if pfn is None and self.reclaim is not None and can_reclaim(gfp):
            while self.reclaim(order, gfp) > 0:
                pfn = self._take(order, gfp, highest, WMARK_MIN)
                if pfn is not None:
                    break
        if pfn is None:
            self.stats["fail"] += 1
        return pfn

    def free_pages(self, pfn: int, order: int) -> None:
        """__free_pages: the block must be exactly one that alloc_pages returned."""
        tags = self._tags
        try:
            home = tags[pfn]
        except IndexError:
            home = None
        if home is None or home.order != order or pfn < 0:  # (a negative index would wrap)
            raise self._bad_free(pfn, order, home if pfn >= 0 else None)
        tags[pfn] = None
        if isinstance(home, DirectHome):  # order > PCP_MAX_ORDER: no per-CPU list
            home.zone.free_one(pfn, order)
            return
        home.append(pfn)  # free_unref_page: onto the per-CPU list
        if len(home) > home.trigger:
            home.zone.pcp_overflow()

    def _bad_free(self, pfn: int, order: int, home: Home | None) -> SimError:
        if home is not None:
            return SimError("free_pages", f"pfn {pfn:#x} was allocated with order {home.order}, freed with order {order}")
        return SimError("free_pages", f"pfn {pfn:#x} order {order} is not an allocated block (double free?)")

    def drain_all(self) -> None:
        for zone in self.populated:
            zone.drain_pcp()

    def nr_free_pages(self) -> int:
        return sum(z.free_pages for z in self.populated)

    # -------------------------------------------------------------- checks

    def check_invariants(self) -> None:
        """Zones sound; routing tables current; handed-out blocks inside their zone, clear of free ones."""
        where = "PageAllocator.check_invariants"
        for zone in self.populated:
            zone.check_invariants()
        for highest, (fast, lanes) in self._by_high.items():
            for order, lane in lanes.items():
                fresh = [(z, self._limit(z, order, highest), self._home(z, order)) for z in self.zonelists[highest]]
                if [(z, limit) for z, limit, _ in lane] != [(z, limit) for z, limit, _ in fresh] or any(
                        a[2] is not b[2] for a, b in zip(lane, fresh)):
                    raise SimError(where, f"stale limits for {ZONE_NAMES[highest]} order {order} (call retune())")
                if fast[order] is not self._fast_entry(lane, order):
                    raise SimError(where, f"fast path for {ZONE_NAMES[highest]} order {order} out of date")
        spans: dict[int, list[tuple[int, int]]] = {z.index: z.free_spans() + z.pcp_spans() for z in self.populated}
        for pfn, (order, zone) in self.allocated.items():
            if not zone.start_pfn <= pfn < zone.end_pfn or pfn & ((1 << order) - 1):
                raise SimError(where, f"allocated block {pfn:#x} order {order} misplaced")
            spans[zone.index].append((pfn, pfn + (1 << order)))
        for index, zone_spans in spans.items():
            _disjoint(f"{where}({ZONE_NAMES[index]})", zone_spans)


# ------------------------------------------------------------------ setup (mm/page_alloc.c)


def int_sqrt(value: int) -> int:
    from math import isqrt

    return isqrt(value)


def min_free_kbytes(lowmem_kbytes: int, version: tuple[int, ...] = (6, 12)) -> int:
    """calculate_min_free_kbytes: int_sqrt(lowmem_kbytes * 16) clamped to [128, 65536] -- [128, 262144] from v5.7
    (59d336bdf693 "mm/page_alloc: increase default min_free_kbytes bound")."""
    cap = 262144 if version >= (5, 7) else 65536
    return max(128, min(cap, int_sqrt(lowmem_kbytes * 16)))


def setup_watermarks(zones: Sequence[Zone], page_shift: int, min_kbytes: int | None = None,
                     version: tuple[int, ...] = (6, 12)) -> int:
    """__setup_per_zone_wmarks and lowmem_reserve; returns the min_free_kbytes used.

    Before v4.6 (no vm.watermark_scale_factor) low = min + min/4 and high = min + min/2;
    from v4.6 the step is max(min/4, managed * watermark_scale_factor / 10000).
    """
    lowmem = [z for z in zones if z.index != ZONE_HIGHMEM]
    lowmem_pages = sum(z.managed_pages for z in lowmem)
    if min_kbytes is None:
        min_kbytes = min_free_kbytes(lowmem_pages << (page_shift - 10), version)
    pages_min = min_kbytes >> (page_shift - 10)
    for zone in zones:
        tmp = pages_min * zone.managed_pages // lowmem_pages if lowmem_pages else 0
        if zone.index == ZONE_HIGHMEM:
            minimum = max(SWAP_CLUSTER_MAX, min(128, zone.managed_pages // 1024))
        else:
            minimum = tmp
        if version < (4, 6):
            zone.watermark = [minimum, minimum + (tmp >> 2), minimum + (tmp >> 1)]
            continue
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


def setup_pcp(zone: Zone, page_size: int, version: tuple[int, ...] = (6, 12), cpus: int = 1) -> None:
    """zone_batchsize and the list's high mark (mm/page_alloc.c).

    batch: managed/1024 capped at 512 KiB of pages before v4.15 and 1 MiB from v4.15 (Aaron Lu's
    "double zone's batchsize"), /4, *1.5 rounded down to 2^n, -1.  high: 6 * batch before v5.14;
    from v5.14 zone_highsize, the zone's low watermark split over the node's CPUs, at least 4 * batch
    (the v6.7 auto-tuning between high_min and high_max is not modelled).
    """
    cap = (1 << 20) if version >= (4, 15) else (512 << 10)
    batch = min(zone.managed_pages // 1024, cap // page_size) // 4
    batch = max(1, batch)
    batch = (1 << ((batch + batch // 2).bit_length() - 1)) - 1  # 0 for a zone under 8 MiB
    zone.pcp_batch = max(1, batch)
    if version >= (5, 14):
        zone.pcp_high = max(zone.watermark[WMARK_LOW] // max(1, cpus), 4 * zone.pcp_batch)
    else:  # pageset_set_batch(): high = 6 * batch, batch = max(1, batch) -- a small DMA zone gets high 0
        zone.pcp_high = 6 * batch
    zone.arm_pcp()
