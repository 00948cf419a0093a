"""Emitter: a GNU ld script fragment -- MEMORY, PROVIDE()d symbols, ASSERT()s, image placement.

Shape of the output (prefix ``P``)::

    /* provenance */
    MEMORY { P_PHYSICAL_RAM (rwx) : ORIGIN = 0x..., LENGTH = 0x... }   physical regions; attributes from `perm`
    PROVIDE(P_VIRTUAL_USER_START = 0x...);                            every value the header defines
    ASSERT(P_VIRTUAL_USER_END <= P_VIRTUAL_MODULES_AREA_START, "O401: ...");
    SECTIONS {                                                        unless -O placement=no
        . = P_PAGE_OFFSET + P_PARAM_TEXT_OFFSET;                      where the image is linked
        .text P_VIRTUAL_KERNEL_TEXT_START : { *(.text .text.*) }      image regions labelled ".name"
        ASSERT(SIZEOF(.text) <= P_VIRTUAL_KERNEL_TEXT_SIZE, "...")
        .rodata . : { ... }  .data . : { ... }  .bss . : { ... }      the rest of the image follows
        ASSERT(. <= P_VIRTUAL_LOWMEM_END, "...")                      inside the image's parent region
    }

Options: ``-O placement=no`` leaves the SECTIONS block out (for a script with its own);
``-O memory=no`` leaves MEMORY out -- once a script has a MEMORY command, ld wants a
region for every output section without an explicit address, which a kernel-style
script (``. = ...; .text : { ... }``) does not give.

`PROVIDE` defines a symbol only when something refers to it and nothing else defines
it, so including the fragment adds no symbols a link does not use.  The identifiers
are the header's (``symbols``), so C, assembly and the linker agree.  MEMORY regions
without `perm` get no attributes: a region with attributes attracts every output
section that has no explicit address and matches them (ld's default region choice).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..model.types import Layout, is_known
from ..model.values import format_address
from . import escape, provenance
from .base import EmitOptions
from .checks import Restated, render_ld, top
from .names import identifier
from .symbols import Symbol, SymbolTable, symbol_table

if TYPE_CHECKING:
    from ..model.types import KnownRegion

_SECTION = re.compile(r"\.[A-Za-z_][A-Za-z0-9_.]*\Z")


def literal(symbol: Symbol, bits: int) -> str:
    value = symbol.value
    if isinstance(value, str):  # ld has no strings: callers pass numeric symbols only
        raise ValueError(f"{symbol.name} is a string; a linker script cannot hold it")
    if symbol.sum_of is not None:
        return f"{symbol.sum_of[0]} + {symbol.sum_of[1]}"
    if symbol.style in ("flag", "int"):
        return str(value)
    if symbol.style == "version":
        return f"0x{value:06x}"
    if value < 0:
        return f"-{-value:#x}"
    return format_address(value, bits)


def physical_spaces(layout: Layout) -> list[str]:
    """Spaces of physical addresses: the one named `physical`, and every space a linear map `maps` into."""
    names = {name for name in layout.spaces if name in ("physical", "phys")}
    names |= {region.maps[0] for region in layout.regions() if region.maps and region.maps[0] in layout.spaces}
    return [name for name in layout.spaces if name in names]


def attributes(perm: str | None) -> str:
    """ld MEMORY attributes from a region's `perm`: "rx" -> "(rx)", none -> "(!rwx)"; no perm -> none."""
    if perm is None:
        return ""
    letters = "".join(ch for ch in "rwx" if ch in perm)
    return f" ({letters})" if letters else " (!rwx)"


def _memory(layout: Layout, table: SymbolTable, bits: int) -> list[str]:
    entries: list[tuple[str, KnownRegion]] = []
    for space_name in physical_spaces(layout):
        for region in layout.spaces[space_name].regions:
            if is_known(region) and 0 < region.size and region.end <= 1 << 64:
                entries.append((identifier(table.prefix, region.space, region.name), region))
    if not entries:
        return []
    width = max(len(name) + len(attributes(region.perm)) for name, region in entries)
    out = ["", "/* ---- physical memory (MEMORY regions may overlap: nested regions are listed too) */",
           "MEMORY", "{"]
    for name, region in entries:
        head = f"{name}{attributes(region.perm)}"
        out.append(f"    {head.ljust(width)} : ORIGIN = {format_address(region.start, bits)}, "
                   f"LENGTH = {format_address(region.size, bits)}"
                   + (f"  /* {escape.c_comment(region.label)} */" if region.label else ""))
    out.append("}")
    return out


_IMAGE_SECTIONS = ((".text", "*(.text .text.*)"), (".rodata", "*(.rodata .rodata.*)"),
                   (".data", "*(.data .data.*)"), (".bss", "*(.bss .bss.* COMMON)"))


