"""Layout text stays text in generated documents and depfiles, as their real consumers read them.

Every string of the hostile corpus (tests/hostile_text.py) goes into a layout's title, a
region's doc, another region's label, a hole's reason and the file name shown in the
provenance lines.  The RST is parsed by docutils, the Markdown by markdown-it-py (CommonMark,
and its GFM-like preset with linkify) and by cmark-gfm (the renderer GitHub uses), and each
document must have exactly the structure of the same layout with harmless text -- no raw
HTML, include, image, link, list or extra section -- with the hostile text as plain text in
the cell it belongs to.  The depfile is read by GNU make.
"""

from __future__ import annotations

import html.parser
import io
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hostile_text import BIDI, CORPUS
from tools import require_tool

from layoutc.emit.base import EmitOptions
from layoutc.emit.markdown import emit_markdown, emit_rst
from layoutc.session import load_layout

IDS = [name for name, _ in CORPUS]
BENIGN = "harmless words"


def kl_string(text: str) -> str:
    """A KL string literal holding `text` (KL escapes \\n \\t \\r \\0 \\\\ \\"; the rest is written as is)."""
    escapes = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0", "\\": "\\\\", '"': '\\"'}
    return '"' + "".join(escapes.get(ch, ch) for ch in text) + '"'


def layout_with(tmp_path: Path, text: str):
    source = f"""\
layout evil {{
    title = {kl_string(text)}
    bits = 32
    page_size = 4K
}}
space virtual bits 32 {{
    hole [0, 4K) {kl_string(text)}
    region a [0x1000, +4K) {{ doc = {kl_string(text)} }}
    region b [0x2000, +4K) {{ label = {kl_string(text)} }}
}}
"""
    path = tmp_path / "evil.kl"
    path.write_bytes(source.encode("utf-8"))
    result = load_layout(str(path), [])
    assert result.layout is not None and not result.errors, [d.message for d in result.errors]
    shown_name = "".join(ch for ch in text if ch not in "/\0") or "x"
    return result.layout, EmitOptions(prefix="EVIL", source=shown_name + ".kl")


def as_read(text: str) -> str:
    """What a reader must see of `text` in a one-line cell: every line break and control character a
    space, every bidirectional control spelled as its code point, no surrounding blanks."""
    out = []
    for ch in text:
        if ch in BIDI:
            out.append(f"<U+{ord(ch):04X}>")
        elif unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out).strip()


# ------------------------------------------------------------------ reStructuredText through docutils


def doctree(rst: str):
    docutils_core = pytest.importorskip("docutils.core")
    messages = io.StringIO()
    # Defaults on purpose: raw and include directives are enabled, as in a Sphinx project.
    tree = docutils_core.publish_doctree(rst, settings_overrides={"report_level": 5, "halt_level": 5,
                                                                  "warning_stream": messages})
    return tree


def shape(tree) -> list[str]:
    return [node.tagname for node in tree.findall() if node.tagname != "#text"]


def rst_cell(tree, region: str):
    for row in tree.findall(lambda n: n.tagname == "row"):
        entries = [e for e in row.children if e.tagname == "entry"]
        if entries and entries[3].astext() == region:
            return entries[4]
    raise AssertionError(f"no row for {region}")


@pytest.fixture(scope="module")
def benign_rst(tmp_path_factory):
    """The structure with harmless text, and with none (an empty cell has no paragraph)."""
    shapes = {}
    for text in (BENIGN, ""):
        layout, options = layout_with(tmp_path_factory.mktemp("benign"), text)
        shapes[bool(text)] = shape(doctree(emit_rst(layout, options)))
    return shapes


