"""Layout diagrams as Graphviz DOT: the emitter behind `layoutc render` and `layoutc build`.

Pure: model (plus the diagnostics found on it) -> DOT text, deterministic.  It
reads the model and ``emit.table.rows`` (the one place that orders regions and
finds gaps and holes); it never runs Graphviz -- ``draw.run_dot`` does that.

Picture::

      virtual (32-bit)                       physical (32-bit)
    +--------------------+
    | 0xffffffff         |
    |      vectors 4 kB  |
    +--------------------+
    :  unused  960 kB    :                  +---------------------+
    +--------------------+                  | ram  1 GB           |
    | lowmem  768 MB  +------------------------>  low_ram 768 MB  |
    |  [ .text 6 MB ] |  | va = pa + 0x60000000                   |
    +--------------------+                  +---------------------+

Each space is one node whose HTML-like label is a table: one row per region,
gap or hole, highest address on top; a region with nested regions holds a
table of its own.  Every piece of user text (names, labels, docs, titles,
diagnostic messages) goes through ``html_text``: nothing a layout file says can
become markup in the DOT or the SVG.
"""

from __future__ import annotations

import html
import itertools
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, Severity
from ..emit.base import EmitOptions, Emitter, register
from ..model import intervals
from ..model.types import Layout, Region, Space, is_known
from ..model.values import format_address, format_size, human_size
from . import scale as scales

if TYPE_CHECKING:
    from ..model.types import KnownRegion

FONT = "Helvetica,Arial,sans-serif"
MONO = "Courier New,Courier,monospace"

# Fill colours by region kind: light, so black text stays readable, and never
# red -- red is kept for problems, so that a clean layout has none.  The linear
# map and the RAM it maps share a green; kernel image yellow; user space blue.
KIND_COLOURS: dict[str, str] = {
    "user": "#cfe3f7",
    "linear": "#bfe5bf",
    "ram": "#dcf2d4",
    "image": "#ffe38a",
    "vmalloc": "#ddd0f2",
    "modules": "#fbe0b8",
    "pkmap": "#c4ebe8",
    "fixmap": "#dde3f6",
    "vectors": "#f3eda0",
    "io": "#cfe6da",
    "dma": "#eadbc6",
    "firmware": "#efdcf2",
    "kasan": "#e8e0fa",
    "vmemmap": "#d9ead0",
    "cpu_entry": "#f1e4cc",
    "tcm": "#cde9f2",
    "reserved": "#e4e4e4",
    "guard": "#f0f0f0",
}
# kinds the table above does not know get one of these, chosen by a stable hash of the name
SPARE_COLOURS = ("#d6e4ee", "#e6eed6", "#eee2d6", "#e2d6ee", "#d6eee6", "#eeead6")
GAP_FILL, GAP_LINE = "#ffffff", "#8c8c8c"
HOLE_FILL = "#b8b8b8"
LINE = "#4d4d4d"
MUTED = "#5c5c5c"
MAP_EDGE = "#2f7d32"
WARN_LINE = "#c98a00"  # amber: a warning names the region
# problems -- the only reds in a picture
PROBLEM_LINE = "#d00000"
PROBLEM_FILL = "#ffd9d9"
PROBLEM_TEXT = "#b00000"

BAND_FILL = {"user": "#e6f0fa", "kernel": "#f1efe9"}
BOX_WIDTH = 250  # points: the narrowest leaf box, so that columns line up
MAX_FINDINGS = 24  # findings listed in the caption; the rest are counted


@dataclass(frozen=True)
class DrawOptions:
    space: str | None = None  # one address space; None = all, side by side
    scale: str = scales.DEFAULT_SCALE


@dataclass(frozen=True)
class Panel:
    """One picture of a gallery: a variant of a layout and what was found on it."""

    caption: str  # "vmsplit=2G"
    layout: Layout | None
    diagnostics: tuple[Diagnostic, ...] = ()


# ------------------------------------------------------------------ text


def html_text(text: str) -> str:
    """User text as the content of a Graphviz HTML-like label: no markup, no escapes, no control characters.

    Markup characters become entities; a backslash is doubled because Graphviz
    expands ``\\N``, ``\\G`` (node and graph names) even inside HTML labels;
    newlines become ``<BR/>``; characters XML cannot carry become spaces.
    """
    clean = "".join(ch if ch == "\n" or (ch >= " " and ch not in "\x7f\ufffe\uffff") else " " for ch in text)
    return html.escape(clean, quote=True).replace("\\", "\\\\").replace("\n", "<BR/>")


def html_attr(text: str) -> str:
    """User text as an attribute value of an HTML-like label (a tooltip): as ``html_text``, newlines kept."""
    return "&#10;".join(html_text(part) for part in text.split("\n"))


