"""The evaluated layout model: what rules, emitters and the simulator read.

Plain integers with spans and provenance, frozen.  Nothing here knows about the
parser; ``elaborate`` builds it from the AST.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Mapping, TypeGuard, overload

from ..frozen import field, frozen
from ..source import SourceFile, Span, SpanField
from .values import format_address, show


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(value: object, limit: int = 60) -> str:
    """A value as diagnostics show it, cut to ``limit`` characters (reprs stay one short line)."""
    return _cut(show(value), limit)


def _at(span: Span) -> str:
    return span.where()


@frozen
class Origin:
    """One link of a provenance chain: where a value was defined or overridden."""

    how: str  # "default", "set", "-D", "const", "region"
    span: Span = field(stored=SpanField)
    text: str  # the expression as written

    def describe(self) -> str:
        return f"{self.how} `{self.text}` at {self.span.where()}"

    def __repr__(self) -> str:
        return f"Origin({self.how} {_short(self.text)} at {_at(self.span)})"


@frozen
class Param:
    name: str
    type: str  # int size addr bool version string choice banks
    choices: tuple[str, ...]
    value: object
    doc: str
    span: Span = field(stored=SpanField)  # the declaration
    origins: tuple[Origin, ...]  # declaration default first, last override last

    def __repr__(self) -> str:
        last = self.origins[-1].span if self.origins else self.span  # where the value in force was given
        return f"Param({self.name}: {self.type} = {_short(self.value)} at {_at(last)})"


@frozen
class Const:
    name: str
    value: object
    doc: str
    span: Span = field(stored=SpanField)
    formula: str
    inputs: tuple[str, ...]  # names this constant's formula reads

    def __repr__(self) -> str:
        return f"Const({self.name} = {_short(self.value)} at {_at(self.span)})"


@frozen
class Waiver:
    rule: str  # code or kebab-case name, as written
    reason: str
    span: Span = field(stored=SpanField)
    scope: str  # "file" or "space:NAME" or "region:SPACE.NAME"

    def __repr__(self) -> str:
        return f"Waiver({self.rule} {_short(self.reason, 40)} at {_at(self.span)})"


@frozen
class Relation:
    other: str  # region name the overlap with is intended
    reason: str
    span: Span = field(stored=SpanField)

    def __repr__(self) -> str:
        return f"Relation(overlaps {self.other} at {_at(self.span)})"


@frozen
class Region:
    space: str
    name: str
    parent: str | None
    depth: int
    present: bool  # its `if` (and its parent's) held
    start: int | None  # None when evaluation failed (already reported)
    end: int | None
    kind: str
    perm: str | None  # "rwx" letters, "" for none, None when not given
    access: str  # "user" or "kernel"
    align: int | None
    maps: tuple[str, ...] | None  # path of the region this one maps (linear map -> RAM)
    label: str
    doc: str
    relations: tuple[Relation, ...]
    waivers: tuple[Waiver, ...]
    span: Span = field(stored=SpanField)  # the whole declaration
    name_span: Span = field(stored=SpanField.sharing("span"))  # parts of it, in its file
    range_span: Span = field(stored=SpanField.sharing("span"))
    start_span: Span = field(stored=SpanField.sharing("span"))
    end_span: Span = field(stored=SpanField.sharing("span"))
    children: tuple[str, ...] = ()

    @property
    def size(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start

    @property
    def known(self) -> bool:
        return self.present and self.start is not None and self.end is not None

    @property
    def qualified(self) -> str:
        return f"{self.space}.{self.name}"

    def __repr__(self) -> str:
        if not self.present:
            where = "absent"
        elif self.start is None or self.end is None:
            where = "unknown range"
        else:
            where = f"[{format_address(self.start)}, {format_address(self.end)})"
        return f"Region({self.qualified} {where} kind={self.kind} at {_at(self.span)})"


@frozen
class Hole:
    space: str
    name: str | None
    start: int | None
    end: int | None
    reason: str
    span: Span = field(stored=SpanField)

    def __repr__(self) -> str:
        where = ("unknown range" if self.start is None or self.end is None
                 else f"[{format_address(self.start)}, {format_address(self.end)})")
        return f"Hole({self.space}.{self.name or '-'} {where} at {_at(self.span)})"


if TYPE_CHECKING:

    class KnownRegion(Region):
        """For the type checker only: a ``Region`` whose ``known`` holds (present, both bounds evaluated)."""

        start: int
        end: int

        @property
        def size(self) -> int: ...

    class KnownHole(Hole):
        """For the type checker only: a ``Hole`` whose bounds evaluated."""

        start: int
        end: int


@overload
def is_known(item: Region) -> TypeGuard[KnownRegion]: ...
@overload
def is_known(item: Hole) -> TypeGuard[KnownHole]: ...
def is_known(item: Region | Hole) -> bool:
    """A region that is present with both bounds evaluated, or a hole whose bounds evaluated.

    Tells the type checker that ``start`` and ``end`` are integers.
    """
    if isinstance(item, Region):
        return item.known
    return item.start is not None and item.end is not None


@frozen
class Space:
    name: str
    bits: int
    regions: tuple[Region, ...]  # every region at every depth, in source order
    holes: tuple[Hole, ...]
    span: Span = field(stored=SpanField)

    @property
    def limit(self) -> int:
        return 1 << self.bits

    def __repr__(self) -> str:
        return (f"Space({self.name} bits={self.bits}, {len(self.regions)} regions, {len(self.holes)} holes "
                f"at {_at(self.span)})")


@frozen
class Operand:
    text: str
    value: object

    def __repr__(self) -> str:
        return f"Operand({_short(self.text, 40)} = {_short(self.value, 40)})"


@frozen
class Assertion:
    message: str
    passed: bool | None  # None: could not be evaluated (already reported)
    span: Span = field(stored=SpanField)
    cond_span: Span = field(stored=SpanField)
    operands: tuple[Operand, ...]
    inputs: tuple[str, ...]
    keyword: str = "assert"  # or "requires": a constraint on which configurations exist

    def __repr__(self) -> str:
        verdict = {True: "passed", False: "failed", None: "not evaluated"}[self.passed]
        return f"Assertion({self.keyword} {_short(self.message, 50)} {verdict} at {_at(self.span)})"


@frozen(eq=False, slots=False)
class Layout:
    name: str
    title: str
    arch: str
    bits: int
    page_size: int
    mmu: str
    va_bits: int | None
    header: Mapping[str, object]
    params: Mapping[str, Param]
    consts: Mapping[str, Const]
    spaces: Mapping[str, Space]
    assertions: tuple[Assertion, ...]
    waivers: tuple[Waiver, ...]  # every waiver, file- and region-scoped
    files: tuple[SourceFile, ...]  # every file read: the base first, the file named last
    overrides: tuple[tuple[str, str], ...]  # -D NAME=VALUE as given
    used_names: frozenset[str] = field(default=frozenset())

    def __repr__(self) -> str:
        source = self.files[-1].name if self.files else "?"  # the file named (after the bases it extends)
        overrides = "".join(f" -D {name}={value}" for name, value in self.overrides)
        return (f"Layout({self.name} from {source}{_cut(overrides, 80)}: "
                f"{len(self.spaces)} spaces, {self.region_count} regions, "
                f"{len(self.params)} params, {len(self.consts)} consts)")

    def value(self, name: str) -> object:
        if name in self.params:
            return self.params[name].value
        return self.consts[name].value

    def has(self, name: str) -> bool:
        return name in self.params or name in self.consts

    def provenance(self, name: str) -> tuple[Origin, ...]:
        """Where a param's or constant's value came from: for a param its declared default, then
        every `set` and `-D` in the order applied (the last one is in force); for a constant its
        definition.  KeyError for a name that is neither."""
        if name in self.params:
            return self.params[name].origins
        const = self.consts[name]
        return (Origin("const", const.span, const.formula),)

    def int_value(self, name: str) -> int | None:
        """A well-known integer constant (PAGE_OFFSET...), or None when absent or not an int."""
        if not self.has(name):
            return None
        value = self.value(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def space(self, name: str) -> Space:
        return self.spaces[name]

    def region(self, space: str, name: str) -> Region:
        for region in self.spaces[space].regions:
            if region.name == name:
                return region
        raise KeyError(f"{space}.{name}")

    def regions(self) -> Iterator[Region]:
        for space in self.spaces.values():
            yield from space.regions

    @property
    def region_count(self) -> int:
        return sum(len(space.regions) for space in self.spaces.values())
