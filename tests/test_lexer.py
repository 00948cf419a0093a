"""The KL lexer (layoutc/syntax/lexer.py): keywords by parser state, hyphenated rule names, comments."""

from __future__ import annotations

import pytest

from layoutc.source import SourceFile
from layoutc.syntax import ast
from layoutc.syntax.grammar import parse


def _parse(text: str):
    tree, diagnostics = parse(SourceFile("t.kl", text))
    assert [d.message for d in diagnostics] == []
    return tree


def test_keywords_are_names_where_the_parser_takes_a_name():
    tree = _parse("layout l { bits = 32; page_size = 4K }\nconst region_count = 3\nconst iffy = 1\n")
    header = tree.items[0]
    assert [a.name for a in header.attrs] == ["bits", "page_size"]
    assert [i.name for i in tree.items[1:]] == ["region_count", "iffy"]


def test_rule_names_with_hyphens_only_after_allow():
    tree = _parse('allow region-overlap "why"\nconst a = 5\nconst b = a-1\n')
    assert tree.items[0].rule == "region-overlap"
    minus = tree.items[2].expr
    assert isinstance(minus, ast.Binary) and minus.op == "-"  # `a-1` is a subtraction, not a name


@pytest.mark.parametrize("text", ["// nothing\n", "// c\n/* x */\n", "/* a */ const X = 1 // tail", "const X = 2/*c*/+1"])
def test_comments_never_yield_tokens(text):
    _parse(text)


def test_a_comment_cannot_hide_half_a_token():
    tree = _parse("const X = 4//2\n")
    assert tree.items[0].expr.value == 4  # `//` starts a comment, it is not two divisions


def test_versions_numbers_and_words():
    tree = _parse("param k: version = 2.6.35\nparam v: choice(3G, 3G_OPT) = 3G_OPT\n")
    assert tree.items[0].default.value == (2, 6, 35)
    assert isinstance(tree.items[1].default, ast.Word) and tree.items[1].default.text == "3G_OPT"


def test_an_unknown_character_is_reported_where_it_is():
    _, diagnostics = parse(SourceFile("t.kl", "const X = 1\nconst Y = 2 @ 3\n"))
    assert [(d.code, d.span.start_position()) for d in diagnostics] == [("S001", (2, 13))]


def test_a_word_that_cannot_be_a_rule_name_after_allow_is_a_syntax_error():
    """`_x` is a word but not a rule reference: found by mypy (the lexer called .group() on None)."""
    _, diagnostics = parse(SourceFile("t.kl", 'allow _x "why"\n'))
    assert [(d.code, d.span.start_position()) for d in diagnostics] == [("S001", (1, 7))]
