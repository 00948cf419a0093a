"""The Python API (`import layoutc`, docs/api.md): every example of the page runs, with its output
checked; the API agrees with the command line it fronts; `import layoutc` stays cheap."""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import layoutc

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"
EXAMPLES = re.findall(r"```pycon\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_every_example_of_the_api_page_prints_what_it_shows(monkeypatch):
    """The page's `pycon` blocks in order, one namespace, from the repository root (doctest compares outputs)."""
    assert len(EXAMPLES) >= 5
    monkeypatch.chdir(ROOT)
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    namespace: dict = {}
    for number, block in enumerate(EXAMPLES, 1):
        test = parser.get_doctest(block, namespace, f"docs/api.md block {number}", str(DOC), 0)
        out: list[str] = []
        runner.run(test, out=out.append, clear_globs=False)
        assert runner.failures == 0, "".join(out)
        namespace = test.globs  # the next block goes on from this one (DocTest copies its globals)


def test_load_is_what_the_check_command_reports(cli):
    """Same findings, same order, as `layoutc check --format json` on the same input."""
    import json

    overrides = {"vmsplit": "2G", "ram": "0x60000000:3G"}
    path = str(ROOT / "layouts" / "arm32.kl")
    code, out, _ = cli("check", path, "-D", "vmsplit=2G", "-D", "ram=0x60000000:3G", "--format", "json")
    assert code == 1
    expected = [(d["code"], d["line"], d["column"]) for d in json.loads(out)["diagnostics"]]
    got = [(d.code, *d.span.start_position()) for d in layoutc.check(path, overrides)]
    assert got == expected and got


def test_overrides_as_a_mapping_or_as_pairs_are_the_same():
    path = str(ROOT / "layouts" / "arm32.kl")
    by_map = layoutc.load(path, {"vmsplit": "1G", "highmem": "false"})
    by_pairs = layoutc.load(path, ["vmsplit=1G", "highmem=false"])
    assert by_map.layout is not None and by_pairs.layout is not None
    assert by_map.layout.int_value("PAGE_OFFSET") == by_pairs.layout.int_value("PAGE_OFFSET") == 0x4000_0000


def test_text_is_checked_as_the_named_file(tmp_path):
    text = "space virtual bits 32 {\n    region a [0x1000, +8K)\n    region b [0x2000, +4K)\n}\n"
    findings = layoutc.check(str(tmp_path / "buffer.kl"), text=text)  # no such file on disk
    assert [d.code for d in findings] == ["O401"]
    assert findings[0].span.where().startswith(f"{tmp_path / 'buffer.kl'}:")


def test_provenance_of_an_overlay_lists_the_base_default_then_the_set(tmp_path):
    base = ROOT / "layouts" / "arm32.kl"
    (tmp_path / "board.kl").write_text(f'extends "{base}"\nset vmsplit = 1G\n', encoding="utf-8")
    result = layoutc.load(str(tmp_path / "board.kl"), {"vmsplit": "2G"})
    assert result.layout is not None
    chain = [(o.how, o.text) for o in result.layout.provenance("vmsplit")]
    assert chain == [("default", "3G"), ("set", "1G"), ("-D", "2G")]
    assert str(result.layout.value("vmsplit")) == "2G"
    with pytest.raises(KeyError):
        result.layout.provenance("no_such_name")


def test_emit_is_byte_for_byte_what_the_emit_command_prints(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = layoutc.load("layouts/arm32.kl", {"vmsplit": "2G"})
    assert result.layout is not None
    for kind in ("header", "ld", "json", "markdown"):
        code, out, _ = cli("emit", kind, "layouts/arm32.kl", "-D", "vmsplit=2G")
        assert code == 0
        assert layoutc.emit_text(result.layout, kind) == out, kind
    assert "header" in layoutc.emitters()
    with pytest.raises(KeyError):
        layoutc.emit_text(result.layout, "no-such-kind")


def test_the_exported_names_are_the_documented_ones():
    table = DOC.read_text(encoding="utf-8").split("## What `import layoutc` exposes", 1)[1]
    first_cells = re.findall(r"^\| ([^|]+) \|", table, re.MULTILINE)
    documented = {name for cell in first_cells for name in re.findall(r"`(\w+)`", cell)}
    assert documented == set(layoutc.__all__) - {"__version__"}
    for name in layoutc.__all__:
        assert getattr(layoutc, name) is not None
    assert set(layoutc.__all__) <= set(dir(layoutc))
    import pkgutil

    submodules = {module.name for module in pkgutil.iter_modules(layoutc.__path__)}
    assert not submodules & set(layoutc.__all__), "importing that submodule would replace the API name"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        layoutc.nothing_here  # noqa: B018


def test_import_layoutc_imports_nothing_else_of_the_package():
    """`import layoutc` is what the CLI starts with: the API is imported on first use only."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = ("import sys, layoutc; print(sorted(m for m in sys.modules if m.startswith('layoutc')));"
            "print('typing' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.splitlines() == ["['layoutc']", "False"]
    code = "import sys, layoutc; layoutc.Region; print('layoutc.model.types' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.strip() == "True"


def test_the_readme_python_example_runs(monkeypatch, capsys):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("0x80000000 (Origin(default ")  # arm32 clean under 2G: one line, no findings
    assert len(out) == 1
