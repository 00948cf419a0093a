"""Markdown and reStructuredText memory-map tables: golden files, and well-formed tables for every layout."""

from __future__ import annotations

import io
import os
import re

import pytest
from emit_support import DEMO, GOLDEN, ROOT, SHIPPED, load, options, rel

from layoutc.emit.markdown import emit_markdown, emit_rst
from layoutc.emit.table import rows

ALL = SHIPPED + [rel(DEMO)]


@pytest.mark.parametrize("kind, emit, suffix", [("markdown", emit_markdown, ".md"), ("rst", emit_rst, ".rst")])
def test_golden_demo_tables(kind, emit, suffix):
    """Pins the table layout for tests/golden/emit/demo.kl, reviewed against the kernel's
    Documentation/arch/arm/memory.rst and x86_64/mm.rst style: one table per space, start and
    inclusive end at the space width, approximate size, the hole `null_page`, gaps as unused, nested
    regions as `parent/child`, text escaped."""
    layout = load(DEMO)
    text = emit(layout, options(layout, "tests/golden/emit/demo.kl"))
    golden = GOLDEN / f"demo{suffix}"
    if os.environ.get("LAYOUTC_REGEN_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"run with LAYOUTC_REGEN_GOLDEN=1 and review {golden}"
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} changed: review, then LAYOUTC_REGEN_GOLDEN=1"


def _cells(line: str) -> list[str]:
    """Split a Markdown table row on `|` that are not backslash-escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


@pytest.mark.parametrize("path", ALL)
def test_markdown_tables_are_well_formed_and_complete(path):
    layout = load(ROOT / path)
    text = emit_markdown(layout, options(layout, path))
    for space in layout.spaces.values():
        section = text.split(f"## Space `{space.name}`", 1)[1].split("\n## ", 1)[0]
        table = [line for line in section.splitlines() if line.startswith("|")]
        assert all(len(_cells(line)) == 5 for line in table), [line for line in table if len(_cells(line)) != 5]
        body = table[2:]
        assert len(body) == len(rows(layout, space))
        for region in space.regions:
            if region.known:
                assert any(f"{region.name}`" in line and f"`0x{region.start:0{max(8, (space.bits + 3) // 4)}x}`" in line
                           for line in body), region.qualified


@pytest.mark.parametrize("path", ALL)
def test_rst_parses_without_warnings(path):
    docutils_core = pytest.importorskip("docutils.core")
    layout = load(ROOT / path)
    text = emit_rst(layout, options(layout, path))
    errors = io.StringIO()
    doctree = docutils_core.publish_doctree(text, settings_overrides={"report_level": 2, "warning_stream": errors,
                                                                      "halt_level": 5})
    assert errors.getvalue() == ""
    tables = [node for node in doctree.findall() if node.tagname == "table"]
    assert len(tables) == len(layout.spaces)
    for table, space in zip(tables, layout.spaces.values()):
        entries = [node for node in table.findall() if node.tagname == "row"]
        assert len(entries) == len(rows(layout, space)) + 1  # + the heading row
