"""RISC-V Sv39/Sv48/Sv57: hand-computed PTEs (privileged spec; arch/riscv/include/asm/pgtable-bits.h),
walks and their faults, the MMU with SUM clear, and `layoutc sim layouts/riscv64.kl` end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layoutc.cli import main
from layoutc.sim.archfacts import SIM_ARCHES
from layoutc.sim.mmu import Fault, Mmu
from layoutc.sim.pagetable import new_table
from layoutc.sim.pagetable.format import KR, KW, KX, PAGE_KERNEL, PAGE_KERNEL_ROX, PAGE_USER_RW, UR, UW, UX
from layoutc.sim.tlb import Tlb

from .test_pagetables import Bump, desc_at

MiB, GiB = 1 << 20, 1 << 30
RISCV = str(Path(__file__).resolve().parents[2] / "layouts" / "riscv64.kl")
SV39_PAGE_OFFSET = 0xFFFF_FFD6_0000_0000  # 6.11+ Sv39 PAGE_OFFSET (layouts/riscv64.kl)
# PTE bits: V 0, R 1, W 2, X 3, U 4, G 5, A 6, D 7; PPN from bit 10 -> a 4K-aligned pa appears as pa >> 2
V, R, W, X, U, G, A, D = 1, 2, 4, 8, 16, 32, 64, 128


def test_sv39_leaf_bits_at_each_level():
    t = new_table("riscv_sv39", Bump(), 12, 39)
    base = SV39_PAGE_OFFSET
    t.map(base, 0x8000_0000, GiB + 2 * MiB, PAGE_KERNEL)
    t.map(base + GiB + 2 * MiB, 0xC020_0000, 4096, PAGE_KERNEL_ROX)
    # gigapage in the root: PPN 0x80000 << 10, D A G W R V
    assert desc_at(t, base, 0) == 0x2000_0000 | 0xE7
    # megapage: PPN 0xC0000 << 10
    assert desc_at(t, base + GiB, 1) == 0x3000_0000 | 0xE7
    # 4K page, read-only executable: A G X R V, no D
    assert desc_at(t, base + GiB + 2 * MiB, 2) == 0x3008_0000 | 0x6B
    # a pointer entry is V alone (_PAGE_TABLE), its PPN the child table's
    pointer = desc_at(t, base + GiB, 0)
    assert pointer & 0x3FF == V
    assert t.table_pa(pointer) % 4096 == 0 and t.table_pa(pointer) >= 0x1000_0000
    t.check_invariants()


def test_user_page_bits():
    t = new_table("riscv_sv39", Bump(), 12, 39)
    t.map(0x40_0000, 0x20_0000, 4096, PAGE_USER_RW)
    assert desc_at(t, 0x40_0000, 2) == 0x8_0000 | 0xD7  # D A U W R V, not G
    assert desc_at(t, 0x40_0000, 0) & 0x3FF == V  # pointers never carry U/A/D


def test_satp_names_the_root_page():
    t = new_table("riscv_sv48", Bump(), 12, 48)
    assert t.satp_ppn == 0x1000_0000 >> 12  # the first table Bump hands out


@pytest.mark.parametrize("mmu, va_bits, base", [
    ("riscv_sv39", 39, 0xFFFF_FFD6_0000_0000),
    ("riscv_sv48", 48, 0xFFFF_AF80_0000_0000),
    ("riscv_sv57", 57, 0xFF60_0000_0000_0000),
])
def test_walk_levels_per_mode(mmu, va_bits, base):
    levels = {39: 3, 48: 4, 57: 5}[va_bits]
    t = new_table(mmu, Bump(), 12, va_bits)
    t.map(base, 0, GiB, PAGE_KERNEL)
    t.map(base + GiB, GiB, 2 * MiB, PAGE_KERNEL)
    t.map(base + GiB + 2 * MiB, GiB + 2 * MiB, 4096, PAGE_KERNEL)
    giga, mega, page = t.walk(base + 0x1234), t.walk(base + GiB + 0x1234), t.walk(base + GiB + 2 * MiB + 0x12)
    assert (giga.steps, giga.shift, giga.pa_base) == (levels - 2, 30, 0)
    assert (mega.steps, mega.shift, mega.pa_base) == (levels - 1, 21, GiB)
    assert (page.steps, page.shift, page.pa_base) == (levels, 12, GiB + 2 * MiB)
    assert giga.perm == KR | KW and giga.global_
    miss = t.walk(base + 2 * GiB)
    assert miss.kind == "translation"
    # one bit above VA-1 differs from the rest: not canonical, nothing is read
    noncanon = t.walk(1 << (va_bits - 1))
    assert (noncanon.kind, noncanon.steps) == ("translation", 0) and "canonical" in noncanon.detail


def _poke(t, va: int, level: int, desc: int) -> None:
    key = t.root
    for lvl, (shift, entries, _, _) in enumerate(t.levels):
        index = (va >> shift) & (entries - 1)
        if lvl == level:
            t.tables[key][index] = desc
            return
        key = t.tables[key][index] & t.addr_mask


def test_reserved_and_misaligned_encodings_fault():
    t = new_table("riscv_sv39", Bump(), 12, 39)
    base = SV39_PAGE_OFFSET
    t.map(base, 0x8000_0000, 4096, PAGE_KERNEL)
    _poke(t, base, 2, 0x2000_0000 | V | W | A | D)  # W without R
    fault = t.walk(base)
    # level i = 0 is the 4 KiB PTE (privileged spec 4.3.2: i counts down from LEVELS-1 at the root)
    assert (fault.kind, fault.level, fault.steps) == ("translation", 0, 3) and "W without R" in fault.detail
    _poke(t, base, 2, 0)
    pointer = desc_at(t, base, 1)
    _poke(t, base, 1, pointer | A)  # A on a pointer entry is reserved
    assert "pointer" in t.walk(base).detail
    _poke(t, base, 1, pointer)
    _poke(t, base, 2, pointer)  # a pointer at the last level
    assert t.walk(base).kind == "translation"
    # a megapage whose PPN[0] is not zero is misaligned
    _poke(t, base, 1, (0x8000_1000 >> 2) | V | R | A)
    fault = t.walk(base)
    assert (fault.kind, fault.steps, fault.detail) == ("translation", 2, "misaligned superpage")


def test_accessed_clear_is_reported():
    t = new_table("riscv_sv39", Bump(), 12, 39)
    _poke(t, SV39_PAGE_OFFSET, 0, 0x2000_0000 | V | R)  # gigapage without A
    assert t.walk(SV39_PAGE_OFFSET).af is False


def _mmu():
    t = new_table("riscv_sv39", Bump(), 12, 39)
    sim = SIM_ARCHES["riscv64"]
    return t, Mmu(t, Tlb(sim.tlb), sim.pan, sim.pan_name)


def test_mmu_isolation_and_sum_clear():
    t, m = _mmu()
    kva, uva = SV39_PAGE_OFFSET, 0x40_0000
    t.map(kva, 0x8000_0000, 2 * MiB, PAGE_KERNEL)
    t.map(kva + 2 * MiB, 0x8020_0000, 4096, PAGE_KERNEL_ROX)
    t.map(uva, 0x9000_0000, 4096, PAGE_USER_RW)
    assert m.translate(kva + 0x123, "w") == 0x8000_0123
    assert isinstance(m.translate(kva, "x"), Fault)  # PAGE_KERNEL has no X
    assert m.translate(kva + 2 * MiB, "x") == 0x8020_0000
    assert m.translate(kva + 2 * MiB, "w").kind == "permission"
    assert m.translate(kva, "r", user=True).kind == "permission"  # U clear
    assert m.translate(uva + 8, "w", user=True) == 0x9000_0008
    blocked = m.translate(uva, "r")
    assert blocked.kind == "permission" and "SUM" in blocked.detail
    assert m.translate(0x0000_0040_0000_0000, "r").kind == "translation"  # non-canonical


def test_leaf_permissions_without_sum_switch():
    t = new_table("riscv_sv39", Bump(), 12, 39)
    t.map(0x40_0000, 0x9000_0000, 4096, PAGE_USER_RW)
    # the walk's own mask: S-mode may read/write U pages (with SUM) but never execute them
    assert t.walk(0x40_0000).perm == KR | KW | UR | UW
    assert not t.walk(0x40_0000).perm & (KX | UX)


# ------------------------------------------------------------------ end to end


def test_boot(capsys):
    assert main(["sim", RISCV, "--boot"]) == 0
    out = capsys.readouterr().out
    # 2 GiB at 0x80000000 (the layout's default) lies below 4 GiB: all of it is DMA32
    assert "  DMA32    [mem 0x0000000080000000-0x00000000ffffffff]" in out
    assert re.search(r"^Memory: \d+K/2097152K available", out, re.MULTILINE)


def test_ptdump_uses_gigapages_for_the_linear_map(capsys):
    assert main(["sim", RISCV, "--ptdump"]) == 0
    out = capsys.readouterr().out
    # PAGE_OFFSET 0xffffffd600000000 is 1 GiB aligned and RAM is 2 GiB: two gigapages, RW, no X
    assert "0xffffffd600000000-0xffffffd680000000           2G PGD D A G . . W R V" in out
    assert "Checked W+X mappings: passed" in out


@pytest.mark.parametrize("mode", ["sv39", "sv48", "sv57"])
def test_isolation_scenario(capsys, mode):
    assert main(["sim", RISCV, "-D", f"mode={mode}", "--scenario", "isolation"]) == 0
    out = capsys.readouterr().out
    assert "user access to kernel regions: all fault" in out
    assert re.search(r"user page, user r +0x400000  allowed", out)
    assert re.search(r"user page, kernel r +0x400000  permission fault \(SUM clear", out)


def test_hugepages_tlb_scenario(capsys):
    assert main(["sim", RISCV, "--scenario", "hugepages-tlb"]) == 0
    out = capsys.readouterr().out
    # 64 MiB, two passes: 4K pages miss every time (16384 pages > 512 TLB entries), 3-step Sv39 walks;
    # 32 megapages fit the 40-entry L1 DTLB: only the first pass misses, 2-step walks
    assert "base pages: 32768 TLB misses, 98304 page-walk steps" in out
    assert "large pages: 32 TLB misses, 64 page-walk steps" in out
