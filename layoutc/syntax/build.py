"""Parser reductions -> AST.

``AstBuilder`` is the LALR parser's callback table (``syntax/lalr.py``), so each grammar
reduction builds its AST node directly: no parse tree is kept, no recursion
over a tree is needed (10,000-deep nesting costs a list, not a stack frame),
and tokens never leave this module.  Literal problems (a bad number, a
bad escape) are collected as diagnostics, not raised.
"""

from __future__ import annotations

import re

from ..diagnostics import Sink
from ..frozen import replace
from ..limits import MAX_DEPTH, MAX_LITERAL_BITS, MAX_LITERAL_DIGITS, MAX_VERSION_DIGITS
from ..source import SourceFile, Span, end_of, start_of
from . import ast
from .lalr import Token

_SUFFIX = {
    "": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50, "E": 1 << 60,
    "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "PiB": 1 << 50, "EiB": 1 << 60,
}
_NUMBER = re.compile(r"(?:0x([0-9a-fA-F]+)|0b([01]+)|([0-9]+)(K|M|G|T|P|E|KiB|MiB|GiB|TiB|PiB|EiB)?)\Z")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"'}


# Literals wider than the limit are refused here (L002), which also keeps int() clear of
# Python's 4300-digit conversion limit.


class LiteralTooLarge(ValueError):
    """An integer literal wider than ``MAX_LITERAL_BITS``."""


def parse_number(text: str) -> int | None:
    """The value of a KL integer literal, or None if ``text`` is not one.

    Raises ``LiteralTooLarge`` for a literal wider than ``MAX_LITERAL_BITS``.
    """
    if text.startswith("_") or text.endswith("_") or "__" in text:
        return None
    match = _NUMBER.match(text.replace("_", ""))
    if match is None:
        return None
    hex_digits, bin_digits, dec_digits, suffix = match.groups()
    if hex_digits is not None:
        value = int(hex_digits, 16)
    elif bin_digits is not None:
        value = int(bin_digits, 2)
    else:
        digits = dec_digits.lstrip("0") or "0"
        if len(digits) > MAX_LITERAL_DIGITS:
            raise LiteralTooLarge(text)
        value = int(digits) * _SUFFIX[suffix or ""]
    if value.bit_length() > MAX_LITERAL_BITS:
        raise LiteralTooLarge(text)
    return value


# C precedence, loosest first; every binary operator is left-associative.
_PRECEDENCE = {
    "OROR": 1, "ANDAND": 2, "BAR": 3, "CARET": 4, "AMP": 5, "EQ": 6, "NE": 6,
    "LT": 7, "LE": 7, "GT": 7, "GE": 7, "SHL": 8, "SHR": 8,
    "PLUS": 9, "MINUS": 9, "STAR": 10, "SLASH": 10, "PERCENT": 10,
}


def _offset(value: int | None) -> int:
    if value is None:  # our lexer gives every token its offsets
        raise ValueError("a token without a position")
    return value


def _at(token: Token) -> int:
    """Where ``token`` starts: what a node keeps of its name's or operator's token (``ast._TokenSpan``)."""
    return _offset(token.start_pos)


def _first(item) -> int:
    return _offset(item.start_pos) if isinstance(item, Token) else start_of(item)


def _last(item) -> int:
    return _offset(item.end_pos) if isinstance(item, Token) else end_of(item)


def offsets(item) -> tuple[int, int]:
    """Where a token or a node the builder made starts and ends."""
    return _first(item), _last(item)


