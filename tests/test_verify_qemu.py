"""`layoutc verify --qemu`: the simulator's page tables and MMU judged by QEMU's MMU emulation (TCG).

Each configuration boots the probe guest (built from the layout's own header and ld fragment)
on the exported tables and must agree with `mmu.translate` on every probe.  The negative
controls flip single descriptor bits in the images QEMU loads and require mismatches exactly
where the flipped leaf is probed: a check that passed by checking nothing would fail them.
Needs qemu-system-* and the cross gcc: skipped without them, failed under LAYOUTC_REQUIRE_TOOLS=1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tools import require_qemu_machine, require_tool

from layoutc.cli import main
from layoutc.session import load_layout
from layoutc.sim.boot import boot
from layoutc.verify.arches import ARM_MACHINES, backend_for
from layoutc.verify.qemu import VerifyError, verify

ROOT = Path(__file__).resolve().parent.parent
TOOLS = {"arm64": ("qemu-system-aarch64", "aarch64-linux-gnu-gcc"), "arm": ("qemu-system-arm", "arm-linux-gnueabihf-gcc"),
         "x86_64": ("qemu-system-x86_64", "gcc", "objcopy"), "x86": ("qemu-system-i386", "gcc", "objcopy"), "riscv64": ("qemu-system-riscv64", "riscv64-linux-gnu-gcc")}
RANDOM = 24  # random probe addresses per configuration, on top of every region edge, hole and mapping edge

CONFIGS = [
    ("arm64", "arm64.kl", ()),                                              # 4K granule, 48-bit, 4 levels
    ("arm64", "arm64.kl", ("va_bits=39",)),                                 # 4K, 3 levels
    ("arm64", "arm64.kl", ("page_size=16K", "va_bits=47")),                 # 16K, 3 levels
    ("arm64", "arm64.kl", ("page_size=64K", "va_bits=42")),                 # 64K, 2 levels
    ("arm64", "arm64.kl", ("page_size=64K", "va_bits=52")),                 # 64K, 52-bit (LPA)
    ("arm64", "arm64.kl", ("kernel=6.9", "va_bits=52")),                    # 4K LPA2: 5 levels from level -1
    ("arm64", "arm64.kl", ("ram=0x40000000:1G,0x100000000:2G",)),            # a hole between RAM banks
    ("arm", "arm32.kl", ()),                                                # short descriptors, 1 MiB sections
    ("arm", "arm32.kl", ("lpae=true",)),                                    # LPAE, TTBR0 PAN (T0SZ = 7)
    ("arm", "arm32.kl", ("lpae=true", "vmsplit=2G", "ram=0x60000000:512M,0x90000000:512M")),  # 2G split, 2 banks
    ("arm", "boards/rpi3.kl", ()),                                          # RAM at 0: -M raspi2b (Cortex-A7)
    ("arm", "boards/rpi3.kl", ("lpae=true",)),                              # the same with LPAE
    ("arm", "boards/wandboard-quad.kl", ()),                                # RAM at 0x10000000: -M sabrelite (A9)
    ("x86_64", "x86_64.kl", ("ram=2G",)),                                   # 4-level
    ("x86_64", "x86_64.kl", ("paging_levels=5", "ram=2G")),                 # 5-level (LA57)
    ("x86", "x86.kl", ()),                                                  # 2-level, 4 MiB PSE pages, highmem
    ("x86", "x86.kl", ("pae=true", "ram=512M")),                            # PAE: 3 levels, NX (all lowmem)
    ("riscv64", "riscv64.kl", ()),                                          # Sv39
    ("riscv64", "riscv64.kl", ("mode=sv57",)),                              # Sv57
]


def machine(name: str, defines=()):
    result = load_layout(str(ROOT / "layouts" / name), list(defines))
    assert result.layout is not None and not result.errors
    return boot(result.layout)


def tools(arch: str) -> None:
    for tool in TOOLS[arch]:
        require_tool(tool)


@pytest.mark.parametrize("arch, name, defines", CONFIGS, ids=[f"{n[:-3]}-{'-'.join(d) or 'default'}"
                                                              for _, n, d in CONFIGS])
def test_qemu_agrees_with_the_simulator(arch, name, defines):
    tools(arch)
    m = machine(name, defines)
    if arch == "arm":
        require_qemu_machine("qemu-system-arm", backend_for(m).machine.name)
    report = verify(m, backend_for(m), overrides=defines, random_count=RANDOM, timeout=30)
    assert report.accesses >= 5 * 40 and report.mismatches == [], "\n".join(map(str, report.mismatches[:20]))
    assert report.skipped < report.accesses // 20


def path(m, va: int) -> list[tuple[int, int, int]]:
    """(table key, slot, physical address) of every descriptor the hardware reads for va, the leaf last."""
    table = m.pagetable
    if m.mmu_format == "arm_short":  # sections only in lowmem: the L1 entry
        return [(table.pgd, va >> 20, table.pgd + 4 * (va >> 20))]
    key = table.leaf_roots()[0][0] if va >> 63 else table.leaf_roots()[-1][0]
    steps = []
    for index, (shift, entries, _, _) in enumerate(table.levels):
        slot = (va >> shift) & (entries - 1)
        desc = table.tables[key][slot]
        steps.append((key, slot, table.table_pa(key) + slot * table.entry_bytes))
        if table.kind(desc, index) != 1 or index == len(table.levels) - 1:  # not a table descriptor: the leaf
            return steps
        key = desc & table.addr_mask
    raise AssertionError("unreachable")


def descriptor(m, va: int) -> tuple[int, int]:
    """(physical address, level index) of the leaf descriptor the hardware reads for va."""
    steps = path(m, va)
    return steps[-1][2], len(steps) - 1


def flip_model(m, va: int, bit: int, depth: int = -1) -> None:
    """Flip a bit in the model's own tables (so in the images QEMU loads too): a changed table both judge.
    ``depth`` picks the descriptor on va's walk (-1: the leaf)."""
    key, slot, _ = path(m, va)[depth]
    m.pagetable.tables[key][slot] ^= 1 << bit
    m.mmu.flush_all()


