"""The linker-script fragment, proven with GNU ld for x86_64, arm and aarch64: it is accepted, the
symbols read back with nm equal the model, the image lands where the layout says, and the ASSERTs fire.

Tools: ld/as/nm (binutils), arm-linux-gnueabihf-{ld,as,nm}, aarch64-linux-gnu-{ld,as,nm}
(Debian binutils-arm-linux-gnueabihf, binutils-aarch64-linux-gnu).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from emit_support import DEMO, GOLDEN, ROOT, SHIPPED, U64, expected_values, load, options, prefix_of, rel, run
from tools import require_tool

from layoutc.emit.linker_script import emit

ALL = SHIPPED + [rel(DEMO)]


@dataclass(frozen=True)
class Binutils:
    prefix: str
    bits: int  # ELF class: symbol values are truncated to this many bits

    def tool(self, name: str) -> str:
        return require_tool(self.prefix + name)


TARGETS = (Binutils("", 64), Binutils("arm-linux-gnueabihf-", 32), Binutils("aarch64-linux-gnu-", 64))
IDS = ["x86_64-ld", "arm-ld", "aarch64-ld"]

OBJECT = """\
\t.text
\t.globl _start
_start:
\t.long 0
{text}
\t.data
\t.long 1
\t.section .note.GNU-stack,"",%progbits
"""


def _fragment(tmp_path: Path, path: str, extra=()) -> tuple[Path, object]:
    layout = load(ROOT / path)
    fragment = tmp_path / "layout.ld"
    fragment.write_text(emit(layout, options(layout, path, extra=extra)), encoding="utf-8")
    return fragment, layout


def _link(tmp_path: Path, target: Binutils, script: str, *flags: str, text: str = "") -> object:
    (tmp_path / "obj.S").write_text(OBJECT.format(text=text), encoding="utf-8")
    assembled = run([target.tool("as"), "-o", "obj.o", "obj.S"], tmp_path)
    assert assembled.returncode == 0, assembled.stderr
    (tmp_path / "link.ld").write_text(script, encoding="utf-8")
    return run([target.tool("ld"), "-o", "out.elf", "-T", "link.ld", *flags, "obj.o"], tmp_path)


def _symbols(tmp_path: Path, target: Binutils) -> dict[str, int]:
    listed = run([target.tool("nm"), "-P", "out.elf"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    out = {}
    for line in listed.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out[parts[0]] = int(parts[2], 16)
    return out


def test_golden_demo_fragment():
    """Pins the fragment for tests/golden/emit/demo.kl: MEMORY with attributes from perm ((rx), (rw),
    none for `ram`), one PROVIDE per value, the ASSERT list (the string assert listed as not
    restated), and the placement block `. = DEMO_PAGE_OFFSET + DEMO_PARAM_TEXT_OFFSET` with .text at
    virtual.text and its size ASSERT."""
    layout = load(DEMO)
    text = emit(layout, options(layout, "tests/golden/emit/demo.kl"))
    golden = GOLDEN / "demo.ld"
    if os.environ.get("LAYOUTC_REGEN_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), "run with LAYOUTC_REGEN_GOLDEN=1 and review tests/golden/emit/demo.ld"
    assert text == golden.read_text(encoding="utf-8"), "demo.ld changed: review, then LAYOUTC_REGEN_GOLDEN=1"


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
@pytest.mark.parametrize("path", ALL)
def test_ld_accepts_it_and_symbols_equal_the_model(tmp_path, path, target):
    _, layout = _fragment(tmp_path, path)
    expected = expected_values(layout, prefix_of(layout))
    names = " ".join(e.name for e in expected)
    linked = _link(tmp_path, target, f"INCLUDE layout.ld\nEXTERN({names})\n")
    assert linked.returncode == 0, linked.stderr
    symbols = _symbols(tmp_path, target)
    mask = (1 << target.bits) - 1
    wrong = {e.name: (hex(symbols.get(e.name, -1)), hex(e.value & mask)) for e in expected
             if symbols.get(e.name) != e.value % U64 & mask}
    assert not wrong, wrong


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
@pytest.mark.parametrize("path", ALL)
def test_the_image_is_linked_where_the_layout_puts_it(tmp_path, path, target):
    _, layout = _fragment(tmp_path, path)
    images = sorted((r for r in layout.spaces["virtual"].regions if r.known and r.kind == "image"),
                    key=lambda r: r.start)
    if not images:
        pytest.skip("no image region")
    linked = _link(tmp_path, target, "INCLUDE layout.ld\n")
    assert linked.returncode == 0, linked.stderr
    assert _symbols(tmp_path, target)["_start"] == images[0].start & ((1 << target.bits) - 1)


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_an_override_that_breaks_an_invariant_fails_the_link(tmp_path, target):
    """PROVIDE yields to --defsym; the ASSERTs then check the value like the header's static asserts."""
    _fragment(tmp_path, rel(DEMO))
    linked = _link(tmp_path, target, "INCLUDE layout.ld\n", "--defsym", "DEMO_VIRTUAL_LOWMEM_END=0xe0900000")
    assert linked.returncode != 0
    assert "O401: virtual.lowmem ends before virtual.vmalloc starts" in linked.stderr


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_text_larger_than_its_region_fails_the_link(tmp_path, target):
    _fragment(tmp_path, rel(DEMO))
    linked = _link(tmp_path, target, "INCLUDE layout.ld\n", text="\t.skip 0x400000")
    assert linked.returncode != 0
    assert "virtual.text: .text is larger than its region" in linked.stderr