def size_text(size: int) -> str:
    """Human size; exbibytes too (``human_size`` stops at PB, and a 64-bit hole is 16 EB)."""
    if size >= 1 << 60:
        value = size / (1 << 60)
        return f"{value:.1f} EB".replace(".0 ", " ")
    return human_size(size)


def _font(text: str, size: float | None = None, colour: str | None = None, face: str | None = None) -> str:
    attrs = ""
    if face:
        attrs += f' FACE="{face}"'
    if size:
        attrs += f' POINT-SIZE="{size:g}"'
    if colour:
        attrs += f' COLOR="{colour}"'
    return f"<FONT{attrs}>{text}</FONT>"


def kind_colour(kind: str) -> str:
    if kind in KIND_COLOURS:
        return KIND_COLOURS[kind]
    return SPARE_COLOURS[zlib.crc32(kind.encode("utf-8")) % len(SPARE_COLOURS)]


# ------------------------------------------------------------------ boxes


@dataclass(frozen=True)
class Box:
    """One row of a stack: a region, a gap, a hole, the rest of a parent, or an overlap mark."""

    kind: str  # region, gap, hole, part, overlap
    start: int
    end: int
    name: str
    text: str  # region label, hole reason, overlap description
    region: Region | None = None
    children: tuple[Box, ...] = ()  # ascending addresses

    @property
    def size(self) -> int:
        return self.end - self.start


def stacks(layout: Layout, space: Space) -> list[Box]:
    """The space's top-level boxes in ascending address order, regions holding their nested ones."""
    from ..emit.table import rows

    table = rows(layout, space)
    by_name: dict[str, list[Region]] = {}
    for region in space.regions:
        if is_known(region):
            by_name.setdefault(region.name, []).append(region)
    position = 0

    def region_of(row) -> Region | None:
        for region in by_name.get(row.name, ()):
            if (region.start, region.end) == (row.start, row.end):
                return region
        return None

    def take(depth: int) -> list[Box]:
        nonlocal position
        out: list[Box] = []
        while position < len(table) and table[position].depth == depth:
            row = table[position]
            position += 1
            if row.kind == "region":
                children = take(depth + 1)
                region = region_of(row)
                label = region.label if region is not None else row.description
                box = Box("region", row.start, row.end, row.name, label, region)
                out.append(_with_parts(box, children) if children else box)
            else:
                out.append(Box(row.kind, row.start, row.end, row.name, row.description))
        return out

    return take(0)


def _with_parts(parent: Box, children: list[Box]) -> Box:
    """Nested regions plus the parts of the parent they leave, in address order."""
    covered = [(c.start, c.end) for c in children]
    parts = [Box("part", a, b, parent.name, "") for a, b in intervals.gaps(covered, parent.start, parent.end)]
    ordered = sorted([*children, *parts], key=lambda b: (b.start, b.kind == "part"))
    return Box(parent.kind, parent.start, parent.end, parent.name, parent.text, parent.region, tuple(ordered))


def _nested_sizes(boxes: Sequence[Box]) -> list[int]:
    sizes: list[int] = []
    for box in boxes:
        for child in box.children:
            sizes.append(child.size)
        sizes.extend(_nested_sizes(box.children))
    return sizes


def _fit(mode: str, columns: Sequence[Sequence[Box]]) -> scales.Scale:
    return scales.fit(mode, [[box.size for box in column] for column in columns],
                      [size for column in columns for size in _nested_sizes(column)])


# ------------------------------------------------------------------ problems


@dataclass(frozen=True)
class Problems:
    """What the diagnostics say about the picture: regions to draw red (or amber) and overlaps to mark."""

    severity: dict[tuple[str, str], Severity]  # (space, region) -> worst severity naming it
    overlaps: tuple[tuple[str, str, str, int, int], ...]  # (space, lower region, upper region, start, end)
    findings: tuple[Diagnostic, ...]

    @property
    def any_error(self) -> bool:
        return any(s is Severity.ERROR for s in self.severity.values()) or bool(self.overlaps)


