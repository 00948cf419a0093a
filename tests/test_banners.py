"""Every collected real boot log (tests/data/banners/*.txt) is reproduced by the shipped layouts.

Each file's header names the layout and the -D params that describe the board and kernel;
the banner rendered from them must match every region line of the log byte for byte
(from the label on).  A line may differ only when the header documents why (`# differs:`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layoutc.banner import compare, render_banner
from layoutc.banner.dmesg import parse
from layoutc.banner.evidence import read_evidence
from layoutc.session import load_layout

ROOT = Path(__file__).resolve().parent.parent
BANNERS = sorted((ROOT / "tests" / "data" / "banners").glob("*.txt"))


def _load(evidence):
    result = load_layout(str(ROOT / evidence.layout), list(evidence.params))
    assert not result.errors, [f"{d.code} {d.message}" for d in result.errors]
    return result.layout


def test_enough_evidence():
    assert len(BANNERS) >= 20, f"only {len(BANNERS)} real boot logs collected"


@pytest.mark.parametrize("path", BANNERS, ids=[p.stem for p in BANNERS])
def test_header_is_complete(path):
    evidence = read_evidence(path.read_text(encoding="utf-8"))
    assert evidence.source, "each log names where it was published"
    assert evidence.layout and evidence.params
    found = parse(evidence.log)
    assert found is not None and len([e for e in found.entries if e.key in ("vmalloc", "lowmem")]) >= 1


@pytest.mark.parametrize("path", BANNERS, ids=[p.stem for p in BANNERS])
def test_region_lines_match(path):
    evidence = read_evidence(path.read_text(encoding="utf-8"))
    layout = _load(evidence)
    problems = []
    for diagnostic in compare(layout, evidence.log, path.name):
        key = diagnostic.message.split("`")[1]
        if key in evidence.differs:
            continue
        problems.append(f"{diagnostic.message}\n    " + "\n    ".join(diagnostic.notes))
    assert not problems, "\n".join(problems) + "\n--- rendered:\n" + render_banner(layout)


@pytest.mark.parametrize("path", [p for p in BANNERS if "# differs:" in p.read_text()],
                         ids=[p.stem for p in BANNERS if "# differs:" in p.read_text()])
def test_documented_differences_are_real(path):
    """A `# differs:` entry must name a line that really differs (no stale excuses)."""
    evidence = read_evidence(path.read_text(encoding="utf-8"))
    keys = {d.message.split("`")[1] for d in compare(_load(evidence), evidence.log, path.name)}
    assert set(evidence.differs) <= keys
