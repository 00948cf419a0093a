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


# /proc/meminfo rows: (label, since, config option or None, printf width of the value).
# The order is fs/proc/meminfo.c's (meminfo_proc_show; v3.x one seq_printf, v4.10+
# show_val_kb); `since` is the release that added the row, the option the #ifdef around it.
# Sources: fs/proc/meminfo.c at v3.10, v4.19, v6.12 (torvalds/linux), the commits named:
#   MemAvailable v3.14 (34e431b0ae39), ShmemHugePages/ShmemPmdMapped v4.8 (THP page cache),
#   CmaTotal/CmaFree v4.1, Percpu v4.16 (7e8a6304d541), Hugetlb v4.16 (Roman Gushchin's
#   "show total hugetlb memory consumption"), KReclaimable v4.20 (Vlastimil Babka),
#   FileHugePages/FilePmdMapped v5.4, ShadowCallStack v5.8, Zswap/Zswapped v5.19,
#   SecPageTables v6.1 (ebc97a52b5d6 -- "The commit this fixes is in 6.1", the tab fix on
#   linux-kernel), Unaccepted v6.5.  HardwareCorrupted is `%5lu` after an 18-character label;
#   the HugePages_ counts are `%5lu` without a unit; the x86 DirectMap rows come from
#   arch/x86/mm/pageattr.c arch_report_meminfo (DirectMap4M on 32-bit without PAE).
_MEMINFO_ROWS = (
    ("MemTotal", (), None), ("MemFree", (), None), ("MemAvailable", (3, 14), None),
    ("Buffers", (), None), ("Cached", (), None), ("SwapCached", (), None),
    ("Active", (), None), ("Inactive", (), None), ("Active(anon)", (), None), ("Inactive(anon)", (), None),
    ("Active(file)", (), None), ("Inactive(file)", (), None), ("Unevictable", (), None), ("Mlocked", (), None),
    ("HighTotal", (), "highmem"), ("HighFree", (), "highmem"), ("LowTotal", (), "highmem"),
    ("LowFree", (), "highmem"),
    ("SwapTotal", (), None), ("SwapFree", (), None), ("Zswap", (5, 19), "zswap"), ("Zswapped", (5, 19), "zswap"),
    ("Dirty", (), None), ("Writeback", (), None), ("AnonPages", (), None), ("Mapped", (), None),
    ("Shmem", (), None), ("KReclaimable", (4, 20), None), ("Slab", (), None), ("SReclaimable", (), None),
    ("SUnreclaim", (), None), ("KernelStack", (), None), ("ShadowCallStack", (5, 8), "shadow_call_stack"),
    ("PageTables", (), None), ("SecPageTables", (6, 1), None),
    ("NFS_Unstable", (), None), ("Bounce", (), None), ("WritebackTmp", (), None),
    ("CommitLimit", (), None), ("Committed_AS", (), None),
    ("VmallocTotal", (), None), ("VmallocUsed", (), None), ("VmallocChunk", (), None),
    ("Percpu", (4, 16), None), ("HardwareCorrupted", (), "memory_failure"),
    ("AnonHugePages", (), "thp"), ("ShmemHugePages", (4, 8), "thp"), ("ShmemPmdMapped", (4, 8), "thp"),
    ("FileHugePages", (5, 4), "thp"), ("FilePmdMapped", (5, 4), "thp"),
    ("CmaTotal", (4, 1), "cma"), ("CmaFree", (4, 1), "cma"), ("Unaccepted", (6, 5), "unaccepted"),
    ("HugePages_Total", (), "hugetlb"), ("HugePages_Free", (), "hugetlb"), ("HugePages_Rsvd", (), "hugetlb"),
    ("HugePages_Surp", (), "hugetlb"), ("Hugepagesize", (), "hugetlb"), ("Hugetlb", (4, 16), "hugetlb"),
)
_COUNT_ROWS = {"HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"}


def era(m):
    """The Era the machine's reports follow (computed once per machine)."""
    from .era import era_of

    found = getattr(m, "era", None)
    if found is None:
        highmem = m.layout.bits == 32 and (m.totalhigh_pages > 0 or any(z.index == ZONE_HIGHMEM for z in m.zones)
                                           or not (m.layout.has("highmem") and m.layout.value("highmem") is False))
        found = m.era = era_of(m.layout, highmem)
    return found


