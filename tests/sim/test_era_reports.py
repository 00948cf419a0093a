"""The simulator's reports against real captures of the same kernel era and configuration.

Each capture in tests/data/reports/ is a public bug report's output, with its source, kernel and
config in the header.  A test boots a layout on that kernel version, sets the config the capture's
kernel had (``dataclasses.replace`` on the machine's Era) and compares SHAPE: the row labels in
order, the suffixes, and the columns the values end in (a value wider than its printf field
pushes the column, so columns are compared only where both values fit).  Each test also checks
that another era's shape does NOT match, so the comparison can fail.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from layoutc.session import load_layout
from layoutc.sim import report, showmem
from layoutc.sim.boot import boot
from layoutc.sim.buddy import Zone, min_free_kbytes, setup_pcp, setup_watermarks
from layoutc.sim.gfp import GFP_HIGHUSER_MOVABLE, ZONE_NAMES

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "reports"


def capture(name: str) -> list[str]:
    """The capture's lines (the `#` header stripped, dmesg timestamps removed)."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [re.sub(r"^\[ *\d+\.\d+\] ", "", line) for line in lines if not line.startswith("#")]


def machine(layout: str, *defines: str, **config):
    result = load_layout(str(ROOT / "layouts" / layout), list(defines))
    assert result.layout is not None and not result.errors, [d.message for d in result.errors]
    m = boot(result.layout)
    m.era = replace(report.era(m), **config)
    return m


_ROW = re.compile(r"^(?P<label>[A-Za-z0-9_()]+:)(?P<pad> *)(?P<num>\d+)(?P<suffix>.*)$")


def row_shape(line: str) -> tuple[str, int, str, str]:
    match = _ROW.match(line)
    assert match, f"not a `Label: value` row: {line!r}"
    return match["label"], match.end("num"), match["num"], match["suffix"]


def assert_rows_alike(ours: list[str], real: list[str], prefix: bool = False) -> None:
    """Same labels in the same order (all of them, or the capture's prefix when it was cut), same suffixes, same
    value columns wherever neither value is wide enough (8+ digits) to have overflowed its field."""
    if prefix:
        ours = ours[:len(real)]
    assert [row_shape(line)[0] for line in ours] == [row_shape(line)[0] for line in real]
    for a, b in zip(ours, real):
        _, ea, na, sa = row_shape(a)
        _, eb, nb, sb = row_shape(b)
        assert sa == sb, (a, b)
        if max(len(na), len(nb)) < 8:
            assert ea == eb, f"value column differs: {a!r} vs {b!r}"


MEMINFO = [
    # capture, layout, defines, config the capture's kernel had, was it cut short
    ("arm-3.4-cubian-a20-meminfo.txt", "arm32.kl", ["kernel=3.4"], {}, False),
    ("arm-4.19-beaglebone-meminfo.txt", "arm32.kl", ["kernel=4.19"], {"cma": True}, False),
    ("x86_64-4.x-meminfo.txt", "x86_64.kl", ["kernel=4.9"], {"version": (4, 4), "gbpages": False}, False),
    ("x86_64-6.x-htop-meminfo.txt", "x86_64.kl", ["kernel=6.5"], {"zswap": True, "unaccepted": True}, True),
]


@pytest.mark.parametrize("name, layout, defines, config, cut", MEMINFO, ids=[m[0] for m in MEMINFO])
def test_meminfo_has_the_shape_of_its_era(name, layout, defines, config, cut):
    real = capture(name)
    m = machine(layout, *defines, **config)
    ours = report.meminfo(m).splitlines()
    assert_rows_alike(ours, real, prefix=cut)
    # the comparison can fail: the same machine speaking for a kernel two eras away does not match
    other = replace(m.era, version=(6, 12) if m.era.version < (5, 0) else (3, 10))
    m.era = other
    with pytest.raises(AssertionError):
        assert_rows_alike(report.meminfo(m).splitlines(), real, prefix=cut)


def test_percpu_is_never_zero():
    m = machine("arm64.kl")
    assert report.meminfo_values(m)["Percpu"] > 0


def _masked(line: str) -> str:
    """A message with its numbers (sizes, masks) replaced: what stays is the era's wording and punctuation."""
    return re.sub(r"0x[0-9a-f]+|\d+", "N", line)


