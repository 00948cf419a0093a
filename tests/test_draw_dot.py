"""DOT text from the model (layoutc/draw/dot.py), no Graphviz needed.

The stacks follow `emit.table.rows` (the table and the picture agree), nested
regions and the parts of their parent they leave cover the parent exactly,
problems come from the diagnostics, user text is escaped, output is deterministic
(also across interpreter hash seeds), and the `dot` emitter is in the registry.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from layoutc.draw import dot as draw
from layoutc.emit.base import EmitOptions
from layoutc.emit.table import rows
from layoutc.session import load_layout

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "dot"


def load(path: Path, *defines: str):
    result = load_layout(str(path), list(defines))
    assert result.layout is not None
    return result


@pytest.mark.parametrize("name", ["arm32", "arm64", "x86_64"])
def test_stacks_follow_the_memory_map_table(name):
    layout = load(REPO / "layouts" / f"{name}.kl").layout
    for space in layout.spaces.values():
        top = [(b.kind, b.name, b.start, b.end) for b in draw.stacks(layout, space)]
        table = [(r.kind, r.name or ("hole" if r.kind == "hole" else ""), r.start, r.end)
                 for r in rows(layout, space) if r.depth == 0]
        assert [(k, s, e) for k, _, s, e in top] == [(k, s, e) for k, _, s, e in table]


def test_nested_regions_and_parent_parts_cover_the_parent():
    layout = load(GOLDEN / "clean.kl").layout
    lowmem = next(b for b in draw.stacks(layout, layout.spaces["virtual"]) if b.name == "lowmem")
    assert [(b.kind, b.name) for b in lowmem.children] == [("part", "lowmem"), ("region", "text"), ("part", "lowmem")]
    assert lowmem.children[0].start == lowmem.start and lowmem.children[-1].end == lowmem.end
    for below, above in zip(lowmem.children, lowmem.children[1:]):
        assert below.end == above.start


def test_overlap_problems_come_from_the_diagnostics():
    result = load(GOLDEN / "overlap.kl")
    found = draw.problems(result.layout, result.diagnostics)
    assert found.overlaps == (("virtual", "lowmem", "vmalloc_area", 0xEF80_0000, 0xF000_0000),)
    assert set(found.severity) == {("virtual", "lowmem"), ("virtual", "vmalloc_area")}
    assert found.any_error
    # without the diagnostics the same layout is drawn without problems
    clean = draw.problems(result.layout, ())
    assert not clean.any_error and clean.overlaps == ()


def test_problem_colours_appear_only_with_problems():
    broken = load(GOLDEN / "overlap.kl")
    assert draw.PROBLEM_LINE in draw.diagram(broken.layout, broken.diagnostics)
    assert draw.PROBLEM_LINE not in draw.diagram(broken.layout, ())
    clean = load(GOLDEN / "clean.kl")
    text = draw.diagram(clean.layout, clean.diagnostics)
    assert draw.PROBLEM_LINE not in text and draw.PROBLEM_FILL not in text


def test_the_mapping_edge_joins_the_two_spaces_with_its_offset():
    layout = load(GOLDEN / "clean.kl").layout
    text = draw.diagram(layout)
    edges = re.findall(r"^\s*virtual:(\w+):e -> physical:(\w+):w \[.*label=<(.*)>", text, re.MULTILINE)
    assert len(edges) == 1
    # clean.kl: lowmem at 0xc0000000 maps ram at 0x80000000
    assert "va = pa + 0x40000000" in edges[0][2]


def test_one_space_has_no_edges_and_an_unknown_space_is_a_value_error():
    layout = load(GOLDEN / "clean.kl").layout
    text = draw.diagram(layout, (), draw.DrawOptions(space="physical"))
    assert "virtual" not in re.findall(r"^\s*(\w+) \[label", text, re.MULTILINE)
    assert " -> " not in text.replace("physical -> legend", "")
    with pytest.raises(ValueError, match=r"no space `nowhere` \(spaces: virtual, physical\)"):
        draw.diagram(layout, (), draw.DrawOptions(space="nowhere"))


@pytest.mark.parametrize("text, expected", [
    ("<script>", "&lt;script&gt;"),
    ('say "hi"', "say &quot;hi&quot;"),
    ("it's", "it&#x27;s"),
    ("a & b", "a &amp; b"),
    ("\\N", "\\\\N"),  # Graphviz would put the node's name here
    ("two\nlines", "two<BR/>lines"),
    ("bell\x07 del\x7f", "bell  del "),
    ("]]>", "]]&gt;"),
])
def test_html_text_escapes_markup_and_graphviz_escapes(text, expected):
    assert draw.html_text(text) == expected


def test_html_attr_keeps_newlines_as_character_references():
    assert draw.html_attr('a\n"b"') == "a&#10;&quot;b&quot;"


def test_size_text_reaches_exbibytes():
    assert draw.size_text((1 << 64) - (1 << 48)) == "16 EB"
    assert draw.size_text(4096) == "4 kB"


def test_dot_is_deterministic_across_hash_seeds():
    program = ("import sys; from layoutc.session import load_layout; from layoutc.draw.dot import diagram; "
               "r = load_layout('layouts/arm32.kl'); sys.stdout.write(diagram(r.layout, r.diagnostics))")
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", program], cwd=REPO, env=env, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    result = load(REPO / "layouts" / "arm32.kl")
    assert draw.diagram(result.layout, result.diagnostics) in outputs


def test_dot_emitter_is_registered_and_draws_the_layout():
    from layoutc.emit import base

    assert base._REGISTRY["dot"] is draw.DOT_EMITTER
    assert draw.DOT_EMITTER.suffix == ".dot" and draw.DOT_EMITTER.in_build
    assert draw.SVG_EMITTER.suffix == ".svg" and not draw.SVG_EMITTER.in_build  # needs `dot`: not in every build
    layout = load(GOLDEN / "clean.kl").layout
    emitted = "".join(draw.emit_dot(layout, EmitOptions()))
    assert emitted.startswith("// Generated by layoutc from ")  # provenance, as every built artefact has
    assert emitted.endswith(draw.diagram(layout))
    one = "".join(draw.emit_dot(layout, EmitOptions(extra=(("scale", "uniform"), ("space", "virtual")))))
    assert one.endswith(draw.diagram(layout, (), draw.DrawOptions("virtual", "uniform")))


def test_gallery_has_one_cluster_per_panel_on_one_scale():
    arm32 = REPO / "layouts" / "arm32.kl"
    panels = [draw.Panel(f"vmsplit={v}", load(arm32, f"vmsplit={v}").layout) for v in ("3G", "1G")]
    text = draw.gallery(panels, draw.DrawOptions(space="virtual"), varying="vmsplit")
    assert re.findall(r"subgraph (cluster_\d+)", text) == ["cluster_0", "cluster_1"]
    assert "vmsplit: one picture each" in text and "vmsplit=3G " not in text
    # one scale: a region's height depends on its size only, whichever panel it is in
    def height(panel: int, region: str) -> float:
        return float(re.search(rf'HEIGHT="([\d.]+)" WIDTH="\d+" ID="v{panel}_virtual\.{region}"', text).group(1))

    step = float(re.search(r"([\d.]+) pt per doubling", text).group(1))
    sizes = [p.layout.region("virtual", "user").size for p in panels]
    assert height(0, "vectors") == height(1, "vectors")
    assert height(0, "user") - height(1, "user") == pytest.approx(step * math.log2(sizes[0] / sizes[1]), abs=0.2)


def test_a_warning_is_amber_not_red(load_kl):
    result = load_kl("space virtual bits 32 {\n    region text [0xC000_8000, +8M) { perm = rwx }\n}\n")
    assert result.warnings and not result.errors  # P801: writable and executable kernel region
    text = draw.diagram(result.layout, result.diagnostics)
    assert draw.WARN_LINE in text
    assert draw.PROBLEM_LINE not in text and draw.PROBLEM_FILL not in text
