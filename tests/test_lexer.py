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


# Strings, comments, versions and rule names are lexed without repeating a regex group (a group
# repeated a million times held ~120 bytes per repeat in `re`): these pin the token streams of
# the tricky cases against Lark's own lexer built from grammars/kl.lark's terminals.
_EDGES = [
    r'const s = "plain"', r'const s = "a\"b" + "\\"', r'const s = "\q\x41\n" ', r'const s = "\\\\\"\\"',
    r'const s = "ends in a backslash\"', 'const s = "escaped \\\nnewline"', r'const s = "\"', 'const s = "\\',
    'const s = "no end\nconst t = 1', r'const s = "" + ""', r'const s = "\"\""',
    "const v = 2.6.35", "const v = 1.2.", "const v = 1.2..3", "const v = 1.2.3.", "const v = 1..2", "const v = 10.0x",
    "/* a ** b */ const x = 1", "/**/const x=1", "/*/ x */ const y = 2", "/* never closed", "const x = 1 // end",
    "const x = 1 //", "//\n//\n", "const x = 2/*c*//3", "const x = 4/ /5", "/* a */ /* b */\n// c\nconst d = 1",
]


def _lark_tokens(text: str):
    import lark

    from layoutc.syntax.grammar import grammar_path

    lexer = lark.Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="basic",
                      start=["start", "override"])
    try:
        # both terminals match a plain word; layoutc takes RULEREF only after `allow`
        return [("NAME" if t.type == "RULEREF" else t.type, str(t), t.start_pos, t.end_pos) for t in lexer.lex(text)]
    except lark.exceptions.UnexpectedCharacters as error:
        return ("error", error.pos_in_stream)


def _our_tokens(text: str):
    from layoutc.syntax import kl_tables
    from layoutc.syntax.lalr import UnexpectedCharacters
    from layoutc.syntax.lexer import KlLexer

    terminals = kl_tables.TERMINALS
    everything = ({name: 0 for name in terminals if name != "RULEREF"},)  # every keyword, as Lark's basic lexer
    try:
        return [(t.type, t.value, t.start_pos, t.end_pos) for t in KlLexer(terminals).lex(text, [0], everything)]
    except UnexpectedCharacters as error:
        return ("error", error.pos_in_stream)


@pytest.mark.parametrize("text", _EDGES)
def test_tokens_are_lark_s(text):
    assert _our_tokens(text) == _lark_tokens(text)


@pytest.mark.parametrize("text, rule, rest", [
    ('allow a-b-c "r"', "a-b-c", ['"r"']), ('allow a-b- "r"', "a-b", ["-", '"r"']),
    ('allow a--b "r"', "a", ["-", "-", "b", '"r"']), ('allow O101 "r"', "O101", ['"r"'])])
def test_rule_names_end_where_a_hyphen_is_not_followed_by_a_word(text, rule, rest):
    from layoutc.syntax import kl_tables
    from layoutc.syntax.lexer import KlLexer

    terminals = kl_tables.TERMINALS
    states = ({"ALLOW": 0}, {"RULEREF": 0}, {name: 0 for name in terminals if name != "RULEREF"})
    stack = [0]  # what the parser accepts: `allow`, then a rule name, then anything
    values = []
    for token in KlLexer(terminals).lex(text, stack, states):
        values.append((token.type, token.value))
        stack[:] = [min(stack[0] + 1, 2)]
    assert values[1] == ("RULEREF", rule)
    assert [value for _, value in values[2:]] == rest


def test_strings_and_comments_as_the_lexer_sees_them():
    from layoutc.syntax.lexer import code_only, strings_and_comments

    text = 'a "s\\"}" b // c }\n"open\n/* x } */ "\\\\" /* never'
    found = [(text[start:end], closed) for start, end, closed in strings_and_comments(text)]
    assert found == [('"s\\"}"', True), ("// c }", True), ('"open', False), ("/* x } */", True), ('"\\\\"', True),
                     ("/* never", False)]
    assert code_only(text).replace(" ", "") == "ab\n\n"


def test_the_end_of_file_hint_ignores_braces_in_strings_and_comments():
    _, diagnostics = parse(SourceFile("t.kl", 'space s bits 32 {\n  region r [0, 1) { doc = "} }" // }\n'))
    assert diagnostics[-1].help == "a block is not closed: add `}`"
