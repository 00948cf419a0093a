"""Rule documentation is a contract: four sections, an Example that triggers, a Fix that does not.

Every rule's ``Example`` is written to a temporary ``rule-example.kl`` and
checked through the front door (``session.load_layout``): the rule's code must
be reported (or waived); the ``Fix`` must not produce it.  ``layoutc explain``
prints the same documentation.
"""

from __future__ import annotations

import pytest

from layoutc.rules import all_rules, lookup
from layoutc.session import load_layout

SECTIONS = ("What it does", "Why it matters", "Example", "Fix")
# Families whose Example/Fix are command lines and boot logs, not layout files.
NOT_KL = {"F": "boot-banner rules document a command line and a boot log: tests/test_fidelity_docs.py runs them",
          "L": "limit examples are too large for a docstring: tests/test_limits.py checks each at the limit and one past it"}

RULES = all_rules()


def _ids(rule) -> str:
    return f"{rule.code}-{rule.name}"


def _codes(tmp_path, text: str, invalid_byte: bool = False) -> set[str]:
    """Codes reported or waived for ``text`` saved as rule-example.kl."""
    data = text.encode("utf-8") + b"\n"
    if invalid_byte:  # a docstring cannot hold an invalid byte; the S003 example spells it `\xff`
        assert b"\\xff" in data, "the S003 example should mark the invalid byte as \\xff"
        data = data.replace(b"\\xff", b"\xff")
    path = tmp_path / "rule-example.kl"
    path.write_bytes(data)
    result = load_layout(str(path))
    codes = {d.code for d in [*result.diagnostics, *result.waived]}
    if result.layout is not None:  # G001 comes from the emitters' identifier check, run by build/emit
        from layoutc.emit.symbols import check_names

        codes |= {d.code for d in check_names(result.layout, "LAYOUT")}
    return codes


def test_there_are_rules() -> None:
    assert len(RULES) >= 30
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_doc_has_the_four_sections(rule) -> None:
    assert rule.summary, f"{rule.code} has no one-line summary"
    for title in SECTIONS:
        assert rule.section(title), f"{rule.code} lacks a non-empty `{title}:` section"
    positions = [rule.doc.index(f"{title}:") for title in SECTIONS]
    assert positions == sorted(positions), f"{rule.code}: sections out of order"


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_example_triggers_and_fix_does_not(rule, tmp_path) -> None:
    if rule.family in NOT_KL:
        pytest.skip(NOT_KL[rule.family])
    example = _codes(tmp_path, rule.section("Example"), invalid_byte=rule.code == "S003")
    assert rule.code in example, f"{rule.code} Example does not trigger it; found {sorted(example)}"
    fix = _codes(tmp_path, rule.section("Fix"))
    assert rule.code not in fix, f"{rule.code} Fix still triggers it"
    errors = {c for c in fix if (entry := lookup(c)) is not None and str(entry.severity) == "error"}
    assert not errors, f"{rule.code} Fix has errors of its own: {sorted(errors)}"


@pytest.mark.parametrize("key", ["O401", "region-overlap", "o401", "REGION-OVERLAP"])
def test_explain_prints_the_doc(cli, key: str) -> None:
    code, out, err = cli("explain", key)
    assert code == 0, err
    rule = lookup("O401")
    assert out.startswith("O401 region-overlap (error)")
    assert rule.doc.strip() in out


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_explain_every_rule(cli, rule) -> None:
    code, out, _ = cli("explain", rule.code)
    assert code == 0
    for title in SECTIONS:
        assert f"{title}:" in out
    assert rule.section("Example").splitlines()[0] in out


@pytest.mark.parametrize("unknown, suggestion", [("region-overlapp", "region-overlap"), ("O40", "O401"),
                                                 ("empty-regoin", "empty-region")])
def test_explain_unknown_rule_is_a_usage_error_with_a_suggestion(cli, unknown: str, suggestion: str) -> None:
    code, out, err = cli("explain", unknown)
    assert code == 2
    assert out == ""
    assert f"no rule `{unknown}`" in err
    assert f"did you mean `{suggestion}`" in err


def test_explain_unknown_rule_without_a_close_match(cli) -> None:
    code, _, err = cli("explain", "zzzzzz")
    assert code == 2
    assert "no rule `zzzzzz`" in err
    assert "did you mean" not in err


def test_rules_lists_every_rule(cli) -> None:
    code, out, _ = cli("rules")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [r.code for r in RULES]
    assert all(r.name in line for r, line in zip(RULES, lines))
