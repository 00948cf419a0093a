"""vmalloc against an obvious model: a sorted list of busy ranges, first fit by scanning from the bottom."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from layoutc.session import load_layout
from layoutc.sim.boot import boot
from layoutc.sim.errors import SimError
from layoutc.sim.pagetable.format import Leaf
from layoutc.sim.vmalloc import VmallocSpace, vmallocinfo

ROOT = Path(__file__).resolve().parents[2]
PAGE = 4096


def machine(path, *defines):
    result = load_layout(str(ROOT / "layouts" / path), list(defines))
    assert result.layout is not None and not result.errors
    return boot(result.layout)


class BusyRanges:
    """The reference: busy [start, end) ranges; an allocation takes the lowest gap that fits."""

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end
        self.busy: dict[int, int] = {}  # start -> end (guard page included)

    def fit(self, need: int) -> int | None:
        cursor = self.start
        for start, end in sorted(self.busy.items()):
            if start - cursor >= need:
                return cursor
            cursor = end
        return cursor if self.end - cursor >= need else None

    def largest_gap(self) -> int:
        cursor, best = self.start, 0
        for start, end in sorted(self.busy.items()):
            best, cursor = max(best, start - cursor), end
        return max(best, self.end - cursor)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("layout, defines", [("arm32.kl", ("ram=1G",)), ("arm64.kl", ("ram=512M",))], ids=["arm32", "arm64"])
def test_random_workload_matches_first_fit_reference(seed, layout, defines):
    rng = random.Random(seed)
    m = machine(layout, *defines)
    window = m.windows["vmalloc"]
    start = (window.start + window.size // 2) & ~((2 << 20) - 1)  # clear of the arm64 kernel image
    space = VmallocSpace(m, start, start + (3 << 20))  # a 3 MiB window fills up: failures happen
    ref = BusyRanges(space.start, space.end)
    live: list[int] = []
    fails = 0
    for step in range(400):
        if live and rng.random() < 0.45:
            va = live.pop(rng.randrange(len(live)))
            pages = list(space.busy[va].pages)
            space.vfree(va)
            del ref.busy[va]
            for i in range(len(pages)):  # unmapped again
                assert not isinstance(m.pagetable.walk(va + i * PAGE), Leaf)
            with pytest.raises(SimError, match="vfree: .*nonexistent"):
                space.vfree(va)
        else:
            size = rng.choice([1, PAGE, 3 * PAGE + 5, 8 * PAGE, 16 * PAGE, 40 * PAGE, 128 * PAGE])
            need = -(-size // PAGE) * PAGE + PAGE  # rounded up, plus the guard page
            expected = ref.fit(need)
            va = space.vmalloc(size)
            assert va == expected, f"step {step}: size {size} -> {va} (reference {expected})"
            if va is None:
                fails += 1
                assert "failed" in m.log[-2] or "failed" in m.log[-1]
                continue
            ref.busy[va] = va + need
            live.append(va)
            area = space.busy[va]
            assert area.size == need and len(area.pages) == need // PAGE - 1
            for i, pfn in enumerate(area.pages):  # each page backed and mapped through the tables
                leaf = m.pagetable.walk(va + i * PAGE)
                assert isinstance(leaf, Leaf) and leaf.pa_base == pfn * PAGE
                assert m.mmu.translate(va + i * PAGE + 12, "w") == pfn * PAGE + 12
            assert not isinstance(m.pagetable.walk(va + need - PAGE), Leaf)  # the guard page
        assert space.largest_hole() == ref.largest_gap()
        if step % 40 == 0:
            m.check_invariants()
    assert fails > 0
    lines = vmallocinfo(space).splitlines()
    starts = [int(line.split("-")[0], 16) for line in lines]
    assert starts == sorted(ref.busy) and all(f" {ref.busy[s] - s:7d} " in line for s, line in zip(starts, lines))
    assert space.nr_pages == sum((end - s) // PAGE - 1 for s, end in ref.busy.items())
    for va in live:
        space.vfree(va)
    assert space.holes == [(space.start, space.end)]
    m.check_invariants()


def test_arm64_kernel_image_is_a_vmap_area_vmalloc_goes_around():
    m = machine("arm64.kl")
    va, _, size = m.kernel_image
    assert m.windows["vmalloc"].start == va  # the image sits at the bottom of the vmalloc space
    first = m.vmalloc.vmalloc(8192)
    assert first == va + size  # lowest fit above the image, whose area has no guard page
    lines = vmallocinfo(m.vmalloc).splitlines()
    # map_kernel(): the image as its five segments (text .. data), the first at the image's start
    assert lines[0].startswith(f"0x{va:016x}-") and lines[0].endswith(" vmap") and "map_kernel+0x0/0x0" in lines[0]
    assert lines[4].split()[0].endswith(f"-0x{va + size:016x}")
    assert lines[5].endswith(" pages=2 vmalloc")
    m.check_invariants()
