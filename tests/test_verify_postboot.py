"""Tables made after boot, proven like the boot tables: `layoutc sim --scenario S --export-tables` and
`layoutc verify --qemu --scenario S`.

The built-in `kernel-maps` scenario leaves vmalloc areas (with guard pages), vfree'd ranges, kmap'd
pkmap slots and kmap_local fixmap slots.  The model's side is checked without QEMU; then QEMU must
agree on every probe of them -- with the physical address proven by a token at the predicted pa,
also for ARM32 HighMem, which the guest cannot reach through the linear map -- and single bit flips
in those leaves (and a stale pte left in a vfree'd range) must be caught.  The QEMU tests probe only
the mappings made after boot (`boot_probes=False`): the boot tables are tests/test_verify_qemu.py's.
Needs qemu-system-* and the cross gcc: skipped without them, failed under LAYOUTC_REQUIRE_TOOLS=1.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from tools import require_tool

from layoutc.cli import main
from layoutc.session import load_layout
from layoutc.sim.boot import boot
from layoutc.sim.mappings import after_boot
from layoutc.sim.mmu import Fault
from layoutc.sim.scenario import load, run_scenario
from layoutc.verify.arches import backend_for
from layoutc.verify.probes import MAX_PER_KIND, mapping_addresses
from layoutc.verify.qemu import verify

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "layoutc" / "schemas" / "tables.schema.json").read_text(encoding="utf-8"))
TOOLS = {"arm64": ("qemu-system-aarch64", "aarch64-linux-gnu-gcc"), "arm": ("qemu-system-arm", "arm-linux-gnueabihf-gcc"),
         "x86_64": ("qemu-system-x86_64", "gcc", "objcopy"), "riscv64": ("qemu-system-riscv64", "riscv64-linux-gnu-gcc")}
PROVEN = ("the token loaded at the predicted pa read back", "the token written is in memory at the predicted pa",
          "token read back, PAR agrees", "token planted physically read back")


def machine(name: str, defines=(), scenario: str = "kernel-maps", seed: int = 0):
    result = load_layout(str(ROOT / "layouts" / name), list(defines))
    assert result.layout is not None and not result.errors
    m = boot(result.layout)
    run_scenario(m, load(scenario), seed=seed)
    return m


def tools(arch: str) -> None:
    for tool in TOOLS[arch]:
        require_tool(tool)


# ------------------------------------------------------------------ the model's side (no QEMU)

def test_kernel_maps_leaves_every_kind_on_arm32_and_the_model_says_what_must_fault():
    m = machine("arm32.kl")
    maps = after_boot(m)
    kinds = {x.kind for x in maps}
    assert kinds == {"vmalloc", "vfree", "pkmap", "free pkmap slot", "kmap_local", "free kmap_local slot"}
    highmem = m.lowmem_end
    for x in maps:
        for offset in (0, x.size - 1):
            got = m.mmu.translate(x.va + offset, "r")
            if x.mapped:
                assert isinstance(got, int), (x, got)
                if x.pages:
                    assert got == x.pages[offset // m.page_size] + (offset & (m.page_size - 1))
            else:  # vfree'd ranges, free slots: ptes cleared, the L2 table stays (a page fault, level 2)
                assert isinstance(got, Fault) and (got.kind, got.level) == ("translation", 2), (x, got)
        if x.guard:
            got = m.mmu.translate(x.va + x.size, "r")
            assert isinstance(got, Fault) and got.kind == "translation", (x, got)
    # the HighMem behind pkmap and kmap_local (and vmalloc: __GFP_HIGHMEM) is out of the linear map
    assert all(pa >= highmem for x in maps if x.kind in ("pkmap", "kmap_local") for pa in x.pages)
    assert any(pa >= highmem for x in maps if x.kind == "vmalloc" for pa in x.pages)
    # kunmap leaves the slot mapped until the next flush; kunmap_local unmaps at once
    assert sum(1 for x in maps if x.kind == "pkmap") == 6 and sum(1 for x in maps if x.kind == "kmap_local") == 3
    # second-level tables the kernel allocated after boot (the fixmap slots share the vectors page's)
    booted = boot(load_layout(str(ROOT / "layouts" / "arm32.kl"), []).layout).pagetable.tables
    for kind in ("vmalloc", "pkmap"):
        va = next(x.va for x in maps if x.kind == kind)
        l1 = m.pagetable.l1[va >> 20]
        assert l1 & 3 == 1 and (l1 & 0xFFFFFC00) in m.pagetable.tables and (l1 & 0xFFFFFC00) not in booted, kind
    assert m.pagetable.dynamic_pages == 2


def test_kunmap_local_takes_the_newest_slot_first():
    m = machine("arm32.kl")
    slots = [x.va for x in after_boot(m) if x.kind == "kmap_local"]
    assert slots == sorted(m.fixmap.vaddr(i) for i in range(3))  # slot 0 is at the top: slots grow down
    free = next(x for x in after_boot(m) if x.kind == "free kmap_local slot")
    assert free.va == m.fixmap.vaddr(3)


def test_export_after_a_scenario_holds_the_new_tables_and_validates(tmp_path, capsys):
    out = tmp_path / "after"
    assert main(["sim", str(ROOT / "layouts" / "arm32.kl"), "--scenario", "kernel-maps", "--export-tables",
                 str(out)]) == 0
    assert "after scenario kernel-maps, 11 steps" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    jsonschema.validate(manifest, SCHEMA)
    assert manifest["workload"] == {"scenario": "kernel-maps", "seed": 0, "steps": 11}
    m = machine("arm32.kl")
    listed = [(x["kind"], int(x["va"], 16)) for x in manifest["kernel_mappings"]]
    assert listed == [(x.kind, x.va) for x in after_boot(m)]
    # every table page, the ones allocated after boot included, is in an image at its physical address
    images = {int(c["address"], 16): (out / c["file"]).read_bytes() for c in manifest["images"]}
    for pa, entries in m.pagetable.tables.items():
        base = max(b for b in images if b <= pa)
        assert images[base][pa - base:pa - base + len(entries) * 4] == entries.tobytes()
    # the boot export has no workload, and --steps N exports the tables as they were after N steps
    boot_dir, early = tmp_path / "boot", tmp_path / "early"
    assert main(["sim", str(ROOT / "layouts" / "arm32.kl"), "--export-tables", str(boot_dir)]) == 0
    assert json.loads((boot_dir / "manifest.json").read_text(encoding="utf-8"))["workload"] is None
    assert main(["sim", str(ROOT / "layouts" / "arm32.kl"), "--scenario", "kernel-maps", "--steps", "2",
                 "--export-tables", str(early)]) == 0
    early_manifest = json.loads((early / "manifest.json").read_text(encoding="utf-8"))
    assert early_manifest["workload"]["stopped"] == "--steps limit"
    assert {x["kind"] for x in early_manifest["kernel_mappings"]} == {"vmalloc", "vfree", "free pkmap slot",
                                                                     "free kmap_local slot"}


def test_probes_cover_each_mapping_and_stay_bounded():
    m = machine("arm32.kl")
    maps = after_boot(m)
    addresses = dict(mapping_addresses(maps))
    for x in maps:
        assert x.va in addresses and x.va + x.size - 1 in addresses
        if x.guard:
            assert x.va + x.size in addresses and x.va + x.size + x.guard - 1 in addresses
    big = machine("arm32.kl", scenario="kernel-maps")
    run_scenario(big, {"name": "many", "steps": [{"op": "vmalloc", "size": 4096, "count": 5 * MAX_PER_KIND}]})
    many = after_boot(big)  # more areas than are probed: at most MAX_PER_KIND of each kind, evenly spread
    assert sum(1 for x in many if x.kind == "vmalloc") > 4 * MAX_PER_KIND
    assert len(mapping_addresses(many)) <= 4 * MAX_PER_KIND * len({x.kind for x in many})


def test_verify_cli_scenario_usage_errors_exit_2(tmp_path, capsys):
    """No tool needed: --steps without --scenario, and a bad scenario file, are usage errors."""
    arm32 = str(ROOT / "layouts" / "arm32.kl")
    assert main(["verify", arm32, "--qemu", "--steps", "3"]) == 2
    assert "--steps N needs --scenario" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "steps": [{"op": "kmap_local"}]}', encoding="utf-8")
    assert main(["verify", arm32, "--qemu", "--scenario", str(bad)]) == 2
    assert "`kmap_local` needs `tag`" in capsys.readouterr().err


# ------------------------------------------------------------------ QEMU as the judge

def _evidence(report, maps, page: int) -> dict[str, set[str]]:
    """For each kind of mapping: how QEMU's answers to the kernel reads and writes were obtained."""
    out: dict[str, set[str]] = {}
    for probe, answer in report.answers:
        if probe.who != "kernel" or probe.access == "x":
            continue
        for x in maps:
            if x.va <= probe.va < x.va + x.size:
                out.setdefault(x.kind, set()).add(answer.how if answer.pa is not None else f"{answer.fault} fault")
            elif x.guard and x.va + x.size <= probe.va < x.va + x.size + x.guard:
                out.setdefault("guard", set()).add(answer.how if answer.pa is not None else f"{answer.fault} fault")
    return out


