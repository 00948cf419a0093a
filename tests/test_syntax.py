"""The KL front end: syntax errors in words, known-mistake hints, literals, separators, comments.

Assertions are on codes, positions and hints from the table, never on how the
parser happens to word "expected ..." lists.
"""

from __future__ import annotations

import pytest

from layoutc.source import SourceFile
from layoutc.syntax import ast
from layoutc.syntax.build import MAX_LITERAL_BITS, LiteralTooLarge, parse_number
from layoutc.syntax.grammar import COMMON_MISTAKES, parse


def _parse(text: str):
    return parse(SourceFile("t.kl", text))


def _errors(text: str) -> list:
    tree, diagnostics = _parse(text)
    return diagnostics


def _where(diagnostic) -> tuple[int, int]:
    return diagnostic.span.start_position()


def _const(load_kl, expr: str):
    """Value of `const X = expr` after the whole pipeline, and the diagnostics except W001."""
    result = load_kl(f"const X = {expr}\nassert X == X : \"uses X\"\n")
    others = [d for d in result.diagnostics if d.code != "W001"]
    value = result.layout.consts["X"].value if result.layout is not None else None
    return value, others


# ---------------------------------------------------------------- known mistakes

MISTAKES = [(hint, example) for hint, examples in COMMON_MISTAKES.items() for example in examples]


@pytest.mark.parametrize("hint, example", MISTAKES, ids=[example for _, example in MISTAKES])
def test_every_common_mistake_example_gets_its_hint(hint: str, example: str) -> None:
    diagnostics = _errors(example)
    assert [d.code for d in diagnostics] == ["S001"]
    assert diagnostics[0].help == hint


# The same mistakes where they happen in real files: after other statements, nested,
# on a later line.  The parser's stack is deeper there than in the table's examples.
IN_CONTEXT = [
    ("region ranges are half-open",
     "const A = 1\nspace virtual bits 32 {\n    region user [0, 3G] { access = user }\n}", (3, 23)),
    ("region ranges are half-open", "space s bits 32 {\n region r [0, 1M) {\n  region q [0, 4K] }\n}", (3, 18)),
    ("compare with `==`", 'const A = 1\nassert A = 1 : "m"', (2, 10)),
    ("a param needs a type", "const A = 1\nconst B = 2\nparam highmem = true", (3, 15)),
    ("a constant is defined with `=`", "const A = 1\nconst PAGE_OFFSET: 0xC000_0000", (2, 18)),
    ("an attribute is written", "const A = 1\nspace s bits 32 {\n region r [0, 4K) { kind linear }\n}", (3, 26)),
    ("a region needs an address range", "const A = 1\nspace s bits 32 {\n region r\n}", (4, 1)),
    ("a space needs its width", "const A = 1\nspace virtual { }", (2, 15)),
    ("an `assert` needs a message", 'const A = 1\nassert A > 1 "m"', (2, 14)),
    ("a waiver needs a reason", "const A = 1\nallow O401\nconst B = 2", (3, 1)),
    ("`if` expressions need both branches", "const Z = 1\nconst X = if Z == 1 then 1\nconst Y = 2", (3, 1)),
    ("a block is not closed", "space s bits 32 {\n region r [0, 4K) {\n  kind = linear\n }\n", (4, 3)),
    ("a block is not closed", "space s bits 32 {\n region r [0, 4K)\n", (2, 18)),
    ("a block is not closed", 'layout l {\n title = "{ not a brace }"\n bits = 32\n', (3, 11)),
]


@pytest.mark.parametrize("hint, text, position", IN_CONTEXT, ids=[t for _, t, _ in IN_CONTEXT])
def test_mistake_hints_hold_in_context(hint: str, text: str, position: tuple[int, int]) -> None:
    diagnostics = _errors(text)
    assert [d.code for d in diagnostics] == ["S001"]
    assert diagnostics[0].help is not None and diagnostics[0].help.startswith(hint)
    assert _where(diagnostics[0]) == position


def test_balanced_braces_at_end_of_file_is_not_an_unclosed_block() -> None:
    (diagnostic,) = _errors("const X = 1 +")
    assert diagnostic.help is None or "not closed" not in diagnostic.help