def test_a_hand_edited_fragment_fails_the_link(tmp_path):
    fragment, _ = _fragment(tmp_path, "layouts/arm32.kl")
    text = fragment.read_text()
    edited = text.replace("PROVIDE(ARM32_VIRTUAL_VECTORS_START = 0xffff0000);",
                          "PROVIDE(ARM32_VIRTUAL_VECTORS_START = 0xfffe0000);")
    assert edited != text
    fragment.write_text(edited)
    linked = _link(tmp_path, TARGETS[1], "INCLUDE layout.ld\n")
    assert linked.returncode != 0
    assert "virtual.vectors" in linked.stderr


def test_placement_no_leaves_sections_to_a_firmware_style_script(tmp_path):
    """With MEMORY, the including script places its sections in the layout's regions (`> REGION`)."""
    fragment, layout = _fragment(tmp_path, "layouts/arm32.kl", extra=(("placement", "no"),))
    assert "SECTIONS" not in fragment.read_text() and "\nMEMORY\n" in fragment.read_text()
    script = ("INCLUDE layout.ld\nSECTIONS { .text : { *(.text) } > ARM32_PHYSICAL_LOW_RAM "
              ".data : { *(.data) } > ARM32_PHYSICAL_LOW_RAM }\n")
    linked = _link(tmp_path, TARGETS[1], script)
    assert linked.returncode == 0, linked.stderr
    assert _symbols(tmp_path, TARGETS[1])["_start"] == layout.region("physical", "low_ram").start


def test_memory_no_suits_a_kernel_style_script(tmp_path):
    """A vmlinux.lds-like script places sections with `.` only; it includes the fragment without MEMORY."""
    fragment, layout = _fragment(tmp_path, "layouts/arm32.kl", extra=(("memory", "no"), ("placement", "no")))
    assert "SECTIONS" not in fragment.read_text() and "\nMEMORY\n" not in fragment.read_text()
    script = ("INCLUDE layout.ld\nSECTIONS { . = ARM32_PAGE_OFFSET + ARM32_PARAM_TEXT_OFFSET; .text : { *(.text) } "
              ".data : { *(.data) } }\n")
    linked = _link(tmp_path, TARGETS[1], script)
    assert linked.returncode == 0, linked.stderr
    assert _symbols(tmp_path, TARGETS[1])["_start"] == layout.region("virtual", "kernel_text").start


def test_memory_lists_physical_regions_with_attributes_from_perm():
    layout = load(DEMO)
    text = emit(layout, options(layout, "demo.kl"))
    memory = text[text.index("MEMORY"):text.index("}", text.index("MEMORY"))]
    assert "DEMO_PHYSICAL_ROM (rx)" in memory and "DEMO_PHYSICAL_SRAM (rw)" in memory
    assert "DEMO_PHYSICAL_RAM " in memory and "DEMO_PHYSICAL_RAM (" not in memory
    assert "ORIGIN = 0x80000000, LENGTH = 0x20000000" in memory
    assert "VIRTUAL" not in memory


@pytest.mark.parametrize("option", ["placement=maybe", "memory=1"])
def test_bad_option_value_is_a_usage_error(cli, option):
    code, _, err = cli("emit", "ld", DEMO, "-O", option)
    assert code == 2
    assert option.split("=")[0] in err
