"""The kernel's memory reports in the words of the machine's era: show_free_areas / show_mem, the OOM report.

Pure functions of a Machine returning log lines.  The forms come from mm/page_alloc.c
(show_free_areas, up to v6.1) and mm/show_mem.c (from v6.2), lib/show_mem.c, mm/oom_kill.c
(dump_header, dump_tasks, oom_kill_process, oom_evaluate_task) and mm/hugetlb.c, release by
release.  Three forms are pinned by real captures in tests/data/reports/ (3.18 x86_64,
4.9 x86-32 with HighMem, 6.7 x86_64; and ARM 6.1 fragments); the boundaries between them are
the releases named below.  Where a boundary is not pinned by a capture the comment says so.

What the simulator does not model prints 0 (page cache, swap, dirty pages, stacks), every
free block is in a MIGRATE_MOVABLE pageblock (letter M: the simulator keeps no pageblock
types), and a machine has one CPU and one node.
"""

from __future__ import annotations

from .gfp import ZONE_DMA32, ZONE_HIGHMEM, ZONE_NAMES, describe

LONG_MIN = -(1 << 63)
OOM_SCORE_ADJ_MIN = -1000


def _era(m):
    from .report import era

    return era(m)


def _kb(m, pages: int) -> int:
    return pages << (m.page_shift - 10)


# ------------------------------------------------------------------ zones as the kernel's enum has them


def configured_zones(m) -> list[str]:
    """enum zone_type of the era and config (include/linux/mmzone.h): MAX_NR_ZONES names in order.

    DMA/DMA32 where the architecture has them (arm64 configures both from v5.5, DMA32 then
    often empty), Normal, HighMem with CONFIG_HIGHMEM, Movable always, Device with
    CONFIG_ZONE_DEVICE (v4.3; x86_64 and arm64 distribution kernels).
    """
    e = _era(m)
    present = {zone for zone, _ in m.sim.zone_limits}
    if e.arch == "arm64" and e.since(5, 5):
        present.add(ZONE_DMA32)
    names = [ZONE_NAMES[i] for i in sorted(present)] + ["Normal"]
    if e.highmem:
        names.append("HighMem")
    names.append("Movable")
    if e.zone_device and e.since(4, 3):
        names.append("Device")
    return names


def zone_ranges(m) -> list[str]:
    """free_area_init()'s "Zone ranges:" block: every configured zone but Movable, `  %-8s ` then
    `[mem %#018Lx-%#018Lx]` or `empty` (mm/page_alloc.c, mm/mm_init.c from v6.3)."""
    by_name = {ZONE_NAMES[z.index]: z for z in m.zones}
    lines = ["Zone ranges:"]
    for name in configured_zones(m):
        if name == "Movable":
            continue
        zone = by_name.get(name)
        if zone is None or zone.spanned_pages == 0:
            lines.append(f"  {name:<8} empty")
        else:
            lines.append(f"  {name:<8} [mem {zone.start_pfn << m.page_shift:#018x}-"
                         f"{(zone.end_pfn << m.page_shift) - 1:#018x}]")
    return lines


def lowmem_reserve(m, zone) -> list[int]:
    """zone->lowmem_reserve[] over every configured zone (empty Movable/Device ones add no pages)."""
    out = []
    for name in configured_zones(m):
        if name in ZONE_NAMES:
            out.append(zone.lowmem_reserve[ZONE_NAMES.index(name)])
        else:  # Movable, Device: no managed pages, so the sum stops growing (0 for the zones at or above)
            out.append(out[-1] if out else 0)
    return out


def _node(m) -> str:
    """show_node(): `Node %d ` before a zone's name on NUMA kernels only."""
    return "Node 0 " if _era(m).numa else ""


# ------------------------------------------------------------------ show_free_areas


def _letters(m) -> str:
    """print_migratetype_types: one letter per migrate type present among a size's free blocks.

    The order of the letters follows enum migratetype: U E M R C I before v4.4, U M E H C I
    from v4.4 (MIGRATE_RESERVE gave way to MIGRATE_HIGHATOMIC; the 3.18 and 4.9 captures).
    Every simulated free block is MIGRATE_MOVABLE.
    """
    return "M"


def _counters(m) -> dict[str, int]:
    from .report import _counters as counters

    c = counters(m)
    c["free"] = m.buddy.nr_free_pages()
    c["free_pcp"] = sum(z.pcp_count for z in m.buddy.populated)
    return c


