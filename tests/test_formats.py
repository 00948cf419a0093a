"""Machine-readable outputs of `layoutc check`: JSON (against the shipped schema), SARIF 2.1.0, GitHub annotations.

The fixtures are small layouts written here, so the expected codes, lines and
region names are known from the input, not from a previous run.
"""

from __future__ import annotations

import copy
import json
from importlib import resources

import jsonschema
import pytest

from layoutc.rules import all_rules

CLEAN = """\
layout clean { page_size = 4K }
space virtual bits 32 {
    region low  [0x1000, +4K)
    region high [0x8000_0000, +1M)
}
"""

# line 6: vmalloc overlaps lowmem (O401, reported at the later region, label at line 5);
# line 8: mods overlaps lowmem only when highmem is false; the file-level allow waives B301 (line 9).
OVERLAP = """\
layout ov { page_size = 4K }
param highmem: bool = true
param vmsplit: choice(3G, 2G) = 3G
const PAGE_OFFSET = match vmsplit { 3G => 0xC000_0000, 2G => 0x8000_0000 }
space virtual bits 32 {
    region lowmem  [PAGE_OFFSET, 0xF000_0000) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
    region mods    [PAGE_OFFSET - 16M, if highmem then PAGE_OFFSET else PAGE_OFFSET + 4K)
    region marker  [0x1000, 0x1000)
}
allow empty-region "a zero-sized marker on purpose"
"""


@pytest.fixture(scope="module")
def schema() -> dict:
    text = resources.files("layoutc").joinpath("schemas/diagnostics.schema.json").read_text(encoding="utf-8")
    data = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(data)
    return data


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.kl").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "overlap.kl").write_text(OVERLAP, encoding="utf-8")
    return tmp_path


def _validate(schema: dict, instance: dict) -> None:
    jsonschema.Draft202012Validator(schema).validate(instance)


# ------------------------------------------------------------------ JSON


def test_json_clean_layout_matches_schema(schema, files, cli):
    code, out, _ = cli("check", "clean.kl", "--format", "json")
    assert code == 0
    data = json.loads(out)
    _validate(schema, data)
    assert data["diagnostics"] == [] and data["waived"] == []
    assert data["summary"]["regions"] == 2
    assert data["summary"]["files"] == 1
    assert data["summary"]["variants"] == 1
    assert "variants" not in data


def test_json_overlap_layout_matches_schema(schema, files, cli):
    code, out, _ = cli("check", "overlap.kl", "--format", "json")
    assert code == 1
    data = json.loads(out)
    _validate(schema, data)
    overlaps = [d for d in data["diagnostics"] if d["code"] == "O401"]
    assert len(overlaps) == 1  # highmem defaults to true: only vmalloc/lowmem overlap
    found = overlaps[0]
    assert found["name"] == "region-overlap" and found["severity"] == "error"
    assert found["file"] == "overlap.kl"
    assert (found["line"], found["end_line"]) == (7, 7)
    assert sorted(found["regions"]) == ["lowmem", "vmalloc"]
    assert [label["line"] for label in found["labels"]] == [6]
    assert found["help"]
    # the waiver names empty-region by name; the finding is listed with the reason
    assert [(w["code"], w["line"], w["waiver"]) for w in data["waived"]] == [
        ("B301", 9, "a zero-sized marker on purpose")]
    summary = data["summary"]
    assert summary["errors"] == sum(d["severity"] == "error" for d in data["diagnostics"])
    assert summary["warnings"] == sum(d["severity"] == "warning" for d in data["diagnostics"])
    assert (summary["regions"], summary["definitions"], summary["waived"]) == (4, 3, 1)


def test_json_matrix_run_matches_schema(schema, files, cli):
    code, out, _ = cli("check", "overlap.kl", "--matrix", "--format", "json")
    assert code == 1
    data = json.loads(out)
    _validate(schema, data)
    assert data["summary"]["variants"] == 4
    assert data["variants"]["overlap.kl"]["count"] == 4
    assert data["variants"]["overlap.kl"]["axes"] == {"highmem": ["false", "true"], "vmsplit": ["3G", "2G"]}
    mods = [d for d in data["diagnostics"] if d["code"] == "O401" and "mods" in d["regions"]]
    assert len(mods) == 1
    assert "in 2 of 4 variants: highmem=false" in mods[0]["notes"]


def test_json_unreadable_file_is_reported_at_the_file(schema, files, cli):
    code, out, _ = cli("check", "missing.kl", "--format", "json")
    assert code == 2
    data = json.loads(out)
    _validate(schema, data)
    (problem,) = data["diagnostics"]
    assert problem["code"] == "N104"
    assert (problem["file"], problem["line"], problem["column"]) == ("missing.kl", 1, 1)  # as ruff reports it


