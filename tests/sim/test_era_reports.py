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
from layoutc.sim import report
from layoutc.sim.boot import boot

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
    ("x86-3.x-vmalloc-failure.txt", "x86.kl", ["kernel=3.10"], "insmod"),
    ("arm64-4.4-vmalloc-failure.txt", "arm64.kl", ["kernel=4.4"], "modprobe"),
    ("arm-4.14-vmalloc-failure.txt", "arm32.kl", ["kernel=4.14"], "kmodloader"),
    ("arm-5.4-vmalloc-failure.txt", "arm32.kl", ["kernel=5.4"], "tracebox"),
]


@pytest.mark.parametrize("name, layout, defines, comm", VMALLOC, ids=[v[0] for v in VMALLOC])
def test_vmalloc_failure_is_worded_as_its_era(name, layout, defines, comm):
    real = capture(name)
    m = machine(layout, *defines)
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
