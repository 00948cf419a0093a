"""Table export: the booted machine's page tables as memory images plus a JSON manifest.

    Machine --pagetable.images()--> [(pa, bytes)]   one chunk per physically contiguous run of tables
            --pagetable.registers()/contexts()--> what the hardware must be programmed with
            --pagetable.leaves() + walk()--> every mapping's va, pa, size, level, rights, memory type
            --mappings.after_boot()--> the vmalloc areas, kmap slots and vfree'd ranges a workload left

The tables are the machine's as they are when exported: right after boot, or after a scenario
(``layoutc sim --scenario S --export-tables DIR``: as the scenario left them, ``--steps N`` stops
it where you want to look).  A board engineer loads the chunks at their physical addresses into an emulator or a debugger
and programs the registers; ``layoutc verify --qemu`` does exactly that with QEMU.  Library
code: builds values only, the command writes the files.  The manifest's schema is
``layoutc/schemas/tables.schema.json``; addresses are hex strings, sizes integers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .pagetable.format import KR, KW, KX, UR, UW, UX, Leaf

SCHEMA_ID = "layoutc-tables/1"


@dataclass(frozen=True, slots=True)
class TableExport:
    manifest: dict
    images: tuple[tuple[str, bytes], ...]  # (file name, contents)


def rights(perm: int) -> str:
    """``kernel rwx user rwx`` with ``-`` for what is not allowed, as the MMU model decodes it."""
    k = ("r" if perm & KR else "-") + ("w" if perm & KW else "-") + ("x" if perm & KX else "-")
    u = ("r" if perm & UR else "-") + ("w" if perm & UW else "-") + ("x" if perm & UX else "-")
    return f"kernel {k} user {u}"


def _leaf_runs(table) -> list[dict]:
    """Leaves merged into runs that continue in va and pa with the same size, level, rights and type."""
    runs: list[dict] = []
    last = None
    for va, size, level, desc in table.leaves():
        walked = table.walk(va)
        perm = walked.perm if isinstance(walked, Leaf) else 0
        pa = walked.pa_base if isinstance(walked, Leaf) else 0
        key = (size, level, perm, table.memory_type(desc, level), bool(getattr(walked, "af", True)))
        if last is not None and last[0] == key and last[1] == va and last[2] == pa:
            runs[-1]["size"] += size
        else:
            runs.append({"va": va, "pa": pa, "size": size, "page": size, "level": level, "rights": rights(perm),
                         "memory": key[3], "access_flag": key[4]})
        last = (key, va + size, pa + size)
    for run in runs:
        run["va"], run["pa"] = f"{run['va']:#x}", f"{run['pa']:#x}"
    return runs


def _kernel_mappings(m) -> list[dict]:
    from .mappings import after_boot, page_runs

    out = []
    for x in after_boot(m):
        out.append({"kind": x.kind, "va": f"{x.va:#x}", "size": x.size, "guard": x.guard, "mapped": x.mapped,
                    "pages": [{"pa": f"{pa:#x}", "size": size} for pa, size in page_runs(x.pages, m.page_size)],
                    "what": x.what})
    return out


def export_tables(m, overrides: tuple[str, ...] = (), workload: dict | None = None) -> TableExport:
    """The manifest and the memory images of ``m``'s page tables; ``workload`` names the scenario that ran
    since boot (``{"scenario", "seed", "steps"}``), None: the tables are the boot tables."""
    table = m.pagetable
    images = []
    chunks = []
    for pa, data in table.images():
        name = f"tables-{pa:016x}.bin"
        images.append((name, data))
        chunks.append({"file": name, "address": f"{pa:#x}", "size": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()})
    layout = m.layout
    manifest = {
        "schema": SCHEMA_ID,
        "layout": layout.name,
        "overrides": list(overrides),
        "arch": m.arch,
        "format": m.mmu_format,
        "description": table.name,
        "page_size": m.page_size,
        "va_bits": table.va_bits,
        "levels": {"count": len(getattr(table, "levels", ())) or 2, "first": table.first_level,
                   "step": table.level_step},
        "roots": {name: f"{pa:#x}" for name, pa in table.roots().items()},
        "registers": {name: f"{value:#x}" for name, value in table.registers().items()},
        "contexts": {ctx: {name: f"{value:#x}" for name, value in regs.items()}
                     for ctx, regs in table.contexts().items()},
        "ram": [{"start": f"{lo:#x}", "end": f"{hi:#x}"} for lo, hi in sorted(m.banks)],
        "linear_map": {"va": f"{m.linear.va_start:#x}", "pa": f"{m.linear.pa_start:#x}",
                       "lowmem_end": f"{m.lowmem_end:#x}"},
        "kernel_image": None if m.kernel_image is None else {
            "va": f"{m.kernel_image[0]:#x}", "pa": f"{m.kernel_image[1]:#x}", "size": m.kernel_image[2]},
        "images": chunks,
        "leaves": _leaf_runs(table),
        "workload": workload,
        "kernel_mappings": _kernel_mappings(m),
    }
    return TableExport(manifest, tuple(images))


__all__ = ["SCHEMA_ID", "TableExport", "export_tables", "rights"]