def problems(layout: Layout, diagnostics: Sequence[Diagnostic]) -> Problems:
    severity: dict[tuple[str, str], Severity] = {}
    overlaps: list[tuple[str, str, str, int, int]] = []
    by_name: dict[str, list[Region]] = {}  # one pass over the regions, not one per finding and name
    for region in layout.regions():
        if is_known(region):
            by_name.setdefault(region.name, []).append(region)
    for diagnostic in diagnostics:
        level = diagnostic.severity if diagnostic.severity is not None else Severity.ERROR
        if level is Severity.NOTE:
            continue
        found = [_find(by_name.get(name, []), diagnostic) for name in diagnostic.regions]
        named = [r for r in found if r is not None]
        for region in named:
            key = (region.space, region.name)
            severity[key] = max(severity.get(key, level), level)
        if level is not Severity.ERROR:
            continue
        for index, a in enumerate(named):
            for b in named[index + 1:]:
                if a.space != b.space or a.parent != b.parent or not (is_known(a) and is_known(b)):
                    continue
                common = intervals.intersection((a.start, a.end), (b.start, b.end))
                if common is not None:
                    low, high = sorted((a, b), key=lambda r: (r.start, r.end))
                    overlaps.append((a.space, low.name, high.name, *common))
    return Problems(severity, tuple(sorted(set(overlaps))), tuple(diagnostics))


def _find(candidates: Sequence[Region], diagnostic: Diagnostic) -> Region | None:
    """The region a diagnostic names, of the known ``candidates`` of that name; when two spaces have one
    of that name, the one its spans point into."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    spans = [diagnostic.span, *(label.span for label in diagnostic.labels)]
    for region in candidates:
        for span in spans:
            if span is not None and span.file is region.span.file and region.span.start <= span.start < region.span.end:
                return region
    return candidates[0]


# ------------------------------------------------------------------ HTML labels


def _sides(boxes: Sequence[Box | None]) -> list[str]:
    """"user" or "kernel" per stacked box (highest first), from the regions' `access`.

    A gap, hole or overlap mark takes the side of its neighbours when they
    agree, of its one neighbour at either end of the space, and no side between
    user and kernel space (the non-canonical hole of a 64-bit space).
    """
    known = [box.region.access if box is not None and box.region is not None else "" for box in boxes]
    # the nearest side above and below each box: one pass each way, not a search per box
    above: list[str | None] = []
    last: str | None = None
    for side in known:
        above.append(last)
        last = side or last
    below: list[str | None] = [None] * len(known)
    last = None
    for index in range(len(known) - 1, -1, -1):
        below[index] = last
        last = known[index] or last
    sides = list(known)
    for index, side in enumerate(known):
        if not side and (above[index] is None or below[index] is None or above[index] == below[index]):
            sides[index] = above[index] or below[index] or ""
    return sides


def _band(side: str, rows: int) -> str:
    """The strip left of a stack saying which part is user space and which the kernel's."""
    if not side:
        return f'<TD ROWSPAN="{rows}"></TD>'
    fill = BAND_FILL.get(side, GAP_FILL)
    text = _font(f"<B>{html_text(side)}</B><BR/>space", 10, MUTED)
    return f'<TD ROWSPAN="{rows}" BGCOLOR="{fill}" WIDTH="48" CELLPADDING="2">{text}</TD>'


def _address_width(space: Space) -> int:
    """Points a 9 pt monospace address takes (0.6 em a character) plus the cell padding."""
    return round(len(format_address(0, space.bits)) * 5.4 + 4)


Overlap = tuple[str, str, int, int]  # an overlap mark in a stack: lower region, upper region, start, end