@pytest.mark.parametrize("defines", [(), ("lpae=true",)], ids=["short", "lpae"])
def test_qemu_agrees_on_arm32_vmalloc_pkmap_and_kmap_local_tables(defines):
    """Tables the kernel allocated after boot (short descriptors: second-level tables; LPAE: third-level
    ones, pkmap below PAGE_OFFSET walked through TTBR1), HighMem pages behind them."""
    tools("arm")
    m = machine("arm32.kl", defines)
    maps = after_boot(m)
    report = verify(m, backend_for(m), random_count=0, timeout=30, boot_probes=False)
    assert report.mismatches == [], "\n".join(map(str, report.mismatches[:20]))
    assert report.skipped == 0 and report.accesses == 5 * report.addresses
    evidence = _evidence(report, maps, m.page_size)
    for kind in ("vmalloc", "pkmap", "kmap_local"):  # every kernel read and write proven at the predicted pa
        assert evidence[kind] <= set(PROVEN) and len(evidence[kind]) == 2, (kind, evidence[kind])
    for kind in ("vfree", "free pkmap slot", "free kmap_local slot", "guard"):
        assert evidence[kind] == {"translation fault"}, (kind, evidence[kind])


@pytest.mark.parametrize("arch, name, defines", [("arm64", "arm64.kl", ()), ("riscv64", "riscv64.kl", ())],
                         ids=["arm64", "riscv64-sv39"])