def _zone_anon(m) -> dict[int, int]:
    """Anonymous pages of the tasks per zone index."""
    by_zone: dict[int, int] = {}
    for task in m.tasks.values():
        for pfn, order in task.pages.items():
            zone = m.buddy.zone_of(pfn)
            if zone is not None:
                by_zone[zone.index] = by_zone.get(zone.index, 0) + (1 << order)
    return by_zone


def global_counters(m) -> list[str]:
    """The unit-less page counts after `Mem-Info:`."""
    e = _era(m)
    c = _counters(m)
    anon, slab_r, slab_u, pt = c["anon"], c["slab_r"], c["slab_u"], c["pagetables"]
    lines = [f"active_anon:{anon} inactive_anon:0 isolated_anon:0", " active_file:0 inactive_file:0 isolated_file:0"]
    unstable = "" if e.since(5, 8) else " unstable:0"  # NR_UNSTABLE_NFS went in v5.8
    lines.append(f" unevictable:0 dirty:0 writeback:0{unstable}")
    if not e.since(4, 8):  # the 3.x form (3.18 capture)
        lines += [f" free:{c['free']} slab_reclaimable:{slab_r} slab_unreclaimable:{slab_u}",
                  f" mapped:0 shmem:0 pagetables:{pt} bounce:0", " free_cma:0"]
        return lines
    lines.append(f" slab_reclaimable:{slab_r} slab_unreclaimable:{slab_u}")
    if e.since(6, 1):  # NR_SECONDARY_PAGETABLE (v6.1) took bounce onto its line
        lines += [f" mapped:0 shmem:0 pagetables:{pt}", " sec_pagetables:0 bounce:0"]
    else:
        lines.append(f" mapped:0 shmem:0 pagetables:{pt} bounce:0")
    if e.since(4, 20):
        lines.append(" kernel_misc_reclaimable:0")
    lines.append(f" free:{c['free']} free_pcp:{c['free_pcp']} free_cma:0")
    return lines


def node_line(m) -> str | None:
    """The per-node line (node-based LRU, v4.8); None before."""
    e = _era(m)
    if not e.since(4, 8):
        return None
    c = _counters(m)
    kb = _kb(m, c["anon"])
    parts = [f"Node 0 active_anon:{kb}kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB "
             "isolated(anon):0kB isolated(file):0kB mapped:0kB dirty:0kB writeback:0kB shmem:0kB"]
    if e.thp:  # the 4.9 capture prints "shmem_thp: 0kB", the 6.7 one "shmem_thp:0kB" (change not pinned: v6.1 here)
        sep = "" if e.since(6, 1) else " "
        parts.append(f"shmem_thp:{sep}0kB shmem_pmdmapped:{sep}0kB anon_thp:{sep}0kB")
    parts.append("writeback_tmp:0kB")
    if not e.since(5, 0):
        parts.append("unstable:0kB pages_scanned:0")
    else:
        if not e.since(5, 8):
            parts.append("unstable:0kB")
        if e.since(5, 9):  # NR_KERNEL_STACK_KB became a node counter in v5.9, NR_PAGETABLE in v5.11
            parts.append("kernel_stack:0kB")
            if e.shadow_call_stack:
                parts.append("shadow_call_stack:0kB")
        if e.since(5, 11):
            parts.append(f"pagetables:{_kb(m, c['pagetables'])}kB")
        if e.since(6, 1):
            parts.append("sec_pagetables:0kB")
    unreclaimable = "yes" if c["free"] < sum(z.watermark[0] for z in m.buddy.populated) else "no"
    parts.append(f"all_unreclaimable? {unreclaimable}")
    return " ".join(parts)


