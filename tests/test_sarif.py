"""`layoutc check --format sarif` against the official SARIF 2.1.0 schema and GitHub code scanning's rules.

The schema is OASIS's own file (tests/data/sarif/, source in SOURCE.md), checked with jsonschema
including its `format`s (`uri`, `uri-reference`: rfc3986-validator, from the test extra).  The
requirements beyond the schema are those of GitHub's page "SARIF support for code scanning":
a location on every result, repository-relative URIs, partialFingerprints, rule help and
descriptions within 1,024 characters.  Layouts are written here; expected lines and columns
follow from their text.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from tools import require_installed

from layoutc.rules import all_rules
from layoutc.rules.registry import rule_anchor, rules_document
from layoutc.sarif import DESCRIPTION_LIMIT, _clip

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
MULTITOOL = REPO / "tests" / "sarif-validator" / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
RULES_DOC = REPO / "docs" / "rules.md"

# line 3: vmalloc overlaps lowmem (O401; the label at line 2); line 4: an empty region, waived (B301)
OVERLAP = """\
space virtual bits 32 {
    region lowmem  [0xC000_0000, 0xF000_0000) { kind = linear }
    region vmalloc [0xEF80_0000, 0xFF80_0000) { kind = vmalloc }
    region marker  [0x1000, 0x1000)
}
allow empty-region "a zero-sized marker on purpose"
"""


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator.check_schema(schema)
    checker = jsonschema.FormatChecker()
    # without a URI validator installed jsonschema skips these formats silently
    assert {"uri", "uri-reference"} <= set(checker.checkers), "install the test extra (rfc3986-validator)"
    return jsonschema.Draft4Validator(schema, format_checker=checker)


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """A checkout: the current directory, and the workspace the Actions runner names."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    (tmp_path / "overlap.kl").write_text(OVERLAP, encoding="utf-8")
    return tmp_path


def sarif(cli, *argv, expect: int | None = None) -> dict:
    code, out, err = cli("check", *argv, "--format", "sarif")
    if expect is not None:
        assert code == expect, err
    return json.loads(out)


def results(log: dict) -> list[dict]:
    return log["runs"][0]["results"]


def physical(result: dict) -> dict:
    return result["locations"][0]["physicalLocation"]


def resolve(log: dict, location: dict) -> Path:
    """The file an artifactLocation names, resolved as a SARIF consumer does (base id, then the URI)."""
    uri = location["uri"]
    if "uriBaseId" in location:
        uri = urllib.parse.urljoin(log["runs"][0]["originalUriBaseIds"][location["uriBaseId"]]["uri"], uri)
    parsed = urllib.parse.urlparse(uri)
    assert parsed.scheme == "file" and not parsed.query and not parsed.fragment, uri
    return Path(urllib.request.url2pathname(parsed.path))


# ------------------------------------------------------------------ the official schema


def test_the_format_checker_is_really_on(validator):
    good = {"version": "2.1.0", "runs": []}
    validator.validate(good)
    for bad_uri in ("with space.kl", "a#b#c.kl", "100%.kl"):
        bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
            {"message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": bad_uri}}}]}]}]}
        assert not validator.is_valid(bad), bad_uri


@pytest.mark.parametrize("argv", [
    ("overlap.kl",),
    ("clean.kl",),
    ("overlap.kl", "clean.kl", "--matrix"),
    ("missing.kl",),
    ("overlap.kl", "-D", "nosuch=1"),
    ("odd names/a b#1 ü 100%.kl",),
], ids=["findings", "clean", "matrix", "missing-file", "bad-override", "odd-file-name"])
def test_output_is_valid_against_the_official_schema(validator, root, cli, argv):
    (root / "clean.kl").write_text("space virtual bits 32 { region low [0x1000, +4K) }\n", encoding="utf-8")
    (root / "odd names").mkdir()
    (root / "odd names" / "a b#1 ü 100%.kl").write_text(OVERLAP, encoding="utf-8")
    log = sarif(cli, *argv)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_the_schema_rejects_what_code_scanning_would_reject(validator, root, cli):
    log = sarif(cli, "overlap.kl", expect=1)
    validator.validate(log)
    broken = json.loads(json.dumps(log))
    physical(results(broken)[0])["artifactLocation"]["uri"] = "over lap.kl"  # unencoded space
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(log))
    del results(broken)[0]["message"]
    assert not validator.is_valid(broken)


# ------------------------------------------------------------------ GitHub code scanning's requirements


