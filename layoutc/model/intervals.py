"""Half-open interval helpers: ``[start, end)`` everywhere in code."""

from __future__ import annotations

import bisect
import heapq
from typing import Iterable, Iterator, Sequence, TypeVar

T = TypeVar("T")
Interval = tuple[int, int]


def intersection(a: Interval, b: Interval) -> Interval | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start < end else None


def contains(outer: Interval, inner: Interval) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def overlapping_pairs(items: Sequence[T], bounds) -> Iterator[tuple[T, T, Interval]]:
    """Every pair of items whose intervals intersect: sort + sweep, O(n log n + pairs).

    ``bounds(item)`` gives ``(start, end)``.  Empty intervals overlap nothing.
    """
    order = sorted(range(len(items)), key=lambda i: bounds(items[i]))
    active: list[tuple[int, int]] = []  # heap of (end, index)
    for i in order:
        start, end = bounds(items[i])
        while active and active[0][0] <= start:
            heapq.heappop(active)
        if start >= end:
            continue
        for other_end, j in active:
            yield items[j], items[i], (start, min(end, other_end))
        heapq.heappush(active, (end, i))


class ByStart:
    """Intervals sorted by start, searched for those that meet a query interval in O(log n) each.

    A tree of the furthest end over each range of them leads the search past every range whose
    intervals all end before the query starts, so one long interval among many short ones costs no
    walk over the short ones (issue 10: a scan back over them made `B304` quadratic).
    """

    def __init__(self, bounds: Sequence[Interval]) -> None:
        self.starts = [start for start, _ in bounds]
        assert self.starts == sorted(self.starts), "ByStart takes intervals sorted by start"
        size = 1
        while size < len(bounds):
            size *= 2
        self.size = size
        # leaves past the last interval are never reached (the search stops at the last that may meet)
        furthest = [0] * size + [end for _, end in bounds] + [0] * (size - len(bounds))
        for index in range(size - 1, 0, -1):
            furthest[index] = max(furthest[2 * index], furthest[2 * index + 1])
        self.furthest = furthest

    def meeting(self, start: int, end: int) -> Iterator[int]:
        """The indexes of the intervals that share part of ``[start, end)``, the latest start first."""
        last = bisect.bisect_left(self.starts, end) - 1  # those starting before it ends
        if start >= end or last < 0:
            return
        furthest, size = self.furthest, self.size
        pending = [(1, 0, size - 1)]  # tree node, and the range of indexes under it
        while pending:
            node, low, high = pending.pop()
            if low > last or furthest[node] <= start:
                continue
            if node >= size:
                yield low
                continue
            middle = (low + high) // 2
            pending.append((2 * node, low, middle))
            pending.append((2 * node + 1, middle + 1, high))  # the later half first


def gaps(intervals: Iterable[Interval], start: int, end: int) -> list[Interval]:
    """The parts of ``[start, end)`` covered by none of ``intervals``."""
    out: list[Interval] = []
    cursor = start
    for a, b in sorted(intervals):
        if a > cursor:
            out.append((cursor, min(a, end)))
        cursor = max(cursor, b)
        if cursor >= end:
            break
    if cursor < end:
        out.append((cursor, end))
    return [g for g in out if g[0] < g[1]]