@pytest.mark.parametrize("text", [t for _, t in CORPUS], ids=IDS)
def test_rst_holds_hostile_text_as_text(tmp_path, benign_rst, text):
    layout, options = layout_with(tmp_path, text)
    tree = doctree(emit_rst(layout, options))
    problems = [m.astext() for m in tree.findall(lambda n: n.tagname == "system_message") if m["level"] >= 2]
    assert problems == []
    assert not list(tree.findall(lambda n: n.tagname in ("raw", "reference", "image", "target", "comment",
                                                          "substitution_reference", "footnote_reference")))
    expected = as_read(text)
    assert shape(tree) == benign_rst[bool(expected)], "the document's structure changed"
    assert tree.children[0].astext() == as_read(f"evil: {text}")  # the title
    for region in ("``a``", "``b``"):
        cell = rst_cell(tree, region.strip("`"))
        assert cell.astext() == expected
        if expected:  # one paragraph holding one Text node
            assert [c.tagname for c in cell.children] == ["paragraph"]
            assert [c.tagname for c in cell.children[0].children] == ["#text"]


def test_rst_title_rule_covers_wide_characters(tmp_path):
    """docutils measures a title in display columns: a CJK title needs a rule twice its length."""
    layout, options = layout_with(tmp_path, "メモリマップ")
    text = emit_rst(layout, options)
    messages = io.StringIO()
    docutils_core = pytest.importorskip("docutils.core")
    docutils_core.publish_doctree(text, settings_overrides={"report_level": 1, "warning_stream": messages})
    assert "too short" not in messages.getvalue() and "ERROR" not in messages.getvalue()


# ------------------------------------------------------------------ Markdown through markdown-it-py and cmark-gfm


def md_parsers():
    markdown_it = pytest.importorskip("markdown_it")
    pytest.importorskip("linkify_it")
    return {"commonmark": markdown_it.MarkdownIt("commonmark").enable("table"),
            "gfm-like": markdown_it.MarkdownIt("gfm-like")}


def md_shape(tokens) -> list[str]:
    out = []
    for token in tokens:
        out.append(token.type)
        out += [f"  {child.type}" for child in token.children or ()]
    return out


def md_cell(tokens, region: str) -> str:
    cells, row = [], []
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token)
        elif token.type == "tr_close":
            cells.append(row)
    for row in cells:
        if len(row) == 5 and row[3].content == f"`{region}`":
            return "".join(child.content for child in row[4].children)
    raise AssertionError(f"no row for {region}")


@pytest.fixture(scope="module")
def benign_md(tmp_path_factory):
    """Token shapes per parser and the document, with harmless text and with none."""
    out = {}
    for text in (BENIGN, ""):
        layout, options = layout_with(tmp_path_factory.mktemp("benign"), text)
        markdown = emit_markdown(layout, options)
        out[bool(text)] = {name: md_shape(parser.parse(markdown)) for name, parser in md_parsers().items()}, markdown
    return out


@pytest.mark.parametrize("text", [t for _, t in CORPUS], ids=IDS)
def test_markdown_holds_hostile_text_as_text(tmp_path, benign_md, text):
    shapes, _ = benign_md[bool(as_read(text))]
    layout, options = layout_with(tmp_path, text)
    markdown = emit_markdown(layout, options)
    for name, parser in md_parsers().items():
        tokens = parser.parse(markdown)
        kinds = set(md_shape(tokens))
        assert not kinds & {"  link_open", "  image", "  html_inline", "html_block", "  s_open"}, name
        # code spans only where an `@` breaks GitHub's e-mail autolink; no other new structure
        assert [k for k in md_shape(tokens) if k != "  code_inline" and k != "  text"] == \
            [k for k in shapes[name] if k != "  code_inline" and k != "  text"], name
        assert md_cell(tokens, "a") == as_read(text), name
        assert md_cell(tokens, "b") == as_read(text), name


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def github_html(markdown: str) -> _Tags:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    parsed = _Tags()
    parsed.feed(cmarkgfm.github_flavored_markdown_to_html(markdown))
    return parsed


