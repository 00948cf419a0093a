"""Half-open interval helpers: ``[start, end)`` everywhere in code."""

from __future__ import annotations

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