def test_run_says_how_columns_count_and_counts_that_way(root, cli):
    # a non-BMP character before the region: one code point, two UTF-16 code units
    text = OVERLAP.replace("    region vmalloc", "/*\U0001F600*/ region vmalloc")
    (root / "overlap.kl").write_text(text, encoding="utf-8")
    log = sarif(cli, "overlap.kl", expect=1)
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    (overlap,) = [r for r in results(log) if r["ruleId"] == "O401"]
    line = text.splitlines()[2]
    region = physical(overlap)["region"]
    assert region["startColumn"] == line.index("[") + 1  # Python indexes code points
    assert region["endColumn"] == line.index(")") + 2  # the column after the end
    assert region["startColumn"] != len(line[:line.index("[")].encode("utf-16-le")) // 2 + 1


def test_every_result_has_a_location_with_a_full_region(root, cli):
    log = sarif(cli, "overlap.kl", "missing.kl")
    assert results(log)
    for result in results(log):
        assert 1 <= len(result["locations"]) <= 10
        region = physical(result)["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert all(v >= 1 for v in region.values())


def test_a_missing_file_is_still_an_artifact(root, cli):
    log = sarif(cli, "missing.kl", expect=2)
    (result,) = results(log)
    assert result["ruleId"] == "N104"
    assert physical(result)["artifactLocation"] == {"uri": "missing.kl", "uriBaseId": "%SRCROOT%"}
    assert physical(result)["region"] == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}


def test_uris_are_relative_to_the_repository_root_and_resolve_to_the_file(root, cli, monkeypatch):
    (root / "boards").mkdir()
    (root / "boards" / "b.kl").write_text(OVERLAP, encoding="utf-8")
    monkeypatch.chdir(root / "boards")  # run from a subdirectory: URIs are still from the root
    log = sarif(cli, "b.kl", expect=1)
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    assert resolve({"runs": [{"originalUriBaseIds": {}}]}, {"uri": base}) == root.resolve()
    for result in results(log):
        for location in result["locations"] + result.get("relatedLocations", []):
            artifact = location["physicalLocation"]["artifactLocation"]
            assert artifact == {"uri": "boards/b.kl", "uriBaseId": "%SRCROOT%"}
            assert resolve(log, artifact) == (root / "boards" / "b.kl").resolve()


@pytest.mark.parametrize("name", ["with space.kl", "hash#1.kl", "100%.kl", "ünï.kl", "q?x.kl"])
def test_uris_are_percent_encoded(root, cli, name):
    (root / "dir x").mkdir()
    (root / "dir x" / name).write_text(OVERLAP, encoding="utf-8")
    log = sarif(cli, f"dir x/{name}", expect=1)
    artifact = physical(results(log)[0])["artifactLocation"]
    assert not re.search(r"[ #?]|%(?![0-9A-F]{2})", artifact["uri"]), artifact["uri"]
    assert artifact["uri"].isascii()
    assert resolve(log, artifact) == (root / "dir x" / name).resolve()


def test_a_file_outside_the_root_gets_an_absolute_uri(root, cli, monkeypatch):
    inside = root / "repo"
    inside.mkdir()
    monkeypatch.setenv("GITHUB_WORKSPACE", str(inside))
    log = sarif(cli, "overlap.kl", expect=1)
    artifact = physical(results(log)[0])["artifactLocation"]
    assert "uriBaseId" not in artifact and artifact["uri"].startswith("file:///")
    assert resolve(log, artifact) == (root / "overlap.kl").resolve()


def test_a_symlink_is_reported_at_the_file_it_names(root, cli):
    (root / "link.kl").symlink_to(root / "overlap.kl")
    log = sarif(cli, "link.kl", expect=1)
    assert physical(results(log)[0])["artifactLocation"]["uri"] == "overlap.kl"


def test_fingerprints_survive_lines_inserted_above_and_tell_results_apart(root, cli):
    before = {r["ruleId"]: r for r in results(sarif(cli, "overlap.kl", expect=1))}
    (root / "overlap.kl").write_text("// a comment\n\n" + OVERLAP, encoding="utf-8")
    after = {r["ruleId"]: r for r in results(sarif(cli, "overlap.kl", expect=1))}
    assert set(before) == set(after) == {"O401", "B301"}
    for code in before:
        assert physical(after[code])["region"]["startLine"] == physical(before[code])["region"]["startLine"] + 2
        assert after[code]["partialFingerprints"] == before[code]["partialFingerprints"]
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in after.values()]
    assert len(set(prints)) == len(prints)
    assert all(re.fullmatch(r"[0-9a-f]{16}:\d+", p) for p in prints)


