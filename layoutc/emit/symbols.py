"""The model as named values: every identifier the header and the linker-script fragment define.

One table per (layout, prefix), built once, read by both emitters so that
``ARM32_VIRTUAL_LOWMEM_START`` is the same fact in C, assembly and ld::

    section   identifier                          value
    layout    <P>_PAGE_SIZE <P>_PAGE_SHIFT <P>_VA_BITS
    param     <P>_PARAM_<NAME>                    int / 0-1 / KERNEL_VERSION code / string
              <P>_PARAM_<NAME>_<MEMBER>           0-1, one per member of a choice
              <P>_PARAM_<NAME>_START _END _SIZE _COUNT _BANK<i>_START ...   banks (.base is _START)
    const     <P>_<NAME>                          (same shapes as params)
    space     <P>_<SPACE>_<REGION>_START _END _SIZE   present regions, address order

Names come from ``names.identifier``; problems (collisions, keywords) are
``G001`` diagnostics in ``table.diagnostics``.  Values that 64-bit C cannot hold
are left out and listed in ``table.omitted``, except an end at exactly 2**64,
which is written as ``START + SIZE`` (it wraps to 0, as the hardware's address
arithmetic does).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic
from ..model.types import Layout, Region, is_known
from ..model.values import Bank, Banks, Choice, Version
from ..syntax.build import LiteralTooLarge, parse_number
from .names import NameTable, Owner, identifier
from .table import rows

if TYPE_CHECKING:
    from ..model.types import KnownRegion

U64 = 1 << 64
_BANK_WORD = {"base": "START", "end": "END", "size": "SIZE"}
_BANK_NOTE = {"base": " (lowest bank base)", "end": " (highest bank end)",
              "size": " (total of the banks, holes excluded)"}
SMALL = 4096  # integers below this print in decimal (as diagnostics show them), others in hex


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    value: int | str
    style: str  # "hex" (address/size), "int" (small number), "flag" (0/1), "version", "string"
    section: str  # "layout", "param", "const", "space:NAME"
    comment: str  # raw layout text; emitters escape it
    sum_of: tuple[str, str] | None = None  # an end at 2**64, written START + SIZE

    @property
    def numeric(self) -> bool:
        return self.style != "string"

    @property
    def cvalue(self) -> int:
        """The value as 64-bit unsigned arithmetic (C with casts, GNU ld, gas) sees it."""
        assert isinstance(self.value, int)
        return self.value % U64


@dataclass(frozen=True)
class SymbolTable:
    prefix: str
    symbols: tuple[Symbol, ...]
    keys: dict[tuple, Symbol]
    omitted: tuple[tuple[str, str], ...]  # (what, why): values C cannot hold
    absent: tuple[str, ...]  # regions whose `if` is false in this configuration
    diagnostics: tuple[Diagnostic, ...]
    # the header's own macros: "ac", "ac_", "u64", "assert", "assert_", "assert_at", "guard"
    helpers: dict[str, str] = field(default_factory=dict)

    def get(self, *key: str) -> Symbol | None:
        return self.keys.get(tuple(key))

    def __getitem__(self, key: tuple[str, ...]) -> Symbol:
        """A symbol the caller knows exists (KeyError otherwise)."""
        return self.keys[key]

    def section(self, section: str) -> list[Symbol]:
        return [s for s in self.symbols if s.section == section]


def version_code(version: Version) -> int | None:
    """KERNEL_VERSION(a, b, c) = (a << 16) + (b << 8) + c, as <linux/version.h>; None if it does not fit."""
    parts = tuple(version) + (0,) * (3 - len(version))
    if len(parts) > 3 or any(not 0 <= p <= 255 for p in parts):
        return None
    return (parts[0] << 16) + (parts[1] << 8) + parts[2]


def numeric_members(members: tuple[str, ...]) -> dict[str, int] | None:
    """A choice whose members are all numbers (4K, 16K, 64K) also has a numeric value."""
    numbers = {}
    for member in members:
        try:
            number = parse_number(member)
        except LiteralTooLarge:  # not a number any header could print
            number = None
        if number is None:
            return None
        numbers[member] = number
    return numbers or None


class _Builder:
    def __init__(self, layout: Layout, prefix: str) -> None:
        self.layout = layout
        self.prefix = prefix
        self.names = NameTable()
        self.symbols: list[Symbol] = []
        self.keys: dict[tuple, Symbol] = {}
        self.omitted: list[tuple[str, str]] = []
        self.absent: list[str] = []
        self.helpers: dict[str, str] = {}

    def add(self, key: tuple, parts: tuple[str, ...], value: int | str, style: str, section: str,
            owner: Owner, comment: str = "", sum_of: tuple[str, str] | None = None) -> Symbol | None:
        name = identifier(self.prefix, *parts)
        if isinstance(value, int) and sum_of is None and not -(1 << 63) < value < U64:
            self.omitted.append((owner.what, f"{value:#x} does not fit in 64 bits"))
            return None
        if not self.names.claim(name, owner):
            return None
        symbol = Symbol(name, value, style, section, comment, sum_of)
        self.symbols.append(symbol)
        self.keys[key] = symbol
        return symbol

    # ---- helpers the header itself defines
    def helper_names(self) -> None:
        owner = Owner("a helper macro of the generated header", None)
        for key, suffix in (("ac", "AC"), ("ac_", "AC_"), ("u64", "U64"), ("assert", "STATIC_ASSERT"),
                            ("assert_", "STATIC_ASSERT_"), ("assert_at", "STATIC_ASSERT_AT"),
                            ("guard", "LAYOUT_H")):
            name = identifier(self.prefix, suffix)
            self.names.claim(name, owner)
            self.helpers[key] = name

    # ---- layout facts
    def layout_facts(self) -> None:
        layout = self.layout
        facts: list[tuple[str, int, str, str]] = [("PAGE_SIZE", layout.page_size, "hex", "page size")]
        if layout.page_size > 0 and layout.page_size & (layout.page_size - 1) == 0:
            facts.append(("PAGE_SHIFT", layout.page_size.bit_length() - 1, "int", "page shift"))
        if layout.va_bits:
            facts.append(("VA_BITS", layout.va_bits, "int", "virtual address bits"))
        for name, value, style, what in facts:
            const = layout.consts.get(name)
            if const is not None and const.value == value and type(const.value) is int:
                continue  # the constant of that name is this fact; `consts` emits it
            self.add(("layout", name), (name,), value, style, "layout", Owner(f"the layout's {what}", None),
                     f"the layout's {what}")

    # ---- params and constants
    def value(self, kind: str, name: str, value: object, owner: Owner, comment: str,
              param_type: str = "", choices: tuple[str, ...] = ()) -> None:
        base = ("PARAM", name) if kind == "param" else (name,)
        key = (kind, name)
        if isinstance(value, bool):
            self.add(key, base, int(value), "flag", kind, owner, comment)
        elif isinstance(value, int):
            style = "hex" if param_type in ("addr", "size") or not -SMALL < value < SMALL else "int"
            self.add(key, base, value, style, kind, owner, comment)
        elif isinstance(value, Version):
            code = version_code(value)
            if code is None:
                self.omitted.append((owner.what, f"version {value} has no KERNEL_VERSION() code"))
            else:
                self.add(key, base, code, "version", kind, owner, f"{comment} [{value} = KERNEL_VERSION("
                         f"{', '.join(str(p) for p in (tuple(value) + (0, 0))[:3])})]")
        elif isinstance(value, str):
            self.add(key, base, value, "string", kind, owner, comment)
        elif isinstance(value, Choice):
            members = choices or value.members
            numbers = numeric_members(members)
            if numbers is not None and value.text in numbers:
                number = numbers[value.text]
                style = "hex" if not -SMALL < number < SMALL else "int"
                self.add(key, base, number, style, kind, owner, f"{comment} [{value.text}]")
            for member in members:
                flag = 1 if member == value.text else 0
                self.add((kind + "-member", name, member), base + (member,), flag, "flag", kind,
                         Owner(f"{owner.what} = {member}", owner.span), f"{name} == {member}")
        elif isinstance(value, Banks):
            # `.base` is written _START, like a region's start (a `ram_base` param is common)
            for attr, number in (("base", value.base), ("end", value.end), ("size", value.size)):
                self.add((kind + "-attr", name, attr), base + (_BANK_WORD[attr],), number, "hex", kind,
                         Owner(f"{owner.what}.{attr}", owner.span), f"{name}.{attr}" + _BANK_NOTE[attr])
            self.add((kind + "-attr", name, "count"), base + ("COUNT",), len(value), "int", kind,
                     Owner(f"the bank count of {owner.what}", owner.span), f"number of banks of {name}")
            for index, bank in enumerate(value):
                for attr, number in (("base", bank.base), ("end", bank.end), ("size", bank.size)):
                    self.add((kind + "-bank", name, index, attr), base + (f"BANK{index}", _BANK_WORD[attr]), number,
                             "hex", kind, Owner(f"{owner.what}[{index}].{attr}", owner.span),
                             f"{name}[{index}].{attr}")
        elif isinstance(value, Bank):
            for attr, number in (("base", value.base), ("end", value.end), ("size", value.size)):
                self.add((kind + "-attr", name, attr), base + (_BANK_WORD[attr],), number, "hex", kind,
                         Owner(f"{owner.what}.{attr}", owner.span), f"{name}.{attr}")
        else:
            self.omitted.append((owner.what, "its value could not be evaluated"))

    def params(self) -> None:
        for param in self.layout.params.values():
            comment = f"param {param.name}: {param.type}" + (f" -- {param.doc}" if param.doc else "")
            self.value("param", param.name, param.value, Owner(f"param `{param.name}`", param.span), comment,
                       param.type, param.choices)

    def consts(self) -> None:
        for const in self.layout.consts.values():
            self.value("const", const.name, const.value, Owner(f"constant `{const.name}`", const.span), const.doc)

    # ---- regions
    def spaces(self) -> None:
        for space in self.layout.spaces.values():
            by_name = {r.name: r for r in space.regions if is_known(r)}  # the table rows only known ones
            for row in rows(self.layout, space):
                if row.kind == "region":
                    self.region(by_name[row.name], f"space:{space.name}")
            self.absent.extend(r.qualified for r in space.regions if not r.present)

    def region(self, region: KnownRegion, section: str) -> None:
        owner = Owner(f"region `{region.qualified}`", region.name_span)
        what = [region.label or "", f"kind {region.kind}"]
        if region.perm is not None:
            what.append(f"perm {region.perm or 'none'}")
        comment = f"{region.qualified}: " + ", ".join(part for part in what if part)
        key = ("region", region.space, region.name)
        start = self.add(key + ("start",), (region.space, region.name, "START"), region.start, "hex", section,
                         owner, comment)
        if start is None:
            return
        if region.size >= U64:
            self.omitted.append((owner.what, "its size, 2^64, does not fit in 64 bits"))
            return
        size_name = identifier(self.prefix, region.space, region.name, "SIZE")
        sum_of = (start.name, size_name) if region.end == U64 else None
        self.add(key + ("end",), (region.space, region.name, "END"), region.end, "hex", section,
                 Owner(f"the end of {owner.what}", region.name_span), "", sum_of)
        self.add(key + ("size",), (region.space, region.name, "SIZE"), region.size, "hex", section,
                 Owner(f"the size of {owner.what}", region.name_span))

    def build(self) -> SymbolTable:
        self.helper_names()
        self.layout_facts()
        self.params()
        self.consts()
        self.spaces()
        keys = dict(self.keys)
        for name in ("PAGE_SIZE", "PAGE_SHIFT", "VA_BITS"):
            if ("layout", name) not in keys and ("const", name) in keys:
                keys[("layout", name)] = keys[("const", name)]
        return SymbolTable(self.prefix, tuple(self.symbols), keys, tuple(self.omitted), tuple(self.absent),
                           tuple(self.names.diagnostics), self.helpers)


@lru_cache(maxsize=16)
def symbol_table(layout: Layout, prefix: str) -> SymbolTable:
    """The named values of ``layout`` with identifier prefix ``prefix`` (may be empty)."""
    return _Builder(layout, prefix).build()


def check_names(layout: Layout, prefix: str) -> list[Diagnostic]:
    """G001 diagnostics for ``layout`` under ``prefix``: what `build`/`emit` report before writing anything."""
    return list(symbol_table(layout, prefix).diagnostics)


def region_symbols(table: SymbolTable, region: Region) -> Iterator[Symbol]:
    for bound in ("start", "end", "size"):
        symbol = table.get("region", region.space, region.name, bound)
        if symbol is not None:
            yield symbol
