"""The boot-banner rules' documented Examples trigger them and their Fixes do not.

Their docs are a command line (`# layoutc ...`) and a boot-log excerpt rather than
a KL file, so tests/test_rules_docs.py leaves them to this runner: the excerpt is
saved as boot.log and the command is run as written.
"""

from __future__ import annotations

import json
import shlex

import pytest

from layoutc.cli import main
from layoutc.rules import lookup

DEFAULT = "layoutc check layouts/boards/rpi3.kl --against boot.log"


def _parts(section: str) -> tuple[str | None, str]:
    command = None
    log = []
    for line in section.splitlines():
        if line.startswith("# layoutc "):
            command = line[2:].split("  ")[0].strip()
        elif not line.startswith("#"):
            log.append(line)
    return command, "\n".join(log)


def _run(command: str, log: str, tmp_path, capsys) -> set[str]:
    (tmp_path / "boot.log").write_text(log + "\n", encoding="utf-8")
    argv = [str(tmp_path / "boot.log") if word == "boot.log" else word for word in shlex.split(command)[1:]]
    if argv[0] == "check":
        argv += ["--format", "json"]
    capsys.readouterr()
    main(argv)
    captured = capsys.readouterr()
    if argv[0] == "check":
        return {d["code"] for d in json.loads(captured.out)["diagnostics"]}
    return {code for code in ("F101", "F103", "F104", "F105") if f"[{code}]" in captured.out + captured.err}


@pytest.mark.parametrize("code", ["F101", "F103", "F104"])
def test_fidelity_example_triggers_and_fix_does_not(code, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(__import__("pathlib").Path(__file__).resolve().parent.parent)
    rule = lookup(code)
    example_command, example_log = _parts(rule.section("Example"))
    fix_command, fix_log = _parts(rule.section("Fix"))
    assert code in _run(example_command or DEFAULT, example_log, tmp_path, capsys)
    assert code not in _run(fix_command or DEFAULT, fix_log or example_log, tmp_path, capsys)
