"""The layout's invariants as small expressions over generated symbols, for `_Static_assert` and ld `ASSERT`.

The header and the linker-script fragment restate the same checks, built here
once from the model and the symbol table::

    Check(rule="O401", message="virtual.user ends before virtual.modules_area starts",
          expr=Op("<=", (Ref(<..._USER_END>), Ref(<..._MODULES_AREA_START>))))

What is restated: each region's END - START == SIZE, alignment (A501), nesting
(B305), neighbours in address order do not overlap (O401), holes stay free
(B304), the PAGE_OFFSET / PHYS_OFFSET / TASK_SIZE / linear-map / guard-gap /
branch-range rules (K6xx) and the layout's own `assert`s (U901) whose
condition C can express.

Semantics: C (with the casts ``render_c`` adds) and GNU ld both compute in
64-bit unsigned arithmetic; ``evaluate`` does the same in Python.  A check is
emitted only if it evaluates to true on the model under those semantics, so a
generated header always compiles, and only a hand edit or a stale value can
make it fail.  Checks that do not hold (a waived finding) or cannot be
written (``log2``, a value wider than 64 bits, ld's signed division) are
returned as ``Skipped`` with the reason, and the emitters list them.

Implementation note: the model keeps an assert's condition as source text
(``Assertion.span``), so ``_AssertTranslator`` parses the statement again with
the syntax layer's public ``parse``; it reads the AST, never a lark tree.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from ..arch.spec import arch_of
from ..model.types import Layout, Region, Space, is_known
from ..model.values import Version
from ..source import SourceFile
from .symbols import SMALL, U64, Symbol, SymbolTable, version_code

if TYPE_CHECKING:
    from ..model.types import KnownRegion


@dataclass(frozen=True, slots=True)
class Lit:
    value: int  # 0 <= value < 2**64


@dataclass(frozen=True, slots=True)
class Ref:
    symbol: Symbol


@dataclass(frozen=True, slots=True)
class Op:
    op: str  # binary C operator, "neg", "~", "!", or "?:"
    args: tuple[Expr, ...]


Expr = Lit | Ref | Op

COMPARE = ("==", "!=", "<", "<=", ">", ">=")
BINARY = ("+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "&&", "||") + COMPARE
WRAPS = ("+", "-", "*", "<<", "neg", "~")  # operators whose result depends on the width they compute in
SIGNED_IN_LD = ("/", "%")  # GNU ld divides as signed 64-bit (ld/ldexp.c fold_binary)


@dataclass(frozen=True, slots=True)
class Check:
    rule: str  # the diagnostic code this restates ("layout" for the header's own consistency)
    message: str
    expr: Expr


@dataclass(frozen=True, slots=True)
class Skipped:
    rule: str
    message: str
    reason: str


class Inexpressible(Exception):
    """A condition C or ld cannot state over the generated symbols."""


# How large a restated check may be.  Its text repeats an operand of `min`, `max` and `align_up` (C has
# no way to name a value inside a constant expression), so `max` of 20 arguments would be 8 MB of C and
# of 30 about 8 GB; and compilers refuse deep nesting (clang: 256 brackets by default; each level
# here can be three, with the casts).  A check past either is left out, with the reason, like any
# other condition C cannot state.
MAX_CHECK_DEPTH = 64  # operators nested in one check
MAX_CHECK_TERMS = 4096  # operators and operands in its text
# ... and how many a layout may make: the checks between two sets of regions are one per pair, and a
# user's assert may be thousands of terms of long symbol names (a 300-region layout restated 90,000
# pairs, 25 MB of header; 200 asserts of 16 KB: 41 MB), so past these the rest are listed as one
MAX_PAIRS = 64  # restated pairs of one rule (K608: linear x vmalloc regions, K609: modules x images)
MAX_ASSERT_TEXT = 256 * 1024  # characters of C the user's asserts may take together
_TOO_DEEP = f"it nests more than {MAX_CHECK_DEPTH} operators deep in C"


def _bottom_up(expr: Expr) -> Iterator[tuple[Expr, tuple[Expr, ...]]]:
    """Each node of the expression DAG once, after its operands, with them (no recursion)."""
    seen: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in seen:
            continue
        args = node.args if isinstance(node, Op) else ()
        if done or not args:
            seen.add(id(node))
            yield node, args
            continue
        stack.append((node, True))
        stack.extend((arg, False) for arg in args if id(arg) not in seen)


def text_size(expr: Expr) -> int:
    """About how many characters the C text of ``expr`` has (a shared operand counted each time it is
    written), from the expression DAG without rendering it."""
    size: dict[int, int] = {}
    for node, args in _bottom_up(expr):
        own = (len(node.symbol.name) + 2 if isinstance(node, Ref) else len(str(node.value)) + 4
               if isinstance(node, Lit) else len(node.op) + 4)
        size[id(node)] = own + sum(size[id(arg)] for arg in args)
    return size[id(expr)]


def bounded(expr: Expr) -> Expr:
    """``expr``, or Inexpressible if its text would nest or repeat past the bounds above."""
    depth: dict[int, int] = {}
    terms: dict[int, int] = {}
    for node, args in _bottom_up(expr):
        key = id(node)
        depth[key] = 1 + max((depth[id(arg)] for arg in args), default=0)
        terms[key] = 1 + sum(terms[id(arg)] for arg in args)
        if depth[key] > MAX_CHECK_DEPTH:
            raise Inexpressible(_TOO_DEEP)
        if terms[key] > MAX_CHECK_TERMS:
            raise Inexpressible(f"its C text would have more than {MAX_CHECK_TERMS:,} terms "
                                "(`min`, `max` and `align_up` repeat their operands)")
    return expr


# ------------------------------------------------------------------ evaluation


def evaluate(expr: Expr, dialect: str = "c") -> int | None:
    """The value in 64-bit unsigned arithmetic, or None where C has undefined behaviour / ld differs."""
    if isinstance(expr, Lit):
        return expr.value
    if isinstance(expr, Ref):
        return expr.symbol.cvalue if isinstance(expr.symbol.value, int) else None
    evaluated = [evaluate(arg, dialect) for arg in expr.args]
    values = [v for v in evaluated if v is not None]
    if len(values) != len(evaluated):
        return None
    op = expr.op
    if op == "neg":
        return -values[0] % U64
    if op == "~":
        return (U64 - 1) ^ values[0]
    if op == "!":
        return int(values[0] == 0)
    if op == "?:":
        return values[1] if values[0] else values[2]
    a, b = values
    if op in ("/", "%"):
        if b == 0 or (dialect == "ld" and (a >= 1 << 63 or b >= 1 << 63)):
            return None
        return a // b if op == "/" else a % b
    if op in ("<<", ">>"):
        if b >= 64:
            return None
        return (a << b) % U64 if op == "<<" else a >> b
    table = {
        "+": lambda: (a + b) % U64, "-": lambda: (a - b) % U64, "*": lambda: (a * b) % U64,
        "&": lambda: a & b, "|": lambda: a | b, "^": lambda: a ^ b,
        "&&": lambda: int(bool(a) and bool(b)), "||": lambda: int(bool(a) or bool(b)),
        "==": lambda: int(a == b), "!=": lambda: int(a != b), "<": lambda: int(a < b),
        "<=": lambda: int(a <= b), ">": lambda: int(a > b), ">=": lambda: int(a >= b),
    }
    return table[op]()


# ------------------------------------------------------------------ rendering


def _literal(value: int) -> str:
    return str(value) if value < SMALL else f"{value:#x}"


def render_c(expr: Expr, u64: str, wide: bool = False) -> str:
    """C/C++ text; ``u64`` is the header's cast macro.  Operands of width-dependent operators are
    cast to unsigned long long, so the result is the same with 32- and 64-bit `long`."""
    if isinstance(expr, Lit):
        return _literal(expr.value) + ("ULL" if wide else "")
    if isinstance(expr, Ref):
        negative = isinstance(expr.symbol.value, int) and expr.symbol.value < 0
        return f"{u64}({expr.symbol.name})" if wide or negative else expr.symbol.name
    op, args = expr.op, expr.args
    inner = op in WRAPS

    def operand(arg: Expr) -> str:
        text = render_c(arg, u64, inner)
        if inner and isinstance(arg, Op) and arg.op not in WRAPS:
            return f"{u64}({text})"  # a narrower result (a comparison, a division) widened first
        return text

    if op == "neg":
        return f"(-{operand(args[0])})"
    if op in ("~", "!"):
        return f"({op}{operand(args[0])})"
    if op == "?:":
        return f"({operand(args[0])} ? {operand(args[1])} : {operand(args[2])})"
    return f"({operand(args[0])} {op} {operand(args[1])})"


def render_ld(expr: Expr) -> str:
    """GNU ld expression text (ld computes in 64-bit bfd_vma on every target we test)."""
    if isinstance(expr, Lit):
        return _literal(expr.value)
    if isinstance(expr, Ref):
        return expr.symbol.name
    op, args = expr.op, expr.args
    if op == "neg":
        return f"(-{render_ld(args[0])})"
    if op in ("~", "!"):
        return f"({op}{render_ld(args[0])})"
    if op == "?:":
        return f"({render_ld(args[0])} ? {render_ld(args[1])} : {render_ld(args[2])})"
    return f"({render_ld(args[0])} {op} {render_ld(args[1])})"


def top(text: str) -> str:
    """Drop the outermost parentheses of a rendered expression, for readability."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for index, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and index < len(text) - 1:
                return text
        return text[1:-1]
    return text