def zone_line(m, zone, anon: int, slab: tuple[int, int]) -> str:
    """The per-zone line of show_free_areas: the 3.x form (to v4.7), node-LRU (v4.8), boost (v5.0)."""
    e = _era(m)
    k = lambda pages: f"{_kb(m, pages)}kB"  # noqa: E731 - a local unit formatter
    wm = zone.watermark
    head = f"{_node(m)}{zone.name} free:{k(zone.free_pages)}"
    marks = f"min:{k(wm[0])} low:{k(wm[1])} high:{k(wm[2])}"
    lru = f"active_anon:{k(anon)} inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB"
    size = f"present:{k(zone.present_pages)} managed:{k(zone.managed_pages)}"
    slabs = f"slab_reclaimable:{k(slab[0])} slab_unreclaimable:{k(slab[1])}"
    pcp = f"free_pcp:{k(zone.pcp_count)} local_pcp:{k(zone.pcp_count)}"
    if not e.since(4, 8):  # 3.18 capture
        return (f"{head} {marks} {lru} isolated(anon):0kB isolated(file):0kB {size} mlocked:0kB dirty:0kB "
                f"writeback:0kB mapped:0kB shmem:0kB {slabs} kernel_stack:0kB pagetables:0kB unstable:0kB "
                "bounce:0kB free_cma:0kB writeback_tmp:0kB pages_scanned:0 all_unreclaimable? no")
    if not e.since(5, 0):  # 4.9 capture
        return (f"{head} {marks} {lru} writepending:0kB {size} mlocked:0kB {slabs} kernel_stack:0kB "
                f"pagetables:0kB bounce:0kB {pcp} free_cma:0kB")
    middle = ""
    if not e.since(5, 9):
        middle += " kernel_stack:0kB"
    if not e.since(5, 11):
        middle += " pagetables:0kB"
    return (f"{head} boost:0kB {marks} reserved_highatomic:0KB {lru} writepending:0kB {size} mlocked:0kB"
            f"{middle} bounce:0kB {pcp} free_cma:0kB")


def free_area_line(m, zone) -> str:
    unit = m.page_size >> 10
    letters = _letters(m)
    parts = "".join(f"{n}*{unit << o}kB " + (f"({letters}) " if n else "") for o, n in enumerate(zone.nr_free()))
    return f"{_node(m)}{zone.name}: {parts}= {_kb(m, zone.free_pages)}kB"


def _hstates(m) -> list[int]:
    """Huge page sizes in kB, in the order hugetlb registers them (1 GiB first where the CPU has it)."""
    e = _era(m)
    pmd = (m.page_size << (m.page_shift - 3)) >> 10
    if e.arch == "x86_64":
        return [1 << 20, pmd] if e.gbpages else [pmd]
    if e.arch == "x86" and not e.pae:
        return [4096]
    return [pmd]


def show_free_areas(m) -> list[str]:
    """show_free_areas(): the counters, the node line, per zone its line and lowmem_reserve[], the free lists."""
    e = _era(m)
    lines = []
    if not e.since(4, 8):  # the per-CPU lists, removed with the node-LRU rework (boundary not pinned)
        for zone in m.buddy.populated:
            lines.append(f"{_node(m)}{zone.name} per-cpu:")
            lines.append(f"CPU    0: hi:{zone.pcp_high:5d}, btch:{zone.pcp_batch:4d} usd:{zone.pcp_count:4d}")
    lines += global_counters(m)
    node = node_line(m)
    if node:
        lines.append(node)
    anon = _zone_anon(m)
    c = _counters(m)
    lowmem = [z for z in m.buddy.populated if z.index != ZONE_HIGHMEM]
    slab_zone = lowmem[-1] if lowmem else None  # slab is not tracked per zone: all of it in the top lowmem zone
    for zone in m.buddy.populated:
        slab = (c["slab_r"], c["slab_u"]) if zone is slab_zone else (0, 0)
        lines.append(zone_line(m, zone, anon.get(zone.index, 0), slab))
        lines.append("lowmem_reserve[]: " + " ".join(str(v) for v in lowmem_reserve(m, zone)))
    for zone in m.buddy.populated:
        lines.append(free_area_line(m, zone))
    if e.hugetlb:  # hugetlb_show_meminfo
        lines += [f"Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size={kb}kB"
                  for kb in _hstates(m)]
    return lines


def show_mem(m) -> list[str]:
    """show_mem(): `Mem-Info:`, show_free_areas, then the page totals of lib/show_mem.c / mm/show_mem.c."""
    e = _era(m)
    lines = ["Mem-Info:"] + show_free_areas(m)
    lines += ["0 total pagecache pages", "0 pages in swap cache"]
    if not e.since(5, 14):  # the swap cache statistics went before v6.7 (the 6.7 capture has none; not pinned)
        lines.append("Swap cache stats: add 0, delete 0, find 0/0")
    lines += ["Free swap  = 0kB", "Total swap = 0kB"]
    physpages = sum(z.present_pages for z in m.zones) + (m.ignored_ram >> m.page_shift)
    lines.append(f"{physpages} pages RAM")
    if e.since(3, 12):
        lines.append(f"{sum(z.present_pages for z in m.zones if z.index == ZONE_HIGHMEM)} pages HighMem/MovableOnly")
    lines.append(f"{physpages - m.totalram_pages} pages reserved")
    if not e.since(3, 12):
        lines += ["0 pages shared", "0 pages non-shared"]
    if e.cma:
        lines.append("0 pages cma reserved")
    if e.memory_failure:
        lines.append("0 pages hwpoisoned")
    return lines


