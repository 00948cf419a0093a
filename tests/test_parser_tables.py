"""The serialised parser (layoutc/syntax/kl_tables.py run by syntax/lalr.py) against the grammar and against Lark.

grammars/kl.lark is the single source of the language.  These tests fail when the committed
tables are not what Lark builds from it, and run a corpus (every shipped and fixture layout,
truncated at many points so that most parser states see an error, plus override values)
through both layoutc's runtime and Lark's own LALR parser with the same lexer and AST
builder: the ASTs, the literal diagnostics and the syntax errors (where, which token, what
the state expects and accepts) must be the same.
"""

from __future__ import annotations

from pathlib import Path

import lark  # the `test` extra: Lark builds the tables and is the reference parser
import pytest

from layoutc.source import SourceFile
from layoutc.syntax import kl_tables, make_tables
from layoutc.syntax.build import AstBuilder
from layoutc.syntax.grammar import _parser, grammar_path
from layoutc.syntax.lalr import Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from layoutc.syntax.lexer import KlLexer

REPO = Path(__file__).resolve().parent.parent
GRAMMAR = grammar_path().read_text(encoding="utf-8")


def test_tables_record_the_grammar_they_were_built_from():
    assert kl_tables.GRAMMAR_SHA256 == make_tables.grammar_digest(GRAMMAR), (
        "grammars/kl.lark changed: run `python -m layoutc.syntax.make_tables` and commit kl_tables.py")


def test_tables_are_what_lark_builds_from_the_grammar():
    committed = Path(kl_tables.__file__).read_text(encoding="utf-8")
    assert make_tables.tables_source(GRAMMAR) == committed, "run `python -m layoutc.syntax.make_tables`"


def test_rules_without_a_builder_method_only_pass_children_on():
    """Lark would build a Tree for these; the runtime hands the children on instead, which is the same only here."""
    for origin, size, name, expand1, kept, nones_after in kl_tables.RULES:
        if hasattr(AstBuilder, name) or name.startswith("_"):
            continue
        produced = size if kept is None else len(kept) + sum(n for _, _, n in kept) + nones_after
        assert expand1 and produced == 1, (origin, name)


class _LarkToken(Token):
    __slots__ = ("column", "end_column", "end_line", "line")


class _LexerForLark(lark.lexer.Lexer):
    """layoutc's lexer driven by Lark's parser state, as layoutc used to run before the tables."""

    __future_interface__ = 2

    def __init__(self, conf) -> None:
        self.lexer = KlLexer({t.name: (t.pattern.type, t.pattern.value) for t in conf.terminals})

    def lex(self, lexer_state, parser_state):
        text = getattr(lexer_state.text, "text", lexer_state.text)
        for token in self.lexer.lex(text, parser_state.state_stack, parser_state.parse_conf.states):
            mine = _LarkToken(token.type, token.value, token.start_pos)
            mine.line = mine.column = mine.end_line = mine.end_column = None
            lexer_state.last_token = mine
            yield mine


@pytest.fixture(scope="module")
def reference():
    builder = AstBuilder()
    return make_tables.build_lark(GRAMMAR, lexer=_LexerForLark, transformer=builder), builder


def _outcome(parse, builder, source: SourceFile, start: str):
    builder.reset(source)
    try:
        result = parse(source.text, start)
    except UnexpectedInput as error:  # layoutc's
        return _error(error), _messages(builder)
    except lark.exceptions.UnexpectedInput as error:  # Lark's
        return _error(error), _messages(builder)
    return ("ok", result), _messages(builder)


def _messages(builder) -> list[tuple[str, str, int]]:
    return [(d.code, d.message, d.span.start) for d in builder.sink.items]


def _error(error) -> tuple:
    if isinstance(error, (UnexpectedCharacters, lark.exceptions.UnexpectedCharacters)):
        return "characters", error.pos_in_stream, frozenset(error.allowed)
    assert isinstance(error, (UnexpectedToken, lark.exceptions.UnexpectedToken)), type(error)
    token = error.token
    at = None if token.type == "$END" else token.start_pos
    return "token", token.type, str(token), at, frozenset(error.expected), frozenset(error.accepts)


def _corpus() -> list[tuple[str, str, str]]:
    """(name, text, start symbol)."""
    files = sorted((REPO / "layouts").rglob("*.kl")) + sorted((REPO / "tests").rglob("*.kl"))
    assert len(files) > 50
    cases = [(str(f.relative_to(REPO)), f.read_text(encoding="utf-8", errors="replace"), "start") for f in files]
    # Truncated files end in the middle of every construct: the errors visit most parser states.
    for path in files[:: max(1, len(files) // 12)]:
        text = path.read_text(encoding="utf-8", errors="replace")
        step = max(1, len(text) // 150)
        cases += [(f"{path.name}[:{cut}]", text[:cut], "start") for cut in range(0, len(text), step)]
        cases += [(f"{path.name}[{cut}:]", text[cut:], "start") for cut in range(0, len(text), step * 4)]
    cases += [("value", value, "override") for value in (
        "1", "4K", "0x1000:1M, 0x4000_0000:2G", "true", '"s"', "6.12", "if a then 1 else 2", "a b", "", "1:",
        "match v { 1 => 2, _ => 3 }", "f(1, 2)[0].x", "-~!x << 2 | y", "@")]
    return cases


def test_layoutc_parses_exactly_as_lark_does(reference):
    lark_parser, lark_builder = reference
    ours, our_builder = _parser()
    compared = errors = 0
    for name, text, start in _corpus():
        source = SourceFile(name, text)
        expected = _outcome(lambda t, s: lark_parser.parse(t, start=s), lark_builder, source, start)
        actual = _outcome(ours.parse, our_builder, source, start)
        assert actual == expected, name
        compared += 1
        errors += expected[0][0] != "ok"
    assert compared > 1000 and errors > 500  # the corpus really exercises both outcomes
