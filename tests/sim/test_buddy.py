"""The buddy allocator against SIM-REFERENCE §1/§2.8 facts and a bitmap reference model."""

from __future__ import annotations

import random

import pytest

from layoutc.sim.buddy import PageAllocator, Zone, min_free_kbytes, setup_pcp, setup_watermarks
from layoutc.sim.errors import SimError
from layoutc.sim.gfp import GFP_DMA, GFP_HIGHUSER, GFP_KERNEL, ZONE_DMA, ZONE_HIGHMEM, ZONE_NORMAL

from .refmodel import PageBitmap


def make_zone(index=ZONE_NORMAL, start=0, end=4096, max_order=10, free=None) -> Zone:
    zone = Zone(index, start, end, max_order)
    for s, e in ([(start, end)] if free is None else free):
        zone.managed_pages += zone.seed(s, e)
    zone.present_pages = end - start
    return zone


def test_split_keeps_lowest_pages_and_leaves_one_block_per_lower_order():
    zone = make_zone(end=1024)
    assert zone.nr_free() == [0] * 10 + [1]
    assert zone.rmqueue_smallest(0) == 0
    assert zone.nr_free() == [1] * 10 + [0]
    # the upper halves: page+1 (order 0), +2 (order 1), ... +512 (order 9)
    assert [list(area) for area in zone.free_area[:10]] == [[1 << o] for o in range(10)]


def test_free_merges_with_pfn_xor_buddy_back_to_max_order():
    zone = make_zone(end=1024)
    pfns = [zone.rmqueue_smallest(0) for _ in range(4)]
    assert pfns == [0, 1, 2, 3]
    for pfn in (2, 0, 3, 1):
        zone.free_one(pfn, 0)
    assert zone.nr_free() == [0] * 10 + [1]
    zone.check_invariants()


def test_buddy_of_0x1234_order_2_is_0x1230():
    zone = make_zone(start=0x1000, end=0x1400)
    blocks = []
    while True:
        pfn = zone.rmqueue_smallest(2)
        if pfn < 0:
            break
        blocks.append(pfn)
    assert 0x1234 in blocks and 0x1230 in blocks
    for pfn in blocks:
        if pfn not in (0x1234, 0x1230):
            zone.free_one(pfn, 2)
    zone.free_one(0x1234, 2)
    assert 0x1234 in zone.free_area[2]  # buddy still allocated: no merge
    zone.free_one(0x1230, 2)
    assert zone.nr_free()[10] == 1 and zone.free_pages == 0x400


def test_unaligned_zone_is_seeded_with_aligned_blocks_only():
    zone = make_zone(start=3, end=3000)
    zone.check_invariants()
    assert zone.free_pages == 2997
    for order, area in enumerate(zone.free_area):
        assert all(pfn % (1 << order) == 0 for pfn in area)


@pytest.mark.parametrize("lowmem_mib, expected", [(512, 2896), (768, 3547), (1024, 4096), (4096, 8192), (1, 128)])
def test_min_free_kbytes_examples(lowmem_mib, expected):
    assert min_free_kbytes(lowmem_mib * 1024) == expected


def test_watermarks_match_the_worked_arm32_example():
    normal = make_zone(ZONE_NORMAL, 0, 196608)
    high = make_zone(ZONE_HIGHMEM, 196608, 196608 + 65536)
    used = setup_watermarks([normal, high], 12)
    assert used == 3547
    assert normal.watermark == [886, 1107, 1328]
    assert high.watermark == [64, 137, 210]
    # lowmem_reserve of Normal against a HighMem request: 65536 / 32
    assert normal.lowmem_reserve[ZONE_HIGHMEM] == 2048 and high.lowmem_reserve == [0, 0, 0, 0]


def test_extfrag_and_unusable_index_examples():
    zone = make_zone(end=1024, free=[])
    for pfn in range(0, 200, 2):  # 100 isolated free pages
        zone.free_one(pfn, 0)
    assert zone.extfrag_index(3) == 865
    assert zone.extfrag_index(0) == -1000
    assert zone.unusable_index(0) == 0 and zone.unusable_index(1) == 1000
    empty = make_zone(end=1024, free=[])
    assert empty.extfrag_index(3) == 0 and empty.unusable_index(3) == 1000


def test_misuse_raises_with_function_name():
    zone = make_zone(end=1024)
    alloc = PageAllocator([None, None, zone], 10)
    pfn = alloc.alloc_pages(1)
    with pytest.raises(SimError, match="free_pages: .*order 1, freed with order 0"):
        alloc.free_pages(pfn, 0)
    alloc.free_pages(pfn, 1)
    with pytest.raises(SimError, match="free_pages: .*double free"):
        alloc.free_pages(pfn, 1)