# ------------------------------------------------------------------ the OOM killer (mm/oom_kill.c)


def badness(m, task) -> int:
    """oom_badness(): rss + swap + page tables, plus oom_score_adj in thousandths of the memory.

    Before v5.9 an eligible task never scores 0 (`points > 0 ? points : 1`) and root got a 3 %
    bonus until v4.17; from v5.9 the score may be 0 or negative and LONG_MIN marks the
    unkillable.  Unkillable here: oom_score_adj -1000 (0 before v5.9).
    """
    e = _era(m)
    if task.oom_score_adj == OOM_SCORE_ADJ_MIN:
        return LONG_MIN if e.since(5, 9) else 0
    totalpages = m.totalram_pages  # + total_swap_pages (no swap)
    points = task.rss
    if not e.since(4, 17) and task.uid == 0:
        points -= points * 3 // 100
    points += task.oom_score_adj * (totalpages // 1000)
    if e.since(5, 9):
        return points
    return points if points > 0 else 1


def select_victim(m):
    """select_bad_process / oom_evaluate_task over the tasks in pid order (for_each_process)."""
    e = _era(m)
    chosen, chosen_points = None, LONG_MIN if e.since(5, 9) else 0
    for task in sorted(m.tasks.values(), key=lambda t: t.pid):
        points = badness(m, task)
        if e.since(5, 9):
            if points == LONG_MIN or points < chosen_points:
                continue
        else:
            if not points or points < chosen_points:
                continue
            if chosen is not None and points == chosen_points:  # prefer the thread-group leader already chosen
                continue
        chosen, chosen_points = task, points
    return chosen, chosen_points


def warn_alloc_lines(m, comm: str, message: str, gfp: int, mode: str | None = None) -> list[str]:
    """warn_alloc() (v4.10): `COMM: MESSAGE, mode:...(names), nodemask=(null)`; the cpuset on a line of its
    own until v5.0, inline after it (the 4.14 and 5.4 captures).  ``mode`` overrides the printed mask.

    Before v4.10 warn_alloc_failed() printed `COMM: page allocation failure: order:N, mode:0x...`.
    The mask's names (%pGg) came with v4.5; the value printed is the 6.x bit layout's.
    """
    e = _era(m)
    if mode is None:
        mode = describe(gfp) if e.since(4, 5) else f"{gfp:#x}"
    if not e.since(4, 10):
        return [f"{comm}: {message}, mode:{mode}"]
    if e.since(5, 0):
        tail = ",cpuset=/,mems_allowed=0" if e.cpusets else ""
        return [f"{comm}: {message}, mode:{mode}, nodemask=(null){tail}"]
    lines = [f"{comm}: {message}, mode:{mode}, nodemask=(null)"]
    if e.cpusets:
        lines.append(f"{comm} cpuset=/ mems_allowed=0")
    return lines


def header_lines(m, comm: str, gfp: int, order: int) -> list[str]:
    """dump_header()'s first lines: who invoked the OOM killer, with what mask; the cpuset line before v4.19."""
    e = _era(m)
    if not e.since(4, 5):  # %pGg came with v4.5
        mask = f"{gfp:#x}"
    else:
        mask = describe(gfp)
    nodemask = ", nodemask=(null)" if e.since(4, 8) and not e.since(4, 19) else ""
    lines = [f"{comm} invoked oom-killer: gfp_mask={mask}{nodemask}, order={order}, oom_score_adj=0"]
    if not e.since(4, 19) and e.cpusets:
        lines.append(f"{comm} cpuset=/ mems_allowed=0")
    return lines


def unreclaimable_slab(m) -> list[str]:
    """dump_unreclaimable_slab() (v4.15) when unreclaimable slab exceeds the LRU pages."""
    e = _era(m)
    if not e.since(4, 15) or m.slab is None:
        return []
    c = _counters(m)
    if c["slab_u"] <= c["anon"]:
        return []
    lines = ["Unreclaimable slab info:", "Name                      Used          Total"]
    for cache in m.slab.caches.values():
        if cache.reclaimable or not cache.nr_slabs:
            continue
        used = cache.active * cache.size >> 10
        total = cache.num_objs * cache.size >> 10
        lines.append(f"{cache.name:<17s} {used:10d}KB {total:10d}KB")
    return lines


def task_table(m) -> list[str]:
    """dump_tasks(): the header and one line per process, in the era's columns."""
    e = _era(m)
    tasks = sorted(m.tasks.values(), key=lambda t: t.pid)
    lines = []
    if e.since(6, 8):  # the rss_anon/rss_file/rss_shmem columns (Yong Wang's patch, merged for v6.8)
        lines += ["Tasks state (memory values in pages):",
                  "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents "
                  "oom_score_adj name"]
        lines += [f"[{t.pid:7d}] {t.uid:5d} {t.pid:5d} {t.rss:8d} {t.rss:8d} {t.rss:8d} {0:8d} {0:9d} {0:8d} {0:8d}"
                  f"         {t.oom_score_adj:5d} {t.comm}" for t in tasks]
    elif e.since(4, 19):  # "Tasks state" and the 7-wide pid (6.1 ARM capture)
        lines += ["Tasks state (memory values in pages):",
                  "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"]
        lines += [f"[{t.pid:7d}] {t.uid:5d} {t.pid:5d} {t.rss:8d} {t.rss:8d} {0:8d} {0:8d}         "
                  f"{t.oom_score_adj:5d} {t.comm}" for t in tasks]
    elif e.since(4, 15):  # mm_pgtables_bytes
        lines.append("[ pid ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
        lines += [f"[{t.pid:5d}] {t.uid:5d} {t.pid:5d} {t.rss:8d} {t.rss:8d} {0:8d} {0:8d}         "
                  f"{t.oom_score_adj:5d} {t.comm}" for t in tasks]
    elif e.since(4, 0):  # nr_pmds (4.9 capture)
        lines.append("[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name")
        lines += [f"[{t.pid:5d}] {t.uid:5d} {t.pid:5d} {t.rss:8d} {t.rss:8d} {0:7d} {0:7d} {0:8d}         "
                  f"{t.oom_score_adj:5d} {t.comm}" for t in tasks]
    else:  # 3.18 capture
        lines.append("[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name")
        lines += [f"[{t.pid:5d}] {t.uid:5d} {t.pid:5d} {t.rss:8d} {t.rss:8d} {0:7d} {0:8d}         "
                  f"{t.oom_score_adj:5d} {t.comm}" for t in tasks]
    return lines


def kill_lines(m, victim, points: int) -> list[str]:
    """oom_kill_process / __oom_kill_process: what the kernel says about the victim."""
    e = _era(m)
    kb = _kb(m, victim.rss)
    lines = []
    if e.since(4, 19):
        lines.append("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
                     f"task_memcg=/,task={victim.comm},pid={victim.pid},uid={victim.uid}")
    if e.since(5, 1):  # "prefer children over parent" went in v5.1, the message with it
        lines.append(f"Out of memory: Killed process {victim.pid} ({victim.comm}) total-vm:{kb}kB, anon-rss:{kb}kB, "
                     f"file-rss:0kB, shmem-rss:0kB, UID:{victim.uid} pgtables:0kB "
                     f"oom_score_adj:{victim.oom_score_adj}")
    else:
        score = max(points, 0) * 1000 // max(m.totalram_pages, 1)
        lines.append(f"Out of memory: Kill process {victim.pid} ({victim.comm}) score {score} or sacrifice child")
        shmem = ", shmem-rss:0kB" if e.since(4, 5) else ""
        lines.append(f"Killed process {victim.pid} ({victim.comm}) total-vm:{kb}kB, anon-rss:{kb}kB, "
                     f"file-rss:0kB{shmem}")
    return lines


def reaper_line(m, victim) -> list[str]:
    if not _era(m).since(4, 6):  # the OOM reaper came with v4.6
        return []
    return [f"oom_reaper: reaped process {victim.pid} ({victim.comm}), now anon-rss:0kB, file-rss:0kB, "
            "shmem-rss:0kB"]


def panic_lines(m) -> list[str]:
    """No eligible task: the kernel panics (4.x+: a warning, then "System is deadlocked on memory")."""
    if _era(m).since(4, 10):  # boundary not pinned by a capture
        return ["Out of memory and no killable processes...",
                "Kernel panic - not syncing: System is deadlocked on memory"]
    return ["Kernel panic - not syncing: Out of memory and no killable processes..."]
