"""`layoutc import`: every collected boot log becomes an overlay whose banner matches the log.

The overlay is written to disk, loaded back through the normal front door (so its
`extends` path and `set` lines are exercised) and compared with the log; only the
lines the log's header documents as vendor differences may differ.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from layoutc.banner import compare
from layoutc.banner.dmesg import parse
from layoutc.banner.evidence import read_evidence
from layoutc.banner.overlay import import_banner
from layoutc.session import load_layout

ROOT = Path(__file__).resolve().parent.parent
BANNERS = sorted((ROOT / "tests" / "data" / "banners").glob("*.txt"))


@pytest.mark.parametrize("path", BANNERS, ids=[p.stem for p in BANNERS])
def test_import_reproduces_the_banner(path, tmp_path):
    evidence = read_evidence(path.read_text(encoding="utf-8"))
    imported = import_banner(path.read_text(encoding="utf-8"), str(path), str(tmp_path))
    assert imported.overlay is not None
    overlay = tmp_path / "board.kl"
    overlay.write_text(imported.overlay, encoding="utf-8")
    result = load_layout(str(overlay))
    assert not result.errors, [d.message for d in result.errors]
    assert result.layout.name != evidence.layout  # an overlay, extending a shipped layout
    problems = [d for d in compare(result.layout, evidence.log, path.name)
                if d.message.split("`")[1] not in evidence.differs]
    assert not problems, [(d.message, d.notes) for d in problems]
    # the importer's own report agrees: nothing beyond the documented differences
    reported = {d.message.split("`")[1] for d in imported.diagnostics if d.code == "F101"}
    assert reported <= set(evidence.differs)


def test_import_picks_the_architecture():
    arch = {p.stem: import_banner(p.read_text(), str(p)).inference.arch for p in BANNERS}
    for stem, found in arch.items():
        expected = {"arm": "arm", "x86": "x86", "riscv": "riscv64", "arm64": "arm64"}[stem.split("-")[0]]
        assert found == expected, stem


def test_import_infers_vmalloc_argument():
    # a banner whose lowmem ends below the ceiling although HighMem exists: vmalloc= was given
    log = """[    0.000000] Memory: 1000000K/1048576K available (1K kernel code, 1K rwdata, 1K rodata, 1K init, 1K bss, 1K reserved, 0K cma-reserved, 524288K highmem)
[    0.000000] Virtual kernel memory layout:
[    0.000000]     vector  : 0xffff0000 - 0xffff1000   (   4 kB)
[    0.000000]     fixmap  : 0xffc00000 - 0xfff00000   (3072 kB)
[    0.000000]     vmalloc : 0xe0800000 - 0xff800000   ( 496 MB)
[    0.000000]     lowmem  : 0xc0000000 - 0xe0000000   ( 512 MB)
[    0.000000]     pkmap   : 0xbfe00000 - 0xc0000000   (   2 MB)
[    0.000000]     modules : 0xbf000000 - 0xbfe00000   (  14 MB)
"""
    imported = import_banner(log, "synthetic.log")
    assert imported.inference.params.get("vmalloc") == "504M"
    assert not [d for d in imported.diagnostics if d.code == "F101"]


def test_no_banner_is_a_diagnostic():
    imported = import_banner("[    0.000000] Linux version 4.19.0\n", "empty.log")
    assert imported.overlay is None and [d.code for d in imported.diagnostics] == ["F103"]


def test_cli_import_writes_atomically(tmp_path):
    path = next(p for p in BANNERS if p.stem.startswith("arm-bbb-4.14"))
    out = tmp_path / "bbb.kl"
    run = subprocess.run([sys.executable, "-m", "layoutc", "import", str(path), "-o", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert out.read_text().count("extends") == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".layoutc-import-")]
    check = subprocess.run([sys.executable, "-m", "layoutc", "banner", str(out), "--against", str(path)],
                           capture_output=True, text=True, cwd=ROOT)
    assert check.returncode == 0, check.stderr


def test_prefix_styles_parse_alike():
    body = ["Virtual kernel memory layout:", "    vector  : 0xffff0000 - 0xffff1000   (   4 kB)",
            "    lowmem  : 0xc0000000 - 0xd0000000   ( 256 MB)"]
    styles = [lambda text: f"[    0.000000] {text}",
              lambda text: f"Jun 13 21:03:14 host kernel: [    0.000000] {text}",
              lambda text: f"<5>{text}", lambda text: f"\t[    0.000000] {text}",
              lambda text: f"> [    0.000000] {text}", lambda text: text]
    parsed = [parse("\n".join(style(text) for text in body)) for style in styles]
    texts = {tuple(e.text for e in p.entries) for p in parsed}
    assert len(texts) == 1 and len(next(iter(texts))) == 2
    continuation = "[    0.000000] Virtual kernel memory layout:\n" + "\n".join(" " * 15 + text for text in body[1:])
    assert tuple(e.text for e in parse(continuation).entries) == next(iter(texts))


def test_mail_wrapped_lines_are_joined():
    # a mail client wraps arm64's long lines before "(SIZE UNIT)"; the joined line equals the unwrapped one
    line = "    fixed   : 0xffff7dfffe7f9000 - 0xffff7dfffec00000   (  4124 KB)"
    head, tail = line.split("   (")
    plain = parse("[    0.000000] Virtual kernel memory layout:\n[    0.000000] " + line + "\n")
    wrapped = parse("[    0.000000] Virtual kernel memory layout:\n[    0.000000] " + head + "\n(" + tail + "\n")
    assert [e.text for e in wrapped.entries] == [e.text for e in plain.entries] == [line.strip()]


@pytest.mark.parametrize("stem, ram, extra", [
    # before v4.6 the vmemmap "actual" line is indexed by the absolute PFN: it gives away where RAM starts
    ("arm64-msm8996-3.18-struct-page-176", "0x80000000:", {"struct_page_size": "176", "kernel": "3.18"}),
    ("arm64-qemu-4.1rc-39bit-128m", "0x40000000:128M", {"kernel": "4.1"}),
    # from v4.6 a linear map more than 1 GiB above PAGE_OFFSET is KASLR's memstart_addr randomisation
    ("arm64-rpi3-4.14-kaslr-linear", "0x0:948M", {"linear_offset": "0x540000000", "kernel": "4.9"}),
    ("arm64-hisilicon-d05-4.9-64k-numa", "0x0:", {"page_size": "64K", "va_bits": "48"}),
    # v3.7 .. v3.17: the one vmemmap line is the struct pages of RAM; the memory line fixes their size
    # (56 bytes: the era's default, so the overlay need not say it)
    ("arm64-3.1x-debian-3.16-qemu-4g-struct-page-56", "0x40000000:4096M",
     {"struct_page_size": None, "kernel": "3.16", "va_bits": "39"}),
    # ... and without a memory line the first usual size that divides the line is taken: not the
    # era's 56 here, so 64 is written out (the header names the 72-byte alternative)
    ("arm64-3.1x-qcom-2014-mail-excerpt", "0x90000000:1152M", {"struct_page_size": "64", "kernel": "3.7"}),
])
def test_arm64_import_reads_ram_and_config(stem, ram, extra):
    path = ROOT / "tests" / "data" / "banners" / f"{stem}.txt"
    params = import_banner(path.read_text(), str(path)).inference.params
    assert params["ram"].startswith(ram), params
    assert {k: params.get(k) for k in extra} == extra


def test_arm64_v3_1x_64k_import():
    # a v3.7..v3.17 banner worked out by hand (64K pages, VA_BITS 42: Documentation/arm64/memory.txt's
    # 64K table; 2 GiB at 0x80000000; 56-byte struct page): the importer must find the granule, the
    # 42-bit VA (which needs v3.13 or later in arm64.kl), RAM and the struct page size (56: the era's
    # default, so not written into the overlay)
    log = """[    0.000000] Virtual kernel memory layout:
