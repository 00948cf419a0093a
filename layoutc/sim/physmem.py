"""Physical memory: RAM banks, memblock (boot-time reservations) and zone spans.

    memory:   [bank0.start ........ bank0.end)   [bank1.start ..... bank1.end)
    reserved:      [kernel image)  [pgd]                       [pte tables <- top-down]
    free = memory - reserved  -> handed to the buddy allocator per zone at the end of boot

Everything is byte ranges ``[start, end)`` (ints) -- no per-page objects.
memblock allocates top-down below ``current_limit`` (lowmem on 32-bit), as
memblock_alloc() does by default (mm/memblock.c).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SimError


@dataclass(frozen=True, slots=True)
class Reservation:
    start: int
    end: int
    name: str

    @property
    def size(self) -> int:
        return self.end - self.start


def _subtract(ranges: list[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    for start, end in ranges:
        if cut[1] <= start or cut[0] >= end:
            out.append((start, end))
            continue
        if start < cut[0]:
            out.append((start, cut[0]))
        if cut[1] < end:
            out.append((cut[1], end))
    return out


class Memblock:
    """memblock.memory and memblock.reserved, with a top-down allocator."""

    def __init__(self, banks: list[tuple[int, int]], current_limit: int) -> None:
        merged: list[tuple[int, int]] = []
        for start, end in sorted(banks):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        self.memory = merged
        self.reserved: list[Reservation] = []
        self.current_limit = current_limit

    def reserve(self, start: int, size: int, name: str) -> None:
        self.reserved.append(Reservation(start, start + size, name))

    def free_ranges(self) -> list[tuple[int, int]]:
        ranges = list(self.memory)
        for r in self.reserved:
            ranges = _subtract(ranges, (r.start, r.end))
        return sorted(ranges)

    def alloc(self, size: int, align: int, name: str) -> int:
        """memblock_alloc: the highest free, aligned range below current_limit; raises when none fits."""
        for start, end in reversed(self.free_ranges()):
            end = min(end, self.current_limit)
            base = (end - size) & ~(align - 1)
            if base >= start and end > start:
                self.reserve(base, size, name)
                return base
        raise SimError("memblock_alloc", f"no {size:#x} bytes aligned to {align:#x} below {self.current_limit:#x}")

    def reserved_in(self, start: int, end: int) -> int:
        """Bytes of reservations inside [start, end) (reservations may overlap; counted once)."""
        spans = sorted((max(r.start, start), min(r.end, end)) for r in self.reserved if r.start < end and r.end > start)
        total, cursor = 0, start
        for s, e in spans:
            s = max(s, cursor)
            if e > s:
                total += e - s
                cursor = e
        return total

    def present_in(self, start: int, end: int) -> int:
        return sum(max(0, min(e, end) - max(s, start)) for s, e in self.memory)


@dataclass(frozen=True, slots=True)
class ZoneSpan:
    index: int
    start: int  # physical bytes
    end: int


def zone_spans(memory: list[tuple[int, int]], lowmem_end: int, highmem: bool,
               limits: tuple[tuple[int, int], ...], normal: int, high: int) -> list[ZoneSpan]:
    """Split RAM into zones: arch limits (DMA, DMA32) below, Normal up to lowmem_end, HighMem above.

    A zone spans from its first to its last RAM byte (holes between banks included, as
    zone->spanned_pages counts them); empty zones are left out.
    """
    if not memory:
        return []
    ram_start, ram_end = memory[0][0], memory[-1][1]
    bounds: list[tuple[int, int, int]] = []
    cursor = ram_start
    for index, limit in limits:
        top = min(limit, lowmem_end)
        if top > cursor:
            bounds.append((index, cursor, top))
            cursor = top
    if lowmem_end > cursor:
        bounds.append((normal, cursor, lowmem_end))
        cursor = lowmem_end
    if highmem and ram_end > cursor:
        bounds.append((high, cursor, ram_end))
    spans = []
    for index, start, end in bounds:
        inside = [(max(s, start), min(e, end)) for s, e in memory if s < end and e > start]
        if inside:
            spans.append(ZoneSpan(index, inside[0][0], inside[-1][1]))
    return spans
