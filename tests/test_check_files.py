"""`layoutc check` over several files: each finding once per distinct configuration, at its place.

A base layout and the overlays that `extends` it share the base's text, so a finding in the
base is produced by every one of them.  It is one finding when it says the same thing; an
overlay whose `set` changes the evaluated values makes a second one.  The same file named
twice is one file.  Counts in the summary follow from what is reported.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

# line 3: UNUSED is never used (W001) in every configuration;
# line 6: vmalloc overlaps lowmem (O401); how much depends on `top`, which boards/other.kl sets
BASE = """\
layout base { page_size = 4K }
param top: addr = 0xF000_0000
const UNUSED = 1
space virtual bits 32 {
    region lowmem  [0xC000_0000, top) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
}
"""
SAME = 'extends "base.kl"\nlayout same { title = "the base under another name" }\n'
OTHER = 'extends "../base.kl"\nset top = 0xF400_0000\nconst ALSO_UNUSED = 2\n'  # line 3: its own W001


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.kl").write_text(BASE, encoding="utf-8")
    (tmp_path / "same.kl").write_text(SAME, encoding="utf-8")
    (tmp_path / "boards").mkdir()
    (tmp_path / "boards" / "other.kl").write_text(OTHER, encoding="utf-8")
    return tmp_path


def _json(cli, *argv):
    code, out, err = cli("check", *argv, "--format", "json")
    return code, json.loads(out)


def _places(report: dict) -> Counter:
    return Counter((d["code"], d["file"], d["line"]) for d in report["diagnostics"])


def test_a_base_finding_is_reported_once_however_many_overlays_extend_it(tree, cli):
    code, report = _json(cli, "base.kl", "same.kl", "boards/other.kl")
    assert code == 1
    places = _places(report)
    assert places[("W001", "base.kl", 3)] == 1  # the same in all three configurations
    assert places[("W001", "boards/other.kl", 3)] == 1  # the overlay's own, at its own line
    # O401 at base.kl:6 says one thing for base.kl and same.kl (top = 0xf0000000), another for other.kl
    overlaps = [d for d in report["diagnostics"] if d["code"] == "O401"]
    assert [(d["file"], d["line"]) for d in overlaps] == [("base.kl", 6), ("base.kl", 6)]
    ranges = sorted(next(n for n in d["notes"] if n.startswith("overlapping range")) for d in overlaps)
    assert ranges == ["overlapping range [0xef800000, 0xf0000000) (8M)",
                      "overlapping range [0xef800000, 0xf4000000) (72M)"]
    where = {next(n for n in d["notes"] if n.startswith("overlapping")): d["notes"][-1] for d in overlaps}
    assert where["overlapping range [0xef800000, 0xf4000000) (72M)"] == "in the configuration of boards/other.kl"
    assert where["overlapping range [0xef800000, 0xf0000000) (8M)"] == "in the configurations of base.kl, same.kl"


def test_the_summary_counts_what_is_reported(tree, cli):
    _, report = _json(cli, "base.kl", "same.kl", "boards/other.kl")
    summary, severities = report["summary"], Counter(d["severity"] for d in report["diagnostics"])
    assert (summary["errors"], summary["warnings"]) == (severities["error"], severities["warning"]) == (2, 2)
    assert summary["files"] == 3
    code, out, _ = cli("check", "base.kl", "same.kl", "boards/other.kl")
    assert out.rstrip().splitlines()[-1].endswith(": 2 errors, 2 warnings")
    assert len(re.findall(r"^\S+:\d+:\d+: (?:error|warning)\[", out, re.MULTILINE)) == 4


@pytest.mark.parametrize("names", [("base.kl", "base.kl"), ("base.kl", "./base.kl", "boards/../base.kl")],
                         ids=["twice", "three-spellings"])
def test_the_same_file_given_twice_is_checked_once(tree, cli, names):
    _, once = _json(cli, "base.kl")
    code, again = _json(cli, *names)
    assert code == 1
    assert again["diagnostics"] == once["diagnostics"]
    assert again["summary"] == once["summary"]
    assert once["summary"]["files"] == 1 and once["summary"]["variants"] == 1


def test_a_glob_and_a_name_of_the_same_file_count_it_once(tree, cli):
    _, report = _json(cli, "*.kl", "base.kl", "**/*.kl")
    assert report["summary"]["files"] == 3
    assert _places(report)[("W001", "base.kl", 3)] == 1


def test_an_overlay_checked_alone_says_whose_configuration_a_base_finding_is_in(tree, cli):
    _, report = _json(cli, "boards/other.kl")
    unused = next(d for d in report["diagnostics"] if d["message"] == "constant `UNUSED` is never used")
    assert (unused["file"], unused["line"]) == ("base.kl", 3)
    assert unused["notes"][-1] == "in the configuration of boards/other.kl"
    own = next(d for d in report["diagnostics"] if d["message"] == "constant `ALSO_UNUSED` is never used")
    assert own["notes"] == []


def test_matrix_runs_over_a_base_and_its_overlays_report_a_shared_finding_once(tree, cli):
    code, report = _json(cli, "--matrix", "base.kl", "same.kl")
    assert code == 1
    assert _places(report)[("W001", "base.kl", 3)] == 1
    assert _places(report)[("O401", "base.kl", 6)] == 1


def test_a_bad_override_is_one_usage_problem_not_one_per_file(tree, cli):
    code, report = _json(cli, "base.kl", "same.kl", "boards/other.kl", "-D", "top=banana")
    assert code == 2
    problems = [d for d in report["diagnostics"] if d["file"] and d["file"].startswith("<-D")]
    assert len(problems) == 1, problems
