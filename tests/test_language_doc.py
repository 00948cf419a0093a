"""docs/language.md is tested like code.

* every ```kl block is a complete file that parses and evaluates with no error;
* every ```kl-error CODE block produces the diagnostic CODE;
* blocks written ```kl file=PATH are also files other examples can `extends`;
* the reference's lists (kinds, attributes, param types, built-ins, architectures, MMU formats,
  language diagnostic codes) match what the implementation accepts, so neither can drift alone.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from layoutc.arch.spec import ARCHES
from layoutc.model.elaborate import HEADER_ATTRS, KINDS, PARAM_TYPES, REGION_ATTRS
from layoutc.model.evaluate import BUILTINS
from layoutc.rules import RULES
from layoutc.session import load_layout

DOC = Path(__file__).resolve().parent.parent / "docs" / "language.md"
TEXT = DOC.read_text(encoding="utf-8")
FENCE = re.compile(r"^```([\w-]*)[ \t]*(.*)$")


def _blocks() -> list[tuple[int, str, str, str]]:
    """(line, language, info, body) of every fenced block."""
    blocks = []
    lines = TEXT.splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        start, language, info = i + 1, match.group(1), match.group(2).strip()
        i += 1
        body = []
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        assert i < len(lines), f"docs/language.md:{start}: unclosed code block"
        blocks.append((start, language, info, "\n".join(body) + "\n"))
        i += 1
    return blocks


BLOCKS = _blocks()
EXAMPLES = [b for b in BLOCKS if b[1] == "kl"]
ERRORS = [b for b in BLOCKS if b[1] == "kl-error"]


def _file_name(line: int, info: str) -> str:
    match = re.fullmatch(r"file=(\S+)", info)
    return match.group(1) if match else f"example-{line}.kl"


@pytest.fixture(scope="module")
def examples_dir(tmp_path_factory) -> Path:
    """Every ```kl block written out first, so that an example can extend one written later."""
    root = tmp_path_factory.mktemp("language-doc")
    for line, _, info, body in EXAMPLES:
        path = root / _file_name(line, info)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return root


def test_the_reference_has_examples():
    assert len(EXAMPLES) >= 20
    assert len(ERRORS) >= 5
    fragments = [b for b in BLOCKS if b[1] == "kl-fragment"]
    assert len(fragments) <= 10, "keep partial snippets few: prefer complete ```kl examples"
    languages = {b[1] for b in BLOCKS}
    assert languages <= {"kl", "kl-error", "kl-fragment", "console", "text"}, languages


@pytest.mark.parametrize("line, language, info, body", EXAMPLES, ids=[f"line{b[0]}" for b in EXAMPLES])
def test_example_parses_and_evaluates_cleanly(examples_dir, line, language, info, body):
    result = load_layout(str(examples_dir / _file_name(line, info)))
    syntax = [d for d in result.diagnostics if d.code.startswith("S")]
    assert not syntax, f"docs/language.md:{line}: " + "; ".join(f"{d.code} {d.message}" for d in syntax)
    errors = [f"{d.code} {d.message} at {d.span.where() if d.span else '?'}" for d in result.errors]
    assert not errors, f"docs/language.md:{line}: " + "; ".join(errors)
    assert result.layout is not None


@pytest.mark.parametrize("line, language, info, body", ERRORS, ids=[f"line{b[0]}-{b[2]}" for b in ERRORS])
def test_error_example_produces_its_diagnostic(tmp_path, line, language, info, body):
    assert re.fullmatch(r"[A-Z]\d{3}", info), f"docs/language.md:{line}: write ```kl-error CODE"
    assert info in RULES, f"docs/language.md:{line}: no rule {info}"
    path = tmp_path / f"error-{line}.kl"
    path.write_text(body, encoding="utf-8")
    result = load_layout(str(path))
    codes = [d.code for d in result.diagnostics]
    assert info in codes, f"docs/language.md:{line}: expected {info}, got {codes}"


# ------------------------------------------------------------------ the lists in the text


def _backticked(between: str, until: str) -> list[str]:
    start = TEXT.index(between)
    end = TEXT.index(until, start)
    return re.findall(r"`([^`]+)`", TEXT[start:end])


def _table_first_column(heading: str) -> list[str]:
    """First cells of the table under a `## heading`, as written (backticks stripped)."""
    section = TEXT[TEXT.index(f"## {heading}"):]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    cells = []
    for row in re.findall(r"^\| ([^|]+?) \|", section, re.M):
        if row.strip(" -") and row.strip() not in ("attribute", "function", "type", "code", "name", "operators"):
            cells.append(row.strip())
    return cells


def test_region_kinds_match_the_implementation():
    assert _backticked("Kinds: ", "An unknown kind") == list(KINDS)


def test_region_attributes_match_the_implementation():
    section = TEXT[TEXT.index("**Attributes** (one per line"):TEXT.index("Kinds: ")]
    listed = re.findall(r"^\| `(\w+)` \|", section, re.M)
    assert sorted(listed) == sorted(REGION_ATTRS)


def test_header_attributes_match_the_implementation():
    listed = []
    for cell in _table_first_column("The layout header"):
        listed += re.findall(r"`(\w+)`", cell)
    assert sorted(listed) == sorted(HEADER_ATTRS)


def test_param_types_match_the_implementation():
    listed = {re.match(r"`(\w+)", cell).group(1) for cell in _table_first_column("Params")}
    assert listed == set(PARAM_TYPES)


def test_builtins_match_the_implementation():
    listed = set()
    for cell in _table_first_column("Built-in functions"):
        listed.update(re.findall(r"`(\w+)\(", cell))
    assert listed == set(BUILTINS)


def test_architectures_and_mmus_match_the_implementation():
    header = TEXT[TEXT.index("| `arch` |"):]
    arch_row, mmu_row = header.splitlines()[0], next(r for r in header.splitlines() if r.startswith("| `mmu` |"))
    assert set(re.findall(r"`(\w+)`", arch_row.split("|")[2])) == set(ARCHES)
    mmus = {mmu for spec in ARCHES.values() for mmu in spec.section_sizes}
    assert set(re.findall(r"`(\w+)`", mmu_row.split("|")[2])) == mmus


def test_language_diagnostics_table_matches_the_registry():
    rows = re.findall(r"^\| `([A-Z]\d{3})` \| ([a-z0-9-]+) \|", TEXT, re.M)
    for code, name in rows:
        assert code in RULES and RULES[code].name == name, (code, name)
    documented = {code for code, _ in rows}
    language = {code for code in RULES if code[0] in "SNEWUL"}  # L: the limits on input, in "## Limits"
    assert documented == language


def test_provenance_example_is_what_layoutc_prints(examples_dir, capsys):
    from layoutc.cli import main

    section = TEXT[TEXT.index("## Provenance"):]
    console = section[section.index("```console"):]
    command, printed = console.splitlines()[1:3]
    argv = command.removeprefix("$ layoutc ").split()
    here = os.getcwd()
    try:
        os.chdir(examples_dir)
        capsys.readouterr()
        code = main(argv)
        out = capsys.readouterr().out
    finally:
        os.chdir(here)
    assert code == 0
    assert out.splitlines()[0] == printed


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_internal_links_point_at_headings():
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", TEXT, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", TEXT))
    assert links, "the contents list links to the sections"
    assert links <= anchors, sorted(links - anchors)