def test_json_override_problem_names_the_override(schema, files, cli):
    code, out, _ = cli("check", "overlap.kl", "-D", "vmsplit=4G", "--format", "json")
    assert code == 2
    data = json.loads(out)
    _validate(schema, data)
    assert any(d["code"] == "E207" and d["file"].startswith("<-D") for d in data["diagnostics"])


@pytest.mark.parametrize("breakage", [
    lambda d: d.pop("summary"),
    lambda d: d["summary"].pop("regions"),
    lambda d: d["diagnostics"][0].update(severity="fatal"),
    lambda d: d["diagnostics"][0].update(code="overlap"),
    lambda d: d["diagnostics"][0].update(line=0),
    lambda d: d["diagnostics"][0].pop("regions"),
    lambda d: d["diagnostics"][0].update(surprise=1),
    lambda d: d["waived"][0].pop("waiver"),
], ids=["no-summary", "no-regions-count", "bad-severity", "bad-code", "line-0", "no-regions", "extra-key",
        "waived-without-reason"])
def test_schema_rejects_broken_output(schema, files, cli, breakage):
    """The schema is not vacuous: each of these edits of a real output must fail validation."""
    _, out, _ = cli("check", "overlap.kl", "--format", "json")
    data = copy.deepcopy(json.loads(out))
    breakage(data)
    with pytest.raises(jsonschema.ValidationError):
        _validate(schema, data)


# ------------------------------------------------------------------ SARIF


def test_sarif_is_structurally_2_1_0(files, cli):
    code, out, _ = cli("check", "overlap.kl", "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    assert "sarif" in log["$schema"] and "2.1.0" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "layoutc"
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == {r.code for r in all_rules()}
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run["results"]
    assert results
    for result in results:
        assert result["ruleId"] in ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note", "none")
        assert result["message"]["text"]
        for location in result.get("locations", []) + result.get("relatedLocations", []):
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uri"]
            region = physical["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
            assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
    overlap = next(r for r in results if r["ruleId"] == "O401")
    assert overlap["level"] == "error"
    assert overlap["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "overlap.kl"
    assert overlap["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert overlap["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 6
    assert "suppressions" not in overlap


def test_sarif_waived_results_carry_suppressions(files, cli):
    _, out, _ = cli("check", "overlap.kl", "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    waived = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in waived] == ["B301"]
    (suppression,) = waived[0]["suppressions"]
    assert suppression["kind"] == "inSource"
    assert suppression["justification"] == "a zero-sized marker on purpose"
    assert waived[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 9


def test_sarif_clean_run_has_no_results(files, cli):
    code, out, _ = cli("check", "clean.kl", "--format", "sarif")
    assert code == 0
    assert json.loads(out)["runs"][0]["results"] == []


# ------------------------------------------------------------------ GitHub


def _annotations(out: str) -> list[tuple[str, dict[str, str], str]]:
    parsed = []
    for line in out.splitlines():
        assert line.startswith("::"), line
        head, sep, message = line[2:].partition("::")
        assert sep, line
        kind, _, props = head.partition(" ")
        fields = dict(item.split("=", 1) for item in props.split(","))
        parsed.append((kind, fields, message))
    return parsed


def test_github_annotations(files, cli):
    code, out, _ = cli("check", "overlap.kl", "--format", "github")
    assert code == 1
    annotations = _annotations(out)
    errors = [a for a in annotations if a[0] == "error"]
    assert len(errors) == 1
    _, fields, message = errors[0]
    assert (fields["file"], fields["line"], fields["col"]) == ("overlap.kl", "7", "20")
    assert message.startswith("regions `lowmem` and `vmalloc` overlap%0Anote: ")
    assert "\n" not in message


def test_github_escapes_newlines_percent_and_property_separators(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a,b:c.kl").write_text('assert 1 == 2 : "first line\\nsecond line, 100% sure"\n', encoding="utf-8")
    code, out, _ = cli("check", "a,b:c.kl", "--format", "github")
    assert code == 1
    assert out.count("\n") == 1  # one annotation, on one line
    (kind, fields, message), = _annotations(out)
    assert kind == "error"
    assert fields["file"] == "a%2Cb%3Ac.kl"
    assert (fields["line"], fields["col"]) == ("1", "8")
    assert message.startswith("first line%0Asecond line, 100%25 sure")


def test_github_clean_run_prints_nothing(files, cli):
    code, out, _ = cli("check", "clean.kl", "--format", "github")
    assert (code, out) == (0, "")
