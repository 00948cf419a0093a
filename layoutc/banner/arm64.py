"""The arm64 banner: arch/arm64/mm/init.c mem_init(), v3.7 .. v4.15 (removed in v4.16, 071929dbdd86).

Every line is ``%-11s : 0x%16lx - 0x%16lx   (%6ld <unit>)``; the kernel-image lines print
``%p`` (``0x(____ptrval____)`` from v4.15, when %p is hashed before the RNG is ready).

v3.7 .. v3.17 print seven lines, all sizes in MB but the image's in kB (lowercase):
``vmalloc``, ``vmemmap`` (only the struct pages of RAM, virt_to_page(PAGE_OFFSET) ..
virt_to_page(high_memory) -- the same span as the later "actual" line, without a
"maximum" line), ``modules``, ``memory``, ``.init``, ``.text``, ``.data``.  From v3.18
(layout -> line mapping, layouts/arm64.kl names):

=======================  ==========================================  =====  ==================
line                     source in the layout                        unit   printed when
=======================  ==========================================  =====  ==================
kasan                    region ``kasan_area``                       GB     kasan (v4.4+)
modules                  region ``modules_area``                     MB     always
vmalloc                  region ``vmalloc_area``                     GB     always
vmemmap ... maximum      region ``vmemmap``                          GB     always
(continuation) actual    struct pages of RAM: see :func:`actual`     MB     always
fixed                    region ``fixmap`` (FIXADDR_START..TOP)      KB     always
PCI I/O                  region ``pci_io``                           MB     always
memory                   region ``linear`` up to high_memory         MB     always
.init .text .rodata      ``KERNEL_START`` + the section size params  KB^    always (.rodata
.data .bss                                                                  v4.6+, .bss v4.9+)
=======================  ==========================================  =====  ==================

Region sizes truncate (MLG/MLM/MLK); ^ image sizes round up (MLK_ROUNDUP).  The order
of the lines changed three times:

* v3.7 .. v3.17: vmalloc, vmemmap (actual span), modules, memory, .init, .text, .data;
* v3.18 .. v4.0: vmalloc, vmemmap, PCI I/O, fixed, modules, memory, .init, .text, .data;
* v4.1 .. v4.5: [kasan], vmalloc, vmemmap, fixed, PCI I/O, modules, memory, .init, .text, .data;
* v4.6 .. v4.8 (the image left the linear map): [kasan], modules, vmalloc, .init, .text,
  .rodata, .data, vmemmap, fixed, PCI I/O, memory;
* v4.9 .. v4.15: [kasan], modules, vmalloc, .text, .rodata, .init, .data, .bss, fixed,
  PCI I/O, vmemmap, memory.

The vmemmap "actual" line and the memory line depend on where RAM is (the ``ram`` param):
before v4.6 they cover PAGE_OFFSET (= PHYS_OFFSET, where the kernel was loaded) up to
high_memory, and the struct page array is indexed by the absolute PFN; from v4.6 they
start at ``memblock_start_of_DRAM()`` and the array is biased by ``memstart_addr``
(``vmemmap = VMEMMAP_START - (memstart_addr >> PAGE_SHIFT)``).  high_memory is the end of
the last RAM bank, rounded down to a page, so a hole between banks is inside both lines.
"""

from __future__ import annotations

from ..model.types import Layout
from .common import Image, MissingValue, align_up, at_least, banks, flag, integer, memory_line, region
from .lines import Line, Style

HEADER = "Virtual kernel memory layout:"


def supported(layout: Layout) -> None:
    if at_least(layout, 4, 16):
        raise MissingValue("arm64 stopped printing the banner in v4.16 (commit 071929dbdd86); "
                           "set -D kernel=4.15 or older")
    if not at_least(layout, 3, 7):
        raise MissingValue("arm64 exists from v3.7; set -D kernel=3.7 or newer")


def style(layout: Layout) -> Style:
    return Style(digits=16, size_width=6, label_width=11, ptrval=at_least(layout, 4, 15))


def _ram_span(layout: Layout) -> tuple[int, int]:
    """Physical [memblock_start_of_DRAM(), end of the last page of RAM)."""
    ram = banks(layout)
    page = integer(layout, "PAGE_SIZE")
    return ram.base, ram.end // page * page


def actual(layout: Layout) -> tuple[int, int]:
    """The struct pages of RAM: the banner's "(N MB actual)" vmemmap span."""
    first, last = _ram_span(layout)
    shift = integer(layout, "PAGE_SHIFT")
    size = integer(layout, "STRUCT_PAGE_SIZE")
    vmemmap = region(layout, "vmemmap")
    if vmemmap is None:
        raise MissingValue("region `virtual.vmemmap`")
    base = vmemmap[0]
    memstart = integer(layout, "PHYS_OFFSET")
    if at_least(layout, 4, 6):  # phys_to_page(memblock_start_of_DRAM()) .. virt_to_page(high_memory)
        return base + ((first - memstart) >> shift) * size, base + ((last - memstart) >> shift) * size
    # virt_to_page(PAGE_OFFSET) .. virt_to_page(high_memory), vmemmap indexed by the absolute PFN
    return base + (memstart >> shift) * size, base + (last >> shift) * size


def memory(layout: Layout) -> list[str]:
    ram = banks(layout)
    generic = at_least(layout, 3, 11)  # mm/page_alloc.c mem_init_print_info(); before it ARM's two lines
    return memory_line(ram, Image.of(layout), None if generic else 0, generic, cma=at_least(layout, 4, 1),
                       page_struct=64, arm_banks=not generic)