VMALLOC = [
    ("x86-3.x-vmalloc-failure.txt", "x86.kl", ["kernel=3.10"], "insmod", {}),
    ("arm64-4.4-vmalloc-failure.txt", "arm64.kl", ["kernel=4.4"], "modprobe", {}),
    ("arm-4.14-vmalloc-failure.txt", "arm32.kl", ["kernel=4.14"], "kmodloader", {"cpusets": False}),
    ("arm-5.4-vmalloc-failure.txt", "arm32.kl", ["kernel=5.4"], "tracebox", {}),
]


@pytest.mark.parametrize("name, layout, defines, comm, config", VMALLOC, ids=[v[0] for v in VMALLOC])
def test_vmalloc_failure_is_worded_as_its_era(name, layout, defines, comm, config):
    real = capture(name)
    m = machine(layout, *defines, **config)
    assert m.vmalloc.vmalloc(m.vmalloc.end - m.vmalloc.start, comm=comm) is None  # no room
    ours = m.log[-len(real):]
    assert [_masked(line) for line in ours] == [_masked(line) for line in real]
    m.era = replace(m.era, version=(6, 1) if m.era.version < (5, 0) else (4, 4))
    m.vmalloc.vmalloc(m.vmalloc.end - m.vmalloc.start, comm=comm)
    assert [_masked(line) for line in m.log[-len(real):]] != [_masked(line) for line in real]


def test_memory_line_reserves_at_least_the_image():
    for layout in ("arm32.kl", "arm64.kl", "x86_64.kl", "x86.kl", "riscv64.kl"):
        m = machine(layout)
        line = report.memory_line(m)
        sizes = {name: int(k) for k, name in re.findall(r"(\d+)K (kernel code|rwdata|rodata|init|bss|reserved)", line)}
        image = sum(v for k, v in sizes.items() if k != "reserved")
        assert sizes["reserved"] >= image, line


# ------------------------------------------------------------------ show_mem and the OOM report

_PREFIX = re.compile(r"^(\w{3} +\d+ [\d:]+ \S+ kernel: )?( *\[ *\d+\.\d+\](\[ *T\d+\])?)? *")
_FREE_AREA = re.compile(r"^(?P<zone>(Node \d+ )?\w+): (?P<blocks>(\d+\*\d+kB (\((?P<t>[A-Z]+)\) )?)+)= \d+kB$")


def kernel_lines(name: str) -> list[str]:
    """The capture's kernel messages: no syslog/dmesg prefix, no leading blanks, no stack dump, CPU 0's lists only."""
    lines = [_PREFIX.sub("", line, count=1) for line in capture(name)]
    return [line for line in lines if line and not line.startswith("CPU: ")
            and not re.match(r"CPU +[1-9]\d*: hi:", line)]


def line_shape(line: str) -> str:
    """What a report line says, without its values: numbers, flag names, yes/no, migrate letters, comms masked."""
    match = _FREE_AREA.match(line)
    if match:  # one `N*SIZEkB` per order; the letters depend on the pageblocks, checked apart
        return f"{match['zone']}: " + "N*NkB " * match["blocks"].count("*") + "= NkB"
    line = re.sub(r"\(([A-Z_|]+)\)", "(FLAGS)", line)
    line = re.sub(r"nodemask=\(null\)", "nodemask=N", line)
    line = re.sub(r"all_unreclaimable\? (yes|no)", "all_unreclaimable? B", line)
    line = re.sub(r"(process \d+) \([^)]*\)", r"\1 (COMM)", line)
    line = re.sub(r"^\S+ (invoked oom-killer|cpuset=)", r"COMM \1", line)
    return re.sub(r" *(0x[0-9a-f]+|-?\d+)", lambda m: " N" if m[0].startswith(" ") else "N", line)


def migrate_letters(lines: list[str]) -> set[str]:
    return {m["t"] for line in lines for m in re.finditer(r"\((?P<t>[A-Z]+)\) ", line) if _FREE_AREA.match(line)}


