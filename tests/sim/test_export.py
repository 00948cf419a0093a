"""`layoutc sim --export-tables`: the manifest against its JSON Schema, the images against the tables,
the register values against the architecture's field layout, and the defects issue 11 lists."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import jsonschema
import pytest

from layoutc.cli import main
from layoutc.session import load_layout
from layoutc.sim.boot import boot
from layoutc.sim.export import export_tables

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "layoutc" / "schemas" / "tables.schema.json").read_text(encoding="utf-8"))
CONFIGS = [
    ("arm64.kl", ()), ("arm64.kl", ("page_size=16K", "va_bits=47")), ("arm64.kl", ("page_size=64K", "va_bits=52")),
    ("arm64.kl", ("kernel=6.9", "va_bits=52")), ("arm32.kl", ()), ("arm32.kl", ("lpae=true",)),
    ("x86_64.kl", ()), ("x86_64.kl", ("paging_levels=5",)), ("riscv64.kl", ()), ("riscv64.kl", ("mode=sv57",)),
    ("x86.kl", ()),
]


def machine(name: str, defines=()):
    result = load_layout(str(ROOT / "layouts" / name), list(defines))
    assert result.layout is not None and not result.errors, [str(d) for d in result.errors]
    return boot(result.layout)


def word(export, pa: int, size: int = 8) -> int:
    for name, data in export.images:
        base = int(name[len("tables-"):-len(".bin")], 16)
        if base <= pa < base + len(data):
            return int.from_bytes(data[pa - base:pa - base + size], "little")
    raise AssertionError(f"{pa:#x} is in no image")


@pytest.mark.parametrize("name, defines", CONFIGS, ids=[f"{n}-{'-'.join(d) or 'default'}" for n, d in CONFIGS])
def test_manifest_validates_and_images_hold_the_tables(name, defines):
    m = machine(name, defines)
    export = export_tables(m, defines)
    jsonschema.validate(export.manifest, SCHEMA)
    # every table the simulator walks is in an image, byte for byte, at its physical address
    table = m.pagetable
    for key, entries in table.tables.items():
        pa = table.table_pa(key)
        width = entries.itemsize
        for index in (0, len(entries) - 1):
            assert word(export, pa + index * width, width) == entries[index]
    # chunks never overlap and are not split where the tables are contiguous
    spans = sorted((int(c["address"], 16), c["size"]) for c in export.manifest["images"])
    assert all(a + s < b for (a, s), (b, _) in zip(spans, spans[1:]))
    assert len(spans) < len(table.tables)


def test_arm64_registers_follow_the_tcr_field_layout():
    m = machine("arm64.kl", ("page_size=16K", "va_bits=47"))
    regs = {k: int(v, 16) for k, v in export_tables(m).manifest["registers"].items()}
    tcr = regs["TCR_EL1"]
    assert tcr & 0x3F == 64 - 47 and tcr >> 16 & 0x3F == 64 - 47  # T0SZ, T1SZ
    assert tcr >> 14 & 3 == 0b10 and tcr >> 30 & 3 == 0b01  # TG0 / TG1 = 16K (different encodings)
    assert not tcr >> 59 & 1  # DS only with LPA2
    assert regs["TTBR1_EL1"] == m.pagetable.roots()["kernel"] and regs["TTBR0_EL1"] == m.pagetable.roots()["user"]
    assert regs["MAIR_EL1"] & 0xFF == 0xFF  # MT_NORMAL = index 0: write-back


def test_lpa2_sets_ds_and_leaves_descriptor_bits_9_8_zero():
    """Defect (1): with TCR_EL1.DS = 1 bits [9:8] are OA[51:50]; shareability there maps 0xc << 48 too high."""
    m = machine("arm64.kl", ("kernel=6.9", "va_bits=52"))
    manifest = export_tables(m).manifest
    assert int(manifest["registers"]["TCR_EL1"], 16) >> 59 & 1
    assert manifest["levels"] == {"count": 5, "first": -1, "step": 1}
    for va, _size, _level, desc in m.pagetable.leaves():
        assert desc >> 8 & 3 == 0, f"leaf at {va:#x} has OA[51:50] set: {desc:#x}"
    leaf = m.pagetable.walk(m.linear.va_start)
    assert leaf.pa_base == m.linear.pa_start


def test_lpae_memory_is_write_allocate_under_linux_mair():
    """Defect (3): AttrIndx 0 is strongly-ordered under Linux's MAIR0; normal memory uses index 7 (0xff)."""
    manifest = export_tables(machine("arm32.kl", ("lpae=true",))).manifest
    assert {leaf["memory"] for leaf in manifest["leaves"]} == {"MAIR[7] = 0xff"}
    regs = manifest["registers"]
    assert regs["MAIR0"] == "0xeeaa4400" and regs["MAIR1"] == "0xff000004"
    # CONFIG_CPU_TTBR0_PAN: T1SZ = 0 and TTBR1 = swapper_pg_dir (TTBR1_SIZE, TTBR1_OFFSET 0); while the
    # kernel runs EPD0, T0SZ = 7 (TTBR0 covers 32 MiB) and A1 (uaccess_disable)
    ttbcr, kernel = int(regs["TTBCR"], 16), int(manifest["contexts"]["kernel"]["TTBCR"], 16)
    assert ttbcr >> 16 & 7 == 0 and ttbcr & 7 == 0 and regs["TTBR1"] == regs["TTBR0"]
    assert kernel == ttbcr | 1 << 7 | 7 | 1 << 22
    assert int(manifest["contexts"]["user"]["TTBCR"], 16) == ttbcr


