"""layouts/x86.kl and layouts/riscv64.kl reproduce their reference tables, and check clean.

riscv64: the three tables of Documentation/arch/riscv/vm-layout.rst [v6.12] (inclusive ends,
as the document prints them; each row is one test case).  x86 (32-bit) has no in-tree
table: its rows are the "typical numbers" of shared/LINUX-LAYOUTS.md 4.1/4.3, each seen in a
real boot log (tests/data/banners/x86-*).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layoutc.session import Policy, check_matrix, load_layout

ROOT = Path(__file__).resolve().parent.parent
RISCV = str(ROOT / "layouts" / "riscv64.kl")
X86 = str(ROOT / "layouts" / "x86.kl")

# Documentation/arch/riscv/vm-layout.rst [v6.12]: (mode, region, start, inclusive end)
RISCV_ROWS = [
    ("sv39", "user", 0x0000000000000000, 0x0000003FFFFFFFFF),
    ("sv39", "fixmap", 0xFFFFFFC4FEA00000, 0xFFFFFFC4FEFFFFFF),
    ("sv39", "pci_io", 0xFFFFFFC4FF000000, 0xFFFFFFC4FFFFFFFF),
    ("sv39", "vmemmap", 0xFFFFFFC500000000, 0xFFFFFFC5FFFFFFFF),
    ("sv39", "vmalloc_area", 0xFFFFFFC600000000, 0xFFFFFFD5FFFFFFFF),
    ("sv39", "linear_window", 0xFFFFFFD600000000, 0xFFFFFFF5FFFFFFFF),
    ("sv39", "kasan_area", 0xFFFFFFF700000000, 0xFFFFFFFEFFFFFFFF),
    ("sv39", "modules_window", 0xFFFFFFFF00000000, 0xFFFFFFFF7FFFFFFF),
    ("sv39", "kernel_window", 0xFFFFFFFF80000000, 0xFFFFFFFFFFFFFFFF),
    ("sv48", "user", 0x0000000000000000, 0x00007FFFFFFFFFFF),
    ("sv48", "fixmap", 0xFFFF8D7FFEA00000, 0xFFFF8D7FFEFFFFFF),
    ("sv48", "pci_io", 0xFFFF8D7FFF000000, 0xFFFF8D7FFFFFFFFF),
    ("sv48", "vmemmap", 0xFFFF8D8000000000, 0xFFFF8F7FFFFFFFFF),
    ("sv48", "vmalloc_area", 0xFFFF8F8000000000, 0xFFFFAF7FFFFFFFFF),
    ("sv48", "linear_window", 0xFFFFAF8000000000, 0xFFFFEF7FFFFFFFFF),
    ("sv48", "kasan_area", 0xFFFFEF8000000000, 0xFFFFFFFEFFFFFFFF),
    ("sv48", "modules_window", 0xFFFFFFFF00000000, 0xFFFFFFFF7FFFFFFF),
    ("sv48", "kernel_window", 0xFFFFFFFF80000000, 0xFFFFFFFFFFFFFFFF),
    ("sv57", "user", 0x0000000000000000, 0x00FFFFFFFFFFFFFF),
    ("sv57", "fixmap", 0xFF1BFFFFFEA00000, 0xFF1BFFFFFEFFFFFF),
    ("sv57", "pci_io", 0xFF1BFFFFFF000000, 0xFF1BFFFFFFFFFFFF),
    ("sv57", "vmemmap", 0xFF1C000000000000, 0xFF1FFFFFFFFFFFFF),
    ("sv57", "vmalloc_area", 0xFF20000000000000, 0xFF5FFFFFFFFFFFFF),
    ("sv57", "linear_window", 0xFF60000000000000, 0xFFDEFFFFFFFFFFFF),
    ("sv57", "kasan_area", 0xFFDF000000000000, 0xFFFFFFFEFFFFFFFF),
    ("sv57", "modules_window", 0xFFFFFFFF00000000, 0xFFFFFFFF7FFFFFFF),
    ("sv57", "kernel_window", 0xFFFFFFFF80000000, 0xFFFFFFFFFFFFFFFF),
]


@pytest.mark.parametrize("mode,name,start,last", RISCV_ROWS, ids=[f"{m}-{n}" for m, n, _, _ in RISCV_ROWS])
def test_riscv_vm_layout_rst(mode, name, start, last):
    result = load_layout(RISCV, [f"mode={mode}", "kasan=true"])
    assert not result.errors, [d.message for d in result.errors]
    region = result.layout.region("virtual", name)
    assert (hex(region.start), hex(region.end - 1)) == (hex(start), hex(last))


def test_riscv_defaults_are_the_v6_12_sv39_table():
    layout = load_layout(RISCV).layout
    assert layout.value("mode").text == "sv39" and str(layout.value("kernel")) == "6.12"


# (params, region, start, end) -- exclusive ends
X86_ROWS = [
    # LINUX-LAYOUTS.md 4.1: CONFIG_PAGE_OFFSET per split
    (["vmsplit=3G"], "lowmem", 0xC0000000, None),
    (["vmsplit=3G_OPT"], "lowmem", 0xB0000000, None),
    (["vmsplit=2G"], "lowmem", 0x80000000, None),
    (["vmsplit=2G_OPT"], "lowmem", 0x78000000, None),
    (["vmsplit=1G"], "lowmem", 0x40000000, None),
    # 4.3 typical numbers, non-PAE HIGHMEM 3G split, v2.6.3x .. v4.14 (the defaults)
    ([], "pkmap", 0xFF800000, 0xFFC00000),
    ([], "vmalloc_area", 0xF7FFE000, 0xFF7FE000),
    ([], "lowmem", 0xC0000000, 0xF77FE000),
    # v4.15 .. v4.18 with PAE (2 MiB PMDs): cpu_entry 0xffa00000.., pkmap directly below
    (["kernel=4.17", "pae=true", "fixmap_size=604K", "cpu_entry_size=628K"], "cpu_entry", 0xFFA00000, 0xFFA9D000),
    (["kernel=4.17", "pae=true", "fixmap_size=604K", "cpu_entry_size=628K"], "pkmap", 0xFF800000, 0xFFA00000),
    # v4.19+ non-PAE: cpu_entry 0xffc00000, LDT remap PMD 0xff800000, pkmap 0xff400000-0xff800000,
    # VMALLOC_END 0xff3fe000, lowmem to 0xf73fe000 (883 MB)
    (["kernel=4.19", "fixmap_size=448K", "cpu_entry_size=156K"], "cpu_entry", 0xFFC00000, 0xFFC27000),
    (["kernel=4.19", "fixmap_size=448K", "cpu_entry_size=156K"], "ldt_remap", 0xFF800000, 0xFFC00000),
    (["kernel=4.19", "fixmap_size=448K", "cpu_entry_size=156K"], "pkmap", 0xFF400000, 0xFF800000),
    (["kernel=4.19", "fixmap_size=448K", "cpu_entry_size=156K"], "vmalloc_area", 0xF7BFE000, 0xFF3FE000),
    (["kernel=4.19", "fixmap_size=448K", "cpu_entry_size=156K"], "lowmem", 0xC0000000, 0xF73FE000),
    # 4.2: old i386 MAXMEM = 896 MiB and the rounded VMALLOC_START (2.6.2x logs)
    (["kernel=2.6.24", "fixmap_size=720K"], "lowmem", 0xC0000000, 0xF8000000),
    (["kernel=2.6.24", "fixmap_size=720K"], "vmalloc_area", 0xF8800000, 0xFF7FE000),
]


@pytest.mark.parametrize("params,name,start,end", X86_ROWS, ids=[f"{'_'.join(p) or 'defaults'}-{n}" for p, n, _, _ in X86_ROWS])
def test_x86_reference_numbers(params, name, start, end):
    result = load_layout(X86, params)
    assert not result.errors, [d.message for d in result.errors]
    region = result.layout.region("virtual", name)
    assert region.start == start
    if end is not None:
        assert hex(region.end) == hex(end)


@pytest.mark.parametrize("path", [RISCV, X86])
def test_defaults_check_clean(path):
    result = load_layout(path)
    assert not result.errors and not result.warnings, [d.message for d in result.diagnostics]


def test_riscv_matrix_clean():
    matrix = check_matrix(RISCV, {}, [], Policy())
    assert not matrix.findings, [f.diagnostic.message for f in matrix.findings]


@pytest.mark.parametrize("pae", ["false", "true"])
def test_x86_matrix_clean_for_valid_kconfig(pae):
    # with PAE, Kconfig offers no *_OPT split (they are not 1 GiB aligned, PAE's PGD granule)
    vary = {} if pae == "false" else {"vmsplit": ["3G", "2G", "1G"]}
    matrix = check_matrix(X86, vary, [f"pae={pae}"], Policy())
    assert not matrix.findings, [f.diagnostic.message for f in matrix.findings]


def test_x86_matrix_skips_the_impossible_kconfig():
    """PAE with VMSPLIT_3G_OPT/2G_OPT does not exist (arch/x86/Kconfig): a `requires` rules it out."""
    matrix = check_matrix(X86, {}, [], Policy())
    assert matrix.findings == []
    assert matrix.excluded and all(v["pae"] == "true" and v["vmsplit"] in ("3G_OPT", "2G_OPT") for v in matrix.excluded)


@pytest.mark.parametrize("kernel", ["2.6.16", "2.6.19"])
def test_x86_accepts_the_first_releases_with_a_configurable_split(kernel):
    """CONFIG_VMSPLIT_3G_OPT (PAGE_OFFSET 0xB0000000) exists from v2.6.16 (arch/i386/Kconfig): such a kernel is
    a real configuration, checked with the old i386 MAXMEM rule (lowmem = min(RAM, 896 MiB + the split's gain))."""
    result = load_layout(X86, [f"kernel={kernel}", "vmsplit=3G_OPT", "highmem=false", "ram=1G"])
    assert not result.errors, [d.message for d in result.errors]
    lowmem = result.layout.region("virtual", "lowmem")
    assert (lowmem.start, lowmem.end) == (0xB000_0000, 0xB000_0000 + (1 << 30))


def test_x86_refuses_releases_before_the_configurable_split():
    result = load_layout(X86, ["kernel=2.6.15"])
    assert [d.code for d in result.errors] and "2.6.16" in result.errors[0].message


@pytest.mark.parametrize("kernel, unit", [("6.1", "(1024 TB)"), ("6.12", "(1024 TB)")])
def test_riscv_sv57_vmemmap_is_printed_in_terabytes_from_v6_1(kernel, unit):
    """print_ml() (arch/riscv/mm/init.c) picks TB for sizes of 10 TB and more; the Sv57 vmemmap is 2^50 bytes.
    Before it, print_mlm() printed MB: tests/data/banners/riscv-5.18-sv57-qemu-256m.txt has "(1073741824 MB)"."""
    from layoutc.banner import banner

    layout = load_layout(RISCV, [f"kernel={kernel}", "mode=sv57"]).layout
    line = next(line for line in banner(layout).text().splitlines() if "vmemmap" in line)
    assert line.endswith(unit), line
