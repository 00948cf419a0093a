"""Banner lines: one printed line of "Virtual kernel memory layout", as a value.

The renderers (one module per architecture) turn a :class:`~layoutc.model.types.Layout`
into a tuple of :class:`Line`; :func:`format_line` prints one the way the kernel's
``pr_notice``/``printk`` format did.  Nothing here reads a layout.

Size columns follow the kernel's macros:

* ``MLK``/``MLM``/``MLG`` -- ``(end - start) >> 10/20/30``: truncated (region lines);
* ``MLK_ROUNDUP`` -- ``DIV_ROUND_UP(end - start, 1024)``: rounded up (kernel-image lines).
"""

from __future__ import annotations

from dataclasses import dataclass

SHIFT = {"kB": 10, "KB": 10, "MB": 20, "GB": 30, "TB": 40}


@dataclass(frozen=True, slots=True)
class Style:
    """How one architecture/era prints a line (the printf format, taken apart)."""

    digits: int  # hex digits of an address: %08lx or %16lx
    size_width: int  # %4ld or %6ld
    label_width: int = 11  # width of the label field before " : " (%12s on riscv)
    ptrval: bool = False  # %p hashed before the RNG is ready: "0x(ptrval)" (v4.15+)


@dataclass(frozen=True, slots=True)
class Line:
    """One banner line: what it shows and how the kernel formatted it."""

    key: str  # identity for comparison: "vmalloc", ".text", "vmemmap actual"
    label: str  # the text before " : " as printed, indentation included ("    vmalloc", "      .text")
    start: int
    end: int
    unit: str  # kB KB MB GB TB
    region: bool  # False for the kernel-image lines (.text, .init, ...), which depend on the build
    roundup: bool = False  # MLK_ROUNDUP instead of a truncating shift
    note: str = ""  # "maximum" / "actual" (arm64 vmemmap)
    source: str = ""  # which layout region or constant fed it (documentation, `banner --explain`)

    def size(self) -> int:
        span = self.end - self.start
        shift = SHIFT[self.unit]
        if self.roundup:
            return -(-span // (1 << shift))
        return span >> shift


def format_address(value: int, style: Style, pointer: bool) -> str:
    if pointer and style.ptrval:
        return "(ptrval)" if style.digits == 8 else "(____ptrval____)"
    return f"{value & ((1 << (4 * style.digits)) - 1):0{style.digits}x}" if style.digits else f"{value:x}"


def format_line(line: Line, style: Style) -> str:
    """``<label> : 0x<start> - 0x<end>   (<size> <unit>[ note])`` in the era's widths."""
    pointer = not line.region  # the image lines print symbol addresses with %p
    if line.label.strip():
        head = line.label.ljust(style.label_width) + " : "
    else:  # a continuation line (arm64's "actual" vmemmap span) starts under the addresses
        head = " " * (style.label_width + 3)
    note = f" {line.note}" if line.note else ""
    return (f"{head}0x{format_address(line.start, style, pointer)} - 0x{format_address(line.end, style, pointer)}"
            f"   ({line.size():{style.size_width}d} {line.unit}{note})")
