"""32-bit x86, 2-level and PAE: hand-computed descriptors (pgtable_types.h bits, SIM-REFERENCE §5.4),
walks, NX only with PAE, SMAP by kernel version, and `layoutc sim layouts/x86.kl` end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layoutc.cli import main
from layoutc.sim.archfacts import sim_arch
from layoutc.sim.mmu import Mmu
from layoutc.sim.pagetable import new_table
from layoutc.sim.pagetable.format import KR, KW, KX, PAGE_KERNEL, PAGE_KERNEL_ROX, PAGE_USER_RW
from layoutc.sim.tlb import Tlb

from .test_pagetables import Bump, desc_at

MiB = 1 << 20
X86 = str(Path(__file__).resolve().parents[2] / "layouts" / "x86.kl")


def test_2level_pse_and_pte_bits():
    t = new_table("x86_2level", Bump(), 12, 32)
    t.map(0xC000_0000, 0, 4 * MiB + 4096, PAGE_KERNEL)
    assert t.entry_bytes == 4 and len(t.tables[t.root]) == 1024
    assert desc_at(t, 0xC000_0000, 0) == 0x0000_01E3  # P RW A D PS G, PFN 0; no NX bit exists
    assert desc_at(t, 0xC040_0000, 1) == 0x0040_0163  # 4K page: P RW A D G
    assert desc_at(t, 0xC040_0000, 0) & 0xFFF == 0x063  # _KERNPG_TABLE
    assert (t.walk(0xC000_1234).steps, t.walk(0xC000_1234).shift) == (1, 22)
    assert (t.walk(0xC040_0010).steps, t.walk(0xC040_0010).pa_base) == (2, 0x40_0000)
    # no NX without PAE: kernel data is executable
    assert t.walk(0xC000_0000).perm == KR | KW | KX
    t.map(0x40_0000, 0x20_0000, 4096, PAGE_USER_RW)
    assert desc_at(t, 0x40_0000, 1) == 0x0020_0067 and desc_at(t, 0x40_0000, 0) & 0xFFF == 0x067
    t.check_invariants()


def test_pae_bits():
    t = new_table("x86_pae", Bump(), 12, 32)
    t.map(0xC000_0000, 0, 2 * MiB + 4096, PAGE_KERNEL)
    t.map(0xC040_0000, 0x40_0000, 4096, PAGE_KERNEL_ROX)
    assert len(t.tables[t.root]) == 4  # 4 PDPTEs (a 32-byte pgd)
    assert desc_at(t, 0xC000_0000, 0) & 0xFFF == 0x001  # a PDPTE holds P alone
    assert desc_at(t, 0xC000_0000, 1) == 0x8000_0000_0000_01E3  # 2 MiB: P RW A D PS G NX
    assert desc_at(t, 0xC020_0000, 2) == 0x8000_0000_0020_0163  # 4K: P RW A D G NX
    assert desc_at(t, 0xC040_0000, 2) == 0x0000_0000_0040_0161  # ROX: P A D G, no RW, no NX
    # the PDPTE restricts nothing: RW survives it
    assert t.walk(0xC000_0000).perm == KR | KW and t.walk(0xC000_0000).steps == 2
    assert t.walk(0xC040_0000).perm == KR | KX and t.walk(0xC040_0000).steps == 3
    t.check_invariants()


@pytest.mark.parametrize("mmu", ["x86_2level", "x86_pae"])
def test_walk_faults(mmu):
    t = new_table(mmu, Bump(), 12, 32)
    t.map(0xC000_0000, 0, 4096, PAGE_KERNEL)
    assert t.walk(0xC000_1000).kind == "translation"
    wide = t.walk(1 << 32)
    assert (wide.kind, wide.steps) == ("translation", 0)


@pytest.mark.parametrize("mmu, kernel_exec", [("x86_2level", True), ("x86_pae", False)])
def test_mmu_isolation_nx_and_smap(mmu, kernel_exec):
    t = new_table(mmu, Bump(), 12, 32)
    sim = sim_arch("x86", mmu, (4, 14))
    m = Mmu(t, Tlb(sim.tlb), sim.pan, sim.pan_name)
    t.map(0xC000_0000, 0, 4 * MiB, PAGE_KERNEL)
    t.map(0x40_0000, 0x80_0000, 4096, PAGE_USER_RW)
    assert m.translate(0xC000_0123, "w") == 0x123
    assert isinstance(m.translate(0xC000_0000, "x"), int) == kernel_exec
    assert m.translate(0xC000_0000, "r", user=True).kind == "permission"
    assert m.translate(0x40_0008, "w", user=True) == 0x80_0008
    smap = m.translate(0x40_0000, "r")
    assert smap.kind == "permission" and "SMAP" in smap.detail


def test_smap_from_3_7():
    assert sim_arch("x86", "x86_2level", (3, 7)).pan
    old = sim_arch("x86", "x86_2level", (3, 6))
    assert not old.pan and "3.7" in old.pan_name


# ------------------------------------------------------------------ end to end


@pytest.mark.parametrize("pae", ["false", "true"])
def test_boot_and_ptdump(capsys, pae):
    assert main(["sim", X86, "-D", f"pae={pae}", "--ptdump"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^Memory: \d+K/2097152K available .*K highmem\)$", out, re.MULTILINE)
    # lowmem from 0xc0000000: 4 MiB PSE pages (non-PAE) / 2 MiB pages with NX (PAE)
    if pae == "true":
        assert "0xc0000000-0xc1000000          16M     RW         PSE     GLB NX pmd" in out
        assert "Checked W+X mappings: passed" in out
    else:
        assert "0xc0000000-0xc1000000          16M     RW         PSE     GLB x  pmd" in out


@pytest.mark.parametrize("pae", ["false", "true"])
def test_isolation_scenario(capsys, pae):
    assert main(["sim", X86, "-D", f"pae={pae}", "--scenario", "isolation"]) == 0
    out = capsys.readouterr().out
    assert "user access to kernel regions: all fault; PAN/SMAP: SMAP" in out
    assert re.search(r"user page, kernel r +0x400000  permission fault \(SMAP", out)
    assert main(["sim", X86, "-D", f"pae={pae}", "-D", "kernel=3.2", "--scenario", "isolation"]) == 0
    assert re.search(r"user page, kernel r +0x400000  allowed", capsys.readouterr().out)


@pytest.mark.parametrize("pae, large", [
    # 64 MiB as 16 PSE pages (1-step walks) / 32 PAE 2 MiB pages (PDPTE + PDE: 2 steps); both fit the TLB
    ("false", "large pages: 16 TLB misses, 16 page-walk steps"),
    ("true", "large pages: 32 TLB misses, 64 page-walk steps"),
])
def test_hugepages_tlb_scenario(capsys, pae, large):
    # the default 128 MiB vmalloc window cannot hold both 64 MiB mappings; 256 MiB can
    assert main(["sim", X86, "-D", f"pae={pae}", "-D", "vmalloc=256M", "--scenario", "hugepages-tlb"]) == 0
    out = capsys.readouterr().out
    steps = 65536 if pae == "false" else 98304  # 32768 misses x 2 or 3 levels
    assert f"base pages: 32768 TLB misses, {steps} page-walk steps" in out
    assert large in out
    assert main(["sim", X86, "-D", f"pae={pae}", "--scenario", "hugepages-tlb"]) == 0
    assert "vmalloc_fail=1" in capsys.readouterr().out