def test_the_same_rule_twice_on_one_line_has_two_fingerprints(root, cli):
    (root / "two.kl").write_text("const A = 1; const B = 2\nspace virtual bits 32 { region r [0x1000, +4K) }\n",
                                 encoding="utf-8")
    unused = [r for r in results(sarif(cli, "two.kl")) if r["ruleId"] == "W001"]
    assert len(unused) == 2
    assert len({r["partialFingerprints"]["primaryLocationLineHash"] for r in unused}) == 2


def test_a_multi_line_span_keeps_its_true_end_column(root, cli):
    text = OVERLAP.replace("[0xEF80_0000, 0xFF80_0000)", "[0xEF80_0000,\n  0xFF80_0000)")
    (root / "overlap.kl").write_text(text, encoding="utf-8")
    (overlap,) = [r for r in results(sarif(cli, "overlap.kl", expect=1)) if r["ruleId"] == "O401"]
    region = physical(overlap)["region"]
    lines = text.splitlines()
    assert (region["startLine"], region["startColumn"]) == (3, lines[2].index("[") + 1)
    assert (region["endLine"], region["endColumn"]) == (4, lines[3].index(")") + 2)
    assert region["endColumn"] < region["startColumn"]  # not clamped to the start column


def test_overrides_are_not_artifacts(root, cli):
    log = sarif(cli, "overlap.kl", "-D", "nosuch=1", "--matrix", "--vary", "other=1,2", expect=2)
    for result in results(log):
        for location in result["locations"] + result.get("relatedLocations", []):
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith("<") and "-D" not in uri and "%3C" not in uri.upper()
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    codes = sorted(n["descriptor"]["id"] for n in invocation["toolConfigurationNotifications"])
    assert codes == ["N103", "N103"]  # -D nosuch and --vary other: both name no param
    assert all("locations" not in n for n in invocation["toolConfigurationNotifications"])


def test_a_clean_run_succeeds_with_no_notifications(root, cli):
    (root / "clean.kl").write_text("space virtual bits 32 { region low [0x1000, +4K) }\n", encoding="utf-8")
    log = sarif(cli, "clean.kl", expect=0)
    assert results(log) == []
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_waived_results_carry_a_suppression_and_a_fingerprint(root, cli):
    waived = [r for r in results(sarif(cli, "overlap.kl")) if r.get("suppressions")]
    assert [r["ruleId"] for r in waived] == ["B301"]
    assert waived[0]["suppressions"] == [{"kind": "inSource", "justification": "a zero-sized marker on purpose"}]
    assert waived[0]["partialFingerprints"]["primaryLocationLineHash"]


# ------------------------------------------------------------------ rules: descriptions, help, helpUri


def test_every_rule_has_descriptions_within_limits_and_help_in_text_and_markdown(root, cli):
    rules = sarif(cli, "overlap.kl")["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_rules()]
    for descriptor in rules:
        assert 0 < len(descriptor["name"]) <= 255
        assert 0 < len(descriptor["shortDescription"]["text"]) <= DESCRIPTION_LIMIT
        assert 0 < len(descriptor["fullDescription"]["text"]) <= DESCRIPTION_LIMIT
        assert descriptor["help"]["text"].strip() and descriptor["help"]["markdown"].strip()
        assert descriptor["defaultConfiguration"]["level"] in ("note", "warning", "error")
    longest = max(all_rules(), key=lambda r: len(r.doc))
    assert len(longest.doc) > DESCRIPTION_LIMIT  # so the limit is really exercised


def test_descriptions_are_cut_at_a_word():
    text = "word " * 400
    clipped = _clip(text)
    assert len(clipped) <= DESCRIPTION_LIMIT and clipped.endswith("word…")
    assert _clip("short text") == "short text"


def test_no_placeholder_uris_and_none_invented(root, cli, monkeypatch):
    monkeypatch.setattr("layoutc.sarif.published_urls", lambda: {"docs_url": None, "information_uri": None})
    log = sarif(cli, "overlap.kl")
    driver = log["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    assert not any("helpUri" in r for r in driver["rules"])
    urls = set(re.findall(r"[a-z]+://[^\s\"\\)]+", json.dumps(log)))
    placeholders = [u for u in urls if re.search(r"\.invalid\b|example\.(com|org|net)|localhost", u)]
    assert placeholders == [], placeholders


def _github_anchors(markdown: str) -> set[str]:
    """Heading anchors as GitHub derives them: lower case, punctuation other than `-`/`_` dropped, spaces to `-`."""
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+)$", markdown, re.MULTILINE):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return anchors


def test_help_uri_points_at_a_real_anchor_of_docs_rules_md(root, cli, monkeypatch):
    docs = "https://docs.layoutc.test/main/docs"
    monkeypatch.setattr("layoutc.sarif.published_urls", lambda: {"docs_url": docs + "/", "information_uri": None})
    rules = sarif(cli, "overlap.kl")["runs"][0]["tool"]["driver"]["rules"]
    anchors = _github_anchors(RULES_DOC.read_text(encoding="utf-8"))
    for descriptor in rules:
        page, _, fragment = descriptor["helpUri"].partition("#")
        assert page == f"{docs}/rules.md"
        assert fragment in anchors, fragment


def test_docs_rules_md_is_generated_from_the_registry():
    expected = rules_document()
    if os.environ.get("LAYOUTC_REGEN_DOCS") == "1":
        RULES_DOC.write_text(expected, encoding="utf-8")
    assert RULES_DOC.read_text(encoding="utf-8") == expected, \
        "docs/rules.md is stale: LAYOUTC_REGEN_DOCS=1 python -m pytest tests/test_sarif.py"
    for entry in all_rules():
        assert rule_anchor(entry) in _github_anchors(expected)
        assert entry.section("Example") in expected


def test_a_layout_from_stdin_is_an_artifact(root, cli, monkeypatch, validator):
    import io
    import sys

    def feed() -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(OVERLAP.encode("utf-8")), encoding="utf-8"))

    feed()
    log = sarif(cli, "-", "--stdin-filename", "boards/piped.kl", expect=1)
    validator.validate(log)
    assert {physical(r)["artifactLocation"]["uri"] for r in results(log)} == {"boards/piped.kl"}
    feed()
    log = sarif(cli, "-", expect=1)  # unnamed: still a result with a location, not a notification
    validator.validate(log)
    assert {r["ruleId"] for r in results(log)} == {"O401", "B301"}
    assert "toolConfigurationNotifications" not in log["runs"][0]["invocations"][0]