def _linear(layout: Layout) -> tuple[int, int]:
    """__phys_to_virt(memblock_start_of_DRAM()) (PAGE_OFFSET before v4.6) .. high_memory."""
    span = region(layout, "linear")
    if span is None:
        raise MissingValue("region `virtual.linear`")
    _, last = _ram_span(layout)
    page_offset = integer(layout, "PAGE_OFFSET")
    memstart = integer(layout, "PHYS_OFFSET")
    end = min(page_offset + (last - memstart), span[1])
    start = span[0] if at_least(layout, 4, 6) else page_offset
    return start, end


def lines(layout: Layout) -> tuple[Line, ...]:
    regions: dict[str, Line] = {}

    def add(key: str, span, unit: str, source: str, note: str = "") -> None:
        if span is not None:
            label = "" if key == "vmemmap actual" else "    " + key
            regions[key] = Line(key, label, span[0], span[1], unit, True, note=note, source=source)

    if not at_least(layout, 3, 18):  # v3.7 .. v3.17: seven lines, vmemmap = the struct pages of RAM
        add("vmalloc", region(layout, "vmalloc_area"), "MB", "region vmalloc_area")
        add("vmemmap", actual(layout), "MB", "struct pages of RAM: region vmemmap's start, param ram, PHYS_OFFSET, "
            "STRUCT_PAGE_SIZE")
        add("modules", region(layout, "modules_area"), "MB", "region modules_area")
        add("memory", _linear(layout), "MB", "region linear: PAGE_OFFSET .. high_memory")
        image = {line.key: line for line in image_lines(layout)}
        return tuple([regions[k] for k in ("vmalloc", "vmemmap", "modules", "memory")]
                     + [image[k] for k in (".init", ".text", ".data")])
    if flag(layout, "kasan"):
        add("kasan", region(layout, "kasan_area"), "GB", "region kasan_area (KASAN_SHADOW_START..END)")
    add("modules", region(layout, "modules_area"), "MB", "region modules_area")
    add("vmalloc", region(layout, "vmalloc_area"), "GB", "region vmalloc_area")
    add("vmemmap", region(layout, "vmemmap"), "GB", "region vmemmap (VMEMMAP_START..+VMEMMAP_SIZE)", "maximum")
    add("vmemmap actual", actual(layout), "MB", "struct pages of RAM: param ram, PHYS_OFFSET, STRUCT_PAGE_SIZE",
        "actual")
    add("fixed", region(layout, "fixmap"), "KB", "region fixmap (FIXADDR_START..FIXADDR_TOP)")
    add("PCI I/O", region(layout, "pci_io"), "MB", "region pci_io")
    add("memory", _linear(layout), "MB", "region linear: RAM start .. high_memory")
    image = {line.key: line for line in image_lines(layout)}

    def pick(*keys: str) -> list[Line]:
        return [table[key] for key in keys for table in (regions, image) if key in table]

    kasan = ["kasan"]
    if not at_least(layout, 4, 1):
        order = pick("vmalloc", "vmemmap", "vmemmap actual", "PCI I/O", "fixed", "modules", "memory",
                     ".init", ".text", ".data")
    elif not at_least(layout, 4, 6):
        order = pick(*kasan, "vmalloc", "vmemmap", "vmemmap actual", "fixed", "PCI I/O", "modules", "memory",
                     ".init", ".text", ".data")
    elif not at_least(layout, 4, 9):
        order = pick(*kasan, "modules", "vmalloc", ".init", ".text", ".rodata", ".data", "vmemmap",
                     "vmemmap actual", "fixed", "PCI I/O", "memory")
    else:
        order = pick(*kasan, "modules", "vmalloc", ".text", ".rodata", ".init", ".data", ".bss", "fixed",
                     "PCI I/O", "vmemmap", "vmemmap actual", "memory")
    return tuple(order)


def image_lines(layout: Layout) -> list[Line]:
    """The kernel image's sections, in address order: .text, .rodata, .init, .data, .bss.

    Before v4.6 the image sits in the linear map (.init follows .text and rodata; .data
    is 64 KiB aligned); from v4.6 it is at KIMAGE_VADDR + TEXT_OFFSET inside vmalloc,
    sections 64 KiB aligned (SEGMENT_ALIGN).
    """
    image = Image.of(layout)
    start = integer(layout, "KERNEL_START")
    source = "image: KERNEL_START and the section size params (text_size, rodata_size, ...)"
    align = 64 * 1024
    unit = "KB" if at_least(layout, 3, 18) else "kB"

    def line(key: str, begin: int, size: int) -> Line:
        return Line(key, key.rjust(11), begin, begin + size, unit, False, roundup=True, source=source)

    if not at_least(layout, 4, 6):
        text = line(".text", start, image.text + image.rodata)  # _text.._etext includes rodata
        init = line(".init", align_up(text.end, align), image.init)
        data = line(".data", align_up(init.end, align), image.data)
        return [text, init, data]
    text = line(".text", start, image.text)
    rodata = line(".rodata", text.end, image.rodata)
    init = line(".init", align_up(rodata.end, align), image.init)
    data = line(".data", align_up(init.end, align), image.data)
    out = [text, rodata, init, data]
    if at_least(layout, 4, 9):
        out.append(line(".bss", data.end, image.bss))
    return out
