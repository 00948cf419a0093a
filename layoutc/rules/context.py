"""What a model rule sees: the layout, its architecture, and a few derived views."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ..arch.spec import ArchSpec, arch_of
from ..diagnostics import Diagnostic
from ..model.types import Layout, Region, Space, is_known

if TYPE_CHECKING:
    from ..model.types import KnownRegion
from ..model.values import format_address, format_size


class Context:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.arch: ArchSpec | None = arch_of(layout)

    def regions(self, space: Space) -> list[KnownRegion]:
        """Present regions whose bounds evaluated, in source order."""
        return [region for region in space.regions if is_known(region)]

    @cached_property
    def virtual(self) -> Space | None:
        return self.layout.spaces.get("virtual")

    @cached_property
    def by_name(self) -> dict[tuple[str, str], Region]:
        return {(r.space, r.name): r for r in self.layout.regions()}

    def const(self, name: str) -> int | None:
        return self.layout.int_value(name)

    def addr(self, value: int, space: Space | None = None) -> str:
        bits = space.bits if space is not None else self.layout.bits
        return format_address(value, bits)

    def range(self, start: int, end: int, space: Space | None = None) -> str:
        return f"[{self.addr(start, space)}, {self.addr(end, space)})"

    @staticmethod
    def size(value: int) -> str:
        return format_size(value)

    def describe(self, region: KnownRegion) -> str:
        space = self.layout.spaces.get(region.space)
        return f"`{region.name}` {self.range(region.start, region.end, space)} ({self.size(region.size)})"

    def declared_order(self, region: Region) -> tuple[int, int]:
        """Where a region was declared: files base first, then position in the file."""
        order = self._file_order
        return (order.get(region.span.file.name, len(self.layout.files)), region.span.start)

    @cached_property
    def _file_order(self) -> dict[str, int]:
        """Each file's place in the layout's, by name (the first, for a name given twice)."""
        order: dict[str, int] = {}
        for index, file in enumerate(self.layout.files):
            order.setdefault(file.name, index)
        return order

    def provenance(self, *names: str) -> tuple[str, ...]:
        """Notes saying where well-known values came from: the constant, then the params it reads."""
        from .asserts import provenance

        notes: list[str] = []
        seen: set[str] = set()
        for name in names:
            if not self.layout.has(name) or name in seen:
                continue
            seen.add(name)
            notes.append(provenance(self.layout, name))
            const = self.layout.consts.get(name)
            for dep in const.inputs if const is not None else ():
                if dep in self.layout.params and dep not in seen:
                    seen.add(dep)
                    notes.append(provenance(self.layout, dep))
        return tuple(notes)

    @staticmethod
    def diag(code: str, message: str, span, **extra) -> Diagnostic:
        return Diagnostic(code, message, span, **extra)
