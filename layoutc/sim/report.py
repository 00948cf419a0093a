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


# /proc/zoneinfo items (enum zone_stat_item / node_stat_item and vmstat_text[] of mm/vmstat.c), per era.
# Pinned by captures: the 3.7 x86 list (tests/data/reports/x86-3.7-zoneinfo.txt) and the 5.0 s390 list
# (s390-5.0-zoneinfo.txt); the other boundaries are the releases named, from the source history.
_NUMA_ITEMS = ("numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other")


def _zone_items(e) -> list[str]:
    if not e.since(4, 8):  # one vmstat list per zone until the node-based LRU
        items = ["nr_free_pages"] + (["nr_alloc_batch"] if e.since(3, 12) else []) + [
            "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
            "nr_mlock", "nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback",
            "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_page_table_pages", "nr_kernel_stack",
            "nr_unstable", "nr_bounce", "nr_vmscan_write", "nr_vmscan_immediate_reclaim", "nr_writeback_temp",
            "nr_isolated_anon", "nr_isolated_file", "nr_shmem", "nr_dirtied", "nr_written"]
        if e.since(3, 15):
            items.append("nr_pages_scanned")
        if e.numa:
            items += _NUMA_ITEMS
        if e.since(3, 15):
            items += ["workingset_refault", "workingset_activate", "workingset_nodereclaim"]
        items.append("nr_anon_transparent_hugepages")
        if e.since(3, 7):
            items.append("nr_free_cma")
        return items
    items = ["nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file",
             "nr_zone_active_file", "nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock"]
    if not e.since(4, 14):
        items += ["nr_slab_reclaimable", "nr_slab_unreclaimable"]
    if not e.since(5, 11):
        items.append("nr_page_table_pages")
    if not e.since(5, 9):
        items.append("nr_kernel_stack")
    if e.shadow_call_stack and e.since(5, 8) and not e.since(5, 9):
        items.append("nr_shadow_call_stack")
    items.append("nr_bounce")
    if e.zsmalloc:
        items.append("nr_zspages")
    if not e.since(4, 14) and e.numa:  # the NUMA counters went behind the zone items in v4.14
        items += _NUMA_ITEMS
    items.append("nr_free_cma")
    if e.unaccepted and e.since(6, 5):
        items.append("nr_unaccepted")
    if e.since(4, 14) and e.numa:
        items += _NUMA_ITEMS
    return items


def _node_items(e) -> list[str]:
    items = ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable"]
    if e.since(4, 14):
        items += ["nr_slab_reclaimable", "nr_slab_unreclaimable"]
    items += ["nr_isolated_anon", "nr_isolated_file"]
    if not e.since(4, 11):
        items.append("nr_pages_scanned")
    if e.since(4, 20):
        items.append("workingset_nodes")
    if e.since(5, 9):  # anon/file split of the workingset counters
        items += ["workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon",
                  "workingset_activate_file", "workingset_restore_anon", "workingset_restore_file"]
    else:
        items += ["workingset_refault", "workingset_activate"] + (["workingset_restore"] if e.since(4, 20) else [])
    items += ["workingset_nodereclaim", "nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback",
              "nr_writeback_temp", "nr_shmem", "nr_shmem_hugepages", "nr_shmem_pmdmapped"]
    if e.since(5, 4):
        items += ["nr_file_hugepages", "nr_file_pmdmapped"]
    items.append("nr_anon_transparent_hugepages")
    if not e.since(5, 8):
        items.append("nr_unstable")
    items += ["nr_vmscan_write", "nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written"]
    if e.since(5, 16):
        items.append("nr_throttled_written")
    if e.since(4, 20):
        items.append("nr_kernel_misc_reclaimable")
    if e.since(5, 8):
        items += ["nr_foll_pin_acquired", "nr_foll_pin_released"]
    if e.since(5, 9):
        items.append("nr_kernel_stack")
        if e.shadow_call_stack:
            items.append("nr_shadow_call_stack")
    if e.since(5, 11):
        items.append("nr_page_table_pages")
    if e.since(6, 1):
        items.append("nr_sec_page_table_pages")
    if e.since(5, 19):
        items.append("nr_swapcached")
    return items


