"""Pictures drawn by the real Graphviz `dot`, read back as XML.

For every shipped layout (layouts/*.kl, layouts/boards/*.kl): every region's box and
label is in the SVG, boxes stack by address (higher address = higher on the page),
each `maps` arrow starts at its region and ends at the region it maps, labelled
with the offset computed here from the model, and red appears exactly when the
layout has errors.  Then the hostile-text cases (markup, quotes, Graphviz escapes in
titles, labels and docs), the CLI (formats, exit codes, a missing `dot`), galleries
and the README's committed diagram.

Needs `dot` (Debian package `graphviz`); skips without it unless LAYOUTC_REQUIRE_TOOLS=1.
"""

from __future__ import annotations

import colorsys
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from tools import require_tool  # tests/tools.py: skip, or fail under LAYOUTC_REQUIRE_TOOLS=1

from layoutc.draw import dot as draw
from layoutc.draw import run_dot, source_digest, stamped_digest
from layoutc.model import intervals
from layoutc.model.values import format_address
from layoutc.session import load_layout

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "layouts").glob("*.kl")) + sorted((REPO / "layouts" / "boards").glob("*.kl"))
GOLDEN = REPO / "tests" / "golden" / "dot"
SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"

NAMED_COLOURS = {"black": (0, 0, 0), "white": (255, 255, 255), "red": (255, 0, 0)}


@pytest.fixture(autouse=True)
def _dot_installed():
    require_tool("dot")


def svg_of(path: Path, *defines: str):
    result = load_layout(str(path), list(defines))
    assert result.layout is not None, [d.message for d in result.diagnostics]
    text = run_dot(draw.diagram(result.layout, result.diagnostics), "svg").decode("utf-8")
    return result, ET.fromstring(text)


def texts(element) -> list[str]:
    """Every <text> under ``element``, as drawn (Graphviz writes spaces as no-break spaces)."""
    return [(t.text or "").replace("\xa0", " ").strip() for t in element.iter(f"{SVG}text")]


def box(root, space: str, name: str):
    """The <g> Graphviz writes for a region's cell: its ID is `space.name`."""
    for group in root.iter(f"{SVG}g"):
        if group.get("id") == f"a_{space}.{name}":
            return group
    return None


def extent(group) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the first polygon in ``group``: the box's background."""
    polygon = group.find(f".//{SVG}polygon")
    points = [tuple(map(float, p.split(","))) for p in polygon.get("points").split()]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def is_red(colour: str) -> bool:
    colour = colour.strip().lower()
    if colour in ("none", "transparent", ""):
        return False
    if colour in NAMED_COLOURS:
        rgb = NAMED_COLOURS[colour]
    else:
        match = re.fullmatch(r"#([0-9a-f]{6})(?:[0-9a-f]{2})?", colour)
        assert match, f"unexpected colour {colour!r} in the SVG: teach this test about it"
        rgb = tuple(int(match.group(1)[i:i + 2], 16) for i in (0, 2, 4))
    hue, saturation, value = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    return (hue <= 15 / 360 or hue >= 345 / 360) and saturation >= 0.5 and value >= 0.4


def red_elements(root) -> list[str]:
    found = []
    for element in root.iter():
        for attribute in ("fill", "stroke"):
            value = element.get(attribute)
            if value is not None and is_red(value):
                found.append(f"{element.tag.removeprefix(SVG)} {attribute}={value}")
    return found


def mapping_edges(root) -> list[tuple[tuple[float, float], tuple[float, float], list[str]]]:
    """(path start, arrow tip, label texts) of every drawn edge."""
    edges = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "edge":
            continue
        path = group.find(f"{SVG}path")
        head = group.find(f"{SVG}polygon")
        if path is None or head is None:
            continue
        start = tuple(map(float, re.match(r"M([-\d.]+),([-\d.]+)", path.get("d")).groups()))
        points = [tuple(map(float, p.split(","))) for p in head.get("points").split()]
        tip = max(points[:-1], key=lambda p: p[0])  # the arrows point right, into the physical space
        edges.append((start, tip, texts(group)))
    return edges