# ------------------------------------------------------------------ building the checks


def is_aligned(value: Expr, unit: Expr, align: int) -> Expr:
    """``(value & (unit - 1)) == 0`` for a power of two (as IS_ALIGNED() in <linux/align.h>), else ``%``."""
    if align & (align - 1) == 0:
        mask = Lit(align - 1) if isinstance(unit, Lit) else Op("-", (unit, Lit(1)))
        return Op("==", (Op("&", (value, mask)), Lit(0)))
    return Op("==", (Op("%", (value, unit)), Lit(0)))


def _and(*parts: Expr) -> Expr:
    expr = parts[0]
    for part in parts[1:]:
        expr = Op("&&", (expr, part))
    return expr


class _Pairs:
    """Counts the pairs one rule restates: MAX_PAIRS of them, then one line for the rest."""

    def __init__(self, rule: str, what: str) -> None:
        self.rule, self.what, self.count = rule, what, 0

    def take(self) -> bool:
        self.count += 1
        return self.count <= MAX_PAIRS

    def left(self) -> Iterator[Skipped]:
        if self.count > MAX_PAIRS:
            yield Skipped(self.rule, f"{self.count - MAX_PAIRS:,} more pairs of {self.what}",
                          f"more than {MAX_PAIRS} pairs are not restated")


