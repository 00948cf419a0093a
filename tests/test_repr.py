"""``repr()`` of what a script or a debugger sees is one short line that says what and where.

A layout's objects all hold spans into the source text; a default dataclass repr printed the whole
file (90 KB for ``repr(region)``).  Every model object of every shipped layout must stay under
REPR_LIMIT characters, name itself, and point at ``path:line:col``, never at the text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layoutc.session import load_layout

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "layouts").rglob("*.kl"))
REPR_LIMIT = 200
WHERE = re.compile(r"\S+\.kl:\d+:\d+")


def _objects(layout):
    yield layout
    yield from layout.files
    yield from layout.params.values()
    yield from layout.consts.values()
    yield from layout.waivers
    yield from layout.assertions
    for param in layout.params.values():
        yield from param.origins
    for space in layout.spaces.values():
        yield space
        yield from space.holes
        for region in space.regions:
            yield region
            yield from (region.span, region.name_span, region.range_span)
            yield from region.relations


@pytest.fixture(scope="module", params=LAYOUTS)
def layout(request):
    result = load_layout(str(ROOT / request.param))
    assert result.layout is not None
    return result.layout


def test_every_model_repr_is_one_short_line(layout):
    for item in _objects(layout):
        text = repr(item)
        assert len(text) <= REPR_LIMIT and "\n" not in text, (type(item).__name__, text[:300])


def test_reprs_name_the_object_and_where_it_is_not_its_text(layout):
    source = layout.files[0]
    assert repr(source) == f"SourceFile({source.name!r}, {source.line_count} lines)"
    for region in layout.regions():
        text = repr(region)
        assert text.startswith(f"Region({region.qualified} ")
        line, column = region.span.start_position()
        assert f"{region.span.file.name}:{line}:{column}" in text
        assert region.span.text not in text
    for param in layout.params.values():
        assert repr(param).startswith(f"Param({param.name}: {param.type} = ")
        assert WHERE.search(repr(param)) or "<-D" in repr(param)
    for const in layout.consts.values():
        assert repr(const).startswith(f"Const({const.name} = ") and WHERE.search(repr(const))


def test_span_repr_is_path_line_column_range():
    from layoutc.source import SourceFile

    source = SourceFile("board.kl", "const A = 1\nconst LONG_NAME = 0x1000\n")
    start = source.text.index("LONG_NAME")
    span = source.span(start, start + len("LONG_NAME"))
    assert repr(span) == "Span(board.kl:2:7-2:16)"


def test_a_region_repr_shows_its_evaluated_range(tmp_path):
    path = tmp_path / "r.kl"
    path.write_text("space virtual bits 32 {\n    region text [0xC000_8000, +1M) { kind = kernel }\n}\n",
                    encoding="utf-8")
    result = load_layout(str(path))
    region = result.layout.region("virtual", "text")
    assert repr(region) == f"Region(virtual.text [0xc0008000, 0xc0108000) kind=kernel at {path}:2:5)"


def test_diagnostic_repr_is_code_place_and_message(tmp_path):
    path = tmp_path / "d.kl"
    path.write_text("space s bits 32 {\n    region a [0, 8K)\n    region b [4K, 12K)\n}\n", encoding="utf-8")
    result = load_layout(str(path))
    assert result.diagnostics
    for diagnostic in result.diagnostics:
        text = repr(diagnostic)
        assert text.startswith(f"Diagnostic({diagnostic.code} {diagnostic.severity} at {path}:")
        assert len(text) <= REPR_LIMIT