def test_check_invariants_catches_a_corrupted_free_list():
    zone = make_zone(end=1024)
    zone.rmqueue_smallest(0)
    zone.free_area[3][5] = None  # unaligned head
    with pytest.raises(SimError, match="not aligned"):
        zone.check_invariants()


def test_zone_fallback_highmem_normal_dma():
    dma = make_zone(ZONE_DMA, 0, 1024)
    normal = make_zone(ZONE_NORMAL, 1024, 2048)
    high = make_zone(ZONE_HIGHMEM, 2048, 3072)
    zones = [dma, None, normal, high]
    for z in (dma, normal, high):
        z.watermark = [0, 0, 0]
    alloc = PageAllocator(zones, 10)
    got = [alloc.alloc_pages(10, GFP_HIGHUSER) for _ in range(4)]
    assert got == [2048, 1024, 0, None]
    assert alloc.alloc_pages(0, GFP_KERNEL) is None
    alloc.free_pages(2048, 10)
    assert alloc.alloc_pages(0, GFP_KERNEL) is None  # HighMem is not for GFP_KERNEL
    alloc.free_pages(0, 10)
    assert alloc.alloc_pages(0, GFP_DMA) == 0


def test_watermark_blocks_kernel_allocation_before_memory_runs_out():
    zone = make_zone(end=4096)
    setup_watermarks([zone], 12)
    alloc = PageAllocator([None, None, zone], 10)
    count = 0
    while alloc.alloc_pages(0) is not None:
        count += 1
    # stopped above the min mark (the slow path's limit), not at zero
    assert 4096 - zone.watermark[0] - zone.pcp_batch - 2 <= count < 4096
    assert zone.free_pages + zone.pcp_count >= zone.watermark[0]


def _random_workload(seed: int, steps: int, zones_spec, pcp: bool):
    rng = random.Random(seed)
    zones = [None, None, None, None]
    spans, free = {}, []
    for index, start, end, holes in zones_spec:
        ranges, cursor = [], start
        for hs, he in holes:
            ranges.append((cursor, hs))
            cursor = he
        ranges.append((cursor, end))
        zone = make_zone(index, start, end, free=ranges)
        zone.watermark = [0, 0, 0]
        if pcp:
            setup_pcp(zone, 4096)
            zone.pcp_batch, zone.pcp_high = 7, 31
        else:
            zone.pcp_high = -1  # every free drains straight to the buddy
        zones[index] = zone
        spans[zone.name] = (start, end)
        free += ranges
    alloc = PageAllocator(zones, 10)
    ref = PageBitmap(spans, free)
    live: list[tuple[int, int]] = []
    gfps = [(GFP_KERNEL, ["Normal", "DMA"]), (GFP_HIGHUSER, ["HighMem", "Normal", "DMA"]), (GFP_DMA, ["DMA"])]
    for step in range(steps):
        if live and rng.random() < 0.45:
            pfn, order = live.pop(rng.randrange(len(live)))
            alloc.free_pages(pfn, order)
            ref.free(pfn, order)
        else:
            order = rng.choice((0, 0, 0, 0, 1, 2, 3, 4, 6, 10))
            gfp, allowed = rng.choice(gfps)
            allowed = [n for n in allowed if n in spans]
            pfn = alloc.alloc_pages(order, gfp)
            if pfn is None:
                assert not ref.can_alloc(order, allowed), f"step {step}: buddy failed order {order}, reference fits"
            else:
                assert ref.zone_of(pfn) in allowed
                ref.alloc(pfn, order)
                live.append((pfn, order))
        if step % 97 == 0:
            alloc.check_invariants()
            for zone in alloc.populated:
                assert zone.free_pages + zone.pcp_count == ref.free_pages(zone.name)
    alloc.check_invariants()
    for pfn, order in live:
        alloc.free_pages(pfn, order)
    alloc.drain_all()
    alloc.check_invariants()
    for zone in alloc.populated:
        assert zone.free_pages == ref.free_pages(zone.name) + sum(
            1 << o for p, o in live if ref.zone_of(p) == zone.name)


ZONE_SETS = {
    "one-zone": [(ZONE_NORMAL, 0, 8192, [])],
    "dma-normal-highmem-holes": [(ZONE_DMA, 16, 2048, [(100, 131)]), (ZONE_NORMAL, 2048, 6000, [(4096, 4100)]),
                                 (ZONE_HIGHMEM, 6000, 9000, [])],
}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("zones", list(ZONE_SETS), ids=list(ZONE_SETS))
@pytest.mark.parametrize("pcp", [False, True], ids=["no-pcp", "pcp"])
def test_random_workload_matches_bitmap_reference(seed, zones, pcp):
    _random_workload(seed, 1500, ZONE_SETS[zones], pcp)


