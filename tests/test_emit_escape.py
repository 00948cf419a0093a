"""Hostile layout text cannot break out of a comment or a string in anything we generate.

Titles, docs, labels, string params, assert messages and file names go into C comments,
C strings, ld strings, JSON, Markdown and RST.  The end-to-end tests compile, link and
parse the output of a layout whose every text field is hostile; the property tests
check the escaping functions on random text.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from emit_support import HOST_C, HOST_CXX, compile_source, load, options, run
from hypothesis import given, settings
from hypothesis import strategies as st
from tools import require_tool

from layoutc.emit import escape
from layoutc.emit.c_header import emit as emit_header
from layoutc.emit.json_model import emit as emit_json
from layoutc.emit.linker_script import emit as emit_ld
from layoutc.emit.markdown import emit_markdown, emit_rst

TITLE = 'x */ #error title escaped /* y\\nnext ??/ ??= \\\\ \\"q\\" \u202erlo'
HOSTILE = f"""\
layout evil {{
    title     = "{TITLE}"
    bits      = 32
    page_size = 4K
}}
param note: string = "a\\\\\\"b??/\\n*/ end\\\\" "doc */ #error ??/ trailing\\\\"
const BASE = 0x1000 "const doc */ #error in const doc"
space virtual bits 32 {{
    region r [BASE, +4K) {{ label = "label */ #error |pipe| `tick` <b>"; doc = "doc\\n.. comment:: \\\\" }}
}}
assert BASE > 0 : "msg \\" */ ??/ \\\\ \\n #error"
"""
NOTE = 'a\\"b??/\n*/ end\\'  # the value of `note` after KL's own escapes


@pytest.fixture
def evil(tmp_path) -> tuple[Path, object, object]:
    directory = tmp_path / "dir*"  # the file name itself carries `*/`
    directory.mkdir()
    path = directory / "evil.kl"
    path.write_text(HOSTILE, encoding="utf-8")
    layout = load(path)
    return tmp_path, layout, options(layout, "dir*/evil.kl")


def test_the_hostile_layout_is_what_we_think(evil):
    _, layout, _ = evil
    assert layout.params["note"].value == NOTE
    assert "*/" in layout.title and "\n" in layout.title
    assert "*/" in layout.assertions[0].message


def test_header_compiles_with_trigraphs_and_keeps_the_string(evil):
    tmp_path, layout, opts = evil
    (tmp_path / "layout.h").write_text(emit_header(layout, opts), encoding="utf-8")
    want = ", ".join(str(b) for b in NOTE.encode("utf-8"))
    program = tmp_path / "main.c"
    program.write_text(f"""#include <string.h>