class _Drawing:
    """One layout's spaces as HTML-like labels, written piece by piece; hands out ports for the arrows.

    Construction surveys the boxes for what the arrows, the caption and the legend need (ports,
    kinds, gaps, holes, axis breaks, user/kernel bands); ``space_label`` then yields a label's
    text in pieces as it is written out, so that a picture of thousands of regions is never
    held whole (``Dot``).
    """

    def __init__(self, layout: Layout, scale: scales.Scale, found: Problems, spaces: Sequence[Space],
                 columns: Sequence[Sequence[Box]], prefix: str = "") -> None:
        self.layout = layout
        self.prefix = prefix
        self.scale = scale
        self.found = found
        self.ports: dict[tuple[str, str], str] = {}  # (space, region) -> port, for the arrows
        self._port: dict[int, str] = {}  # id(box) -> port of its cell
        self.kinds: set[str] = set()
        self.has_gap = self.has_hole = self.has_break = self.band = False
        self._stacks: dict[str, tuple[list[Box | Overlap], list[str], bool]] = {}
        for space, boxes in zip(spaces, columns):
            stacked = self.stack(space, boxes)
            sides = _sides([entry if isinstance(entry, Box) else None for entry in stacked])
            banded = len({side for side in sides if side}) > 1
            self.band = self.band or banded
            self._stacks[space.name] = (stacked, sides, banded)
            self._survey(space, boxes)

    def _survey(self, space: Space, boxes: Sequence[Box]) -> None:
        """Ports in the order the cells are written (highest first, a parent before its nested regions)."""
        for box in reversed(boxes):
            if box.kind == "part":
                continue
            self.has_break = self.has_break or self.scale.extent(box.size).broken
            if box.kind == "gap":
                self.has_gap = True
            elif box.kind == "hole":
                self.has_hole = True
            elif box.kind == "region":
                self.kinds.add(box.region.kind if box.region is not None else "")
                port = self._port[id(box)] = f"r{len(self._port)}"
                self.ports[(space.name, box.name)] = port
                self._survey(space, box.children)

    def space_label(self, space: Space) -> Iterator[str]:
        stacked, sides, banded = self._stacks[space.name]
        title = (f"<B>{html_text(space.name)}</B> address space" + _font(f"  ({space.bits}-bit)", 10, MUTED))
        columns = 2 if banded else 1
        yield ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
               f'<TR><TD ALIGN="LEFT" COLSPAN="{columns}">{_font(title, 14)}</TD></TR>'
               f'<TR><TD ALIGN="LEFT" COLSPAN="{columns}">{_font("▲ higher addresses", 9, MUTED)}</TD></TR>')
        index = 0
        for position, entry in enumerate(stacked):
            band = ""
            if banded and position == index:  # the first row of a run of one side: a band spanning the run
                while index < len(stacked) and sides[index] == sides[position]:
                    index += 1
                band = _band(sides[position], index - position)
            yield f"<TR>{band}"
            yield from self.cell(space, entry)
            yield "</TR>"
        yield "</TABLE>"

    def stack(self, space: Space, boxes: Sequence[Box]) -> list[Box | Overlap]:
        """The boxes highest address first, overlap marks above the lower region."""
        names = {b.name for b in boxes if b.kind == "region"}
        marks: dict[str, list[Overlap]] = {}
        for name_of_space, low, high, start, end in self.found.overlaps:
            if name_of_space == space.name and low in names:
                marks.setdefault(low, []).append((low, high, start, end))
        stacked: list[Box | Overlap] = []
        for box in reversed(boxes):
            if box.kind == "region":
                stacked += marks.get(box.name, ())
            stacked.append(box)
        return stacked

    def cell(self, space: Space, entry: Box | Overlap) -> Iterator[str]:
        if not isinstance(entry, Box):
            yield self.overlap_cell(space, *entry)
            return
        box = entry
        extent = self.scale.extent(box.size)
        height = f' HEIGHT="{extent.points:g}"'
        if box.kind == "gap":
            body = self.lines(space, box, _font("<I>unused</I>  " + size_text(box.size), 10, MUTED), "", extent.broken)
            yield (f'<TD BORDER="1" STYLE="dashed" COLOR="{GAP_LINE}" BGCOLOR="{GAP_FILL}"{height}'
                   f' WIDTH="{BOX_WIDTH}">{body}</TD>')
        elif box.kind == "hole":
            head = _font(f"<B>hole</B> {html_text(box.name)}  {size_text(box.size)}", 10)
            body = self.lines(space, box, head, _font(html_text(box.text), 8), extent.broken)
            yield f'<TD BORDER="1" COLOR="{LINE}" BGCOLOR="{HOLE_FILL}"{height} WIDTH="{BOX_WIDTH}">{body}</TD>'
        elif box.kind == "part":  # the parent's own addresses between its nested regions
            yield f'<TD{height}>{_font(f"<I>{html_text(box.name)}</I> {size_text(box.size)}", 8, MUTED)}</TD>'
        else:
            yield from self.region_cell(space, box, height, extent.broken)

    def region_cell(self, space: Space, box: Box, height: str, broken: bool) -> Iterator[str]:
        region = box.region
        level = self.found.severity.get((space.name, box.name))
        fill, line, border, ink = kind_colour(region.kind if region is not None else ""), LINE, 1, None
        if level is Severity.ERROR:
            fill, line, border, ink = PROBLEM_FILL, PROBLEM_LINE, 3, PROBLEM_TEXT
        elif level is Severity.WARNING:
            line, border = WARN_LINE, 3
        head = f"<B>{html_text(box.name)}</B>  {size_text(box.size)}"
        head = _font(head, 11, ink)
        label = box.text if box.text and box.text != box.name else ""
        if not label and region is not None:
            label = region.doc
        sub = _font(html_text(label), 9, ink) if label else ""
        # ID and a self-link carry a tooltip (Graphviz writes tooltips only on links): hovering
        # a box in a browser shows the region's attributes and doc; the ID names it for CSS and tests
        anchor = f"{self.prefix}{space.name}.{box.name}"
        yield (f'<TD PORT="{self._port[id(box)]}" BORDER="{border}" COLOR="{line}" BGCOLOR="{fill}"{height}'
               f' WIDTH="{BOX_WIDTH}" ID="{html_attr(anchor)}" HREF="#{html_attr(anchor)}"'
               f' TOOLTIP="{self.tooltip(space, box)}">')
        if box.children:
            # the parent's addresses and name on the left, its nested regions stacked on the right;
            # a parent cut short shows the break mark between its addresses
            span = 3 if broken else 2
            yield ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
                   f'<TR><TD ALIGN="LEFT" VALIGN="TOP">{self.address(space, box.end - 1)}</TD>'
                   f'<TD ROWSPAN="{span}">{head}{"<BR/>" + sub if sub else ""}</TD>'
                   f'<TD ROWSPAN="{span}" CELLPADDING="4"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0">')
            for entry in self.stack(space, box.children):
                yield "<TR>"
                yield from self.cell(space, entry)
                yield "</TR>"
            mark = f'<TR><TD>{_font("≈", 14, MUTED)}</TD></TR>' if broken else ""
            yield (f'</TABLE></TD></TR>{mark}'
                   f'<TR><TD ALIGN="LEFT" VALIGN="BOTTOM">{self.address(space, box.start)}</TD></TR></TABLE>')
        else:
            yield self.lines(space, box, head, sub, broken, self.scale.extent(box.size).points)
        yield "</TD>"

    def tooltip(self, space: Space, box: Box) -> str:
        region = box.region
        where = f"[{format_address(box.start, space.bits)}, {format_address(box.end, space.bits)})"
        lines = [f"{space.name}.{box.name}: {where} {size_text(box.size)}"]
        if region is not None:
            facts = [f"kind {region.kind}", f"access {region.access}"]
            if region.perm is not None:
                facts.append(f"perm {region.perm or 'none'}")
            if region.maps:
                facts.append("maps " + ".".join(region.maps))
            lines.append(", ".join(facts))
            lines += [text for text in (region.label, region.doc) if text and text != box.name]
        return html_attr("\n".join(lines))

    def lines(self, space: Space, box: Box, head: str, sub: str, broken: bool, points: float = 0.0) -> str:
        """Addresses at the box's top and bottom edges, name and size in the middle.

        A box cut short (linear scale) gets an axis break: a dashed white band across it.
        """
        text = head + ("<BR/>" + sub if sub else "")
        top = self.address(space, box.end - 1)
        bottom = self.address(space, box.start)
        # an empty column as wide as the addresses keeps the text centred in the box
        spacer = f'<TD WIDTH="{_address_width(space)}"></TD>'
        if not broken:
            rows = [(f'<TR><TD ALIGN="LEFT" VALIGN="TOP">{top}</TD><TD ROWSPAN="2">{text}</TD>'
                     f'<TD ROWSPAN="2" WIDTH="{_address_width(space)}"></TD></TR>'),
                    f'<TR><TD ALIGN="LEFT" VALIGN="BOTTOM">{bottom}</TD></TR>']
        else:
            mark = _font(f"≈ ≈ ≈   axis break: {size_text(box.size)} drawn shorter   ≈ ≈ ≈", 8, MUTED)
            # the halves take the box's height, so that Graphviz leaves the band thin
            half = f' HEIGHT="{max(1.0, (points - 20) / 2):g}"'
            rows = [f'<TR><TD ALIGN="LEFT" VALIGN="TOP"{half}>{top}</TD><TD>{text}</TD>{spacer}</TR>',
                    (f'<TR><TD COLSPAN="3" BORDER="1" SIDES="TB" STYLE="dashed" COLOR="{LINE}" BGCOLOR="{GAP_FILL}"'
                     f' CELLPADDING="3">{mark}</TD></TR>'),
                    f'<TR><TD ALIGN="LEFT" VALIGN="BOTTOM"{half}>{bottom}</TD><TD></TD>{spacer}</TR>']
        return '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">' + "".join(rows) + "</TABLE>"

    def address(self, space: Space, value: int) -> str:
        return _font(format_address(value, space.bits), 9, MUTED, MONO)

    def overlap_cell(self, space: Space, low: str, high: str, start: int, end: int) -> str:
        text = (f"<B>overlap</B> {html_text(low)} / {html_text(high)}: "
                f"{format_address(start, space.bits)} – {format_address(end - 1, space.bits)} ({size_text(end - start)})")
        return (f'<TD BORDER="2" COLOR="{PROBLEM_LINE}" BGCOLOR="{PROBLEM_FILL}" CELLPADDING="3">'
                f'{_font(text, 9, PROBLEM_TEXT)}</TD>')


