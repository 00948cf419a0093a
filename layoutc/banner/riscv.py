"""The riscv64 banner: arch/riscv/mm/init.c print_vm_layout() (CONFIG_DEBUG_VM), still printed.

Layout -> line mapping (layouts/riscv64.kl names):

=======  ================================================  ===========================
line     source in the layout                              printed when
=======  ================================================  ===========================
fixmap   region ``fixmap`` (FIXADDR_START..FIXADDR_TOP)    always
pci io   region ``pci_io``                                 always
vmemmap  region ``vmemmap`` (end inclusive < 5.17)         always
vmalloc  region ``vmalloc_area`` (end inclusive < 5.17)    always
modules  region ``modules_area``                           kernel >= 6.1
lowmem   region ``lowmem`` (PAGE_OFFSET..high_memory)      always
kasan    region ``kasan_area``                             kasan (v6.1+ only)
kernel   ``KERNEL_LINK_ADDR`` .. ADDRESS_SPACE_END (incl.)  kernel >= 5.13
=======  ================================================  ===========================

Format ``%12s : 0x%08lx - 0x%08lx   (%4ld <unit>)``.  Units: before v6.1 kB for the
fixmap and MB for everything else; from v6.1 ``print_ml()`` picks TB if the size is
>= 10 TB, GB if >= 10 GB, MB if >= 10 MB, else kB.  Before v5.17 VMEMMAP_END and
VMALLOC_END were inclusive (``VMALLOC_START - 1``, ``PAGE_OFFSET - 1``), which is why
old logs say ``(65535 MB)``.  The ``Memory:`` line comes before the layout up to v5.12
and after it from v5.13 (print_vm_layout() moved into setup_vm_final()).
"""

from __future__ import annotations

from ..model.types import Layout
from .common import Image, MissingValue, at_least, banks, flag, integer, memory_line, region
from .lines import SHIFT, Line, Style

HEADER = "Virtual kernel memory layout:"


def style(layout: Layout) -> Style:
    return Style(digits=16, size_width=4, label_width=12)


def memory_after(layout: Layout) -> bool:
    return at_least(layout, 5, 13)


def _auto_unit(size: int) -> str:
    for unit in ("TB", "GB", "MB"):
        if size >> SHIFT[unit] >= 10:
            return unit
    return "kB"


def lines(layout: Layout) -> tuple[Line, ...]:
    auto = at_least(layout, 6, 1)
    inclusive = not at_least(layout, 5, 17)
    out: list[Line] = []

    def add(key: str, span, fixed_unit: str, source: str, last_inclusive: bool = False) -> None:
        if span is None:
            return
        start, end = span
        if last_inclusive:
            end -= 1
        unit = _auto_unit(end - start) if auto else fixed_unit
        out.append(Line(key, key.rjust(12), start, end, unit, True, source=source))

    add("fixmap", region(layout, "fixmap"), "kB", "region fixmap")
    add("pci io", region(layout, "pci_io"), "MB", "region pci_io")
    add("vmemmap", region(layout, "vmemmap"), "MB", "region vmemmap", inclusive)
    add("vmalloc", region(layout, "vmalloc_area"), "MB", "region vmalloc_area", inclusive)
    if at_least(layout, 6, 1):
        add("modules", region(layout, "modules_area"), "MB", "region modules_area")
    add("lowmem", region(layout, "lowmem"), "MB", "region lowmem")
    if at_least(layout, 6, 1) and flag(layout, "kasan"):
        add("kasan", region(layout, "kasan_area"), "MB", "region kasan_area")
    if at_least(layout, 5, 13):
        add("kernel", region(layout, "kernel_window"), "MB", "KERNEL_LINK_ADDR..ADDRESS_SPACE_END", True)
    return tuple(out)


def memory(layout: Layout) -> list[str]:
    image = Image.of(layout)
    size = integer(layout, "image_size", image.total)
    image = Image(text=size // 2, rodata=size // 4, init=size // 8, data=size // 16, bss=size - size // 2 - size // 4 - size // 8 - size // 16)
    return memory_line(banks(layout), image, None, True, cma=True, page_struct=64)


def supported(layout: Layout) -> None:
    if not layout.has("mode"):
        raise MissingValue("param `mode` (sv39/sv48/sv57)")
