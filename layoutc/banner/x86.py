"""The x86 (32-bit) banner: arch/x86/mm/init_32.c mem_init(), v2.6.2x .. v5.6.

Layout -> line mapping (layouts/x86.kl names):

==========  =========================================  =====  =====================
line        source in the layout                       unit   printed when
==========  =========================================  =====  =====================
fixmap      region ``fixmap`` (FIXADDR_START..TOP)     kB     always
cpu_entry   region ``cpu_entry``                       kB     kernel >= 4.15
pkmap       region ``pkmap``                           kB     highmem
vmalloc     region ``vmalloc_area``                    MB     always
lowmem      region ``lowmem`` (__va(0)..high_memory)   MB     always
.init       after the image's .data                    kB     always
.data       ``_etext`` .. ``_edata``                   kB     always
.text       ``KERNEL_START`` .. ``_etext``             kB     always
==========  =========================================  =====  =====================

Every size truncates (``>> 10`` / ``>> 20``), the image lines too; addresses are
``%08lx`` of unsigned longs, so they are never hashed.  Lower-case header.  The
``Memory:`` line before it is x86's own format up to v3.10, the generic one after.
"""

from __future__ import annotations

from ..model.types import Layout
from .common import Image, MissingValue, align_up, at_least, banks, flag, integer, memory_line, region
from .lines import Line, Style

HEADER = "virtual kernel memory layout:"


def supported(layout: Layout) -> None:
    if not at_least(layout, 2, 6, 20):
        # x86.kl accepts v2.6.16 (VMSPLIT_*), but no real banner older than the 2.6.2x logs was compared
        raise MissingValue("the x86-32 banner is modelled from v2.6.20 (set -D kernel=2.6.20 or newer)")
    if at_least(layout, 5, 7):
        raise MissingValue("x86-32 stopped printing the banner in v5.7 (set -D kernel=5.6 or older)")


def style(layout: Layout) -> Style:
    return Style(digits=8, size_width=4)


def lines(layout: Layout) -> tuple[Line, ...]:
    out: list[Line] = []

    def add(key: str, label: str, span, unit: str, source: str) -> None:
        if span is not None:
            out.append(Line(key, label, span[0], span[1], unit, True, source=source))

    add("fixmap", "    fixmap", region(layout, "fixmap"), "kB", "region fixmap")
    if at_least(layout, 4, 15):
        add("cpu_entry", "  cpu_entry", region(layout, "cpu_entry"), "kB", "region cpu_entry")
    add("pkmap", "    pkmap", region(layout, "pkmap"), "kB", "region pkmap")
    add("vmalloc", "    vmalloc", region(layout, "vmalloc_area"), "MB", "region vmalloc_area")
    add("lowmem", "    lowmem", region(layout, "lowmem"), "MB", "region lowmem")
    image = Image.of(layout)
    text_start = integer(layout, "KERNEL_START")
    text_end = text_start + image.text
    data_end = text_end + image.rodata + image.data
    init_start = align_up(data_end, 4096)
    source = "image: KERNEL_START and the section size params"
    out.append(Line(".init", "      .init", init_start, init_start + image.init, "kB", False, source=source))
    out.append(Line(".data", "      .data", text_end, data_end, "kB", False, source=source))
    out.append(Line(".text", "      .text", text_start, text_end, "kB", False, source=source))
    return tuple(out)


def memory(layout: Layout) -> list[str]:
    ram = banks(layout)
    highmem = None
    if flag(layout, "highmem"):
        highmem = max(0, ram.end - integer(layout, "MAX_LOW"))
    generic = at_least(layout, 3, 11)
    if not generic and highmem is None:
        highmem = 0
    return memory_line(ram, Image.of(layout), highmem, generic, cma=at_least(layout, 4, 1), x86_old=True)
