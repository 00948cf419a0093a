"""The README stays true: its rule table is the registry's, its tour parses and checks clean.

Regenerate the table with LAYOUTC_REGEN_README=1 after adding a rule, and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from layoutc.rules.registry import rules_markdown
from layoutc.session import load_layout

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def test_rule_table_matches_registry():
    text = README.read_text(encoding="utf-8")
    current = text[text.index(START) + len(START): text.index(END)].strip()
    expected = rules_markdown()
    if os.environ.get("LAYOUTC_REGEN_README") and current != expected:
        README.write_text(text.replace(f"{START}\n{current}\n{END}" if current else f"{START}\n{END}",
                                       f"{START}\n{expected}\n{END}"), encoding="utf-8")
        current = expected
    assert current == expected, "README rule table is stale: run with LAYOUTC_REGEN_README=1"


def test_readme_commands_are_the_ci_scripts():
    text = README.read_text(encoding="utf-8")
    assert "bash .ci/main" in text and "bash .ci/test" in text
    run = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash .ci/test" in run and "LAYOUTC_REQUIRE_TOOLS=1" in run


def test_tour_checks_clean(tmp_path):
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```kl\n(.*?)```", text, re.S)
    assert blocks, "the tour has a kl example"
    for number, block in enumerate(blocks):
        path = tmp_path / f"tour{number}.kl"
        path.write_text(block, encoding="utf-8")
        result = load_layout(str(path))
        assert [d.code for d in result.diagnostics] == [], [(d.code, d.message) for d in result.diagnostics]


def test_every_usage_example_runs_clean(tmp_path, monkeypatch, capsys):
    """Each `layoutc ...` line of the README's usage block runs, as written, and exits 0."""
    import shlex
    import shutil

    from layoutc.cli import main

    text = README.read_text(encoding="utf-8")
    block = text.split("## Using it", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    for name in ("layouts", "tests"):
        shutil.copytree(README.parent / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.chdir(tmp_path)
    commands = [line.split(" #")[0].strip() for line in block.splitlines() if line.startswith("layoutc ")]
    assert len(commands) >= 10
    for command in commands:
        code = main(shlex.split(command)[1:])
        out = capsys.readouterr()
        assert code == 0, f"{command}\n{out.out[-2000:]}\n{out.err[-2000:]}"
