"""Golden DOT files for two small layouts, regenerated only with LAYOUTC_REGEN_GOLDEN=1.

* ``clean.dot`` pins the drawing of a clean layout: the stack order (highest address
  first), addresses at both edges of every box, gaps with their size, the null-page
  hole, `text` nested in `lowmem` with the parts of `lowmem` around it, the
  user/kernel band, kind colours and legend, the log-scale caption line and the
  linear-map arrow from `lowmem` to `ram` labelled `va = pa + 0x40000000`.
* ``overlap.dot`` pins the drawing of a layout with an error: both regions red, the
  overlap mark with its range between them, the finding in the caption, the
  `problem` legend entry, and a hostile title and label escaped.

A human checked both pictures (`dot -Tpng`) when they were written; a change to
them is reviewed in the diff.  The SVG tests (test_draw_svg.py) check with the real
`dot` what text comparison cannot.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from layoutc.draw import dot as draw
from layoutc.session import load_layout

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "dot"


@pytest.mark.parametrize("name", ["clean", "overlap"])
def test_golden_dot(name, monkeypatch):
    monkeypatch.chdir(REPO)  # the caption names files as given: keep them relative
    result = load_layout(f"tests/golden/dot/{name}.kl")
    assert result.layout is not None
    text = draw.diagram(result.layout, result.diagnostics)
    golden = GOLDEN / f"{name}.dot"
    if os.environ.get("LAYOUTC_REGEN_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden} is missing: run with LAYOUTC_REGEN_GOLDEN=1 and review it"
    assert text == golden.read_text(encoding="utf-8"), \
        f"{golden.name} differs: if the change is intended, rerun with LAYOUTC_REGEN_GOLDEN=1 and review the diff"
