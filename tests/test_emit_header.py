"""The C header, proven with real compilers: it compiles everywhere, means the model's values, and its
static assertions really stop a build whose values break the layout's invariants.

Tools: cc, c++, arm-linux-gnueabihf-gcc, aarch64-linux-gnu-gcc (Debian gcc, g++,
gcc-arm-linux-gnueabihf, gcc-aarch64-linux-gnu).  A missing tool skips, or fails
under LAYOUTC_REQUIRE_TOOLS=1 (tests/tools.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from emit_support import (
    ARM64_C,
    ARM_C,
    COMPILERS,
    DEMO,
    GOLDEN,
    HOST_C,
    HOST_CXX,
    ROOT,
    SHIPPED,
    U64,
    Compiler,
    compile_source,
    expected_values,
    load,
    options,
    prefix_of,
    rel,
    run,
)
from tools import require_tool

from layoutc.emit.c_header import emit

ALL = SHIPPED + [rel(DEMO)]


def _header(tmp_path: Path, path: str, overrides=(), prefix: str | None = None) -> tuple[Path, object]:
    layout = load(ROOT / path, overrides)
    header = tmp_path / "layout.h"
    header.write_text(emit(layout, options(layout, path, overrides, prefix)), encoding="utf-8")
    return header, layout


def _main(tmp_path: Path, body: str = "", name: str = "main.c") -> Path:
    source = tmp_path / name
    source.write_text(f'#include "layout.h"\n{body}\nint main(void) {{ return 0; }}\n', encoding="utf-8")
    return source


# ------------------------------------------------------------------ golden


def test_golden_demo_header():
    """Pins the whole shape of the header for tests/golden/emit/demo.kl: provenance comment, _AC
    wrapping, #ifndef-guarded defines in hex at 32-bit width (ULL for the 2^32 end of `vectors`),
    param encodings (KERNEL_VERSION code, choice flags, banks), and the list of static assertions with
    the codes they restate -- including the string assert listed as not restated."""
    layout = load(DEMO)
    text = emit(layout, options(layout, "tests/golden/emit/demo.kl"))
    golden = GOLDEN / "demo.h"
    if os.environ.get("LAYOUTC_REGEN_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), "run with LAYOUTC_REGEN_GOLDEN=1 and review tests/golden/emit/demo.h"
    assert text == golden.read_text(encoding="utf-8"), "demo.h changed: review, then LAYOUTC_REGEN_GOLDEN=1"


# ------------------------------------------------------------------ it compiles


@pytest.mark.parametrize("compiler", COMPILERS, ids=lambda c: c.id)
@pytest.mark.parametrize("path", ALL)
def test_header_compiles(tmp_path, path, compiler: Compiler):
    _header(tmp_path, path)
    result = compile_source(compiler, _main(tmp_path), "-Wextra", "-pedantic")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("std, language", [("c99", "c"), ("c++98", "c++")], ids=["c99", "c++98"])
def test_header_compiles_before_c11(tmp_path, std, language):
    """Without _Static_assert / static_assert the header falls back to a negative array size."""
    _header(tmp_path, "layouts/arm32.kl")
    result = compile_source(Compiler("c++" if language == "c++" else "cc", language, std, std), _main(tmp_path))
    assert result.returncode == 0, result.stderr


def test_header_is_extern_c_safe(tmp_path):
    """Included inside an extern "C" block of a C++ file (as C headers often are)."""
    _header(tmp_path, "layouts/arm32.kl")
    source = tmp_path / "wrapped.cpp"
    source.write_text('extern "C" {\n#include "layout.h"\n}\nint main() { return 0; }\n', encoding="utf-8")
    assert compile_source(HOST_CXX, source).returncode == 0


@pytest.mark.parametrize("path", ["layouts/arm32.kl", "layouts/arm64.kl", rel(DEMO)])
def test_include_guard(tmp_path, path):
    header, layout = _header(tmp_path, path)
    source = tmp_path / "twice.c"
    source.write_text('#include "layout.h"\n#include "layout.h"\nint main(void) { return 0; }\n', encoding="utf-8")
    assert compile_source(HOST_C, source).returncode == 0
    assert f"#ifndef {prefix_of(layout)}_LAYOUT_H" in header.read_text()


# ------------------------------------------------------------------ it means the model's values


def _value_program(layout, prefix: str) -> str:
    lines = ["#include <stdio.h>", '#include "layout.h"', "static int failures;",
             "#define CHECK(NAME, WANT) do { if ((unsigned long long)(NAME) != (WANT)) { \\",
             '    printf("%s = %llx, want %llx\\n", #NAME, (unsigned long long)(NAME), (unsigned long long)(WANT)); \\',
             "    failures++; } } while (0)", "int main(void) {"]
    for item in expected_values(layout, prefix):
        lines.append(f"    CHECK({item.name}, {item.value % U64:#x}ULL);")
    lines += ["    return failures != 0;", "}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", ALL)
def test_every_macro_equals_the_model_on_the_host(tmp_path, path):
    """A generated C program checks each macro against the model's value and runs; a missing macro
    does not compile."""
    _, layout = _header(tmp_path, path)
    source = tmp_path / "values.c"
    source.write_text(_value_program(layout, prefix_of(layout)), encoding="utf-8")
    built = compile_source(HOST_C, source, output=str(tmp_path / "values"))
    assert built.returncode == 0, built.stderr
    ran = run([str(tmp_path / "values")], tmp_path)
    assert ran.returncode == 0, ran.stdout


@pytest.mark.parametrize("compiler", [ARM_C, ARM64_C], ids=lambda c: c.id)
@pytest.mark.parametrize("path", ["layouts/arm32.kl", "layouts/arm64.kl"])
def test_macro_values_hold_for_cross_compilers(tmp_path, path, compiler):
    """The same value checks as static assertions, evaluated by the cross compilers (32-bit `long`
    on arm: values past 32 bits must still be exact)."""
    _, layout = _header(tmp_path, path)
    body = "\n".join(f'_Static_assert((unsigned long long)({e.name}) == {e.value % U64:#x}ULL, "{e.name}");'
                     for e in expected_values(layout, prefix_of(layout)))
    result = compile_source(compiler, _main(tmp_path, body))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("compiler", ["cc", "arm-linux-gnueabihf-gcc", "aarch64-linux-gnu-gcc"])
@pytest.mark.parametrize("path", ALL)
def test_assembly_includes_the_header(tmp_path, path, compiler):
    """A .S file includes the header (no C suffixes, no C-only lines under __ASSEMBLER__), checks every
    value with the assembler's own `.if` and emits a few as data."""
    tool = require_tool(compiler)
    _, layout = _header(tmp_path, path)
    prefix = prefix_of(layout)
    expected = expected_values(layout, prefix)
    lines = ['#include "layout.h"', "\t.data"]
    for item in expected:
        lines += [f".if ({item.name}) != {item.value % U64:#x}", f'.error "{item.name}"', ".endif"]
    lines += [f"\t.quad {item.name}" for item in expected[:8]]
    source = tmp_path / "check.S"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run([tool, "-c", "-o", "check.o", "check.S"], tmp_path)
    assert result.returncode == 0, result.stderr


