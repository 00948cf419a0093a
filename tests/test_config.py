"""Project configuration: a typo is an error naming the key and the file, each file is checked under
the configuration nearest above it (so the order of the arguments never changes a result),
`--config FILE` and `--isolated`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

# vmalloc overlaps lowmem (O401, an error)
OVERLAP = """\
space virtual bits 32 {
    region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
}
"""


def _codes(out: str) -> list[tuple[str, str]]:
    """(file, code) of each finding in a human report."""
    return sorted(re.findall(r"^(\S+?):\d+:\d+: \w+\[(\w\d{3})\]", out, re.MULTILINE))


@pytest.fixture
def projects(tmp_path: Path, monkeypatch) -> Path:
    """quiet/ ignores O401 in its pyproject.toml, loud/ has no configuration: the same layout in each."""
    monkeypatch.chdir(tmp_path)
    for name in ("quiet", "loud"):
        (tmp_path / name / "layouts").mkdir(parents=True)
        (tmp_path / name / "layouts" / "soc.kl").write_text(OVERLAP, encoding="utf-8")
    (tmp_path / "quiet" / "pyproject.toml").write_text(
        '[project]\nname = "quiet"\n\n[tool.layoutc]\nignore = ["O401"]\n', encoding="utf-8")
    return tmp_path


def test_each_file_has_its_own_configuration_in_any_order(projects, cli):
    forward = cli("check", "quiet/layouts/soc.kl", "loud/layouts/soc.kl")
    backward = cli("check", "loud/layouts/soc.kl", "quiet/layouts/soc.kl")
    assert _codes(forward[1]) == _codes(backward[1]) == [("loud/layouts/soc.kl", "O401")]
    assert forward[0] == backward[0] == 1


def test_folders_and_globs_too(projects, cli):
    code, out, _ = cli("check", "loud", "quiet")
    assert (code, _codes(out)) == (1, [("loud/layouts/soc.kl", "O401")])
    code, out, _ = cli("check", "*/layouts/*.kl")
    assert (code, _codes(out)) == (1, [("loud/layouts/soc.kl", "O401")])


@pytest.mark.parametrize("name, text, line", [
    ("pyproject.toml", '[project]\nname = "x"\n\n[tool.layoutc]\nwerror = true\nselct = ["O401"]\n', 6),
    ("layoutc.toml", 'werror = true\n  ignroe = "O401"\n', 2),
], ids=["pyproject", "layoutc.toml"])
def test_unknown_key_names_key_file_and_line(projects, cli, name, text, line):
    (projects / "loud" / name).write_text(text, encoding="utf-8")
    code, out, err = cli("check", "loud/layouts/soc.kl")
    assert code == 2 and out == ""
    key, meant = ("selct", "select") if name == "pyproject.toml" else ("ignroe", "ignore")
    column = text.splitlines()[line - 1].index(key) + 1
    assert f"loud/{name}:{line}:{column}: unknown key `{key}`" in err
    assert f"did you mean `{meant}`?" in err


@pytest.mark.parametrize("text, key", [
    ('werror = "yes"\n', "werror"),
    ("select = [1, 2]\n", "select"),
    ('format = "xml"\n', "format"),
    ("max_variants = 0\n", "max_variants"),
    ("max_variants = true\n", "max_variants"),
])
def test_wrong_type_names_key_and_file(projects, cli, text, key):
    (projects / "loud" / "layoutc.toml").write_text(text, encoding="utf-8")
    code, _, err = cli("check", "loud/layouts/soc.kl")
    assert code == 2
    assert f"loud/layoutc.toml:1:1: `{key} = " in err and "Traceback" not in err


@pytest.mark.parametrize("name, text, code", [
    ("layoutc.toml", "max_variants = " + "9" * 5000 + "\n", "L002"),
    ("layoutc.toml", "a = " + "[" * 30_000 + "]" * 30_000 + "\n", "L006"),
    ("layoutc.toml", "a = " + "{x=" * 100_000 + "1" + "}" * 100_000 + "\n", "L006"),
    ("pyproject.toml", "[tool.layoutc]\nselect = " + "[" * 30_000 + "]" * 30_000 + "\n", "L006"),
    ("layoutc.toml", "# " + "x" * (16 << 20) + "\n", "L001"),
], ids=["long-integer", "deep-array", "deep-inline-table", "deep-pyproject", "too-large"])
def test_a_hostile_configuration_is_a_usage_error_with_its_code(projects, cli, name, text, code):
    """Found by an adversarial review: each was an internal error (Python's int conversion limit, the TOML
    parser's recursion), and a configuration had no size limit."""
    (projects / "loud" / name).write_text(text, encoding="utf-8")
    exit_code, _, err = cli("check", "loud/layouts/soc.kl")
    assert exit_code == 2 and f"error[{code}]" in err, err[-500:]
    assert "Traceback" not in err and "set_int_max_str_digits" not in err


def test_a_broken_configuration_of_another_file_fails_the_run(projects, cli):
    """Every file's configuration is read, not the first argument's only."""
    (projects / "loud" / "layoutc.toml").write_text("selcet = []\n", encoding="utf-8")
    code, _, err = cli("check", "quiet/layouts/soc.kl", "loud/layouts/soc.kl")
    assert code == 2 and "selcet" in err


def test_explicit_config_applies_to_every_file(projects, cli):
    (projects / "ci.toml").write_text('ignore = ["region-overlap"]\n', encoding="utf-8")
    code, out, _ = cli("check", "loud/layouts/soc.kl", "--config", "ci.toml")
    assert (code, _codes(out)) == (0, [])
    # a pyproject.toml given by name is read for its [tool.layoutc]
    code, out, _ = cli("check", "--config", "quiet/pyproject.toml", "loud/layouts/soc.kl")
    assert (code, _codes(out)) == (0, [])
    code, _, err = cli("check", "loud/layouts/soc.kl", "--config", "missing.toml")
    assert code == 2 and "missing.toml" in err


def test_isolated_ignores_every_configuration(projects, cli):
    code, out, _ = cli("check", "--isolated", "quiet/layouts/soc.kl")
    assert (code, _codes(out)) == (1, [("quiet/layouts/soc.kl", "O401")])
    code, _, err = cli("check", "--isolated", "--config", "quiet/pyproject.toml", "quiet/layouts/soc.kl")
    assert code == 2 and "--isolated" in err


def test_isolated_even_skips_a_broken_configuration(projects, cli):
    (projects / "loud" / "layoutc.toml").write_text("this is not toml\n", encoding="utf-8")
    assert cli("check", "loud/layouts/soc.kl")[0] == 2
    assert cli("check", "loud/layouts/soc.kl", "--isolated")[0] == 1


def test_configurations_that_disagree_on_the_format(projects, cli):
    # a layoutc.toml wins over the pyproject.toml beside it: quiet/ now reports O401 too
    (projects / "quiet" / "layoutc.toml").write_text('format = "json"\n', encoding="utf-8")
    (projects / "loud" / "layoutc.toml").write_text('format = "github"\n', encoding="utf-8")
    code, _, err = cli("check", "quiet/layouts/soc.kl", "loud/layouts/soc.kl")
    assert code == 2 and "json" in err and "github" in err
    code, out, _ = cli("check", "quiet/layouts/soc.kl", "loud/layouts/soc.kl", "--format", "json")
    assert code == 1 and json.loads(out)["summary"]["errors"] == 2


def test_other_commands_read_the_file_s_configuration(projects, cli):
    (projects / "loud" / "layoutc.toml").write_text("werror = 1\n", encoding="utf-8")
    for command in (["show"], ["emit", "header"], ["render"]):
        code, _, err = cli(*command, "loud/layouts/soc.kl")
        assert code == 2 and "werror" in err, command


@pytest.mark.parametrize("text", [
    '[tool.layoutc]\nignore = ["O401"]\n',
    '[ tool . "layoutc" ]\nignore = ["O401"]\n',
    "[tool]\nlayoutc = { ignore = ['O401'] }\n",
    '[tool]\n  layoutc.ignore = ["O401"]\n',
    'tool.layoutc.ignore = ["O401"]\n',
    "['tool'.'layoutc']\nignore = ['O401']\n",
], ids=["table", "spaced-quoted", "inline", "dotted-under-tool", "dotted", "literal-keys"])
def test_every_spelling_of_the_layoutc_table_is_read(projects, cli, text):
    """A pyproject.toml is only parsed when a line can open `tool.layoutc` (start-up, issue 13): each TOML
    spelling of the table must still count (tomllib reads these the same)."""
    (projects / "loud" / "pyproject.toml").write_text(text, encoding="utf-8")
    code, out, _ = cli("check", "loud/layouts/soc.kl")
    assert (code, _codes(out)) == (0, [])


def test_a_pyproject_without_a_layoutc_table_is_not_ours_to_parse(projects, cli):
    (projects / "loud" / "pyproject.toml").write_text(
        '# [tool.layoutc] would go here\n[project.scripts]\nlayoutc = "x"\n[project]\ndependencies = [\n  "layoutc",\n]\n'
        '[tool.ruff\nline = "', "utf-8")
    code, out, err = cli("check", "loud/layouts/soc.kl")
    assert (code, _codes(out)) == (1, [("loud/layouts/soc.kl", "O401")]) and err == ""
    (projects / "loud" / "pyproject.toml").write_text('[tool.layoutc\nignore = ["O401"]\n', encoding="utf-8")
    code, _, err = cli("check", "loud/layouts/soc.kl")
    assert code == 2 and "not a readable TOML file" in err
