"""Every rule against its fixtures in tests/fixtures/rules/.

Each fixture is a layout with inline expectations::

    region b [0x2000, 0x4000)      // expect: O401
    region c [0x4000, 0x5000)      // expect-not: O401   (documents a near miss)

The set of (file, line, code) the checker reports must equal the set of
``expect:`` comments -- in the fixture and in the files it `extends`.  Lines
are where the diagnostic's primary span starts; wording is not compared.
W001 (unused-definition) is ignored unless the fixture expects it somewhere,
so fixtures can stay small.  Each rule needs a fixture that triggers it and one
that must not (``<CODE>-near-miss*.kl``, which may expect other codes but not
its own).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from layoutc.rules import all_rules
from layoutc.session import load_layout

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
# Families whose findings do not come from a layout file alone (the boot-banner
# comparison reads a boot log too); their own tests cover them.
NOT_FROM_LAYOUT = {"F": "boot-banner fidelity rules need a boot log; tested with the banner comparison"}
# Limits whose trigger is megabytes of text or a command line: tests/test_limits.py, at the limit and one past it.
LIMITS_ELSEWHERE = {"L001", "L006", "L007", "L008", "L009", "L010", "L012", "L013", "L014", "L015", "L016"}
_EXPECT = re.compile(r"//\s*expect(-not)?:\s*([A-Z][0-9]{3}(?:\s*,\s*[A-Z][0-9]{3})*)")
_EXTENDS = re.compile(r'^\s*extends\s+"([^"]+)"', re.M)


def _fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*.kl"))


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _chain(path: Path) -> list[Path]:
    """The fixture and the files it extends (followed textually; cycles and missing files stop it)."""
    files: list[Path] = []
    current = path
    while current.is_file() and current.resolve() not in files:
        files.append(current.resolve())
        match = _EXTENDS.search(_read(current))
        if match is None:
            break
        current = current.parent / match.group(1)
    return files


def _expectations(files: list[Path]) -> tuple[set[tuple[str, int, str]], set[tuple[str, int, str]]]:
    expect: set[tuple[str, int, str]] = set()
    expect_not: set[tuple[str, int, str]] = set()
    for path in files:
        for number, line in enumerate(_read(path).splitlines(), start=1):
            for match in _EXPECT.finditer(line):
                target = expect_not if match.group(1) else expect
                for code in re.split(r"\s*,\s*", match.group(2)):
                    target.add((str(path), number, code))
    return expect, expect_not


def _found(path: Path) -> set[tuple[str, int, str]]:
    result = load_layout(str(path))
    found = set()
    generated = []
    if result.layout is not None:  # G001: the identifier check `build`/`emit` run before writing
        from layoutc.emit.symbols import check_names

        generated = check_names(result.layout, "LAYOUT")
    for diagnostic in [*result.diagnostics, *result.waived, *generated]:
        assert diagnostic.span is not None, f"{diagnostic.code} has no location"
        line, _ = diagnostic.span.start_position()
        found.add((os.path.realpath(diagnostic.span.file.name), line, diagnostic.code))
    return found


def _short(items: set[tuple[str, int, str]]) -> list[str]:
    return sorted(f"{Path(f).name}:{line}: {code}" for f, line, code in items)


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    files = _chain(path)
    expect, expect_not = _expectations(files)
    assert expect or expect_not, f"{path.name} states no expectation"
    found = _found(path)
    if not any(code == "W001" for _, _, code in expect):
        found = {item for item in found if item[2] != "W001"}
    assert not (found & expect_not), f"diagnostics a near miss must not produce: {_short(found & expect_not)}"
    assert _short(found) == _short(expect), (
        f"missing: {_short(expect - found)}; unexpected: {_short(found - expect)}"
    )


def _codes_in(path: Path, kind: str) -> set[str]:
    expect, expect_not = _expectations(_chain(path))
    return {code for _, _, code in (expect if kind == "expect" else expect_not)}


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: f"{r.code}-{r.name}")
def test_every_rule_has_trigger_and_near_miss(rule) -> None:
    if rule.family in NOT_FROM_LAYOUT:
        pytest.skip(NOT_FROM_LAYOUT[rule.family])
    if rule.code in LIMITS_ELSEWHERE:
        pytest.skip("a limit tested at the limit and one past it in tests/test_limits.py")
    triggers = [p for p in _fixtures() if rule.code in _codes_in(p, "expect")]
    near_misses = [p for p in _fixtures() if p.stem.startswith(f"{rule.code}-near-miss")]
    assert triggers, f"no fixture expects {rule.code}"
    assert near_misses, f"no {rule.code}-near-miss*.kl fixture"
    for path in near_misses:
        assert rule.code not in _codes_in(path, "expect"), f"{path.name} is a near miss but expects {rule.code}"
        assert rule.code in _codes_in(path, "expect-not"), (
            f"{path.name}: mark the near misses `// expect-not: {rule.code}`")
