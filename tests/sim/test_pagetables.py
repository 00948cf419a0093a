"""Real descriptor bit patterns for every format (SIM-REFERENCE §5), walks, and MMU checks."""

from __future__ import annotations

import pytest

from layoutc.sim.archfacts import SIM_ARCHES, TlbLevel
from layoutc.sim.mmu import Fault, Mmu
from layoutc.sim.pagetable import new_table
from layoutc.sim.pagetable.format import KR, KW, PAGE_KERNEL, PAGE_KERNEL_ROX, PAGE_USER_RW, UR, UW, Leaf
from layoutc.sim.tlb import Tlb

MiB, GiB = 1 << 20, 1 << 30


class Bump:
    """A table allocator handing out aligned physical addresses from 0x1000_0000 up."""

    def __init__(self) -> None:
        self.next = 0x1000_0000

    def __call__(self, size: int) -> int:
        size = max(size, 4096)
        self.next = (self.next + size - 1) & ~(size - 1)
        pa = self.next
        self.next += size
        return pa


def desc_at(table, va: int, level: int) -> int:
    """Read the raw descriptor the hardware reads at ``level`` for ``va`` (radix formats)."""
    pa = table.root_for(va)
    for lvl, (shift, entries, _, _) in enumerate(table.levels):
        desc = table.tables[pa][(va >> shift) & (entries - 1)]
        if lvl == level:
            return desc
        pa = desc & table.addr_mask
    raise AssertionError


# ------------------------------------------------------------------ ARM short-descriptor


def test_arm_short_kernel_section_bits():
    t = new_table("arm_short", Bump(), 12, 32)
    t.map(0xC010_0000, 0x6010_0000, MiB, PAGE_KERNEL)
    # PMD_TYPE_SECT | B | C | XN | AP_WRITE | TEX(1) | S, domain KERNEL (0)
    assert t.l1[0xC01] == 0x6010_0000 | 0b10 | 0x4 | 0x8 | 0x10 | 0x400 | 0x1000 | 0x1_0000
    rox = new_table("arm_short", Bump(), 12, 32)
    rox.map(0xC010_0000, 0x6010_0000, MiB, PAGE_KERNEL_ROX)
    assert rox.l1[0xC01] == 0x6010_0000 | 0b10 | 0x4 | 0x8 | 0x400 | 0x1000 | 0x8000 | 0x1_0000  # APX, no XN


def test_arm_short_pte_page_holds_linux_and_hardware_tables_in_pairs():
    t = new_table("arm_short", Bump(), 12, 32)
    t.map(0xC010_3000, 0x6010_3000, 4096, PAGE_KERNEL)
    even, odd = t.l1[0xC00], t.l1[0xC01]
    page = (even & 0xFFFF_FC00) - 2048
    assert page % 4096 == 0
    assert even == (page + 2048) | 0b01 | 0x10  # table, PMD_BIT4, domain 0
    assert odd == even + 1024
    linux = t.tables[page + 1024][3]  # second MiB -> Linux pt 1
    hw = t.tables[page + 3072][3]  # second MiB -> h/w pt 1
    # Linux: PRESENT | YOUNG | MT_WRITEALLOC | DIRTY | XN | SHARED
    assert linux == 0x6010_3000 | 0x1 | 0x2 | 0x1C | 0x40 | 0x200 | 0x400
    # h/w: XN | small | B | C | AP0 | TEX(1) | S
    assert hw == 0x6010_3000 | 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x400
    t.check_invariants()


def test_arm_short_user_page_bits_and_domain():
    t = new_table("arm_short", Bump(), 12, 32)
    t.map(0x0001_0000, 0x7000_0000, 4096, PAGE_USER_RW)
    desc = t.l1[0]
    assert desc & 0x1E0 == 1 << 5 and desc & 0x4  # DOMAIN_USER, PXNTable
    hw = t.tables[desc & 0xFFFF_FC00][0x10]
    assert hw & 0x30 == 0x30 and not hw & 0x200 and hw & 0x800  # AP=11 (RW/RW), APX=0, nG
    leaf = t.walk(0x0001_0ABC)
    assert isinstance(leaf, Leaf) and leaf.perm == KR | KW | UR | UW and leaf.domain_user


def test_arm_short_sections_only_where_aligned():
    t = new_table("arm_short", Bump(), 12, 32)
    t.map(0xC000_0000, 0x6000_0000, 0x30_8000, PAGE_KERNEL)
    # alloc_init_pmd decides per 2 MiB pair: [0xc0000000, 0xc0200000) is aligned at both ends,
    # [0xc0200000, 0xc0308000) is not, so both of its MiBs get ptes
    assert t.walk(0xC000_0000).shift == 20 and t.walk(0xC010_0000).shift == 20
    assert t.walk(0xC020_0000).shift == 12 and t.walk(0xC030_0000).shift == 12 and t.walk(0xC030_7FFF).pa_base == 0x6030_7000
    assert t.walk(0xC030_8000).kind == "translation"


# ------------------------------------------------------------------ LPAE, arm64, x86_64


