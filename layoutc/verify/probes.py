"""Probe selection and the simulator's predictions: what ``layoutc verify`` asks the hardware.

    layout regions, holes, gaps, mapped leaves  --pick-->  probe addresses (deduplicated, sorted)
    probe address x access kind  --mmu.translate-->  Expectation (a physical address, or a Fault)

Access kinds: kernel read/write/exec and user read/write (and user exec where the guest can run
code unprivileged on the probed page: arm64, for UXN).  Probes are each region's first and
last byte, the byte on each side of a region edge (guard gaps, holes between regions), each
declared hole's ends, each mapped leaf run's ends, and seeded random addresses inside all of
them.  After a workload (``mappings.after_boot``) also each vmalloc/vmap area's first and last
byte and its guard page's, each kmap'd pkmap and kmap_local slot's, each recently vfree'd
range's and the next free slot's ends: up to ``MAX_PER_KIND`` of each kind, evenly spread.
Pure: no QEMU here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..sim.mmu import Fault

ACCESSES = (("kernel", "r"), ("kernel", "w"), ("kernel", "x"), ("user", "r"), ("user", "w"))
USER_EXEC = ("user", "x")
KIND_CODES = {("kernel", "r"): 0, ("kernel", "w"): 1, ("kernel", "x"): 2, ("user", "r"): 3, ("user", "w"): 4,
              ("user", "x"): 5}
ALIGN = {"r": 8, "w": 8, "x": 4}  # accesses are naturally aligned words (translation is per page)
MAX_PER_KIND = 48  # probed mappings made after boot, per kind (vmalloc, pkmap, vfree ...)
MAX_RUNS = 256  # mapped runs whose ends are probed (a workload leaves one per vmalloc area)


@dataclass(frozen=True, slots=True)
class Probe:
    va: int  # the address as probed (aligned down for the access)
    who: str  # "kernel" or "user"
    access: str  # "r", "w", "x"
    why: str  # where the address came from (a region's first byte, a hole, random ...)
    expected: int | Fault  # mmu.translate's answer


def probe_addresses(m, random_count: int = 64, seed: int = 0, max_leaves: int = 256,
                    extra: tuple[int, ...] = (), mappings: tuple = (), boot: bool = True) -> list[tuple[int, str]]:
    """(address, why) for every probe address, sorted by address; ``extra`` addresses are probed too, and
    the ends of ``mappings`` (``mappings.after_boot(m)``).  ``boot=False``: only those two."""
    layout = m.layout
    limit = 1 << layout.bits
    picked: dict[int, str] = {}

    def add(va: int, why: str) -> None:
        if 0 <= va < limit and va not in picked:
            picked[va] = why

    for va in extra:
        add(va, "requested")
    for va, why in mapping_addresses(mappings):
        add(va, why)
    if not boot:
        return sorted(picked.items())
    space = layout.spaces["virtual"]
    spans = []
    for region in space.regions:
        if not region.known or region.size <= 0:
            continue
        spans.append((region.start, region.end, f"region {region.name}"))
        add(region.start, f"first byte of {region.name}")
        add(region.end - 1, f"last byte of {region.name}")
        add(region.start - 1, f"byte below {region.name}")
        add(region.end, f"byte above {region.name}")
    for hole in space.holes:
        if hole.start is not None and hole.end is not None and hole.end > hole.start:
            spans.append((hole.start, hole.end, f"hole {hole.name or ''}".strip()))
            add(hole.start, "first byte of a hole")
            add(hole.end - 1, "last byte of a hole")
    runs = _leaf_runs(m)
    for run in runs[::max(1, -(-len(runs) // MAX_RUNS))]:
        va, size = run
        spans.append((va, va + size, "mapped"))
        add(va, "first byte of a mapping")
        add(va + size - 1, "last byte of a mapping")
        add(va - 1, "byte below a mapping")
        add(va + size, "byte above a mapping")
    leaves = [(va, size) for va, size, _level, _desc in m.pagetable.leaves()]
    step = max(1, len(leaves) // max_leaves)
    for va, size in leaves[::step]:  # each leaf's ends (every leaf up to max_leaves, evenly spread past that)
        add(va, "first byte of a leaf")
        add(va + size - 1, "last byte of a leaf")
    rng = random.Random(seed)
    for _ in range(random_count):
        start, end, why = spans[rng.randrange(len(spans))]
        add(rng.randrange(start, end), f"random in {why}")
    return sorted(picked.items())


def mapping_addresses(mappings: tuple) -> list[tuple[int, str]]:
    """The ends of each mapping made after boot and of its guard page; up to MAX_PER_KIND per kind."""
    by_kind: dict[str, list] = {}
    for x in mappings:
        by_kind.setdefault(x.kind, []).append(x)
    out = []
    for kind, items in by_kind.items():
        for x in items[::max(1, -(-len(items) // MAX_PER_KIND))]:
            name = f"{kind} {x.va:#x} ({x.what})"
            out += [(x.va, f"first byte of {name}"), (x.va + x.size - 1, f"last byte of {name}")]
            if x.guard:
                out += [(x.va + x.size, f"first byte of the guard page of {name}"),
                        (x.va + x.size + x.guard - 1, f"last byte of the guard page of {name}")]
    return out


def _leaf_runs(m) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for va, size, _level, _desc in m.pagetable.leaves():
        if runs and runs[-1][0] + runs[-1][1] == va:
            runs[-1][1] += size
        else:
            runs.append([va, size])
    return [(va, size) for va, size in runs]


def expectations(m, addresses: list[tuple[int, str]], exec_xor: int = 0, apart: frozenset[int] = frozenset(),
                 accesses: tuple[tuple[str, str], ...] = ACCESSES) -> list[Probe]:
    """Every access kind at every address, with what the simulator's MMU answers.  ``exec_xor`` moves
    the execute probe to another offset in the same page (translation is per page); so does
    ``apart`` for the addresses in it (0x800: the other half of a 4 KiB page)."""
    probes = []
    for va, why in addresses:
        xor = exec_xor or (0x800 if va in apart else 0)
        for who, access in accesses:
            aligned = (va ^ xor if access == "x" else va) & ~(ALIGN[access] - 1)
            expected = m.mmu.translate(aligned, access, who == "user")
            probes.append(Probe(aligned, who, access, why, expected))
    return probes


__all__ = ["ACCESSES", "KIND_CODES", "MAX_PER_KIND", "USER_EXEC", "Probe", "expectations", "mapping_addresses",
           "probe_addresses"]
