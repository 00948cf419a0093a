"""How tall to draw a box: the diagram's vertical scale.

A memory map mixes a 4 KiB vector page with 3 GiB of user space (and a 64-bit
one a 16 EiB non-canonical hole), so a plain linear scale either hides the small
regions or runs off the page.  This module maps a size in bytes to a height in
points, pure and deterministic:

* ``linear``  -- height proportional to size inside a window of sizes chosen to
  draw as many boxes as possible to scale; smaller boxes are raised to the
  legible minimum, larger ones are cut to the maximum and *broken* (the diagram
  marks them with an axis break).
* ``log``     -- every doubling of size adds the same height; nothing is broken.
* ``uniform`` -- every box the same height (the picture is a list, not a map).
* ``auto``    -- the default: ``linear`` when every box is legible at a linear
  scale that fits on a page without a break, ``log`` otherwise.

Heights are minimums: Graphviz grows a box when its text or its nested regions
need more room.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

SCALES = ("auto", "linear", "log", "uniform")
DEFAULT_SCALE = "auto"

MIN_HEIGHT = 30.0  # points: two lines of 9 pt text (an address above, one below) plus padding
MAX_HEIGHT = 320.0  # points: the tallest box; taller ones are broken (linear) or impossible (log)
PAGE_HEIGHT = 1200.0  # points: what `auto` accepts for one space drawn linearly
LOG_STEP_MAX = 9.0  # points added per doubling of size, at most


@dataclass(frozen=True, slots=True)
class Extent:
    """The drawn height of one box, and whether the drawing cut it short."""

    points: float
    broken: bool = False


@dataclass(frozen=True, slots=True)
class Scale:
    mode: str  # linear, log, uniform (auto is resolved by `fit`)
    unit: float = 0.0  # linear: points per byte; log: points per doubling
    smallest: int = 1  # log: the size drawn at MIN_HEIGHT

    def extent(self, size: int) -> Extent:
        if size <= 0 or self.mode == "uniform":
            return Extent(MIN_HEIGHT)
        if self.mode == "log":
            doublings = max(0.0, math.log2(size / self.smallest))
            return Extent(round(MIN_HEIGHT + self.unit * doublings, 1))
        points = size * self.unit
        if points > MAX_HEIGHT:
            return Extent(MAX_HEIGHT, broken=True)
        return Extent(round(max(MIN_HEIGHT, points), 1))

    def describe(self) -> str:
        """One line for the diagram's legend."""
        if self.mode == "uniform":
            return "not to scale: every box has the same height"
        if self.mode == "log":
            return (f"log scale: each doubling of size adds {self.unit:g} pt of height "
                    f"(sizes differ more than they look)")
        return "linear scale; ≈ marks a box cut short (axis break), tiny boxes are raised to a legible height"


def fit(mode: str, sizes: Iterable[int]) -> Scale:
    """The scale for one diagram: ``sizes`` are every box's size (gaps and holes included)."""
    if mode not in SCALES:
        raise ValueError(f"unknown scale `{mode}` (one of {', '.join(SCALES)})")
    known = sorted(s for s in sizes if s > 0)
    if not known or mode == "uniform":
        return Scale("uniform")
    if mode == "auto":
        # linear without a break and with every box legible: the smallest box at
        # MIN_HEIGHT must leave the whole stack within a page
        unit = MIN_HEIGHT / known[0]
        if known[-1] * unit <= MAX_HEIGHT and sum(known) * unit <= PAGE_HEIGHT:
            return Scale("linear", unit)
        mode = "log"
    if mode == "log":
        span = math.log2(known[-1] / known[0])
        step = LOG_STEP_MAX if span == 0 else min(LOG_STEP_MAX, (MAX_HEIGHT - MIN_HEIGHT) / span)
        return Scale("log", round(step, 2), known[0])
    return Scale("linear", _linear_unit(known))


def _linear_unit(known: list[int]) -> float:
    """Points per byte that draws the most boxes exactly to scale.

    A box is to scale when its height lies in [MIN_HEIGHT, MAX_HEIGHT], so a
    window of sizes whose largest is MAX_HEIGHT / MIN_HEIGHT times its smallest;
    slide that window over the sorted sizes and keep the one holding the most
    boxes (the higher one on a tie, so fewer big boxes are broken).
    """
    ratio = MAX_HEIGHT / MIN_HEIGHT
    best_count, best_low = 0, known[0]
    for index, low in enumerate(known):
        count = sum(1 for size in known[index:] if size <= low * ratio)
        if count >= best_count:
            best_count, best_low = count, low
    return MIN_HEIGHT / best_low