def test_lpae_section_and_page_bits():
    t = new_table("arm_lpae", Bump(), 12, 32)
    t.map(0xC000_0000, 0x8000_0000, 2 * MiB, PAGE_KERNEL)
    t.map(0xC020_0000, 0x8020_0000, 4096, PAGE_USER_RW)
    # block: 01 | AttrIndx 7 (PMD_SECT_WBWA; 0 would be strongly-ordered under Linux's MAIR0) | SH inner | AF | XN(54)
    assert desc_at(t, 0xC000_0000, 1) == 0x8000_0000 | 0b01 | 7 << 2 | 0x300 | 0x400 | 1 << 54
    # page: 11 | AttrIndx 7 (L_PTE_MT_WRITEALLOC) | AP[1] user | SH | AF | nG | XN
    assert desc_at(t, 0xC020_0000, 2) == 0x8020_0000 | 0b11 | 7 << 2 | 0x40 | 0x300 | 0x400 | 0x800 | 1 << 54
    assert desc_at(t, 0xC020_0000, 1) & (1 << 59)  # PXNTable on the user table


@pytest.mark.parametrize("granule, va_bits, levels, block_shift", [
    (12, 48, 4, 21), (12, 39, 3, 21), (14, 47, 3, 25), (16, 42, 2, 29), (16, 48, 3, 29),
], ids=["4K-48", "4K-39", "16K-47", "64K-42", "64K-48"])
def test_arm64_levels_and_block_bits(granule, va_bits, levels, block_shift):
    t = new_table(f"arm64_{1 << (granule - 10)}k", Bump(), granule, va_bits)
    assert len(t.levels) == levels
    base = (1 << 64) - (1 << va_bits)
    size = 1 << block_shift
    t.map(base, 0x4000_0000 if granule == 12 else 0x2000_0000 * 4, size, PAGE_KERNEL)
    leaf = t.walk(base + 123)
    assert isinstance(leaf, Leaf) and leaf.shift == block_shift and leaf.steps == levels - 1
    block_level = levels - 2
    desc = desc_at(t, base, block_level)
    # block: 01 | AttrIndx 0 | SH | AF | DBM(51) | PXN(53) | UXN(54)
    assert desc & 0xFFF == 0b01 | 0x300 | 0x400
    assert desc >> 51 & 0xF == 0b1101  # DBM, no CONT, PXN, UXN
    assert leaf.perm == KR | KW


def test_arm64_kernel_text_and_user_page_bits():
    t = new_table("arm64_4k", Bump(), 12, 48)
    top = (1 << 64) - (1 << 48)
    t.map(top + 0x8000_0000, 0x4020_0000, 4096, PAGE_KERNEL_ROX)
    assert desc_at(t, top + 0x8000_0000, 3) == 0x4020_0000 | 0b11 | 0x80 | 0x300 | 0x400 | 1 << 54  # RDONLY, UXN
    t.map(0x40_0000, 0x5000_0000, 4096, PAGE_USER_RW)
    d = desc_at(t, 0x40_0000, 3)
    assert d == 0x5000_0000 | 0b11 | 0x40 | 0x300 | 0x400 | 0x800 | 1 << 51 | 1 << 53 | 1 << 54
    assert t.walk(0x40_0000).perm == KR | KW | UR | UW  # EL0-writable: implicitly PXN
    assert t.walk(1 << 60).kind == "translation"  # neither TTBR0 nor TTBR1


@pytest.mark.parametrize("mmu, levels", [("x86_64", 4), ("x86_64_5level", 5)])
def test_x86_64_large_page_bits(mmu, levels):
    t = new_table(mmu, Bump(), 12, 57 if levels == 5 else 48)
    base = 0xFF11_0000_0000_0000 if levels == 5 else 0xFFFF_8880_0000_0000
    t.map(base, 0, GiB + 2 * MiB + 4096, PAGE_KERNEL)
    # 1 GiB page in the PUD: P RW A D PS G NX
    assert desc_at(t, base, levels - 3) == 0x8000_0000_0000_01E3
    assert desc_at(t, base + GiB, levels - 2) == GiB | 0x8000_0000_0000_01E3  # 2 MiB in the PMD
    assert desc_at(t, base + GiB + 2 * MiB, levels - 1) == (GiB + 2 * MiB) | 0x8000_0000_0000_0163  # 4K: no PS
    assert desc_at(t, base + GiB, levels - 3) & 0xFFF == 0x063  # _KERNPG_TABLE
    assert t.walk(base).steps == levels - 2 and t.walk(base + GiB).steps == levels - 1
    assert t.walk(0x0000_9000_0000_0000 if levels == 4 else 0x0100_0000_0000_0000 << 8).kind == "translation"


def test_x86_64_user_page_bits():
    t = new_table("x86_64", Bump(), 12, 48)
    t.map(0x40_0000, 0x20_0000, 4096, PAGE_USER_RW)
    assert desc_at(t, 0x40_0000, 3) == 0x20_0000 | 0x8000_0000_0000_0067  # P RW US A D NX
    assert desc_at(t, 0x40_0000, 0) & 0xFFF == 0x067  # _PAGE_TABLE