def flipper(flips):
    def mutate(images):
        out = []
        for name, data in images:
            base = int(name[len("tables-"):-len(".bin")], 16)
            data = bytearray(data)
            for pa, bit in flips:
                if base <= pa < base + len(data):
                    word = int.from_bytes(data[pa - base:pa - base + 8], "little") ^ (1 << bit)
                    data[pa - base:pa - base + 8] = word.to_bytes(8, "little")
            out.append((name, bytes(data)))
        return out

    return mutate


def mismatched(report, va: int, size: int) -> set[tuple[str, str]]:
    return {(x.probe.who, x.probe.access) for x in report.mismatches if va <= x.probe.va < va + size}


def test_arm64_negative_controls_single_bit_flips_are_caught():
    """AP[2] read-only, AP[1] user, PXN, UXN, AF and an output-address bit, each on its own leaf, flipped in
    QEMU's images only; UXN, AP[1] and PXN flipped in the model's tables as well on other leaves, where the
    two must still agree (the model decodes the bit as the hardware does)."""
    tools("arm64")
    m = machine("arm64.kl")
    linear = [va for va, _size, _lvl, _d in m.pagetable.leaves() if m.linear.va_start <= va < m.linear.va_end]
    image = m.kernel_image[0]
    rw, user, exec_ = linear[1], linear[2], linear[3]  # 1 GiB blocks; the first holds the guest's stack
    targets = {"read-only": (rw, 7), "user": (user, 6), "no PXN": (exec_, 53), "AF": (image + (4 << 20), 10),
               "output address": (image + (8 << 20), 22), "no UXN": (image + (12 << 20), 54)}
    both = {"no UXN": (image + (16 << 20), 54), "user": (image + (20 << 20), 6), "no PXN": (image + (24 << 20), 53)}
    flips = []
    for va, bit in targets.values():
        pa, _ = descriptor(m, va)
        flips.append((pa, bit))
    for va, bit in both.values():
        flip_model(m, va, bit)
    assert isinstance(m.mmu.translate(both["no UXN"][0], "x", True), int)  # EL0 may run it: UXN alone decides
    report = verify(m, backend_for(m), random_count=0, mutate=flipper(flips), timeout=30,
                    extra=tuple(va for va, _ in (*targets.values(), *both.values())))
    assert ("kernel", "w") in mismatched(report, rw, 1 << 30)
    assert {("user", "r"), ("user", "w")} <= mismatched(report, user, 1 << 30)
    assert ("kernel", "x") in mismatched(report, exec_, 1 << 30)
    assert ("kernel", "r") in mismatched(report, image + (4 << 20), 2 << 20)
    assert ("kernel", "r") in mismatched(report, image + (8 << 20), 2 << 20)
    assert mismatched(report, image + (12 << 20), 2 << 20) == {("user", "x")}
    # the unflipped leaves and the ones flipped in both still agree: the mismatches are the flips, not noise
    flipped = [(va, 1 << 30 if va in (rw, user, exec_) else 2 << 20) for va, _ in targets.values()]
    stray = [x for x in report.mismatches if not any(va <= x.probe.va < va + size for va, size in flipped)]
    assert stray == [], "\n".join(map(str, stray[:10]))


