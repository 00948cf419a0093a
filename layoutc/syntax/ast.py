"""The KL abstract syntax tree: frozen, slotted dataclasses with spans.

Built by ``syntax.build`` straight from the parser's reductions; no lark object
survives into these nodes.  Everything after the syntax layer reads only this
module (and the model built from it).
"""

from __future__ import annotations

from typing import Any, Union

from ..frozen import field, frozen
from ..source import SourceFile, Span, SpanField


class _TokenSpan:
    """The span of a one-token part of a node (its name, its operator), made when asked for.

    The node keeps only where the token starts (``at``, an offset); the span's file is the node's
    own and its length the text's: a Span and an integer less per declaration, attribute and
    operator (~10 % of a large layout's memory, issue 10).
    """

    def __init__(self, at: str, text: str) -> None:
        self.at, self.text = at, text

    def __get__(self, node: Any, owner: Any = None) -> Span:
        at = getattr(node, self.at)
        return Span(node.span.file, at, at + len(getattr(node, self.text)))


# ---------------------------------------------------------------- expressions


@frozen
class Num:
    value: int
    text: str  # spelling as written, so `3G` can match the choice member `3G`
    span: Span = field(stored=SpanField)


@frozen
class Word:
    """A digit-led word that is not a number (``3G_OPT``): only a choice member can mean it."""

    text: str
    span: Span = field(stored=SpanField)


@frozen
class Ver:
    value: tuple[int, ...]
    text: str
    span: Span = field(stored=SpanField)


@frozen
class Str:
    value: str
    span: Span = field(stored=SpanField)


@frozen
class Bool:
    value: bool
    span: Span = field(stored=SpanField)


@frozen
class Name:
    name: str
    span: Span = field(stored=SpanField)


@frozen
class Attr:
    obj: Expr
    name: str
    span: Span = field(stored=SpanField)
    name_at: int  # where the name's token starts

    name_span = _TokenSpan("name_at", "name")


@frozen
class Index:
    obj: Expr
    index: Expr
    span: Span = field(stored=SpanField)


@frozen
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span = field(stored=SpanField)
    func_at: int

    func_span = _TokenSpan("func_at", "func")


@frozen
class Unary:
    op: str
    operand: Expr
    span: Span = field(stored=SpanField)


@frozen
class Binary:
    op: str
    left: Expr
    right: Expr
    span: Span = field(stored=SpanField)
    op_at: int

    op_span = _TokenSpan("op_at", "op")


@frozen
class IfExpr:
    cond: Expr
    then: Expr
    otherwise: Expr
    span: Span = field(stored=SpanField)


@frozen
class Wildcard:
    span: Span = field(stored=SpanField)


Pattern = Union[Num, Word, Ver, Str, Bool, Name, Wildcard]


@frozen
class MatchArm:
    patterns: tuple[Pattern, ...]
    value: Expr
    span: Span = field(stored=SpanField)


@frozen
class Match:
    subject: Expr
    arms: tuple[MatchArm, ...]
    span: Span = field(stored=SpanField)


@frozen
class BankLit:
    base: Expr
    size: Expr
    span: Span = field(stored=SpanField)


@frozen
class Banks:
    """``BASE:SIZE[, BASE:SIZE...]`` -- only where a value is expected (param default, set, -D)."""

    banks: tuple[BankLit, ...]
    span: Span = field(stored=SpanField)


Expr = Union[Num, Word, Ver, Str, Bool, Name, Attr, Index, Call, Unary, Binary, IfExpr, Match, Banks]

# ---------------------------------------------------------------- statements


@frozen
class AttrStmt:
    name: str
    value: Expr
    span: Span = field(stored=SpanField)
    name_at: int  # where the name's token starts

    name_span = _TokenSpan("name_at", "name")


@frozen
class TypeSpec:
    name: str  # int size addr bool version string choice banks
    arg: str | None  # banks(phys_offset): the param a bare size is based at
    choices: tuple[tuple[str, Span], ...]
    span: Span = field(stored=SpanField)


@frozen
class ParamDecl:
    name: str
    type: TypeSpec
    default: Expr | None
    doc: str
    span: Span = field(stored=SpanField)
    name_at: int  # where the name's token starts

    name_span = _TokenSpan("name_at", "name")


@frozen
class ConstDecl:
    name: str
    expr: Expr
    doc: str
    span: Span = field(stored=SpanField)
    name_at: int  # where the name's token starts

    name_span = _TokenSpan("name_at", "name")


@frozen
class SetStmt:
    name: str
    value: Expr
    span: Span = field(stored=SpanField)
    name_at: int  # where the name's token starts

    name_span = _TokenSpan("name_at", "name")


@frozen
class Allow:
    rule: str
    reason: str
    span: Span = field(stored=SpanField)


@frozen
class Overlaps:
    path: tuple[str, ...]
    reason: str
    span: Span = field(stored=SpanField)


@frozen
class RangeSpec:
    start: Expr
    end: Expr
    relative: bool  # `[START, +SIZE)`
    span: Span = field(stored=SpanField)


@frozen
class RegionDecl:
    name: str
    range: RangeSpec
    cond: Expr | None
    attrs: tuple[AttrStmt, ...]
    children: tuple[RegionDecl, ...]
    overlaps: tuple[Overlaps, ...]
    allows: tuple[Allow, ...]
    span: Span = field(stored=SpanField)
    name_span: Span = field(stored=SpanField.sharing("span"))


@frozen
class HoleDecl:
    name: str | None
    range: RangeSpec
    reason: str
    span: Span = field(stored=SpanField)


@frozen
class SpaceDecl:
    name: str
    bits: Expr
    regions: tuple[RegionDecl, ...]
    holes: tuple[HoleDecl, ...]
    allows: tuple[Allow, ...]
    span: Span = field(stored=SpanField)
    name_at: int  # where the name's token starts

    name_span = _TokenSpan("name_at", "name")


@frozen
class AssertStmt:
    """`assert COND : "msg"` (the layout must satisfy it) or `requires COND : "msg"`
    (configurations that violate it do not exist, like Kconfig's `depends on`)."""

    cond: Expr
    message: str
    span: Span = field(stored=SpanField)
    keyword: str = "assert"


@frozen
class Extends:
    path: str
    span: Span = field(stored=SpanField)


@frozen
class LayoutHeader:
    name: str
    attrs: tuple[AttrStmt, ...]
    span: Span = field(stored=SpanField)
    name_at: int  # where the name's token starts

    name_span = _TokenSpan("name_at", "name")


Statement = Union[Extends, LayoutHeader, ParamDecl, ConstDecl, SetStmt, SpaceDecl, AssertStmt, Allow]


@frozen
class File:
    source: SourceFile
    items: tuple[Statement, ...]
    tokens: int = 0  # how many the file has (L014 counts them over a layout's files)
    declarations: int = 0  # its regions and holes (L007 counts them over a layout's files)
