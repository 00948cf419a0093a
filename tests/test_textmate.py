"""The TextMate grammar (editors/vscode/syntaxes/kl.tmLanguage.json) under VS Code's own tokenizer.

vscode-textmate with the Oniguruma engine (tests/textmate/, installed by `npm ci` from its
package-lock.json; .ci/test does it) tokenizes every shipped layout.  The scope each token
must get is derived independently, from layoutc's lexer: the token kinds the parser itself
saw (a word is a keyword only where the parser accepted one), plus the kinds of its
neighbours for the names a declaration introduces.  The two implementations check each
other: a regex in the grammar that scopes `bits = 32` as a keyword, or a lexer that took
`3G_OPT` for a number, fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from tools import require_tool

from layoutc.source import SourceFile
from layoutc.syntax import kl_tables
from layoutc.syntax.build import AstBuilder, parse_number
from layoutc.syntax.lalr import Parser, Token
from layoutc.syntax.lexer import KlLexer

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "textmate"
GRAMMAR = ROOT / "editors" / "vscode" / "syntaxes" / "kl.tmLanguage.json"
LAYOUTS = sorted([*ROOT.glob("layouts/*.kl"), *ROOT.glob("layouts/boards/*.kl")])
# forms the shipped layouts lack (escapes, block comments, binary and suffixed numbers, a rule name)
FORMS = ROOT / "tests" / "fixtures" / "textmate" / "forms.kl"
INPUTS = [*LAYOUTS, FORMS]

CONTROL = {"IF", "THEN", "ELSE", "MATCH"}
OPERATORS = {"OROR", "ANDAND", "BAR", "CARET", "AMP", "EQ", "NE", "LT", "LE", "GT", "GE", "SHL", "SHR", "PLUS",
             "MINUS", "STAR", "SLASH", "PERCENT", "TILDE", "BANG", "__ANON_0"}
PUNCTUATION = {"LBRACE": "punctuation.section.block.kl", "RBRACE": "punctuation.section.block.kl",
               "LSQB": "punctuation.section.brackets.kl", "RSQB": "punctuation.section.brackets.kl",
               "LPAR": "punctuation.section.brackets.kl", "RPAR": "punctuation.section.brackets.kl",
               "COMMA": "punctuation.separator.kl", "SEMI": "punctuation.separator.kl",
               "COLON": "punctuation.separator.kl", "DOT": "punctuation.accessor.kl",
               "EQUAL": "keyword.operator.assignment.kl"}
WORD_KEYWORDS = {name for name, (kind, value) in kl_tables.TERMINALS.items()
                 if kind == "str" and re.fullmatch(r"[a-z]+", value)}


class _Recording:
    """The lexer the parser runs, keeping every token it hands over."""

    def __init__(self) -> None:
        self.inner = KlLexer(kl_tables.TERMINALS)
        self.tokens: list[Token] = []

    def lex(self, text: str, stack: list[int], states: tuple[dict[str, int], ...]):
        for token in self.inner.lex(text, stack, states):
            self.tokens.append(token)
            yield token


def lexed(text: str) -> list[Token]:
    lexer = _Recording()
    builder = AstBuilder()
    builder.reset(SourceFile("<layout>", text))
    Parser(kl_tables, builder, lexer).parse(text)  # a shipped layout parses: the kinds are the parser's own
    return lexer.tokens


def expected_scope(tokens: list[Token], i: int, text: str) -> str:
    token = tokens[i]
    kind = token.type
    prev = tokens[i - 1].type if i else None
    after = tokens[i + 1].type if i + 1 < len(tokens) else None
    if kind in ("TRUE", "FALSE"):
        return "constant.language.boolean.kl"
    if kind == "CHOICE":
        return "storage.type.kl"
    if kind in CONTROL:
        return "keyword.control.kl"
    if kind in WORD_KEYWORDS:
        return "keyword.other.kl"
    if kind in OPERATORS:
        return "keyword.operator.kl"
    if kind in PUNCTUATION:
        return PUNCTUATION[kind]
    if kind == "STRING":
        return "string.quoted.double.kl"
    if kind == "VERSION":
        return "constant.numeric.version.kl"
    if kind == "WORDNUM":
        return "constant.numeric.kl" if parse_number(token.value) is not None else "constant.other.symbol.kl"
    if kind == "RULEREF":
        return "support.constant.rule.kl"
    assert kind == "NAME", kind
    if prev in ("LAYOUT", "SPACE"):
        return "entity.name.type.kl"
    if prev in ("REGION", "HOLE"):
        return "entity.name.section.kl"
    if prev in ("PARAM", "CONST"):
        return "entity.name.variable.kl"
    if prev == "COLON" and i >= 3 and tokens[i - 3].type == "PARAM":
        return "storage.type.kl"
    if after == "LPAR":
        return "support.function.kl"
    first_on_line = i == 0 or text.count("\n", tokens[i - 1].end_pos, token.start_pos) > 0
    if after == "EQUAL" and (first_on_line or prev in ("LBRACE", "SEMI")):
        return "variable.other.property.kl"
    return "variable.other.kl"


def comments(text: str, tokens: list[Token]) -> list[tuple[int, int, str]]:
    """Comment ranges in the gaps between the lexer's tokens."""
    found: list[tuple[int, int, str]] = []
    bounds = [0] + [p for t in tokens for p in (t.start_pos, t.end_pos)] + [len(text)]
    for start, end in zip(bounds[::2], bounds[1::2]):
        for match in re.finditer(r"//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/", text[start:end]):
            scope = "comment.line.double-slash.kl" if match.group().startswith("//") else "comment.block.kl"
            found.append((start + match.start(), start + match.end(), scope))
    return found