#include "layout.h"
static const unsigned char want[] = {{{want}}};
int main(void) {{
    return sizeof(EVIL_PARAM_NOTE) - 1 != sizeof want || memcmp(EVIL_PARAM_NOTE, want, sizeof want) != 0;
}}
""", encoding="utf-8")
    built = compile_source(HOST_C, program, "-Wextra", "-trigraphs", "-Wcomment", output=str(tmp_path / "main"))
    assert built.returncode == 0, built.stderr
    assert run([str(tmp_path / "main")], tmp_path).returncode == 0
    cxx = compile_source(HOST_CXX, program, "-Wextra", "-trigraphs")
    assert cxx.returncode == 0, cxx.stderr


def test_header_comments_and_strings_stay_closed(evil):
    """After the preprocessor removes comments, no layout text is left outside a string literal."""
    tmp_path, layout, opts = evil
    text = emit_header(layout, opts)
    assert "??" not in text and "\u202e" not in text
    assert not re.search(r"\\\n", text), "a backslash at the end of a line would splice the next one"
    (tmp_path / "layout.h").write_text(text, encoding="utf-8")
    cpp = run([require_tool("cpp"), "-P", "-trigraphs", "layout.h"], tmp_path)
    assert cpp.returncode == 0, cpp.stderr
    code = re.sub(r'"(?:\\.|[^"\\])*"', '""', cpp.stdout)  # string literals out
    for fragment in ("title escaped", "const doc", "label", "#error", "comment::", "*/"):
        assert fragment not in code


def test_ld_fragment_with_hostile_text_links_also_through_cpp(evil):
    tmp_path, layout, opts = evil
    (tmp_path / "layout.ld").write_text(emit_ld(layout, opts), encoding="utf-8")
    (tmp_path / "obj.s").write_text("\t.text\n\t.globl _start\n_start:\n\t.long 0\n")
    assert run([require_tool("as"), "-o", "obj.o", "obj.s"], tmp_path).returncode == 0
    direct = run([require_tool("ld"), "-T", "layout.ld", "-o", "a.elf", "obj.o"], tmp_path)
    assert direct.returncode == 0, direct.stderr
    cpp = run([require_tool("cpp"), "-P", "-undef", "-D__ASSEMBLY__", "layout.ld", "-o", "pre.ld"], tmp_path)
    assert cpp.returncode == 0, cpp.stderr
    linked = run([require_tool("ld"), "-T", "pre.ld", "-o", "b.elf", "obj.o"], tmp_path)
    assert linked.returncode == 0, linked.stderr


def test_json_keeps_hostile_text_exactly(evil):
    _, layout, opts = evil
    document = json.loads(emit_json(layout, opts))
    assert document["layout"]["title"] == layout.title
    assert document["params"][0]["value"] == NOTE
    assert document["assertions"][0]["message"] == layout.assertions[0].message
    assert document["source"] == "dir*/evil.kl"


def test_markdown_and_rst_stay_tables(evil):
    _, layout, opts = evil
    markdown = emit_markdown(layout, opts)
    row = next(line for line in markdown.splitlines() if "`r`" in line)
    assert len(re.split(r"(?<!\\)\|", row)) == 7
    assert "<b>" not in markdown
    docutils_core = pytest.importorskip("docutils.core")
    errors = io.StringIO()
    docutils_core.publish_doctree(emit_rst(layout, opts),
                                  settings_overrides={"warning_stream": errors, "report_level": 2})
    assert errors.getvalue() == ""


# ------------------------------------------------------------------ the escaping functions on random text

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_c_comment_cannot_close_open_or_splice(text):
    out = escape.c_comment(text)
    assert "*/" not in out and "/*" not in out and "??" not in out and "\\" not in out
    assert "\n" not in out and "\r" not in out and out.isascii()
    assert escape.c_comment(out) == out  # already safe text is left alone


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_c_string_is_one_literal_of_the_same_bytes(text):
    out = escape.c_string(text)
    assert out.startswith('"') and out.endswith('"') and out.isascii()
    inner = out[1:-1]
    assert not re.search(r'(?<!\\)(\\\\)*"', inner), "an unescaped quote would end the string"
    assert "??" not in inner
    decoded = re.sub(rb"\\([0-7]{3}|.)", lambda m: bytes([int(m.group(1), 8)]) if len(m.group(1)) == 3 else m.group(1),
                     inner.encode("ascii"))
    assert decoded == text.encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_ld_string_has_no_quote_backslash_or_newline(text):
    inner = escape.ld_string(text)[1:-1]
    assert not set('"\\\n\r') & set(inner) and "??" not in inner and "*/" not in inner and inner.isascii()


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_markdown_cell_has_no_bare_pipe_or_markup(text):
    out = escape.markdown(text).replace("`@`", "")  # an `@` alone in a code span is the one code span
    assert "\n" not in out and "\u2028" not in out
    assert not re.search(r"(?<!\\)(\\\\)*[|`*_<\[:.&~$]", out)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.booleans())
def test_make_path_has_no_bare_separator(text, target):
    try:
        out = escape.make_path(text, target=target)
    except escape.UnquotablePath:
        assert (not text or set(text) & set(";=") or re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", text)
                or text.endswith("\\") or (text.endswith(")") and "(" in text) or re.fullmatch(r"\.[A-Z_]+", text))
        return
    assert "\n" not in out and ";" not in out and "=" not in out
    assert not re.search(r"(?<!\\)(\\\\)*[ #:*?\[\]]", out)
    assert not re.search(r"(?<!\$)(\$\$)*\$(?!\$)", out)
    assert not out.startswith("~")
