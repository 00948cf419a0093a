"""The MMU's hit path and TLB model against an obvious LRU TLB and a bare page-table walk."""

from __future__ import annotations

import random

import pytest

from layoutc.sim.archfacts import SIM_ARCHES, TlbLevel
from layoutc.sim.errors import SimError
from layoutc.sim.mmu import Fault, Mmu
from layoutc.sim.pagetable import new_table
from layoutc.sim.pagetable.format import KR, KW, KX, UR, UW, UX, Leaf, Prot
from layoutc.sim.tlb import Tlb

from .refmodel import LruTlb
from .test_pagetables import Bump

MiB, GiB = 1 << 20, 1 << 30
BIT = {"r": KR, "w": KW, "x": KX}


def _expected(table, va: int, access: str, user: bool, pan: bool):
    """What the hardware answers, from a walk alone: a pa or the kind of fault."""
    leaf = table.walk(va)
    if not isinstance(leaf, Leaf):
        return leaf.kind
    perm = leaf.perm & ~(KR | KW) if pan and leaf.perm & (UR | UW) else leaf.perm  # PAN: data accesses only
    need = BIT[access] << 3 if user else BIT[access]
    if perm & need != need:
        return "permission"
    return leaf.pa_base | (va & ((1 << leaf.shift) - 1))


def _machine(mmu: str, arch: str, levels):
    table = new_table(mmu, Bump(), 12, 48)
    kernel = 0xFFFF_8880_0000_0000 if arch == "x86_64" else 0xFFFF_0000_0000_0000
    table.map(kernel, 0x4000_0000, GiB, Prot(write=True))  # 1 GiB / 2 MiB blocks
    table.map(kernel + GiB, 0x8000_0000, 4 * MiB, Prot(write=True), blocks=False)  # 1024 small pages
    table.map(kernel + GiB + 8 * MiB, 0x9000_0000, 2 * MiB, Prot(execute=True))
    table.map(0x40_0000, 0x5000_0000, 64 * 4096, Prot(write=True, user=True))
    regions = [(kernel, GiB), (kernel + GiB, 6 * MiB), (kernel + GiB + 8 * MiB, 3 * MiB), (0x40_0000, 66 * 4096)]
    sim = SIM_ARCHES[arch]
    return table, Mmu(table, Tlb(levels or sim.tlb), True, sim.pan_name), regions


SMALL = (TlbLevel("L1", (((12,), 8), ((21,), 4), ((30,), 2))), TlbLevel("L2", (((12, 21), 24), ((30,), 3))))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mmu, arch, levels", [
    ("x86_64", "x86_64", None), ("x86_64", "x86_64", SMALL), ("arm64_4k", "arm64", None),
], ids=["x86_64-skylake", "x86_64-small", "arm64-a53"])
def test_translate_and_tlb_counts_match_the_obvious_model(seed, mmu, arch, levels):
    rng = random.Random(seed)
    table, m, regions = _machine(mmu, arch, levels)
    ref = LruTlb(levels or SIM_ARCHES[arch].tlb)
    hot = [rng.randrange(start, start + size) for start, size in regions for _ in range(6)]
    for step in range(3000):
        start, size = rng.choice(regions)
        va = rng.choice(hot) if rng.random() < 0.6 else rng.randrange(start, start + size + 8 * 4096)
        access, user = rng.choice("rrrwx"), rng.random() < 0.2
        if rng.random() < 0.01:
            lo = rng.choice(hot) & ~0xFFFF
            m.flush_range(lo, lo + 64 * 4096)
            ref.flush(lo, lo + 64 * 4096)
        got = m.translate(va, access, user)
        want = _expected(table, va, access, user, pan=True)
        assert (got.kind if isinstance(got, Fault) else got) == want, f"step {step} va {va:#x} {access} user={user}"
        if ref.lookup(va) is None:
            leaf = table.walk(va)
            if isinstance(leaf, Leaf):
                ref.fill(va, leaf.shift, True)
        stats = m.stats()
        assert (stats["tlb_misses"], stats["tlb_hits"]) == (ref.misses, sum(ref.hits)), f"step {step}"
        assert m.l0_hits == ref.hits[0]
        if step % 100 == 0:
            m.check_invariants()


def test_a_flush_forgets_memoised_translations():
    table, m, regions = _machine("x86_64", "x86_64", None)
    va = regions[1][0] + 5 * 4096
    assert m.translate(va, "w") == 0x8000_5000
    table.unmap(va, 4096)
    assert m.translate(va, "w") == 0x8000_5000  # the TLB still holds the old translation
    m.flush_range(va, va + 4096)
    assert isinstance(m.translate(va, "w"), Fault)
    table.map(va, 0x8800_0000, 4096, Prot(write=True))
    assert m.translate(va, "w") == 0x8800_0000
    m.check_invariants()


def test_unknown_access_kind_is_a_sim_error():
    _, m, regions = _machine("x86_64", "x86_64", None)
    with pytest.raises(SimError, match="translate: unknown access"):
        m.translate(regions[0][0], "rw")


def test_arm64_el0_execution_is_uxn_alone_and_pan_leaves_kernel_fetches_alone():
    """Found by verify's negative controls against QEMU: a kernel block with UXN clear is executable at EL0
    (AP[1] governs data accesses only), and PAN takes the kernel's reads and writes of an EL0-readable page,
    never its fetches."""
    from layoutc.sim.pagetable.long_desc import AP_USER, UXN

    table = new_table("arm64_4k", Bump(), 12, 48)
    kernel = 0xFFFF_0000_0000_0000
    table.map(kernel, 0x4000_0000, 4 * MiB, Prot(execute=True))  # kernel text: read-only, PXN clear, UXN set
    m = Mmu(table, Tlb(SIM_ARCHES["arm64"].tlb), True, SIM_ARCHES["arm64"].pan_name)
    assert isinstance(m.translate(kernel, "x"), int) and isinstance(m.translate(kernel, "x", True), Fault)
    leaves = {va: desc for va, _size, _level, desc in table.leaves()}
    for key, entries in table.tables.items():
        for slot, desc in enumerate(entries):
            if desc == leaves[kernel]:
                entries[slot] = desc & ~UXN
            elif desc == leaves[kernel + 2 * MiB]:
                entries[slot] = desc | AP_USER  # EL0-readable (still read-only: no implied PXN)
    m.flush_all()
    assert table.walk(kernel).perm & UX and isinstance(m.translate(kernel, "x", True), int)
    assert isinstance(m.translate(kernel + 2 * MiB, "x"), int)  # PAN does not stop the fetch
    fault = m.translate(kernel + 2 * MiB, "r")
    assert isinstance(fault, Fault) and fault.kind == "permission"  # ... but the read
