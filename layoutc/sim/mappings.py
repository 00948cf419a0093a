"""The kernel mappings made after boot, as one list: what a workload left in the page tables.

    vmalloc space   [area: pages ... | guard]  [hole: vfree'd, unmapped]  [vmap area (hugemap, image segment)]
    pkmap window    slot 0 | slot 1: page, n users | slot 2: page, no user, not flushed yet | ...
    fixmap          ... | kmap_local slot 1 | kmap_local slot 0 | FIXADDR_TOP

Each entry is a virtual range that is mapped (``pages``: the physical address of each page when
the kernel maps page by page) or must fault (a vfree'd range, the next free pkmap or kmap_local
slot).  ``layoutc sim --export-tables`` lists them in the manifest; ``layoutc verify --qemu``
probes them.  Read-only: builds values from the Machine, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mapping:
    kind: str  # "vmalloc", "vmap", "pkmap", "kmap_local", "vfree", "free pkmap slot", "free kmap_local slot"
    va: int
    size: int  # bytes of the range, the guard page excluded
    guard: int  # bytes of the guard page just above (0: none)
    mapped: bool  # False: the range must fault
    pages: tuple[int, ...]  # physical address of each page; empty when not mapped page by page
    what: str  # the caller, the slot and its users


def after_boot(m) -> tuple[Mapping, ...]:
    """Every vmalloc/vmap area, kmap'd pkmap slot and kmap_local slot, the recently vfree'd ranges no
    area has taken again, and the next free pkmap and kmap_local slot; sorted by address."""
    page = m.page_size
    out: list[Mapping] = []
    space = m.vmalloc
    if space is not None:
        for start in sorted(space.busy):
            area = space.busy[start]
            guard = page if area.guard else 0
            kind = "vmalloc" if area.flags == "vmalloc" else "vmap"
            pages = tuple(pfn << m.page_shift for pfn in area.pages)
            out.append(Mapping(kind, start, area.size - guard, guard, True, pages, area.caller))
        pieces = set()  # the parts of each recently vfree'd range that are still free
        for start, size in space.freed:
            for lo, hi in space.holes:
                if lo < start + size and start < hi:
                    pieces.add((max(lo, start), min(hi, start + size)))
        merged: list[list[int]] = []
        for lo, hi in sorted(pieces):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        for lo, hi in merged:
            out.append(Mapping("vfree", lo, hi - lo, 0, False, (), "vfree'd, unmapped"))
    pk = m.highmem
    if pk is not None:
        for nr in sorted(pk.pfn_at):
            users = pk.count[nr] - 1
            what = f"pkmap slot {nr}, {users} user{'s' if users != 1 else ''}" + ("" if users else " (not flushed)")
            out.append(Mapping("pkmap", pk.addr(nr), page, 0, True, (pk.pfn_at[nr] << m.page_shift,), what))
        free = next((nr for nr in range(pk.last_pkmap) if nr not in pk.pfn_at), None)
        if free is not None:
            out.append(Mapping("free pkmap slot", pk.addr(free), page, 0, False, (), f"pkmap slot {free}"))
    fx = m.fixmap
    if fx is not None and fx.slots:
        for idx, (va, pfn) in enumerate(fx.stack):
            out.append(Mapping("kmap_local", va, page, 0, True, (pfn << m.page_shift,), f"kmap_local slot {idx}"))
        if len(fx.stack) < fx.slots:
            idx = len(fx.stack)
            out.append(Mapping("free kmap_local slot", fx.vaddr(idx), page, 0, False, (), f"kmap_local slot {idx}"))
    return tuple(sorted(out, key=lambda x: (x.va, x.kind)))


def page_runs(pages: tuple[int, ...], page: int) -> list[tuple[int, int]]:
    """(pa, size) runs of physically contiguous pages, in the area's order."""
    runs: list[list[int]] = []
    for pa in pages:
        if runs and runs[-1][0] + runs[-1][1] == pa:
            runs[-1][1] += page
        else:
            runs.append([pa, page])
    return [(pa, size) for pa, size in runs]


__all__ = ["Mapping", "after_boot", "page_runs"]