# ------------------------------------------------------------------ MMU


def _mmu(mmu: str, arch: str, va_bits: int = 48):
    table = new_table(mmu, Bump(), 12, va_bits)
    sim = SIM_ARCHES[arch]
    return table, Mmu(table, Tlb(sim.tlb), sim.pan, sim.pan_name, pan_by_domain=mmu == "arm_short")


@pytest.mark.parametrize("mmu, arch, kernel_va, user_va, kernel_on_user", [
    ("arm_short", "arm", 0xC000_0000, 0x0001_0000, "domain"),
    ("x86_64", "x86_64", 0xFFFF_8880_0000_0000, 0x40_0000, "permission"),
    ("arm64_4k", "arm64", 0xFFFF_0000_0000_0000, 0x40_0000, "permission"),
])
def test_mmu_enforces_isolation_and_pan(mmu, arch, kernel_va, user_va, kernel_on_user):
    table, m = _mmu(mmu, arch)
    table.map(kernel_va, 0x4000_0000, 2 * MiB, PAGE_KERNEL)
    table.map(user_va, 0x5000_0000, 4096, PAGE_USER_RW)
    assert m.translate(kernel_va + 0x123, "w") == 0x4000_0123
    assert isinstance(m.translate(kernel_va, "x"), Fault) and m.translate(kernel_va, "x").kind == "permission"
    user_on_kernel = m.translate(kernel_va, "r", user=True)
    assert isinstance(user_on_kernel, Fault) and user_on_kernel.kind == "permission"
    assert m.translate(user_va + 8, "w", user=True) == 0x5000_0008
    fault = m.translate(user_va, "r", user=False)
    assert isinstance(fault, Fault) and fault.kind == kernel_on_user
    m.pan = False
    m.tlb.flush_all()
    assert m.translate(user_va, "r") == 0x5000_0000
    missing = m.translate(kernel_va + 4 * MiB)
    assert isinstance(missing, Fault) and missing.kind == "translation"


def test_mmu_access_flag_fault_on_arm64():
    table, m = _mmu("arm64_4k", "arm64")
    va = 0xFFFF_0000_0000_0000
    table.map(va, 0x4000_0000, 4096, PAGE_KERNEL)
    pa = table.root
    for shift, entries, _, _ in table.levels[:-1]:
        pa = table.tables[pa][(va >> shift) & (entries - 1)] & table.addr_mask
    table.tables[pa][0] &= ~(1 << 10)  # clear AF
    fault = m.translate(va)
    assert isinstance(fault, Fault) and fault.kind == "access flag"


def test_tlb_counts_hits_misses_walk_steps_and_evicts_lru():
    table = new_table("x86_64", Bump(), 12, 48)
    tlb = Tlb((TlbLevel("L1", (((12,), 4),)),))
    m = Mmu(table, tlb, True, "SMAP")
    base = 0xFFFF_8880_0000_0000
    table.map(base, 0, 8 * 4096, PAGE_KERNEL, blocks=False)
    for i in range(4):
        m.translate(base + i * 4096)
    assert (tlb.misses, m.walk_steps) == (4, 16)
    m.translate(base)  # hit, page 0 becomes MRU
    assert m.l0_hits == 1
    m.translate(base + 4 * 4096)  # evicts page 1 (LRU)
    m.translate(base)
    assert m.l0_hits == 2
    m.translate(base + 4096)
    assert tlb.misses == 6
    m.check_invariants()


@pytest.mark.parametrize("defines", [(), ("lpae=true",)], ids=["short", "lpae"])
def test_arm_vectors_page_is_kernel_executable(defines):
    """create_mapping(MT_HIGH_VECTORS) gives the vectors page's table the mem_type's prot_l1, without PXNTable
    (only pmd_populate's user tables have it): the kernel runs its exception entry there.  The PXNTable it
    used to get was found by `layoutc verify --qemu` on sabrelite's Cortex-A9, which has no PXN."""
    from pathlib import Path

    from layoutc.session import load_layout
    from layoutc.sim.boot import boot

    root = Path(__file__).resolve().parents[2]
    result = load_layout(str(root / "layouts" / "arm32.kl"), list(defines))
    assert result.layout is not None and not result.errors
    m = boot(result.layout)
    pa = m.mmu.translate(0xFFFF_0000, "r")
    assert isinstance(pa, int) and m.mmu.translate(0xFFFF_0000, "x") == pa  # kernel exec: no PXN anywhere
    assert m.mmu.translate(0xFFFF_0000, "x", user=True) == pa  # the kuser helpers: user exec too
    assert isinstance(m.mmu.translate(0xFFFF_0000, "w"), Fault)  # read-only for both
    # a user page still gets a PXNTable table (user_pmd_table): the kernel may not execute through it
    t = new_table("arm_short", Bump(), 12, 32)
    t.map(0x0001_0000, 0x7000_0000, 4096, PAGE_USER_RW)
    assert t.l1[0] & 0x4
