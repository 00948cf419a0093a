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
