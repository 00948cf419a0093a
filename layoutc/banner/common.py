"""Reading the values a banner needs out of an evaluated layout, and the `Memory:` line.

Every renderer reads the layout only through these helpers, so the mapping from
layout to banner is explicit: a line names the region or constant it comes from
(``Line.source``), and a missing name is a :class:`MissingValue` naming it rather
than a wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.types import Layout, is_known
from ..model.values import Banks, Version

K, M = 1 << 10, 1 << 20


class MissingValue(Exception):
    """The layout lacks a constant, param or region the banner of its architecture needs."""


def version(layout: Layout) -> Version:
    value = layout.value("kernel") if layout.has("kernel") else None
    if not isinstance(value, Version):
        raise MissingValue("param `kernel` (a version) is needed to pick the banner's era")
    return value


def at_least(layout: Layout, *parts: int) -> bool:
    return version(layout) >= Version(parts)


def integer(layout: Layout, name: str, default: int | None = None) -> int:
    value = layout.int_value(name)
    if value is None:
        if default is not None:
            return default
        raise MissingValue(f"constant or param `{name}`")
    return value


def flag(layout: Layout, name: str, default: bool = False) -> bool:
    if not layout.has(name):
        return default
    return bool(layout.value(name))


def choice(layout: Layout, name: str) -> str:
    if not layout.has(name):
        raise MissingValue(f"param `{name}`")
    return str(layout.value(name))


def region(layout: Layout, name: str, space: str = "virtual") -> tuple[int, int] | None:
    """[start, end) of a region that is present, else None."""
    try:
        found = layout.region(space, name)
    except KeyError:
        raise MissingValue(f"region `{space}.{name}`") from None
    if not is_known(found):
        return None
    return found.start, found.end


def banks(layout: Layout, name: str = "ram") -> Banks:
    value = layout.value(name) if layout.has(name) else None
    if not isinstance(value, Banks):
        raise MissingValue(f"param `{name}` (RAM banks)")
    return value


@dataclass(frozen=True, slots=True)
class Image:
    """Sizes of the kernel image's sections (the banner's .text/.init/.data/.bss lines).

    They come from the layout's params of the same name when it declares them, else
    from these defaults -- typical of a distribution kernel of the 4.x era.  They only
    feed the kernel-image lines, which the fidelity tests do not compare.
    """

    text: int = 6 * M
    rodata: int = 2 * M
    init: int = 1 * M
    data: int = 512 * K
    bss: int = 512 * K

    @classmethod
    def of(cls, layout: Layout) -> Image:
        base = cls()
        text = integer(layout, "text_size", base.text)
        return cls(text=text, rodata=integer(layout, "rodata_size", base.rodata),
                   init=integer(layout, "init_size", base.init), data=integer(layout, "data_size", base.data),
                   bss=integer(layout, "bss_size", base.bss))

    @property
    def total(self) -> int:
        return self.text + self.rodata + self.init + self.data + self.bss


def align_up(value: int, align: int) -> int:
    return -(-value // align) * align


def memory_line(ram: Banks, image: Image, highmem_bytes: int | None, era_generic: bool, cma: bool,
                page_struct: int = 32, arm_banks: bool = False, x86_old: bool = False) -> list[str]:
    """The `Memory:` line(s) in the era's format.

    The kernel's reserved/available split depends on every early allocation, which no
    layout describes; the numbers here are an estimate (image + memmap reserved) and
    are never compared with a real log.
    """
    total_k = ram.size >> 10
    memmap_k = (ram.size >> 12) * page_struct >> 10
    reserved_k = (image.total >> 10) + memmap_k
    available_k = max(total_k - reserved_k, 0)
    lines: list[str] = []
    if not era_generic:
        if arm_banks:
            sizes = " ".join(f"{bank.size >> 20}MB" for bank in ram)
            lines.append(f"Memory: {sizes} = {total_k >> 10}MB total")
            lines.append(f"Memory: {available_k}k/{available_k}k available, {reserved_k}k reserved, "
                         f"{(highmem_bytes or 0) >> 10}K highmem")
        elif x86_old:
            lines.append(f"Memory: {available_k}k/{total_k}k available ({image.text >> 10}k kernel code, "
                         f"{reserved_k}k reserved, {(image.data + image.rodata) >> 10}k data, "
                         f"{image.init >> 10}k init, {(highmem_bytes or 0) >> 10}k highmem)")
        return lines
    text = (f"Memory: {available_k}K/{total_k}K available ({image.text >> 10}K kernel code, "
            f"{image.data >> 10}K rwdata, {image.rodata >> 10}K rodata, {image.init >> 10}K init, "
            f"{image.bss >> 10}K bss, {reserved_k}K reserved")
    if cma:
        text += ", 0K cma-reserved"
    if highmem_bytes is not None:
        text += f", {highmem_bytes >> 10}K highmem"
    lines.append(text + ")")
    return lines