def split_report(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(everything before the task table, the table header and rows, the lines after it)."""
    start = next(i for i, line in enumerate(lines) if "uid  tgid total_vm" in line)
    end = start + 1
    while end < len(lines) and re.match(r"^\[ *\d+\]", lines[end]):
        end += 1
    return lines[:start], lines[start:end], lines[end:]


def row_ends(row: str) -> list[int]:
    return [m.end() for m in re.finditer(r"-?\d+", row.rsplit(" ", 1)[0])]


def assert_tables_alike(ours: list[str], real: list[str]) -> None:
    assert ours[0] == real[0]  # the header, byte for byte
    small = [row for row in real[1:] if all(len(n) < 5 for n in re.findall(r"\d+", row))]
    assert small, "the capture has no row without wide values to compare columns with"
    for row in ours[1:]:
        assert row_ends(row) == row_ends(small[0]), (row, small[0])


def oom_machine(layout: str, *defines: str, **config):
    m = machine(layout, *defines, **config)
    m.task("init").uid = 0
    daemon = m.task("udevd")
    daemon.oom_score_adj = -1000
    hog = m.task("hog")
    for _ in range(64):
        m.alloc_user_page(hog)
    m.log.clear()
    assert m.out_of_memory(0, GFP_HIGHUSER_MOVABLE, "hog")
    return m


OOM = [
    # capture, layout, defines, config the capture's kernel had
    ("x86_64-3.18-oom.txt", "x86_64.kl", ["kernel=4.9"], {"version": (3, 18), "memory_failure": False,
                                                        "hugetlb": False, "zone_device": False, "thp": False}),
    ("x86-4.9-highmem-oom.txt", "x86.kl", ["kernel=4.9"], {"thp": True, "hugetlb": False}),
]


@pytest.mark.parametrize("name, layout, defines, config", OOM, ids=[o[0] for o in OOM])
def test_oom_report_has_the_shape_of_its_era(name, layout, defines, config):
    real_before, real_table, real_after = split_report(kernel_lines(name))
    m = oom_machine(layout, *defines, **config)
    before, table, after = split_report([line.strip() for line in m.log])
    assert [line_shape(line) for line in before] == [line_shape(line) for line in real_before]
    assert_tables_alike(table, real_table)
    assert [line_shape(line) for line in after] == [line_shape(line) for line in real_after]
    assert migrate_letters(m.log) <= set("".join(migrate_letters(real_before)) + "M")
    # fixed-width lines: the per-CPU list lines (%4d/%5d/%4d/%4d) have the capture's length
    pcp = [line for line in before if line.startswith("CPU ")]
    real_pcp = [line for line in real_before if line.startswith("CPU ") and len(line) == 38]
    assert all(len(line) == len(real_pcp[0]) for line in pcp) if real_pcp else not pcp
    # and a kernel of another era prints another report
    m2 = oom_machine(layout, *defines, **{**config, "version": (6, 6)})
    assert [line_shape(line.strip()) for line in m2.log] != [line_shape(line) for line in kernel_lines(name)]


def test_show_mem_of_6_7_has_the_shape_of_the_capture():
    real = kernel_lines("x86_64-6.7-alloc-failure-show-mem.txt")
    real = real[real.index("Mem-Info:"):]
    m = machine("x86_64.kl", "kernel=6.7")
    ours = [line.strip() for line in showmem.show_mem(m)]
    assert [line_shape(line) for line in ours] == [line_shape(line) for line in real]
    m.era = replace(m.era, version=(4, 9))
    assert [line_shape(line.strip()) for line in showmem.show_mem(m)] != [line_shape(line) for line in real]


@pytest.mark.parametrize("version, selectable", [((4, 19), True), ((5, 9), True), ((6, 12), True)])
def test_a_task_without_pages_is_still_an_oom_victim(version, selectable):
    """oom_badness never returns 0 for an eligible task before v5.9 (`points > 0 ? points : 1`), and from
    v5.9 a score of 0 is above LONG_MIN: either way an idle killable task is chosen, never "no killable processes"."""
    m = machine("arm32.kl", f"kernel={'.'.join(map(str, version))}")
    idle = m.task("healthd")
    m.task("keeper").oom_score_adj = -1000
    victim, _ = showmem.select_victim(m)
    assert (victim is idle) is selectable
    assert m.out_of_memory(0, GFP_HIGHUSER_MOVABLE, "healthd") and "healthd" not in [t.comm for t in m.tasks.values()]
    assert not m.out_of_memory(0, GFP_HIGHUSER_MOVABLE, "keeper")  # only the unkillable one left
    assert m.log[-1].startswith("Kernel panic - not syncing")


# ------------------------------------------------------------------ watermarks and per-CPU lists of the era


def test_watermarks_and_pcp_of_3_18_are_the_captures():
    """The 3.18 capture's zones (managed pages) through __setup_per_zone_wmarks and zone_batchsize of v3.18 give
    exactly its min/low/high (no watermark_scale_factor before v4.6: low = min + min/4, high = min + min/2) and
    its per-CPU hi/btch (512 KiB batch cap before v4.15, high = 6 * batch, 0 for the small DMA zone)."""
    lines = kernel_lines("x86_64-3.18-oom.txt")
    zones, expected = [], {}
    for line in lines:
        match = re.match(r"Node 0 (\w+) free:\d+kB min:(\d+)kB low:(\d+)kB high:(\d+)kB .* managed:(\d+)kB", line)
        if match:
            index = ZONE_NAMES.index(match[1])
            zone = Zone(index, 0, int(match[5]) // 4, 10)
            zone.managed_pages = int(match[5]) // 4
            zones.append(zone)
            expected[match[1]] = [int(match[i]) // 4 for i in (2, 3, 4)]
    pcp = {}
    for name, line in zip([line.split()[2] for line in lines if line.endswith("per-cpu:")],
                          [line for line in lines if line.startswith("CPU    0:")]):
        hi, batch = map(int, re.search(r"hi: *(\d+), btch: *(\d+)", line).groups())
        pcp[name] = (hi, batch)
    assert len(zones) == 3 and len(pcp) == 3
    setup_watermarks(zones, 12, version=(3, 18))
    for zone in zones:
        setup_pcp(zone, 4096, version=(3, 18))
        assert zone.watermark == expected[zone.name], zone.name
        assert (zone.pcp_high, zone.pcp_batch) == pcp[zone.name], zone.name
    setup_watermarks(zones, 12, version=(4, 6))  # the v4.6 formula gives other marks: the comparison can fail
    assert [z.watermark for z in zones] != [expected[z.name] for z in zones]


@pytest.mark.parametrize("managed, version, batch", [
    (125984, (3, 6), 31),   # raspberrypi/linux#372: 3.6.11+, "Normal zone: 125984 pages, LIFO batch:31"
    (255488, (5, 4), 63),   # raspberrypi/linux#3644: 5.4.42-v7+, "Normal zone: 255488 pages, LIFO batch:63"
    (770048, (5, 10), 63),  # home-assistant/operating-system#755: "Normal zone: 770048 pages, LIFO batch:63"
])
def test_zone_batchsize_of_the_era_is_the_boot_logs(managed, version, batch):
    zone = Zone(2, 0, managed, 10)
    zone.managed_pages = managed
    zone.watermark = [0, 1000, 2000]
    setup_pcp(zone, 4096, version=version)
    assert zone.pcp_batch == batch
    assert zone.pcp_high == (max(1000, 4 * batch) if version >= (5, 14) else 6 * batch)


def test_min_free_kbytes_cap_follows_the_era():
    assert min_free_kbytes(1 << 40 >> 10, (5, 6)) == 65536
    assert min_free_kbytes(1 << 40 >> 10, (5, 7)) == 131072  # int_sqrt(1 TiB in kB * 16), under the new cap


# ------------------------------------------------------------------ kernel_page_tables

_PTDUMP = re.compile(r"^0x[0-9a-f]+-0x[0-9a-f]+ +\d+[BKMGTPE](?P<rest>.*)$")


def ptdump_columns(lines: list[str]) -> set[str]:
    """What follows the size on each range line (level, domain and attribute columns): the layout to compare."""
    return {m["rest"] for m in map(_PTDUMP.match, lines) if m}


def ptdump_markers(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("---[")]


PTDUMP = [
    # capture, layout, defines; columns: ours must contain the capture's (the same bits printed the same way)
    ("arm-4.6-ptdump-kernel-mapping.txt", "arm32.kl", ["kernel=4.6"], True),
    ("arm64-6.x-ptdump-linear-map.txt", "arm64.kl", ["kernel=6.12"], True),
    ("arm64-4.14-ptdump-kernel-image.txt", "arm64.kl", ["kernel=4.14"], True),
    ("x86-4.x-ptdump-wx.txt", "x86.kl", ["kernel=4.19", "pae=true"], False),  # x86's columns never moved
]


def _columns(rest: str) -> frozenset[tuple[str, int]]:
    """Where the always-printed columns sit after the size: the level name, the write (RW/ro) and execute
    (x/NX) columns and the memory type; optional flags (USR, AF, NG, CON, BLK, ...) are left out."""
    classes = {"PGD": "level", "PUD": "level", "PMD": "level", "PTE": "level", "P4D": "level",
               "pgd": "level", "pud": "level", "pmd": "level", "pte": "level",
               "RW": "write", "ro": "write", "x": "exec", "NX": "exec"}
    found = set()
    for word in re.finditer(r"\S+", rest):
        kind = classes.get(word[0]) or ("memtype" if "/" in word[0] else None)
        if kind:
            found.add((kind, word.start()))
    return frozenset(found)


def _columns_match(text: str, real: set) -> bool:
    """Each of our mapped ranges puts every column it shares with one of the capture's layouts where that one has it."""
    mapped = [c for c in map(_columns, ptdump_columns(text.splitlines())) if any(k == "write" for k, _ in c)]
    assert mapped, "no mapped range to compare"
    return all(any(all((k, pos) in a for k, pos in b if k in {kk for kk, _ in a}) for b in real) for a in mapped)


@pytest.mark.parametrize("name, layout, defines, moved", PTDUMP, ids=[p[0] for p in PTDUMP])
def test_ptdump_columns_are_the_kernels(name, layout, defines, moved):
    """Our mapped ranges put the level name (or none), the write and execute columns and the memory type in
    the capture's columns -- which move with the F and GP columns, the domain and the level token."""
    real = {_columns(rest) for rest in ptdump_columns(capture(name))}
    m = machine(layout, *defines)
    text = report.ptdump(m)
    assert _columns_match(text, real), (ptdump_columns(text.splitlines()), ptdump_columns(capture(name)))
    m.era = replace(m.era, version=(6, 12) if m.era.version < (5, 0) else (4, 4))  # another era: columns move
    assert _columns_match(report.ptdump(m), real) is not moved


def test_arm_ptdump_markers_are_the_kernels():
    """arch/arm/mm/dump.c's marker names in order (the 2021 LPAE capture; the simulated layout has no KASAN)."""
    real = [line for line in ptdump_markers(capture("arm-5.11-lpae-ptdump-markers.txt")) if "Kasan" not in line]
    ours = ptdump_markers(report.ptdump(machine("arm32.kl", "kernel=5.11", "lpae=true")).splitlines())
    assert [line for line in ours if line in real] == real[:len([line for line in ours if line in real])]
    assert ours[0] == "---[ Modules ]---" and "---[ Kernel Mapping ]---" in ours and "---[ vmalloc() Area ]---" in ours


def test_arm_level_name_from_6_1_only():
    old = report.ptdump(machine("arm32.kl", "kernel=6.0", "ram=2G"))
    new = report.ptdump(machine("arm32.kl", "kernel=6.1", "ram=2G"))
    assert " PGD " not in old and " PTE " not in old
    assert re.search(r"^0x[0-9a-f]{8}-0xf0000000 +\d+M PGD KERNEL +RW NX SHD$", new, re.MULTILINE)


def test_ranges_end_on_their_level_alignment():
    """note_page crosses a marker at the first entry at or above it: a hole never ends at an unaligned marker."""
    for layout in ("arm64.kl", "x86_64.kl"):
        m = machine(layout)
        sizes = {"PGD": None, "PUD": 1 << 30, "PMD": 2 << 20, "PTE": m.page_size,
                 "pgd": None, "pud": 1 << 30, "pmd": 2 << 20, "pte": 4096}
        for line in report.ptdump(m).splitlines():
            match = re.match(r"^0x([0-9a-f]+)-0x([0-9a-f]+) .* (\w+)$", line) or re.match(
                r"^0x([0-9a-f]+)-0x([0-9a-f]+) +\d+\w (\w+)", line)
            if not match:
                continue
            level = match.groups()[-1]
            align = sizes.get(level)
            if align:
                assert int(match[1], 16) % align == 0 and int(match[2], 16) % align == 0, line


def test_x86_wx_line_ends_as_the_kernels():
    real = capture("x86-4.x-ptdump-wx.txt")[0]
    m = machine("x86.kl", "kernel=4.19", "pae=true")
    ours = report.wx_check(m)
    assert _masked(ours).replace("passed, no", "FAILED, N") == _masked(real)


ZONE_RANGES = [
    ("arm64-5.15-zone-ranges.txt", "arm64.kl", ["kernel=5.15", "ram=0x40000000:256M"], {"zone_device": False}),
    ("x86_64-zone-ranges.txt", "x86_64.kl", ["kernel=6.1", "ram=5G"], {}),
]


@pytest.mark.parametrize("name, layout, defines, config", ZONE_RANGES, ids=[z[0] for z in ZONE_RANGES])
def test_zone_ranges_list_every_configured_zone(name, layout, defines, config):
    """arm64 from v5.5 has DMA and DMA32 (DMA32 empty when DMA covers the low 4 GiB); Device with ZONE_DEVICE."""
    real = kernel_lines(name)
    m = machine(layout, *defines, **config)
    ours = [line.strip() for line in showmem.zone_ranges(m)]
    assert [re.sub(r"\[mem .*\]", "[mem]", line) for line in ours] == \
        [re.sub(r"\[mem .*\]", "[mem]", line) for line in real]


def test_arm64_vmallocinfo_lists_the_kernel_segments():
    """map_kernel() registers text, rodata, init text, init data and data as early vm_structs: five VM_MAP areas
    without a guard page, back to back, each with its physical address (arch/arm64/mm/mmu.c map_kernel_segment)."""
    from layoutc.sim.vmalloc import vmallocinfo

    m = machine("arm64.kl")
    lines = [line for line in vmallocinfo(m.vmalloc).splitlines() if "map_kernel" in line]
    assert len(lines) == 5
    spans = [tuple(int(x, 16) for x in line.split()[0].split("-")) for line in lines]
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # VM_NO_GUARD: no guard page between them
    assert all(re.search(r" phys=0x[0-9a-f]{16} vmap$", line) for line in lines)
    assert spans[0][0] == m.kernel_image[0]


def _zone_blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in lines:
        if line.startswith("Node "):
            blocks.append([])
        if blocks:
            blocks[-1].append(re.sub(r"\d+", "N", line))
    return blocks


ZONEINFO = [
    # capture, layout, defines, config, how many zone blocks of ours to compare
    ("x86-3.7-zoneinfo.txt", "x86.kl", ["kernel=4.9"], {"version": (3, 7), "numa": False}, 1),
    ("s390-5.0-zoneinfo.txt", "arm64.kl", ["kernel=5.0", "ram=0x40000000:6G"],
     {"numa": True, "zsmalloc": True, "cma": True, "zone_device": False}, 3),
]


@pytest.mark.parametrize("name, layout, defines, config, count", ZONEINFO, ids=[z[0] for z in ZONEINFO])
def test_zoneinfo_has_the_shape_of_its_era(name, layout, defines, config, count):
    """Line for line (values masked): the item names and their order, the indents, the per-node block, where
    protection stands and its MAX_NR_ZONES entries, the unpopulated zone, the trailer of the era."""
    real = _zone_blocks(capture(name))
    m = machine(layout, *defines, **config)
    ours = _zone_blocks(report.zoneinfo(m).splitlines())[:count]
    assert ours == real
    m.era = replace(m.era, version=(6, 12))
    assert _zone_blocks(report.zoneinfo(m).splitlines())[:count] != real


def test_arm_6_1_oom_tail_and_task_table():
    """The 6.1 ARM capture's show_mem tail (no swap cache statistics, the cma line) and its task table columns."""
    real = kernel_lines("arm-6.1-oom-tail.txt")
    m = oom_machine("arm32.kl", "kernel=6.1", cma=True)
    ours = [line.strip() for line in m.log]
    start = next(i for i, line in enumerate(ours) if line.endswith("total pagecache pages"))
    head = ours[start:start + 9]
    assert [line_shape(line) for line in head] == [line_shape(line) for line in real[:9]]
    _, table, _ = split_report(ours)
    _, real_table, _ = split_report(real)
    assert ours[ours.index(table[0]) - 1] == "Tasks state (memory values in pages):"
    assert table[0] == real_table[0] and len(table) > 2
    assert all(row_ends(r) == row_ends(real_table[1]) for r in table[1:])  # every value in the kernel's column
