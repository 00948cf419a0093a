"""Code actions of `layoutc lsp` (layoutc/lsp/fixes.py): each help text that is an edit, applied.

A fix is proven by the checker itself: the layout is checked, the edit the help text
became is applied to the text, and the same diagnostic must be gone from the re-check
(with nothing new at error severity).  Help texts that only explain get no edit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layoutc.diagnostics import Severity
from layoutc.lsp import document
from layoutc.lsp.fixes import Fix, fixes
from layoutc.lsp.index import norm

HEADER = "layout t { bits = 32; page_size = 4K }\n"


def check(tmp_path: Path, text: str) -> document.Checked:
    path = tmp_path / "t.kl"
    return document.check(str(path), {norm(str(path)): text})


def apply(text: str, fix: Fix) -> str:
    for span, new in sorted(fix.edits, key=lambda edit: edit[0].start, reverse=True):
        text = text[: span.start] + new + text[span.end:]
    return text


def fixed_by(tmp_path: Path, text: str, code: str, title_part: str) -> tuple[str, document.Checked]:
    checked = check(tmp_path, text)
    found = [d for d in checked.result.diagnostics if d.code == code]
    assert found, [d.code for d in checked.result.diagnostics]
    offered = [f for f in fixes(found[0], checked.index, checked.layout) if title_part in f.title]
    assert len(offered) == 1, [f.title for f in fixes(found[0], checked.index, checked.layout)]
    new = apply(text, offered[0])
    again = check(tmp_path, new)
    assert code not in [d.code for d in again.result.diagnostics], new
    assert not [d for d in again.result.diagnostics if d.severity is Severity.ERROR], new
    return new, again


def test_did_you_mean_replaces_the_name(tmp_path: Path) -> None:
    text = HEADER + "const A = 4K\nconst B = AA + 1\nassert B > 0 : \"b\"\n"
    new, _ = fixed_by(tmp_path, text, "N101", "with `A`")
    assert "const B = A + 1" in new


def test_did_you_mean_replaces_a_region_kind(tmp_path: Path) -> None:
    text = HEADER + "space virtual bits 32 {\n    region r [0, +4K) { kind = linaer }\n}\n"
    new, _ = fixed_by(tmp_path, text, "W002", "`linear`")
    assert "kind = linear" in new


def test_did_you_mean_replaces_only_the_region_of_a_dotted_maps(tmp_path: Path) -> None:
    text = HEADER + ("space physical bits 32 { region ram [0, +16M) { kind = ram } }\n"
                     "space virtual bits 32 { region lin [0xC000_0000, +16M) { kind = linear; maps = physical.rma } }\n")
    new, _ = fixed_by(tmp_path, text, "N101", "with `ram`")
    assert "maps = physical.ram" in new


# the later region `b` overlaps `a`; its body in each of the forms a region can have
@pytest.mark.parametrize("body", ["", " { kind = io }", " {\n        kind = io\n    }", " { }"],
                         ids=["no-body", "inline", "lines", "empty"])
def test_overlap_declared_in_the_later_region(tmp_path: Path, body: str) -> None:
    text = HEADER + f"space virtual bits 32 {{\n    region a [0, 0x3000)\n    region b [0x2000, 0x4000){body}\n}}\n"
    new, _ = fixed_by(tmp_path, text, "O401", 'overlaps a "why"')
    assert new.count('overlaps a "why"') == 1


def test_overlap_moves_the_start_of_the_later_region(tmp_path: Path) -> None:
    text = HEADER + "space virtual bits 32 {\n    region a [0, 0x3000)\n    region b [0x2000, 0x4000)\n}\n"
    new, again = fixed_by(tmp_path, text, "O401", "Start `b` at")
    assert again.layout is not None and again.layout.region("virtual", "b").start == 0x3000


def test_overlap_moves_the_end_of_a_region_given_by_size(tmp_path: Path) -> None:
    # b starts below a: the help ends b at a's start; b's range is [START, +SIZE), so the size changes
    text = HEADER + "space virtual bits 32 {\n    region a [0x2000, 0x5000)\n    region b [0x1000, +0x2000)\n}\n"
    new, again = fixed_by(tmp_path, text, "O401", "End `b` at")
    assert "[0x1000, +0x1000)" in new
    assert again.layout is not None and again.layout.region("virtual", "b").end == 0x2000


def test_nearest_aligned_address_replaces_a_literal(tmp_path: Path) -> None:
    text = HEADER + "space virtual bits 32 {\n    region vectors [0xFFFF_0800, +4K)\n}\n"
    checked = check(tmp_path, text)
    (misaligned,) = [d for d in checked.result.diagnostics if d.code == "A501"]
    offered = fixes(misaligned, checked.index, checked.layout)
    assert [f.title for f in offered] == ["Replace `0xFFFF_0800` with 0xffff0000", "Replace `0xFFFF_0800` with 0xffff1000"]
    for fix in offered:
        assert "A501" not in [d.code for d in check(tmp_path, apply(text, fix)).result.diagnostics]


def test_no_address_replaces_the_size_of_a_range(tmp_path: Path) -> None:
    text = HEADER + "space virtual bits 32 {\n    region r [0x1000, +0x800)\n}\n"
    checked = check(tmp_path, text)
    (misaligned,) = [d for d in checked.result.diagnostics if d.code == "A501"]
    assert misaligned.help and "nearest aligned addresses" in misaligned.help
    assert fixes(misaligned, checked.index, checked.layout) == []


def test_a_help_that_explains_gets_no_edit(tmp_path: Path) -> None:
    text = HEADER + "space virtual bits 32 {\n    region r [0x1000, 0x1000)\n}\n"
    checked = check(tmp_path, text)
    assert checked.result.diagnostics
    assert all(d.help for d in checked.result.diagnostics)
    assert [f for d in checked.result.diagnostics for f in fixes(d, checked.index, checked.layout)] == []