def test_no_hint_is_better_than_a_wrong_one() -> None:
    # `=` where a name is expected matches no table entry
    (diagnostic,) = _errors("const = 1")
    assert diagnostic.code == "S001"
    assert diagnostic.help is None


def test_syntax_error_points_at_the_offending_token() -> None:
    (diagnostic,) = _errors("space s bits 32 {\n    region r [0, 4K]\n}")
    assert _where(diagnostic) == (2, 20)
    assert diagnostic.span.text == "]"


def test_end_of_file_error_points_after_the_last_token() -> None:
    (diagnostic,) = _errors("const X =\n\n\n")
    assert diagnostic.code == "S001"
    assert _where(diagnostic) == (1, 10)


def test_override_values_parse_with_the_same_literals() -> None:
    value, diagnostics = parse(SourceFile("<-D>", "0x6000_0000:512M, 0x8000_0000:1G"), start="override")
    assert diagnostics == []
    assert isinstance(value, ast.Banks) and len(value.banks) == 2


# ---------------------------------------------------------------- numbers

NUMBERS = [
    ("0", 0), ("007", 7), ("4096", 4096), ("1_000_000", 1_000_000),
    ("0x0", 0), ("0xFFFF_0000", 0xFFFF_0000), ("0xdeadBEEF", 0xDEADBEEF), ("0x_FF", 0xFF),
    ("0b0", 0), ("0b1010_1010", 0b1010_1010),
    ("1K", 1 << 10), ("4K", 4 << 10), ("2M", 2 << 20), ("3G", 3 << 30),
    ("1T", 1 << 40), ("1P", 1 << 50), ("1E", 1 << 60),
    ("16E", 1 << 64),  # the top of a 64-bit space is an exact int
    ("1KiB", 1 << 10), ("8MiB", 8 << 20), ("1GiB", 1 << 30), ("1TiB", 1 << 40), ("1PiB", 1 << 50), ("1EiB", 1 << 60),
    ("1_0K", 10 << 10),
]


@pytest.mark.parametrize("text, value", NUMBERS, ids=[t for t, _ in NUMBERS])
def test_number_literals(text: str, value: int, load_kl) -> None:
    assert parse_number(text) == value
    got, diagnostics = _const(load_kl, text)
    assert diagnostics == []
    assert got == value and type(got) is int


# Digit-led words that are not numbers: only a choice member (3G_OPT) may be spelt like this.
NOT_NUMBERS = ["1__0", "10_", "0xFFG", "4KB", "4k", "4kib", "0b102", "0B11", "0XFF", "3G_OPT", "0x", "1K1"]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_words_that_are_not_numbers(text: str, load_kl) -> None:
    assert parse_number(text) is None
    value, diagnostics = _const(load_kl, text)
    assert [d.code for d in diagnostics] == ["E201"]
    assert diagnostics[0].span.text == text


def test_a_leading_underscore_makes_a_name() -> None:
    tree, diagnostics = _parse("const X = _10")
    assert diagnostics == []
    assert isinstance(tree.items[0].expr, ast.Name)


def test_a_number_keeps_its_spelling() -> None:
    tree, _ = _parse("const X = 0x4000_0000")
    assert tree.items[0].expr.text == "0x4000_0000"


@pytest.mark.parametrize("literal", [
    "1" + "0" * 10_000,          # beyond Python's 4300-digit int() limit
    "0" * 5000 + "1" + "0" * 5000,
    "0x1" + "0" * 1024,          # 4097 bits
    "0b1" + "0" * 4096,
    str(1 << MAX_LITERAL_BITS),
    "1" + "0" * 2000 + "K",
], ids=["10000-digits", "leading-zeros", "hex-4097-bits", "bin-4097-bits", "dec-4097-bits", "with-suffix"])
def test_huge_literal_is_a_diagnostic_not_a_crash(literal: str, load_kl) -> None:
    result = load_kl(f"const PAGE_OFFSET = {literal}\n")
    assert [d.code for d in result.diagnostics] == ["L002"]
    diagnostic = result.diagnostics[0]
    assert "too large" in diagnostic.message
    assert diagnostic.span.start_position() == (1, 21)
    assert diagnostic.span.text == literal


