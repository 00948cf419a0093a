"""A boot log's banner -> the shipped layout and the params that reproduce it (`layoutc import`).

Reading the banner fixes most params directly (split from where lowmem starts,
HIGHMEM from the pkmap line, Thumb-2 from the module area's size, the era from the
fixmap and vmalloc lines, RAM from lowmem's size ...).  What the banner leaves open
(an era boundary, the RAM hidden above the lowmem ceiling, vmalloc= versus a
smaller RAM) is settled by rendering each candidate and keeping the one whose
banner matches best; what had to be guessed is returned as notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .dmesg import Entry, Found

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
M = 1 << 20


@dataclass
class Inference:
    arch: str
    layout: str  # base layout file name in layouts/
    params: dict[str, str]
    notes: list[str] = field(default_factory=list)
    candidates: list[dict[str, str]] = field(default_factory=list)  # alternatives to try, best first


def _memory_total_k(found: Found) -> int | None:
    for line in found.memory:
        match = re.search(r"Memory: \d+[kK]/(\d+)[kK] available", line)
        if match:
            return int(match.group(1))
        match = re.search(r"= (\d+)MB total", line)
        if match:
            return int(match.group(1)) * 1024
    return None


def _highmem_k(found: Found) -> int | None:
    for line in found.memory:
        match = re.search(r"(\d+)[kK] highmem", line)
        if match:
            return int(match.group(1))
    return None


def _hexsize(value: int) -> str:
    if value % M == 0:
        return f"{value // M}M"
    if value % 1024 == 0:
        return f"{value // 1024}K"
    return hex(value)


def arch_of(found: Found) -> str | None:
    keys = {e.key for e in found.entries}
    wide = any(e.start is not None and e.start >= 1 << 32 for e in found.entries)
    if "pci io" in keys or ("kernel" in keys and wide):
        return "riscv64"
    if wide or "PCI I/O" in keys or "memory" in keys:
        return "arm64"
    if "vector" in keys or "DTCM" in keys or "ITCM" in keys or "DMA" in keys or "modules" in keys:
        return "arm"
    if found.header.startswith("virtual") or "cpu_entry" in keys:
        return "x86"
    order = [e.key for e in found.entries]
    if ".init" in order and ".text" in order and order.index(".init") < order.index(".text") and "pkmap" in keys:
        return "x86"  # x86 prints .init, .data, .text
    return "arm" if "lowmem" in keys else None


def infer(found: Found) -> Inference | None:
    arch = arch_of(found)
    entries = {e.key: e for e in found.entries}
    if arch == "arm":
        return _arm(found, entries)
    if arch == "x86":
        return _x86(found, entries)
    if arch == "riscv64":
        return _riscv(found, entries)
    if arch == "arm64":
        return _arm64(found, entries)
    return Inference(arch or "unknown", "", {}, [f"no importer for a banner of architecture `{arch}`"]) if arch else None


def _hashed(arch: str) -> Inference:
    """The lowmem line shows 0x(ptrval): the split cannot be read from the banner."""
    return Inference(arch, "", {}, ["the lowmem line's addresses are hashed (0x(ptrval)); boot with "
                                    "`no_hash_pointers` (or a kernel before v4.15) to print them"])


# ---------------------------------------------------------------- ARM


_ARM_SPLITS = {0xC0000000: "3G", 0xB0000000: "3G_OPT", 0x80000000: "2G", 0x40000000: "1G"}


def _arm(found: Found, e: dict[str, Entry]) -> Inference:
    params: dict[str, str] = {}
    notes: list[str] = []
    low = e.get("lowmem")
    page_offset = low.start if low and low.start is not None else 0xC0000000
    params["vmsplit"] = _ARM_SPLITS.get(page_offset, "3G")
    params["highmem"] = "true" if "pkmap" in e else "false"
    modules = e.get("modules")
    params["modules"] = "true" if modules else "false"
    if modules and modules.start is not None:
        below = page_offset - modules.start
        params["thumb2"] = "true" if below == 8 * M else "false"
        if below not in (8 * M, 16 * M):  # a vendor tree's module area (Broadcom BCM63xx: 20 MiB)
            params["modules_size"] = _hexsize(below)
            notes.append(f"modules_size = {below >> 20}M: the module area starts {below >> 20} MiB below "
                         "PAGE_OFFSET, a vendor change (mainline: 16 MiB, 8 MiB with Thumb-2)")
    fixmap = e.get("fixmap")
    vmalloc = e.get("vmalloc")
    vend = vmalloc.end if vmalloc else None
    ptrval = any(x.start is None for x in found.entries)
    if "DMA" in e:
        kernel = "3.0" if ".bss" in e else "2.6.35"
        dma = e["DMA"]
        size = dma.length
        if size > 14 * M:  # mainline caps CONSISTENT_DMA_SIZE at 14 MiB; vendor BSPs (Freescale i.MX) go far beyond
            notes.append(f"dma_size = {size >> 20}M: the log's consistent-DMA window is a vendor change beyond "
                         "mainline's 14 MiB maximum")
        params["dma_size"] = _hexsize(size)
    elif fixmap and fixmap.start == 0xFFF00000:
        kernel = "3.4"
    elif fixmap and fixmap.end == 0xFFE00000:
        kernel = "3.16"
    elif ptrval:
        kernel = "4.19"
    elif vend == 0xFF800000:
        kernel = "4.4"
    else:
        kernel = "3.19"
    if not modules and kernel in ("3.0", "2.6.35"):
        params["modules"] = "true"
    params["kernel"] = kernel
    notes.append(f"kernel = {kernel}: the earliest release whose banner rules match (the exact release is not in the banner)")
    default_end = 0xFF800000 if kernel in ("4.4", "4.19") else 0xFF000000
    if vend is not None and (vend != default_end or kernel in ("3.0", "2.6.35")):
        params["vmalloc_end"] = hex(vend)
    for tcm in ("DTCM", "ITCM"):
        if tcm in e:
            params[f"{tcm.lower()}_size"] = _hexsize(e[tcm].length)
    text = e.get(".text")
    if text and text.start is not None and text.start - page_offset not in (0x8000,) and text.start > page_offset:
        params["text_offset"] = hex(text.start - page_offset)
    params["phys_offset"] = "0"
    notes.append("phys_offset = 0: the banner shows virtual addresses only; set the board's PHYS_OFFSET")
    lowmem = low.length if low and low.start is not None else 256 * M
    total_k = _memory_total_k(found)
    highmem_k = _highmem_k(found) or 0
    bigger = max(lowmem + highmem_k * 1024, (total_k or 0) * 1024, lowmem + 256 * M)
    if bigger > 1 << 32:  # more than 4 GiB of RAM: physical addresses wider than 32 bits, i.e. LPAE
        params["lpae"] = "true"
        notes.append(f"lpae = true: the `Memory:` line counts {(total_k or 0) >> 10} MB, more than 32-bit physical "
                     "addresses reach (CONFIG_ARM_LPAE); the banner itself looks the same with either page-table format")
    base = dict(params, ram=f"0:{hex(lowmem)}")
    params["ram"] = f"0:{hex(lowmem)}"
    candidates = [base, dict(params, ram=f"0:{hex(bigger)}")]
    if vend is not None and low is not None and low.end is not None:  # vmalloc= moved the lowmem ceiling
        for size in (vend - low.end, vend - low.end - 8 * M):
            candidates.append(dict(params, ram=f"0:{hex(bigger)}", vmalloc=_hexsize(size)))
    if highmem_k or (total_k or 0) * 1024 > lowmem + 16 * M:
        # the `Memory:` line shows RAM beyond lowmem: RAM is not what limits lowmem
        candidates = candidates[1:] + candidates[:1]
        notes.append(f"ram: the `Memory:` line reports {total_k}K in all, {highmem_k}K of it HighMem")
    return Inference("arm", "arm32.kl", candidates[0], notes, candidates)


# ---------------------------------------------------------------- x86


_X86_SPLITS = {0xC0000000: "3G", 0xB0000000: "3G_OPT", 0x80000000: "2G", 0x78000000: "2G_OPT", 0x40000000: "1G"}


def _x86(found: Found, e: dict[str, Entry]) -> Inference:
    params: dict[str, str] = {}
    notes: list[str] = []
    low = e["lowmem"]
    page_offset = low.start
    if page_offset is None:
        return _hashed("x86")
    params["vmsplit"] = _X86_SPLITS.get(page_offset, "3G")
    pkmap = e.get("pkmap")
    params["highmem"] = "true" if pkmap else "false"
    params["pae"] = "true" if pkmap and pkmap.length == 2 * M else "false"
    fixmap = e.get("fixmap")
    if fixmap:
        params["fixmap_size"] = _hexsize(fixmap.length)
    cea = e.get("cpu_entry")
    if cea:
        params["cpu_entry_size"] = _hexsize(cea.length)
        eras = ["4.19", "4.15"]
    else:
        eras = ["2.6.35", "2.6.24"]
    text = e.get(".text")
    if text and text.start is not None and text.start - page_offset < 0x4000000:
        params["physical_start"] = hex(text.start - page_offset)
    lowmem = low.length
    total_k = _memory_total_k(found) or 0
    highmem_k = _highmem_k(found) or 0
    candidates = []
    for era in eras:
        for ram in (lowmem, max(lowmem + highmem_k * 1024, total_k * 1024, lowmem + 64 * M)):
            candidates.append(dict(params, kernel=era, ram=f"0:{hex(min(ram, 1 << 32))}"))
    notes.append("kernel: the era is chosen by which rules reproduce the banner; set the exact release")
    return Inference("x86", "x86.kl", candidates[0], notes, candidates)


# ---------------------------------------------------------------- riscv64


def _riscv(found: Found, e: dict[str, Entry]) -> Inference:
    params: dict[str, str] = {}
    notes: list[str] = []
    low = e["lowmem"]
    start = low.start
    if start is None:
        return _hashed("riscv64")
    mode = "sv57" if start >> 56 == 0xFF and start < 0xFFFF000000000000 else ("sv48" if start >> 40 == 0xFFFFAF else "sv39")
    params["mode"] = mode
    fixmap = e.get("fixmap")
    modules = e.get("modules")
    vmalloc = e.get("vmalloc")
    inclusive = vmalloc is not None and vmalloc.end is not None and vmalloc.end & 0xFFF == 0xFFF
    if start == 0xFFFFFFD600000000:
        kernel = "6.12"
    elif fixmap and fixmap.length == 6 * M:
        kernel = "6.6"
    elif modules:
        kernel = "6.1"
    elif inclusive:
        kernel = "5.13" if "kernel" in e else "5.10"
    else:
        kernel = "5.18" if mode == "sv57" else "5.17"
    params["kernel"] = kernel
    notes.append(f"kernel = {kernel}: a release whose banner rules match (the exact release is not in the banner)")
    params["ram"] = f"0x80200000:{_hexsize(low.length)}"
    notes.append("ram base 0x80200000 (QEMU virt after OpenSBI): the banner shows only lowmem's size")
    if modules and modules.start is not None:
        params["image_size"] = hex(modules.start - ((1 << 64) - (4 << 30)))
    return Inference("riscv64", "riscv64.kl", params, notes, [params])


# ---------------------------------------------------------------- arm64

_TOP = 1 << 64
_G = 1 << 30
_ARM64_SHIFTS = {"4K": 12, "16K": 14, "64K": 16}
_ARM64_VA_BITS = {"4K": (39, 48), "16K": (36, 47, 48), "64K": (42, 48)}


def _arm64_shape(found: Found) -> str:
    """The banner's era from its lines: 3.7, 3.18, 4.1, 4.6, 4.9 or 4.15 (arm64.py's table)."""
    order = [e.key for e in found.entries]
    if "vmemmap" in order and not any(e.note for e in found.entries) and not {"PCI I/O", "fixed"} & set(order):
        return "3.7"  # v3.7 .. v3.17: one vmemmap line (the struct pages of RAM), no I/O windows

    def before(a: str, b: str) -> bool | None:
        return order.index(a) < order.index(b) if a in order and b in order else None

    if any(e.start is None for e in found.entries):
        return "4.15"
    if before("PCI I/O", "fixed"):
        return "3.18"
    if before("vmalloc", "modules"):
        return "4.1"
    if before("vmemmap", "fixed") or ".bss" not in order and ".rodata" in order:
        return "4.6"
    return "4.9"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(".")[:2])


def _arm64_era_of(version: str) -> str:
    parts = _version(version)
    for bound, era in (((3, 18), "3.7"), ((4, 1), "3.18"), ((4, 6), "4.1"), ((4, 9), "4.6"), ((4, 15), "4.9")):
        if parts < bound:
            return era
    return "4.15"


def _arm64(found: Found, e: dict[str, Entry]) -> Inference:
    notes: list[str] = []
    params: dict[str, str] = {}
    shape = _arm64_shape(found)
    kernel = shape
    if found.version and _arm64_era_of(found.version) == shape and _version(found.version) < (4, 16):
        kernel = ".".join(found.version.split(".")[:2])
    elif found.version:
        notes.append(f"kernel = {shape}: the log says Linux {found.version}, but its banner has the v{shape} "
                     f"layout (a vendor backport), so the layout's v{shape} rules are used")
    else:
        notes.append(f"kernel = {kernel}: the earliest release whose banner shape matches (the exact release is "
                     "not in the banner)")
    if "kasan" in e and _version(kernel) < (4, 4):  # arm64 KASAN exists from v4.4
        kernel = "4.4"
    starts = [x.start for x in found.entries if x.start is not None and 1 << 63 <= x.start < _TOP]
    va_start = min(starts) if starts else _TOP - (1 << 39)
    va_bits = max(1, (_TOP - va_start).bit_length() - 1)  # a garbled log: no granule accepts the width
    if shape == "3.7" and va_bits == 42 and _version(kernel) < (3, 13):  # 64K pages with 42 bits (arm64.kl E0_VA_OK)
        kernel = "3.13"
    params["kernel"] = kernel
    params["va_bits"] = str(va_bits)
    if "kasan" in e:
        params["kasan"] = "true"
    fixed = e.get("fixed")
    if fixed and fixed.start is not None:
        params["fixmap_size"] = _hexsize(fixed.length)
    page_offset = _TOP - (1 << (va_bits - 1))
    memory, actual, vmemmap = e.get("memory"), e.get("vmemmap actual"), e.get("vmemmap")
    # arm64.kl's default sizeof(struct page): 64 with CONFIG_MEMCG from v3.19, 56 before
    struct_page = 64 if _version(kernel) >= (3, 19) else 56
    candidates: list[dict[str, str]] = []
    for granule in ("4K", "64K", "16K"):
        if va_bits not in _ARM64_VA_BITS[granule] or (granule == "16K" and _version(kernel) < (4, 4)):
            continue
        shift = _ARM64_SHIFTS[granule]
        candidate = dict(params, page_size=granule)
        if shape == "3.7":
            candidate.update(_arm64_e0_ram(shift, struct_page, memory, vmemmap, e.get("vmalloc"),
                                           notes if not candidates else []))
        else:
            candidate.update(_arm64_ram(shape, shift, struct_page, page_offset, memory, actual, vmemmap,
                                        notes if not candidates else []))
        candidates.append(candidate)
    total_k = _memory_total_k(found)
    if memory is not None and memory.start is not None and total_k and total_k * 1024 < memory.length - 64 * M:
        notes.append(f"ram: the `Memory:` line counts {total_k}K, less than the {memory.length >> 20} MB "
                     "the memory line spans -- RAM has holes; one bank from the first to the last byte reproduces the "
                     "banner, list the real banks (BASE:SIZE,...) for the rest of the layout")
    if not candidates:
        candidates = [dict(params, page_size="4K")]
    return Inference("arm64", "arm64.kl", candidates[0], notes, candidates)


def _arm64_e0_ram(shift: int, default_page: int, memory: Entry | None, vmemmap: Entry | None,
                  vmalloc: Entry | None, notes: list[str]) -> dict[str, str]:
    """v3.7 .. v3.17: RAM from the one vmemmap line, the struct pages of [PHYS_OFFSET, high_memory).

    The array starts 64 KiB above VMALLOC_END and is indexed by the absolute PFN, so the
    line's start gives RAM's base and its length RAM's size, once sizeof(struct page) is
    known: from the memory line when there is one, else the first of the usual sizes (the
    layout's default for the era first) that divides both.
    """
    out: dict[str, str] = {}
    if vmemmap is None or vmalloc is None or vmemmap.start is None or vmalloc.end is None:
        notes.append("ram: the banner has no vmalloc/vmemmap pair; the layout's default RAM is kept")
        return out
    offset, span = vmemmap.start - (vmalloc.end + 0x10000), vmemmap.length
    sizes = [default_page] + [size for size in (64, 56, 72, 80, 48, 88, 96) if size != default_page]
    if memory is not None and memory.start is not None and memory.length >> shift:
        pages = memory.length >> shift
        if span % pages == 0:
            sizes = [span // pages]
    struct_page = next((size for size in sizes if offset % size == 0 and span % size == 0), default_page)
    if struct_page != default_page:
        out["struct_page_size"] = str(struct_page)
    base, size = offset // struct_page << shift, span // struct_page << shift
    out["ram"] = f"{hex(base)}:{_hexsize(size)}"
    if memory is None:
        notes.append(f"ram = {out['ram']}: read from the vmemmap line assuming sizeof(struct page) = {struct_page} "
                     "(the banner has no memory line to confirm it); another struct page size moves RAM")
    return out


def _arm64_ram(shape: str, shift: int, default_page: int, page_offset: int, memory: Entry | None,
               actual: Entry | None, vmemmap: Entry | None, notes: list[str]) -> dict[str, str]:
    """ram, struct_page_size and linear_offset from the memory and vmemmap "actual" lines."""
    out: dict[str, str] = {}
    if memory is None or memory.start is None:
        notes.append("ram: the banner has no memory line; the layout's default RAM is kept")
        return out
    size = memory.length
    struct_page = default_page
    if actual is not None and actual.start is not None and size >> shift:
        span, pages = actual.length, size >> shift
        if span % pages == 0 and 32 <= span // pages <= 256:
            struct_page = span // pages
    if struct_page != default_page:
        out["struct_page_size"] = str(struct_page)
    if shape in ("3.18", "4.1"):  # the linear map starts at PHYS_OFFSET, the array is indexed by absolute PFN
        base = 0
        if actual is not None and vmemmap is not None and actual.start is not None and vmemmap.start is not None:
            base = (actual.start - vmemmap.start) // struct_page << shift
        out["ram"] = f"{hex(base)}:{_hexsize(size)}"
        return out
    offset = memory.start - page_offset  # first byte of RAM - memstart_addr
    linear_offset, base = offset // _G * _G, offset % _G
    out["ram"] = f"{hex(base)}:{_hexsize(size)}"
    if linear_offset:
        out["linear_offset"] = hex(linear_offset)
        notes.append(f"linear_offset = {hex(linear_offset)}: the linear map starts {hex(offset)} above PAGE_OFFSET, "
                     "more than ARM64_MEMSTART_ALIGN allows without KASLR (CONFIG_RANDOMIZE_BASE)")
    notes.append(f"ram base {hex(base)}: from v4.6 the banner shows the physical start of RAM only modulo 1 GiB "
                 "(memstart_addr is rounded down to ARM64_MEMSTART_ALIGN); set the board's real base")
    return out