def meminfo_rows(e) -> list[str]:
    """The labels /proc/meminfo of this era and config prints, in order."""
    rows = [label for label, since, option in _MEMINFO_ROWS
            if e.since(*since) and (option is None or getattr(e, option))]
    if e.arch in ("x86", "x86_64"):
        rows += ["DirectMap4k", "DirectMap2M" if e.arch == "x86_64" or e.pae else "DirectMap4M"]
        if e.arch == "x86_64" and e.gbpages:
            rows.append("DirectMap1G")
    return rows


def _direct_map_kb(m) -> dict[str, int]:
    """arch_report_meminfo: the linear map's leaves by size (4k, 2M or 4M, 1G)."""
    sizes = {"DirectMap4k": 0, "DirectMap2M": 0, "DirectMap4M": 0, "DirectMap1G": 0}
    if m.pagetable is None or m.linear is None:
        return sizes
    for entry in m.pagetable.dump(m.linear.va_start, m.high_memory):
        if entry.mapped:
            leaf = m.pagetable.walk(entry.va)
            size = 1 << leaf.shift if isinstance(leaf, Leaf) else 4096
            key = {1 << 30: "DirectMap1G", 4 << 20: "DirectMap4M", 2 << 20: "DirectMap2M"}.get(size, "DirectMap4k")
            sizes[key] += entry.size >> 10
    return sizes


def meminfo_values(m) -> dict[str, int]:
    """Label -> kB (HugePages_ rows: a count), in the /proc/meminfo order of the machine's era."""
    e = era(m)
    c = _counters(m)
    free = m.buddy.nr_free_pages()
    high_free = sum(z.free_pages for z in m.buddy.populated if z.index == ZONE_HIGHMEM)
    reserve = sum(z.watermark[2] + max(z.lowmem_reserve) for z in m.buddy.populated)  # totalreserve_pages
    low_wmark = sum(z.watermark[1] for z in m.buddy.populated)
    available = free - reserve + c["slab_r"] - min(c["slab_r"] // 2, low_wmark)
    pages: dict[str, int] = {
        "MemTotal": m.totalram_pages, "MemFree": free, "MemAvailable": max(0, available),
        "Active": c["anon"], "Active(anon)": c["anon"],
        "HighTotal": m.totalhigh_pages, "HighFree": high_free,
        "LowTotal": m.totalram_pages - m.totalhigh_pages, "LowFree": free - high_free,
        "AnonPages": c["anon"], "KReclaimable": c["slab_r"], "Slab": c["slab_r"] + c["slab_u"],
        "SReclaimable": c["slab_r"], "SUnreclaim": c["slab_u"], "PageTables": c["pagetables"],
        "CommitLimit": m.totalram_pages // 2, "Committed_AS": c["anon"],
        # pcpu_nr_pages(): the first chunk, one unit per possible CPU, is always populated
        "Percpu": e.percpu_unit_pages * e.nr_cpus,
    }
    kb = {name: _kb(m, value) for name, value in pages.items()}
    vm = m.windows.get("vmalloc")
    kb["VmallocTotal"] = ((vm.size - m.sim.vmalloc_end_inclusive) >> 10) if vm else 0
    if e.since(5, 3):
        kb["VmallocUsed"] = _kb(m, c["vmalloc"])  # vmalloc_nr_pages()
    elif not e.since(4, 4) and m.vmalloc is not None:  # get_vmalloc_info(): bytes of every area, the largest hole
        kb["VmallocUsed"] = sum(a.size for a in m.vmalloc.busy.values()) >> 10
        kb["VmallocChunk"] = m.vmalloc.largest_hole() >> 10
    kb["Hugepagesize"] = (m.page_size << (m.page_shift - 3)) >> 10  # PMD_SIZE: a table of 8-byte entries
    if e.arch == "x86" and not e.pae:
        kb["Hugepagesize"] = 4096
    kb.update({k: v for k, v in _direct_map_kb(m).items() if v})
    return {label: kb.get(label, 0) for label in meminfo_rows(e)}


def meminfo(m) -> str:
    """`%-16s%8lu kB` per row (the label with its colon padded to 16), as show_val_kb prints it."""
    lines = []
    for name, value in meminfo_values(m).items():
        if name == "HardwareCorrupted":
            lines.append(f"{name}: {value:5d} kB\n")
        elif name in _COUNT_ROWS:
            lines.append(f"{name + ':':<16}   {value:5d}\n")
        else:
            lines.append(f"{name + ':':<16}{value:8d} kB\n")
    return "".join(lines)


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
            f"{image.bss >> 10}K bss, {reserved_kb}K reserved")
    e = era(m)
    if e.cma:  # mm/page_alloc.c mem_init_print_info: #ifdef CONFIG_CMA, #ifdef CONFIG_HIGHMEM
        text += ", 0K cma-reserved"
    if e.highmem:
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