def test_largest_literal_is_accepted(load_kl) -> None:
    top = (1 << MAX_LITERAL_BITS) - 1
    value, diagnostics = _const(load_kl, str(top))
    assert diagnostics == [] and value == top
    value, diagnostics = _const(load_kl, "0x" + "F" * (MAX_LITERAL_BITS // 4))
    assert diagnostics == [] and value == top


def test_parse_number_raises_a_typed_error_for_huge_literals() -> None:
    with pytest.raises(LiteralTooLarge):
        parse_number("9" * 10_000)


def test_huge_literal_in_a_choice_or_pattern_or_override(load_kl) -> None:
    huge = "1" + "0" * 5000
    assert [d.code for d in _errors(f"param p: choice(A, {huge}) = A")] == ["L002"]
    assert [d.code for d in _errors(f"const X = match 1 {{ {huge} => 1, _ => 2 }}")] == ["L002"]
    result = load_kl("param n: int = 1\nassert n > 0 : \"n\"\n", [f"n={huge}"])
    assert "L002" in [d.code for d in result.diagnostics]
    assert result.usage_error


def test_huge_literal_through_the_cli_exits_with_findings(cli, write_kl) -> None:
    path = write_kl("const PAGE_OFFSET = " + "9" * 10_000 + "\n")
    code, out, err = cli("check", path, "--format", "json")
    assert code == 1
    assert "L002" in out and "Traceback" not in err


@pytest.mark.parametrize("version, value", [("6.12", (6, 12)), ("2.6.35", (2, 6, 35)), ("2.06.035", (2, 6, 35)),
                                            ("1." + "0" * 5000 + "1", (1, 1))], ids=["6.12", "2.6.35", "zeros", "5000-zeros"])
def test_version_literals(version: str, value: tuple[int, ...]) -> None:
    tree, diagnostics = _parse(f"param kernel: version = {version}")
    assert diagnostics == []
    assert tree.items[0].default.value == value


def test_huge_version_component_is_a_diagnostic(load_kl) -> None:
    result = load_kl("param kernel: version = 1." + "9" * 10_000 + "\n")
    assert [d.code for d in result.diagnostics] == ["L002"]


def test_region_may_end_at_two_to_the_64(load_kl) -> None:
    result = load_kl("space s bits 64 {\n region top [0xFFFF_FFFF_FFFF_F000, +4K)\n}\n")
    assert result.diagnostics == []
    assert result.layout.region("s", "top").end == 1 << 64


# ---------------------------------------------------------------- strings

STRINGS = [
    (r'"plain"', "plain"),
    (r'"a\"b"', 'a"b'),
    (r'"back\\slash"', "back\\slash"),
    (r'"line\nbreak"', "line\nbreak"),
    (r'"\t\r\0"', "\t\r\0"),
    (r'"\x41\x7a"', "Az"),
    (r'"// not a comment /* nor this */"', "// not a comment /* nor this */"),
    ('"caf\u00e9 \u00b5s"', "caf\u00e9 \u00b5s"),
    ('""', ""),
]


@pytest.mark.parametrize("literal, value", STRINGS, ids=[s for s, _ in STRINGS])
def test_string_escapes(literal: str, value: str, load_kl) -> None:
    got, diagnostics = _const(load_kl, literal)
    assert diagnostics == []
    assert got == value


@pytest.mark.parametrize("literal, column", [(r'"C:\path"', 14), (r'"\x4"', 12), (r'"ok \q"', 15)])
def test_unknown_escape_is_s002_at_the_backslash(literal: str, column: int) -> None:
    diagnostics = _errors(f"const X = {literal}")
    assert [d.code for d in diagnostics] == ["S002"]
    assert _where(diagnostics[0]) == (1, column)
    assert diagnostics[0].span.text.startswith("\\")


def test_unterminated_string() -> None:
    (diagnostic,) = _errors('const A = 1\nconst X = "no end\nconst Y = 2\n')
    assert diagnostic.code == "S001"
    assert _where(diagnostic) == (2, 11)
    assert "unterminated string" in diagnostic.message


def test_columns_count_characters_not_bytes() -> None:
    diagnostics = _errors('const X = "\u00e9\u00e9\u00e9" + \\')
    assert [d.code for d in diagnostics] == ["S001"]
    assert _where(diagnostics[0]) == (1, 19)


# ---------------------------------------------------------------- separators

SEPARATED = [
    "layout l {\n    bits = 32\n    page_size = 4K\n}",
    "layout l { bits = 32; page_size = 4K }",
    "layout l { ; bits = 32;; page_size = 4K; }",
    "space s bits 32 {\n region a [0, 4K)\n region b [4K, +4K)\n}",
    "space s bits 32 { region a [0, 4K); region b [4K, +4K) }",
    "space s bits 32 { region a [0, 4K) { kind = io; perm = rw }; region b [4K, +4K) }",
    'space s bits 32 {\n region c [0, 4K) { kind = io\n  perm = rw; label = "c" }\n}',
]


@pytest.mark.parametrize("text", SEPARATED)
def test_items_separated_by_newline_or_semicolon(text: str) -> None:
    tree, diagnostics = _parse(text)
    assert diagnostics == []
    assert tree is not None


NOT_SEPARATED = [
    ("layout l { bits = 32 page_size = 4K }", (1, 22)),
    ("space s bits 32 { region a [0, 4K) region b [4K, +4K) }", (1, 36)),
    ("space s bits 32 {\n region a [0, 4K) { kind = io perm = rw }\n}", (2, 31)),
    ("space s bits 32 {\n region p [0, 1M) {\n  region a [0, 4K) region b [4K, +4K)\n }\n}", (3, 20)),
]


@pytest.mark.parametrize("text, position", NOT_SEPARATED, ids=[t for t, _ in NOT_SEPARATED])
def test_items_on_one_line_without_semicolon(text: str, position: tuple[int, int]) -> None:
    diagnostics = _errors(text)
    assert [d.code for d in diagnostics] == ["S001"]
    assert _where(diagnostics[0]) == position
    assert "`;`" in diagnostics[0].help


def test_an_expression_may_continue_on_the_next_line(load_kl) -> None:
    value, diagnostics = _const(load_kl, "1 +\n    2 *\n    3")
    assert diagnostics == [] and value == 7


# ---------------------------------------------------------------- comments


def test_comments_are_ignored(load_kl) -> None:
    text = (
        "// a line comment { with a brace\n"
        "const A = 1 // trailing\n"
        "/* a block comment\n   over { three lines */\n"
        "const B = 2 /* inline */ + /**/ 3\n"
        "assert A + B == 6 : \"sum\"\n"
    )
    result = load_kl(text)
    assert result.diagnostics == []
    assert result.layout.consts["B"].value == 5


def test_empty_and_comment_only_files_parse() -> None:
    for text in ("", "// nothing\n", "/* nothing */", "\n\n;\n"):
        tree, diagnostics = _parse(text)
        assert diagnostics == [] and tree.items == ()


def test_hash_is_not_a_comment() -> None:
    (diagnostic,) = _errors("const A = 1\n# a shell comment\n")
    assert diagnostic.code == "S001"
    assert _where(diagnostic) == (2, 1)
    assert "//" in diagnostic.help


@pytest.mark.parametrize("text, position", [
    ("const X = 1\n/* never closed\nconst Y = 2\n", (2, 1)),
    ("const X = 1 /* never closed", (1, 13)),
])
def test_unterminated_block_comment(text: str, position: tuple[int, int]) -> None:
    (diagnostic,) = _errors(text)
    assert diagnostic.code == "S001"
    assert "unterminated block comment" in diagnostic.message
    assert _where(diagnostic) == position
    assert diagnostic.span.text == "/*"


def test_stray_comment_close_is_a_syntax_error_not_a_comment() -> None:
    (diagnostic,) = _errors("const X = 1 */")
    assert diagnostic.code == "S001"
    assert "comment" not in diagnostic.message
