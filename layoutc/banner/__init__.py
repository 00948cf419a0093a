"""The kernel's "Virtual kernel memory layout:" boot banner: render, compare, import.

* :func:`render_banner` -- layout -> banner text for its kernel version (render.py,
  one module per architecture: arm.py, arm64.py, x86.py, riscv.py);
* :func:`compare` -- layout vs. a pasted boot log, one diagnostic per differing line
  (compare.py; rule codes in layoutc/rules/fidelity.py);
* :func:`layoutc.banner.infer.infer` -- a boot log -> params and a board overlay.

The package reads only the evaluated model; it never prints.
"""

from __future__ import annotations

from .common import MissingValue
from .compare import compare  # binds the function over the submodule of the same name
from .render import Banner, banner, render_banner


__all__ = ["Banner", "MissingValue", "banner", "compare", "render_banner"]
