"""Boot reports: the golden ARM32 ptdump, `--format json`, and `--banner` against the booted machine."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from layoutc.cli import main
from layoutc.session import load_layout
from layoutc.sim import report
from layoutc.sim.boot import boot

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
ARM32 = str(ROOT / "layouts" / "arm32.kl")
BOARD = str(ROOT / "layouts" / "boards" / "beaglebone-black.kl")


def machine(path, *defines):
    result = load_layout(path, list(defines))
    assert result.layout is not None and not result.errors, [d.message for d in result.errors]
    return boot(result.layout)


def test_golden_arm32_ptdump():
    """``arm32-2G.ptdump`` pins the ARM32 kernel_page_tables dump (arch/arm/mm/dump.c, SIM-REFERENCE §6)
    of layouts/arm32.kl with ram=2G: the `0x%08lx-0x%08lx   %9lu%c` columns with the size scaled
    while divisible by 1024, `PGD` for 1 MiB sections and `PTE` for 4 KiB pages, the domain padded
    to 7, section attributes (`    RW`, NX, SHD) and PTE attributes with the memory type; the
    kernel text read-only+executable in 1 MiB sections, rounded out to SECTION_SIZE as map_lowmem()
    rounds the kernel's executable range (no 4K ptes in lowmem), the 761 MiB RW+NX section run
    after it, the user-readable vectors page; unmapped
    ranges left out; arch/arm/mm/dump.c's own markers (Modules, Kernel Mapping, vmalloc() Area/End,
    Fixmap Area, Vectors, Vectors End -- names and order checked against the 2021 LPAE capture in
    tests/data/reports/arm-5.11-lpae-ptdump-markers.txt), the level name as v6.1+ prints it; and the
    W+X self-check line.  A human checked it line by line against §6 when it was written.
    """
    m = machine(ARM32, "ram=2G")
    text = report.ptdump(m) + report.wx_check(m) + "\n"
    golden = GOLDEN / "arm32-2G.ptdump"
    if os.environ.get("LAYOUTC_REGEN_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden} is missing: run with LAYOUTC_REGEN_GOLDEN=1 and review it"
    assert text == golden.read_text(encoding="utf-8"), \
        f"{golden.name} differs: if the change is intended, rerun with LAYOUTC_REGEN_GOLDEN=1 and review the diff"


def test_boot_report_json(capsys):
    assert main(["sim", ARM32, "-D", "ram=2G", "--format", "json", "--ptdump"]) == 0
    data = json.loads(capsys.readouterr().out)
    zones = {z["zone"]: z for z in data["zones"]}
    assert list(zones) == ["Normal", "HighMem"]
    for z in zones.values():
        assert len(z["nr_free"]) == 11  # orders 0..10
        assert z["free"] == sum(n << order for order, n in enumerate(z["nr_free"]))
        assert z["min"] < z["low"] < z["high"] < z["managed"] <= z["present"] <= z["spanned"]
    assert zones["HighMem"]["managed"] * 4 == 1310720  # 2 GiB - 768 MiB of lowmem, in 4 KiB pages
    meminfo = data["meminfo"]
    assert meminfo["MemFree"] == 4 * sum(z["free"] for z in zones.values())
    assert meminfo["HighTotal"] == 1310720 and meminfo["LowTotal"] + meminfo["HighTotal"] == meminfo["MemTotal"]
    assert int(data["high_memory"], 16) == 0xF000_0000
    assert data["windows"]["vmalloc"] == {"start": "0xf0800000", "end": "0xff800000"}
    assert any(line.startswith("Memory: ") for line in data["log"])
    assert "---[ vmalloc() Area ]---" in data["ptdump"]


def _banner_ranges(text: str) -> dict[str, tuple[int, int]]:
    return {m.group(1): (int(m.group(2), 16), int(m.group(3), 16))
            for m in re.finditer(r"^ +(\w+) *: 0x([0-9a-f]+) - 0x([0-9a-f]+)", text, re.MULTILINE)}


@pytest.mark.parametrize("path, defines", [(ARM32, ["kernel=4.19"]), (BOARD, [])], ids=["arm32-4.19", "beaglebone"])
def test_banner_agrees_with_the_booted_machine(path, defines, capsys):
    args = ["sim", path, "--banner"] + [word for d in defines for word in ("-D", d)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Virtual kernel memory layout:" in text
    ranges = _banner_ranges(text)
    m = machine(path, *defines)
    assert ranges["lowmem"] == (m.linear.va_start, m.high_memory)  # the sim computes high_memory itself
    for name in ("vmalloc", "pkmap", "modules", "fixmap"):
        assert ranges[name] == (m.windows[name].start, m.windows[name].end), name
    total = int(re.search(r"^Memory: \d+K/(\d+)K", text, re.MULTILINE).group(1))
    assert total == int(re.search(r"/(\d+)K", report.memory_line(m)).group(1))  # RAM the kernel saw


def test_banner_of_an_era_without_one_is_f104(capsys):
    assert main(["sim", ARM32, "-D", "kernel=6.1", "--banner"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "warning[F104]" in captured.err and "v5.1" in captured.err
