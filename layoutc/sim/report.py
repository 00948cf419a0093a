"""Reports in Linux's formats: /proc/buddyinfo, meminfo, zoneinfo, extfrag, the OOM free-area dump.

Pure functions of a Machine returning text (or dicts for ``--format json``).
Formats from SIM-REFERENCE §2 (mm/vmstat.c, fs/proc/meminfo.c, mm/show_mem.c).
"""

from __future__ import annotations

from .gfp import ZONE_HIGHMEM
from .pagetable.format import KW, KX, Leaf


def _kb(m, pages: int) -> int:
    return pages << (m.page_shift - 10)


def buddyinfo(m) -> str:
    """`Node %d, zone %8s ` then `%6lu ` per order (note the trailing space)."""
    lines = []
    for zone in m.buddy.populated:
        lines.append(f"Node 0, zone {zone.name:>8} " + "".join(f"{n:6d} " for n in zone.nr_free()))
    return "\n".join(lines) + "\n"


def _index_line(m, zone, fn) -> str:
    parts = []
    for order in range(zone.max_order + 1):
        value = fn(order)
        sign = "-" if value < 0 else ""
        parts.append(f"{sign}{abs(value) // 1000}.{abs(value) % 1000:03d} ")
    return f"Node 0, zone {zone.name:>8} " + "".join(parts)


def extfrag_index(m) -> str:
    """/sys/kernel/debug/extfrag/extfrag_index: `%d.%03d ` per order."""
    return "\n".join(_index_line(m, z, z.extfrag_index) for z in m.buddy.populated) + "\n"


def unusable_index(m) -> str:
    return "\n".join(_index_line(m, z, z.unusable_index) for z in m.buddy.populated) + "\n"


def _counters(m) -> dict[str, int]:
    """Page counts behind meminfo (all in pages)."""
    slab_r = slab_u = 0
    if m.slab is not None:
        slab_r, slab_u = m.slab.pages_by_reclaim()
    vm_pages = m.vmalloc.nr_pages if m.vmalloc is not None else 0
    anon = sum(t.rss for t in m.tasks.values())
    pagetables = m.pagetable.dynamic_pages if m.pagetable is not None else 0
    return {"slab_r": slab_r, "slab_u": slab_u, "vmalloc": vm_pages, "anon": anon, "pagetables": pagetables}


