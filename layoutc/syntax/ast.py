"""The KL abstract syntax tree: frozen, slotted dataclasses with spans.

Built by ``syntax.build`` straight from the parser's reductions; no lark object
survives into these nodes.  Everything after the syntax layer reads only this
module (and the model built from it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

from ..frozen import frozen
from ..source import SourceFile, Span


class _NameAt:
    """A node that keeps where its name's token starts (``name_at``) rather than a span of it.

    The name's span is made when asked for, from the node's own span (its file) and the name's
    length: a Span and an integer less per declaration, attribute and operator (~10 % of a large
    layout's memory, issue 10).  A name is one token, so its length is the token's.
    """

    __slots__ = ()
    if TYPE_CHECKING:
        name: str
        span: Span
        name_at: int

    @property
    def name_span(self) -> Span:
        return Span(self.span.file, self.name_at, self.name_at + len(self.name))


# ---------------------------------------------------------------- expressions


@frozen
class Num:
    value: int
    text: str  # spelling as written, so `3G` can match the choice member `3G`
    span: Span


@frozen
class Word:
    """A digit-led word that is not a number (``3G_OPT``): only a choice member can mean it."""

    text: str
    span: Span


@frozen
class Ver:
    value: tuple[int, ...]
    text: str
    span: Span


@frozen
class Str:
    value: str
    span: Span


@frozen
class Bool:
    value: bool
    span: Span


@frozen
class Name:
    name: str
    span: Span


@frozen
class Attr(_NameAt):
    obj: Expr
    name: str
    span: Span
    name_at: int  # where the name's token starts (name_span)


@frozen
class Index:
    obj: Expr
    index: Expr
    span: Span


@frozen
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span
    func_at: int

    @property
    def func_span(self) -> Span:
        return Span(self.span.file, self.func_at, self.func_at + len(self.func))


@frozen
class Unary:
    op: str
    operand: Expr
    span: Span


@frozen
class Binary:
    op: str
    left: Expr
    right: Expr
    span: Span
    op_at: int

    @property
    def op_span(self) -> Span:
        return Span(self.span.file, self.op_at, self.op_at + len(self.op))


@frozen
class IfExpr:
    cond: Expr
    then: Expr
    otherwise: Expr
    span: Span


@frozen
class Wildcard:
    span: Span


Pattern = Union[Num, Word, Ver, Str, Bool, Name, Wildcard]


@frozen
class MatchArm:
    patterns: tuple[Pattern, ...]
    value: Expr
    span: Span


@frozen
class Match:
    subject: Expr
    arms: tuple[MatchArm, ...]
    span: Span


@frozen
class BankLit:
    base: Expr
    size: Expr
    span: Span


@frozen
class Banks:
    """``BASE:SIZE[, BASE:SIZE...]`` -- only where a value is expected (param default, set, -D)."""

    banks: tuple[BankLit, ...]
    span: Span


Expr = Union[Num, Word, Ver, Str, Bool, Name, Attr, Index, Call, Unary, Binary, IfExpr, Match, Banks]

# ---------------------------------------------------------------- statements


@frozen
class AttrStmt(_NameAt):
    name: str
    value: Expr
    span: Span
    name_at: int  # where the name's token starts (name_span)


@frozen
class TypeSpec:
    name: str  # int size addr bool version string choice banks
    arg: str | None  # banks(phys_offset): the param a bare size is based at
    choices: tuple[tuple[str, Span], ...]
    span: Span


@frozen
class ParamDecl(_NameAt):
    name: str
    type: TypeSpec
    default: Expr | None
    doc: str
    span: Span
    name_at: int  # where the name's token starts (name_span)


@frozen
class ConstDecl(_NameAt):
    name: str
    expr: Expr
    doc: str
    span: Span
    name_at: int  # where the name's token starts (name_span)


@frozen
class SetStmt(_NameAt):
    name: str
    value: Expr
    span: Span
    name_at: int  # where the name's token starts (name_span)


@frozen
class Allow:
    rule: str
    reason: str
    span: Span


@frozen
class Overlaps:
    path: tuple[str, ...]
    reason: str
    span: Span


@frozen
class RangeSpec:
    start: Expr
    end: Expr
    relative: bool  # `[START, +SIZE)`
    span: Span


@frozen
class RegionDecl:
    name: str
    range: RangeSpec
    cond: Expr | None
    attrs: tuple[AttrStmt, ...]
    children: tuple[RegionDecl, ...]
    overlaps: tuple[Overlaps, ...]
    allows: tuple[Allow, ...]
    span: Span
    name_span: Span


@frozen
class HoleDecl:
    name: str | None
    range: RangeSpec
    reason: str
    span: Span


@frozen
class SpaceDecl(_NameAt):
    name: str
    bits: Expr
    regions: tuple[RegionDecl, ...]
    holes: tuple[HoleDecl, ...]
    allows: tuple[Allow, ...]
    span: Span
    name_at: int  # where the name's token starts (name_span)


@frozen
class AssertStmt:
    """`assert COND : "msg"` (the layout must satisfy it) or `requires COND : "msg"`
    (configurations that violate it do not exist, like Kconfig's `depends on`)."""

    cond: Expr
    message: str
    span: Span
    keyword: str = "assert"


@frozen
class Extends:
    path: str
    span: Span


@frozen
class LayoutHeader(_NameAt):
    name: str
    attrs: tuple[AttrStmt, ...]
    span: Span
    name_at: int  # where the name's token starts (name_span)


Statement = Union[Extends, LayoutHeader, ParamDecl, ConstDecl, SetStmt, SpaceDecl, AssertStmt, Allow]


@frozen
class File:
    source: SourceFile
    items: tuple[Statement, ...]
    tokens: int = 0  # how many the file has (L014 counts them over a layout's files)