# ------------------------------------------------------------------ shipped layouts


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_layout_is_drawn_completely_in_address_order(path):
    result, root = svg_of(path)
    layout = result.layout
    drawn = 0
    for space in layout.spaces.values():
        known = [r for r in space.regions if r.known]
        for region in known:
            group = box(root, space.name, region.name)
            assert group is not None, f"no box for {region.qualified}"
            inside = texts(group)
            assert region.name in inside, f"{region.qualified}: name not drawn ({inside[:6]})"
            if region.label and region.label != region.name:
                assert region.label in inside, f"{region.qualified}: label {region.label!r} not drawn"
            assert region.doc in group.find(f".//{SVG}a").get(XLINK_TITLE)
            drawn += 1
        # siblings: a higher address is higher on the page (smaller SVG y)
        by_parent: dict[str | None, list] = {}
        for region in known:
            by_parent.setdefault(region.parent, []).append(region)
        for siblings in by_parent.values():
            siblings.sort(key=lambda r: r.start)
            tops = [extent(box(root, space.name, r.name))[1] for r in siblings]
            assert tops == sorted(tops, reverse=True) and len(set(tops)) == len(tops), \
                [(r.name, t) for r, t in zip(siblings, tops)]
        # nested boxes lie inside their parent's box
        for region in known:
            if region.parent is not None:
                left, top, right, bottom = extent(box(root, space.name, region.name))
                p_left, p_top, p_right, p_bottom = extent(box(root, space.name, region.parent))
                assert p_left <= left and right <= p_right and p_top <= top and bottom <= p_bottom
    assert drawn == sum(1 for r in layout.regions() if r.known)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_layout_draws_each_mapping_as_an_arrow_with_its_offset(path):
    result, root = svg_of(path)
    layout = result.layout
    maps = [r for r in layout.regions() if r.known and r.maps]
    assert maps, "every shipped layout declares its linear map"
    edges = mapping_edges(root)
    for region in maps:
        target = layout.region(*region.maps)
        bits = layout.spaces[region.space].bits
        offset = format_address(region.start - target.start, bits)
        _, s_top, s_right, s_bottom = extent(box(root, region.space, region.name))
        t_left, t_top, _, t_bottom = extent(box(root, target.space, target.name))
        hits = [e for e in edges
                if abs(e[0][0] - s_right) < 2 and s_top <= e[0][1] <= s_bottom
                and abs(e[1][0] - t_left) < 2 and t_top <= e[1][1] <= t_bottom]
        assert len(hits) == 1, f"{region.qualified} -> {target.qualified}: {len(hits)} arrows"
        assert f"va = pa + {offset}" in hits[0][2]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_layout_is_red_only_when_it_has_errors(path):
    result, root = svg_of(path)
    red = red_elements(root)
    if result.errors:
        assert red
    else:
        assert red == [], red[:5]


def test_a_64_bit_space_shows_its_non_canonical_hole():
    result, root = svg_of(REPO / "layouts" / "x86_64.kl")
    holes = [h for h in result.layout.spaces["virtual"].holes if h.start is not None]
    assert holes
    everything = texts(root)
    for hole in holes:
        assert any(hole.name in text for text in everything)
        assert format_address(hole.start, 64) in everything and format_address(hole.end - 1, 64) in everything


# ------------------------------------------------------------------ problems and hostile text


def test_overlap_is_red_and_the_overlapping_range_is_marked():
    result, root = svg_of(GOLDEN / "overlap.kl")
    layout = result.layout
    lowmem, vmalloc = layout.region("virtual", "lowmem"), layout.region("virtual", "vmalloc_area")
    start, end = intervals.intersection((lowmem.start, lowmem.end), (vmalloc.start, vmalloc.end))
    for region in (lowmem, vmalloc):
        strokes = [p.get("stroke") for p in box(root, "virtual", region.name).iter(f"{SVG}polygon")]
        assert any(is_red(s) for s in strokes if s), region.name
    assert not any(is_red(p.get("stroke") or "") for p in box(root, "virtual", "user").iter(f"{SVG}polygon"))
    everything = " ".join(texts(root))
    assert f"{format_address(start)} – {format_address(end - 1)}" in everything
    # the caption lists the finding, with its place
    assert any("error[O401]" in t and "overlap.kl:" in t for t in texts(root))


HOSTILE = [
    'Broken <script>alert("x")</script> & \\N \\G',
    "</TD></TR></TABLE>>]; injected [label=<x>]; //",
    "quote \" apostrophe ' ampersand &amp; lt &lt; ]]> <!-- -->",
    "backslashes \\\\ \\l \\n \\E \\T \\H \\L",
    "tab\tand\x01control",
    "unicode ü 漢字 ≈ \u202e bidi",
]


def _kl_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\x01", "\\x01") + '"'


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_titles_labels_and_docs_stay_text(text, tmp_path):
    if "\x01" in text:
        text_in_file = text.replace("\x01", " ")  # KL strings cannot carry raw control characters
    else:
        text_in_file = text
    layout = f"""
layout hostile {{ title = {_kl_string(text_in_file)}; page_size = 4K }}
space virtual bits 32 {{
    region one [0x1000, +4K) {{ label = {_kl_string(text_in_file)}; doc = {_kl_string(text_in_file)} }}
    region two [0x8000, +4K) {{ doc = {_kl_string(text_in_file)} }}
}}
"""
    path = tmp_path / "hostile.kl"
    path.write_text(layout, encoding="utf-8")
    result, root = svg_of(path)
    assert result.layout.title == text_in_file
    expected = " ".join(text_in_file.replace("\t", " ").split())
    drawn = [" ".join(t.split()) for t in texts(root)]
    assert drawn.count(expected) >= 3  # the title, `one`'s label, `two`'s doc
    assert not [e for e in root.iter() if e.tag.removeprefix(SVG) in ("script", "foreignObject", "iframe")]
    nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert sorted(n.find(f"{SVG}title").text for n in nodes) == ["legend", "virtual"]
    assert box(root, "virtual", "one").find(f".//{SVG}a").get(XLINK_TITLE).endswith(text_in_file.replace("\t", " "))


