"""TLB model: levels of fully associative LRU pools, sized per core (SIM-REFERENCE §9).

    level 0 (micro/L1)  pools: {4K: OrderedDict(64)}, {2M: OrderedDict(32)}, {1G: ...}
    level 1 (main/STLB) pools: {4K+2M: OrderedDict(1536)}, {1G: OrderedDict(16)}
    key = (va >> shift) << 6 | shift          value = (pa_base, perm mask, user domain, raw perm, shift, offset mask)

A hit moves the entry to the MRU end; a fill evicts the LRU entry of a full pool.
A hit in a lower level refills the levels above it (inclusive).  Set
associativity is not modelled (every pool is fully associative).
"""

from __future__ import annotations

from collections import OrderedDict

from .archfacts import TlbLevel


class TlbPool:
    __slots__ = ("entries", "capacity", "shifts")

    def __init__(self, shifts: tuple[int, ...], capacity: int) -> None:
        self.entries: OrderedDict[int, tuple] = OrderedDict()
        self.capacity = capacity
        self.shifts = shifts

    def fill(self, key: int, value: tuple) -> None:
        entries = self.entries
        if key in entries:
            entries.move_to_end(key)
        elif len(entries) >= self.capacity:
            entries.popitem(last=False)
        entries[key] = value


class Tlb:
    def __init__(self, levels: tuple[TlbLevel, ...]) -> None:
        self.names = [level.name for level in levels]
        self.levels: list[dict[int, TlbPool]] = []
        for level in levels:
            by_shift: dict[int, TlbPool] = {}
            for shifts, capacity in level.pools:
                pool = TlbPool(shifts, capacity)
                for shift in shifts:
                    by_shift[shift] = pool
            self.levels.append(by_shift)
        self.hits = [0] * len(levels)
        self.misses = 0

    def lookup_lower(self, va: int, shifts: list[int]) -> tuple | None:
        """Levels after the first (the MMU checks level 0 inline); refills the levels above."""
        for depth in range(1, len(self.levels)):
            pools = self.levels[depth]
            for shift in shifts:
                pool = pools.get(shift)
                if pool is None:
                    continue
                key = (va >> shift) << 6 | shift
                entry = pool.entries.get(key)
                if entry is not None:
                    pool.entries.move_to_end(key)
                    self.hits[depth] += 1
                    for upper in range(depth):
                        up = self.levels[upper].get(shift)
                        if up is not None:
                            up.fill(key, entry)
                    return entry
        return None

    def fill(self, va: int, shift: int, entry: tuple) -> None:
        key = (va >> shift) << 6 | shift
        for pools in self.levels:
            pool = pools.get(shift)
            if pool is not None:
                pool.fill(key, entry)
            else:  # a page size this level cannot hold natively: held as the largest it can
                smaller = [s for s in pools if s < shift]
                if smaller:
                    s = max(smaller)
                    base = entry[0] | (va & ((1 << shift) - 1) & ~((1 << s) - 1))
                    pools[s].fill((va >> s) << 6 | s, (base,) + entry[1:4] + (s, (1 << s) - 1))

    def flush_range(self, start: int, end: int) -> None:
        for pools in self.levels:
            for pool in set(pools.values()):
                doomed = [k for k in pool.entries if start >> (k & 63) <= k >> 6 < -(-end >> (k & 63))]
                for key in doomed:
                    del pool.entries[key]

    def flush_all(self) -> None:
        for pools in self.levels:
            for pool in set(pools.values()):
                pool.entries.clear()

    def occupancy(self) -> list[int]:
        return [sum(len(p.entries) for p in set(pools.values())) for pools in self.levels]

    def check_invariants(self) -> None:
        from .errors import SimError

        for depth, pools in enumerate(self.levels):
            for pool in set(pools.values()):
                if len(pool.entries) > pool.capacity:
                    raise SimError("Tlb.check_invariants", f"{self.names[depth]} pool over capacity")