[    0.000000]     vmalloc : 0xfffffc0000000000 - 0xfffffdfbffff0000   (2080767 MB)
[    0.000000]     vmemmap : 0xfffffdfc001c0000 - 0xfffffdfc00380000   (     1 MB)
[    0.000000]     modules : 0xfffffdfffc000000 - 0xfffffe0000000000   (    64 MB)
[    0.000000]     memory  : 0xfffffe0000000000 - 0xfffffe0080000000   (  2048 MB)
"""
    imported = import_banner(log, "synthetic-64k.log")
    params = imported.inference.params
    assert {k: params.get(k) for k in ("page_size", "va_bits", "kernel", "ram", "struct_page_size")} == \
        {"page_size": "64K", "va_bits": "42", "kernel": "3.13", "ram": "0x80000000:2048M", "struct_page_size": None}
    assert not [d for d in imported.diagnostics if d.code == "F101"]


def test_arm_import_infers_lpae_from_ram_above_4g():
    # 8 GiB of RAM cannot be addressed with 32-bit physical addresses: the board runs an LPAE kernel
    # (the banner lines are the same with either page-table format; worked out by hand for the 3G split,
    # v4.4+ VMALLOC_END 0xff800000 and its 768 MB lowmem ceiling)
    log = """[    0.000000] Memory: 8264324K/8388608K available (12288K kernel code, 919K rwdata, 4304K rodata, 2048K init, 740K bss, 124284K reserved, 0K cma-reserved, 7602176K highmem)
[    0.000000] Virtual kernel memory layout:
[    0.000000]     vector  : 0xffff0000 - 0xffff1000   (   4 kB)
[    0.000000]     fixmap  : 0xffc00000 - 0xfff00000   (3072 kB)
[    0.000000]     vmalloc : 0xf0800000 - 0xff800000   ( 240 MB)
[    0.000000]     lowmem  : 0xc0000000 - 0xf0000000   ( 768 MB)
[    0.000000]     pkmap   : 0xbfe00000 - 0xc0000000   (   2 MB)
[    0.000000]     modules : 0xbf000000 - 0xbfe00000   (  14 MB)
"""
    imported = import_banner(log, "synthetic-lpae.log")
    params = imported.inference.params
    assert params.get("lpae") == "true" and params["ram"] == "0:0x200000000", params
    assert not [d for d in imported.diagnostics if d.code in ("F101", "F104")]
    small = import_banner(log.replace("8264324K/8388608K", "900000K/1048576K").replace("7602176K", "262144K"), "x.log")
    assert "lpae" not in small.inference.params


def test_a_hashed_line_still_has_a_length():
    """0x(ptrval) lines (v4.15+ without no_hash_pointers) have no addresses; their length is the printed size.

    Checked against every collected log: where addresses are shown, the printed size is the length
    in the printed unit, rounded down or up as the kernel does (so the unit table is right)."""
    from layoutc.banner.dmesg import _UNIT_SHIFT

    hashed = 0
    for path in BANNERS:
        found = parse(path.read_text(encoding="utf-8"))
        if found is None:
            continue
        for entry in found.entries:
            shift = _UNIT_SHIFT[entry.unit[0].upper()]
            if entry.start is None or entry.end is None:
                hashed += 1
                assert entry.length == entry.size << shift
            else:
                assert entry.length == entry.end - entry.start
                rounded = (entry.length >> shift, -(-entry.length >> shift))  # arm rounds kB up (MLK_ROUNDUP)
                assert entry.size in rounded, (path.name, entry.text)
    assert hashed, "a collected log has hashed lines"