def _zone_values(m, zone) -> dict[str, int]:
    c = _counters(m)
    anon = sum(1 << o for t in m.tasks.values() for pfn, o in t.pages.items()
               if zone.start_pfn <= pfn < zone.end_pfn)
    lowmem = [z for z in m.buddy.populated if z.index != ZONE_HIGHMEM]
    top = lowmem[-1] if lowmem else None
    return {"nr_free_pages": zone.free_pages, "nr_zone_active_anon": anon, "nr_active_anon": anon,
            "nr_anon_pages": anon, "nr_slab_reclaimable": c["slab_r"] if zone is top else 0,
            "nr_slab_unreclaimable": c["slab_u"] if zone is top else 0}


def _node_values(m) -> dict[str, int]:
    c = _counters(m)
    return {"nr_active_anon": c["anon"], "nr_anon_pages": c["anon"], "nr_slab_reclaimable": c["slab_r"],
            "nr_slab_unreclaimable": c["slab_u"], "nr_page_table_pages": c["pagetables"]}


def zoneinfo(m) -> str:
    """/proc/zoneinfo in the era's form (mm/vmstat.c zoneinfo_show_print).

    Before v4.8: populated zones only, `scanned`, the zone's vmstat items (4 spaces), protection after
    them, all_unreclaimable / start_pfn / inactive_ratio.  From v4.8: the node's items in the first
    populated zone ("per-node stats"), 6-space items; from v4.12 every configured zone is listed and
    protection comes first (an unpopulated zone ends there); boost from v5.1, promo from v6.0, cma
    from v5.7; node_unreclaimable and start_pfn at the end.  protection has MAX_NR_ZONES entries.
    """
    from .showmem import configured_zones, lowmem_reserve

    e = era(m)
    lines: list[str] = []
    by_name = {z.name: z for z in m.zones}
    populated = [z for z in m.buddy.populated]
    names = configured_zones(m) if e.since(4, 12) else [z.name for z in populated]
    first = True
    for name in names:
        zone = by_name.get(name)
        live = zone is not None and zone in populated
        if zone is None:  # a configured zone without pages (Movable, Device, an empty DMA32)
            protection = lowmem_reserve(m, populated[0])
            protection = [0] * len(protection)
        else:
            protection = lowmem_reserve(m, zone)
        lines.append(f"Node 0, zone {name:>8}")
        if e.since(4, 8) and live and first:
            lines.append("  per-node stats")
            values = _node_values(m)
            lines += [f"      {item:<12} {values.get(item, 0)}" for item in _node_items(e)]
            first = False
        free = zone.free_pages if zone else 0
        wm = zone.watermark if zone is not None and live else [0, 0, 0]
        lines.append(f"  pages free     {free}")
        if e.since(5, 1):
            lines.append("        boost    0")
        lines += [f"        min      {wm[0]}", f"        low      {wm[1]}", f"        high     {wm[2]}"]
        if e.since(6, 0):
            lines.append(f"        promo    {wm[2] + (wm[2] - wm[1])}")  # WMARK_PROMO: high + the low-high gap
        if not e.since(4, 8):
            lines.append("        scanned  0")
        elif not e.since(4, 12):
            lines.append("   node_scanned  0")
        spanned = zone.spanned_pages if zone else 0
        present = zone.present_pages if zone else 0
        managed = zone.managed_pages if zone else 0
        lines += [f"        spanned  {spanned}", f"        present  {present}"]
        if e.since(3, 8):
            lines.append(f"        managed  {managed}")
        if e.since(5, 7):
            lines.append("        cma      0")
        prot = "        protection: (" + ", ".join(str(v) for v in protection) + ")"
        if e.since(4, 12):
            lines.append(prot)
            if not live:
                continue
        if zone is None:  # (before 4.12 only populated zones are listed)
            continue
        values = _zone_values(m, zone)
        indent = "      " if e.since(4, 8) else "    "
        lines += [f"{indent}{item:<12} {values.get(item, 0)}" for item in _zone_items(e)]
        if not e.since(4, 12):
            lines.append(prot)
        lines += ["  pagesets", "    cpu: 0", f"              count: {zone.pcp_count}",
                  f"              high:  {zone.pcp_high}", f"              batch: {zone.pcp_batch}",
                  "  vm stats threshold: 0"]
        if e.since(4, 8):
            lines += ["  node_unreclaimable:  0", f"  start_pfn:           {zone.start_pfn}"]
        else:
            lines += ["  all_unreclaimable: 0", f"  start_pfn:         {zone.start_pfn}", "  inactive_ratio:    1"]
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