def test_header_through_cpp_for_a_linker_script(tmp_path):
    """Linker scripts run through cpp (as the kernel's vmlinux.lds.S) get bare numbers."""
    tool = require_tool("cpp")
    _header(tmp_path, "layouts/arm32.kl")
    (tmp_path / "x.lds.S").write_text('#include "layout.h"\nTEXT = ARM32_VIRTUAL_KERNEL_TEXT_START;\n')
    result = run([tool, "-P", "-D__ASSEMBLY__", "x.lds.S"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "TEXT = 0xc0008000;" in result.stdout


# ------------------------------------------------------------------ the static assertions are real

# (macro overridden with -D on the compiler command line, value, a message that must stop the build)
BREAKING = [
    ("DEMO_VIRTUAL_LOWMEM_END", "0xe0900000UL", "O401: virtual.lowmem ends before virtual.vmalloc starts"),
    ("DEMO_VIRTUAL_LOWMEM_SIZE", "0x20001000UL", "layout: virtual.lowmem: END - START == SIZE"),
    ("DEMO_VIRTUAL_TEXT_START", "0xc0008800UL", "A501: virtual.text starts on a page boundary"),
    ("DEMO_VIRTUAL_TEXT_END", "0xe0001000UL", "B305: virtual.text lies inside virtual.lowmem"),
    ("DEMO_VIRTUAL_USER_START", "0", "B304: virtual.user starts after the virtual hole null_page"),
    ("DEMO_PAGE_OFFSET", "0xc0800000UL", "K601: PAGE_OFFSET is 0x1000000 aligned"),
    ("DEMO_PHYS_OFFSET", "0x80100000UL", "K605: physical.ram, mapped by virtual.lowmem, starts at PHYS_OFFSET"),
    ("DEMO_TASK_SIZE", "0xbe000000UL", "K602: virtual.user ends at or below TASK_SIZE"),
    ("DEMO_VIRTUAL_VMALLOC_START", "0xe0000000UL", "K608: a guard gap of at least a page separates"),
    ("DEMO_PARAM_SPLIT_2G", "1", "U901: the 2G split is modelled without HIGHMEM"),
    ("DEMO_PAGE_SHIFT", "13", "layout: PAGE_SIZE is 1 << PAGE_SHIFT"),
]


@pytest.mark.parametrize("compiler", [HOST_C, HOST_CXX, ARM_C], ids=lambda c: c.id)
@pytest.mark.parametrize("macro, value, message", BREAKING, ids=[b[0] for b in BREAKING])
def test_a_bad_compiler_D_fails_on_a_static_assertion(tmp_path, compiler, macro, value, message):
    _header(tmp_path, rel(DEMO))
    result = compile_source(compiler, _main(tmp_path), f"-D{macro}={value}")
    assert result.returncode != 0
    assert message in result.stderr
    assert "static assert" in result.stderr or "static_assert" in result.stderr


def test_a_consistent_compiler_D_compiles(tmp_path):
    _header(tmp_path, rel(DEMO))
    result = compile_source(HOST_C, _main(tmp_path), '-DDEMO_PARAM_BOARD="rev C"', "-DDEMO_PARAM_TEXT_OFFSET=0x9000UL")
    assert result.returncode == 0, result.stderr


def test_the_c99_fallback_also_stops_the_build(tmp_path):
    _header(tmp_path, rel(DEMO))
    result = compile_source(Compiler("cc", "c", "c99", "c99"), _main(tmp_path), "-DDEMO_PAGE_OFFSET=0xc0800000UL")
    assert result.returncode != 0
    assert "negative" in result.stderr


def test_a_hand_edit_fails_on_a_static_assertion(tmp_path):
    header, _ = _header(tmp_path, "layouts/arm32.kl")
    text = header.read_text()
    edited = re.sub(r"(#define ARM32_VIRTUAL_VMALLOC_AREA_START\s+)ARM32_AC\(0x[0-9a-f]+, UL\)",
                    r"\1ARM32_AC(0xef000000, UL)", text)
    assert edited != text
    header.write_text(edited)
    result = compile_source(HOST_C, _main(tmp_path))
    assert result.returncode != 0
    assert "virtual.vmalloc_area" in result.stderr


def test_layoutc_refuses_a_D_that_breaks_an_invariant(cli, tmp_path):
    """The other half of the story: an override that breaks the layout never reaches the compiler."""
    code, _, err = cli("emit", "header", DEMO, "-D", "text_offset=0x8800", "-o", tmp_path / "x.h")
    assert code == 1
    assert "A501" in err
    assert not (tmp_path / "x.h").exists()


# ------------------------------------------------------------------ deterministic, with provenance


def test_deterministic_and_no_absolute_paths(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, first, _ = cli("emit", "header", "layouts/boards/rpi3.kl", "-D", "ram=512M")
    assert code == 0
    code, again, _ = cli("emit", "header", str(ROOT / "layouts/boards/rpi3.kl"), "-D", "ram=512M")
    assert code == 0
    assert first == again
    assert str(ROOT) not in first
    for line in ("Generated by layoutc from layouts/boards/rpi3.kl", "Overrides: -D ram=512M", "Layout:    rpi3:",
                 "Files:     layouts/boards/rpi3.kl, layouts/arm32.kl"):
        assert line in first
    assert not re.search(r"20\d\d-\d\d-\d\d|\d\d:\d\d:\d\d", first)


def test_prefix_option(cli):
    code, out, _ = cli("emit", "header", DEMO, "--prefix", "BOARD")
    assert code == 0
    assert "#define BOARD_VIRTUAL_USER_START" in out and "DEMO_" not in out


def test_bad_prefix_is_a_usage_error(cli):
    code, _, err = cli("emit", "header", DEMO, "--prefix", "9-bad")
    assert code == 2
    assert "not a C identifier" in err