def meminfo_values(m) -> dict[str, int]:
    """Label -> kB, in /proc/meminfo order."""
    c = _counters(m)
    free = m.buddy.nr_free_pages()
    high_free = sum(z.free_pages for z in m.buddy.populated if z.index == ZONE_HIGHMEM)
    reserve = sum(z.watermark[2] + max(z.lowmem_reserve) for z in m.buddy.populated)  # totalreserve_pages
    low_wmark = sum(z.watermark[1] for z in m.buddy.populated)
    available = free - reserve + c["slab_r"] - min(c["slab_r"] // 2, low_wmark)
    values: dict[str, int] = {
        "MemTotal": m.totalram_pages, "MemFree": free, "MemAvailable": max(0, available),
        "Buffers": 0, "Cached": 0, "SwapCached": 0, "Active": c["anon"], "Inactive": 0,
        "Active(anon)": c["anon"], "Inactive(anon)": 0, "Active(file)": 0, "Inactive(file)": 0,
        "Unevictable": 0, "Mlocked": 0,
    }
    if m.layout.bits == 32 and m.totalhigh_pages or any(z.index == ZONE_HIGHMEM for z in m.zones):
        values.update({"HighTotal": m.totalhigh_pages, "HighFree": high_free,
                       "LowTotal": m.totalram_pages - m.totalhigh_pages, "LowFree": free - high_free})
    values.update({
        "SwapTotal": 0, "SwapFree": 0, "Dirty": 0, "Writeback": 0, "AnonPages": c["anon"], "Mapped": 0,
        "Shmem": 0, "KReclaimable": c["slab_r"], "Slab": c["slab_r"] + c["slab_u"], "SReclaimable": c["slab_r"],
        "SUnreclaim": c["slab_u"], "KernelStack": 0, "PageTables": c["pagetables"],
        "CommitLimit": m.totalram_pages // 2, "Committed_AS": c["anon"],
    })
    kb = {name: _kb(m, pages) for name, pages in values.items()}
    vm = m.windows.get("vmalloc")
    kb["VmallocTotal"] = ((vm.size - m.sim.vmalloc_end_inclusive) >> 10) if vm else 0
    kb["VmallocUsed"] = _kb(m, c["vmalloc"])  # 5.3+: pages backing VM_ALLOC areas
    kb["VmallocChunk"] = 0  # printed as 0 since 4.4
    kb["Percpu"] = 0
    return kb


def meminfo(m) -> str:
    """16-character label (colon and padding included), `%8lu`, ` kB`."""
    return "".join(f"{name + ':':<16}{value:8d} kB\n" for name, value in meminfo_values(m).items())


def zoneinfo(m) -> str:
    lines = []
    configured = sorted({z.index for z in m.zones})
    for zone in m.buddy.populated:
        protection = ", ".join(str(zone.lowmem_reserve[i]) for i in configured)
        lines += [
            f"Node 0, zone {zone.name:>8}",
            f"  pages free     {zone.free_pages}",
            "        boost    0",
            f"        min      {zone.watermark[0]}",
            f"        low      {zone.watermark[1]}",
            f"        high     {zone.watermark[2]}",
            f"        spanned  {zone.spanned_pages}",
            f"        present  {zone.present_pages}",
            f"        managed  {zone.managed_pages}",
            "        cma      0",
            f"        protection: ({protection})",
            "  pagesets",
            "    cpu: 0",
            f"              count: {zone.pcp_count}",
            f"              high:  {zone.pcp_high}",
            f"              batch: {zone.pcp_batch}",
            "  node_unreclaimable:  0",
            f"  start_pfn:           {zone.start_pfn}",
        ]
    return "\n".join(lines) + "\n"


def free_area_dump(m) -> list[str]:
    """show_free_areas() (OOM and allocation-failure reports): the node's counters, then per zone.

    The counter block's layout is recalled from mm/show_mem.c of 6.x kernels (values
    in pages); the per-zone lines follow SIM-REFERENCE §2.9.
    """
    c = _counters(m)
    pcp = sum(z.pcp_count for z in m.buddy.populated)
    lines = [f"active_anon:{c['anon']} inactive_anon:0 isolated_anon:0",
             " active_file:0 inactive_file:0 isolated_file:0",
             " unevictable:0 dirty:0 writeback:0",
             f" slab_reclaimable:{c['slab_r']} slab_unreclaimable:{c['slab_u']}",
             f" mapped:0 shmem:0 pagetables:{c['pagetables']}",
             " sec_pagetables:0 bounce:0",
             " kernel_misc_reclaimable:0",
             f" free:{m.buddy.nr_free_pages()} free_pcp:{pcp} free_cma:0"]
    for zone in m.buddy.populated:
        wm = [_kb(m, w) for w in zone.watermark]
        lines.append(f"Node 0 {zone.name} free:{_kb(m, zone.free_pages)}kB boost:0kB min:{wm[0]}kB low:{wm[1]}kB "
                     f"high:{wm[2]}kB reserved_highatomic:0KB present:{_kb(m, zone.present_pages)}kB "
                     f"managed:{_kb(m, zone.managed_pages)}kB free_pcp:{_kb(m, zone.pcp_count)}kB")
        configured = sorted({z.index for z in m.zones})
        lines.append("lowmem_reserve[]: " + " ".join(str(zone.lowmem_reserve[i]) for i in configured))
    for zone in m.buddy.populated:
        unit = m.page_size >> 10
        parts = "".join(f"{n}*{unit << o}kB " for o, n in enumerate(zone.nr_free()))
        lines.append(f"Node 0 {zone.name}: {parts}= {_kb(m, zone.free_pages)}kB")
    return lines


def memory_line(m) -> str:
    """mem_init_print_info(): `Memory: avail/total available (... kernel code, ..., reserved, ...)`."""
    from ..banner.common import Image  # the one place kernel-image section sizes come from

    shift = m.page_shift
    physpages = sum(z.present_pages for z in m.zones) + (m.ignored_ram >> shift)
    free_kb = _kb(m, m.buddy.nr_free_pages())
    image = Image.of(m.layout)
    code_kb = (m.kernel_image[2] >> 10) if m.kernel_image else image.text >> 10
    reserved_kb = _kb(m, physpages - m.totalram_pages)
    text = (f"Memory: {free_kb}K/{_kb(m, physpages)}K available ({code_kb}K kernel code, "
            f"{image.data >> 10}K rwdata, {image.rodata >> 10}K rodata, {image.init >> 10}K init, "
            f"{image.bss >> 10}K bss, {reserved_kb}K reserved, 0K cma-reserved")
    if m.layout.bits == 32:
        text += f", {_kb(m, m.totalhigh_pages)}K highmem"
    return text + ")"


def zones_json(m) -> list[dict]:
    return [{"zone": z.name, "start_pfn": z.start_pfn, "spanned": z.spanned_pages, "present": z.present_pages,
             "managed": z.managed_pages, "free": z.free_pages, "min": z.watermark[0], "low": z.watermark[1],
             "high": z.watermark[2], "protection": list(z.lowmem_reserve), "nr_free": z.nr_free(),
             "pcp": {"count": z.pcp_count, "high": z.pcp_high, "batch": z.pcp_batch},
             "extfrag_index": [z.extfrag_index(o) for o in range(z.max_order + 1)],
             "unusable_index": [z.unusable_index(o) for o in range(z.max_order + 1)]}
            for z in m.buddy.populated]


# ------------------------------------------------------------------ ptdump (SIM-REFERENCE §6)


def _size(size: int, units: str) -> str:
    unit = 0
    while size and size % 1024 == 0 and unit < len(units) - 1:
        size //= 1024
        unit += 1
    return f"{size:9d}{units[unit]}"


def _merged(entries):
    run = None
    for e in entries:
        if run and run[1] == e.va and run[2] == e.level and run[3] == e.attrs and run[4] == e.mapped:
            run[1] = e.va + e.size
            continue
        if run:
            yield tuple(run)
        run = [e.va, e.va + e.size, e.level, e.attrs, e.mapped]
    if run:
        yield tuple(run)


def ptdump(m) -> str:
    """The kernel page tables as /sys/kernel/debug/kernel_page_tables prints them, with layout markers."""
    table = m.pagetable
    if table is None:
        return ""
    bits = m.layout.bits
    width = 8 if bits == 32 else 16
    if bits == 32:
        start, end = min(s for s, _, _ in m.markers), 1 << 32
    else:
        start, end = (1 << 64) - (1 << (m.va_bits if m.arch == "arm64" else m.va_bits - 1)), 1 << 64
    x86 = m.arch.startswith("x86")
    markers = sorted((s, name) for s, _, name in m.markers if start <= s < end)
    lines = []
    mi = 0
    cuts = [s for s, _ in markers]
    runs = []
    for va, stop, level, attrs, mapped in _merged(table.dump(start, end)):
        inner = [c for c in cuts if va < c < stop]
        for a, b in zip([va] + inner, inner + [stop]):
            runs.append((a, b, level, attrs, mapped))
    mask = (1 << bits) - 1
    for va, stop, level, attrs, mapped in runs:
        while mi < len(markers) and markers[mi][0] < stop:
            lines.append(f"---[ {markers[mi][1]} ]---")
            mi += 1
        head = f"0x{va:0{width}x}-0x{stop & mask:0{width}x}   "
        if x86:
            if not mapped:
                lines.append(head + _size(stop - va, "BKMGTPE") + " " + " " * 30 + level)
                continue
            usr, rw, pwt, pcd, pse, pat, glb, nx = attrs
            flags = f"{usr} " + f"{rw} " + f"{pwt} {pcd} {pse} {pat} {glb} " + (f"{nx} " if nx == "NX" else "x  ")
            lines.append(head + _size(stop - va, "BKMGTPE") + " " + flags + level)
        else:
            if not mapped:
                if m.arch == "arm64":
                    lines.append(head + _size((stop - va) >> 10, "KMGTPE") + f" {level}")
                continue
            lines.append(head + _size((stop - va) >> 10, "KMGTPE") + f" {level}" + "".join(f" {a}" for a in attrs))
    return "\n".join(lines) + "\n"


def wx_check(m) -> str | None:
    """Checked W+X mappings (the kernel's self-check after mark_rodata_ro).

    The kernel rights of each mapped leaf come from the page-table walk itself (the MMU's
    own reading of the descriptor bits), not from the ptdump text.  Without an NX bit
    (x86-32 without PAE) the kernel skips the check: every mapping is executable there
    (arch/x86/mm/dump_pagetables.c); None then.
    """
    if not getattr(m.pagetable, "has_nx", True):
        return None
    bad = 0
    for e in m.pagetable.dump(*_kernel_range(m)):
        if not e.mapped:
            continue
        leaf = m.pagetable.walk(e.va)
        if isinstance(leaf, Leaf) and leaf.perm & KW and leaf.perm & KX:
            bad += e.size >> m.page_shift
    prefix = "x86/mm: " if m.arch.startswith("x86") else ""
    if bad:
        return f"{prefix}Checked W+X mappings: FAILED, {bad} W+X pages found"
    return f"{prefix}Checked W+X mappings: passed, no W+X pages found"


def _kernel_range(m) -> tuple[int, int]:
    if m.layout.bits == 32:
        return min(s for s, _, _ in m.markers), 1 << 32
    return (1 << 64) - (1 << (m.va_bits if m.arch == "arm64" else m.va_bits - 1)), 1 << 64