def strays(report, spans) -> list:
    """Mismatches outside the given (va, size) spans: there must be none."""
    return [x for x in report.mismatches if not any(va <= x.probe.va < va + size for va, size in spans)]


def test_arm_short_negative_controls_single_bit_flips_are_caught():
    """Section bits flipped in QEMU's images: APX read-only, AP[1] user, XN cleared, PXN set on the text,
    AP[0] cleared, a base-address bit.  Bit 10 is AP[0], not an access flag: Linux runs with SCTLR.AFE = 0
    (the manifest's SCTLR 0x10c03c7d), so AP[1:0] = 00 is "no access" and the read faults on permission.
    AP[0], AP[1] and XN flipped in the model's tables too on other sections: the two must agree there."""
    tools("arm")
    m = machine("arm32.kl")
    assert not m.pagetable.registers()["SCTLR"] & 1 << 29  # AFE clear: no access flag in short descriptors
    text = m.kernel_image[0] & ~0xFFFFF
    rw, user, exec_, oa, ap0 = (m.linear.va_start + n * (64 << 20) for n in (2, 3, 4, 5, 6))
    targets = [(rw, 15), (user, 11), (exec_, 4), (text + (2 << 20), 0), (oa, 24), (ap0, 10)]
    both = [(m.linear.va_start + n * (64 << 20), bit) for n, bit in ((7, 10), (8, 11), (9, 4))]
    flips = [(descriptor(m, va)[0], b) for va, b in targets]
    for va, bit in both:
        flip_model(m, va, bit)
    report = verify(m, backend_for(m), random_count=0, mutate=flipper(flips), timeout=30,
                    extra=tuple(va for va, _ in (*targets, *both)))
    assert ("kernel", "w") in mismatched(report, rw, 1 << 20)
    assert ("user", "r") in mismatched(report, user, 1 << 20)
    assert ("kernel", "x") in mismatched(report, exec_, 1 << 20)
    assert ("kernel", "x") in mismatched(report, text + (2 << 20), 1 << 20)
    assert ("kernel", "r") in mismatched(report, oa, 1 << 20)
    assert mismatched(report, ap0, 1 << 20) >= {("kernel", "r"), ("kernel", "w")}
    stray = strays(report, [(va, 1 << 20) for va, _ in targets])
    assert stray == [], "\n".join(map(str, stray[:10]))


def test_lpae_negative_controls_single_bit_flips_are_caught():
    """Block bits flipped in QEMU's images: AP[2], AP[1], XN cleared, AF cleared, an output-address bit, PXN
    set on the text; XN, AP[2] and PXN flipped in the model's tables too on other blocks (must agree)."""
    tools("arm")
    m = machine("arm32.kl", ("lpae=true",))
    rw, user, exec_, af, oa = (m.linear.va_start + n * (64 << 20) for n in (2, 3, 4, 5, 6))
    text = m.linear.va_start + (4 << 20)  # a 2 MiB block of the text, clear of the guest's
    assert isinstance(m.mmu.translate(text, "x"), int)
    targets = [(rw, 7), (user, 6), (exec_, 54), (af, 10), (oa, 25), (text, 53)]
    both = [(m.linear.va_start + (7 << 26), 54), (m.linear.va_start + (8 << 26), 7), (text + (2 << 20), 53)]
    flips = [(descriptor(m, va)[0], b) for va, b in targets]
    for va, bit in both:
        flip_model(m, va, bit)
    report = verify(m, backend_for(m), random_count=0, mutate=flipper(flips), timeout=30,
                    extra=tuple(va for va, _ in (*targets, *both)))
    for va, kind in ((rw, ("kernel", "w")), (user, ("user", "r")), (exec_, ("kernel", "x")), (af, ("kernel", "r")),
                     (oa, ("kernel", "r")), (text, ("kernel", "x"))):
        assert kind in mismatched(report, va, 2 << 20), (hex(va), kind)
    stray = strays(report, [(va, 2 << 20) for va, _ in targets])
    assert stray == [], "\n".join(map(str, stray[:10]))