# ------------------------------------------------------------------ the command line


def _layoutc(*argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "layoutc", *map(str, argv)], cwd=REPO, capture_output=True,
                          text=True, env=env, check=False)


MAGIC = {"svg": b"<?xml", "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-", "dot": b"digraph"}


@pytest.mark.parametrize("fmt", sorted(MAGIC))
def test_render_writes_the_format_its_suffix_names(fmt, tmp_path, cli):
    out = tmp_path / f"arm32.{fmt}"
    code, _, stderr = cli("render", REPO / "layouts" / "arm32.kl", "-o", out)
    assert (code, stderr) == (0, "")
    assert out.read_bytes().startswith(MAGIC[fmt])


def test_format_option_beats_the_suffix(tmp_path, cli):
    out = tmp_path / "picture.out"
    code, _, _ = cli("render", REPO / "layouts" / "arm32.kl", "-o", out, "--format", "svg")
    assert code == 0 and out.read_bytes().startswith(MAGIC["svg"])
    code, _, err = cli("render", REPO / "layouts" / "arm32.kl", "-o", tmp_path / "picture.jpg")
    assert code == 2 and "--format" in err


def test_render_draws_a_layout_with_errors_and_exits_1(tmp_path, cli):
    out = tmp_path / "broken.svg"
    code, _, err = cli("render", GOLDEN / "overlap.kl", "-o", out)
    assert code == 1 and "O401" in err
    assert red_elements(ET.fromstring(out.read_text(encoding="utf-8")))


def test_space_option_draws_one_space(tmp_path, cli):
    out = tmp_path / "phys.svg"
    assert cli("render", REPO / "layouts" / "arm32.kl", "--space", "physical", "-o", out)[0] == 0
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    nodes = sorted(g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "node")
    assert nodes == ["legend", "physical"]
    code, _, err = cli("render", REPO / "layouts" / "arm32.kl", "--space", "nowhere", "-o", out)
    assert code == 2 and "physical" in err


def test_missing_dot_is_one_line_saying_how_to_install_it(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    done = _layoutc("render", "layouts/arm32.kl", "-o", tmp_path / "a.svg", env=env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "apt-get install graphviz" in lines[0] and ".dot" in lines[0]
    assert not (tmp_path / "a.svg").exists()
    done = _layoutc("render", "layouts/arm32.kl", "-o", tmp_path / "a.dot", env=env)
    assert done.returncode == 0 and (tmp_path / "a.dot").read_text().startswith("digraph")


def test_matrix_draws_each_value_and_a_gallery(tmp_path, cli):
    arm32 = REPO / "layouts" / "arm32.kl"
    choices = load_layout(str(arm32)).layout.params["vmsplit"].choices
    out = tmp_path / "gallery"
    code, _, err = cli("render", arm32, "--matrix", "vmsplit", "--space", "virtual", "-o", out)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"arm32-vmsplit-{c}.svg" for c in choices] + ["arm32-vmsplit.svg"])
    root = ET.fromstring((out / "arm32-vmsplit.svg").read_text(encoding="utf-8"))
    captions = sorted((float(t.get("x")), t.text) for t in root.iter(f"{SVG}text") if t.text.startswith("vmsplit="))
    assert [text for _, text in captions] == [f"vmsplit={c}" for c in choices]  # left to right
    # each variant's own picture shows its own split: user space ends below that PAGE_OFFSET
    for choice in choices:
        layout = load_layout(str(arm32), [f"vmsplit={choice}"]).layout
        user = layout.region("virtual", "user")
        picture = ET.fromstring((out / f"arm32-vmsplit-{choice}.svg").read_text(encoding="utf-8"))
        assert format_address(user.end - 1) in texts(box(picture, "virtual", "user"))


def test_matrix_refuses_a_param_without_listed_values(tmp_path, cli):
    code, _, err = cli("render", REPO / "layouts" / "arm32.kl", "--matrix", "ram", "-o", tmp_path)
    assert code == 2 and "--matrix ram=" in err
    code, _, err = cli("render", REPO / "layouts" / "arm32.kl", "--matrix", "vmsplitt", "-o", tmp_path)
    assert code == 2 and "vmsplit" in err


# ------------------------------------------------------------------ the README's diagram