# ------------------------------------------------------------------ Microsoft's validator, with GitHub's rules


def multitool_findings(*logs: Path) -> list[tuple[str, str, str]]:
    """(rule, level, message) of what `Sarif.Multitool validate --rule-kind Gh;Sarif` finds in ``logs``:
    the SARIF SDK's own checks plus its GitHub code scanning ingestion rules (GH1001...), the validator
    GitHub's "SARIF support for code scanning" page sends producers to."""
    tool = require_installed(MULTITOOL, "cd tests/sarif-validator && npm ci")
    report = logs[0].parent / "multitool.sarif"
    done = subprocess.run([tool, "validate", *map(str, logs), "--rule-kind", "Gh;Sarif", "-o", str(report),
                           "--log", "ForceOverwrite"], capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"})
    assert report.exists(), done.stdout + done.stderr
    runs = json.loads(report.read_text(encoding="utf-8"))["runs"]
    return [(r["ruleId"], r.get("level", "warning"), r["message"].get("text") or str(r["message"].get("arguments")))
            for run in runs for r in run.get("results", [])]


def test_microsoft_validator_with_github_rules_accepts_every_shape(root, cli):
    (root / "boards").mkdir()
    (root / "boards" / "b.kl").write_text('extends "../overlap.kl"\nconst UNUSED = 1\n', encoding="utf-8")
    (root / "odd dir#1").mkdir()
    (root / "odd dir#1" / "ü 100%.kl").write_text(OVERLAP, encoding="utf-8")
    runs = {"findings": ("overlap.kl", "boards/b.kl", "--matrix"), "missing": ("missing.kl",),
            "override": ("overlap.kl", "-D", "nosuch=1"), "odd-name": ("odd dir#1/ü 100%.kl",)}
    logs = []
    for name, argv in runs.items():
        code, out, _ = cli("check", *argv, "--format", "sarif")
        path = root / f"{name}.sarif"
        path.write_text(out, encoding="utf-8")
        logs.append(path)
    findings = multitool_findings(*logs)
    # SARIF2005 (a warning: the driver gives no informationUri) is the one thing it asks for that we cannot
    # give truthfully while no project URL is published ([project.urls] in pyproject.toml)
    assert [f for f in findings if f[0] != "SARIF2005"] == [], findings
    assert {level for rule, level, _ in findings} <= {"warning"}


def test_microsoft_validator_really_applies_the_github_rules(root, cli):
    code, out, _ = cli("check", "overlap.kl", "--format", "sarif")
    log = json.loads(out)
    del results(log)[0]["locations"]  # what code scanning cannot show
    path = root / "broken.sarif"
    path.write_text(json.dumps(log), encoding="utf-8")
    rules = {rule for rule, level, _ in multitool_findings(path) if level == "error"}
    assert any(rule.startswith("GH") for rule in rules), rules
