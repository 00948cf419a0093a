"""Box heights (layoutc/draw/scale.py): every box legible, bigger never shorter, huge boxes broken.

Sizes below are arm32's (Documentation/arch/arm/memory.rst: 4 KiB vector page, 14 MiB
modules, 240 MiB vmalloc, 768 MiB lowmem, 3 GiB user) and x86_64's 16 EiB
non-canonical hole; the expectations follow from the definitions in the module
docstring, not from an earlier run.
"""

from __future__ import annotations

import itertools
import math

import pytest

from layoutc.draw import scale
from layoutc.draw.scale import MAX_HEIGHT, MIN_HEIGHT, fit

K, M, G = 1 << 10, 1 << 20, 1 << 30
ARM32 = [4 * K, 3 * G - 16 * M, 14 * M, 2 * M, 768 * M, 8 * M, 240 * M, 4 * M, 512 * K, 2560 * K, 960 * K,
         4 * K, 28 * K, 32 * K]
X86_64 = [128 << 40, (1 << 64) - (256 << 40), 8 << 40, 64 << 40, 32 << 40, 4 * K, 2 * M]


@pytest.mark.parametrize("mode", scale.SCALES)
@pytest.mark.parametrize("sizes", [ARM32, X86_64, [4 * K], [1, 1 << 64]], ids=["arm32", "x86_64", "one", "extremes"])
def test_every_box_is_legible_and_bigger_is_never_shorter(mode, sizes):
    chosen = fit(mode, [sizes])
    heights = {size: chosen.extent(size).points for size in sizes}
    assert all(h >= MIN_HEIGHT for h in heights.values())
    assert all(h <= MAX_HEIGHT for h in heights.values())
    for a, b in itertools.combinations(sorted(sizes), 2):
        assert heights[a] <= heights[b], (a, b)


def test_log_is_the_auto_choice_when_sizes_span_orders_of_magnitude():
    chosen = fit("auto", [ARM32])
    assert chosen.mode == "log"
    # in log mode each doubling adds the same height
    a, b, c = (chosen.extent(s).points for s in (1 * M, 2 * M, 4 * M))
    assert b - a == pytest.approx(c - b, abs=0.11)
    assert b > a


def test_auto_is_linear_when_every_box_fits_to_scale():
    sizes = [64 * K, 128 * K, 256 * K, 64 * K]  # a small MCU map: ratio 4
    chosen = fit("auto", [sizes])
    assert chosen.mode == "linear"
    h64, h128, h256 = (chosen.extent(s).points for s in (64 * K, 128 * K, 256 * K))
    assert h128 == pytest.approx(2 * h64, rel=0.01) and h256 == pytest.approx(4 * h64, rel=0.01)
    assert not any(chosen.extent(s).broken for s in sizes)


def test_linear_breaks_only_boxes_taller_than_the_page_allows():
    chosen = fit("linear", [ARM32])
    broken = {s for s in ARM32 if chosen.extent(s).broken}
    assert 3 * G - 16 * M in broken  # user space cannot be drawn to scale beside a 4 KiB page
    assert 4 * K not in broken
    assert all(chosen.extent(s).points == MAX_HEIGHT for s in broken)
    # the boxes drawn to scale really are proportional
    exact = [s for s in ARM32 if MIN_HEIGHT < chosen.extent(s).points < MAX_HEIGHT]
    assert len(exact) >= 2
    for a, b in itertools.combinations(exact, 2):
        assert chosen.extent(a).points / chosen.extent(b).points == pytest.approx(a / b, rel=0.02)


def test_log_fits_a_stack_in_its_page_budget():
    chosen = fit("log", [ARM32])
    total = sum(chosen.extent(s).points for s in ARM32)
    assert total <= scale.ROW_BUDGET * len(ARM32) + 1


def test_log_keeps_a_minimum_step_on_a_long_64_bit_stack():
    """28 boxes spanning 4 KiB .. 16 EiB: the page budget gives way before sizes stop looking different."""
    chosen = fit("log", [X86_64 * 4])
    assert chosen.unit == scale.LOG_STEP_MIN
    assert chosen.extent(1 << 64).points - chosen.extent(4 * K).points >= 52 * scale.LOG_STEP_MIN - 0.1


def test_a_short_stack_of_huge_gaps_does_not_flatten_a_long_one():
    """The physical space (3 boxes of gigabytes) must not dictate the virtual space's scale."""
    alone = fit("log", [ARM32])
    together = fit("log", [ARM32, [1536 * M, 1 * G, 1536 * M]])
    assert together.unit == alone.unit


def test_uniform_draws_every_box_alike():
    chosen = fit("uniform", [ARM32])
    assert {chosen.extent(s).points for s in ARM32} == {MIN_HEIGHT}


def test_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="unknown scale"):
        fit("cubic", [ARM32])


def test_describe_says_what_the_heights_mean():
    assert "log2" in fit("log", [ARM32]).describe()
    assert "≈" in fit("linear", [ARM32]).describe(broken=True)
    assert "same height" in fit("uniform", [ARM32]).describe()
    assert math.isfinite(fit("log", [[1]]).unit)
