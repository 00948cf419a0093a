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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SCALES = ("auto", "linear", "log", "uniform")
DEFAULT_SCALE = "auto"

MIN_HEIGHT = 30.0  # points: two lines of 9 pt text (an address above, one below) plus padding
MAX_HEIGHT = 320.0  # points: the tallest box; taller ones are broken (linear) or impossible (log)
ROW_BUDGET = 64.0  # points: what a stack may use per box on average (log), or in all (auto's linear test)
LOG_STEP_MAX = 8.0  # points added per doubling of size, at most...
LOG_STEP_MIN = 1.5  # ...and at least, so that bigger still looks bigger


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

    def describe(self, broken: bool = False) -> str:
        """One line for the diagram's legend."""
        if self.mode == "uniform":
            return "Not to scale: every box has the same height; read the sizes printed in the boxes."
        if self.mode == "log":
            return (f"Not to scale: box height grows with log2(size), {self.unit:g} pt per doubling; "
                    "read the sizes printed in the boxes.")
        text = "Linear scale: box height proportional to size; tiny boxes are raised to a legible height"
        return text + ("; ≈ marks a box cut short (axis break)." if broken else ".")


def fit(mode: str, stacks: Sequence[Sequence[int]], nested: Iterable[int] = ()) -> Scale:
    """The scale for one diagram.

    ``stacks`` holds, per drawn address space, the sizes of its top-level boxes
    (gaps and holes included): their heights add up to the picture's height.
    ``nested`` are the sizes of boxes drawn inside others; they only widen the
    range of sizes to tell apart.
    """
    if mode not in SCALES:
        raise ValueError(f"unknown scale `{mode}` (one of {', '.join(SCALES)})")
    columns = [[s for s in stack if s > 0] for stack in stacks]
    known = sorted(s for column in columns for s in column) + sorted(s for s in nested if s > 0)
    known.sort()
    if not known or mode == "uniform":
        return Scale("uniform")
    if mode == "auto":
        # linear when the smallest box at MIN_HEIGHT leaves every stack within its budget
        unit = MIN_HEIGHT / known[0]
        if known[-1] * unit <= MAX_HEIGHT and all(sum(c) * unit <= ROW_BUDGET * len(c) for c in columns if c):
            return Scale("linear", unit)
        mode = "log"
    if mode == "log":
        return Scale("log", _log_step(columns, known), known[0])
    return Scale("linear", _linear_unit(known))


def _log_step(columns: list[list[int]], known: list[int]) -> float:
    """Points per doubling: as many as the page allows, within the step bounds.

    The page is ROW_BUDGET points per box of the stack with the most boxes;
    every stack must fit in it (a short stack of huge gaps must not flatten the
    scale of a long one).
    """
    smallest = known[0]
    step = LOG_STEP_MAX
    span = math.log2(known[-1] / smallest)
    if span > 0:
        step = min(step, (MAX_HEIGHT - MIN_HEIGHT) / span)
    page = ROW_BUDGET * max(len(column) for column in columns)
    for column in columns:
        doublings = sum(math.log2(size / smallest) for size in column)
        if doublings > 0:
            step = min(step, (page - MIN_HEIGHT * len(column)) / doublings)
    return round(max(LOG_STEP_MIN, step), 2)


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
