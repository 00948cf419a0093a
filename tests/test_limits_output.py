"""Limits on what layoutc writes and runs (docs/language.md, "Limits"): names (L011), `render --matrix`
pictures (L009), and Graphviz `dot` bounded in picture size (L012), time and memory (L013).

Each is checked AT the limit (accepted) and ONE PAST it (its code, exit 2, nothing written).  The dot
tests run the real `dot` (skipped without it, failed under LAYOUTC_REQUIRE_TOOLS=1); the time limit is
tested with a tiny `--dot-timeout` -- a slow picture stopped at the real limit is benchmarks/hostile.py's
`graphviz` case, not a unit test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tools import require_tool

from layoutc import limits
from layoutc.draw import DotLimit, run_dot, within_limits

REPO = Path(__file__).resolve().parent.parent
ARM32 = REPO / "layouts" / "arm32.kl"


def test_the_documented_numbers():
    assert limits.MAX_NAME_CHARS == 128
    assert limits.MAX_PICTURES == 16
    assert (limits.MAX_DRAWN_ROWS, limits.MAX_DOT_BYTES) == (6000, 8 << 20)
    assert (limits.DOT_SECONDS, limits.DOT_MEMORY_BYTES) == (20.0, 1 << 30)


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.suffix in (".svg", ".png", ".pdf", ".tmp")]


# ------------------------------------------------------------------ L011 names


@pytest.mark.parametrize("length, fails", [(128, False), (129, True)])
@pytest.mark.parametrize("shape", [
    "space s bits 32 {{ region {n} [0, +4K) }}",
    "space s bits 32 {{ region top [0, +8K) {{ region {n} [0, +4K) }} }}",
    "space {n} bits 32 {{ region r [0, +4K) }}",
    "const {n} = 1",
    "param {n}: int = 1",
    "param p: choice(a, {n}) = a",
    "layout {n} {{ arch = arm }}",
])
def test_name_length_at_the_limit_and_one_past(load_kl, shape, length, fails):
    result = load_kl(shape.format(n="n" * length) + "\n")
    codes = [d.code for d in result.diagnostics]
    assert ("L011" in codes) is fails, codes
    if fails:
        assert result.layout is None  # the file is not used, like one that does not parse


def test_a_long_name_in_an_extended_file(tmp_path, cli):
    (tmp_path / "base.kl").write_text("space s bits 32 { region " + "n" * 129 + " [0, +4K) }\n")
    (tmp_path / "board.kl").write_text('extends "base.kl"\n')
    code, out, err = cli("emit", "header", tmp_path / "board.kl", "-o", tmp_path / "x.h")
    assert code in (1, 2) and "base.kl:1:26: error[L011]" in out + err, out + err
    assert not (tmp_path / "x.h").exists()


def test_a_long_parent_no_longer_multiplies_the_header(tmp_path, cli):
    """The fuzzer's long-parent: each child's assertions named its parent; 20 KB of name x 300 children."""
    children = "".join(f"  region r{i} [{i}G, +4K)\n" for i in range(300))
    path = tmp_path / "p.kl"
    path.write_text("space s bits 64 {\n region " + "p" * 20_000 + " [0, 1T) {\n" + children + " }\n}\n")
    code, out, err = cli("emit", "header", path)
    assert code == 1 and "error[L011]" in err, err[-500:]
    assert len(out) + len(err) < 10_000


# ------------------------------------------------------------------ L009 render --matrix pictures


@pytest.mark.parametrize("count, code", [(16, 0), (17, 2)])
def test_render_matrix_pictures_at_the_limit_and_one_past(tmp_path, cli, count, code):
    path = tmp_path / "m.kl"
    path.write_text("param p: int = 0\nspace s bits 32 { region r [p * 4K, +4K) }\n")
    values = ",".join(str(i) for i in range(count))
    got, out, err = cli("render", path, "--matrix", f"p={values}", "-o", tmp_path / "g", "--format", "dot")
    assert got == code, out + err
    if code == 0:
        assert len(list((tmp_path / "g").iterdir())) == count + 1  # the pictures and the gallery
    else:
        assert f"error[L009]: --matrix p would draw {count} pictures" in err
        assert not (tmp_path / "g").exists()


# ------------------------------------------------------------------ L012 picture size


def _rows_dot(rows: int, pad: int = 0) -> str:
    """DOT with exactly ``rows`` table rows, in small nodes (cheap for dot), plus ``pad`` bytes of comment."""
    nodes = []
    for start in range(0, rows, 10):
        cells = "".join(f"<TR><TD>{i}</TD></TR>" for i in range(start, min(rows, start + 10)))
        nodes.append(f"n{start} [shape=plain, label=<<TABLE>{cells}</TABLE>>];\n")
    text = "digraph g {\n" + "".join(nodes) + "}\n"
    return text + ("//" + "x" * (pad - 3) + "\n" if pad else "")


def test_rows_at_the_limit_are_drawn_and_one_past_refused():
    require_tool("dot")
    at = _rows_dot(limits.MAX_DRAWN_ROWS)
    assert at.count("<TR") == limits.MAX_DRAWN_ROWS and within_limits([at]) == at
    assert run_dot(at, "svg").startswith(b"<?xml")
    past = _rows_dot(limits.MAX_DRAWN_ROWS + 1)
    with pytest.raises(DotLimit) as refused:
        run_dot(past, "svg")
    assert refused.value.code == "L012" and "more than 6,000 table rows" in str(refused.value)


def test_dot_bytes_at_the_limit_are_drawn_and_one_past_refused():
    require_tool("dot")
    small = _rows_dot(1)
    at = _rows_dot(1, limits.MAX_DOT_BYTES - len(small))
    assert len(at.encode()) == limits.MAX_DOT_BYTES and within_limits([at]) == at
    assert run_dot(at, "svg").startswith(b"<?xml")
    with pytest.raises(DotLimit) as refused:
        run_dot(at + "\n", "svg")
    assert refused.value.code == "L012" and "bytes of DOT" in str(refused.value)


def test_a_picture_past_the_limit_is_refused_before_the_rest_of_it_is_made():
    """The DOT of a large layout is made piece by piece: L012 stops at the first row past the limit."""
    made = []

    def pieces():
        for row in range(2 * limits.MAX_DRAWN_ROWS):
            made.append(row)
            yield f"<TR><TD>{row}</TD></TR>"

    with pytest.raises(DotLimit) as refused:
        within_limits(pieces())
    assert refused.value.code == "L012" and len(made) == limits.MAX_DRAWN_ROWS + 1


def _many_regions(path: Path, count: int) -> Path:
    path.write_text("space s bits 64 {\n" + "".join(f"region r{i} [{i}G, +4K)\n" for i in range(count)) + "}\n")
    return path


@pytest.mark.parametrize("argv", [("render", "{f}", "-o", "{d}/x.svg"), ("render", "{f}", "-o", "{d}/x.png"),
                                  ("emit", "svg", "{f}", "-o", "{d}/x.svg")])
def test_a_picture_too_large_is_refused_and_nothing_written(tmp_path, cli, argv):
    require_tool("dot")
    path = _many_regions(tmp_path / "big.kl", 1100)  # ~6,600 rows
    args = [a.replace("{f}", str(path)).replace("{d}", str(tmp_path)) for a in argv]
    code, out, err = cli(*args)
    assert code == 2 and "error[L012]" in err and "--space NAME" in err, err
    assert _leftovers(tmp_path) == []
    code, out, err = cli("render", path, "-o", tmp_path / "x.dot")  # the DOT text is still written
    assert code == 0 and (tmp_path / "x.dot").stat().st_size > limits.MAX_DRAWN_ROWS * 10


# ------------------------------------------------------------------ L013 dot's time and memory


def test_dot_within_its_time_limit_and_past_it(tmp_path, cli):
    require_tool("dot")
    code, _, err = cli("render", ARM32, "-o", tmp_path / "a.svg", "--dot-timeout", "60")
    assert code == 0 and (tmp_path / "a.svg").read_bytes().startswith(b"<?xml"), err
    code, _, err = cli("render", ARM32, "-o", tmp_path / "b.svg", "--dot-timeout", "0.001")
    assert code == 2 and "error[L013]: dot -Tsvg was stopped after" in err, err
    assert "--dot-timeout SECONDS" in err and "nothing written" in err
    assert not (tmp_path / "b.svg").exists() and [p.name for p in tmp_path.iterdir()] == ["a.svg"]


def test_a_matrix_picture_past_the_limit_leaves_no_gallery(tmp_path, cli):
    require_tool("dot")
    code, _, err = cli("render", ARM32, "--matrix", "highmem", "-o", tmp_path / "g", "--dot-timeout", "0.001")
    assert code == 2 and "error[L013]" in err, err
    assert not (tmp_path / "g").exists()


def test_dot_past_its_memory_limit(monkeypatch):
    """The memory limit is the dot process's address space.  With little of it Graphviz first drops its
    pango plugin (and still draws a small picture); a picture at the row limit then needs more."""
    require_tool("dot")
    picture = _rows_dot(limits.MAX_DRAWN_ROWS)
    monkeypatch.setattr(limits, "DOT_MEMORY_BYTES", 24 << 20)
    with pytest.raises(DotLimit) as stopped:
        run_dot(picture, "svg")
    assert stopped.value.code == "L013" and "out of memory" in str(stopped.value), stopped.value
    assert "(its limit: 24 MiB)" in str(stopped.value)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "x", "100000"])
def test_dot_timeout_must_be_a_sensible_number(tmp_path, cli, value):
    code, _, err = cli("render", ARM32, "-o", tmp_path / "a.svg", "--dot-timeout", value)
    assert code == 2 and "--dot-timeout" in err, err
    assert _leftovers(tmp_path) == []
