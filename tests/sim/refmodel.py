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