def test_lpae_defects_reintroduced_are_caught(monkeypatch):
    """Defect (2): SW PAN applied to the vectors page in the kernel half; defect (3): AttrIndx 0."""
    tools("arm")
    from layoutc.sim.pagetable import long_desc

    m = machine("arm32.kl", ("lpae=true",))
    m.mmu.pan_ttbr0_end = None  # the old model: PAN by user bit everywhere, vectors page included
    m.mmu.flush_all()
    monkeypatch.setattr(long_desc, "LPAE_MT_WRITEALLOC", 0)
    m2 = machine("arm32.kl", ("lpae=true",))
    report = verify(m, backend_for(m), random_count=0, timeout=30)
    vectors = [x for x in report.mismatches if 0xFFFF_0000 <= x.probe.va < 0xFFFF_1000]
    assert {(x.probe.who, x.probe.access) for x in vectors} >= {("kernel", "r")}
    report2 = verify(m2, backend_for(m2), random_count=0, timeout=30)
    assert any("memory attributes 0x00" in x.reason for x in report2.mismatches)


def rewritten(report, pa: int) -> int:
    """The bits the hardware walker set in the descriptor at pa during the run (0: left alone)."""
    return sum(w.after ^ w.before for w in report.hardware_writes if w.pa == pa)


def test_x86_64_negative_controls_single_bit_flips_are_caught():
    """Flipped in QEMU's images: RW set on the read-only text, NX cleared on the direct map, P cleared, an
    address bit, A cleared (the walker sets it back: caught as a rewritten descriptor), D cleared on a
    written leaf (the same), and US on leaves: visible where the upper levels are user (the image's PML4
    and PDPT entries, made user in the model's tables too), invisible under the supervisor upper levels of
    the direct map -- US must be set at every level.  US set in the model too on another leaf: must agree."""
    tools("x86_64")
    m = machine("x86_64.kl", ("ram=2G",))
    image = m.kernel_image[0]
    direct = m.linear.va_start
    rw, exec_, present, oa, accessed, user, user_both = (image + (n << 20) for n in (4, 0, 8, 12, 16, 20, 24))
    exec_ = direct + (1 << 30)
    flip_model(m, image, 2, depth=0)  # PML4 entry: US
    flip_model(m, image, 2, depth=1)  # PDPT entry: US
    flip_model(m, user_both, 2)
    targets = [(rw, 1), (exec_, 63), (exec_, 2), (exec_, 6), (present, 0), (oa, 22), (accessed, 5), (user, 2)]
    report = verify(m, backend_for(m), random_count=0, mutate=flipper([(descriptor(m, va)[0], b) for va, b in targets]),
                    timeout=30, extra=(rw, exec_, present, oa, accessed, user, user_both))
    assert ("kernel", "w") in mismatched(report, rw, 2 << 20)
    assert mismatched(report, exec_, 1 << 30) == {("kernel", "x")}  # NX; the US flip alone shows nothing
    assert ("kernel", "r") in mismatched(report, present, 2 << 20)
    assert ("kernel", "r") in mismatched(report, oa, 2 << 20)
    assert {("kernel", "r"), ("user", "r")} <= mismatched(report, user, 2 << 20)  # SMAP, and ring 3 reads it
    assert rewritten(report, descriptor(m, accessed)[0]) == 1 << 5
    assert rewritten(report, descriptor(m, exec_)[0]) == 1 << 6
    assert len(report.hardware_writes) == 2, "\n".join(map(str, report.hardware_writes))
    stray = strays(report, [(rw, 2 << 20), (exec_, 1 << 30), (present, 2 << 20), (oa, 2 << 20), (user, 2 << 20)])
    assert stray == [], "\n".join(map(str, stray[:10]))


