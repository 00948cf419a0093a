"""docs/sim.md is tested like code: its example scenario runs, and its tables cover the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

from layoutc.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "sim.md").read_text(encoding="utf-8")
SCHEMA = json.loads((ROOT / "layoutc" / "schemas" / "scenario.schema.json").read_text(encoding="utf-8"))


def test_the_example_scenario_runs_and_every_expectation_holds(tmp_path, capsys):
    blocks = re.findall(r"```json\n(.*?)```", DOC, re.DOTALL)
    assert len(blocks) == 1, "docs/sim.md should hold exactly one example scenario"
    path = tmp_path / "example.json"
    path.write_text(blocks[0], encoding="utf-8")
    assert main(["sim", str(ROOT / "layouts" / "arm32.kl"), "--scenario", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scenario"] == "driver-probe" and not data["stopped"]
    expects = data["numbers"]["expects"]
    assert len(expects) == 3 and all(e["ok"] for e in expects), expects
    assert data["verdict"] == "all expectations held"
    assert set(data["reports"]) == {"buddyinfo", "slabinfo", "vmallocinfo", "vmalloc holes"}


def test_every_op_report_and_condition_of_the_schema_is_documented():
    step = SCHEMA["$defs"]["step"]["properties"]
    for op in step["op"]["enum"]:
        assert re.search(rf"^\| `{op}` \|", DOC, re.MULTILINE), f"op `{op}` missing from the table in docs/sim.md"
    for name in SCHEMA["properties"]["reports"]["items"]["enum"]:
        assert f"`{name}`" in DOC, f"report `{name}` undocumented"
    for name in step["until"]["enum"] + SCHEMA["properties"]["verdict"]["enum"]:
        assert f"`{name}`" in DOC, f"`{name}` undocumented"
    for name in step:
        assert f"`{name}`" in DOC, f"step field `{name}` undocumented"