class _Checks:
    def __init__(self, layout: Layout, table: SymbolTable) -> None:
        self.layout = layout
        self.table = table

    def made(self, rule: str, message: str, build) -> Check | Skipped:
        try:
            return Check(rule, message, build())
        except Inexpressible as why:
            return Skipped(rule, message, str(why))

    def sym(self, *key) -> Ref:
        symbol = self.table.get(*key)
        if symbol is None or not symbol.numeric:
            raise Inexpressible(f"no symbol for {' '.join(str(k) for k in key)}")
        return Ref(symbol)

    def bound(self, region: Region, which: str) -> Ref:
        symbol = self.table.get("region", region.space, region.name, which)
        if symbol is None:
            raise Inexpressible(f"{region.qualified} has no {which.upper()} symbol (see the omitted values)")
        return Ref(symbol)

    def const(self, name: str) -> Ref | None:
        symbol = self.table.get("const", name) or self.table.get("param", name)
        return Ref(symbol) if symbol is not None and symbol.style in ("hex", "int") else None

    def wrapped(self, region: Region) -> bool:
        symbol = self.table.get("region", region.space, region.name, "end")
        return symbol is not None and symbol.sum_of is not None

    # ---- the checks
    def page(self) -> Iterator[Check | Skipped]:
        if self.table.get("layout", "PAGE_SIZE") and self.table.get("layout", "PAGE_SHIFT"):
            yield self.made("layout", "PAGE_SIZE is 1 << PAGE_SHIFT", lambda: Op("==", (
                self.sym("layout", "PAGE_SIZE"), Op("<<", (Lit(1), self.sym("layout", "PAGE_SHIFT"))))))

    def regions(self) -> Iterator[Check | Skipped]:
        page = self.layout.page_size
        for space in self.layout.spaces.values():
            present = [r for r in space.regions if is_known(r)]
            by_name = {r.name: r for r in present}
            for region in present:
                q = region.qualified
                if not self.wrapped(region):
                    yield self.made("layout", f"{q}: END - START == SIZE", lambda r=region: Op("==", (
                        Op("-", (self.bound(r, "end"), self.bound(r, "start"))), self.bound(r, "size"))))
                align = region.align or page
                if align > 1:
                    def aligned(r=region, which="start", a=align):
                        unit = self.sym("layout", "PAGE_SIZE") if r.align is None and a == page else Lit(a)
                        return is_aligned(self.bound(r, which), unit, a)
                    words = "a page" if region.align is None else f"{align:#x}"
                    yield self.made("A501", f"{q} starts on {words} boundary", aligned)
                    yield self.made("A501", f"{q} ends on {words} boundary", lambda r=region, a=align: aligned(r, "end", a))
                parent = by_name.get(region.parent) if region.parent else None
                if parent is not None:
                    def inside(r=region, p=parent):
                        parts = [Op("<=", (self.bound(p, "start"), self.bound(r, "start")))]
                        if not self.wrapped(p):
                            parts.append(Op("<=", (self.bound(r, "end"), self.bound(p, "end"))))
                        return _and(*parts)
                    yield self.made("B305", f"{q} lies inside {parent.qualified}", inside)
            yield from self.neighbours(space, present)
            yield from self.holes(space, present)

    def neighbours(self, space: Space, present: list[KnownRegion]) -> Iterator[Check | Skipped]:
        groups: dict[str | None, list[KnownRegion]] = {}
        for region in present:
            groups.setdefault(region.parent, []).append(region)
        for siblings in groups.values():
            ordered = sorted(siblings, key=lambda r: (r.start, r.end))
            for a, b in pairwise(ordered):
                related = (any(rel.other == b.name for rel in a.relations)
                           or any(rel.other == a.name for rel in b.relations))
                if related or self.wrapped(a):
                    continue
                yield self.made("O401", f"{a.qualified} ends before {b.qualified} starts",
                         lambda a=a, b=b: Op("<=", (self.bound(a, "end"), self.bound(b, "start"))))

    def holes(self, space: Space, present: list[KnownRegion]) -> Iterator[Check | Skipped]:
        top_level = sorted((r for r in present if r.parent is None), key=lambda r: (r.start, r.end))
        starts = [r.start for r in top_level]
        for hole in space.holes:
            if hole.start is None or hole.end is None or not 0 <= hole.start < hole.end <= U64 - 1:
                continue
            name = f"{space.name} hole {hole.name or ''}".rstrip()
            # the last region starting below the hole and the first at or above it (a search, not a
            # filter of every region per hole: 7,000 of each took 5.5 s)
            split = bisect.bisect_left(starts, hole.start)
            if split:
                r = top_level[split - 1]
                yield self.made("B304", f"{r.qualified} ends before the {name}",
                         lambda r=r, h=hole: Op("<=", (self.bound(r, "end"), Lit(h.start))))
            if split < len(top_level):
                r = top_level[split]
                yield self.made("B304", f"{r.qualified} starts after the {name}",
                         lambda r=r, h=hole: Op(">=", (self.bound(r, "start"), Lit(h.end))))

    def split(self) -> Iterator[Check | Skipped]:
        layout = self.layout
        arch = arch_of(layout)
        page_offset, phys_offset = self.const("PAGE_OFFSET"), self.const("PHYS_OFFSET")
        if arch is not None and page_offset is not None and arch.page_offset_align:
            align = arch.page_offset_align
            yield self.made("K601", f"PAGE_OFFSET is {align:#x} aligned", lambda: is_aligned(page_offset, Lit(align), align))
        if arch is not None and page_offset is not None and phys_offset is not None:
            phys_align = arch.phys_virt_align(layout)
            if phys_align:
                yield self.made("K607", f"PAGE_OFFSET - PHYS_OFFSET is {phys_align:#x} aligned", lambda: is_aligned(
                    Op("-", (page_offset, phys_offset)), Lit(phys_align), phys_align))
        virtual = layout.spaces.get("virtual")
        if virtual is None:
            return
        regions = [r for r in virtual.regions if is_known(r)]
        limit = self.const("TASK_SIZE") or page_offset
        limit_name = "TASK_SIZE" if self.const("TASK_SIZE") else "PAGE_OFFSET"
        if limit is not None:
            for region in regions:
                bound = limit.symbol.value
                if region.access == "user" and isinstance(bound, int) and region.start < bound:
                    yield self.made("K602", f"{region.qualified} ends at or below {limit_name}",
                             lambda r=region: Op("<=", (self.bound(r, "end"), limit)))
        linear = [r for r in regions if r.kind == "linear"]
        by_key = {(r.space, r.name): r for r in layout.regions() if is_known(r)}
        for lin in linear:
            if page_offset is not None:
                yield self.made("K604", f"linear map {lin.qualified} starts at PAGE_OFFSET",
                         lambda r=lin: Op("==", (self.bound(r, "start"), page_offset)))
            target = by_key.get((lin.maps[0], lin.maps[1])) if lin.maps and len(lin.maps) == 2 else None
            if target is not None:
                if phys_offset is not None:
                    yield self.made("K605", f"{target.qualified}, mapped by {lin.qualified}, starts at PHYS_OFFSET",
                             lambda t=target: Op("==", (self.bound(t, "start"), phys_offset)))
                yield self.made("K606", f"linear map {lin.qualified} is no larger than {target.qualified}",
                         lambda r=lin, t=target: Op("<=", (self.bound(r, "size"), self.bound(t, "size"))))
        pairs = _Pairs("K608", "linear and vmalloc regions")
        for vm in (r for r in regions if r.kind == "vmalloc"):
            for lin in linear:
                if lin.end <= vm.start and pairs.take():
                    yield self.made("K608", f"a guard gap of at least a page separates {lin.qualified} and {vm.qualified}",
                             lambda lin=lin, vm=vm: _and(
                                 Op("<=", (self.bound(lin, "end"), self.bound(vm, "start"))),
                                 Op(">=", (Op("-", (self.bound(vm, "start"), self.bound(lin, "end"))),
                                           self.sym("layout", "PAGE_SIZE")))))
        yield from pairs.left()
        reach = arch.module_branch_range(layout) if arch is not None else None
        if reach:
            texts = [r for r in regions if r.kind == "image" and (r.perm is None or "x" in r.perm)]
            pairs = _Pairs("K609", "modules and executable image regions")
            for modules in (r for r in regions if r.kind == "modules"):
                for text in texts:
                    if not pairs.take():
                        continue
                    low, high = (modules, text) if modules.start <= text.start else (text, modules)
                    yield self.made("K609", f"{modules.qualified} is within {reach:#x} of {text.qualified}",
                             lambda low=low, high=high, reach=reach: Op("<=", (
                                 Op("-", (self.bound(high, "end"), self.bound(low, "start"))), Lit(reach))))
            yield from pairs.left()

    def asserts(self) -> Iterator[Check | Skipped]:
        spent = 0
        for assertion in self.layout.assertions:
            if assertion.passed is not True:
                continue
            where = assertion.span.where()
            check = self.made("U901", assertion.message,
                              lambda a=assertion, w=where: _AssertTranslator(self.layout, self.table).translate(a.span.text, w))
            if isinstance(check, Check):
                spent += text_size(check.expr)
                if spent > MAX_ASSERT_TEXT:
                    check = Skipped("U901", assertion.message, f"the asserts restated before it take more than "
                                    f"{MAX_ASSERT_TEXT:,} characters of C")
            yield check

    def build(self) -> Iterator[Check | Skipped]:
        yield from self.page()
        yield from self.regions()
        yield from self.split()
        yield from self.asserts()