@pytest.mark.parametrize("pae", [False, True], ids=["2level", "pae"])
def test_x86_32_negative_controls_single_bit_flips_are_caught(pae):
    """Flipped in QEMU's images on linear-map leaves (4 MiB PDEs; PAE: 2 MiB PDEs under PDPTEs that carry no
    rights, so the leaf's US alone decides): RW cleared, P cleared, US set (SMAP faults the kernel, ring 3
    reads), an address bit, A and D cleared (rewritten by the walker), RW set on the text; PAE also NX cleared.
    2-level has no NX bit at all.  US, RW (PAE: NX on the text) flipped in the model's tables too: must agree."""
    tools("x86")
    m = machine("x86.kl", ("pae=true",) if pae else ())
    leaf = 2 << 20 if pae else 4 << 20
    rw, present, user, oa, accessed, dirty, nx, user_both, rw_both = (0xC000_0000 + n * (64 << 20)
                                                                      for n in range(2, 11))
    text = m.kernel_image[0] + (4 << 20)  # the guest is in the first leaf, its data after the image
    targets = [(rw, 1), (present, 0), (user, 2), (oa, 21 if pae else 22), (accessed, 5), (dirty, 6), (text, 1)]
    targets += [(nx, 63)] if pae else []
    both = [(user_both, 2), (rw_both, 1)] + ([(m.kernel_image[0] + (2 << 20), 63)] if pae else [])
    for va, bit in both:
        flip_model(m, va, bit)
    report = verify(m, backend_for(m), random_count=0, mutate=flipper([(descriptor(m, va)[0], b) for va, b in targets]),
                    timeout=30, extra=tuple(va for va, _ in (*targets, *both)))
    assert ("kernel", "w") in mismatched(report, rw, leaf)
    assert ("kernel", "r") in mismatched(report, present, leaf)
    assert {("kernel", "r"), ("user", "r")} <= mismatched(report, user, leaf)
    assert ("kernel", "r") in mismatched(report, oa, leaf)
    assert ("kernel", "w") in mismatched(report, text, leaf)
    if pae:
        assert ("kernel", "x") in mismatched(report, nx, leaf)
    assert rewritten(report, descriptor(m, accessed)[0]) == 1 << 5
    assert rewritten(report, descriptor(m, dirty)[0]) == 1 << 6
    assert len(report.hardware_writes) == 2, "\n".join(map(str, report.hardware_writes))
    stray = strays(report, [(va, leaf) for va, _ in targets])
    assert stray == [], "\n".join(map(str, stray[:10]))


def test_riscv_negative_controls_single_bit_flips_are_caught():
    """Leaf bits flipped in QEMU's images: W cleared, X set on the linear map, U set (SUM clear: the kernel
    faults, the user reads), V cleared, a PPN bit, A cleared and D cleared on a written leaf (QEMU 7.2 sets
    both itself instead of faulting as Svade would: caught as rewritten descriptors).  U set and X cleared
    in the model's tables too on other leaves: must agree."""
    tools("riscv64")
    m = machine("riscv64.kl", ("ram=4G",))
    linear = [va for va, _size, _lvl, _d in m.pagetable.leaves() if m.linear.va_start <= va < m.linear.va_end]
    rw, exec_, user = linear[1], linear[2], linear[3]  # 1 GiB leaves; the first holds the guest's data
    image = m.kernel_image[0]
    valid, oa, accessed = image + (4 << 20), image + (8 << 20), image + (12 << 20)  # 2 MiB leaves of the image
    both = [(image + (14 << 20), 4), (image + (16 << 20), 3)]
    for va, bit in both:
        flip_model(m, va, bit)
    targets = [(rw, 2), (exec_, 3), (exec_, 7), (user, 4), (valid, 0), (oa, 10 + 9), (accessed, 6)]  # PPN[1] bit 0
    report = verify(m, backend_for(m), random_count=0, mutate=flipper([(descriptor(m, va)[0], b) for va, b in targets]),
                    timeout=30, extra=tuple(va for va, _ in (*targets, *both)))
    spans = [(rw, 1 << 30), (exec_, 1 << 30), (user, 1 << 30), (valid, 2 << 20), (oa, 2 << 20)]
    assert ("kernel", "w") in mismatched(report, *spans[0])
    assert ("kernel", "x") in mismatched(report, *spans[1])
    assert {("kernel", "r"), ("user", "r")} <= mismatched(report, *spans[2])
    assert ("kernel", "r") in mismatched(report, *spans[3])
    assert ("kernel", "r") in mismatched(report, *spans[4])
    assert rewritten(report, descriptor(m, accessed)[0]) == 1 << 6
    assert rewritten(report, descriptor(m, exec_)[0]) == 1 << 7
    assert len(report.hardware_writes) == 2, "\n".join(map(str, report.hardware_writes))
    stray = strays(report, spans)
    assert stray == [], "\n".join(map(str, stray[:10]))