def kernel_markers(m) -> list[tuple[int, str]]:
    """The address_markers[] of the architecture's ptdump for the machine's era, at the layout's addresses.

    arch/arm/mm/dump.c (Kasan shadow from v5.11, Modules, Kernel Mapping, vmalloc() Area/End, Fixmap
    Area, Vectors/Vectors End -- as the 2021 and 2016 ARM captures list them), arch/arm64/mm/ptdump.c
    ("Linear Mapping start/end" first from v5.4, when the linear map moved to the bottom; before,
    "Modules start" .. "vmemmap end" and "Linear Mapping" last), arch/x86/mm/dump_pagetables.c (the
    64-bit and the 32-bit tables).  A marker whose constant the layout lacks is left out.  RISC-V
    keeps the layout's region names.
    """
    lay = m.layout
    e = era(m)
    value = lay.int_value

    def pairs(*items):
        return [(addr, name) for addr, name in ((value(c) if isinstance(c, str) else c, n) for c, n in items)
                if addr is not None]

    arch = m.arch
    if arch == "arm":
        markers = pairs(("KASAN_SHADOW_START", "Kasan shadow start"), ("KASAN_SHADOW_END", "Kasan shadow end")) \
            if e.since(5, 11) and lay.has("kasan") and lay.value("kasan") else []
        markers += pairs(("MODULES_VADDR", "Modules"), ("PAGE_OFFSET", "Kernel Mapping"),
                         ("VMALLOC_START", "vmalloc() Area"), ("VMALLOC_END", "vmalloc() End"),
                         ("FIXADDR_START", "Fixmap Area"), (0xFFFF0000, "Vectors"), (0xFFFF2000, "Vectors End"))
    elif arch == "arm64":
        vmemmap_end = value("VMEMMAP_END")
        if vmemmap_end is None and value("VMEMMAP_START") is not None and value("VMEMMAP_SIZE") is not None:
            vmemmap_end = value("VMEMMAP_START") + value("VMEMMAP_SIZE")
        tail = pairs(("MODULES_VADDR", "Modules start"), ("MODULES_END", "Modules end"),
                     ("VMALLOC_START", "vmalloc() area" if e.since(5, 4) else "vmalloc() Area"),
                     ("VMALLOC_END", "vmalloc() end" if e.since(5, 4) else "vmalloc() End"),
                     ("FIXADDR_START", "Fixmap start"), ("FIXADDR_TOP", "Fixmap end"),
                     ("PCI_IO_START", "PCI I/O start"), ("PCI_IO_END", "PCI I/O end"),
                     ("VMEMMAP_START", "vmemmap start"), (vmemmap_end, "vmemmap end"))
        if e.since(5, 4):
            markers = pairs(("PAGE_OFFSET", "Linear Mapping start"), ("PAGE_END", "Linear Mapping end"))
            if lay.has("kasan") and lay.value("kasan"):
                markers += pairs(("KASAN_SHADOW_START", "Kasan shadow start"), ("KASAN_SHADOW_END", "Kasan shadow end"))
            markers += tail
        else:
            markers = tail + pairs(("PAGE_OFFSET", "Linear Mapping"))
    elif arch == "x86_64":
        start = (1 << 64) - (1 << (m.va_bits - 1))
        markers = [(start, "Kernel Space")] + pairs(
            ("PAGE_OFFSET", "Low Kernel Mapping"), ("VMALLOC_START", "vmalloc() Area"), ("VMEMMAP_START", "Vmemmap"),
            ("START_KERNEL_MAP", "High Kernel Mapping"), ("MODULES_VADDR", "Modules"), ("MODULES_END", "End Modules"),
            ("FIXADDR_START", "Fixmap Area"))
    elif arch == "x86":
        markers = pairs(("PAGE_OFFSET", "Kernel Mapping"), ("VMALLOC_START", "vmalloc() Area"),
                        ("VMALLOC_END", "vmalloc() End"), ("PKMAP_BASE", "Persistent kmap() Area"),
                        ("FIXADDR_START", "Fixmap Area" if e.since(4, 0) else "Fixmap area"))
    else:
        return sorted((s, name) for s, _, name in m.markers)
    return sorted(markers)