def test_lpae_kernel_reads_the_vectors_page_pan_stops_at_the_ttbr1_split():
    """Defect (2): LPAE's PAN disables TTBR0 walks; the vectors page (user, kernel half) stays readable."""
    m = machine("arm32.kl", ("lpae=true",))
    vectors = 0xFFFF_0000
    assert isinstance(m.mmu.translate(vectors, "r"), int)
    fault = m.mmu.translate(0x1000, "r")
    assert (fault.kind, fault.level) == ("translation", 1) and "TTBR0" in fault.detail


def test_lpae_ttbr0_pan_leaves_modules_and_pkmap_to_ttbr1():
    """Below PAGE_OFFSET but above TTBR0's 32 MiB, the modules area and pkmap walk TTBR1 in the kernel: a
    kmap'd slot reads (the TTBR1 split at PAGE_OFFSET made every pkmap slot fault under PAN)."""
    from layoutc.sim.scenario import load, run_scenario

    m = machine("arm32.kl", ("lpae=true",))
    run_scenario(m, load("kernel-maps"))
    nr, pfn = next(iter(sorted(m.highmem.pfn_at.items())))
    assert m.highmem.addr(nr) < 0xC000_0000 and m.mmu.translate(m.highmem.addr(nr), "r") == pfn << 12
    fault = m.mmu.translate((32 << 20) - 8, "r")
    assert fault.kind == "translation" and "TTBR0" in fault.detail
    assert "TTBR0" not in m.mmu.translate(32 << 20, "r").detail  # a walk of TTBR1 (nothing mapped there)


def test_arm64_linear_map_leaves_holes_between_banks_unmapped():
    m = machine("arm64.kl", ("ram=0x40000000:1G,0x100000000:2G",))
    hole = m.linear.va(0x8000_0000)
    fault = m.mmu.translate(hole, "r")
    assert fault.kind == "translation"
    assert isinstance(m.mmu.translate(m.linear.va(0x1_0000_0000), "r"), int)


def test_arm32_lowmem_is_sections_only():
    """map_lowmem() rounds the kernel's executable range to SECTION_SIZE: no 4K ptes in lowmem."""
    for defines, section in (((), 1 << 20), (("lpae=true",), 2 << 20)):
        m = machine("arm32.kl", defines)
        sizes = {size for va, size, _level, _desc in m.pagetable.leaves() if m.linear.va_start <= va < m.linear.va_end}
        assert sizes == {section}, defines


def test_cli_writes_the_images_and_a_manifest(tmp_path):
    out = tmp_path / "tables"
    assert main(["sim", str(ROOT / "layouts" / "arm64.kl"), "--export-tables", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    jsonschema.validate(manifest, SCHEMA)
    for chunk in manifest["images"]:
        data = (out / chunk["file"]).read_bytes()
        assert len(data) == chunk["size"]
    root = int(manifest["roots"]["kernel"], 16)
    chunk = next(c for c in manifest["images"] if int(c["address"], 16) <= root < int(c["address"], 16) + c["size"])
    data = (out / chunk["file"]).read_bytes()
    offset = root - int(chunk["address"], 16)
    assert any(struct.unpack_from("<512Q", data, offset))  # the kernel root has entries
