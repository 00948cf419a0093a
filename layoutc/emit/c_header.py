"""Emitter: the layout as a C header usable from C, C++, assembly and cpp-run linker scripts.

Shape of the output (prefix ``P``)::

    /* provenance: source, files, overrides, the command that remakes it */
    #ifndef P_LAYOUT_H
    #define P_AC(X, Y) ...            X##Y in C/C++, bare X under __ASSEMBLER__/__ASSEMBLY__ (the kernel's _AC)
    #ifndef P_PAGE_SIZE                      every value #ifndef-guarded: a compiler -D wins,
    #define P_PAGE_SIZE P_AC(0x00001000, UL)   and the static assertions re-check it
    #define P_PARAM_...  params;  #define P_<CONST> constants
    #define P_<SPACE>_<REGION>_START / _END / _SIZE   per present region, address order
    #if !assembly
      #define P_STATIC_ASSERT(C, M)   static_assert / _Static_assert / negative-array fallback
      P_STATIC_ASSERT(..., "O401: ...");   the layout's invariants (see checks.py)
    #endif
    #endif

Values print in hex at the architecture's width (``UL``; ``ULL`` for values past 32 bits on a
32-bit layout), small numbers in decimal.  Every piece of layout text goes through
``escape``.  Identifiers come from ``symbols`` (one sanitiser, in ``names``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model.types import Layout
from ..model.values import format_address
from . import escape, provenance
from .base import EmitOptions
from .checks import Restated, render_c, top
from .symbols import Symbol, SymbolTable, symbol_table


def literal(symbol: Symbol, table: SymbolTable, bits: int) -> str:
    """The C/assembly text of a symbol's value."""
    ac = table.helpers["ac"]
    value = symbol.value
    if isinstance(value, str):
        return escape.c_string(value)
    if symbol.sum_of is not None:
        return f"({symbol.sum_of[0]} + {symbol.sum_of[1]})"
    if symbol.style == "flag":
        return str(value)
    if symbol.style == "version":
        return f"0x{value:06x}"
    if symbol.style == "int":
        return str(value) if value >= 0 else f"({value})"
    if value < 0:
        suffix = "L" if bits > 32 or -value < 1 << 31 else "LL"
        return f"{ac}(-{-value:#x}, {suffix})"
    suffix = "UL" if bits > 32 or value < 1 << 32 else "ULL"
    return f"{ac}({format_address(value, bits)}, {suffix})"


def _defines(symbols: list[Symbol], table: SymbolTable, bits: int) -> Iterator[str]:
    """Each value after its comment, `#ifndef`-guarded: a `-D` on the compiler command line wins, and the
    static assertions below then check it against the rest of the layout."""
    width = max((len(s.name) for s in symbols), default=0)
    for symbol in symbols:
        if symbol.comment:
            yield f"/* {escape.c_comment(symbol.comment)} */"
        yield from (f"#ifndef {symbol.name}", f"#define {symbol.name.ljust(width)} {literal(symbol, table, bits)}",
                    "#endif")


def emit(layout: Layout, options: EmitOptions) -> str:
    return "".join(pieces(layout, options))


def pieces(layout: Layout, options: EmitOptions) -> Iterator[str]:
    """The header line by line, each with its newline (the registry's emitter: written as it is made).

    A name clash is a ValueError here, before any line is made."""
    table = symbol_table(layout, options.prefix)
    if table.diagnostics:
        raise ValueError(f"generated names clash ({len(table.diagnostics)} G001 diagnostics); check them first")
    return (line + "\n" for line in _lines(layout, options, table))


def _lines(layout: Layout, options: EmitOptions, table: SymbolTable) -> Iterator[str]:
    bits = layout.bits
    h = table.helpers
    yield "/*"
    yield from [f" * {escape.c_comment(line)}" for line in provenance.lines("header", layout, options)]
    yield from [
        " *",
        " * Memory-layout constants for C, C++, assembly (.S) and linker scripts run through cpp.",
        " * Numbers carry their C suffix (UL/ULL) only outside assembly (__ASSEMBLER__ or",
        " * __ASSEMBLY__), like the kernel's _AC().  Regions are [START, END): END is exclusive,",
        " * SIZE = END - START.  Each value may be overridden with -D on the compiler command",
        " * line; the static assertions at the end restate the layout's checks, so a -D or a",
        " * hand edit that breaks one stops the build.",
        " */",
        f"#ifndef {h['guard']}",
        f"#define {h['guard']}",
        "",
        "#if defined(__ASSEMBLER__) || defined(__ASSEMBLY__)",
        f"#define {h['ac']}(X, Y) X",
        "#else",
        f"#define {h['ac_']}(X, Y) (X##Y)",
        f"#define {h['ac']}(X, Y) {h['ac_']}(X, Y)",
        "#endif",
    ]
    sections = [("layout", f"layout {layout.name}"),
                ("param", "params (inputs: layoutc -D NAME=VALUE); bools and choice members are 0 or 1"),
                ("const", "constants")]
    sections += [(f"space:{space.name}", f"space {space.name} ({space.bits}-bit): regions [START, END)")
                 for space in layout.spaces.values()]
    for section, title in sections:
        symbols = table.section(section)
        if symbols:
            yield from ["", f"/* ---- {escape.c_comment(title)} */"]
            yield from _defines(symbols, table, bits)
    if table.absent:
        yield ""
        yield "/* Not present in this configuration (their `if` is false): " + escape.c_comment(
            ", ".join(table.absent)) + " */"
    if table.omitted:
        yield from ["", "/* Left out (C has no 64-bit value for them):"]
        yield from [f" *   {escape.c_comment(f'{what}: {why}')}" for what, why in table.omitted]
        yield " */"

    restated = Restated(layout, table, "c")
    yield from [
        "",
        "#if !defined(__ASSEMBLER__) && !defined(__ASSEMBLY__)",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
        "",
        "/* ---- invariants: each restates a layoutc check (`layoutc explain CODE`) */",
        f"#define {h['u64']}(X) ((unsigned long long)(X))",
        "#if defined(__cplusplus) && __cplusplus >= 201103L",
        f"#define {h['assert']}(C, M) static_assert(C, M)",
        "#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L",
        f"#define {h['assert']}(C, M) _Static_assert(C, M)",
        "#else /* C89/C99/C++98: a negative array size stops the build */",
        f"#define {h['assert_']}(C, L) typedef char {h['assert']}_AT_##L[(C) ? 1 : -1]",
        f"#define {h['assert_at']}(C, L) {h['assert_']}(C, L)",
        f"#define {h['assert']}(C, M) {h['assert_at']}(C, __LINE__)",
        "#endif",
        "",
    ]
    for check in restated:
        message = escape.c_string(f"{check.rule}: {check.message}")
        yield f"{h['assert']}({top(render_c(check.expr, h['u64']))}, {message});"
    skipped = restated.skipped
    if skipped:
        yield from ["", "/* Not restated:"]
        yield from [f" *   {escape.c_comment(f'{s.rule}: {s.message} -- {s.reason}')}" for s in skipped]
        yield " */"
    yield from [
        "",
        "#ifdef __cplusplus",
        "}",
        "#endif",
        "#endif /* !__ASSEMBLER__ && !__ASSEMBLY__ */",
        "",
        f"#endif /* {h['guard']} */",
    ]
