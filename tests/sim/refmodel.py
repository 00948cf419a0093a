"""Trivially correct reference models the simulator's allocators are compared with.

A bytearray per page (0 = not RAM, 1 = free, 2 = allocated); every question is
answered by scanning it.  Slow and obviously right -- that is the point.
"""

from __future__ import annotations


class PageBitmap:
    def __init__(self, spans: dict[str, tuple[int, int]], free: list[tuple[int, int]]) -> None:
        self.base = min(s for s, _ in spans.values())
        end = max(e for _, e in spans.values())
        self.state = bytearray(end - self.base)
        self.spans = spans  # zone name -> (start_pfn, end_pfn)
        for start, stop in free:
            self.state[start - self.base:stop - self.base] = b"\x01" * (stop - start)

    def zone_of(self, pfn: int) -> str:
        return next(name for name, (s, e) in self.spans.items() if s <= pfn < e)

    def is_free(self, pfn: int, order: int) -> bool:
        i = pfn - self.base
        return self.state[i:i + (1 << order)] == b"\x01" * (1 << order)

    def can_alloc(self, order: int, zones: list[str]) -> bool:
        """Is there a naturally aligned, fully free 2^order block inside one of ``zones``?"""
        size = 1 << order
        for name in zones:
            start, end = self.spans[name]
            pfn = (start + size - 1) & ~(size - 1)
            while pfn + size <= end:
                if self.is_free(pfn, order):
                    return True
                pfn += size
        return False

    def alloc(self, pfn: int, order: int) -> None:
        assert pfn % (1 << order) == 0, f"block {pfn:#x} not aligned to order {order}"
        assert self.is_free(pfn, order), f"block {pfn:#x} order {order} is not free in the reference"
        i = pfn - self.base
        self.state[i:i + (1 << order)] = b"\x02" * (1 << order)

    def free(self, pfn: int, order: int) -> None:
        i = pfn - self.base
        assert self.state[i:i + (1 << order)] == b"\x02" * (1 << order)
        self.state[i:i + (1 << order)] = b"\x01" * (1 << order)

    def free_pages(self, zone: str) -> int:
        start, end = self.spans[zone]
        return self.state[start - self.base:end - self.base].count(1)


class LruTlb:
    """A TLB the obvious way: per pool a Python list of keys, least recent first.

    Mirrors the model the simulator promises (SIM-REFERENCE §9 sizes, fully associative
    LRU pools, inclusive levels, a lower-level hit refilling the levels above, faults
    never cached) and counts what it promises to count.  ``levels`` is the
    archfacts TlbLevel tuple.
    """

    def __init__(self, levels) -> None:
        self.pools = []  # per level: {shift: pool}; pool = {"cap": n, "keys": [...], "values": {}}
        for level in levels:
            by_shift = {}
            for shifts, capacity in level.pools:
                pool = {"cap": capacity, "keys": [], "values": {}}
                for shift in shifts:
                    by_shift[shift] = pool
            self.pools.append(by_shift)
        self.hits = [0] * len(levels)
        self.misses = 0

    @staticmethod
    def _touch(pool, key) -> None:
        pool["keys"].remove(key)
        pool["keys"].append(key)

    @staticmethod
    def _fill(pool, key, value) -> None:
        if key in pool["values"]:
            pool["keys"].remove(key)
        elif len(pool["keys"]) >= pool["cap"]:
            del pool["values"][pool["keys"].pop(0)]
        pool["keys"].append(key)
        pool["values"][key] = value

    def lookup(self, va: int):
        """(level, value) of the first level holding va, refilling the levels above; None: miss."""
        for depth, by_shift in enumerate(self.pools):
            for shift, pool in by_shift.items():
                key = (va >> shift, shift)
                if key in pool["values"]:
                    self._touch(pool, key)
                    self.hits[depth] += 1
                    for upper in self.pools[:depth]:
                        if shift in upper:
                            self._fill(upper[shift], key, pool["values"][key])
                    return depth, pool["values"][key]
        self.misses += 1
        return None

    def fill(self, va: int, shift: int, value) -> None:
        for by_shift in self.pools:
            if shift in by_shift:
                self._fill(by_shift[shift], (va >> shift, shift), value)

    def flush(self, start: int, end: int) -> None:
        for by_shift in self.pools:
            for pool in {id(p): p for p in by_shift.values()}.values():
                for key in [k for k in pool["keys"] if start >> k[1] <= k[0] < -(-end >> k[1])]:
                    pool["keys"].remove(key)
                    del pool["values"][key]
