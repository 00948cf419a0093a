"""TLB model: levels of fully associative LRU pools, sized per core (SIM-REFERENCE §9).

    level 0 (micro/L1)  pools: {4K: L0Pool(64)}, {2M: L0Pool(32)}, {1G: ...}
    level 1 (main/STLB) pools: {4K+2M: TlbPool(1536)}, {1G: TlbPool(16)}
    key = (va >> shift) << 6 | shift

    level 0 entry  [delta, stamp, pa_base, perm mask, user domain, raw perm, shift, offset mask]
                   (a list: the MMU's hit path writes the stamp; pa = va - delta)
    lower entry    (pa_base, perm mask, user domain, raw perm, shift, offset mask)

LRU at level 0 goes by use stamps: every use writes the MMU's use counter into the
entry, and a full pool evicts the entry with the oldest stamp -- the least recently
used, exactly, without reordering anything on a hit (the hit path stays a lookup).
Lower levels keep LRU order in an OrderedDict (they are touched only on level-0
misses).  A hit in a lower level refills the levels above it (inclusive).  Set
associativity is not modelled (every pool is fully associative).  Whatever leaves
level 0 (eviction, flush) is reported through ``on_drop`` so the MMU can forget
translations it memoised from it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping

from .archfacts import TlbLevel
from .errors import SimError

E_DELTA, E_STAMP, E_PA, E_PERM, E_DOMAIN_USER, E_RAW, E_SHIFT, E_MASK = range(8)


def key_of(va: int, shift: int) -> int:
    return (va >> shift) << 6 | shift


class TlbPool:
    """A lower-level pool: LRU order kept by an OrderedDict (the last key is the most recent)."""

    __slots__ = ("capacity", "entries", "shifts")

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


class L0Pool:
    """A level-0 pool: entries carry the stamp of their last use; the oldest stamp is evicted."""

    __slots__ = ("capacity", "entries", "shifts")

    def __init__(self, shifts: tuple[int, ...], capacity: int) -> None:
        self.entries: dict[int, list] = {}
        self.capacity = capacity
        self.shifts = shifts

    def fill(self, key: int, value: list) -> list | None:
        """Insert (or replace) ``key``; returns the entry evicted to make room, if any."""
        entries = self.entries
        victim = None
        if key in entries:
            victim = entries.pop(key)
        elif len(entries) >= self.capacity:
            oldest = min(entries, key=lambda k: entries[k][E_STAMP])
            victim = entries.pop(oldest)
        entries[key] = value
        return victim


class Tlb:
    def __init__(self, levels: tuple[TlbLevel, ...]) -> None:
        self.names = [level.name for level in levels]
        # level 0 by page shift (stamped entries), then each lower level by page shift (LRU order)
        self.l0: dict[int, L0Pool] = {}
        self.lower: list[dict[int, TlbPool]] = []
        for depth, level in enumerate(levels):
            if depth == 0:
                self.l0 = {shift: pool for shifts, capacity in level.pools
                           for pool in (L0Pool(shifts, capacity),) for shift in shifts}
            else:
                self.lower.append({shift: pool for shifts, capacity in level.pools
                                   for pool in (TlbPool(shifts, capacity),) for shift in shifts})
        self.levels: list[Mapping[int, L0Pool | TlbPool]] = [self.l0, *self.lower] if levels else []
        self.hits = [0] * len(levels)  # hits[0] stays 0: level-0 hits are counted by the MMU
        self.misses = 0
        self.on_drop: Callable[[], None] | None = None  # level-0 entries left (installed by the MMU)

    def lookup_l0(self, va: int) -> list | None:
        for shift, pool in self.l0.items():
            entry = pool.entries.get(key_of(va, shift))
            if entry is not None:
                return entry
        return None

    def lookup_lower(self, va: int, stamp: int) -> list | None:
        """Levels after the first; a hit refills the levels above and returns the new level-0 entry."""
        for depth, pools in enumerate(self.lower, start=1):
            for shift, pool in pools.items():
                key = key_of(va, shift)
                entry = pool.entries.get(key)
                if entry is not None:
                    pool.entries.move_to_end(key)
                    self.hits[depth] += 1
                    for upper in self.lower[: depth - 1]:
                        up = upper.get(shift)
                        if up is not None:
                            up.fill(key, entry)
                    return self._fill_l0(va, shift, entry, stamp)
        return None

    def fill(self, va: int, shift: int, entry: tuple, stamp: int) -> list | None:
        """A walk's result into every level; returns the level-0 entry (None if level 0 cannot hold it)."""
        for pools in self.lower:
            pool = pools.get(shift)
            if pool is not None:
                pool.fill(key_of(va, shift), entry)
            else:
                s, held = self._as_smaller(pools, va, shift, entry)
                if s is not None:
                    pools[s].fill(key_of(va, s), held)
        return self._fill_l0(va, shift, entry, stamp)

    def _as_smaller(self, pools: dict, va: int, shift: int, entry: tuple) -> tuple[int | None, tuple]:
        """A page size this level cannot hold natively is held as the largest it can."""
        smaller = [s for s in pools if s < shift]
        if not smaller:
            return None, entry
        s = max(smaller)
        base = entry[0] | (va & ((1 << shift) - 1) & ~((1 << s) - 1))
        return s, (base,) + entry[1:4] + (s, (1 << s) - 1)

    def _fill_l0(self, va: int, shift: int, entry: tuple, stamp: int) -> list | None:
        pools = self.l0
        if shift not in pools:
            smaller, entry = self._as_smaller(pools, va, shift, entry)
            if smaller is None:
                return None
            shift = smaller
        key = key_of(va, shift)
        value = [(key >> 6 << shift) - entry[0], stamp, *entry]
        if pools[shift].fill(key, value) is not None and self.on_drop is not None:
            self.on_drop()
        return value

    def flush_range(self, start: int, end: int) -> None:
        dropped = False
        for pools in self.levels:
            for pool in set(pools.values()):
                doomed = [k for k in pool.entries if start >> (k & 63) <= k >> 6 < -(-end >> (k & 63))]
                for key in doomed:
                    del pool.entries[key]
                dropped = dropped or bool(doomed)
        if dropped and self.on_drop is not None:
            self.on_drop()

    def flush_all(self) -> None:
        for pools in self.levels:
            for pool in set(pools.values()):
                pool.entries.clear()
        if self.on_drop is not None:
            self.on_drop()

    def occupancy(self) -> list[int]:
        return [sum(len(p.entries) for p in set(pools.values())) for pools in self.levels]

    def check_invariants(self) -> None:
        for depth, pools in enumerate(self.levels):
            for pool in set(pools.values()):
                if len(pool.entries) > pool.capacity:
                    raise SimError("Tlb.check_invariants", f"{self.names[depth]} pool over capacity")
                for key in pool.entries:
                    if key & 63 not in pool.shifts:
                        raise SimError("Tlb.check_invariants", f"{self.names[depth]}: a {key & 63}-bit page "
                                                               "in a pool that does not hold that size")
