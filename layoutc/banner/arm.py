"""The ARM (32-bit) banner: arch/arm/mm/init.c mem_init(), v2.6.35 .. v5.0.

Layout -> line mapping (layouts/arm32.kl names):

========  ==================================  =====  ===================================
line      source in the layout                unit   printed when
========  ==================================  =====  ===================================
vector    region ``vectors``                  kB     always
DTCM      region ``dtcm_area``                kB     it is present (dtcm_size > 0)
ITCM      region ``itcm_area``                kB     it is present (itcm_size > 0)
fixmap    region ``fixmap`` (START..TOP <3.19, kB     always
          START..END from 3.19 -- the
          region already follows the era)
DMA       region ``consistent_dma``           MB     kernel < 3.3
vmalloc   region ``vmalloc_area``             MB     always
lowmem    region ``lowmem``                   MB     always
pkmap     region ``pkmap``                    MB     highmem
modules   ``MODULES_VADDR``..``MODULES_END``  MB     kernel < 3.4, or modules (CONFIG_MODULES)
.text     ``KERNEL_START`` + text_size        kB^    always
.init     after .text (before it < 3.3)       kB^    always
.data     after .init                         kB^    always
.bss      after .data                         kB^    kernel >= 3.0
========  ==================================  =====  ===================================

Region sizes truncate (MLK/MLM); ^ image sizes round up (MLK_ROUNDUP).  From v4.15
the image lines print ``0x(ptrval)`` (hashed %p before the RNG is ready).  The
header is KERN_NOTICE ``Virtual kernel memory layout:``; the ``Memory:`` line(s)
before it use the ARM format up to v3.10 and mm/page_alloc.c's from v3.11.
"""

from __future__ import annotations

from ..model.types import Layout
from .common import Image, align_up, at_least, banks, flag, integer, memory_line, region
from .lines import Line, Style

HEADER = "Virtual kernel memory layout:"


def style(layout: Layout) -> Style:
    return Style(digits=8, size_width=4, ptrval=at_least(layout, 4, 15))


def _region_line(key: str, span: tuple[int, int] | None, unit: str, source: str) -> list[Line]:
    if span is None:
        return []
    return [Line(key, "    " + key, span[0], span[1], unit, True, source=source)]


def lines(layout: Layout) -> tuple[Line, ...]:
    out: list[Line] = []
    out += _region_line("vector", region(layout, "vectors"), "kB", "region vectors")
    out += _region_line("DTCM", region(layout, "dtcm_area"), "kB", "region dtcm_area")
    out += _region_line("ITCM", region(layout, "itcm_area"), "kB", "region itcm_area")
    out += _region_line("fixmap", region(layout, "fixmap"), "kB", "region fixmap")
    if not at_least(layout, 3, 3):
        out += _region_line("DMA", region(layout, "consistent_dma"), "MB", "region consistent_dma")
    out += _region_line("vmalloc", region(layout, "vmalloc_area"), "MB", "region vmalloc_area")
    out += _region_line("lowmem", region(layout, "lowmem"), "MB", "region lowmem")
    out += _region_line("pkmap", region(layout, "pkmap"), "MB", "region pkmap")
    if flag(layout, "modules", True) or not at_least(layout, 3, 4):
        span = (integer(layout, "MODULES_VADDR"), integer(layout, "MODULES_END"))
        out += _region_line("modules", span, "MB", "MODULES_VADDR..MODULES_END")
    out += image_lines(layout)
    return tuple(out)


def image_lines(layout: Layout) -> list[Line]:
    image = Image.of(layout)
    start = integer(layout, "KERNEL_START")

    def line(key: str, begin: int, size: int) -> Line:
        return Line(key, key.rjust(11), begin, begin + size, "kB", False, roundup=True,
                    source=f"image: {key} after the previous section, size param {key[1:]}_size")

    if not at_least(layout, 3, 3):  # v2.6.35 .. v3.0: .init first, then .text
        init = line(".init", start, image.init)
        text = line(".text", align_up(init.end, 4096), image.text)
        data = line(".data", align_up(text.end + image.rodata, 8192), image.data)
        ordered = [init, text, data]
    else:
        text = line(".text", start, image.text)
        init = line(".init", align_up(text.end + image.rodata, 4096), image.init)
        data = line(".data", align_up(init.end, 8192), image.data)
        ordered = [text, init, data]
    if at_least(layout, 3, 0):
        ordered.append(line(".bss", data.end, image.bss))
    return ordered


def memory(layout: Layout) -> list[str]:
    ram = banks(layout)
    highmem = None
    if flag(layout, "highmem"):
        low_end = integer(layout, "LOWMEM_LIMIT")
        highmem = sum(max(0, bank.end - max(bank.base, low_end)) for bank in ram)
    generic = at_least(layout, 3, 11)
    if not generic and highmem is None:
        highmem = 0
    return memory_line(ram, Image.of(layout), highmem, generic, cma=at_least(layout, 4, 1), arm_banks=True)


def supported(layout: Layout) -> None:
    from .common import MissingValue

    if at_least(layout, 5, 1):
        raise MissingValue("ARM stopped printing the banner in v5.1 (commit 1c31d4e96b8c); set -D kernel=5.0 or older")