def _fingerprint(svg: str) -> Counter:
    """What does not depend on fonts or the Graphviz version: every text drawn and every colour used."""
    root = ET.fromstring(svg)
    colours = [e.get(a) for e in root.iter() for a in ("fill", "stroke") if e.get(a)]
    return Counter(texts(root)) + Counter(colours)


README_DIAGRAM = REPO / "docs" / "img" / "arm32.svg"
README_LAYOUT = REPO / "layouts" / "arm32.kl"


def readme_diagram_problems(svg: str, layout: Path = README_LAYOUT, *defines: str) -> list[str]:
    """Why ``svg`` is not `layoutc render LAYOUT -o x.svg`, judged by what layoutc controls.

    Coordinates in an SVG depend on the fonts of the machine that ran `dot` (text widths),
    so the picture is never compared byte for byte.  Instead: the DOT digest stamped into
    the SVG must be the digest of the DOT drawn now, and the texts and colours (font-free)
    must be those of a fresh rendering -- so neither a changed layout nor a hand-edited
    picture passes.
    """
    result = load_layout(str(layout), list(defines))
    source = draw.diagram(result.layout, result.diagnostics)
    problems = []
    if stamped_digest(svg) != source_digest(source):
        problems.append("its DOT digest is not that of the DOT drawn now")
    if _fingerprint(svg) != _fingerprint(run_dot(source, "svg").decode("utf-8")):
        problems.append("its texts or colours differ from a fresh rendering")
    return problems


def test_readme_diagram_is_current():
    """docs/img/arm32.svg is `layoutc render layouts/arm32.kl -o docs/img/arm32.svg`.

    Regenerate with that command (or LAYOUTC_REGEN_GOLDEN=1) and review the picture.
    """
    if os.environ.get("LAYOUTC_REGEN_GOLDEN") == "1":
        result = load_layout(str(README_LAYOUT))
        README_DIAGRAM.write_bytes(run_dot(draw.diagram(result.layout, result.diagnostics), "svg"))
    problems = readme_diagram_problems(README_DIAGRAM.read_text(encoding="utf-8"))
    assert problems == [], ("docs/img/arm32.svg is stale: run layoutc render layouts/arm32.kl -o docs/img/arm32.svg",
                            problems)


def _fontless(tmp_path: Path) -> Path:
    """A fontconfig configuration with no font directory at all: `dot` falls back to estimated widths."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                      f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n", encoding="utf-8")
    return config


def test_readme_diagram_check_does_not_depend_on_the_machines_fonts(tmp_path, monkeypatch):
    committed = README_DIAGRAM.read_text(encoding="utf-8")
    result = load_layout(str(README_LAYOUT))
    source = draw.diagram(result.layout, result.diagnostics)
    monkeypatch.setenv("FONTCONFIG_FILE", str(_fontless(tmp_path)))
    elsewhere = run_dot(source, "svg").decode("utf-8")
    # the fonts really change the picture here: this is the machine the old byte-for-byte check failed on
    width = re.compile(r'<svg width="([\d.]+)pt"')
    assert width.search(elsewhere).group(1) != width.search(committed).group(1)
    assert readme_diagram_problems(committed) == []
    assert readme_diagram_problems(elsewhere) == []  # drawn on the font-less machine, checked on it


def test_readme_diagram_check_fails_when_the_layout_or_the_picture_changes(tmp_path):
    committed = README_DIAGRAM.read_text(encoding="utf-8")
    assert readme_diagram_problems(committed, README_LAYOUT, "vmsplit=2G")  # another layout, other DOT
    edited = tmp_path / "arm32.kl"
    edited.write_text(README_LAYOUT.read_text(encoding="utf-8").replace("0xFFFF_0000", "0xFFFE_0000", 1),
                      encoding="utf-8")
    assert edited.read_text(encoding="utf-8") != README_LAYOUT.read_text(encoding="utf-8")
    assert "its DOT digest is not that of the DOT drawn now" in readme_diagram_problems(committed, edited)
    retouched = committed.replace(">vectors<", ">vektors<", 1)
    assert retouched != committed
    assert readme_diagram_problems(retouched) == ["its texts or colours differ from a fresh rendering"]
    unstamped = re.sub(r"<!-- layoutc: drawn from DOT sha256 [0-9a-f]+ -->\n", "", committed)
    assert unstamped != committed and readme_diagram_problems(unstamped)


def test_a_layout_that_does_not_parse_is_reported_and_not_drawn(tmp_path, cli):
    source = tmp_path / "bad.kl"
    source.write_text("space virtual bits 32 {\n    region [0, 4K)\n}\n", encoding="utf-8")
    out = tmp_path / "bad.svg"
    code, _, err = cli("render", source, "-o", out)
    assert code == 1 and "bad.kl:2:" in err
    assert not out.exists()
