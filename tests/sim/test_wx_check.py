"""The boot-time W+X self-check reads kernel rights from the page-table walk, per format."""

from __future__ import annotations

import pytest

from layoutc.session import load_layout
from layoutc.sim import report
from layoutc.sim.boot import boot
from layoutc.sim.pagetable.format import Prot

CASES = [("layouts/arm32.kl", []), ("layouts/arm64.kl", []), ("layouts/x86_64.kl", []),
         ("layouts/riscv64.kl", []), ("layouts/x86.kl", ["pae=true"])]


def _machine(path, overrides):
    result = load_layout(path, overrides)
    assert not result.errors
    return boot(result.layout)


@pytest.mark.parametrize("path, overrides", CASES, ids=[c[0].split("/")[-1] + "".join(c[1]) for c in CASES])
def test_clean_boot_passes_and_a_wx_page_fails(path, overrides):
    m = _machine(path, overrides)
    assert report.wx_check(m).rstrip(".").endswith("Checked W+X mappings: passed, no W+X pages found")
    vmalloc = next(r for r in m.layout.spaces["virtual"].regions if r.known and r.kind == "vmalloc")
    va = vmalloc.end - (64 << 10)  # a page near the top of vmalloc, far from anything boot mapped
    m.pagetable.map(va, m.ram_start if hasattr(m, "ram_start") else 0, 4096, Prot(write=True, execute=True))
    assert report.wx_check(m).rstrip(".").endswith("Checked W+X mappings: FAILED, 1 W+X pages found")


def test_no_nx_bit_means_no_check():
    """x86-32 without PAE has no NX bit; the kernel skips the check (arch/x86/mm/dump_pagetables.c)."""
    assert report.wx_check(_machine("layouts/x86.kl", ["pae=false"])) is None
