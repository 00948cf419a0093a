"""Helpers shared by tests/test_emit_*.py: layouts to emit, compilers to prove the output with.

The expected identifiers and values here are derived from the model by the naming
convention documented in docs/emitters.md -- not taken from layoutc.emit.symbols,
so the tests do not compare the emitters with themselves.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tools import require_tool

from layoutc.emit.base import EmitOptions
from layoutc.model.types import Layout
from layoutc.model.values import Bank, Banks, Choice, Version
from layoutc.session import load_layout

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "emit"
DEMO = GOLDEN / "demo.kl"
SHIPPED = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "layouts").rglob("*.kl"))
U64 = 1 << 64


def load(path: str | Path, overrides=()) -> Layout:
    result = load_layout(str(path), list(overrides))
    assert result.layout is not None and not result.errors, [d.message for d in result.errors]
    return result.layout


def prefix_of(layout: Layout) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in layout.name.upper())


def options(layout: Layout, source: str, overrides=(), prefix: str | None = None, extra=()) -> EmitOptions:
    pairs = tuple(tuple(item.split("=", 1)) for item in overrides)
    return EmitOptions(prefix=prefix_of(layout) if prefix is None else prefix, source=source,
                       overrides=pairs, extra=tuple(extra))


def rel(path: str | Path) -> str:
    path = Path(path)
    return str(path.relative_to(ROOT)) if path.is_absolute() else str(path)


# ------------------------------------------------------------------ expected values


@dataclass(frozen=True)
class Expected:
    name: str
    value: int  # exact; may be >= 2**64 (then C has no such macro)


def _version(value: Version) -> int | None:
    parts = list(value) + [0, 0]
    major, minor, patch = parts[:3]
    if len(value) > 3 or max(major, minor, patch) > 255:
        return None
    return major * 65536 + minor * 256 + patch


def _numbers(base: str, value: object, members: tuple[str, ...] = ()) -> list[Expected]:
    if isinstance(value, bool):
        return [Expected(base, int(value))]
    if isinstance(value, int):
        return [Expected(base, value)]
    if isinstance(value, Version):
        code = _version(value)
        return [] if code is None else [Expected(base, code)]
    if isinstance(value, Choice):
        return [Expected(f"{base}_{m.upper()}", int(m == value.text)) for m in (members or value.members)]
    if isinstance(value, Banks):
        out = [Expected(f"{base}_START", min(b.base for b in value)),
               Expected(f"{base}_END", max(b.end for b in value)),
               Expected(f"{base}_SIZE", sum(b.size for b in value)), Expected(f"{base}_COUNT", len(value))]
        for index, bank in enumerate(value):
            out += [Expected(f"{base}_BANK{index}_START", bank.base), Expected(f"{base}_BANK{index}_SIZE", bank.size),
                    Expected(f"{base}_BANK{index}_END", bank.base + bank.size)]
        return out
    if isinstance(value, Bank):
        return [Expected(f"{base}_START", value.base), Expected(f"{base}_SIZE", value.size)]
    return []


def expected_values(layout: Layout, prefix: str) -> list[Expected]:
    """Every numeric macro/symbol the docs promise for ``layout``, with the model's value."""
    out: list[Expected] = []
    for param in layout.params.values():
        out += _numbers(f"{prefix}_PARAM_{param.name.upper()}", param.value, param.choices)
    for const in layout.consts.values():
        out += _numbers(f"{prefix}_{const.name.upper()}", const.value)
    for space in layout.spaces.values():
        for region in space.regions:
            if region.known:
                base = f"{prefix}_{space.name.upper()}_{region.name.upper()}"
                out += [Expected(f"{base}_START", region.start), Expected(f"{base}_END", region.end),
                        Expected(f"{base}_SIZE", region.end - region.start)]
    out.append(Expected(f"{prefix}_PAGE_SIZE", layout.page_size))
    return [e for e in out if -(1 << 63) < e.value < U64 or e.name.endswith("_END") and e.value == U64]


# ------------------------------------------------------------------ tools


@dataclass(frozen=True)
class Compiler:
    command: str
    language: str  # "c" or "c++"
    std: str
    id: str


HOST_C = Compiler("cc", "c", "c11", "cc-c11")
HOST_CXX = Compiler("c++", "c++", "c++17", "c++17")
ARM_C = Compiler("arm-linux-gnueabihf-gcc", "c", "c11", "arm-gcc")
ARM64_C = Compiler("aarch64-linux-gnu-gcc", "c", "c11", "aarch64-gcc")
COMPILERS = (HOST_C, HOST_CXX, ARM_C, ARM64_C)


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def compile_source(compiler: Compiler, source: Path, *flags: str,
                   output: str | None = None) -> subprocess.CompletedProcess:
    """Compile (and with ``output``, link) ``source`` with -Wall -Werror."""
    tool = require_tool(compiler.command)
    argv = [tool, f"-std={compiler.std}", "-Wall", "-Werror", "-x", compiler.language, *flags, str(source)]
    argv += ["-o", output] if output else ["-c", "-o", str(source.with_suffix(".o"))]
    return run(argv, source.parent)
