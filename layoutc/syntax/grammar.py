"""Text -> AST: the LALR parser of ``grammars/kl.lark``, and syntax errors in words.

Lark analyses the grammar ahead of time (``syntax/make_tables.py`` writes
``kl_tables.py``); at run time ``syntax/lalr.py`` runs those tables with
``syntax/lexer.py``, so a check neither imports Lark nor keeps a grammar cache
on disk.  Syntax errors become ``S001`` diagnostics that say what was expected
in words, refined by a small table of known mistakes (``COMMON_MISTAKES``).
"""

from __future__ import annotations

import gc
from functools import lru_cache
from pathlib import Path
from typing import Literal, cast, overload

from ..diagnostics import Diagnostic
from ..source import SourceFile, Span
from . import ast, kl_tables
from .build import AstBuilder, offsets
from .lalr import Parser, TooManyItems, TooManyTokens, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from .lexer import KlLexer, code_only


def grammar_path() -> Path:
    """The grammar inside an installed wheel, else the repository's ``grammars/``."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammars" / "kl.lark", here.parent / "grammars" / "kl.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("kl.lark not found next to the layoutc package")


@lru_cache(maxsize=1)
def _parser() -> tuple[Parser, AstBuilder]:
    builder = AstBuilder()
    return Parser(kl_tables, builder, KlLexer(kl_tables.TERMINALS)), builder


_DECLARATION_CHARS = 11  # the shortest hole: `hole[0,1)""` (a region: `region a[0,1)`)


def too_many_regions(span: Span) -> Diagnostic:
    from ..limits import MAX_REGIONS

    return Diagnostic("L007", f"more than {MAX_REGIONS:,} regions and holes in one layout", span,
                      help="describe large uniform ranges as one region")


def _too_many_tokens(span: Span) -> Diagnostic:
    from ..limits import MAX_TOKENS

    return Diagnostic("L014", f"more than {MAX_TOKENS:,} tokens in one layout (all its files together)", span,
                      help="a layout of 100,000 regions has under 3,000,000; split generated tables into their own layouts")


# L015: each list of LISTS (kl_tables.py), by the rule it belongs to: what its items are, where, and a fix.
_LISTS = {
    "binary": ("operands", "one expression", "name parts of it as constants and add those"),
    "call": ("arguments", "one call", "name parts of it as constants: max(max(a, b), max(c, d))"),
    "match_expr": ("arms", "one `match`", "give arms of one value a shared arm: `a | b | c => value`"),
    "match_arm": ("patterns", "one `match` arm", "compare instead: `if x >= LOW && x <= HIGH then A else B`"),
    "ref": ("parts", "one name", "name the region by its own name or a shorter path"),
    "choice_type": ("members", "one choice", "an `int` or `string` param takes any value"),
    "banks": ("banks", "one value", "describe adjacent banks as one"),
}

# Terminals spelled as users would say them.
_WORDS = {
    "NAME": "a name",
    "WORDNUM": "a number",
    "VERSION": "a version",
    "STRING": "a string",
    "RULEREF": "a rule code or name",
    "$END": "end of file",
}
_EXPRESSION_START = {"WORDNUM", "NAME", "LPAR", "MINUS", "TILDE", "BANG", "MATCH", "VERSION", "STRING"}
_OPERATORS = {"OROR", "ANDAND", "BAR", "CARET", "AMP", "EQ", "NE", "LT", "LE", "GT", "GE", "SHL", "SHR",
              "PLUS", "MINUS", "STAR", "SLASH", "PERCENT", "DOT", "LSQB"}

# Known mistakes -> a hint.  Each example is a minimal input that fails in the
# same parser state as the mistake; tests check every entry.
COMMON_MISTAKES: dict[str, list[str]] = {
    "region ranges are half-open, `[START, END)`: close them with `)`": [
        "space s bits 32 { region r [0, 4K] }",
        "space s bits 32 { region r [0, +4K] }",
    ],
    "compare with `==`; a single `=` only gives an attribute its value": [
        'assert A = 1 : "m"',
        "const X = if A = 1 then 1 else 2",
    ],
    "a param needs a type: `param NAME: TYPE = DEFAULT`": ["param x = 1"],
    "a constant is defined with `=`: `const NAME = EXPR`": ["const X: 1", "const X 1"],
    "an attribute is written `NAME = VALUE`": ["space s bits 32 { region r [0, 1) { kind linear } }"],
    "a region needs an address range: `region NAME [START, END)` or `[START, +SIZE)`": [
        "space s bits 32 { region r { } }",
        "space s bits 32 { region r }",
    ],
    "a space needs its width: `space NAME bits N { ... }`": ["space s { }"],
    "an `assert` needs a message: `assert COND : \"message\"`": ["assert 1 == 1", "assert 1 == 1 const"],
    "a waiver needs a reason: `allow RULE \"why\"`": ["allow O401", "allow O401 }"],
    "`if` expressions need both branches: `if COND then A else B`": ["const X = if A then 1", "const X = if A then 1 const"],
    "a block is not closed: add `}`": ["space s bits 32 { region r [0, 1) {", "layout x { bits = 1"],
}


def _describe(expected: set[str], parser: Parser) -> str:
    names = set(expected)
    words: list[str] = []
    if len(names & _EXPRESSION_START) >= 4:
        words.append("an expression")
        names -= _EXPRESSION_START | {"IF", "TRUE", "FALSE"}
    if len(names & _OPERATORS) >= 6:
        words.append("an operator")
        names -= _OPERATORS
    for name in sorted(names):
        if name in _WORDS:
            words.append(_WORDS[name])
            continue
        kind, pattern = parser.terminals.get(name, ("", ""))
        words.append(f"`{pattern}`" if kind == "str" else name.lower())
    words = sorted(set(words), key=lambda w: (not w.startswith("`"), w))
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _lr_state(error: UnexpectedInput) -> object:
    state = error.state
    return getattr(state, "position", state)


def _hint(error: UnexpectedInput, parser: Parser, start: str) -> str | None:
    """The COMMON_MISTAKES label whose example fails in the same parser state.

    Like lark's ``match_examples`` (same token type first, else the first
    example in the same state), but states are compared by LR state alone, not
    by stack depth, so a mistake after the first statement or in a nested
    region gets the hint too.
    """
    if start != "start" or error.state is None:
        return None
    state = _lr_state(error)
    token_type = getattr(getattr(error, "token", None), "type", None)
    fallback = None
    try:
        for label, examples in COMMON_MISTAKES.items():
            for example in examples:
                try:
                    parser.parse(example, start="start")
                except UnexpectedInput as other:
                    if type(other) is not type(error) or _lr_state(other) != state:
                        continue
                    if getattr(other, "accepts", None) != getattr(error, "accepts", None):
                        continue
                    if token_type is not None and getattr(getattr(other, "token", None), "type", None) == token_type:
                        return label
                    fallback = fallback or label
    except Exception:  # a hint is optional; the error itself is already known
        return None
    return fallback


_UNCLOSED_BLOCK = "a block is not closed: add `}`"


def _unclosed_block(text: str) -> bool:
    """More `{` than `}` outside strings and comments: the end of file came inside a block."""
    code = code_only(text)
    return code.count("{") > code.count("}")


def _unclosed_comment(text: str, at: int) -> int | None:
    """Offset of a `/*` at or just before ``at`` that no `*/` closes, else None."""
    for start in (at, at - 1):
        if start >= 0 and text.startswith("/*", start) and "*/" not in text[start + 2:]:
            return start
    return None


def _syntax_error(error: UnexpectedInput, source: SourceFile, parser: Parser, start: str) -> Diagnostic:
    hint: str | None
    if isinstance(error, UnexpectedCharacters):
        at = error.pos_in_stream or 0  # always set for a character error
        char = source.text[at] if at < len(source.text) else ""
        if char == '"':
            message = "unterminated string"
            hint = "close the string with `\"` on the same line"
        elif char == "#":
            message = "unexpected character `#`"
            hint = "comments are `//` or `/* */`"
        else:
            shown = repr(char)[1:-1] if char.isprintable() else f"\\u{ord(char):04x}"
            message = f"unexpected character `{shown}`; expected {_describe(set(error.allowed or ()), parser)}"
            hint = _hint(error, parser, start)
        return Diagnostic("S001", message, Span(source, at, min(at + 1, len(source.text))), help=hint)
    if isinstance(error, UnexpectedToken):
        token = error.token
        first, last = token.start_pos or 0, token.end_pos or 0  # only $END has no position
        opening = _unclosed_comment(source.text, first) if token.type != "$END" else None
        if opening is not None:  # the lexer saw `/` `*` because no `*/` follows
            return Diagnostic("S001", "unterminated block comment", Span(source, opening, opening + 2),
                              help="close the comment with `*/`")
        expected = _describe(set(getattr(error, "accepts", None) or error.expected), parser)
        if token.type == "$END":
            at = len(source.text.rstrip())
            message = f"unexpected end of file; expected {expected}"
            span = Span(source, at, at)
            if start == "start" and _unclosed_block(source.text):
                return Diagnostic("S001", message, span, help=_UNCLOSED_BLOCK)
        else:
            shown = str(token) if len(str(token)) <= 60 else str(token)[:57] + "..."  # a token may be 1 MB long
            message = f"expected {expected}, found `{shown}`"
            span = Span(source, first, last)
        return Diagnostic("S001", message, span, help=_hint(error, parser, start))
    return Diagnostic("S001", str(error).splitlines()[0], Span(source, 0, 0))


@overload
def parse(source: SourceFile, start: Literal["start"] = "start", max_tokens: int | None = None,
          max_regions: int | None = None) -> tuple[ast.File | None, list[Diagnostic]]: ...
@overload
def parse(source: SourceFile, start: Literal["override"], max_tokens: int | None = None,
          max_regions: int | None = None) -> tuple[ast.Expr | None, list[Diagnostic]]: ...
def parse(source: SourceFile, start: str = "start", max_tokens: int | None = None, max_regions: int | None = None
          ) -> tuple[ast.File | ast.Expr | None, list[Diagnostic]]:
    """Parse a layout file (``start``) or an override value (``override``).

    ``max_tokens`` (default MAX_TOKENS) is what the file may still have of its layout's tokens:
    past it, L014 and no tree.  ``File.tokens`` says how many it had.  ``max_regions`` (default
    MAX_REGIONS), what it may still have of its regions and holes: a file that may be past either
    is scanned first, and refused (L014, L007) before anything of it is built.
    """
    from ..limits import MAX_LIST_ITEMS, MAX_REGIONS, MAX_TOKENS

    parser, builder = _parser()
    budget = MAX_TOKENS if max_tokens is None else max_tokens
    regions = MAX_REGIONS if max_regions is None else max_regions
    # each token has a character at least, each region or hole _DECLARATION_CHARS: only a longer file
    # may be past a limit
    if len(source.text) > budget or len(source.text) > _DECLARATION_CHARS * regions:
        past = parser.lexer.first_past(source.text, budget, parser.states, regions)
        if past is not None:
            kind, begin, end = past
            return None, [_too_many_tokens(Span(source, begin, end)) if kind == "tokens"
                          else too_many_regions(Span(source, begin, end))]
    builder.reset(source)
    # Parsing allocates millions of small, acyclic objects (tokens, AST nodes, spans); the cyclic
    # garbage collector would only rescan them over and over (up to 40% of a large parse).
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = parser.parse(source.text, start=start, max_tokens=budget, max_items=MAX_LIST_ITEMS)
    except TooManyTokens as error:
        token = error.token
        return None, [*builder.sink.items, _too_many_tokens(Span(source, token.start_pos, token.end_pos))]
    except TooManyItems as error:
        what, where, fix = _LISTS.get(error.owner, ("items", "one list", "split it"))
        return None, [*builder.sink.items, Diagnostic(
            "L015", f"more than {error.limit:,} {what} in {where}",
            Span(source, *offsets(error.item)), help=fix)]
    except UnexpectedInput as error:
        diagnostics = list(builder.sink.items)  # before the hint re-parses examples
        diagnostic = _syntax_error(error, source, parser, start)
        return None, [*diagnostics, diagnostic]
    finally:
        builder.release()
        if collecting:
            gc.enable()
    diagnostics = builder.sink.items
    # The AstBuilder runs inside the LALR parser: parse() returns what its `start`/`override` built.
    if start == "start":
        return (ast.File(source, tuple(cast("list[ast.Statement]", result)), parser.tokens, builder.declarations),
                diagnostics)
    return cast("ast.Expr", result), diagnostics
