"""kmap/kunmap (pkmap) against an obvious model: who holds a reference to which HighMem page."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from layoutc.session import load_layout
from layoutc.sim.boot import boot
from layoutc.sim.errors import SimError
from layoutc.sim.gfp import GFP_HIGHUSER
from layoutc.sim.highmem import Pkmap
from layoutc.sim.pagetable.format import Leaf

ROOT = Path(__file__).resolve().parents[2]


def machine(*defines):
    result = load_layout(str(ROOT / "layouts" / "arm32.kl"), list(defines))
    assert result.layout is not None and not result.errors
    return boot(result.layout)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("slots", [4, 8, 64])
def test_random_kmap_kunmap_matches_reference_counts(seed, slots):
    """The reference is only a count of references per page.  What must follow from it:
    a mapped page keeps its address while referenced, distinct pages never share one, the
    address reaches the page through the page tables, and kmap blocks exactly when every
    slot is held by a referenced page (a slot whose page has no references can be reused)."""
    rng = random.Random(seed)
    m = machine("ram=2G")
    window = m.windows["pkmap"]
    pk = Pkmap(m, window.start, slots)
    pages = [m.alloc_pages(0, GFP_HIGHUSER) for _ in range(3 * slots)]
    assert all(pfn is not None and m.page_address(pfn) is None for pfn in pages)  # HighMem: no linear address
    refs: dict[int, int] = {}  # pfn -> references held
    where: dict[int, int] = {}  # pfn -> the va kmap gave while referenced
    blocked = 0
    for step in range(600):
        held = [pfn for pfn, n in refs.items() if n]
        if held and rng.random() < 0.45:
            pfn = rng.choice(held)
            pk.kunmap(pfn)
            refs[pfn] -= 1
            if not refs[pfn]:
                del where[pfn]
        else:
            pfn = rng.choice(pages)
            va = pk.kmap(pfn)
            if va is None:
                blocked += 1
                assert len(held) == slots and pfn not in held, f"step {step}: blocked with a reusable slot"
                assert "pkmap_map_wait" in m.log[-1]
                continue
            assert window.start <= va < window.start + slots * m.page_size
            if refs.get(pfn):
                assert va == where[pfn], "a referenced page moved"
            assert va not in {v for p, v in where.items() if p != pfn}, "two pages share a pkmap address"
            refs[pfn] = refs.get(pfn, 0) + 1
            where[pfn] = va
            leaf = m.pagetable.walk(va)
            assert isinstance(leaf, Leaf) and leaf.pa_base == pfn * m.page_size
            assert m.mmu.translate(va + 100, "w") == pfn * m.page_size + 100
        assert pk.in_use() == sum(1 for n in refs.values() if n)
        pk.check_invariants()
    assert blocked > 0 or slots == 64
    for pfn, n in refs.items():
        for _ in range(n):
            pk.kunmap(pfn)
    with pytest.raises(SimError, match="kunmap_high"):
        pk.kunmap(next(iter(where)) if where else pages[0])
    assert pk.in_use() == 0


def test_lowmem_pages_need_no_slot():
    m = machine("ram=2G")
    pfn = m.alloc_pages(0)
    assert m.highmem.kmap(pfn) == m.page_address(pfn) and m.highmem.in_use() == 0
