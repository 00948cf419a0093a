"""The shipped layouts reproduce the kernel's own numbers.

One test per row of a kernel documentation table (or per line of a boot banner): the layout is
evaluated with the params that describe that document's configuration, and a region's start and
end are compared with the document.  Documentation tables give inclusive ends (``...ffff``); they
are written here as exclusive ends (``last + 1``) because layoutc regions are ``[start, end)``.

Each case id names its source:
  arm-memory.rst-v6.12         Documentation/arch/arm/memory.rst (v6.12)
  arm-memory.txt-vX            Documentation/arm/memory.txt as shipped in release vX
  arm-banner-vX                the ARM "Virtual kernel memory layout:" boot banner
                               (arch/arm/mm/init.c mem_init(), v2.6.35 .. v5.0), values from
                               shared LINUX-LAYOUTS.md §1.2-§1.6 and §1.11 (checked against real
                               boot logs)
  arm-mmu.c-vX                 arch/arm/mm/mmu.c vmalloc= handling of release vX (LINUX-LAYOUTS §1.4)
  arm64-memory.rst-vX          Documentation/arch/arm64/memory.rst (Documentation/arm64/memory.rst
                               in older trees) as shipped in release vX
  arm64-E1..E6                 the per-era tables of LINUX-LAYOUTS.md §2.3, computed from
                               arch/arm64/include/asm/memory.h of the era's first release and
                               cross-checked there against boot logs
  x86_64-mm.rst-v6.12          Documentation/arch/x86/x86_64/mm.rst (v6.12; 4-level table identical
                               to v4.20's apart from the FIXADDR_START row)
  x86_64-mm.txt-v4.9           Documentation/x86/x86_64/mm.txt (v4.9)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from layoutc.session import load_layout

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
ARM32 = "arm32.kl"
ARM64 = "arm64.kl"
X86_64 = "x86_64.kl"
TOP = 1 << 64


@lru_cache(maxsize=None)
def _load(file: str, overrides: tuple[tuple[str, str], ...]):
    res = load_layout(str(LAYOUTS / file), dict(overrides))
    messages = [f"{d.code} {d.message}" for d in res.errors]
    assert not messages, f"{file} {dict(overrides)} does not check clean: {messages}"
    assert res.layout is not None
    return res.layout


def layout_of(file: str, overrides: dict[str, str]):
    return _load(file, tuple(sorted(overrides.items())))


def row(id_: str, file: str, overrides: dict[str, str], region: str, start: int | None, end: int | None,
        space: str = "virtual"):
    """One table row: REGION of FILE (with OVERRIDES) spans [START, END); None = not stated."""
    return pytest.param(file, overrides, space, region, start, end, id=id_)


def check_row(file, overrides, space, region, start, end):
    layout = layout_of(file, overrides)
    r = layout.region(space, region)
    assert r.present, f"{space}.{region} is absent"
    got = (r.start if start is not None else None, r.end if end is not None else None)
    assert got == (start, end), f"{space}.{region}: got [{r.start:#x}, {r.end:#x})"


def value(id_: str, file: str, overrides: dict[str, str], name: str, expected):
    return pytest.param(file, overrides, name, expected, id=id_)


def check_value(file, overrides, name, expected):
    got = layout_of(file, overrides).value(name)
    shown = hex(got) if isinstance(got, int) and not isinstance(got, bool) else got
    assert got == expected, f"{name} = {shown}"


# ====================================================================== ARM 32-bit

# Documentation/arch/arm/memory.rst (v6.12): the table, with the default 3G split and 1 GiB RAM.
ARM_DOC_V612 = {"kernel": "6.12"}
ARM32_ROWS = [
    row("arm-memory.rst-v6.12-copy_user_page", ARM32, ARM_DOC_V612, "copy_user", 0xFFFF_8000, 0x1_0000_0000),
    row("arm-memory.rst-v6.12-reserved", ARM32, ARM_DOC_V612, "vectors_reserved", 0xFFFF_1000, 0xFFFF_8000),
    row("arm-memory.rst-v6.12-cpu-vector-page", ARM32, ARM_DOC_V612, "vectors", 0xFFFF_0000, 0xFFFF_1000),
    row("arm-memory.rst-v6.12-dtcm", ARM32, {**ARM_DOC_V612, "dtcm_size": "32K"}, "dtcm_area", 0xFFFE_8000, 0xFFFF_0000),
    row("arm-memory.rst-v6.12-itcm", ARM32, {**ARM_DOC_V612, "itcm_size": "32K"}, "itcm_area", 0xFFFE_0000, 0xFFFE_8000),
    row("arm-memory.rst-v6.12-fixmap", ARM32, ARM_DOC_V612, "fixmap", 0xFFC8_0000, 0xFFF0_0000),
    row("arm-memory.rst-v6.12-guard", ARM32, ARM_DOC_V612, "fixmap_guard", 0xFFC0_0000, 0xFFC8_0000),
    # "ff800000 ffbfffff 4 MiB DT blob": the document's 4 MiB is two LPAE sections; memory.h has
    # FDT_FIXED_SIZE = 2 * SECTION_SIZE, so with short descriptors (the default) the blob window
    # is 2 MiB and only the start is the document's (the end is pinned by the memory.h rows)
    row("arm-memory.rst-v6.12-dt-blob", ARM32, ARM_DOC_V612, "fdt", 0xFF80_0000, None),
    row("arm-memory.h-v6.12-fdt-2-sections", ARM32, ARM_DOC_V612, "fdt", 0xFF80_0000, 0xFFA0_0000),
    row("arm-memory.h-v6.12-fdt-2-lpae-sections", ARM32, {**ARM_DOC_V612, "lpae": "true"}, "fdt",
        0xFF80_0000, 0xFFC0_0000),
    row("arm-memory.rst-v6.12-pci-io", ARM32, {**ARM_DOC_V612, "pci": "true"}, "pci_io", 0xFEE0_0000, 0xFF00_0000),
    # "VMALLOC_START .. VMALLOC_END-1 ... VMALLOC_END is equal to 0xff800000"
    row("arm-memory.rst-v6.12-vmalloc-end", ARM32, ARM_DOC_V612, "vmalloc_area", None, 0xFF80_0000),
    # "PAGE_OFFSET .. high_memory-1": 0xc0000000 for the default 3G split
    row("arm-memory.rst-v6.12-direct-mapped-ram", ARM32, ARM_DOC_V612, "lowmem", 0xC000_0000, None),
    # "PKMAP_BASE .. PAGE_OFFSET-1", PKMAP_BASE = PAGE_OFFSET - PMD_SIZE (highmem.h)
    row("arm-memory.rst-v6.12-pkmap", ARM32, ARM_DOC_V612, "pkmap", 0xBFE0_0000, 0xC000_0000),
    # "MODULES_VADDR .. MODULES_END-1" (ARM, HIGHMEM: PAGE_OFFSET - 16M .. PAGE_OFFSET - 2M)
    row("arm-memory.rst-v6.12-modules", ARM32, ARM_DOC_V612, "modules_area", 0xBF00_0000, 0xBFE0_0000),
    # "TASK_SIZE .. MODULES_VADDR-1  KASAn shadow memory"; kasan_def.h with offset 0x9f000000
    row("arm-memory.rst-v6.12-kasan-shadow", ARM32, {**ARM_DOC_V612, "kasan": "true"}, "kasan_area", 0xB6E0_0000, 0xBF00_0000),
    # "00001000 .. TASK_SIZE-1  User space mappings", TASK_SIZE = PAGE_OFFSET - 16M
    row("arm-memory.rst-v6.12-user", ARM32, ARM_DOC_V612, "user", 0x0000_1000, 0xBF00_0000),
    row("arm-memory.rst-v6.12-user-kasan", ARM32, {**ARM_DOC_V612, "kasan": "true"}, "user", 0x0000_1000, 0xB6E0_0000),

    # Documentation/arm/memory.txt, older releases
    row("arm-memory.txt-v5.0-vmalloc-end", ARM32, {"kernel": "5.0"}, "vmalloc_area", None, 0xFF80_0000),
    row("arm-memory.txt-v5.0-fixmap", ARM32, {"kernel": "5.0"}, "fixmap", 0xFFC0_0000, 0xFFF0_0000),
    row("arm-memory.txt-v4.4-vmalloc-end", ARM32, {"kernel": "4.4"}, "vmalloc_area", None, 0xFF80_0000),
    row("arm-memory.txt-v4.1-vmalloc-end", ARM32, {"kernel": "4.1"}, "vmalloc_area", None, 0xFF00_0000),
    row("arm-memory.txt-v4.1-fixmap", ARM32, {"kernel": "4.1"}, "fixmap", 0xFFC0_0000, 0xFFF0_0000),
    row("arm-memory.txt-v4.1-pci-io", ARM32, {"kernel": "4.1", "pci": "true"}, "pci_io", 0xFEE0_0000, 0xFF00_0000),
    row("arm-memory.txt-v3.14-fixmap", ARM32, {"kernel": "3.14"}, "fixmap", 0xFFF0_0000, 0xFFFE_0000),
    row("arm-memory.txt-v3.4-vmalloc-end", ARM32, {"kernel": "3.4"}, "vmalloc_area", None, 0xFF00_0000),
    row("arm-memory.txt-v2.6.35-fixmap", ARM32, {"kernel": "2.6.35"}, "fixmap", 0xFFF0_0000, 0xFFFE_0000),
    row("arm-memory.txt-v2.6.35-dma-region", ARM32, {"kernel": "2.6.35"}, "dma_area", 0xFFC0_0000, 0xFFF0_0000),
    row("arm-memory.txt-v2.6.35-dma-expansion", ARM32, {"kernel": "2.6.35"}, "dma_reserve", 0xFF00_0000, 0xFFC0_0000),

    # Boot banner: fixmap line per era (fixmap.h; START..TOP up to v3.18, START..END from v3.19)
    row("arm-banner-v3.10-fixmap-896kB", ARM32, {"kernel": "3.10"}, "fixmap", 0xFFF0_0000, 0xFFFE_0000),
    row("arm-banner-v3.16-fixmap-2048kB", ARM32, {"kernel": "3.16"}, "fixmap", 0xFFC0_0000, 0xFFE0_0000),
    row("arm-banner-v3.18-fixmap-2048kB", ARM32, {"kernel": "3.18"}, "fixmap", 0xFFC0_0000, 0xFFE0_0000),
    row("arm-banner-v3.19-fixmap-3072kB", ARM32, {"kernel": "3.19"}, "fixmap", 0xFFC0_0000, 0xFFF0_0000),
    # Boot banner: DMA line, v2.6.35 .. v3.0, CONSISTENT_END 0xffe00000, default 2 MiB
    row("arm-banner-v2.6.35-dma-2MB", ARM32, {"kernel": "2.6.35"}, "consistent_dma", 0xFFC0_0000, 0xFFE0_0000),
    row("arm-banner-v3.0-dma-2MB", ARM32, {"kernel": "3.0"}, "consistent_dma", 0xFFC0_0000, 0xFFE0_0000),
    row("arm-banner-v3.0-dma-6MB", ARM32, {"kernel": "3.0", "dma_size": "6M"}, "consistent_dma", 0xFF80_0000, 0xFFE0_0000),
    # Boot banner: vector and pkmap lines
    row("arm-banner-v4.19-vector-4kB", ARM32, {"kernel": "4.19"}, "vectors", 0xFFFF_0000, 0xFFFF_1000),
    row("arm-banner-v4.19-pkmap-2MB", ARM32, {"kernel": "4.19"}, "pkmap", 0xBFE0_0000, 0xC000_0000),
    # Boot banner: modules line, 3G split (§1.2): 16 / 14 / 8 / 6 MB
    row("arm-banner-modules-arm-16MB", ARM32, {"kernel": "4.19", "highmem": "false"}, "modules_area", 0xBF00_0000, 0xC000_0000),
    row("arm-banner-modules-arm-highmem-14MB", ARM32, {"kernel": "4.19"}, "modules_area", 0xBF00_0000, 0xBFE0_0000),
    row("arm-banner-modules-thumb2-8MB", ARM32, {"kernel": "4.19", "highmem": "false", "thumb2": "true", "text_size": "4M"},
        "modules_area", 0xBF80_0000, 0xC000_0000),
    row("arm-banner-modules-thumb2-highmem-6MB", ARM32, {"kernel": "4.19", "thumb2": "true", "text_size": "4M"},
        "modules_area", 0xBF80_0000, 0xBFE0_0000),
    # Boot banner: lowmem/vmalloc, 1 GiB at PHYS_OFFSET, 3G split (§1.11)
    row("arm-banner-v3.3-v4.3-1G-lowmem-760MB", ARM32, {"kernel": "3.10"}, "lowmem", 0xC000_0000, 0xEF80_0000),
    row("arm-banner-v3.3-v4.3-1G-vmalloc-240MB", ARM32, {"kernel": "3.10"}, "vmalloc_area", 0xF000_0000, 0xFF00_0000),
    row("arm-banner-v4.1-1G-lowmem-760MB", ARM32, {"kernel": "4.1"}, "lowmem", 0xC000_0000, 0xEF80_0000),
    row("arm-banner-v4.4-1G-lowmem-768MB", ARM32, {"kernel": "4.4"}, "lowmem", 0xC000_0000, 0xF000_0000),
    row("arm-banner-v4.4-1G-vmalloc-240MB", ARM32, {"kernel": "4.4"}, "vmalloc_area", 0xF080_0000, 0xFF80_0000),
    row("arm-mmu.c-v6.12-1G-lowmem-768MB", ARM32, {"kernel": "6.12"}, "lowmem", 0xC000_0000, 0xF000_0000),
    row("arm-mmu.c-v6.12-1G-vmalloc-240MB", ARM32, {"kernel": "6.12"}, "vmalloc_area", 0xF080_0000, 0xFF80_0000),
    # §1.4: the same ceiling with other splits: up to 1792 MB lowmem (2G), 1024 MB (3G_OPT)
    row("arm-mmu.c-v6.12-2G-split-lowmem-1792MB", ARM32, {"vmsplit": "2G", "ram": "2G"}, "lowmem", 0x8000_0000, 0xF000_0000),
    row("arm-mmu.c-v4.1-2G-split-lowmem-1784MB", ARM32, {"kernel": "4.1", "vmsplit": "2G", "ram": "2G"}, "lowmem", 0x8000_0000, 0xEF80_0000),
    row("arm-mmu.c-v6.12-3G_OPT-lowmem-1024MB", ARM32, {"vmsplit": "3G_OPT"}, "lowmem", 0xB000_0000, 0xF000_0000),
    row("arm-mmu.c-v4.4-3G_OPT-lowmem-1024MB", ARM32, {"kernel": "4.4", "vmsplit": "3G_OPT", "ram": "2G"}, "lowmem", 0xB000_0000, 0xF000_0000),
    row("arm-mmu.c-v4.4-3G_OPT-vmalloc_end-0xff000000-lowmem-1016MB", ARM32,
        {"kernel": "4.4", "vmsplit": "3G_OPT", "ram": "2G", "vmalloc_end": "0xff000000"}, "lowmem", 0xB000_0000, 0xEF80_0000),
    # §1.4: vmalloc= : v3.0 default 128 MiB; v3.3..v5.13 the 8 MiB gap comes out of SIZE; v5.14+ exact SIZE
    # v3.0: vmalloc_min = VMALLOC_END - 128 MiB caps lowmem; the 8 MiB gap then comes out of those 128 MiB
    row("arm-mmu.c-v3.0-default-lowmem", ARM32, {"kernel": "3.0", "vmalloc_end": "0xff000000"},
        "lowmem", 0xC000_0000, 0xF700_0000),
    row("arm-mmu.c-v3.0-default-vmalloc-120MB", ARM32, {"kernel": "3.0", "vmalloc_end": "0xff000000"},
        "vmalloc_area", 0xF780_0000, 0xFF00_0000),
    row("arm-mmu.c-v4.19-vmalloc=512M-lowmem", ARM32, {"kernel": "4.19", "vmalloc": "512M"}, "lowmem", 0xC000_0000, 0xDF80_0000),
    row("arm-mmu.c-v4.19-vmalloc=512M-window-504MB", ARM32, {"kernel": "4.19", "vmalloc": "512M"},
        "vmalloc_area", 0xE000_0000, 0xFF80_0000),
    row("arm-mmu.c-v6.12-vmalloc=512M-window-exact", ARM32, {"vmalloc": "512M"}, "vmalloc_area", 0xDF80_0000, 0xFF80_0000),
    row("arm-mmu.c-v6.12-vmalloc=8M-clamped-to-16M", ARM32, {"vmalloc": "8M"}, "vmalloc_area", 0xFE80_0000, 0xFF80_0000),
    # §1.5: holes between banks count in lowmem; highmem starts at the ceiling's physical address
    row("arm-mmu.c-v6.12-two-banks-lowmem", ARM32,
        {"phys_offset": "0x80000000", "ram": "0x80000000:256M, 0x90000000:256M"}, "lowmem", 0xC000_0000, 0xE000_0000),
    row("arm-mmu.c-v6.12-1G-highmem", ARM32, {}, "high_ram", 0x9000_0000, 0xA000_0000, space="physical"),

    # boards (each file's header comment cites its numbers)
    row("arm-banner-rpi3-v4.19-lowmem-948MB", "boards/rpi3.kl", {}, "lowmem", 0x8000_0000, 0xBB40_0000),
    row("arm-banner-rpi3-v4.19-vmalloc-1088MB", "boards/rpi3.kl", {}, "vmalloc_area", 0xBB80_0000, 0xFF80_0000),
    row("arm-banner-rpi3-v4.19-modules-16MB", "boards/rpi3.kl", {}, "modules_area", 0x7F00_0000, 0x8000_0000),
    row("arm-banner-rpi3-v4.19-text-start", "boards/rpi3.kl", {}, "kernel_text", 0x8000_8000, None),
    row("arm-banner-rpi3-v4.19-fixmap-3072kB", "boards/rpi3.kl", {}, "fixmap", 0xFFC0_0000, 0xFFF0_0000),
    row("arm-banner-bbb-v4.19-lowmem-510MB", "boards/beaglebone-black.kl", {}, "lowmem", 0xC000_0000, 0xDFE0_0000),
    row("arm-banner-bbb-v4.19-vmalloc-504MB", "boards/beaglebone-black.kl", {}, "vmalloc_area", 0xE000_0000, 0xFF80_0000),
    row("arm-banner-bbb-v4.19-pkmap-2MB", "boards/beaglebone-black.kl", {}, "pkmap", 0xBFE0_0000, 0xC000_0000),
    row("arm-banner-bbb-v4.19-modules-14MB", "boards/beaglebone-black.kl", {}, "modules_area", 0xBF00_0000, 0xBFE0_0000),
    row("arm-mmu.c-bbb-v4.19-512M-lowmem", "boards/beaglebone-black.kl", {"ram": "0x80000000:512M"}, "lowmem",
        0xC000_0000, 0xE000_0000),
    row("arm-mmu.c-bbb-v4.19-512M-vmalloc", "boards/beaglebone-black.kl", {"ram": "0x80000000:512M"}, "vmalloc_area",
        0xE080_0000, 0xFF80_0000),
    row("arm-mmu.c-wandboard-v6.12-lowmem-768MB", "boards/wandboard-quad.kl", {}, "lowmem", 0xC000_0000, 0xF000_0000),
    row("arm-mmu.c-wandboard-v6.12-vmalloc-240MB", "boards/wandboard-quad.kl", {}, "vmalloc_area", 0xF080_0000, 0xFF80_0000),
    row("arm-mmu.c-wandboard-v6.12-lowmem-phys", "boards/wandboard-quad.kl", {}, "low_ram", 0x1000_0000, 0x4000_0000, space="physical"),
    row("arm-mmu.c-wandboard-v6.12-highmem-1280MB", "boards/wandboard-quad.kl", {}, "high_ram", 0x4000_0000, 0x9000_0000, space="physical"),
]

ARM32_VALUES = [
    value("arm-Kconfig-PAGE_OFFSET-3G", ARM32, {}, "PAGE_OFFSET", 0xC000_0000),
    value("arm-Kconfig-PAGE_OFFSET-3G_OPT", ARM32, {"vmsplit": "3G_OPT"}, "PAGE_OFFSET", 0xB000_0000),
    value("arm-Kconfig-PAGE_OFFSET-2G", ARM32, {"vmsplit": "2G"}, "PAGE_OFFSET", 0x8000_0000),
    value("arm-Kconfig-PAGE_OFFSET-1G", ARM32, {"vmsplit": "1G"}, "PAGE_OFFSET", 0x4000_0000),
    value("arm-memory.h-TASK_SIZE-3G", ARM32, {}, "TASK_SIZE", 0xBF00_0000),
    value("arm-kasan_def.h-TASK_SIZE-3G", ARM32, {"kasan": "true"}, "TASK_SIZE", 0xB6E0_0000),
    value("arm-banner-rpi3-high_memory", ARM32, {"kernel": "4.19", "vmsplit": "2G", "ram": "948M", "phys_offset": "0",
                                                  "highmem": "false"}, "high_memory", 0xBB40_0000),
]


@pytest.mark.parametrize(("file", "overrides", "space", "region", "start", "end"), ARM32_ROWS)
def test_arm32_row(file, overrides, space, region, start, end):
    check_row(file, overrides, space, region, start, end)


@pytest.mark.parametrize(("file", "overrides", "name", "expected"), ARM32_VALUES)
def test_arm32_value(file, overrides, name, expected):
    check_value(file, overrides, name, expected)


# ARM LPAE (CONFIG_ARM_LPAE), LINUX-LAYOUTS §1.3, §1.7, §1.8: the Linux view keeps 2 MiB PMDs, so pkmap
# (PKMAP_BASE = PAGE_OFFSET - PMD_SIZE, LAST_PKMAP = PTRS_PER_PTE = 512) and the module area are unchanged;
# the initial page table grows from 0x4000 to 0x5000 below KERNEL_RAM_VADDR (head.S PG_DIR_SIZE); physical
# addresses reach 40 bits (Keystone 2 runs from RAM at 0x8_0000_0000, LPAE only).
_LPAE = {"kernel": "4.4", "lpae": "true"}
_KEYSTONE = {**_LPAE, "phys_offset": "0x800000000", "ram": "0x800000000:2G"}
ARM32_LPAE_ROWS = [
    row("arm-head.S-swapper_pg_dir-16K", ARM32, {"kernel": "4.4"}, "swapper_pg_dir", 0xC000_4000, 0xC000_8000),
    row("arm-head.S-lpae-swapper_pg_dir-20K", ARM32, _LPAE, "swapper_pg_dir", 0xC000_3000, 0xC000_8000),
    row("arm-highmem.h-lpae-pkmap-2MB", ARM32, _LPAE, "pkmap", 0xBFE0_0000, 0xC000_0000),
    row("arm-memory.h-lpae-modules-14MB", ARM32, _LPAE, "modules_area", 0xBF00_0000, 0xBFE0_0000),
    row("arm-banner-lpae-v4.4-1G-lowmem-768MB", ARM32, _LPAE, "lowmem", 0xC000_0000, 0xF000_0000),
    row("arm-banner-lpae-v4.4-1G-vmalloc-240MB", ARM32, _LPAE, "vmalloc_area", 0xF080_0000, 0xFF80_0000),
    row("arm-lpae-2G-split-lowmem-1792MB", ARM32, {**_LPAE, "vmsplit": "2G", "ram": "2G"}, "lowmem", 0x8000_0000, 0xF000_0000),
    # RAM above 4 GiB: lowmem from PHYS_OFFSET up to the ceiling, the rest HighMem
    row("arm-lpae-keystone-lowmem", ARM32, _KEYSTONE, "lowmem", 0xC000_0000, 0xF000_0000),
    row("arm-lpae-keystone-low_ram", ARM32, _KEYSTONE, "low_ram", 0x8_0000_0000, 0x8_3000_0000, space="physical"),
    row("arm-lpae-keystone-high_ram", ARM32, _KEYSTONE, "high_ram", 0x8_3000_0000, 0x8_8000_0000, space="physical"),
]


@pytest.mark.parametrize(("file", "overrides", "space", "region", "start", "end"), ARM32_LPAE_ROWS)
def test_arm32_lpae_row(file, overrides, space, region, start, end):
    check_row(file, overrides, space, region, start, end)


def test_arm32_lpae_page_table_format_and_physical_width():
    short, lpae = layout_of(ARM32, {}), layout_of(ARM32, _LPAE)
    assert (short.mmu, lpae.mmu) == ("arm_short", "arm_lpae")
    assert (short.space("physical").bits, lpae.space("physical").bits) == (32, 40)


def test_arm32_lpae_section_size_reaches_the_rules():
    # lowmem ending on a 1 MiB boundary: fine for 1 MiB sections, not for LPAE's 2 MiB blocks (A502 reads
    # the section size from the header's `mmu`, layoutc/arch/spec.py)
    odd = {"kernel": "4.4", "ram": "0x60000000:0x10100000"}
    codes = {False: [], True: []}
    for lpae in codes:
        result = load_layout(str(LAYOUTS / ARM32), {**odd, "lpae": str(lpae).lower()})
        codes[lpae] = [d.code for d in result.errors + result.warnings]
    assert codes == {False: [], True: ["A502"]}


@pytest.mark.parametrize("overrides, code", [
    ({"kernel": "4.4", "lpae": "true", "vmsplit": "3G_OPT"}, "U902"),  # VMSPLIT_3G_OPT depends on !ARM_LPAE
    ({"kernel": "3.2", "lpae": "true"}, "U902"),  # LPAE from v3.3
    ({"kernel": "4.4", "phys_offset": "0x800000000", "ram": "0x800000000:2G"}, "B303"),  # > 4 GiB needs LPAE
])
def test_arm32_lpae_impossible_configs_are_refused(overrides, code):
    result = load_layout(str(LAYOUTS / ARM32), overrides)
    assert code in [d.code for d in result.errors]


# ====================================================================== arm64

def _arm64_doc_rows(tag: str, base: dict[str, str], rows):
    return [row(f"arm64-memory.rst-{tag}-{name}", ARM64, {**base, **extra}, region, start, end)
            for name, extra, region, start, end in rows]


# Documentation/arch/arm64/memory.rst as shipped in v6.12: it shows the v6.5..v6.8 layout, which the
# layout's defaults (kernel 6.8, 4K, 48-bit) reproduce.
_MEMORY_RST_V612_4K = [
    ("user", {}, "user", 0, 0x0001_0000_0000_0000),
    ("kernel-logical-memory-map", {}, "linear_window", 0xFFFF_0000_0000_0000, 0xFFFF_8000_0000_0000),
    ("kasan-shadow", {"kasan": "true"}, "kasan_area", 0xFFFF_6000_0000_0000, 0xFFFF_8000_0000_0000),
    ("modules-2GB", {}, "modules_area", 0xFFFF_8000_0000_0000, 0xFFFF_8000_8000_0000),
    ("vmalloc-124TB", {}, "vmalloc_area", 0xFFFF_8000_8000_0000, 0xFFFF_FBFF_F000_0000),
    ("fixed-mappings-224MB", {}, "fixed_window", 0xFFFF_FBFF_F000_0000, 0xFFFF_FBFF_FE00_0000),
    ("guard-8MB", {}, "fixmap_guard", 0xFFFF_FBFF_FE00_0000, 0xFFFF_FBFF_FE80_0000),
    ("pci-io-16MB", {}, "pci_io", 0xFFFF_FBFF_FE80_0000, 0xFFFF_FBFF_FF80_0000),
    ("guard-8MB-2", {}, "pci_guard", 0xFFFF_FBFF_FF80_0000, 0xFFFF_FC00_0000_0000),
    ("vmemmap-2TB", {}, "vmemmap", 0xFFFF_FC00_0000_0000, 0xFFFF_FE00_0000_0000),
    ("guard-2TB", {}, "top_guard", 0xFFFF_FE00_0000_0000, TOP),
]
_MEMORY_RST_V612_64K_52 = [
    ("user-4PB", {}, "user", 0, 0x0010_0000_0000_0000),
    ("kernel-logical-memory-map", {}, "linear_window", 0xFFF0_0000_0000_0000, 0xFFFF_8000_0000_0000),
    ("kasan-shadow-512TB", {"kasan": "true"}, "kasan_area", 0xFFFD_8000_0000_0000, 0xFFFF_8000_0000_0000),
    ("modules-2GB", {}, "modules_area", 0xFFFF_8000_0000_0000, 0xFFFF_8000_8000_0000),
    ("vmalloc-124TB", {}, "vmalloc_area", 0xFFFF_8000_8000_0000, 0xFFFF_FBFF_F000_0000),
    ("fixed-mappings-224MB", {}, "fixed_window", 0xFFFF_FBFF_F000_0000, 0xFFFF_FBFF_FE00_0000),
    ("guard-8MB", {}, "fixmap_guard", 0xFFFF_FBFF_FE00_0000, 0xFFFF_FBFF_FE80_0000),
    ("pci-io-16MB", {}, "pci_io", 0xFFFF_FBFF_FE80_0000, 0xFFFF_FBFF_FF80_0000),
    ("guard-8MB-2", {}, "pci_guard", 0xFFFF_FBFF_FF80_0000, 0xFFFF_FC00_0000_0000),
    ("vmemmap-4TB", {}, "vmemmap", 0xFFFF_FC00_0000_0000, 0xFFFF_FFE0_0000_0000),
    ("guard-128GB", {}, "top_guard", 0xFFFF_FFE0_0000_0000, TOP),
]


def _with_modules(rows, modules_end):
    """The v6.1 document: the same tables with a 128 MB module area and vmalloc after it."""
    out = []
    for name, extra, region, start, end in rows:
        if region == "modules_area":
            name, end = "modules-128MB", modules_end
        elif region == "vmalloc_area":
            name, start = "vmalloc", modules_end
        out.append((name, extra, region, start, end))
    return out


# Documentation/arm64/memory.rst of v5.4 .. v5.10: drawn with KASAN and the 128 MB BPF JIT region;
# the fixmap sizes (4124 KB, 4544 KB) are the document's configuration.
_MEMORY_RST_V54_4K = [
    ("user", {}, "user", 0, 0x0001_0000_0000_0000),
    ("kernel-logical-memory-map", {}, "linear_window", 0xFFFF_0000_0000_0000, 0xFFFF_8000_0000_0000),
    ("kasan-shadow-32TB", {}, "kasan_area", 0xFFFF_8000_0000_0000, 0xFFFF_A000_0000_0000),
    ("bpf-jit-128MB", {}, "bpf_jit", 0xFFFF_A000_0000_0000, 0xFFFF_A000_0800_0000),
    ("modules-128MB", {}, "modules_area", 0xFFFF_A000_0800_0000, 0xFFFF_A000_1000_0000),
    ("vmalloc-93TB", {}, "vmalloc_area", 0xFFFF_A000_1000_0000, 0xFFFF_FDFF_BFFF_0000),
    ("guard-998MB", {}, "vmalloc_guard", 0xFFFF_FDFF_BFFF_0000, 0xFFFF_FDFF_FE5F_9000),
    ("fixed-mappings-4124KB", {}, "fixmap", 0xFFFF_FDFF_FE5F_9000, 0xFFFF_FDFF_FEA0_0000),
    ("guard-2MB", {}, "fixmap_guard", 0xFFFF_FDFF_FEA0_0000, 0xFFFF_FDFF_FEC0_0000),
    ("pci-io-16MB", {}, "pci_io", 0xFFFF_FDFF_FEC0_0000, 0xFFFF_FDFF_FFC0_0000),
    ("guard-2MB-2", {}, "pci_guard", 0xFFFF_FDFF_FFC0_0000, 0xFFFF_FDFF_FFE0_0000),
    ("vmemmap-2TB", {}, "vmemmap", 0xFFFF_FDFF_FFE0_0000, 0xFFFF_FFFF_FFE0_0000),
    ("guard-2MB-top", {}, "top_guard", 0xFFFF_FFFF_FFE0_0000, TOP),
]
_MEMORY_RST_V54_64K_52 = [
    ("user-4PB", {}, "user", 0, 0x0010_0000_0000_0000),
    ("kernel-logical-memory-map-2PB", {}, "linear_window", 0xFFF0_0000_0000_0000, 0xFFF8_0000_0000_0000),
    ("kasan-shadow-512TB", {}, "kasan_area", 0xFFFD_A000_0000_0000, 0xFFFF_A000_0000_0000),
    ("bpf-jit-128MB", {}, "bpf_jit", 0xFFFF_A000_0000_0000, 0xFFFF_A000_0800_0000),
    ("modules-128MB", {}, "modules_area", 0xFFFF_A000_0800_0000, 0xFFFF_A000_1000_0000),
    ("vmalloc-88TB", {}, "vmalloc_area", 0xFFFF_A000_1000_0000, 0xFFFF_F81F_FFFF_0000),
    ("guard-3TB", {}, "vmalloc_guard", 0xFFFF_F81F_FFFF_0000, 0xFFFF_FC1F_FE59_0000),
    ("fixed-mappings-4544KB", {}, "fixmap", 0xFFFF_FC1F_FE59_0000, 0xFFFF_FC1F_FEA0_0000),
    ("guard-2MB", {}, "fixmap_guard", 0xFFFF_FC1F_FEA0_0000, 0xFFFF_FC1F_FEC0_0000),
    ("pci-io-16MB", {}, "pci_io", 0xFFFF_FC1F_FEC0_0000, 0xFFFF_FC1F_FFC0_0000),
    ("guard-2MB-2", {}, "pci_guard", 0xFFFF_FC1F_FFC0_0000, 0xFFFF_FC1F_FFE0_0000),
    ("vmemmap-3968GB", {}, "vmemmap", 0xFFFF_FC1F_FFE0_0000, 0xFFFF_FFFF_FFE0_0000),
    ("guard-2MB-top", {}, "top_guard", 0xFFFF_FFFF_FFE0_0000, TOP),
]

ARM64_DOC_ROWS = (
    _arm64_doc_rows("v6.12-4K-48bit", {}, _MEMORY_RST_V612_4K)
    + _arm64_doc_rows("v6.12-64K-52bit", {"page_size": "64K", "va_bits": "52"}, _MEMORY_RST_V612_64K_52)
    + _arm64_doc_rows("v6.1-4K-48bit", {"kernel": "6.1"}, _with_modules(_MEMORY_RST_V612_4K, 0xFFFF_8000_0800_0000))
    + _arm64_doc_rows("v6.1-64K-52bit", {"kernel": "6.1", "page_size": "64K", "va_bits": "52"},
                      _with_modules(_MEMORY_RST_V612_64K_52, 0xFFFF_8000_0800_0000))
    + _arm64_doc_rows("v5.4-4K-48bit-kasan", {"kernel": "5.4", "kasan": "true", "fixmap_size": "4124K"},
                      _MEMORY_RST_V54_4K)
    + _arm64_doc_rows("v5.4-64K-52bit-kasan", {"kernel": "5.4", "kasan": "true", "fixmap_size": "4544K",
                                               "page_size": "64K", "va_bits": "52"}, _MEMORY_RST_V54_64K_52)
)


@pytest.mark.parametrize(("file", "overrides", "space", "region", "start", "end"), ARM64_DOC_ROWS)
def test_arm64_doc_row(file, overrides, space, region, start, end):
    check_row(file, overrides, space, region, start, end)


# LINUX-LAYOUTS.md §2.3: per-era tables computed from arch/arm64/include/asm/memory.h (exclusive
# ends, no KASAN).  Columns: PAGE_OFFSET, MODULES_VADDR, MODULES_END, VMALLOC_END, VMEMMAP_START,
# VMEMMAP_END, PCI_IO_START, FIXADDR_TOP (None: not given for that configuration).
_ERA_KERNEL = {"E1": "4.19", "E2": "5.10", "E3": "5.11", "E4": "6.1", "E5": "6.8", "E6": "6.12"}
_ERA_TABLES = {
    "E1": [
        ("4K", 39, 0xffffffc000000000, 0xffffff8000000000, 0xffffff8008000000, 0xffffffbebfff0000, 0xffffffbf00000000, 0xffffffc000000000, 0xffffffbefee00000, 0xffffffbefec00000),
        ("4K", 48, 0xffff800000000000, 0xffff000000000000, 0xffff000008000000, 0xffff7dffbfff0000, 0xffff7e0000000000, 0xffff800000000000, 0xffff7dfffee00000, 0xffff7dfffec00000),
        ("16K", 47, 0xffffc00000000000, 0xffff800000000000, 0xffff800008000000, 0xffffbfafffff0000, 0xffffbfc000000000, 0xffffc00000000000, 0xffffbfbffee00000, 0xffffbfbffec00000),
        ("16K", 48, 0xffff800000000000, 0xffff000000000000, 0xffff000008000000, 0xffff7f6fffff0000, 0xffff7f8000000000, 0xffff800000000000, 0xffff7f7ffee00000, 0xffff7f7ffec00000),
        ("64K", 42, 0xfffffe0000000000, 0xfffffc0000000000, 0xfffffc0008000000, 0xfffffdff5fff0000, 0xfffffdff80000000, 0xfffffe0000000000, 0xfffffdff7ee00000, 0xfffffdff7ec00000),
        ("64K", 48, 0xffff800000000000, 0xffff000000000000, 0xffff000008000000, 0xffff7bdfffff0000, 0xffff7fe000000000, 0xffff800000000000, 0xffff7fdffee00000, 0xffff7fdffec00000),
    ],
    "E2": [
        ("4K", 39, 0xffffff8000000000, 0xffffffc008000000, 0xffffffc010000000, 0xfffffffebfff0000, 0xfffffffeffe00000, 0xffffffffffe00000, 0xfffffffefec00000, 0xfffffffefea00000),
        ("4K", 48, 0xffff000000000000, 0xffff800008000000, 0xffff800010000000, 0xfffffdffbfff0000, 0xfffffdffffe00000, 0xffffffffffe00000, 0xfffffdfffec00000, 0xfffffdfffea00000),
        ("16K", 47, 0xffff800000000000, 0xffffc00008000000, 0xffffc00010000000, 0xffffffafffff0000, 0xffffffbfffe00000, 0xffffffffffe00000, 0xffffffbffec00000, 0xffffffbffea00000),
        ("16K", 48, 0xffff000000000000, 0xffff800008000000, 0xffff800010000000, 0xffffff6fffff0000, 0xffffff7fffe00000, 0xffffffffffe00000, 0xffffff7ffec00000, 0xffffff7ffea00000),
        ("64K", 42, 0xfffffc0000000000, 0xfffffe0008000000, 0xfffffe0010000000, 0xffffffff5fff0000, 0xffffffff7fe00000, 0xffffffffffe00000, 0xffffffff7ec00000, 0xffffffff7ea00000),
        ("64K", 48, 0xffff000000000000, 0xffff800008000000, 0xffff800010000000, 0xfffffbdfffff0000, 0xffffffdfffe00000, 0xffffffffffe00000, 0xffffffdffec00000, 0xffffffdffea00000),
        ("64K", 52, 0xfff0000000000000, 0xffff800008000000, 0xffff800010000000, 0xfffff81fffff0000, 0xfffffc1fffe00000, 0xffffffffffe00000, 0xfffffc1ffec00000, 0xfffffc1ffea00000),
    ],
    "E3": [
        ("4K", 39, 0xffffff8000000000, 0xffffffc008000000, 0xffffffc010000000, 0xfffffffdf0000000, 0xfffffffe00000000, 0xffffffff00000000, 0xfffffffdfe800000, 0xfffffffdfe000000),
        ("4K", 48, 0xffff000000000000, 0xffff800008000000, 0xffff800010000000, 0xfffffbfff0000000, 0xfffffc0000000000, 0xfffffe0000000000, 0xfffffbfffe800000, 0xfffffbfffe000000),
        ("16K", 47, 0xffff800000000000, 0xffffc00008000000, 0xffffc00010000000, 0xffffff7ff0000000, 0xffffff8000000000, 0xffffffc000000000, 0xffffff7ffe800000, 0xffffff7ffe000000),
        ("16K", 48, 0xffff000000000000, 0xffff800008000000, 0xffff800010000000, 0xfffffefff0000000, 0xffffff0000000000, 0xffffff8000000000, 0xfffffefffe800000, 0xfffffefffe000000),
        ("64K", 42, 0xfffffc0000000000, 0xfffffe0008000000, 0xfffffe0010000000, 0xfffffffef0000000, 0xffffffff00000000, 0xffffffff80000000, 0xfffffffefe800000, 0xfffffffefe000000),
        ("64K", 48, 0xffff000000000000, 0xffff800008000000, 0xffff800010000000, 0xffffffbff0000000, 0xffffffc000000000, 0xffffffe000000000, 0xffffffbffe800000, 0xffffffbffe000000),
        ("64K", 52, 0xfff0000000000000, 0xffff800008000000, 0xffff800010000000, 0xfffffbfff0000000, 0xfffffc0000000000, 0xffffffe000000000, 0xfffffbfffe800000, 0xfffffbfffe000000),
    ],
    "E4": [
        ("4K", 39, 0xffffff8000000000, 0xffffffc000000000, 0xffffffc008000000, 0xfffffffdf0000000, 0xfffffffe00000000, 0xffffffff00000000, 0xfffffffdfe800000, 0xfffffffdfe000000),
        ("4K", 48, 0xffff000000000000, 0xffff800000000000, 0xffff800008000000, 0xfffffbfff0000000, 0xfffffc0000000000, 0xfffffe0000000000, 0xfffffbfffe800000, 0xfffffbfffe000000),
        ("16K", 47, 0xffff800000000000, 0xffffc00000000000, 0xffffc00008000000, 0xffffff7ff0000000, 0xffffff8000000000, 0xffffffc000000000, 0xffffff7ffe800000, 0xffffff7ffe000000),
        ("16K", 48, 0xffff000000000000, 0xffff800000000000, 0xffff800008000000, 0xfffffefff0000000, 0xffffff0000000000, 0xffffff8000000000, 0xfffffefffe800000, 0xfffffefffe000000),
        ("64K", 42, 0xfffffc0000000000, 0xfffffe0000000000, 0xfffffe0008000000, 0xfffffffef0000000, 0xffffffff00000000, 0xffffffff80000000, 0xfffffffefe800000, 0xfffffffefe000000),
        ("64K", 48, 0xffff000000000000, 0xffff800000000000, 0xffff800008000000, 0xffffffbff0000000, 0xffffffc000000000, 0xffffffe000000000, 0xffffffbffe800000, 0xffffffbffe000000),
        ("64K", 52, 0xfff0000000000000, 0xffff800000000000, 0xffff800008000000, 0xfffffbfff0000000, 0xfffffc0000000000, 0xffffffe000000000, 0xfffffbfffe800000, 0xfffffbfffe000000),
    ],
    "E5": [
        ("4K", 39, 0xffffff8000000000, 0xffffffc000000000, 0xffffffc080000000, 0xfffffffdf0000000, 0xfffffffe00000000, 0xffffffff00000000, 0xfffffffdfe800000, 0xfffffffdfe000000),
        ("4K", 48, 0xffff000000000000, 0xffff800000000000, 0xffff800080000000, 0xfffffbfff0000000, 0xfffffc0000000000, 0xfffffe0000000000, 0xfffffbfffe800000, 0xfffffbfffe000000),
        ("16K", 47, 0xffff800000000000, 0xffffc00000000000, 0xffffc00080000000, 0xffffff7ff0000000, 0xffffff8000000000, 0xffffffc000000000, 0xffffff7ffe800000, 0xffffff7ffe000000),
        ("16K", 48, 0xffff000000000000, 0xffff800000000000, 0xffff800080000000, 0xfffffefff0000000, 0xffffff0000000000, 0xffffff8000000000, 0xfffffefffe800000, 0xfffffefffe000000),
        ("64K", 42, 0xfffffc0000000000, 0xfffffe0000000000, 0xfffffe0080000000, 0xfffffffef0000000, 0xffffffff00000000, 0xffffffff80000000, 0xfffffffefe800000, 0xfffffffefe000000),
        ("64K", 48, 0xffff000000000000, 0xffff800000000000, 0xffff800080000000, 0xffffffbff0000000, 0xffffffc000000000, 0xffffffe000000000, 0xffffffbffe800000, 0xffffffbffe000000),
        ("64K", 52, 0xfff0000000000000, 0xffff800000000000, 0xffff800080000000, 0xfffffbfff0000000, 0xfffffc0000000000, 0xffffffe000000000, 0xfffffbfffe800000, 0xfffffbfffe000000),
    ],
    "E6": [
        ("4K", 39, 0xffffff8000000000, 0xffffffc000000000, 0xffffffc080000000, 0xfffffffebf800000, 0xfffffffec0000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
        ("4K", 48, 0xffff000000000000, 0xffff800000000000, 0xffff800080000000, 0xfffffdffbf800000, 0xfffffdffc0000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
        ("16K", 36, 0xfffffff000000000, 0xfffffff800000000, 0xfffffff880000000, 0xffffffffb7800000, 0xffffffffb8000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
        ("16K", 47, 0xffff800000000000, 0xffffc00000000000, 0xffffc00080000000, 0xffffffbfbf800000, 0xffffffbfc0000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
        ("16K", 48, 0xffff000000000000, 0xffff800000000000, 0xffff800080000000, 0xffffff7fbf800000, 0xffffff7fc0000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
        ("64K", 42, 0xfffffc0000000000, 0xfffffe0000000000, 0xfffffe0080000000, 0xffffffff3f800000, 0xffffffff40000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
        ("64K", 48, 0xffff000000000000, 0xffff800000000000, 0xffff800080000000, 0xffffffdfbf800000, 0xffffffdfc0000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
        # 52-bit: VMALLOC_END depends on the VA size found at boot (the table gives none)
        ("4K", 52, 0xfff0000000000000, 0xffff800000000000, 0xffff800080000000, None, 0xffffc1ffc0000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
        ("16K", 52, 0xfff0000000000000, 0xffffc00000000000, 0xffffc00080000000, None, 0xfffff03fc0000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
        ("64K", 52, 0xfff0000000000000, 0xffff800000000000, 0xffff800080000000, None, 0xfffffc1fc0000000, 0xffffffffc0000000, 0xffffffffc0800000, 0xffffffffff800000),
    ],
}
_ERA_COLUMNS = ("PAGE_OFFSET", "MODULES_VADDR", "MODULES_END", "VMALLOC_END", "VMEMMAP_START", "VMEMMAP_END",
                "PCI_IO_START", "FIXADDR_TOP")

ARM64_ERA_VALUES = [
    value(f"arm64-{era}-v{_ERA_KERNEL[era]}-{granule}-{va}bit-{column}", ARM64,
          {"kernel": _ERA_KERNEL[era], "page_size": granule, "va_bits": str(va)}, column, expected)
    for era, table in _ERA_TABLES.items()
    for granule, va, *columns in table
    for column, expected in zip(_ERA_COLUMNS, columns)
    if expected is not None
]


@pytest.mark.parametrize(("file", "overrides", "name", "expected"), ARM64_ERA_VALUES)
def test_arm64_era_value(file, overrides, name, expected):
    check_value(file, overrides, name, expected)


ARM64_BANNER_ROWS = [
    # LINUX-LAYOUTS §2.3 cross-checks against boot logs
    row("arm64-banner-v4.9-4K-48bit-modules", ARM64, {"kernel": "4.9"}, "modules_area",
        0xFFFF_0000_0000_0000, 0xFFFF_0000_0800_0000),
    row("arm64-banner-v4.9-4K-48bit-vmalloc-end", ARM64, {"kernel": "4.9"}, "vmalloc_area", None, 0xFFFF_7DFF_BFFF_0000),
    row("arm64-banner-v4.9-4K-48bit-vmemmap", ARM64, {"kernel": "4.9"}, "vmemmap", 0xFFFF_7E00_0000_0000, 0xFFFF_8000_0000_0000),
    row("arm64-banner-v4.9-4K-48bit-pci-io", ARM64, {"kernel": "4.9"}, "pci_io", 0xFFFF_7DFF_FEE0_0000, 0xFFFF_7DFF_FFE0_0000),
    row("arm64-banner-v4.9-4K-48bit-fixed-top", ARM64, {"kernel": "4.9"}, "fixmap", None, 0xFFFF_7DFF_FEC0_0000),
    row("arm64-banner-v4.9-64K-48bit-hisilicon-d05-vmalloc-end", ARM64, {"kernel": "4.9", "page_size": "64K"},
        "vmalloc_area", None, 0xFFFF_7BDF_FFFF_0000),
    row("arm64-banner-v4.9-64K-48bit-hisilicon-d05-vmemmap", ARM64, {"kernel": "4.9", "page_size": "64K"},
        "vmemmap", 0xFFFF_7FE0_0000_0000, 0xFFFF_8000_0000_0000),
    row("arm64-banner-v4.4-4K-39bit-kasan-juno-vmalloc-end", ARM64, {"kernel": "4.4", "va_bits": "39", "kasan": "true"},
        "vmalloc_area", None, 0xFFFF_FFBD_BFFF_0000),
    row("arm64-banner-v4.4-4K-39bit-kasan-juno-vmemmap", ARM64, {"kernel": "4.4", "va_bits": "39", "kasan": "true"},
        "vmemmap", 0xFFFF_FFBD_C000_0000, 0xFFFF_FFBF_C000_0000),
    # v4.6..v5.7: the image starts at KIMAGE_VADDR + TEXT_OFFSET (0x80000)
    row("arm64-banner-v4.9-4K-48bit-text", ARM64, {"kernel": "4.9"}, "kimage", 0xFFFF_0000_0808_0000, None),
]


@pytest.mark.parametrize(("file", "overrides", "space", "region", "start", "end"), ARM64_BANNER_ROWS)
def test_arm64_banner_row(file, overrides, space, region, start, end):
    check_row(file, overrides, space, region, start, end)


# Era E0 (v3.7 .. v3.17): Documentation/arm64/memory.txt.  Two versions of the table were read: the
# v3.10 one (4K pages: 64 KiB PCI I/O at MODULES_VADDR - 2 MiB under a 2 MiB "earlyprintk device"
# mapping) and the v3.15 .. v3.17 one (4K and 64K tables: 16 MiB PCI I/O, "fixed mappings"), both in a
# Samsung 3.10 tree that merged one into the other (Documentation/arm64/memory.txt of
# Exynos5422/android_kernel_samsung_k3gxx) and in the context of Mark Salter's v3.15 "arm64: add
# early_ioremap support" patch.  Inclusive ends written as exclusive ones.
_E0_V310_4K = {"kernel": "3.10", "va_bits": "39"}
_E0_V316_4K = {"kernel": "3.16", "va_bits": "39"}
_E0_V316_64K = {"kernel": "3.16", "va_bits": "42", "page_size": "64K"}
ARM64_E0_ROWS = [
    row("arm64-memory.txt-v3.10-4K-user-512GB", ARM64, _E0_V310_4K, "user", 0, 0x80_0000_0000),
    row("arm64-memory.txt-v3.10-4K-vmalloc-240GB", ARM64, _E0_V310_4K, "vmalloc_area", 0xFFFF_FF80_0000_0000, 0xFFFF_FFBB_FFFF_0000),
    row("arm64-memory.txt-v3.10-4K-guard-page", ARM64, _E0_V310_4K, "vmemmap_guard", 0xFFFF_FFBB_FFFF_0000, 0xFFFF_FFBC_0000_0000),
    row("arm64-memory.txt-v3.10-4K-vmemmap-8GB", ARM64, _E0_V310_4K, "vmemmap", 0xFFFF_FFBC_0000_0000, 0xFFFF_FFBE_0000_0000),
    row("arm64-memory.txt-v3.10-4K-future-vmemmap", ARM64, _E0_V310_4K, "vmemmap_future", 0xFFFF_FFBE_0000_0000, 0xFFFF_FFBF_FBC0_0000),
    row("arm64-memory.txt-v3.10-4K-earlyprintk-2MB", ARM64, _E0_V310_4K, "earlycon", 0xFFFF_FFBF_FBC0_0000, 0xFFFF_FFBF_FBE0_0000),
    row("arm64-memory.txt-v3.10-4K-pci-io-64KB", ARM64, _E0_V310_4K, "pci_io", 0xFFFF_FFBF_FBE0_0000, 0xFFFF_FFBF_FBE1_0000),
    row("arm64-memory.txt-v3.10-4K-modules-64MB", ARM64, _E0_V310_4K, "modules_area", 0xFFFF_FFBF_FC00_0000, 0xFFFF_FFC0_0000_0000),
    row("arm64-memory.txt-v3.10-4K-memory-256GB", ARM64, _E0_V310_4K, "linear_window", 0xFFFF_FFC0_0000_0000, TOP),
    row("arm64-memory.txt-v3.16-4K-vmalloc", ARM64, _E0_V316_4K, "vmalloc_area", 0xFFFF_FF80_0000_0000, 0xFFFF_FFBB_FFFF_0000),
    row("arm64-memory.txt-v3.16-4K-vmemmap-8GB", ARM64, _E0_V316_4K, "vmemmap", 0xFFFF_FFBC_0000_0000, 0xFFFF_FFBE_0000_0000),
    row("arm64-memory.txt-v3.16-4K-future-vmemmap", ARM64, _E0_V316_4K, "vmemmap_future", 0xFFFF_FFBE_0000_0000, None),
    row("arm64-memory.txt-v3.16-4K-pci-io-16MB", ARM64, _E0_V316_4K, "pci_io", 0xFFFF_FFBF_FA00_0000, 0xFFFF_FFBF_FB00_0000),
    row("arm64-memory.txt-v3.16-4K-modules-64MB", ARM64, _E0_V316_4K, "modules_area", 0xFFFF_FFBF_FC00_0000, 0xFFFF_FFC0_0000_0000),
    row("arm64-memory.txt-v3.16-64K-user-4TB", ARM64, _E0_V316_64K, "user", 0, 0x400_0000_0000),
    row("arm64-memory.txt-v3.16-64K-vmalloc-2TB", ARM64, _E0_V316_64K, "vmalloc_area", 0xFFFF_FC00_0000_0000, 0xFFFF_FDFB_FFFF_0000),
    row("arm64-memory.txt-v3.16-64K-guard-page", ARM64, _E0_V316_64K, "vmemmap_guard", 0xFFFF_FDFB_FFFF_0000, 0xFFFF_FDFC_0000_0000),
    row("arm64-memory.txt-v3.16-64K-vmemmap-8GB", ARM64, _E0_V316_64K, "vmemmap", 0xFFFF_FDFC_0000_0000, 0xFFFF_FDFE_0000_0000),
    row("arm64-memory.txt-v3.16-64K-future-vmemmap", ARM64, _E0_V316_64K, "vmemmap_future", 0xFFFF_FDFE_0000_0000, None),
    row("arm64-memory.txt-v3.16-64K-pci-io-16MB", ARM64, _E0_V316_64K, "pci_io", 0xFFFF_FDFF_FA00_0000, 0xFFFF_FDFF_FB00_0000),
    row("arm64-memory.txt-v3.16-64K-modules-64MB", ARM64, _E0_V316_64K, "modules_area", 0xFFFF_FDFF_FC00_0000, 0xFFFF_FE00_0000_0000),
    row("arm64-memory.txt-v3.16-64K-memory-2TB", ARM64, _E0_V316_64K, "linear_window", 0xFFFF_FE00_0000_0000, TOP),
    # boot banner (tests/data/banners/arm64-3.1x-debian-3.16-qemu-4g-*): the image at PAGE_OFFSET + TEXT_OFFSET
    row("arm64-banner-v3.16-4K-text", ARM64, {**_E0_V316_4K, "ram": "0x40000000:4G"}, "kimage_linear", 0xFFFF_FFC0_0008_0000, None),
    row("arm64-banner-v3.16-4K-memory-4096MB", ARM64, {**_E0_V316_4K, "ram": "0x40000000:4G"}, "linear",
        0xFFFF_FFC0_0000_0000, 0xFFFF_FFC1_0000_0000),
]
ARM64_E0_VALUES = [
    # memory.h (v3.15 early_ioremap): FIXADDR_TOP = MODULES_VADDR - SZ_2M - PAGE_SIZE; fixmap.h: no fixmap before
    value("arm64-memory.h-v3.16-4K-FIXADDR_TOP", ARM64, _E0_V316_4K, "FIXADDR_TOP", 0xFFFF_FFBF_FBDF_F000),
    value("arm64-memory.h-v3.16-64K-FIXADDR_TOP", ARM64, _E0_V316_64K, "FIXADDR_TOP", 0xFFFF_FDFF_FBDF_0000),
    value("arm64-memory.h-v3.10-4K-PAGE_OFFSET", ARM64, _E0_V310_4K, "PAGE_OFFSET", 0xFFFF_FFC0_0000_0000),
    value("arm64-memory.h-v3.16-64K-PAGE_OFFSET", ARM64, _E0_V316_64K, "PAGE_OFFSET", 0xFFFF_FE00_0000_0000),
    value("arm64-memory.h-v3.10-64K-39bit-PAGE_OFFSET", ARM64, {"kernel": "3.10", "va_bits": "39", "page_size": "64K"},
          "PAGE_OFFSET", 0xFFFF_FFC0_0000_0000),
]


@pytest.mark.parametrize(("file", "overrides", "space", "region", "start", "end"), ARM64_E0_ROWS)
def test_arm64_e0_row(file, overrides, space, region, start, end):
    check_row(file, overrides, space, region, start, end)


@pytest.mark.parametrize(("file", "overrides", "name", "expected"), ARM64_E0_VALUES)
def test_arm64_e0_value(file, overrides, name, expected):
    check_value(file, overrides, name, expected)


def test_arm64_e0_has_no_fixmap_before_v3_15():
    layout = layout_of(ARM64, _E0_V310_4K)
    assert not layout.region("virtual", "fixmap").present
    assert layout_of(ARM64, _E0_V316_4K).region("virtual", "fixmap").present


@pytest.mark.parametrize("overrides, why", [
    ({"kernel": "3.16"}, "VA_BITS"),  # 48-bit VA only from v3.18
    ({"kernel": "3.16", "va_bits": "39", "page_size": "64K"}, "VA_BITS"),  # 64K pages are 42-bit by then
    ({"kernel": "3.10", "va_bits": "42", "page_size": "64K"}, "VA_BITS"),  # ... and 39-bit before v3.11
    ({"kernel": "3.6", "va_bits": "39"}, "v3.7"),
])
def test_arm64_e0_impossible_configs_are_refused(overrides, why):
    result = load_layout(str(LAYOUTS / ARM64), overrides)
    assert [d.code for d in result.errors] == ["U902"] and why in result.errors[0].message


# ====================================================================== x86_64

def _x86_rows(tag: str, overrides: dict[str, str], rows):
    return [row(f"x86_64-{tag}-{name}", X86_64, overrides, region, start, end) for name, region, start, end in rows]


# Documentation/arch/x86/x86_64/mm.rst (v6.12), 4-level paging.  "FIXADDR_START" row: variable
# start, so only its end is pinned.
_MM_RST_4LEVEL = [
    ("user-128TB", "user", 0, 0x0000_8000_0000_0000),
    ("guard-hole-8TB", "guard_hole", 0xFFFF_8000_0000_0000, 0xFFFF_8800_0000_0000),
    ("ldt-remap-0.5TB", "ldt_remap", 0xFFFF_8800_0000_0000, 0xFFFF_8880_0000_0000),
    ("direct-mapping-64TB", "direct_map", 0xFFFF_8880_0000_0000, 0xFFFF_C880_0000_0000),
    ("unused-hole-0.5TB", "hole_before_vmalloc", 0xFFFF_C880_0000_0000, 0xFFFF_C900_0000_0000),
    ("vmalloc-32TB", "vmalloc_area", 0xFFFF_C900_0000_0000, 0xFFFF_E900_0000_0000),
    ("unused-hole-1TB", "hole_before_vmemmap", 0xFFFF_E900_0000_0000, 0xFFFF_EA00_0000_0000),
    ("vmemmap-1TB", "vmemmap", 0xFFFF_EA00_0000_0000, 0xFFFF_EB00_0000_0000),
    ("unused-hole-1TB-2", "hole_before_kasan", 0xFFFF_EB00_0000_0000, 0xFFFF_EC00_0000_0000),
    ("kasan-shadow-16TB", "kasan_shadow_area", 0xFFFF_EC00_0000_0000, 0xFFFF_FC00_0000_0000),
    ("unused-hole-vaddr_end-2TB", "kaslr_end_hole", 0xFFFF_FC00_0000_0000, 0xFFFF_FE00_0000_0000),
    ("cpu_entry_area-0.5TB", "cpu_entry_area", 0xFFFF_FE00_0000_0000, 0xFFFF_FE80_0000_0000),
    ("unused-hole-0.5TB-2", "hole_before_espfix", 0xFFFF_FE80_0000_0000, 0xFFFF_FF00_0000_0000),
    ("esp-fixup-stacks-0.5TB", "espfix", 0xFFFF_FF00_0000_0000, 0xFFFF_FF80_0000_0000),
    ("unused-hole-444GB", "hole_before_efi", 0xFFFF_FF80_0000_0000, 0xFFFF_FFEF_0000_0000),
    ("efi-64GB", "efi", 0xFFFF_FFEF_0000_0000, 0xFFFF_FFFF_0000_0000),
    ("unused-hole-2GB", "hole_before_kernel", 0xFFFF_FFFF_0000_0000, 0xFFFF_FFFF_8000_0000),
    ("kernel-text-512MB", "kernel_text_mapping", 0xFFFF_FFFF_8000_0000, 0xFFFF_FFFF_A000_0000),
    ("modules-1520MB", "modules_area", 0xFFFF_FFFF_A000_0000, 0xFFFF_FFFF_FF00_0000),
    ("fixmap", "fixmap", None, 0xFFFF_FFFF_FF60_0000),
    ("vsyscall-4kB", "vsyscall", 0xFFFF_FFFF_FF60_0000, 0xFFFF_FFFF_FF60_1000),
    ("unused-hole-2MB", "top_hole", 0xFFFF_FFFF_FFE0_0000, TOP),
]

# the 5-level table; "identical to the 4-level table from -4 TB upwards"
_MM_RST_5LEVEL = [
    ("user-64PB", "user", 0, 0x0100_0000_0000_0000),
    ("guard-hole-4PB", "guard_hole", 0xFF00_0000_0000_0000, 0xFF10_0000_0000_0000),
    ("ldt-remap-0.25PB", "ldt_remap", 0xFF10_0000_0000_0000, 0xFF11_0000_0000_0000),
    ("direct-mapping-32PB", "direct_map", 0xFF11_0000_0000_0000, 0xFF91_0000_0000_0000),
    ("unused-hole-3.75PB", "hole_before_vmalloc", 0xFF91_0000_0000_0000, 0xFFA0_0000_0000_0000),
    ("vmalloc-12.5PB", "vmalloc_area", 0xFFA0_0000_0000_0000, 0xFFD2_0000_0000_0000),
    ("unused-hole-0.5PB", "hole_before_vmemmap", 0xFFD2_0000_0000_0000, 0xFFD4_0000_0000_0000),
    ("vmemmap-0.5PB", "vmemmap", 0xFFD4_0000_0000_0000, 0xFFD6_0000_0000_0000),
    # The document writes the KASAN start rounded ("ffdf000000000000 ... ~8 PB"); kasan.h gives
    # KASAN_SHADOW_OFFSET + ((-1UL << 56) >> 3) = 0xffdffc0000000000, which the layout uses, so
    # this hole row and the KASAN row are pinned at their document-exact ends only.
    ("unused-hole-2.25PB", "hole_before_kasan", 0xFFD6_0000_0000_0000, None),
    ("kasan-shadow-8PB", "kasan_shadow_area", None, 0xFFFF_FC00_0000_0000),
] + [r for r in _MM_RST_4LEVEL if r[2] is None or r[2] >= 0xFFFF_FC00_0000_0000]

# Documentation/x86/x86_64/mm.txt (v4.9): before the LDT remap and cpu_entry_area.  The document's
# module row ends at ffffffffff5fffff and its vsyscall row spans 8 MB; pgtable_64_types.h of v4.9
# has MODULES_END 0xffffffffff000000 and one vsyscall page, so only the starts are pinned there.
_MM_TXT_V49 = [
    ("user-47bits", "user", 0, 0x0000_8000_0000_0000),
    ("guard-hole-43bits", "guard_hole", 0xFFFF_8000_0000_0000, 0xFFFF_8800_0000_0000),
    ("direct-mapping-64TB", "direct_map", 0xFFFF_8800_0000_0000, 0xFFFF_C800_0000_0000),
    ("hole-40bits", "hole_before_vmalloc", 0xFFFF_C800_0000_0000, 0xFFFF_C900_0000_0000),
    ("vmalloc-45bits", "vmalloc_area", 0xFFFF_C900_0000_0000, 0xFFFF_E900_0000_0000),
    ("hole-40bits-2", "hole_before_vmemmap", 0xFFFF_E900_0000_0000, 0xFFFF_EA00_0000_0000),
    ("virtual-memory-map-1TB", "vmemmap", 0xFFFF_EA00_0000_0000, 0xFFFF_EB00_0000_0000),
    ("kasan-shadow-16TB", "kasan_shadow_area", 0xFFFF_EC00_0000_0000, 0xFFFF_FC00_0000_0000),
    ("esp-fixup-stacks-39bits", "espfix", 0xFFFF_FF00_0000_0000, 0xFFFF_FF80_0000_0000),
    ("efi-64GB", "efi", 0xFFFF_FFEF_0000_0000, 0xFFFF_FFFF_0000_0000),
    ("kernel-text-512MB", "kernel_text_mapping", 0xFFFF_FFFF_8000_0000, 0xFFFF_FFFF_A000_0000),
    ("modules", "modules_area", 0xFFFF_FFFF_A000_0000, None),
    ("vsyscalls", "vsyscall", 0xFFFF_FFFF_FF60_0000, None),
    ("unused-hole-2MB", "top_hole", 0xFFFF_FFFF_FFE0_0000, TOP),
]

X86_64_ROWS = (
    _x86_rows("mm.rst-v6.12-4level", {}, _MM_RST_4LEVEL)
    + _x86_rows("mm.rst-v6.12-5level", {"paging_levels": "5"}, _MM_RST_5LEVEL)
    + _x86_rows("mm.txt-v4.9", {"kernel": "4.9"}, _MM_TXT_V49)
    + [
        # page_64_types.h: KERNEL_IMAGE_SIZE 1 GiB with RANDOMIZE_BASE -> modules from -1 GiB
        row("x86_64-page_64_types.h-v6.12-kaslr-modules-1GB", X86_64, {"randomize_base": "true"}, "modules_area",
            0xFFFF_FFFF_C000_0000, 0xFFFF_FFFF_FF00_0000),
        # pgtable_64_types.h v4.12..v4.14: MODULES_END = __fix_to_virt(__end_of_fixed_addresses + 1).
        # By hand, for the default fixmap (FIXADDR_START 0xffffffffff580000): 639 permanent slots
        # below FIXADDR_TOP 0xffffffffff7ff000; 639..1150 would straddle a 512-entry PTE page, so
        # FIX_BTMAP_END = 639 + 512 - 127 = 1024 and __end_of_fixed_addresses = 1536; MODULES_END =
        # 0xffffffffff7ff000 - 1537 * 4 KiB = 0xffffffffff1fe000.  v4.11 and v4.20: 0xffffffffff000000.
        row("x86_64-pgtable_64_types.h-v4.12-modules-end-fixmap", X86_64, {"kernel": "4.12"}, "modules_area",
            0xFFFF_FFFF_A000_0000, 0xFFFF_FFFF_FF1F_E000),
        row("x86_64-pgtable_64_types.h-v4.14-modules-end-fixmap", X86_64, {"kernel": "4.14"}, "modules_area",
            0xFFFF_FFFF_A000_0000, 0xFFFF_FFFF_FF1F_E000),
        row("x86_64-pgtable_64_types.h-v4.11-modules-end-fixed", X86_64, {"kernel": "4.11"}, "modules_area",
            0xFFFF_FFFF_A000_0000, 0xFFFF_FFFF_FF00_0000),
        row("x86_64-pgtable_64_types.h-v4.20-modules-end-fixed", X86_64, {"kernel": "4.20"}, "modules_area",
            0xFFFF_FFFF_A000_0000, 0xFFFF_FFFF_FF00_0000),
        # _text = __START_KERNEL_map + LOAD_PHYSICAL_ADDR (16 MiB)
        row("x86_64-page_64_types.h-v6.12-text", X86_64, {}, "kernel_image", 0xFFFF_FFFF_8100_0000, None),
    ]
)

X86_64_VALUES = [
    value("x86_64-page_64_types.h-PAGE_OFFSET-L4", X86_64, {}, "PAGE_OFFSET", 0xFFFF_8880_0000_0000),
    value("x86_64-page_64_types.h-PAGE_OFFSET-L5", X86_64, {"paging_levels": "5"}, "PAGE_OFFSET", 0xFF11_0000_0000_0000),
    value("x86_64-fixmap.h-FIXADDR_TOP", X86_64, {}, "FIXADDR_TOP", 0xFFFF_FFFF_FF7F_F000),
    value("x86_64-kasan.h-KASAN_SHADOW_START-L5", X86_64, {"paging_levels": "5"}, "KASAN_SHADOW_START",
          0xFFDF_FC00_0000_0000),
]


@pytest.mark.parametrize(("file", "overrides", "space", "region", "start", "end"), X86_64_ROWS)
def test_x86_64_row(file, overrides, space, region, start, end):
    check_row(file, overrides, space, region, start, end)


@pytest.mark.parametrize(("file", "overrides", "name", "expected"), X86_64_VALUES)
def test_x86_64_value(file, overrides, name, expected):
    check_value(file, overrides, name, expected)


# ====================================================================== every shipped file

SHIPPED = sorted(str(p.relative_to(LAYOUTS)) for p in LAYOUTS.rglob("*.kl"))


@pytest.mark.parametrize("file", SHIPPED)
def test_shipped_layout_checks_clean(file):
    res = load_layout(str(LAYOUTS / file))
    assert res.layout is not None
    assert [f"{d.code} {d.message}" for d in res.errors + res.warnings] == []
    # the linear map never maps more than the RAM span it covers
    for region in res.layout.regions():
        if region.present and region.kind == "linear" and region.maps:
            ram = res.layout.region(*region.maps)
            assert region.size <= ram.size, f"{region.qualified} maps more than {ram.qualified}"