def _arm64_words(attrs: tuple[str, ...], e) -> tuple[str, ...]:
    """arm64 pte_bits: the valid bit's column first (" " set, "F" clear) and, from v5.10 (BTI), GP after UXN."""
    words = (" ",) + attrs
    if e.since(5, 10):
        index = 1 + 9  # after F USR ro NX SHD AF NG CON BLK UXN, before the memory type
        words = words[:index] + ("  ",) + words[index:]
    return words


def ptdump(m) -> str:
    """/sys/kernel/debug/kernel_page_tables as the machine's kernel prints it.

    The walk's entries are merged while level and attributes stay equal; a marker is crossed at the
    first entry at or above its address (note_page tests `addr >= marker[1].start_address` per entry),
    so a range always ends on its level's alignment.  The first marker is printed before the first
    entry.  ARM prints present ranges only, with the level name from v6.1 (Kefeng Wang's "ARM: dump:
    show page table level name", Sept 2022) and, from v4.15, the domain on short descriptors; arm64 and x86 print
    holes with their level; arm64 has the F and (v5.10+) GP columns.
    """
    table = m.pagetable
    if table is None:
        return ""
    e = era(m)
    bits = m.layout.bits
    width = 8 if bits == 32 else 16
    start, end = _kernel_range(m)
    x86 = m.arch.startswith("x86")
    markers = kernel_markers(m)
    lines: list[str] = []
    mask = (1 << bits) - 1
    mi = 0

    def emit(run):
        va, stop, level, attrs, mapped = run
        head = f"0x{va:0{width}x}-0x{stop & mask:0{width}x}   "
        if x86:
            if not mapped:
                lines.append(head + _size(stop - va, "BKMGTPE") + " " + " " * 30 + level)
                return
            usr, rw, pwt, pcd, pse, pat, glb, nx = attrs
            flags = f"{usr} " + f"{rw} " + f"{pwt} {pcd} {pse} {pat} {glb} " + (f"{nx} " if nx == "NX" else "x  ")
            lines.append(head + _size(stop - va, "BKMGTPE") + " " + flags + level)
            return
        size = _size((stop - va) >> 10, "KMGTPE")
        if m.arch == "arm":
            if mapped:
                token = f" {level}" if e.since(6, 1) else ""
                if m.mmu_format == "arm_short" and not e.since(4, 15):
                    attrs = attrs[1:]  # the domain column (boundary not pinned: the 2016 capture has none)
                lines.append(head + size + token + "".join(f" {a}" for a in attrs))
            return
        if not mapped:
            lines.append(head + size + f" {level}")
            return
        words = _arm64_words(attrs, e) if m.arch == "arm64" else attrs
        lines.append(head + size + f" {level}" + "".join(f" {a}" for a in words))

    run = None
    for entry in table.dump(start, end):
        crossed = mi < len(markers) and entry.va >= markers[mi][0]
        same = (run is not None and run[1] == entry.va and run[2] == entry.level and run[3] == entry.attrs
                and run[4] == entry.mapped)
        if run is not None and (crossed or not same):
            emit(run)
            run = None
        if not lines and mi == 0 and markers and run is None and not crossed:
            lines.append(f"---[ {markers[0][1]} ]---")  # st->level == 0: the first marker, whatever the address
            mi = 1
            crossed = mi < len(markers) and entry.va >= markers[mi][0]
        while mi < len(markers) and entry.va >= markers[mi][0]:
            lines.append(f"---[ {markers[mi][1]} ]---")
            mi += 1
        if run is None:
            run = [entry.va, entry.va + entry.size, entry.level, entry.attrs, entry.mapped]
        else:
            run[1] = entry.va + entry.size
    if run is not None:
        emit(run)
    if m.arch == "arm":  # dump.c notes every empty entry up to 4 GiB too: the markers above the last range follow
        lines += [f"---[ {name} ]---" for _, name in markers[mi:]]
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
    x86 = m.arch.startswith("x86")
    prefix, stop = ("x86/mm: ", ".") if x86 else ("", "")  # the x86 lines end with a full stop (ptdump_walk_pgd_level_checkwx)
    if bad:
        return f"{prefix}Checked W+X mappings: FAILED, {bad} W+X pages found{stop}"
    return f"{prefix}Checked W+X mappings: passed, no W+X pages found{stop}"


def _kernel_range(m) -> tuple[int, int]:
    if m.layout.bits == 32:
        return min(s for s, _, _ in m.markers), 1 << 32
    return (1 << 64) - (1 << (m.va_bits if m.arch == "arm64" else m.va_bits - 1)), 1 << 64