def _placement(layout: Layout, table: SymbolTable) -> list[str]:
    """The image at its virtual address: regions labelled like a section (".text") hold that section;
    the rest of the image follows.  Every output section has an explicit address, so none needs a
    MEMORY region."""
    virtual = layout.spaces.get("virtual")
    if virtual is None:
        return []
    images = sorted((r for r in virtual.regions if is_known(r) and r.kind == "image"), key=lambda r: (r.start, r.end))
    images = [r for r in images if table.get("region", r.space, r.name, "start") is not None
              and table.get("region", r.space, r.name, "size") is not None]
    if not images:
        return []
    first = images[0]
    anchor = table["region", first.space, first.name, "start"].name
    page_offset = table.get("const", "PAGE_OFFSET")
    text_offset = table.get("const", "TEXT_OFFSET") or table.get("param", "text_offset")
    if (page_offset is not None and text_offset is not None and isinstance(page_offset.value, int)
            and isinstance(text_offset.value, int) and page_offset.value + text_offset.value == first.start):
        anchor = f"{page_offset.name} + {text_offset.name}"
    out = ["", "/* ---- where the kernel image is linked (leave this out with -O placement=no) */",
           "SECTIONS", "{", f"    . = {anchor};"]
    placed: set[str] = set()
    whole: list[KnownRegion] = []
    for region in images:
        start = table["region", region.space, region.name, "start"]
        size = table["region", region.space, region.name, "size"]
        if _SECTION.match(region.label):
            section = region.label
            placed.add(section)
            out.append(f"    {section} {start.name} : {{ *({section} {section}.*) }}")
            message = escape.ld_string(f"{region.qualified}: {section} is larger than its region")
            out.append(f"    ASSERT(SIZEOF({section}) <= {size.name}, {message})")
        else:
            whole.append(region)
            out.append(f"    /* {escape.c_comment(f'{region.qualified}: {region.label or region.name}')} */")
            out.append(f"    . = {start.name};")
    out.append("    /* the rest of the image follows */")
    for section, inputs in _IMAGE_SECTIONS:
        if section not in placed:
            out.append(f"    {section} . : {{ {inputs} }}")
    for region in whole:
        start = table["region", region.space, region.name, "start"]
        size = table["region", region.space, region.name, "size"]
        message = escape.ld_string(f"the image is larger than {region.qualified}")
        out.append(f"    ASSERT(. - {start.name} <= {size.name}, {message})")
    parent = next((r for r in virtual.regions if r.name == first.parent and is_known(r)), None)
    end = table.get("region", parent.space, parent.name, "end") if parent is not None else None
    if parent is not None and end is not None and end.sum_of is None:
        message = escape.ld_string(f"the image runs past the end of {parent.qualified}")
        out.append(f"    ASSERT(. <= {end.name}, {message})")
    out.append("}")
    return out


def _yes_no(options: EmitOptions, name: str) -> bool:
    value = (options.option(name, "yes") or "").lower()
    if value not in ("yes", "no"):
        raise ValueError(f"-O {name}={value}: expected yes or no")
    return value == "yes"


def emit(layout: Layout, options: EmitOptions) -> str:
    return "".join(pieces(layout, options))


def pieces(layout: Layout, options: EmitOptions) -> Iterator[str]:
    """The fragment line by line, each with its newline (the registry's emitter: written as it is made).

    A name clash or a bad ``-O`` value is a ValueError here, before any line is made."""
    table = symbol_table(layout, options.prefix)
    if table.diagnostics:
        raise ValueError(f"generated names clash ({len(table.diagnostics)} G001 diagnostics); check them first")
    placement, memory = _yes_no(options, "placement"), _yes_no(options, "memory")
    return (line + "\n" for line in _lines(layout, options, table, placement, memory))


def _lines(layout: Layout, options: EmitOptions, table: SymbolTable, placement: bool, memory: bool) -> Iterator[str]:
    bits = layout.bits
    yield "/*"
    yield from [f" * {escape.c_comment(line)}" for line in provenance.lines("ld", layout, options)]
    yield from [
        " *",
        " * GNU ld fragment: INCLUDE it from a linker script, or pass it with -T.  Every symbol is",
        " * PROVIDE()d (defined only if referenced); the ASSERT()s restate the layout's checks.",
        " */",
    ]
    if memory:
        yield from _memory(layout, table, bits)
    sections = [("layout", f"layout {layout.name}"), ("param", "params"), ("const", "constants")]
    sections += [(f"space:{name}", f"space {name}: regions [START, END)") for name in layout.spaces]
    for section, title in sections:
        symbols = [s for s in table.section(section) if s.numeric]
        if symbols:
            yield from ["", f"/* ---- {escape.c_comment(title)} */"]
            yield from (f"PROVIDE({s.name} = {literal(s, bits)});" for s in symbols)
    restated = Restated(layout, table, "ld")
    yield from ["", "/* ---- invariants: each restates a layoutc check (`layoutc explain CODE`) */"]
    yield from (f"ASSERT({top(render_ld(c.expr))}, {escape.ld_string(f'{c.rule}: {c.message}')});" for c in restated)
    skipped = restated.skipped
    if skipped:
        yield from ["", "/* Not restated:"]
        yield from [f" *   {escape.c_comment(f'{s.rule}: {s.message} -- {s.reason}')}" for s in skipped]
        yield " */"
    if placement:
        yield from _placement(layout, table)
