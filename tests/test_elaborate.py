"""Elaboration: `extends` + `set` overlays, `-D` overrides, provenance, waivers, and the CLI around them.

Also the foundation issue's acceptance check: two overlapping regions make
`layoutc check` exit 1 and name both regions, both lines and the shared range.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layoutc.session import load_layout

BASE = """\
layout base { bits = 32 }
param ram: size = 256M "RAM size"
param vmsplit: choice(3G, 2G) = 3G
param highmem: bool = true
const PAGE_OFFSET = match vmsplit { 3G => 0xC000_0000, 2G => 0x8000_0000 }
const TOP = PAGE_OFFSET + ram
space virtual bits 32 {
    region lowmem [PAGE_OFFSET, +ram) { kind = linear }
    region pkmap [PAGE_OFFSET - 2M, PAGE_OFFSET) if highmem
}
assert TOP > PAGE_OFFSET : "RAM is mapped"
"""

BOARD = """\
extends "../base.kl"
set ram = 512M
set vmsplit = 2G
"""


@pytest.fixture
def board(write_kl) -> Path:
    """base.kl and boards/board.kl, which extends it."""
    write_kl(BASE, "base.kl")
    return write_kl(BOARD, "boards/board.kl")


def _codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


# ---------------------------------------------------------------- extends and set


def test_overlay_sets_params_of_its_base(board: Path, tmp_path: Path, monkeypatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # `extends` resolves against the including file, not the cwd
    result = load_layout(str(board))
    assert _codes(result) == []
    layout = result.layout
    assert layout.params["ram"].value == 512 << 20
    assert layout.consts["PAGE_OFFSET"].value == 0x8000_0000
    assert layout.region("virtual", "lowmem").end == 0x8000_0000 + (512 << 20)
    assert [Path(f.name).name for f in layout.files] == ["base.kl", "board.kl"]


def test_relative_paths_resolve_per_file(write_kl) -> None:
    write_kl(BASE, "arch/base.kl")
    write_kl('extends "../arch/base.kl"\nset ram = 1G\n', "family/soc.kl")
    board = write_kl('extends "../../family/soc.kl"\nset highmem = false\n', "boards/vendor/board.kl")
    result = load_layout(str(board))
    assert _codes(result) == []
    assert result.layout.params["ram"].value == 1 << 30
    assert result.layout.params["highmem"].value is False
    assert not result.layout.region("virtual", "pkmap").present


def test_later_set_wins_and_minus_d_wins_over_set(write_kl) -> None:
    write_kl(BASE + "set ram = 128M\n", "base.kl")
    board = write_kl(BOARD, "boards/board.kl")
    assert load_layout(str(board)).layout.params["ram"].value == 512 << 20
    assert load_layout(str(board), ["ram=1G"]).layout.params["ram"].value == 1 << 30


def test_overlay_may_add_regions_to_a_base_space(write_kl) -> None:
    write_kl(BASE, "base.kl")
    board = write_kl('extends "base.kl"\nspace virtual bits 32 {\n    region vectors [0xFFFF_0000, +4K)\n}\n',
                     "board.kl")
    result = load_layout(str(board))
    assert _codes(result) == []
    assert result.layout.region("virtual", "vectors").start == 0xFFFF_0000
    assert result.layout.region("virtual", "lowmem").known


def test_set_of_an_unknown_param(write_kl) -> None:
    write_kl(BASE, "base.kl")
    board = write_kl('extends "base.kl"\nset hihgmem = false\n', "board.kl")
    result = load_layout(str(board))
    assert _codes(result) == ["N103"]
    diagnostic = result.diagnostics[0]
    assert Path(diagnostic.span.file.name).name == "board.kl"
    assert diagnostic.span.start_position() == (2, 5)
    assert diagnostic.help == "did you mean `highmem`?"


def test_set_of_a_constant_is_refused(write_kl) -> None:
    write_kl(BASE, "base.kl")
    result = load_layout(str(write_kl('extends "base.kl"\nset TOP = 1\n', "board.kl")))
    assert _codes(result) == ["N103"]
    assert "constant" in result.diagnostics[0].message
    assert [Path(label.span.file.name).name for label in result.diagnostics[0].labels] == ["base.kl"]


def test_set_with_a_bad_value(write_kl) -> None:
    write_kl(BASE, "base.kl")
    result = load_layout(str(write_kl('extends "base.kl"\nset vmsplit = 1G\n', "board.kl")))
    assert _codes(result) == ["E207"]
    assert result.diagnostics[0].span.start_position() == (2, 15)


# ---------------------------------------------------------------- include problems


def test_missing_include(write_kl) -> None:
    board = write_kl('// a board\nextends "no-such-base.kl"\n', "boards/board.kl")
    result = load_layout(str(board))
    assert _codes(result) == ["N104"]
    diagnostic = result.diagnostics[0]
    assert diagnostic.span.start_position() == (2, 1)
    assert "no-such-base.kl" in diagnostic.message
    assert not result.usage_error  # the named file was read; its content is at fault


def test_missing_include_exits_1_and_missing_file_exits_2(cli, write_kl, tmp_path: Path) -> None:
    board = write_kl('extends "no-such-base.kl"\n', "board.kl")
    code, out, _ = cli("check", board, "--format", "json")
    assert code == 1
    assert json.loads(out)["diagnostics"][0]["code"] == "N104"
    code, _, _ = cli("check", tmp_path / "nothing-here.kl")
    assert code == 2


def test_include_cycle_names_the_whole_chain(write_kl) -> None:
    first = write_kl('extends "sub/second.kl"\n', "first.kl")
    write_kl('extends "../third.kl"\n', "sub/second.kl")
    write_kl('// closes the cycle\nextends "first.kl"\n', "third.kl")
    result = load_layout(str(first))
    assert _codes(result) == ["N105"]
    diagnostic = result.diagnostics[0]
    names = [Path(part.strip()).name for part in diagnostic.message.split(":", 1)[1].split("->")]
    assert names == ["first.kl", "second.kl", "third.kl", "first.kl"]
    assert Path(diagnostic.span.file.name).name == "third.kl"
    assert diagnostic.span.start_position() == (2, 1)


def test_file_extending_itself(write_kl) -> None:
    result = load_layout(str(write_kl('extends "self.kl"\n', "self.kl")))
    assert _codes(result) == ["N105"]


def test_a_file_extends_at_most_one_base(write_kl) -> None:
    write_kl(BASE, "base.kl")
    result = load_layout(str(write_kl('extends "base.kl"\nextends "base.kl"\n', "board.kl")))
    assert _codes(result) == ["S001"]
    assert result.diagnostics[0].span.start_position() == (2, 1)


# ---------------------------------------------------------------- -D overrides


def test_minus_d_uses_the_literal_syntax(write_kl) -> None:
    path = str(write_kl(BASE, "base.kl"))
    for pair, name, value in [("ram=0x2000_0000", "ram", 0x2000_0000), ("ram=1G", "ram", 1 << 30),
                              ("highmem=false", "highmem", False), ("ram = 64M", "ram", 64 << 20)]:
        result = load_layout(path, [pair])
        assert _codes(result) == [], pair
        assert result.layout.params[name].value == value, pair


def test_minus_d_unknown_name(write_kl) -> None:
    result = load_layout(str(write_kl(BASE, "base.kl")), ["rma=1G"])
    assert _codes(result) == ["N103"]
    diagnostic = result.diagnostics[0]
    assert diagnostic.help == "did you mean `ram`?"
    assert diagnostic.span.text == "rma"  # the caret goes under the name as typed
    assert result.usage_error


@pytest.mark.parametrize("pair", ["vmsplit=4G", "highmem=yes", "ram=true", "ram=-1", "ram", "ram=", "ram=1 +"])
def test_minus_d_bad_value(write_kl, pair: str) -> None:
    result = load_layout(str(write_kl(BASE, "base.kl")), [pair])
    codes = _codes(result)
    assert codes in (["E207"], ["S001"]), codes
    assert result.usage_error
    assert result.diagnostics[0].span.file.name.startswith("<-D")


def test_minus_d_bad_choice_lists_the_members(write_kl) -> None:
    result = load_layout(str(write_kl(BASE, "base.kl")), ["vmsplit=4G"])
    assert any("3G, 2G" in note for note in result.diagnostics[0].notes)


@pytest.mark.parametrize("pair, code", [("rma=1G", "N103"), ("vmsplit=4G", "E207"), ("TOP=1", "N103"),
                                        ("ram", "E207")])
def test_cli_override_errors_exit_2(cli, write_kl, pair: str, code: str) -> None:
    path = write_kl(BASE, "base.kl")
    status, out, _ = cli("check", path, "-D", pair, "--format", "json")
    assert status == 2
    assert code in [d["code"] for d in json.loads(out)["diagnostics"]]


def test_cli_good_override_exits_0(cli, write_kl) -> None:
    status, _, _ = cli("check", write_kl(BASE, "base.kl"), "-D", "vmsplit=2G", "-D", "ram=1G")
    assert status == 0


# ---------------------------------------------------------------- provenance


def test_provenance_chain_default_set_minus_d(board: Path) -> None:
    result = load_layout(str(board), ["ram=1G"])
    origins = result.layout.params["ram"].origins
    assert [o.how for o in origins] == ["default", "set", "-D"]
    assert [o.text for o in origins] == ["256M", "512M", "1G"]
    where = [(Path(o.span.file.name).name, o.span.start_position()[0]) for o in origins]
    assert where[:2] == [("base.kl", 2), ("board.kl", 2)]
    assert where[2][0].startswith("<-D")
    assert result.layout.params["ram"].value == 1 << 30


def test_every_set_is_a_link_of_the_chain_and_the_last_one_wins(write_kl) -> None:
    """The chain is built once per param (growing a tuple per `set` was quadratic: 1 MB of sets, 30 s)."""
    sets = "".join(f"set ram = {n}M\n" for n in range(1, 6))
    path = str(write_kl("param ram: size = 256M\nconst R = ram\n" + sets, "sets.kl"))
    result = load_layout(path, ["ram=1G"])
    origins = result.layout.params["ram"].origins
    assert [o.how for o in origins] == ["default"] + ["set"] * 5 + ["-D"]
    assert [o.text for o in origins] == ["256M", "1M", "2M", "3M", "4M", "5M", "1G"]
    assert result.layout.params["ram"].value == 1 << 30
    assert load_layout(path).layout.consts["R"].value == 5 << 20


def test_show_explain_param(cli, board: Path) -> None:
    status, out, _ = cli("show", board, "--explain", "ram", "-D", "ram=1G")
    assert status == 0
    assert "ram = 0x40000000 (1G)" in out
    assert "default `256M` at " in out and "base.kl:2:" in out
    assert "set `512M` at " in out and "board.kl:2:" in out
    assert "-D `1G`" in out
    # the chain in order: default, then set, then -D
    assert out.index("default `256M`") < out.index("set `512M`") < out.index("-D `1G`")


def test_show_explain_constant(cli, board: Path) -> None:
    status, out, _ = cli("show", board, "--explain", "TOP", "-D", "ram=1G")
    assert status == 0
    assert out.startswith("TOP = 0xc0000000")          # 2G split + 1G of RAM
    assert "formula: PAGE_OFFSET + ram" in out
    assert "base.kl:6:" in out                          # where TOP is defined
    assert "PAGE_OFFSET = 0x80000000" in out            # its inputs, with their values
    assert "set `512M`" in out and "-D `1G`" in out     # and the inputs' chains
    status, out, _ = cli("show", board, "--explain", "PAGE_OFFSET")
    assert "formula: match vmsplit {" in out
    assert "default `3G`" in out and "set `2G`" in out and "board.kl:3:" in out


def test_show_explain_region(cli, board: Path) -> None:
    status, out, _ = cli("show", board, "--explain", "virtual.lowmem")
    assert status == 0
    assert "[0x80000000, 0xa0000000)" in out
    assert "`PAGE_OFFSET`" in out and "base.kl:8:" in out


def test_show_explain_unknown_name(cli, board: Path) -> None:
    status, _, err = cli("show", board, "--explain", "nope")
    assert status == 2
    assert "nope" in err


# ---------------------------------------------------------------- waivers

WAIVERS = """\
allow W001 "kept for boards that read it"
const UNUSED = 1
space virtual bits 32 {
    allow region-overlap "a and b share a window on purpose"
    region a [0x1000, 0x3000)
    region b [0x2000, 0x4000)
}
space other bits 32 {
    region c [0x1000, 0x3000)
    region d [0x2000, 0x4000) {
        allow O401 "d is a view of c"
    }
    region e [0x10000, 0x10000) { allow B301 "placeholder" }
    region f [0x20000, 0x20000)
    region g [0x30000, 0x32000)
    region h [0x31000, 0x33000)
}
"""


def test_waivers_by_scope(load_kl) -> None:
    result = load_kl(WAIVERS)
    waived = {(d.code, d.regions, d.waiver) for d in result.waived}
    assert waived == {
        ("W001", (), "kept for boards that read it"),
        ("O401", ("a", "b"), "a and b share a window on purpose"),
        ("O401", ("c", "d"), "d is a view of c"),
        ("B301", ("e",), "placeholder"),
    }
    # the waivers do not leak to other regions or spaces
    assert sorted((d.code, d.regions) for d in result.diagnostics) == [("B301", ("f",)), ("O401", ("g", "h"))]


def test_space_waiver_stays_in_its_space(load_kl) -> None:
    result = load_kl('space one bits 32 {\n    allow O401 "fine here"\n}\n'
                     "space two bits 32 {\n    region a [0, 8K)\n    region b [4K, 12K)\n}\n")
    assert _codes(result) == ["O401"]
    assert result.waived == []


def test_waiver_needs_a_reason(load_kl) -> None:
    result = load_kl('allow O401 "  "\nspace s bits 32 {\n    region a [0, 8K)\n    region b [4K, 12K)\n}\n')
    assert sorted(_codes(result)) == ["O401", "W003"]
    assert result.waived == []


def test_waiver_naming_no_rule(load_kl) -> None:
    result = load_kl('allow region-overlapp "typo"\n'
                     "space s bits 32 {\n    region a [0, 8K)\n    region b [4K, 12K)\n}\n")
    assert sorted(_codes(result)) == ["O401", "W003"]
    w003 = next(d for d in result.diagnostics if d.code == "W003")
    assert w003.span.start_position() == (1, 1)
    assert w003.help == "did you mean `region-overlap`?"


def test_waived_findings_are_listed_in_reports(cli, write_kl) -> None:
    path = write_kl(WAIVERS)
    status, out, _ = cli("check", path, "--format", "json")
    data = json.loads(out)
    assert status == 1  # g/h still overlap
    assert {(w["code"], w["waiver"]) for w in data["waived"]} >= {("O401", "d is a view of c"),
                                                                   ("B301", "placeholder")}
    assert data["summary"]["waived"] == 4
    status, out, _ = cli("check", path)
    assert "waived[O401]" in out and "d is a view of c" in out
    assert "4 waived" in out.splitlines()[-1]


def test_fully_waived_layout_passes(cli, write_kl) -> None:
    path = write_kl('space s bits 32 {\n    region a [0, 8K)\n    region b [4K, 12K) {\n'
                    '        allow region-overlap "b overlays a"\n    }\n}\n')
    status, out, _ = cli("check", path)
    assert status == 0
    assert "waived[O401]" in out


# ---------------------------------------------------------------- acceptance: two overlapping regions

OVERLAP = """\
layout l { bits = 32 }
space virtual bits 32 {
    region lowmem  [0xC000_0000, 0xF000_0000)
    region vmalloc [0xEF80_0000, 0xFF80_0000)
}
"""


def test_overlap_acceptance_json(cli, write_kl) -> None:
    path = write_kl(OVERLAP)
    status, out, _ = cli("check", path, "--format", "json")
    assert status == 1
    data = json.loads(out)
    (diagnostic,) = data["diagnostics"]
    assert diagnostic["code"] == "O401" and diagnostic["severity"] == "error"
    assert sorted(diagnostic["regions"]) == ["lowmem", "vmalloc"]
    lines = {diagnostic["line"], *(label["line"] for label in diagnostic["labels"])}
    assert lines == {3, 4}
    assert diagnostic["file"] == str(path)
    assert any("[0xef800000, 0xf0000000)" in note for note in diagnostic["notes"])  # the shared 8 MiB
    assert data["summary"]["errors"] == 1


def test_overlap_acceptance_human(cli, write_kl) -> None:
    path = write_kl(OVERLAP)
    status, out, _ = cli("check", path)
    assert status == 1
    assert "lowmem" in out and "vmalloc" in out
    assert f"{path}:4:" in out and f"{path}:3:" in out
    assert "0xef800000" in out and "0xf0000000" in out


def test_adjacent_regions_are_clean(cli, write_kl) -> None:
    status, _, _ = cli("check", write_kl(OVERLAP.replace("0xEF80_0000, 0xFF80", "0xF000_0000, 0xFF80")))
    assert status == 0


def test_matrix_skips_combinations_a_requires_rules_out(tmp_path):
    """`requires` marks impossible configurations: the matrix skips them, `assert` still reports."""
    from layoutc.session import check_matrix

    path = tmp_path / "req.kl"
    path.write_text(
        "param pae: bool = false\n"
        "param vmsplit: choice(3G, 3G_OPT) = 3G\n"
        "param bad: bool = false\n"
        'requires !pae || vmsplit != 3G_OPT : "3G_OPT needs !PAE"\n'
        'assert !bad : "bad layout"\n',
        encoding="utf-8",
    )
    matrix = check_matrix(str(path))
    assert len(matrix.excluded) == 2  # pae=true, vmsplit=3G_OPT, bad either way
    assert all(v["pae"] == "true" and v["vmsplit"] == "3G_OPT" for v in matrix.excluded)
    assert len(matrix.variants) == 6
    codes = [f.diagnostic.code for f in matrix.findings]
    assert codes == ["U901"]
    assert matrix.condition(matrix.findings[0]) == "bad=true"
