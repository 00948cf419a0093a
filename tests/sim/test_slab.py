"""Slab caches against an obvious model: a dict of live objects, compared on seeded random workloads."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from layoutc.session import load_layout
from layoutc.sim.boot import boot
from layoutc.sim.errors import SimError
from layoutc.sim.slab import dentry_state, slabinfo

ROOT = Path(__file__).resolve().parents[2]


def machine(path, *defines):
    result = load_layout(str(ROOT / "layouts" / path), list(defines))
    assert result.layout is not None and not result.errors
    return boot(result.layout)


class LiveObjects:
    """The reference: every live object's cache and size, and the unused ones in release order."""

    def __init__(self) -> None:
        self.live: dict[int, tuple[str, int]] = {}
        self.unused: list[int] = []

    def add(self, va: int, cache) -> None:
        assert va not in self.live, f"{va:#x} handed out twice"
        self.live[va] = (cache.name, cache.size)

    def remove(self, va: int) -> None:
        del self.live[va]
        if va in self.unused:
            self.unused.remove(va)

    def check(self, m) -> None:
        spans = sorted((va, va + size) for va, (_, size) in self.live.items())
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, f"objects overlap at {start:#x}"
        page = m.page_size
        for cache in m.slab.caches.values():
            mine = [va for va, (name, _) in self.live.items() if name == cache.name]
            slab_bytes = page << cache.order
            slabs = {m.linear.pa(va) // slab_bytes for va in mine}
            for va in mine:  # inside its slab, at an object boundary
                offset = m.linear.pa(va) % slab_bytes
                assert offset % cache.size == 0 and offset + cache.size <= slab_bytes
            # SLUB gives an empty slab back at once: slabs == the slabs holding a live object
            assert (cache.active, cache.nr_slabs) == (len(mine), len(slabs)), cache.name
        reclaimable = sum(c.pages for c in m.slab.caches.values() if c.reclaimable)
        assert m.slab.pages_by_reclaim() == (reclaimable, sum(c.pages for c in m.slab.caches.values()) - reclaimable)
        assert list(m.slab.caches["dentry"].unused) == [va for va in self.unused
                                                          if self.live[va][0] == "dentry"]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("layout", ["arm32.kl", "x86_64.kl"])
def test_random_workload_matches_live_object_reference(seed, layout):
    rng = random.Random(seed)
    m = machine(layout, "ram=256M")
    ref = LiveObjects()
    slab = m.slab
    named = ["dentry", "inode_cache", "vm_area_struct", "task_struct"]
    for step in range(1200):
        roll = rng.random()
        live = list(ref.live)
        if roll < 0.3:
            size = rng.choice([rng.randrange(1, 300), rng.randrange(1, 4500), rng.randrange(1, 9000)])
            va = slab.kmalloc(size)
            cache = slab.kmalloc_cache(size)
            if cache is None:  # > 2 pages: straight from the buddy
                assert va in slab.large
            else:
                assert cache.size >= size and all(c.size < size or c.size >= cache.size for c in slab.kmalloc_caches)
                ref.add(va, cache)
        elif roll < 0.5:
            cache = slab.cache(rng.choice(named))
            vas = cache.alloc_bulk(rng.randrange(1, 80), release=cache.reclaimable and rng.random() < 0.3)
            for va in vas:
                ref.add(va, cache)
                if va in cache.unused:
                    ref.unused.append(va)
        elif roll < 0.85 and live:
            va = rng.choice(live)
            name = ref.live[va][0]
            if name.startswith("kmalloc-") or rng.random() < 0.5:
                slab.kfree(va)  # kfree takes any slab object, as SLUB's does
            else:
                slab.cache(name).free(va)
            ref.remove(va)
            with pytest.raises(SimError, match="double free"):
                slab.kfree(va)
        elif roll < 0.9 and live:
            va = rng.choice(live)
            cache = slab.cache(ref.live[va][0])
            if va not in cache.unused:
                cache.release(va)
                ref.unused.append(va)
        else:
            dentry = slab.cache("dentry")
            n = rng.randrange(1, 40)
            oldest = [va for va in ref.unused if ref.live[va][0] == "dentry"][:n]
            dentry.shrink(n)
            for va in oldest:
                ref.remove(va)
        if step % 150 == 0:
            ref.check(m)
            m.check_invariants()
    ref.check(m)
    for va in list(slab.large):
        slab.kfree(va)
    for va in list(ref.live):
        slab.kfree(va)
        ref.remove(va)
    ref.check(m)
    assert m.slab.pages_by_reclaim() == (0, 0)
    m.check_invariants()


def test_bulk_leak_costs_no_per_object_state():
    m = machine("arm32.kl", "ram=512M")
    dentry = m.slab.cache("dentry")
    assert dentry.alloc_bulk(100_001, collect=False) == 100_001
    assert dentry.nr_slabs == 3126 and len(dentry.partial) == 1  # 32 dentries a slab; one slab part used
    assert dentry_state(m.slab).split("\t")[:2] == ["100001", "0"]
    line = next(x for x in slabinfo(m.slab).splitlines() if x.startswith("dentry "))
    assert line.split()[1:6] == ["100001", "100032", "128", "32", "1"]


def test_misuse_raises_with_function_name():
    m = machine("arm32.kl", "ram=512M")
    va = m.slab.kmalloc(100)
    with pytest.raises(SimError, match="kfree: .* not the start"):
        m.slab.kfree(va + 8)
    with pytest.raises(SimError, match="kmem_cache_free: .* not in a slab of dentry"):
        m.slab.cache("dentry").free(va)
    with pytest.raises(SimError, match="kfree: .* not in a slab"):
        m.slab.kfree(m.linear.va_start + 0x100)