class Restated:
    """The checks that hold on ``layout`` in ``dialect`` ("c" or "ld"), made one by one as they are
    iterated (a header writes each as it comes: a layout of 100,000 regions has ~400,000 of them);
    ``skipped`` afterwards: the ones left out, with why (those C or ld cannot state, then those that
    do not hold or that the dialect's arithmetic cannot evaluate)."""

    def __init__(self, layout: Layout, table: SymbolTable, dialect: str) -> None:
        self.layout, self.table, self.dialect = layout, table, dialect
        self._unstated: list[Skipped] = []
        self._failing: list[Skipped] = []

    def __iter__(self) -> Iterator[Check]:
        dialect = self.dialect
        for check in _Checks(self.layout, self.table).build():
            if isinstance(check, Skipped):
                self._unstated.append(check)
                continue
            value = evaluate(check.expr, dialect)
            if value is None:
                reason = ("ld divides as signed 64-bit numbers"
                          if dialect == "ld" and evaluate(check.expr, "c") is not None
                          else "undefined in 64-bit C arithmetic (a shift by 64 or more, a division by zero)")
                self._failing.append(Skipped(check.rule, check.message, reason))
            elif value == 0:
                reason = "does not hold in this layout (a waived or non-error finding)"
                self._failing.append(Skipped(check.rule, check.message, reason))
            else:
                yield check

    @property
    def skipped(self) -> list[Skipped]:
        return self._unstated + self._failing


