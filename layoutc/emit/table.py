"""The evaluated layout as a memory-map table, in the style of the kernel's memory documentation.

``rows`` is the one place that orders regions, finds the gaps between them and
marks holes; ``layoutc show`` prints it as text, the Markdown/RST emitters
format the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import intervals
from ..model.types import Layout, Region, Space, is_known

if TYPE_CHECKING:
    from ..model.types import KnownHole, KnownRegion
from ..model.values import human_size


@dataclass(frozen=True, slots=True)
class Row:
    start: int
    end: int  # exclusive
    kind: str  # "region", "gap", "hole"
    name: str
    description: str
    depth: int = 0
    region_kind: str = ""

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def last(self) -> int:
        """Inclusive end, as the kernel docs print it."""
        return self.end - 1


def rows(layout: Layout, space: Space) -> list[Row]:
    """Regions in address order (children under their parent), with gaps and holes between them."""
    present = [r for r in space.regions if is_known(r) and r.start <= r.end]  # inverted ones are B302 findings
    by_parent: dict[str | None, list[KnownRegion]] = {}
    for region in present:
        by_parent.setdefault(region.parent, []).append(region)
    for group in by_parent.values():
        group.sort(key=lambda r: (r.start, -r.end))
    holes = sorted((h for h in space.holes if is_known(h)), key=lambda h: h.start)

    out: list[Row] = []

    def describe(region: Region) -> str:
        text = region.doc or region.label or ""
        return text

    def emit(region: KnownRegion, depth: int) -> None:
        out.append(Row(region.start, region.end, "region", region.name, describe(region), depth, region.kind))
        for child in by_parent.get(region.name, []):
            emit(child, depth + 1)

    top = by_parent.get(None, [])
    covered = [(r.start, r.end) for r in top] + [(h.start, h.end) for h in holes]
    items: list[tuple[int, int, KnownRegion | KnownHole | None]] = [(r.start, 0, r) for r in top]
    items += [(h.start, 1, h) for h in holes]
    gaps = {start: end for start, end in intervals.gaps(covered, 0, space.limit)}
    items += [(start, 2, None) for start in gaps]
    for start, _, item in sorted(items, key=lambda t: (t[0], t[1])):
        if item is None:
            out.append(Row(start, gaps[start], "gap", "", "unused"))
        elif isinstance(item, Region):
            emit(item, 0)
        else:
            out.append(Row(item.start, item.end, "hole", item.name or "hole", item.reason))
    return out


def text_table(layout: Layout, space: Space) -> str:
    digits = max(8, (space.bits + 3) // 4)
    header = f"{'start':>{digits}}   {'end (incl.)':>{digits}}   {'size':>8}   region"
    rule = "=" * max(len(header), 2 * digits + 40)
    lines = [f"space {space.name} ({space.bits}-bit)", rule, header, rule]
    for row in rows(layout, space):
        name = "  " * row.depth + (row.name if row.kind == "region" else f"[{row.name or row.kind}]")
        description = f"  {row.description}" if row.description else ""
        lines.append(f"{row.start:0{digits}x} | {row.last:0{digits}x} | {human_size(row.size):>8} | {name}{description}")
    lines.append(rule)
    return "\n".join(lines)