def test_qemu_agrees_on_vmalloc_tables(arch, name, defines):
    """64-bit: no HighMem, so kmap needs no slot; vmalloc areas, guard pages and vfree'd ranges remain."""
    tools(arch)
    m = machine(name, defines)
    maps = after_boot(m)
    report = verify(m, backend_for(m), random_count=0, timeout=30, boot_probes=False)
    assert report.mismatches == [], "\n".join(map(str, report.mismatches[:20]))
    evidence = _evidence(report, maps, m.page_size)
    assert evidence["vmalloc"] and evidence["vmalloc"] <= set(PROVEN), evidence["vmalloc"]
    for kind in ("vfree", "guard"):
        assert len(evidence[kind]) == 1 and evidence[kind] <= {"translation fault", "page fault fault"}, evidence


def test_verify_cli_after_a_scenario_x86_64(capsys):
    tools("x86_64")
    code = main(["verify", str(ROOT / "layouts" / "x86_64.kl"), "-D", "ram=2G", "--qemu", "--scenario", "kernel-maps",
                 "--random", "0", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["mismatches"] == [], data["mismatches"][:10]
    assert data["workload"] == {"scenario": "kernel-maps", "seed": 0, "steps": 11}
    assert "--scenario kernel-maps (11 steps)" in data["config"]


def _patch(images, pa: int, fn):
    """The images with the 32-bit word at ``pa`` replaced by ``fn(word)``."""
    out = []
    for name, data in images:
        base = int(name[len("tables-"):-len(".bin")], 16)
        if base <= pa < base + len(data):
            data = bytearray(data)
            data[pa - base:pa - base + 4] = fn(int.from_bytes(data[pa - base:pa - base + 4], "little")).to_bytes(4, "little")
            data = bytes(data)
        out.append((name, data))
    return out


def _l2(m, va: int) -> int:
    """The physical address of the hardware small-page descriptor for ``va`` (ARM short descriptors)."""
    desc = m.pagetable.l1[va >> 20]
    assert desc & 3 == 1, f"{va:#x} has no second-level table"
    return (desc & 0xFFFFFC00) + 4 * (va >> 12 & 0xFF)


def test_arm32_negative_controls_in_tables_made_after_boot():
    """APX set on a vmalloc leaf (read-only), an output-address bit of another (the token is elsewhere),
    XN cleared on a third, AP[1] on a pkmap slot (user-readable), an output-address bit of a kmap_local
    slot, and a vfree'd range's pte left behind (the stale mapping a forgotten vunmap would leave): each
    caught, nothing else."""
    tools("arm")
    m = machine("arm32.kl")
    maps = after_boot(m)
    vm = [x for x in maps if x.kind == "vmalloc"]
    slot = next(x for x in maps if x.kind == "pkmap")
    local = next(x for x in maps if x.kind == "kmap_local")
    freed = next(x for x in maps if x.kind == "vfree")
    ro, oa, nx = vm[0].va, vm[1].va, vm[2].va
    live = m.pagetable.tables[_l2(m, ro) & ~0x3FF][ro >> 12 & 0xFF]
    edits = [(_l2(m, ro), lambda w: w | 1 << 9), (_l2(m, oa), lambda w: w ^ 1 << 13), (_l2(m, nx), lambda w: w & ~1),
             (_l2(m, slot.va), lambda w: w | 1 << 5), (_l2(m, local.va), lambda w: w ^ 1 << 12),
             (_l2(m, freed.va), lambda w: live)]

    def mutate(images):
        for pa, fn in edits:
            images = _patch(images, pa, fn)
        return images

    report = verify(m, backend_for(m), random_count=0, timeout=30, boot_probes=False, mutate=mutate)

    def at(va: int) -> set[tuple[str, str]]:
        return {(x.probe.who, x.probe.access) for x in report.mismatches if va <= x.probe.va < va + m.page_size}

    assert ("kernel", "w") in at(ro) and ("kernel", "r") not in at(ro)
    assert {("kernel", "r"), ("kernel", "w")} <= at(oa)
    assert any("not the token" in x.answer.how for x in report.mismatches if oa <= x.probe.va < oa + m.page_size)
    assert ("kernel", "x") in at(nx)
    assert ("user", "r") in at(slot.va)
    assert {("kernel", "r"), ("kernel", "w")} <= at(local.va)
    assert {("kernel", "r"), ("kernel", "w")} <= at(freed.va)
    flipped = (ro, oa, nx, slot.va, local.va, freed.va)
    assert all(any(va <= x.probe.va < va + m.page_size for va in flipped) for x in report.mismatches)