def checks(layout: Layout, table: SymbolTable, dialect: str) -> tuple[list[Check], list[Skipped]]:
    """The checks that hold on ``layout`` in ``dialect`` ("c" or "ld"), and the ones left out, with why."""
    restated = Restated(layout, table, dialect)
    kept = list(restated)
    return kept, restated.skipped


# ------------------------------------------------------------------ user asserts


class _AssertTranslator:
    """A KL condition -> an expression over the generated symbols (or Inexpressible)."""

    def __init__(self, layout: Layout, table: SymbolTable) -> None:
        self.layout = layout
        self.table = table
        self.regions: dict[str, list[str]] = {}
        self.depth = 0  # of the node being translated
        for region in layout.regions():
            self.regions.setdefault(region.name, []).append(region.space)

    def translate(self, statement: str, where: str) -> Expr:
        from ..syntax import ast
        from ..syntax.grammar import parse

        self.ast = ast
        tree, problems = parse(SourceFile(f"<assert at {where}>", statement))
        statements = tree.items if isinstance(tree, ast.File) else ()
        items = [item for item in statements if isinstance(item, ast.AssertStmt)]
        if problems or len(items) != 1:
            raise Inexpressible("the condition could not be re-read")
        expr, kind = self.expr(items[0].cond)
        if kind not in ("bool", "int"):
            raise Inexpressible(f"a {kind} condition")
        return bounded(expr)  # the layout's own checks are small by construction; a user's may not be

    # Each method returns (expression, kind); kind is "int", "bool", "version", ("choice", name, value) ...
    def expr(self, node):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:  # strings, banks literals, `match`, indexing
            raise Inexpressible(f"`{node.span.text}` has no C equivalent")
        # every level of the condition is one of the C text (or more), so past the bound of the text
        # there is no need to read deeper: the recursion stays within MAX_CHECK_DEPTH frames
        self.depth += 1
        try:
            if self.depth > MAX_CHECK_DEPTH:
                raise Inexpressible(_TOO_DEEP)
            return method(node)
        finally:
            self.depth -= 1

    def _Num(self, node):
        if not 0 <= node.value < U64:
            raise Inexpressible(f"{node.text} does not fit in 64 bits")
        return Lit(node.value), "int"

    def _Bool(self, node):
        return Lit(int(node.value)), "bool"

    def _Ver(self, node):
        code = version_code(Version(node.value))
        if code is None:
            raise Inexpressible(f"version {node.text} has no KERNEL_VERSION() code")
        return Lit(code), "version"

    def _named(self, kind: str, name: str):
        value = (self.layout.consts[name].value if kind == "const" else self.layout.params[name].value)
        symbol = self.table.get(kind, name)
        from ..model.values import Banks, Choice

        if isinstance(value, Choice):
            return None, ("choice", kind, name, value)
        if isinstance(value, Banks):
            return None, ("banks", kind, name)
        if isinstance(value, str):
            raise Inexpressible(f"`{name}` is a string: C constant expressions and ld cannot compare strings")
        if symbol is None or not symbol.numeric:
            raise Inexpressible(f"`{name}` has no numeric symbol")
        kind_of = {"flag": "bool", "version": "version"}.get(symbol.style, "int")
        return Ref(symbol), kind_of

    def _Name(self, node):
        name = node.name
        if name in self.layout.consts:
            return self._named("const", name)
        if name in self.layout.params:
            return self._named("param", name)
        raise Inexpressible(f"`{name}` is no constant or param")

    def _chain(self, node) -> list[str] | None:
        ast = self.ast
        parts = []
        while isinstance(node, ast.Attr):
            parts.append(node.name)
            node = node.obj
        if not isinstance(node, ast.Name):
            return None
        parts.append(node.name)
        return parts[::-1]

    def _Attr(self, node):
        """`ram.base` (a param or constant first, as the evaluator resolves names), `lowmem.end`,
        `virtual.user.start`."""
        chain = self._chain(node)
        if chain is None:
            raise Inexpressible(f"`{node.span.text}` has no C equivalent")
        head, attr = chain[0], chain[-1]
        kind = "const" if head in self.layout.consts else "param" if head in self.layout.params else None
        if kind is not None:
            if len(chain) == 2:
                found = self.table.get(kind + "-attr", head, attr)
                if attr in ("base", "end", "size", "count") and found is not None:
                    return Ref(found), "int"
                end, base = self.table.get(kind + "-attr", head, "end"), self.table.get(kind + "-attr", head, "base")
                if attr == "span" and end is not None and base is not None:
                    return Op("-", (Ref(end), Ref(base))), "int"
            raise Inexpressible(f"`{node.span.text}` has no C equivalent")
        key = None
        if len(chain) == 3 and head in self.layout.spaces:
            key = (head, chain[1])
        elif len(chain) == 2 and head in self.regions:
            key = (self.regions[head][0], head)
        if key is not None:
            symbols = {w: self.table.get("region", key[0], key[1], w) for w in ("start", "end", "size")}
            found = symbols.get(attr)
            if attr in ("start", "end", "size") and found is not None:
                return Ref(found), "int"
            last = symbols["end"]
            if attr == "last" and last is not None:
                return Op("-", (Ref(last), Lit(1))), "int"
        raise Inexpressible(f"`{node.span.text}` has no C equivalent (a region that is not present?)")

    def _number(self, node):
        expr, kind = self.expr(node)
        if kind == "int" and expr is not None:
            return expr
        raise Inexpressible(f"`{node.span.text}` is a {kind if isinstance(kind, str) else kind[0]}, not a number")

    def _boolean(self, node):
        expr, kind = self.expr(node)
        if kind == "bool" and expr is not None:
            return expr
        raise Inexpressible(f"`{node.span.text}` is not a bool")

    def _Unary(self, node):
        if node.op == "!":
            return Op("!", (self._boolean(node.operand),)), "bool"
        return Op("neg" if node.op == "-" else "~", (self._number(node.operand),)), "int"

    def _member(self, choice_kind, other) -> Expr:
        """`vmsplit == 3G` -> the member flag of `vmsplit`."""
        ast = self.ast
        _, kind, name, _ = choice_kind
        if isinstance(other, (ast.Num, ast.Word)):
            text = other.text
        elif isinstance(other, ast.Name) and not self.layout.has(other.name):
            text = other.name
        else:
            raise Inexpressible("a choice compared with something other than one of its members")
        symbol = self.table.get(kind + "-member", name, text)
        if symbol is None:
            raise Inexpressible(f"`{text}` is not a member of `{name}`")
        return Ref(symbol)

    def _Binary(self, node):
        ast = self.ast
        op = node.op
        if op in ("&&", "||"):
            return Op(op, (self._boolean(node.left), self._boolean(node.right))), "bool"
        if op in COMPARE:
            left, lkind = self.expr(node.left)
            if isinstance(lkind, tuple) and lkind[0] == "choice":
                numeric = self.table.get(lkind[1], lkind[2])
                if op in ("==", "!="):
                    flag = self._member(lkind, node.right)
                    return (flag if op == "==" else Op("!", (flag,))), "bool"
                if numeric is not None and isinstance(node.right, ast.Num):
                    return Op(op, (Ref(numeric), Lit(node.right.value))), "bool"
                raise Inexpressible("a choice ordered against something that is not a number")
            if lkind == "version" and isinstance(node.right, ast.Num) and node.right.text.isdigit():
                code = version_code(Version((node.right.value,)))
                if code is None:
                    raise Inexpressible("a version out of KERNEL_VERSION() range")
                return Op(op, (left, Lit(code))), "bool"
            right, rkind = self.expr(node.right)
            if left is None or right is None or lkind != rkind:
                raise Inexpressible(f"`{node.span.text}` compares values C cannot compare")
            return Op(op, (left, right)), "bool"
        if op in BINARY:
            return Op(op, (self._number(node.left), self._number(node.right))), "int"
        raise Inexpressible(f"operator `{op}`")

    def _IfExpr(self, node):
        cond = self._boolean(node.cond)
        then, tkind = self.expr(node.then)
        otherwise, okind = self.expr(node.otherwise)
        if then is None or otherwise is None or tkind != okind:
            raise Inexpressible("an `if` whose branches C cannot express")
        return Op("?:", (cond, then, otherwise)), tkind

    def _Call(self, node):
        args = [self._number(arg) for arg in node.args]

        def minimum(a, b):
            return Op("?:", (Op("<", (a, b)), a, b))

        def maximum(a, b):
            return Op("?:", (Op(">", (a, b)), a, b))

        func = node.func
        if func in ("min", "max") and args:
            expr = args[0]
            for arg in args[1:]:
                expr = minimum(expr, arg) if func == "min" else maximum(expr, arg)
            return expr, "int"
        if func == "align_down" and len(args) == 2:
            return Op("*", (Op("/", (args[0], args[1])), args[1])), "int"
        if func == "align_up" and len(args) == 2:
            x, a = args
            return Op("*", (Op("/", (Op("-", (Op("+", (x, a)), Lit(1))), a)), a)), "int"
        if func == "is_pow2" and len(args) == 1:
            (x,) = args
            return _and(Op("!=", (x, Lit(0))), Op("==", (Op("&", (x, Op("-", (x, Lit(1))))), Lit(0)))), "bool"
        if func == "clamp" and len(args) == 3:
            x, lo, hi = args
            return maximum(lo, minimum(x, hi)), "int"
        raise Inexpressible(f"`{func}()` has no C equivalent here")