@pytest.fixture(scope="module")
def tokenized() -> dict[str, list[list[list]]]:
    require_tool("node")
    if not (HARNESS / "node_modules" / "vscode-textmate").is_dir():
        require_tool("npm")
        message = "vscode-textmate is not installed: run `npm ci` in tests/textmate (.ci/test does)"
        if os.environ.get("LAYOUTC_REQUIRE_TOOLS") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    run = subprocess.run(["node", str(HARNESS / "tokenize.js"), str(GRAMMAR), *map(str, INPUTS)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_every_shipped_layout_is_tested() -> None:
    assert len(LAYOUTS) >= 8 and {p.name for p in LAYOUTS} >= {"arm32.kl", "x86_64.kl", "rpi3.kl"}


@pytest.mark.parametrize("path", INPUTS, ids=[str(p.relative_to(ROOT)) for p in INPUTS])
def test_every_token_gets_the_scope_of_its_lexer_kind(path: Path, tokenized: dict[str, list[list[list]]]) -> None:
    text = path.read_text(encoding="utf-8")
    assert all(ord(ch) <= 0xFFFF for ch in text)  # so a JS (UTF-16) index is a Python index
    lines = tokenized[str(path)]
    starts = [0]
    for line in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    scopes_at: list[list[str]] = [[] for _ in text]
    for number, line_tokens in enumerate(lines):
        for start, end, scopes in line_tokens:
            for offset in range(starts[number] + start, min(starts[number] + end, len(text))):
                scopes_at[offset] = scopes

    tokens = lexed(text)
    wanted: list[tuple[int, int, str]] = [(t.start_pos, t.end_pos, expected_scope(tokens, i, text))
                                          for i, t in enumerate(tokens)]
    wanted += comments(text, tokens)
    wrong: list[str] = []
    for start, end, scope in wanted:
        for offset in range(start, end):
            got = scopes_at[offset]
            if scope not in got and len(wrong) < 20:
                line = text.count("\n", 0, offset) + 1
                wrong.append(f"{path.name}:{line}: `{text[start:end]}` wants {scope}, has {got}")
                break
    for token in (t for t in tokens if t.type == "STRING"):  # escapes inside strings
        for match in re.finditer(r"\\.", token.value):
            offset = token.start_pos + match.start()
            if "constant.character.escape.kl" not in scopes_at[offset]:
                wrong.append(f"{path.name}: escape `{match.group()}` in {token.value} has {scopes_at[offset]}")
    covered = {o for start, end, _ in wanted for o in range(start, end)}
    for offset, ch in enumerate(text):  # nothing else is scoped as code: only blanks are left over
        if offset not in covered and not ch.isspace() and len(wrong) < 20:
            wrong.append(f"{path.name}:{text.count(chr(10), 0, offset) + 1}: `{ch}` is neither token nor comment")
    assert not wrong, "\n".join(wrong)


def test_vscode_extension_declares_the_tested_grammar_and_the_server() -> None:
    package = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text(encoding="utf-8"))
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    (declared,) = package["contributes"]["grammars"]
    assert (ROOT / "editors" / "vscode" / declared["path"]).resolve() == GRAMMAR.resolve()
    assert declared["scopeName"] == grammar["scopeName"] == "source.kl"
    (language,) = package["contributes"]["languages"]
    assert language["id"] == declared["language"] and language["extensions"] == [".kl"]
    json.loads((ROOT / "editors" / "vscode" / language["configuration"]).read_text(encoding="utf-8"))
    assert package["contributes"]["configuration"]["properties"]["layoutc.command"]["default"] == ["layoutc", "lsp"]
    assert (ROOT / "editors" / "vscode" / package["main"]).is_file()


def test_vscode_extension_script_is_valid_javascript() -> None:
    node = require_tool("node")
    run = subprocess.run([node, "--check", str(ROOT / "editors" / "vscode" / "extension.js"),
                          ], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
