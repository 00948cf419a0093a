"""Boot: turn an evaluated Layout into a running Machine (setup_arch .. mem_init).

Reads only the model:
  * RAM banks      -- the ``ram`` banks param, else the physical regions of kind ``ram``;
  * lowmem         -- the virtual region of kind ``linear`` and the physical region it ``maps``;
  * HighMem        -- RAM above lowmem on a 32-bit layout whose ``highmem`` param is not false;
  * kernel image   -- virtual regions of kind ``image``; windows from kinds vmalloc/pkmap/fixmap/modules;
  * ptdump markers -- the top-level virtual regions.
Order of work follows Linux: memblock (reserve the image and early page tables) ->
paging_init (the linear map in the real table format) -> zones -> memblock_free_all
into the buddy -> watermarks and per-CPU lists -> slab, vmalloc, kmap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model.types import Layout, is_known
from ..model.values import Banks, Version
from .archfacts import max_order as arch_max_order
from .archfacts import sim_arch
from .buddy import PageAllocator, Zone, setup_pcp, setup_watermarks
from .errors import SimError
from .gfp import ZONE_HIGHMEM, ZONE_NORMAL
from .machine import LinearMap, Machine, Window
from .physmem import Memblock, zone_spans

if TYPE_CHECKING:
    from .vmalloc import VmallocSpace

MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class BootOptions:
    min_free_kbytes: int | None = None  # None: calculate_min_free_kbytes()
    build_page_tables: bool = True
    late_init: bool = True  # slab, vmalloc, kmap (off: a bare page allocator)


class BootError(Exception):
    """The layout lacks what a boot needs (no RAM, no linear map): a message for the user."""


def _banks(layout: Layout) -> list[tuple[int, int]]:
    ram = layout.value("ram") if layout.has("ram") else None
    if isinstance(ram, Banks):
        return [(b.base, b.end) for b in ram if b.size > 0]
    physical = layout.spaces.get("physical")
    if physical is None:
        return []
    return [(r.start, r.end) for r in physical.regions if is_known(r) and r.kind == "ram" and r.depth == 0]


def _linear(layout: Layout) -> LinearMap:
    for region in layout.spaces["virtual"].regions if "virtual" in layout.spaces else ():
        if is_known(region) and region.kind == "linear" and region.maps:
            space, name = region.maps[0], region.maps[-1]
            try:
                target = layout.region(space, name)
            except KeyError:
                continue
            if is_known(target):
                return LinearMap(region.start, target.start, min(region.size, target.size))
    raise BootError("no virtual region of kind `linear` with `maps = physical.REGION`: nothing to build lowmem from")


def _image(layout: Layout, linear: LinearMap, ram_start: int) -> tuple[int, int, int] | None:
    for region in layout.spaces["virtual"].regions:
        if not (is_known(region) and region.kind == "image"):
            continue
        if linear.va_start <= region.start < linear.va_end:
            return region.start, linear.pa(region.start), region.size
        kernel_map = layout.int_value("START_KERNEL_MAP")
        if kernel_map is not None and region.start >= kernel_map:  # x86_64: __START_KERNEL_map -> pa 0
            return region.start, region.start - kernel_map, region.size
        # arm64: the image lives in the vmalloc area; bootloaders load it 2 MiB into RAM
        return region.start, ram_start + 2 * MiB, region.size
    return None


def _highmem_enabled(layout: Layout) -> bool:
    if layout.bits != 32:
        return False
    return not (layout.has("highmem") and layout.value("highmem") is False)


def boot(layout: Layout, options: BootOptions = BootOptions()) -> Machine:
    m = Machine()
    m.layout = layout
    m.arch = layout.arch
    m.mmu_format = layout.mmu
    kernel = layout.value("kernel") if layout.has("kernel") else None
    m.sim = sim_arch(layout.arch, layout.mmu, kernel if isinstance(kernel, Version) else None)
    m.page_size = layout.page_size
    m.page_shift = layout.page_size.bit_length() - 1
    m.va_bits = layout.va_bits or layout.bits
    m.max_order = arch_max_order(layout.page_size, layout.arch)
    page = m.page_size

    m.banks = _banks(layout)
    if not m.banks:
        raise BootError("no RAM: give a `ram` banks param or physical regions of kind `ram`")
    from ..limits import MAX_SIM_RAM
    from ..model.values import format_size

    total = sum(end - start for start, end in m.banks)
    if total > MAX_SIM_RAM:  # -D ram=64T filled the memory of the machine running the simulation
        raise BootError(f"the simulator models at most {format_size(MAX_SIM_RAM)} of RAM, and the layout has "
                        f"{format_size(total)}: give a smaller `ram` with -D")
    ram_start, ram_end = min(s for s, _ in m.banks), max(e for _, e in m.banks)
    m.linear = _linear(layout)
    m.lowmem_end = min(m.linear.pa_end, ram_end)
    highmem = _highmem_enabled(layout)
    m.high_memory = m.linear.va(m.lowmem_end - 1) + 1
    memblock = m.memblock = Memblock(m.banks, current_limit=m.lowmem_end)

    # ---- memblock reservations (arm_memblock_init / setup_arch)
    m.kernel_image = _image(layout, m.linear, ram_start)
    if m.kernel_image is not None:
        from ..banner.common import Image

        _va, pa, size = m.kernel_image
        # memblock_reserve(_text .. _end): every section the `Memory:` line lists, not only .text
        size = max(size, Image.of(layout).total)
        memblock.reserve(pa, (size + page - 1) & ~(page - 1), "kernel image")
    if layout.arch == "x86_64":
        memblock.reserve(ram_start, min(MiB, ram_end - ram_start), "first 1 MiB (real mode, BIOS)")

    # ---- windows and ptdump markers
    for region in layout.spaces["virtual"].regions:
        windowed = region.kind in ("vmalloc", "pkmap", "fixmap", "modules") and region.kind not in m.windows
        if is_known(region) and windowed:
            m.windows[region.kind] = Window(region.label or region.name, region.start, region.end)
        if is_known(region) and region.depth == 0 and region.kind != "user":
            m.markers.append((region.start, region.end, region.label or region.name))
    m.markers.sort()

    # ---- paging_init: the linear map in the architecture's table format
    if options.build_page_tables:
        from .pagetable import build_kernel_tables

        build_kernel_tables(m)

    # ---- the memory map: one struct page per present page frame, from memblock (free_area_init)
    struct_page = 32 if layout.bits == 32 else 64  # sizeof(struct page) without debug options
    memmap = (sum(e - s for s, e in m.banks) >> m.page_shift) * struct_page
    memblock.alloc((memmap + page - 1) & ~(page - 1), page, "mem_map")

    # ---- zones and the buddy allocator (free_area_init, memblock_free_all)
    spans = zone_spans(memblock.memory, m.lowmem_end, highmem, m.sim.zone_limits, ZONE_NORMAL, ZONE_HIGHMEM)
    if not highmem and ram_end > m.lowmem_end:
        m.ignored_ram = memblock.present_in(m.lowmem_end, ram_end)
        memblock.reserve(m.lowmem_end, ram_end - m.lowmem_end, "RAM above lowmem (no HighMem)")
    shift = m.page_shift
    zones = []
    free = memblock.free_ranges()
    for span in spans:
        zone = Zone(span.index, span.start >> shift, -(-span.end >> shift), m.max_order)
        zone.present_pages = memblock.present_in(span.start, span.end) >> shift
        for start, end in free:
            lo, hi = max(start, span.start), min(end, span.end)
            lo_pfn, hi_pfn = -(-lo >> shift), hi >> shift
            if hi_pfn > lo_pfn:
                zone.managed_pages += zone.seed(lo_pfn, hi_pfn)
        zones.append(zone)
    m.zones = zones
    m.buddy = PageAllocator([next((z for z in zones if z.index == i), None) for i in range(4)], m.max_order)
    m.buddy.reclaim = m.reclaim
    populated = [z for z in zones if z.managed_pages]
    if not populated:
        raise BootError("no free RAM left for the page allocator after the boot reservations")
    from .report import era

    version = era(m).version  # the watermark and per-CPU list formulas of the layout's kernel
    m.min_free_kbytes = setup_watermarks(populated, shift, options.min_free_kbytes, version)
    for zone in populated:
        setup_pcp(zone, page, version)
    m.buddy.retune()  # the fast path's limits follow the watermarks just set
    if m.pagetable is not None:
        from .mmu import Mmu
        from .pagetable import runtime_allocator
        from .tlb import Tlb

        m.pagetable.alloc = runtime_allocator(m)
        ttbr0_end = getattr(m.pagetable, "kernel_ttbr0_end", None) if m.mmu_format == "arm_lpae" else None
        m.mmu = Mmu(m.pagetable, Tlb(m.sim.tlb), m.sim.pan, m.sim.pan_name, pan_by_domain=m.mmu_format == "arm_short",
                    pan_ttbr0_end=ttbr0_end)
    m.totalram_pages = sum(z.managed_pages for z in zones)
    m.totalhigh_pages = sum(z.managed_pages for z in zones if z.index == ZONE_HIGHMEM)

    # ---- the boot log a real kernel prints
    from .showmem import zone_ranges

    m.log.extend(zone_ranges(m))  # every configured zone of the era, "empty" ones too
    from .report import memory_line

    m.log.append(memory_line(m))

    # ---- slab, vmalloc, kmap
    if options.late_init:
        _late_init(m)
    return m


def _late_init(m: Machine) -> None:
    from . import fixmap, highmem, slab, vmalloc

    m.slab = slab.SlabAllocator(m)
    vm = m.windows.get("vmalloc")
    if vm is not None:
        m.vmalloc = vmalloc.VmallocSpace(m, vm.start, vm.end)
        if m.kernel_image is not None and vm.start <= m.kernel_image[0] < vm.end:  # arm64: map_kernel()
            _map_kernel_segments(m, m.vmalloc, m.kernel_image)
    pk = m.windows.get("pkmap")
    if pk is not None and m.totalhigh_pages:
        m.highmem = highmem.Pkmap(m, pk.start, min(pk.size >> m.page_shift, 1024))
    fx = m.windows.get("fixmap")
    if fx is not None:
        m.fixmap = fixmap.KmapLocal(m, fx.start, fx.end)


def _map_kernel_segments(m: Machine, space: VmallocSpace, kernel_image: tuple[int, int, int]) -> None:
    """arm64 map_kernel(): one early vm_struct per segment -- text, rodata, init text, init data, data
    (arch/arm64/mm/mmu.c, VM_NO_GUARD, phys_addr set), each rounded to pages, from the image's start."""
    from ..banner.common import Image

    image = Image.of(m.layout)
    va, pa, region = kernel_image
    page = m.page_size
    init_text = image.init // 2
    rest = image.rodata + image.init + image.data + image.bss
    text = max(image.text, region - rest)  # the segments cover the whole mapped image region
    for size in (text, image.rodata, init_text, image.init - init_text, image.data + image.bss):
        size = -(-size // page) * page
        if size:
            space.reserve(va, size, "map_kernel+0x0/0x0", phys=pa)
            va, pa = va + size, pa + size


def boot_file(path: str, overrides=(), options: BootOptions = BootOptions()):
    """Load, check and boot: (machine or None, diagnostics at error severity)."""
    from ..session import load_layout

    result = load_layout(path, overrides)
    if result.layout is None or result.errors:
        return None, result
    return boot(result.layout, options), result


__all__ = ["BootError", "BootOptions", "SimError", "boot", "boot_file"]