@pytest.mark.parametrize("seed", range(8))
def test_bulk_refill_takes_what_single_takes_would(seed):
    """rmqueue_bulk must leave the same free lists, in the same list order, as repeated rmqueue_smallest."""
    rng = random.Random(seed)
    bulk, single = make_zone(end=8192), make_zone(end=8192)
    held = []
    for _ in range(300):  # the same fragmenting history on both
        if held and rng.random() < 0.4:
            pfn, order = held.pop(rng.randrange(len(held)))
            bulk.free_one(pfn, order)
            single.free_one(pfn, order)
        else:
            order = rng.choice((0, 0, 1, 2, 3, 5))
            pfn = bulk.rmqueue_smallest(order)
            assert single.rmqueue_smallest(order) == pfn
            if pfn >= 0:
                held.append((pfn, order))
    for _ in range(20):
        order, count = rng.choice((0, 1, 2, 3)), rng.choice((1, 2, 7, 15, 31, 63, 200))
        taken = bulk.rmqueue_bulk(order, count)
        expected = []
        for _ in range(count):
            pfn = single.rmqueue_smallest(order)
            if pfn < 0:
                break
            expected.append(pfn)
        assert taken == expected
        assert [list(area) for area in bulk.free_area] == [list(area) for area in single.free_area]
        assert bulk.nonempty == single.nonempty and bulk.free_pages == single.free_pages
    bulk.check_invariants()


class PlainAllocator(PageAllocator):
    """The same zones driven the obvious way: every request walks the zonelist and tests the
    watermark; every per-CPU free counts the pages on the lists.  No fast-path table, no triggers."""

    def alloc_pages(self, order, gfp=GFP_KERNEL):
        return self._alloc(order, gfp)

    def free_pages(self, pfn, order):
        home = self._tags[pfn] if 0 <= pfn < len(self._tags) else None
        if home is None or home.order != order:
            raise SimError("free_pages", "bad free")
        self._tags[pfn] = None
        if order > 3:
            home.zone.free_one(pfn, order)
            return
        home.append(pfn)
        zone = home.zone
        if zone.pcp_count >= zone.pcp_high:  # free_unref_page_commit: `pcp->count >= high`
            zone.drain_pcp(zone.pcp_batch)


def _small_machine():
    dma = make_zone(ZONE_DMA, 0, 600, free=[(8, 600)])
    normal = make_zone(ZONE_NORMAL, 600, 2600, free=[(600, 1500), (1530, 2600)])
    high = make_zone(ZONE_HIGHMEM, 2600, 3400)
    zones = [dma, normal, high]
    setup_watermarks(zones, 12, min_kbytes=600)  # large marks for the size: the tests flip often
    for zone in zones:
        setup_pcp(zone, 4096)
        zone.pcp_batch, zone.pcp_high = 15, 40
        zone.arm_pcp()
    return [dma, None, normal, high]


@pytest.mark.parametrize("seed", range(6))
def test_fast_path_decides_exactly_like_the_plain_walk(seed):
    """Gates and triggers are shortcuts: the same requests must get the same pages, fail the same way."""
    rng = random.Random(seed)
    fast, plain = PageAllocator(_small_machine(), 10), PlainAllocator(_small_machine(), 10)
    assert fast.zones[2].watermark[1] > 50  # the low mark matters in a 2000-page zone
    refreshes = []
    fast._refresh = lambda refresh=fast._refresh: refreshes.append(1) or refresh()
    for zone in fast.populated:
        zone.on_gate = fast._refresh
    live: list[tuple[int, int]] = []
    fails = 0
    for step in range(2500):
        if live and rng.random() < (0.25 if step % 800 < 600 else 0.75):
            pfn, order = live.pop(rng.randrange(len(live)))
            fast.free_pages(pfn, order)
            plain.free_pages(pfn, order)
        else:
            order = rng.choice((0, 0, 0, 1, 2, 3, 4, 5))
            gfp = rng.choice((GFP_KERNEL, GFP_HIGHUSER, GFP_DMA))
            pfn = fast.alloc_pages(order, gfp)
            assert pfn == plain.alloc_pages(order, gfp), f"step {step}"
            if pfn is None:
                fails += 1
            else:
                live.append((pfn, order))
        fast.check_invariants()
        if step % 50 == 0:
            for a, b in zip(fast.populated, plain.populated):
                assert [list(x) for x in a.free_area] == [list(x) for x in b.free_area]
                assert [list(p) for p in a.pcp] == [list(p) for p in b.pcp]
    assert fails > 0 and len(refreshes) > 20  # the workload did cross the watermarks, often