# ------------------------------------------------------------------ the graph


def _legend(drawings: Sequence[_Drawing]) -> str:
    """Swatches for the kinds drawn, gaps, holes and (only when there are any) problems."""
    kinds = sorted(set().union(*(d.kinds for d in drawings))) if drawings else []
    swatches = [(kind_colour(k), LINE, "solid", html_text(k or "region")) for k in kinds]
    if any(d.has_gap for d in drawings):
        swatches.append((GAP_FILL, GAP_LINE, "dashed", "unused (gap)"))
    if any(d.has_hole for d in drawings):
        swatches.append((HOLE_FILL, LINE, "solid", "hole: no region may use it"))
    if any(d.found.any_error for d in drawings):
        swatches.append((PROBLEM_FILL, PROBLEM_LINE, "solid", "problem (see the findings)"))
    if any(d.band for d in drawings):
        swatches += [(BAND_FILL["user"], BAND_FILL["user"], "solid", "user space (access = user)"),
                     (BAND_FILL["kernel"], BAND_FILL["kernel"], "solid", "kernel space")]
    rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{_font("<B>legend</B>", 11)}</TD></TR>']
    for fill, line, style, name in swatches:
        rows.append(f'<TR><TD BORDER="1" STYLE="{style}" COLOR="{line}" BGCOLOR="{fill}" WIDTH="16" HEIGHT="12"></TD>'
                    f'<TD ALIGN="LEFT">{_font(name, 10)}</TD></TR>')
    return '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="1">' + "".join(rows) + "</TABLE>"