@pytest.mark.parametrize("text", [t for _, t in CORPUS], ids=IDS)
def test_github_renders_hostile_text_as_text(tmp_path, benign_md, text):
    """cmark-gfm with GitHub's extensions (tables, autolinks, strikethrough, tag filter)."""
    _, benign_text = benign_md[bool(as_read(text))]
    benign = github_html(benign_text)
    layout, options = layout_with(tmp_path, text)
    rendered = github_html(emit_markdown(layout, options))
    assert not {"a", "img", "script", "del"} & set(rendered.tags)
    assert [t for t in rendered.tags if t != "code"] == [t for t in benign.tags if t != "code"]
    # the row of `a` and the row of `b` each end with the text cell
    texts = [cell for cell in rendered.cells]
    assert texts.count(as_read(text)) >= 2


# ------------------------------------------------------------------ the depfile through GNU make

QUOTABLE = ["a b.kl", "d$x.kl", "h#x.kl", "c:x.kl", "o|r.kl", "s*x.kl", "q?x.kl", "b[1].kl", "p%x.kl", "~x.kl",
            "back\\ sp.kl", "bs\\#.kl", "two  spaces.kl", "quote'\"x.kl", "l(m).kl", "include", "./-dash.kl",
            "ü.kl"]
UNQUOTABLE = {"x;touch PWNED;y.kl": "`;`", "a=b.kl": "`=`", "new\nline.kl": "line break", "tab\tx.kl": "control",
              "trail\\": "backslash", "lib(member)": "archive", ".PHONY": "special target"}

MINIMAL = 'layout m {\n    bits = 32\n    page_size = 4K\n}\nspace virtual bits 32 {\n    region r [0, +4K)\n}\n'


def _make(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([require_tool("make"), "-f", "Makefile", *args], cwd=directory, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.parametrize("name", QUOTABLE)
def test_make_reads_the_depfile_as_written(cli, tmp_path, monkeypatch, name):
    """make agrees the outputs are up to date, sees the source change, and runs nothing it should not."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(MINIMAL, encoding="utf-8")
    os.utime(tmp_path / name, (1_000_000_000, 1_000_000_000))
    code, _, err = cli("build", name, "-o", "out dir", "--depfile", "deps.d")
    assert code == 0, err
    goals = [f"out dir/{path.name}" for path in sorted((tmp_path / "out dir").iterdir())]
    assert len(goals) > 1
    # goals on make's command line are literal names; a pattern rule gives the depfile's targets a recipe
    (tmp_path / "Makefile").write_text("include deps.d\nout\\ dir/%:\n\t@echo REBUILT\n", encoding="utf-8")
    quiet = _make(tmp_path, "-q", *goals)
    assert quiet.returncode == 0, quiet.stderr  # every name resolved to the real file: up to date
    os.utime(tmp_path / name, None)
    assert _make(tmp_path, "-q", *goals).returncode == 1  # ... and the source's change is seen
    run = _make(tmp_path, *goals)
    assert run.returncode == 0, run.stderr
    assert "REBUILT" in run.stdout
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("name", sorted(UNQUOTABLE), ids=lambda n: n.encode("unicode_escape").decode())
def test_a_name_make_cannot_express_is_refused_before_writing(cli, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(MINIMAL, encoding="utf-8")
    code, _, err = cli("build", name, "-o", "out", "--depfile", "deps.d")
    assert code == 2
    assert UNQUOTABLE[name] in err and "rename" in err
    assert not (tmp_path / "deps.d").exists() and not (tmp_path / "out").exists()


def test_sphinx_builds_the_tables_of_a_wide_title_with_warnings_as_errors(tmp_path):
    """`sphinx-build -W` (as documentation projects run it) on a page holding the generated RST of a
    layout whose title and texts are CJK, full-width and hostile: no warning at all."""
    pytest.importorskip("sphinx")
    layout, options = layout_with(tmp_path, "メモリマップ ＡＢＣ `x`_ |s| \\\\\\\\")
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text("project = 'layout'\nextensions = []\n", encoding="utf-8")
    (source / "index.rst").write_text("Maps\n====\n\n.. toctree::\n\n   map\n", encoding="utf-8")
    (source / "map.rst").write_text(emit_rst(layout, options), encoding="utf-8")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(source),
                            str(tmp_path / "html")], capture_output=True, text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stderr
    assert "メモリマップ" in (tmp_path / "html" / "map.html").read_text(encoding="utf-8")
