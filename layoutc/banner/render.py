"""render_banner(layout) -> the kernel's boot-time memory-layout banner, as text.

Dispatches on the layout's ``arch`` header to the architecture's module, each of
which documents its layout -> line table.  Pure: no I/O, no printing.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from ..model.types import Layout
from .common import MissingValue
from .lines import Line, Style, format_line


@dataclass(frozen=True, slots=True)
class Banner:
    """A rendered banner: the `Memory:` line(s), the header and the lines, in print order."""

    arch: str
    memory: tuple[str, ...]
    header: str
    lines: tuple[Line, ...]
    style: Style
    memory_after: bool = False  # riscv from v5.13 prints `Memory:` after the layout

    def text_of(self, line: Line) -> str:
        return format_line(line, self.style)

    def text(self) -> str:
        body = [self.header] + [self.text_of(line) for line in self.lines]
        rows = body + list(self.memory) if self.memory_after else list(self.memory) + body
        return "\n".join(rows) + "\n"


# the `arch` header -> the module of this package that renders its banner
_MODULES = {"arm": "arm", "arm64": "arm64", "x86": "x86", "i386": "x86", "x86_32": "x86", "riscv64": "riscv"}


def _module(arch: str) -> ModuleType:
    name = _MODULES.get(arch)
    if name is None:
        raise MissingValue(f"no banner for architecture `{arch}` (the kernel printed one on arm, arm64, x86 and riscv64)")
    return importlib.import_module(f".{name}", __package__)


def banner(layout: Layout) -> Banner:
    """The banner of the layout's kernel version and configuration."""
    module = _module(layout.arch)
    if hasattr(module, "supported"):
        module.supported(layout)
    return Banner(layout.arch, tuple(module.memory(layout)), module.header(layout) if hasattr(module, "header") else module.HEADER,
                  module.lines(layout), module.style(layout), getattr(module, "memory_after", lambda _l: False)(layout))


def render_banner(layout: Layout) -> str:
    """The banner text, exactly as the selected kernel version printed it (no log prefixes)."""
    return banner(layout).text()