def _caption(title: str, subtitle: Sequence[str], scale_line: str, findings: Sequence[tuple[str, Diagnostic]]) -> str:
    """Title, the configuration drawn, the scale and the findings, as one HTML table above the picture."""
    def row(text: str) -> str:
        return f'<TR><TD ALIGN="LEFT">{text}</TD></TR>'

    rows = [row(_font("<B>" + html_text(title) + "</B>", 16))]
    rows += [row(_font(html_text(line), 10, MUTED)) for line in subtitle]
    rows.append(row(_font(html_text(scale_line), 10, MUTED)))
    if findings:
        errors = any(d.severity in (Severity.ERROR, None) for _, d in findings)
        rows.append(row(_font(f"<B>{len(findings)} finding{'s' if len(findings) != 1 else ''}</B>", 11,
                              PROBLEM_TEXT if errors else None)))
        for prefix, diagnostic in findings[:MAX_FINDINGS]:
            severity = str(diagnostic.severity or Severity.ERROR)
            where = diagnostic.span.where() if diagnostic.span is not None else ""
            text = f"{prefix}{where + ': ' if where else ''}{severity}[{diagnostic.code}]: {diagnostic.message}"
            ink = PROBLEM_TEXT if diagnostic.severity in (Severity.ERROR, None) else None
            rows.append(row(_font(html_text(text), 10, ink)))
        if len(findings) > MAX_FINDINGS:
            rows.append(row(_font(f"... and {len(findings) - MAX_FINDINGS} more: run `layoutc check`", 10)))
    return '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">' + "".join(rows) + "</TABLE>"


def _spaces(layout: Layout, options: DrawOptions) -> list[Space]:
    if options.space is None:
        return list(layout.spaces.values())
    if options.space not in layout.spaces:
        raise ValueError(f"no space `{options.space}` (spaces: {', '.join(layout.spaces)})")
    return [layout.spaces[options.space]]


def _subtitle(layout: Layout, varying: str = "") -> list[str]:
    """Which configuration the picture shows: the layout and every param's value, a few lines."""
    values = [f"{param.name}={_param_text(param.type, param.value)}" for param in layout.params.values()
              if param.name != varying]
    if varying:
        values.append(f"{varying}: one picture each")
    if not values:
        return [f"layout {layout.name}"]
    lines, line = [], f"layout {layout.name}:"
    for value in values:
        if len(line) + len(value) > 110:
            lines.append(line)
            line = "   "
        line += " " + value
    lines.append(line)
    return lines


