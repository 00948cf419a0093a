"""The kernel's "Virtual kernel memory layout:" boot banner: render, compare, import.

* :func:`render_banner` -- layout -> banner text for its kernel version (render.py,
  one module per architecture: arm.py, arm64.py, x86.py, riscv.py);
* :func:`compare` -- layout vs. a pasted boot log, one diagnostic per differing line
  (compare.py; rule codes in layoutc/rules/fidelity.py);
* :func:`layoutc.banner.infer.infer` -- a boot log -> params and a board overlay.

The package reads only the evaluated model; it never prints.
"""

from __future__ import annotations

_LAZY = {
    "MissingValue": ".common",
    "compare": ".comparison",
    "Banner": ".render",
    "banner": ".render",
    "render_banner": ".render",
}


def __getattr__(name: str):
    """Import on first use: the CLI imports this package to list its subcommands on every start."""
    if name not in _LAZY:
        raise AttributeError(name)
    from importlib import import_module

    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


__all__ = ["Banner", "MissingValue", "banner", "compare", "render_banner"]
