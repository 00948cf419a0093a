"""The CLI contract: exit codes, rule selection, project defaults, files and globs, the coverage
line, colour, `python -m layoutc`, `--matrix` / `--vary` / `--max-variants`, and `layoutc show`.

Layouts are written per test; expected findings follow from the text (which region overlaps
which), not from an earlier run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from layoutc.rules import RULES

REPO = Path(__file__).resolve().parent.parent

CLEAN = """\
layout clean { page_size = 4K }
space virtual bits 32 {
    region low  [0x1000, +4K)
    region high [0x8000_0000, +1M)
}
"""

# vmalloc overlaps lowmem in every configuration (O401, an error)
OVERLAP = """\
layout ov { page_size = 4K }
space virtual bits 32 {
    region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
}
"""

# only warnings: an unused constant (W001) and a writable+executable kernel region (P801)
WARNINGS = """\
const UNUSED = 1
space virtual bits 32 {
    region text [0xC000_8000, +8M) { perm = rwx }
}
"""

# `mods` overlaps `lowmem` only when highmem is false; vmsplit changes nothing about that
MATRIX = """\
param highmem: bool = true
param vmsplit: choice(3G, 2G) = 3G
param mods_size: size = 14M
const PAGE_OFFSET = match vmsplit { 3G => 0xC000_0000, 2G => 0x8000_0000 }
space virtual bits 32 {
    region mods   [PAGE_OFFSET - 16M, +(if highmem then mods_size else mods_size + 4M))
    region lowmem [PAGE_OFFSET, +256M)
}
"""

COVERAGE_PREFIX = "checked "


@pytest.fixture
def work(tmp_path: Path, monkeypatch) -> Path:
    """A fresh directory with the fixture layouts, as the current directory."""
    monkeypatch.chdir(tmp_path)
    for name, text in {"clean.kl": CLEAN, "overlap.kl": OVERLAP, "warnings.kl": WARNINGS,
                       "matrix.kl": MATRIX}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _last_line(out: str) -> str:
    lines = out.rstrip("\n").splitlines()
    return lines[-1] if lines else ""


def _codes(out: str) -> set[str]:
    """Codes of the diagnostics in a human report (`path:l:c: severity[CODE]: ...`)."""
    import re

    return set(re.findall(r"^\S+:\d+:\d+: (?:error|warning|note)\[([A-Z]\d{3})\]", out, re.M))


# ------------------------------------------------------------------ exit codes


def test_exit_0_on_clean_layout(work, cli):
    code, out, err = cli("check", "clean.kl")
    assert code == 0, out + err
    assert _last_line(out) == ("checked 1 file, 2 regions, 0 param/constants, "
                               f"{_model_rule_count()} rules, 1 variant: 0 errors, 0 warnings")


def _model_rule_count() -> int:
    return sum(1 for entry in RULES.values() if entry.stage == "model")


def test_exit_1_on_error_findings(work, cli):
    code, out, _ = cli("check", "overlap.kl")
    assert code == 1
    assert _codes(out) == {"O401"}
    assert "overlap.kl:4:20: error[O401]: regions `lowmem` and `vmalloc` overlap" in out


@pytest.mark.parametrize("argv", [
    ["check"],
    ["check", "missing.kl"],
    ["check", "clean.kl", "--format", "xml"],
    ["check", "clean.kl", "--no-such-flag"],
    ["explain", "no-such-rule"],
    [],
], ids=["no-file", "missing-file", "bad-format", "bad-flag", "unknown-rule", "no-command"])
def test_exit_2_on_usage_errors(work, cli, argv):
    code, out, err = cli(*argv)
    assert code == 2
    assert "Traceback" not in out + err


def test_exit_3_on_internal_error_is_a_short_report(work, cli, monkeypatch):
    def broken(ctx):
        raise RuntimeError("simulated bug in a rule")

    monkeypatch.delenv("LAYOUTC_DEBUG", raising=False)
    monkeypatch.setitem(RULES, "O401", dataclasses.replace(RULES["O401"], check=broken))
    code, out, err = cli("check", "overlap.kl")
    assert code == 3
    assert "Traceback" not in out + err
    assert "internal error" in err and "simulated bug in a rule" in err
    assert len(err.splitlines()) <= 4


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["check", "--help"], ["show", "--help"]])
def test_help_and_version_exit_0(work, cli, argv):
    code, out, _ = cli(*argv)
    assert code == 0
    assert out.startswith("layoutc ") if argv == ["--version"] else "usage: layoutc" in out


def test_werror_turns_warnings_into_exit_1(work, cli):
    code, out, _ = cli("check", "warnings.kl")
    assert code == 0
    assert _codes(out) == {"W001", "P801"}
    assert "0 errors, 2 warnings" in _last_line(out)
    code, _, _ = cli("check", "warnings.kl", "--werror")
    assert code == 1


# ------------------------------------------------------------------ --select / --ignore


@pytest.mark.parametrize("spelling", ["O401", "o401", "region-overlap", "O", "O4"])
def test_ignore_by_code_name_and_prefix(work, cli, spelling):
    code, out, _ = cli("check", "overlap.kl", "--ignore", spelling)
    assert code == 0
    assert _codes(out) == set()
    assert f"{_model_rule_count() - 1} rules" in _last_line(out)


@pytest.mark.parametrize("spelling", ["P801", "writable-executable", "P"])
def test_select_by_code_name_and_prefix(work, cli, spelling):
    code, out, _ = cli("check", "warnings.kl", "--select", spelling)
    assert code == 0
    assert _codes(out) == {"P801"}  # W001 is not selected


def test_select_list_and_repeated_flags(work, cli):
    _, out, _ = cli("check", "warnings.kl", "--select", "P801,W001")
    assert _codes(out) == {"P801", "W001"}
    _, out, _ = cli("check", "warnings.kl", "--select", "P801", "--select", "W001", "--ignore", "unused-definition")
    assert _codes(out) == {"P801"}


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
def test_unknown_rule_in_select_or_ignore_is_a_usage_error(work, cli, flag):
    code, out, err = cli("check", "clean.kl", flag, "no-such-rule")
    assert code == 2
    assert "no-such-rule" in err
    code, _, err = cli("check", "clean.kl", flag, "Z9")
    assert code == 2 and "Z9" in err


def test_syntax_errors_are_never_deselected(work, cli):
    (work / "broken.kl").write_text("space s bits 32 { region r [0, 4K] }\n", encoding="utf-8")
    code, out, _ = cli("check", "broken.kl", "--select", "O401")
    assert code == 1
    assert _codes(out) == {"S001"}


# ------------------------------------------------------------------ project defaults


def test_defaults_from_pyproject(work, cli):
    project = work / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "board"\n\n[tool.layoutc]\nignore = ["region-overlap"]\nwerror = true\n', encoding="utf-8")
    (project / "layouts").mkdir()
    (project / "layouts" / "overlap.kl").write_text(OVERLAP, encoding="utf-8")
    (project / "layouts" / "warnings.kl").write_text(WARNINGS, encoding="utf-8")
    # the config is found from the layout's directory upwards, not from the current directory
    code, out, _ = cli("check", "proj/layouts/overlap.kl")
    assert code == 0 and _codes(out) == set()
    code, _, _ = cli("check", "proj/layouts/warnings.kl")
    assert code == 1  # werror from the config
    code, _, _ = cli("check", "overlap.kl")  # outside the project: defaults do not apply
    assert code == 1


def test_pyproject_without_tool_layoutc_is_ignored(work, cli):
    (work / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    code, _, _ = cli("check", "overlap.kl")
    assert code == 1


def test_defaults_from_layoutc_toml(work, cli):
    (work / "layoutc.toml").write_text('select = ["P8"]\nformat = "json"\n', encoding="utf-8")
    code, out, _ = cli("check", "warnings.kl")
    assert code == 0
    data = json.loads(out)
    assert {d["code"] for d in data["diagnostics"]} == {"P801"}
    # flags win over the file
    code, out, _ = cli("check", "warnings.kl", "--select", "W001", "--format", "human")
    assert _codes(out) == {"W001"}


def test_config_select_may_be_one_string(work, cli):
    (work / "layoutc.toml").write_text('select = "P801"\n', encoding="utf-8")
    code, out, _ = cli("check", "warnings.kl")
    assert (code, _codes(out)) == (0, {"P801"})


@pytest.mark.parametrize("text", [
    "select = [\n",
    'select = ["no-such-rule"]\n',
    "werror = 1\n",
    'format = "xml"\n',
    'max_variants = "many"\n',
], ids=["not-toml", "unknown-rule", "werror-not-bool", "unknown-format", "max-variants-not-int"])
def test_bad_configuration_is_a_usage_error(work, cli, text):
    (work / "layoutc.toml").write_text(text, encoding="utf-8")
    code, out, err = cli("check", "clean.kl")
    assert code == 2
    assert "Traceback" not in out + err and err.strip()


# ------------------------------------------------------------------ files and globs


def test_several_files(work, cli):
    code, out, _ = cli("check", "clean.kl", "overlap.kl", "warnings.kl")
    assert code == 1
    assert _codes(out) == {"O401", "W001", "P801"}
    assert _last_line(out).startswith("checked 3 files, 5 regions, 1 param/constant, ")


def test_recursive_glob_is_expanded_by_the_cli(work, cli):
    (work / "layouts" / "boards").mkdir(parents=True)
    (work / "layouts" / "clean.kl").write_text(CLEAN, encoding="utf-8")
    (work / "layouts" / "boards" / "board.kl").write_text(OVERLAP, encoding="utf-8")
    (work / "layouts" / "notes.txt").write_text("not a layout", encoding="utf-8")
    code, out, _ = cli("check", "layouts/**/*.kl")
    assert code == 1
    assert "layouts/boards/board.kl:4:20: error[O401]" in out
    assert _last_line(out).startswith("checked 2 files, 4 regions")


def test_glob_matching_nothing_is_a_usage_error(work, cli):
    code, out, err = cli("check", "nowhere/**/*.kl")
    assert code == 2
    assert "nowhere/**/*.kl" in err


@pytest.mark.parametrize("name, text", [
    ("clean.kl", None),
    ("overlap.kl", None),
    ("empty.kl", ""),
    ("comments.kl", "// only a comment\n/* and another */\n"),
    ("broken.kl", "space s bits 32 { region r [0, 4K] }\n"),
    ("missing.kl", None),
], ids=["clean", "findings", "empty", "comments-only", "syntax-error", "missing"])
def test_every_human_report_ends_with_the_coverage_line(work, cli, name, text):
    if text is not None:
        (work / name).write_text(text, encoding="utf-8")
    _, out, _ = cli("check", name)
    assert _last_line(out).startswith(COVERAGE_PREFIX)
    for word in ("file", "region", "param/constant", "rule", "variant", "error", "warning"):
        assert word in _last_line(out)


@pytest.mark.parametrize("text", ["", "// nothing but a comment\n"], ids=["empty", "comment"])
def test_empty_layout_does_not_look_like_a_pass(work, cli, text):
    (work / "empty.kl").write_text(text, encoding="utf-8")
    _, out, _ = cli("check", "empty.kl")
    assert "1 file, 0 regions, 0 param/constants" in _last_line(out)


def test_coverage_line_counts_variants_with_matrix(work, cli):
    _, out, _ = cli("check", "matrix.kl", "clean.kl", "--matrix")
    assert _last_line(out).startswith("checked 2 files, 4 regions, 4 param/constants, ")
    assert "5 variants" in _last_line(out)  # 2 highmem x 2 vmsplit, plus the one of clean.kl


# ------------------------------------------------------------------ colour

ESC = "\x1b["


def test_no_colour_when_not_a_tty(work, cli, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, out, _ = cli("check", "overlap.kl")
    assert ESC not in out


def test_colour_always_and_never(work, cli, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, out, _ = cli("check", "overlap.kl", "--color=always")
    assert ESC in out
    assert "\x1b[1;31merror[O401]\x1b[0m" in out
    _, out, _ = cli("check", "overlap.kl", "--color=never")
    assert ESC not in out


def test_explicit_color_always_beats_no_color(work, cli, monkeypatch):
    """no-color.org: a command-line flag overrides NO_COLOR."""
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = cli("check", "overlap.kl", "--color=always")
    assert ESC in out


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("LAYOUTC_DEBUG", None)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run_on_tty(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "layoutc", *argv], cwd=cwd, env=env,
                                   stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_tty_unless_no_color(work):
    code, text = _run_on_tty(["check", "overlap.kl"], work, _env(NO_COLOR=None))
    assert code == 1
    assert ESC in text
    code, text = _run_on_tty(["check", "overlap.kl"], work, _env(NO_COLOR="1"))
    assert code == 1
    assert ESC not in text
    assert "error[O401]" in text


# ------------------------------------------------------------------ python -m layoutc


def test_python_dash_m_layoutc(work):
    env = _env(NO_COLOR=None)
    run = subprocess.run([sys.executable, "-m", "layoutc", "check", "overlap.kl"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "error[O401]" in run.stdout and ESC not in run.stdout
    assert _last_line(run.stdout).startswith(COVERAGE_PREFIX)
    run = subprocess.run([sys.executable, "-m", "layoutc", "check", "clean.kl"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0
    run = subprocess.run([sys.executable, "-m", "layoutc", "--version"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("layoutc ")


# ------------------------------------------------------------------ --matrix, --vary, --max-variants


def test_matrix_groups_one_root_cause_into_one_finding(work, cli):
    code, out, _ = cli("check", "matrix.kl")
    assert code == 0  # the default configuration is clean
    code, out, _ = cli("check", "matrix.kl", "--matrix")
    assert code == 1
    assert out.count("error[O401]: regions `mods` and `lowmem` overlap") == 1
    assert "note: in 2 of 4 variants: highmem=false" in out
    assert "4 variants" in _last_line(out)


def test_matrix_keeps_d_overrides_fixed(work, cli):
    code, out, _ = cli("check", "matrix.kl", "--matrix", "-D", "highmem=false")
    assert code == 1
    assert "2 variants" in _last_line(out)
    assert "note: in 2 of 2 variants: every variant" in out
    code, out, _ = cli("check", "matrix.kl", "--matrix", "-D", "highmem=true")
    assert code == 0 and "2 variants" in _last_line(out)


def test_vary_adds_an_axis(work, cli):
    code, out, _ = cli("check", "matrix.kl", "--matrix", "-D", "highmem=true", "--vary", "mods_size=14M,16M,18M")
    assert code == 1
    assert "6 variants" in _last_line(out)  # 2 vmsplit x 3 sizes
    assert "note: in 2 of 6 variants: mods_size=18M" in out


@pytest.mark.parametrize("argv, needle", [
    (["--matrix", "--vary", "no_such_param=1,2"], "no_such_param"),
    (["--matrix", "--vary", "mods_size"], "--vary"),
    (["--matrix", "--vary", "highmem=maybe,true"], "maybe"),
    (["--vary", "mods_size=1M,2M"], "--matrix"),
], ids=["unknown-param", "no-values", "bad-value", "without-matrix"])
def test_bad_vary_is_a_usage_error(work, cli, argv, needle):
    code, out, err = cli("check", "matrix.kl", *argv)
    assert code == 2
    assert needle in out + err


def test_max_variants_bounds_the_matrix(work, cli):
    code, out, err = cli("check", "matrix.kl", "--matrix", "--max-variants", "3")
    assert code == 2
    assert "4 combinations" in err and "--max-variants" in err and "-D" in err
    code, _, _ = cli("check", "matrix.kl", "--matrix", "--max-variants", "4")
    assert code == 1


def test_max_variants_from_config(work, cli):
    (work / "layoutc.toml").write_text("max_variants = 2\n", encoding="utf-8")
    code, _, err = cli("check", "matrix.kl", "--matrix")
    assert code == 2 and "4 combinations" in err


# ------------------------------------------------------------------ layoutc show

SHOW = """\
layout demo { title = "a demo map" }
space virtual bits 32 {
    hole [0, 1G) "nothing may be mapped here"
    region user [1G, 2G) { access = user; label = "user space" }
    region lowmem [0xC000_0000, +512M) {
        region text [0xC000_8000, +1M)
    }
}
"""


def _table_rows(out: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")] for line in out.splitlines() if line.count("|") == 3]


def test_show_prints_the_memory_map(work, cli):
    (work / "demo.kl").write_text(SHOW, encoding="utf-8")
    code, out, err = cli("show", "demo.kl")
    assert code == 0, err
    assert out.splitlines()[0] == "demo: a demo map"
    assert "space virtual (32-bit)" in out
    header = next(line for line in out.splitlines() if "start" in line and "size" in line)
    assert "end (incl.)" in header
    assert _table_rows(out) == [
        ["00000000", "3fffffff", "1 GB", "[hole]  nothing may be mapped here"],
        ["40000000", "7fffffff", "1 GB", "user  user space"],
        ["80000000", "bfffffff", "1 GB", "[gap]  unused"],
        ["c0000000", "dfffffff", "512 MB", "lowmem"],
        ["c0008000", "c0107fff", "1 MB", "text"],
        ["e0000000", "ffffffff", "512 MB", "[gap]  unused"],
    ]
    text_line = next(line for line in out.splitlines() if line.rstrip().endswith("text"))
    assert text_line.split("|")[3].startswith("   text")  # nested one level deeper than lowmem


def test_show_json(work, cli):
    (work / "demo.kl").write_text(SHOW, encoding="utf-8")
    code, out, _ = cli("show", "demo.kl", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["layout"], data["title"]) == ("demo", "a demo map")
    (space,) = data["spaces"]
    assert (space["name"], space["bits"]) == ("virtual", 32)
    rows = [(r["kind"], r["name"], r["start"], r["last"], r["end"], r["size"], r["depth"]) for r in space["rows"]]
    assert rows == [
        ("hole", "hole", "0x00000000", "0x3fffffff", "0x40000000", "0x40000000", 0),
        ("region", "user", "0x40000000", "0x7fffffff", "0x80000000", "0x40000000", 0),
        ("gap", "", "0x80000000", "0xbfffffff", "0xc0000000", "0x40000000", 0),
        ("region", "lowmem", "0xc0000000", "0xdfffffff", "0xe0000000", "0x20000000", 0),
        ("region", "text", "0xc0008000", "0xc0107fff", "0xc0108000", "0x100000", 1),
        ("gap", "", "0xe0000000", "0xffffffff", "0x100000000", "0x20000000", 0),
    ]


def test_show_space_filter_and_errors(work, cli):
    (work / "demo.kl").write_text(SHOW + "space physical bits 32 { region ram [0, 1G) }\n", encoding="utf-8")
    code, out, _ = cli("show", "demo.kl", "--space", "physical")
    assert code == 0
    assert "space physical" in out and "space virtual" not in out
    code, _, err = cli("show", "demo.kl", "--space", "nowhere")
    assert code == 2 and "nowhere" in err
    code, out, err = cli("show", "missing.kl")
    assert code == 2
    code, out, err = cli("show", "overlap.kl")
    assert code == 1 and "error[O401]" in err  # the table is still printed, the finding goes to stderr
    assert "vmalloc" in out


def test_show_explain_gives_value_and_provenance(work, cli):
    code, out, _ = cli("show", "matrix.kl", "--explain", "PAGE_OFFSET", "-D", "vmsplit=2G")
    assert code == 0
    assert out.startswith("PAGE_OFFSET = 0x80000000")
    assert "matrix.kl:4:" in out  # defined at
    assert "-D" in out and "2G" in out  # the override that chose it
    code, _, err = cli("show", "matrix.kl", "--explain", "NOPE")
    assert code == 2 and "NOPE" in err