def _param_text(kind: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return format_size(value) if kind == "size" else hex(value) if kind == "addr" else str(value)
    return str(value)


def _html(label: str) -> str:
    """An HTML-like label for the graphviz package, one table row a line (reviewable golden diffs)."""
    return "<" + _rows_apart(label) + ">"


def _rows_apart(text: str) -> str:
    return text.replace("</TR>", "</TR>\n")


_MARK = "\x00"  # brackets a label's number in the graph's frame; html_text keeps it out of every user text


class Dot:
    """DOT text written piece by piece, so that the picture of a large layout is never held whole.

    The graphviz package writes the frame -- the graph's attributes, nodes, arrows, legend and
    caption -- with a placeholder for each space's label; ``pieces`` puts each label's text in
    its place as it is written out.  A space's label is nearly all of the text (about 1 KB a region).
    """

    def __init__(self) -> None:
        self.graph: Any = None  # the frame: a graphviz.Digraph
        self._labels: list[Callable[[], Iterable[str]]] = []

    def label(self, pieces: Callable[[], Iterable[str]]) -> str:
        """A placeholder for the frame; ``pieces()`` gives the label's text when the DOT is written."""
        self._labels.append(pieces)
        return f"<{_MARK}{len(self._labels) - 1}{_MARK}>"

    def pieces(self) -> Iterator[str]:
        for line in self.graph:
            if _MARK not in line:
                yield line
                continue
            head, number, tail = line.split(_MARK)
            yield head
            for piece in self._labels[int(number)]():
                yield _rows_apart(piece)
            yield tail

    def text(self) -> str:
        return "".join(self.pieces())


def _new_graph(caption: str):
    import graphviz

    return graphviz.Digraph(
        "layoutc",
        graph_attr={"rankdir": "LR", "ranksep": "1.3", "nodesep": "0.4", "fontname": FONT, "bgcolor": "white",
                    "pad": "0.3", "labelloc": "t", "labeljust": "l", "label": _html(caption)},
        node_attr={"shape": "plain", "fontname": FONT},
        edge_attr={"fontname": FONT, "fontsize": "10", "color": MAP_EDGE, "fontcolor": MAP_EDGE, "penwidth": "1.6"},
    )


def _add_layout(out: Dot, graph, top, layout: Layout, spaces: Sequence[Space], columns: Sequence[list[Box]],
                found: Problems, scale: scales.Scale, prefix: str, previous: str | None) -> tuple[_Drawing, str | None]:
    """The layout's space nodes (in ``graph``) and mapping arrows; returns the last node.

    The invisible edges that put the spaces side by side go to ``top``, the
    root graph: an edge written inside a cluster would pull its nodes into it.
    """
    drawing = _Drawing(layout, scale, found, spaces, columns, prefix)
    for space in spaces:
        node = f"{prefix}{space.name}"
        graph.node(node, label=out.label(partial(drawing.space_label, space)))
        if previous is not None:
            # spaces side by side, left to right in declaration order, whatever the arrows say
            top.edge(previous, node, style="invis")
        previous = node
    drawn = {space.name for space in spaces}
    targets: dict[tuple[str, str], KnownRegion] = {}  # the first known region of each name: what `maps` names
    for space in spaces:
        for region in space.regions:
            if is_known(region):
                targets.setdefault((space.name, region.name), region)
    for space in spaces:
        for region in space.regions:
            if not is_known(region) or not region.maps or len(region.maps) != 2:
                continue
            target = targets.get((region.maps[0], region.maps[1]))
            if target is None or target.space not in drawn:
                continue
            tail = drawing.ports.get((space.name, region.name))
            head = drawing.ports.get((target.space, target.name))
            if tail is None or head is None:
                continue
            graph.edge(f"{prefix}{space.name}:{tail}:e", f"{prefix}{target.space}:{head}:w",
                       label=f"<{_mapping_label(layout, region, target)}>", constraint="false")
    return drawing, previous


def _mapping_label(layout: Layout, region: KnownRegion, target: KnownRegion) -> str:
    offset = region.start - target.start
    bits = layout.spaces[region.space].bits
    sign = "+" if offset >= 0 else "−"
    title = "linear map" if region.kind == "linear" else f"{html_text(region.name)} maps"
    pair = (f"pa {format_address(target.start, layout.spaces[target.space].bits)} → "
            f"va {format_address(region.start, bits)}")
    return (f"<B>{title}</B><BR/>{_font(f'va = pa {sign} {format_address(abs(offset), bits)}', 10, None, MONO)}"
            f"<BR/>{_font(pair, 8, None, MONO)}")


def draw_diagram(layout: Layout, diagnostics: Sequence[Diagnostic] = (), options: DrawOptions = DrawOptions()) -> Dot:
    """One layout's picture: its spaces side by side, mapping arrows, legend and findings.

    Raises ValueError when ``options.space`` names no space of the layout.
    """
    spaces = _spaces(layout, options)
    columns = [stacks(layout, space) for space in spaces]
    scale = _fit(options.scale, columns)
    found = problems(layout, diagnostics)
    out = Dot()
    body = _new_graph("")
    drawing, last = _add_layout(out, body, body, layout, spaces, columns, found, scale, "", None)
    body.node("legend", label=_html(_legend([drawing])))
    if last is not None:
        # the legend goes under the last (rightmost) space
        body.body.append(f"\t{{rank=same; {last} -> legend [style=invis]}}\n")
    findings = [("", d) for d in found.findings]
    caption = _caption(layout.title or layout.name, _subtitle(layout), scale.describe(drawing.has_break), findings)
    out.graph = _new_graph(caption)
    out.graph.body.extend(body.body)
    return out


def diagram(layout: Layout, diagnostics: Sequence[Diagnostic] = (), options: DrawOptions = DrawOptions()) -> str:
    """DOT text of ``draw_diagram``."""
    return draw_diagram(layout, diagnostics, options).text()


def draw_gallery(panels: Sequence[Panel], options: DrawOptions = DrawOptions(), varying: str = "") -> Dot:
    """Several variants side by side, one cluster each, on one shared scale.

    ``varying`` names the param the panels differ in: the caption lists the others.
    """
    spaces: dict[int, list[Space]] = {}
    columns: dict[int, list[list[Box]]] = {}
    for index, panel in enumerate(panels):
        if panel.layout is not None:
            spaces[index] = _spaces(panel.layout, options)
            columns[index] = [stacks(panel.layout, space) for space in spaces[index]]
    scale = _fit(options.scale, [column for group in columns.values() for column in group])
    out = Dot()
    body = _new_graph("")
    drawings: list[_Drawing] = []
    findings: list[tuple[str, Diagnostic]] = []
    previous: str | None = None
    for index, panel in enumerate(panels):
        prefix = f"v{index}_"
        with body.subgraph(name=f"cluster_{index}") as cluster:
            cluster.attr(label=f"<{_font('<B>' + html_text(panel.caption) + '</B>', 14)}>", labelloc="t",
                         labeljust="c", color="#b0b0b0", style="rounded")
            if panel.layout is None:
                node = f"{prefix}none"
                cluster.node(node, label=f"<{_font('not drawn: the layout did not evaluate', 11, PROBLEM_TEXT)}>")
                if previous is not None:
                    body.edge(previous, node, style="invis")
                previous = node
            else:
                found = problems(panel.layout, panel.diagnostics)
                drawing, previous = _add_layout(out, cluster, body, panel.layout, spaces[index], columns[index], found,
                                                scale, prefix, previous)
                drawings.append(drawing)
        findings += [(f"{panel.caption}: ", d) for d in panel.diagnostics]
    body.node("legend", label=_html(_legend(drawings)))
    if previous is not None:
        body.edge(previous, "legend", style="invis")
    first = next((p.layout for p in panels if p.layout is not None), None)
    heading = (first.title or first.name) if first is not None else "layout"
    subtitle = _subtitle(first, varying) if first is not None else []
    caption = _caption(heading, subtitle, scale.describe(any(d.has_break for d in drawings)), findings)
    out.graph = _new_graph(caption)
    out.graph.body.extend(body.body)
    return out


def gallery(panels: Sequence[Panel], options: DrawOptions = DrawOptions(), varying: str = "") -> str:
    """DOT text of ``draw_gallery``."""
    return draw_gallery(panels, options, varying).text()


# ------------------------------------------------------------------ emitters


def _options(options: EmitOptions) -> DrawOptions:
    return DrawOptions(space=options.option("space"), scale=options.option("scale") or scales.DEFAULT_SCALE)


def emit_dot(layout: Layout, options: EmitOptions) -> Iterator[str]:
    """The diagram as `layoutc build` writes it: provenance comments, then the graph, in pieces as
    it is made (a bad ``-O space=`` or ``scale=`` is a ValueError before the first)."""
    import re

    from ..emit import provenance

    header = "".join("// " + re.sub(r"[\x00-\x1f\x7f]", "?", line) + "\n"
                     for line in provenance.lines("dot", layout, options))
    picture = draw_diagram(layout, (), _options(options))
    return itertools.chain((header,), picture.pieces())


def emit_svg(layout: Layout, options: EmitOptions) -> str:
    """SVG through the `dot` binary; without it, or past a limit of Graphviz (L012, L013), a ValueError
    (`emit` reports it and exits 2, writing nothing)."""
    from . import DotFailed, DotLimit, DotMissing, run_dot

    try:
        return run_dot(draw_diagram(layout, (), _options(options)).pieces(), "svg").decode("utf-8")
    except DotLimit as error:
        raise ValueError(f"error[{error.code}]: {error}; {error.HINT}") from None
    except (DotMissing, DotFailed) as error:
        raise ValueError(str(error)) from None


DOT_EMITTER = register(Emitter("dot", ".dot", "Graphviz diagram of every address space and the mapping (DOT)", emit_dot))
SVG_EMITTER = register(Emitter("svg", ".svg", "the same diagram as SVG (needs Graphviz `dot`)", emit_svg,
                               in_build=False))
