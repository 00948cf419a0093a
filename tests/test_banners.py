"""Every collected real boot log (tests/data/banners/*.txt) is reproduced by the shipped layouts.

Each file's header names the layout and the -D params that describe the board and kernel;
the banner rendered from them must match every region line of the log byte for byte
(from the label on).  A line may differ only when the header documents why (`# differs:`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layoutc.banner import compare, render_banner
from layoutc.banner.dmesg import parse
from layoutc.banner.evidence import read_evidence
from layoutc.session import load_layout

ROOT = Path(__file__).resolve().parent.parent
BANNERS = sorted((ROOT / "tests" / "data" / "banners").glob("*.txt"))


def _load(evidence):
    result = load_layout(str(ROOT / evidence.layout), list(evidence.params))
    assert not result.errors, [f"{d.code} {d.message}" for d in result.errors]
    return result.layout


def test_enough_evidence():
    assert len(BANNERS) >= 20, f"only {len(BANNERS)} real boot logs collected"


@pytest.mark.parametrize("path", BANNERS, ids=[p.stem for p in BANNERS])
def test_header_is_complete(path):
    evidence = read_evidence(path.read_text(encoding="utf-8"))
    assert evidence.source, "each log names where it was published"
    assert evidence.layout and evidence.params
    found = parse(evidence.log)
    assert found is not None and len([e for e in found.entries if e.key in ("vmalloc", "lowmem")]) >= 1


@pytest.mark.parametrize("path", BANNERS, ids=[p.stem for p in BANNERS])
def test_region_lines_match(path):
    evidence = read_evidence(path.read_text(encoding="utf-8"))
    layout = _load(evidence)
    problems = []
    for diagnostic in compare(layout, evidence.log, path.name):
        key = diagnostic.message.split("`")[1]
        if key in evidence.differs:
            continue
        problems.append(f"{diagnostic.message}\n    " + "\n    ".join(diagnostic.notes))
    assert not problems, "\n".join(problems) + "\n--- rendered:\n" + render_banner(layout)


def test_documented_differences_are_real():
    """A `# differs:` entry must name a line that really differs (no stale excuses).

    Vendor module areas and DMA windows are params, so only an excerpt that stops early
    needs one (a mail quoting three arm64 lines).
    """
    for path in BANNERS:
        evidence = read_evidence(path.read_text(encoding="utf-8"))
        if evidence.differs:
            keys = {d.message.split("`")[1] for d in compare(_load(evidence), evidence.log, path.name)}
            assert set(evidence.differs) <= keys, path.name


# ---------------------------------------------------------------- arm64 banner eras
#
# The order of the lines as arch/arm64/mm/init.c mem_init() prints them (LINUX-LAYOUTS.md §2.5, §8):
# v3.18 (PCI_IOBASE line before the fixmap), v4.1 (fixed before PCI I/O, KASAN line from v4.4),
# v4.6 (image out of the linear map: modules first, vmemmap before fixed), v4.9 (.bss, vmemmap last but
# memory).  Written down from the kernel sources, not from the renderer.
_ARM64_ORDER = {
    "3.18": ["vmalloc", "vmemmap", "vmemmap actual", "PCI I/O", "fixed", "modules", "memory", ".init", ".text",
             ".data"],
    "4.4": ["kasan", "vmalloc", "vmemmap", "vmemmap actual", "fixed", "PCI I/O", "modules", "memory", ".init",
            ".text", ".data"],
    "4.6": ["kasan", "modules", "vmalloc", ".init", ".text", ".rodata", ".data", "vmemmap", "vmemmap actual",
            "fixed", "PCI I/O", "memory"],
    "4.9": ["kasan", "modules", "vmalloc", ".text", ".rodata", ".init", ".data", ".bss", "fixed", "PCI I/O",
            "vmemmap", "vmemmap actual", "memory"],
}


@pytest.mark.parametrize("kernel", sorted(_ARM64_ORDER))
def test_arm64_line_order_follows_mem_init(kernel):
    overrides = [f"kernel={kernel}", "va_bits=39"] + (["kasan=true"] if kernel != "3.18" else [])
    result = load_layout(str(ROOT / "layouts" / "arm64.kl"), overrides)
    assert not result.errors, [d.message for d in result.errors]
    from layoutc.banner import banner

    assert [line.key for line in banner(result.layout).lines] == _ARM64_ORDER[kernel]


def test_arm64_ptrval_from_4_15_and_no_banner_from_4_16():
    from layoutc.banner import MissingValue, banner

    def text(kernel):
        return render_banner(load_layout(str(ROOT / "layouts" / "arm64.kl"), [f"kernel={kernel}"]).layout)

    assert "      .text : 0x(____ptrval____) - 0x(____ptrval____)" in text("4.15")
    assert "ptrval" not in text("4.14") and "      .text : 0xffff000008080000 - " in text("4.14")
    with pytest.raises(MissingValue, match="v4.16"):
        banner(load_layout(str(ROOT / "layouts" / "arm64.kl"), ["kernel=4.16"]).layout)


def test_arm64_v3_7_to_v3_17_banner():
    """v3.7 .. v3.17 (arch/arm64/mm/init.c [v3.10, v3.16]): seven lines, image sizes in lowercase kB, and the
    vmemmap line is the struct pages of RAM only.  Numbers worked out by hand for 64K pages, VA_BITS 42
    (Documentation/arm64/memory.txt's 64K table), 2 GiB at 0x80000000, 56-byte struct page:
    vmalloc 0xfffffc0000000000 .. PAGE_OFFSET - 16 GiB - 64 KiB; the array at 0xfffffdfc00000000 indexed by
    PFN (0x80000000 >> 16 = 0x8000 pages x 56 = 0x1c0000)."""
    from layoutc.banner import banner

    layout = load_layout(str(ROOT / "layouts" / "arm64.kl"),
                         ["kernel=3.16", "page_size=64K", "va_bits=42", "ram=0x80000000:2G", "struct_page_size=56"]).layout
    rendered = banner(layout)
    assert [line.key for line in rendered.lines] == ["vmalloc", "vmemmap", "modules", "memory", ".init", ".text",
                                                     ".data"]
    text = rendered.text()
    assert "    vmalloc : 0xfffffc0000000000 - 0xfffffdfbffff0000   (2080767 MB)\n" in text
    assert "    vmemmap : 0xfffffdfc001c0000 - 0xfffffdfc00380000   (     1 MB)\n" in text
    assert "    modules : 0xfffffdfffc000000 - 0xfffffe0000000000   (    64 MB)\n" in text
    assert "    memory  : 0xfffffe0000000000 - 0xfffffe0080000000   (  2048 MB)\n" in text
    assert "      .text : 0xfffffe0000080000 - " in text and " kB)" in text and " KB)" not in text