def test_lpa2_shareability_in_bits_9_8_is_caught(monkeypatch):
    """Defect (1) reintroduced: SH = 11 in bits [9:8] under DS = 1 puts every output address 0xc << 48 too
    high -- the guest's own image among them, so on such tables QEMU cannot even run it."""
    tools("arm64")
    from layoutc.sim.pagetable import long_desc

    monkeypatch.setattr(long_desc.Arm64Table, "sh_bits", long_desc.SH_INNER)
    m = machine("arm64.kl", ("kernel=6.9", "va_bits=52"))
    assert m.pagetable.walk(m.kernel_image[0]).pa_base == m.kernel_image[1] | 0xC << 48  # as QEMU reads it
    with pytest.raises(VerifyError, match="did not finish"):
        verify(m, backend_for(m), random_count=0, timeout=10)


def test_cli_summary_and_exit_code(capsys):
    tools("arm64")
    code = main(["verify", str(ROOT / "layouts" / "arm64.kl"), "--qemu", "--random", "8", "-D", "va_bits=39"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "probes," in out and "accesses, 0 mismatches" in out


def test_cli_usage_errors_exit_2(capsys, monkeypatch):
    """No tool needed: verify without a judge, and a layout no probe guest exists for, are usage errors."""
    assert main(["verify", str(ROOT / "layouts" / "arm64.kl")]) == 2
    assert "--qemu" in capsys.readouterr().err
    import layoutc.verify.arches as arches

    monkeypatch.delitem(arches.BACKENDS, "x86")  # every shipped layout has a guest: take one away
    assert main(["verify", str(ROOT / "layouts" / "x86.kl"), "--qemu"]) == 2
    assert "no QEMU probe guest for x86" in capsys.readouterr().err


# ------------------------------------------------------------------ boards whose RAM is where -M virt has none

@pytest.mark.parametrize("name, defines, expected", [
    ("arm32.kl", (), "virt"),                                   # RAM at 0x60000000
    ("boards/beaglebone-black.kl", (), "virt"),                 # 0x80000000: inside virt's RAM
    ("boards/rpi3.kl", (), "raspi2b"),                          # 0..948M: below 0x3f000000
    ("boards/rpi3.kl", ("lpae=true",), "raspi2b"),              # the Cortex-A7 has LPAE
    ("boards/wandboard-quad.kl", (), "sabrelite"),              # 0x10000000:2G, the board's own i.MX6Q
    ("boards/wandboard-quad.kl", ("lpae=true",), "midway"),     # the Cortex-A9 has no LPAE: RAM from 0 up
    ("arm32.kl", ("phys_offset=0", "ram=1G"), "midway"),        # 0..1G: beyond raspi2b's 0x3f000000
])
def test_the_arm_machine_follows_the_layouts_ram(name, defines, expected):
    """No tool needed: the first ARM_MACHINES entry whose RAM window holds every bank, with the format."""
    m = machine(name, defines)
    backend = backend_for(m)
    assert backend.machine is not None and backend.machine.name == expected
    assert backend.reserved == backend.machine.reserved  # virt's device tree is kept out of raspi2b's RAM
    lo, hi = backend.machine.window
    assert all(lo <= a and b <= hi for a, b in m.banks)


def test_ram_no_machine_has_is_a_usage_error_naming_the_windows(capsys):
    """LPAE RAM above 4 GiB (Keystone 2 style, at 0x800000000): no machine in the table has it, exit 2."""
    code = main(["verify", str(ROOT / "layouts" / "arm32.kl"), "--qemu", "-D", "lpae=true",
                 "-D", "phys_offset=0x800000000", "-D", "ram=0x800000000:1G"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "0x800000000-0x840000000" in err and "Traceback" not in err
    for entry in ARM_MACHINES:  # every window is named, so the user sees where RAM would have to be
        assert entry.describe() in err


def short_targets(m) -> list[tuple[int, int]]:
    """Section bits of four lowmem sections: APX read-only, AP[1] user, XN cleared, an output-address bit."""
    rw, user, exec_, oa = (m.linear.va_start + n * (64 << 20) for n in (2, 3, 4, 5))
    return [(rw, 15), (user, 11), (exec_, 4), (oa, 24)]


@pytest.mark.parametrize("name, pxn", [("boards/rpi3.kl", True), ("boards/wandboard-quad.kl", False)],
                         ids=["rpi3-raspi2b", "wandboard-sabrelite"])
def test_board_short_negative_controls_single_bit_flips_are_caught(name, pxn):
    """The boards' machines judge too: each flip is a mismatch exactly where it is probed.  Bit 0 set on a
    text section is PXN on the Cortex-A7 (kernel exec faults, reads still work); the Cortex-A9 has no PXN,
    and there a section with bits [1:0] = 0b11 is a reserved encoding, a translation fault for every access
    (Arm ARM v7-A B3.5.1) -- the run is on the board's own CPU, not on a stand-in."""
    tools("arm")
    m = machine(name)
    backend = backend_for(m)
    require_qemu_machine("qemu-system-arm", backend.machine.name)
    targets = short_targets(m)
    text = (m.kernel_image[0] & ~0xFFFFF) + (2 << 20)
    flips = [(descriptor(m, va)[0], bit) for va, bit in [*targets, (text, 0)]]
    report = verify(m, backend, random_count=0, mutate=flipper(flips), timeout=30,
                    extra=tuple(va for va, _ in [*targets, (text, 0)]))
    (rw, _), (user, _), (exec_, _), (oa, _) = targets
    assert ("kernel", "w") in mismatched(report, rw, 1 << 20)
    assert ("user", "r") in mismatched(report, user, 1 << 20)
    assert ("kernel", "x") in mismatched(report, exec_, 1 << 20)
    assert ("kernel", "r") in mismatched(report, oa, 1 << 20)
    assert ("kernel", "x") in mismatched(report, text, 1 << 20)
    assert (("kernel", "r") in mismatched(report, text, 1 << 20)) != pxn
    assert all(any(va <= x.probe.va < va + (1 << 20) for va, _ in [*targets, (text, 0)]) for x in report.mismatches)


def test_board_lpae_negative_controls_single_bit_flips_are_caught():
    """rpi3 with LPAE on raspi2b's Cortex-A7: AP[2], AP[1], XN cleared, AF cleared, an output-address bit."""
    tools("arm")
    m = machine("boards/rpi3.kl", ("lpae=true",))
    backend = backend_for(m)
    require_qemu_machine("qemu-system-arm", backend.machine.name)
    rw, user, exec_, af, oa = (m.linear.va_start + n * (64 << 20) for n in (2, 3, 4, 5, 6))
    targets = [(rw, 7), (user, 6), (exec_, 54), (af, 10), (oa, 25)]
    report = verify(m, backend, random_count=0, mutate=flipper([(descriptor(m, va)[0], b) for va, b in targets]),
                    timeout=30, extra=tuple(va for va, _ in targets))
    for va, kind in ((rw, ("kernel", "w")), (user, ("user", "r")), (exec_, ("kernel", "x")), (af, ("kernel", "r")),
                     (oa, ("kernel", "r"))):
        assert kind in mismatched(report, va, 2 << 20), (hex(va), kind)
    assert all(any(va <= x.probe.va < va + (2 << 20) for va, _ in targets) for x in report.mismatches)