class AstBuilder:
    """One method per grammar rule or alias; called by the LALR parser on each reduction."""

    def __init__(self) -> None:
        self.source: SourceFile | None = None
        self.sink = Sink()

    def reset(self, source: SourceFile) -> None:
        self.source = source
        self.sink = Sink()
        self._depth: dict[int, int] = {}  # id(node) -> nesting depth, for expressions and regions (L006)
        self._too_deep = False
        self.declarations = 0  # regions and holes built (L007)

    def release(self) -> None:
        """Forget the parse: the builder is cached with the parser, and must not keep a file's depth table or text."""
        self.source = None
        self._depth = {}

    def _nest(self, node, children, what: str = "expression"):
        """Record ``node``'s nesting depth (one more than its deepest child); L006 once past the limit."""
        # a child is nested once: its entry goes when its parent's is made (the table holds the
        # frontier of the parse, not every node; grammar.parse clears what is left)
        depth = 1 + max((self._depth.pop(id(child), 0) for child in children), default=0)
        self._depth[id(node)] = depth
        if depth > MAX_DEPTH and not self._too_deep:
            self._too_deep = True
            self.sink.emit("L006", f"{what} nested more than {MAX_DEPTH} levels deep", node.span,
                           help="name inner parts as constants" if what == "expression" else
                           "real layouts nest regions a few levels; flatten the generated ones")
        return node

    @property
    def file(self) -> SourceFile:
        if self.source is None:
            raise RuntimeError("AstBuilder.reset(source) was not called")
        return self.source

    # ---- helpers
    def _span(self, first, last=None) -> Span:
        return Span(self.file, _first(first), _last(first if last is None else last))

    def _tok(self, token: Token) -> Span:
        return Span(self.file, _offset(token.start_pos), _offset(token.end_pos))

    def _string(self, token: Token) -> str:
        raw = str(token)[1:-1]
        if "\\" not in raw:
            return raw
        out: list[str] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", raw[i + 2 : i + 4]):
                out.append(chr(int(raw[i + 2 : i + 4], 16)))
                i += 4
            else:
                if not self.sink.tally("S002"):
                    start = _offset(token.start_pos) + 1 + i
                    self.sink.emit(
                        "S002", f"unknown escape `\\{nxt}` in a string", Span(self.file, start, start + 2),
                        help="use one of \\\" \\\\ \\n \\t \\r \\0 \\xHH",
                    )
                out.append(nxt)
                i += 2
        return "".join(out)

    def _doc(self, token) -> str:
        return "" if token is None else self._string(token)

    # ---- top level
    def items(self, c):
        """A left-recursive list rule: the first item starts a list, each later one is appended."""
        if len(c) == 1:
            return [c[0]]
        c[0].append(c[1])
        return c[0]

    header_items = space_items = region_items = items

    def start(self, c):
        return self._items(c[0] or [])

    def override(self, items):
        return items[0]

    def extends_stmt(self, c):
        return ast.Extends(self._string(c[1]), self._span(c[0], c[1]))

    def layout_block(self, c):
        attrs = self._items(c[2] or [])
        return ast.LayoutHeader(str(c[1]), tuple(attrs), self._span(c[0], c[-1]), _at(c[1]))

    def attr(self, c):
        return ast.AttrStmt(str(c[0]), c[1], self._span(c[0], c[1]), _at(c[0]))

    def value(self, c):
        return c[0]

    def banks(self, c):
        return ast.Banks(tuple(c), self._span(c[0], c[-1]))

    def bank(self, c):
        return ast.BankLit(c[0], c[1], self._span(c[0], c[1]))

    def param_decl(self, c):
        keyword, name, type_spec, default, doc = c
        last = doc or default or type_spec
        return ast.ParamDecl(str(name), type_spec, default, self._doc(doc), self._span(keyword, last), _at(name))

    def simple_type(self, c):
        name, arg = c
        return ast.TypeSpec(str(name), None if arg is None else str(arg), (), self._span(name, arg or name))

    def choice_type(self, c):
        items = [item for item in c if item is not None]
        choices = tuple((str(tok), self._tok(tok)) for tok in items)
        return ast.TypeSpec("choice", None, choices, self._span(items[0], items[-1]))

    def choice_item(self, c):
        if c[0].type == "WORDNUM":
            try:
                parse_number(str(c[0]))
            except LiteralTooLarge:
                self._too_large(c[0])
        return c[0]

    def _too_large(self, tok: Token) -> None:
        self.sink.emit("L002", f"integer literal too large (more than {MAX_LITERAL_BITS} bits)", self._tok(tok),
                       help="layout values fit in 64 bits; check for a stray run of digits")

    def const_decl(self, c):
        keyword, name, expr, doc = c
        return ast.ConstDecl(str(name), expr, self._doc(doc), self._span(keyword, doc or expr), _at(name))

    def set_stmt(self, c):
        return ast.SetStmt(str(c[1]), c[2], self._span(c[0], c[2]), _at(c[1]))

    def assert_stmt(self, c):
        return ast.AssertStmt(c[1], self._string(c[2]), self._span(c[0], c[2]), str(c[0]))

    def allow_stmt(self, c):
        return ast.Allow(str(c[1]), self._string(c[2]), self._span(c[0], c[2]))

    def space_decl(self, c):
        keyword, name, bits, body, rbrace = c
        items = self._items(body or [])
        return ast.SpaceDecl(
            str(name), bits,
            tuple(i for i in items if isinstance(i, ast.RegionDecl)),
            tuple(i for i in items if isinstance(i, ast.HoleDecl)),
            tuple(i for i in items if isinstance(i, ast.Allow)),
            self._span(keyword, rbrace), _at(name),
        )

    def region(self, c):
        keyword, name, range_, cond, body = c
        self.declarations += 1
        items = body or []
        children = tuple(i for i in items if isinstance(i, ast.RegionDecl))
        return self._nest(ast.RegionDecl(
            str(name), range_, cond,
            tuple(i for i in items if isinstance(i, ast.AttrStmt)),
            children,
            tuple(i for i in items if isinstance(i, ast.Overlaps)),
            tuple(i for i in items if isinstance(i, ast.Allow)),
            self._span(keyword, (body[-1] if body else None) or cond or range_),
            self._tok(name),
        ), children, "regions")

    def cond(self, c):
        return c[1]

    def region_body(self, c):
        items = self._items(c[0] or [])
        items.append(c[-1])  # the closing brace, so the region's span ends there
        return _Body(items)

    def overlaps(self, c):
        keyword, ref, reason = c
        path, last = ref
        return ast.Overlaps(path, self._doc(reason), self._span(keyword, reason or last))

    def ref(self, c):
        return tuple(str(t) for t in c), c[-1]

    def hole(self, c):
        keyword, name, range_, reason = c
        self.declarations += 1
        return ast.HoleDecl(None if name is None else str(name), range_, self._string(reason), self._span(keyword, reason))

    def range(self, c):
        lsqb, start, (end, relative), rpar = c
        return ast.RangeSpec(start, end, relative, self._span(lsqb, rpar))

    def abs_end(self, c):
        return c[0], False

    def rel_end(self, c):
        return c[1], True

    def _items(self, items) -> list:
        """Drop `;` tokens; two items on one line need a `;` between them."""
        out = []
        previous_end = None
        separated = True
        for item in items:
            if isinstance(item, Token):
                if item.type == "SEMI":
                    separated = True
                continue
            if previous_end is not None and not separated:
                between = self.file.text[previous_end:_first(item)]
                if "\n" not in between:
                    self.sink.emit(
                        "S001", "expected a newline or `;` before this item", self._span(item) if not isinstance(item, Token) else self._tok(item),
                        help="put each attribute or region on its own line, or separate them with `;`",
                    )
            out.append(item)
            previous_end = _last(item)
            separated = False
        return out

    # ---- expressions
    def number(self, c):
        tok = c[0]
        text = str(tok)
        try:
            value = parse_number(text)
        except LiteralTooLarge:
            self._too_large(tok)
            return ast.Num(0, text, self._tok(tok))
        if value is None:
            return ast.Word(text, self._tok(tok))
        return ast.Num(value, text, self._tok(tok))

    def version(self, c):
        tok = c[0]
        parts = str(tok).split(".")
        if any(len(part.lstrip("0")) > MAX_VERSION_DIGITS for part in parts):  # keeps int() below its digit limit
            self.sink.emit("L002", f"version component too large (more than {MAX_VERSION_DIGITS} digits)",
                           self._tok(tok), help="versions are written like 6.12 or 2.6.35")
            return ast.Ver((0,), str(tok), self._tok(tok))
        return ast.Ver(tuple(int(part.lstrip("0") or "0") for part in parts), str(tok), self._tok(tok))

    def string(self, c):
        return ast.Str(self._string(c[0]), self._tok(c[0]))

    def true(self, c):
        return ast.Bool(True, self._tok(c[0]))

    def false(self, c):
        return ast.Bool(False, self._tok(c[0]))

    def name(self, c):
        return ast.Name(str(c[0]), self._tok(c[0]))

    def attribute(self, c):
        obj, name = c
        return self._nest(ast.Attr(obj, str(name), self._span(obj, name), _at(name)), (obj,))

    def index(self, c):
        obj, idx = c
        return self._nest(ast.Index(obj, idx, Span(self.file, start_of(obj), end_of(idx) + 1)), (obj, idx))

    def call(self, c):
        name, *args, rpar = c
        args = tuple(a for a in args if a is not None)
        return self._nest(ast.Call(str(name), args, self._span(name, rpar), _at(name)), args)

    def paren(self, c):
        """A parenthesised expression keeps its node; its span grows to cover the parentheses."""
        lpar, expr, rpar = c
        return self._nest(replace(expr, span=self._span(lpar, rpar)), (expr,))

    def unop(self, c):
        op, operand = c
        return self._nest(ast.Unary(str(op), operand, self._span(op, operand)), (operand,))

    def binary(self, c):
        """`a op b op c ...` -> Binary nodes by C precedence (operator-precedence parsing, left-associative)."""
        operands = [c[0]]
        operators: list[Token] = []

        def reduce() -> None:
            op = operators.pop()
            right = operands.pop()
            left = operands.pop()
            operands.append(ast.Binary(str(op), left, right, self._span(left, right), _at(op)))

        for i in range(1, len(c), 2):
            op = c[i]
            precedence = _PRECEDENCE[op.type]
            while operators and _PRECEDENCE[operators[-1].type] >= precedence:
                reduce()
            operators.append(op)
            operands.append(c[i + 1])
        while operators:
            reduce()
        return self._nest(operands[0], c[0::2])  # a chain of operators is one level, however long

    def if_expr(self, c):
        keyword, cond, then, otherwise = c
        return self._nest(ast.IfExpr(cond, then, otherwise, self._span(keyword, otherwise)), (cond, then, otherwise))

    def match_expr(self, c):
        keyword, subject, *arms, rbrace = c
        arms = tuple(a for a in arms if a is not None)
        return self._nest(ast.Match(subject, arms, self._span(keyword, rbrace)),
                          (subject, *(arm.value for arm in arms)))

    def match_arm(self, c):
        *patterns, value = c
        patterns = tuple(p for p in patterns if not isinstance(p, Token))
        return ast.MatchArm(patterns, value, self._span(patterns[0], value))

    def pattern(self, c):
        tok = c[0]
        span = self._tok(tok)
        kind = tok.type
        if kind == "WORDNUM":
            return self.number([tok])
        if kind == "VERSION":
            return self.version([tok])
        if kind == "STRING":
            return ast.Str(self._string(tok), span)
        if kind in ("TRUE", "FALSE"):
            return ast.Bool(kind == "TRUE", span)
        if str(tok) == "_":
            return ast.Wildcard(span)
        return ast.Name(str(tok), span)


class _Body(list):
    """A region body: its items, then the closing brace token."""
